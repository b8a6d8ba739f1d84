"""Sends: which consent a report handed to a transport has, and what becomes of it.

A report may go if it is the very ``ConsentedReport`` a "Send report" made
while the watch ran, or one read back from the outbox in the ``queued`` (or
``rejected``) state -- agreed to before. A report read back from the
``review`` state was never agreed to; anything else was not made by the
consent step at all. Those are blocked: never delivered, whatever
``Recording.deliver`` says.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from crashreport.payload import ConsentedReport, Payload
from crashreport.testing._guard import GUARD
from crashreport.testing._records import OUTBOX, PROMPT, Conversation, Recording, Sent
from crashreport.transport.base import Delivery, Destination

__all__ = ["RECORDED", "STAYS", "Ledger", "judge", "transport_classes"]

RECORDED = "recorded by crashreport.testing (not sent)"
STAYS = "recorded by crashreport.testing (not sent; it stays in the outbox)"


class Ledger:
    """The consents seen: each yes (with its conversation), each report read back
    from the outbox (with its state)."""

    def __init__(self) -> None:
        self._yes: list[tuple[ConsentedReport, Conversation]] = []
        self._entries: list[tuple[Payload, str]] = []
        self._lock = threading.Lock()

    def add_yes(self, report: ConsentedReport, talk: Conversation) -> None:
        """A "Send report" made ``report`` in ``talk``."""
        with self._lock:
            self._yes.append((report, talk))

    def note(self, entry: Any) -> None:
        """An outbox entry was read back (``outbox.entries``, ``outbox.claim``)."""
        with self._lock:
            self._entries.append((entry.payload, entry.state))

    def consent_of(self, report: ConsentedReport) -> tuple[str | None, Conversation | None, str]:
        """(origin, conversation, why not) of a report handed to a transport."""
        from crashreport.transport.outbox import QUEUED, REJECTED, REVIEW

        with self._lock:
            talk = next((t for r, t in self._yes if r is report), None)
            states = [s for p, s in self._entries if p is report.payload]
            states = states or [s for p, s in self._entries if p == report.payload]
        if talk is not None:
            return PROMPT, talk, ""
        if states and states[-1] in (QUEUED, REJECTED):
            return OUTBOX, None, ""
        if states and states[-1] == REVIEW:
            return None, None, "it was kept in the outbox for review, and nobody agreed to send it"
        return (
            None,
            None,
            'no "Send report" was answered for it in this test (it was not made by the '
            "consent step, nor read back from the outbox queue)",
        )


def judge(
    report: object,
    destination: Destination,
    deliver: Callable[[], Delivery],
    *,
    ledger: Ledger,
    recording: Recording,
    problem: Callable[[str, str], None],
    dry_run: bool,
) -> Delivery:
    """One send: checked against ``ledger``, recorded, then ``deliver()``-ed or not."""
    host = destination.host
    if not isinstance(report, ConsentedReport):
        problem(
            GUARD,
            f"a {type(report).__name__} was handed to a transport for {host}; "
            "transports take only a ConsentedReport",
        )
        return Delivery(False, "refused by crashreport.testing: not a ConsentedReport", attempts=0)
    origin, talk, why_not = ledger.consent_of(report)
    shown = talk.shown_text() if talk is not None else ""
    delivered = False
    if dry_run:
        problem(
            GUARD,
            f"report {report.report_id} was handed to a transport for {host} "
            "during a dry run (a dry run sends nothing)",
        )
        delivery = Delivery(False, "blocked by crashreport.testing: dry run", attempts=0)
    elif origin is None:
        problem(
            GUARD, f"report {report.report_id} was sent to {host} without a recorded yes: {why_not}"
        )
        delivery = Delivery(
            False, "blocked by crashreport.testing: nobody agreed to send this report", attempts=0
        )
    else:
        if talk is not None and report.payload != talk.payload:
            problem(
                GUARD, f"report {report.report_id}: what was sent is not the payload that was shown"
            )
        delivered = recording.deliver
        if delivered:
            delivery = deliver()
        elif origin == OUTBOX:
            # answered "try again later", never "delivered": the report stays where it
            # waits (perhaps the user's own outbox), so a recording test loses nothing
            delivery = Delivery(False, STAYS, retry=True, attempts=0)
        else:
            delivery = Delivery(True, RECORDED, attempts=0)
    recording.add_sent(Sent(report.payload, destination, origin, shown, delivery, delivered))
    return delivery


def transport_classes() -> list[type[Any]]:
    """Every class of ``crashreport.transport`` that sends (each module imported)."""
    import importlib
    import pkgutil

    import crashreport.transport as package

    found = []
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == module.__name__
                and callable(value.__dict__.get("send"))
                and not getattr(value, "_is_protocol", False)
            ):
                found.append(value)
    return found
