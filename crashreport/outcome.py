"""What handling a crash came to: a value the CLI, tests and the pytest plugin assert on."""

from __future__ import annotations

import enum

from crashreport._frozen import Frozen

__all__ = ["Outcome", "Status"]


class Status(enum.Enum):
    """How handling one report ended."""

    SENT = "sent"  # the user said yes and the server has it
    QUEUED = "queued"  # the user said yes; it waits in the outbox for delivery
    DECLINED = "declined"  # the user said no (or Ctrl-C, EOF)
    KEPT = "kept"  # nobody could answer; kept in the outbox for review
    DISCARDED = "discarded"  # nobody could answer, and the host app keeps nothing
    DRY_RUN = "dry_run"  # shown, nothing sent, no socket opened
    NO_DESTINATION = "no_destination"  # shown; there is nowhere to send it
    REDACTION_FAILED = "redaction_failed"  # a rule failed: not offered (fail closed)


class Outcome(Frozen):
    """The result of handling one report; ``path`` is where the report waits,
    when it was kept or queued.

    A plain frozen class, not attrs: the hook imports this module as soon as
    an exception arrives, before anything is shown.
    """

    __slots__ = ("status", "report_id", "detail", "path")  # noqa: RUF023 - constructor order
    status: Status
    report_id: str | None
    detail: str
    path: str | None

    def __init__(
        self,
        status: Status,
        report_id: str | None = None,
        detail: str = "",
        path: str | None = None,
    ) -> None:
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "report_id", report_id)
        object.__setattr__(self, "detail", detail)
        object.__setattr__(self, "path", path)

    @property
    def sent(self) -> bool:
        """Whether the report reached the server."""
        return self.status is Status.SENT
