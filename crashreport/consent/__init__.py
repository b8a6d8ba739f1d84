"""consent: show the redacted report, and ask -- every time, default no.

The only place a ``ConsentedReport`` is made. The parts, one job each:

- ``policy`` -- whether anyone can be asked (``why_not_interactive``);
- ``terminal`` -- the terminal the conversation runs on (``open_terminal``,
  the one seam a test harness replaces to script answers through the real
  prompt);
- ``views`` -- the full view of the payload, paging, saving to a file;
- ``questions`` -- one questionary question, in its own thread, stoppable;
- ``prompt`` -- the conversation itself (``ask``) and its ``Decision``.
"""

from __future__ import annotations

from crashreport.consent.policy import why_not_interactive
from crashreport.consent.prompt import (
    CANCEL,
    CHOICES,
    DECLINE,
    NO_TERMINAL,
    SEND,
    UNANSWERED,
    Decision,
    ask,
    one_at_a_time,
)
from crashreport.consent.terminal import NotInteractive, Terminal
from crashreport.consent.views import default_save_name, full_view, save_payload
from crashreport.payload import _CONSENT_KEY, ConsentedReport, Payload

__all__ = [
    "CANCEL",
    "CHOICES",
    "DECLINE",
    "NO_TERMINAL",
    "SEND",
    "UNANSWERED",
    "Decision",
    "NotInteractive",
    "Terminal",
    "ask",
    "consented_from_outbox",
    "default_save_name",
    "full_view",
    "one_at_a_time",
    "save_payload",
    "why_not_interactive",
]


def consented_from_outbox(payload: Payload) -> ConsentedReport:
    """A report the user agreed to send earlier, read back from the outbox queue.

    Only for entries in the outbox's ``queued`` state -- those are written
    only after a "Send report" (``deliver`` queues what it could not send).
    Reports kept for review were never agreed to: they go through ``ask``.
    """
    return ConsentedReport(payload, _key=_CONSENT_KEY)
