"""``Outbox``: a private outbox for one test, and what waits in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["Outbox"]

VARIABLE = "CRASHREPORT_OUTBOX_DIR"


class Outbox:
    """The outbox directory of a test (``CRASHREPORT_OUTBOX_DIR`` points there).

    The variable overrides any ``outbox_dir`` the code under test passes, so
    nothing a test does reaches the user's own outbox.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"Outbox({str(self.path)!r})"

    def entries(self, state: str | None = None) -> list[Any]:
        """The reports waiting (``crashreport.transport.outbox.Entry``), oldest first;
        only those in ``state`` (``"review"``, ``"queued"``, ``"rejected"``) if given."""
        from crashreport.transport import outbox

        if state is not None and state not in (outbox.REVIEW, outbox.QUEUED, outbox.REJECTED):
            raise ValueError(f"unknown state {state!r}; known: review, queued, rejected")
        found = outbox.entries(self.path, say=None)
        return [entry for entry in found if state is None or entry.state == state]

    def report_ids(self, state: str | None = None) -> list[str]:
        """The ids of the reports waiting (in ``state``, if given)."""
        return [entry.report_id for entry in self.entries(state)]
