"""What handling a crash came to: a value the CLI, tests and the pytest plugin assert on."""

from __future__ import annotations

import enum

import attrs

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


@attrs.frozen
class Outcome:
    """The result of handling one report."""

    status: Status
    report_id: str | None = None
    detail: str = ""
    path: str | None = None  # where the report waits, when it was kept or queued

    @property
    def sent(self) -> bool:
        """Whether the report reached the server."""
        return self.status is Status.SENT
