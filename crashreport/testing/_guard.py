"""``Guard``, and the failure a ``Watch`` raises (``CheckFailed``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crashreport.testing._watch import Watch

__all__ = ["ANSWERS", "GUARD", "CheckFailed", "Guard", "describe"]

GUARD, ANSWERS = "guard", "answers"  # the kinds of problem


class CheckFailed(AssertionError):
    """What a ``Watch`` found wrong (the message lists each problem)."""


class Guard:
    """Fails the test for a report sent without a recorded yes, and for a socket
    opened during a dry run (a report handled with ``dry_run``, or a
    ``dry_run()`` block)."""

    def __init__(self, watch: Watch) -> None:
        self._watch = watch
        self.enabled = False

    def __repr__(self) -> str:
        return f"<Guard enabled={self.enabled} problems={len(self.problems)}>"

    def enable(self) -> None:
        """Turn the guard on (the ``crashreport_guard`` fixture does)."""
        self.enabled = True

    @contextlib.contextmanager
    def dry_run(self) -> Iterator[None]:
        """A block that is a dry run: no socket may be opened in it, by any thread."""
        self.enable()
        with self._watch.dry_scope(None, "a dry run (crashreport_guard.dry_run())"):
            yield

    @property
    def problems(self) -> list[str]:
        """What the guard found so far."""
        return self._watch.problems(GUARD)

    def check(self) -> None:
        """Raise ``CheckFailed`` now if the guard found anything."""
        if self.problems:
            raise CheckFailed(describe(self.problems))


def describe(problems: list[str]) -> str:
    """The failure message for ``problems``."""
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return f"crashreport.testing found {count}:\n  - " + "\n  - ".join(problems)
