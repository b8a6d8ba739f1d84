"""The prompt: show the report, then ask -- every time, default "Don't send".

``ask`` is the only code that makes a ``ConsentedReport`` from a fresh
report. One conversation at a time for the whole process (several threads
crashing at once are asked one after the other, none lost, none asked
twice). Each question is questionary's ``select`` or ``text`` (see
``questions``), on the ``Terminal`` from ``terminal.open_terminal``.

Every way a conversation can end without "Send report" means "don't send":
"Don't send", Ctrl-C, Ctrl-D, no answer within the time limit, a closed
terminal, and any failure of the prompt itself.
"""

from __future__ import annotations

import errno
import threading

from crashreport._frozen import Frozen
from crashreport.consent import terminal as _terminal
from crashreport.consent.questions import Cancelled, Closed, Timeout, select, text
from crashreport.consent.terminal import NotInteractive, Terminal
from crashreport.consent.views import (
    default_save_name,
    describe_os_error,
    full_view,
    page,
    save_payload,
)
from crashreport.payload import _CONSENT_KEY, ConsentedReport

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    import contextlib
    from collections.abc import Callable

    from crashreport.payload import Payload

__all__ = [
    "CANCEL",
    "CHOICES",
    "DECLINE",
    "NO_TERMINAL",
    "SEND",
    "UNANSWERED",
    "Decision",
    "ask",
    "one_at_a_time",
]

# The answers (``Decision.answer``)
SEND = "send"  # "Send report"
DECLINE = "decline"  # "Don't send"
CANCEL = "cancel"  # Ctrl-C or Ctrl-D: the person is there and stopped the question
UNANSWERED = "unanswered"  # no answer in time, the terminal closed, the prompt failed
NO_TERMINAL = "no_terminal"  # nobody could be asked at all (CI, no TTY, ...)

# The choices of the select, in order; the pointer starts on "Don't send".
SEND_REPORT = "Send report"
DONT_SEND = "Don't send"
VIEW = "View full report"
SAVE = "Save to file"
COMMENT = "Add a comment"
CHOICES = (SEND_REPORT, DONT_SEND, VIEW, SAVE, COMMENT)

# One conversation at a time, whichever thread crashed. Re-entrant, so that
# a caller can hold it from the screens to the line that says what became
# of the report (``one_at_a_time``) and ``ask`` still takes it itself.
_LOCK = threading.RLock()
_asking: set[int] = set()  # threads inside a question (a signal handler may re-enter)


class Decision(Frozen):
    """How one conversation ended.

    ``answer`` is one of ``SEND``, ``DECLINE``, ``CANCEL``, ``UNANSWERED``,
    ``NO_TERMINAL``; ``reason`` says why in words for the last three.
    ``payload`` is what was shown last (a comment changes it); ``consented``
    is set for ``SEND`` only.
    """

    __slots__ = ("answer", "payload", "consented", "reason")  # noqa: RUF023 - constructor order
    answer: str
    payload: Payload
    consented: ConsentedReport | None
    reason: str

    def __init__(
        self,
        answer: str,
        payload: Payload,
        consented: ConsentedReport | None = None,
        reason: str = "",
    ) -> None:
        object.__setattr__(self, "answer", answer)
        object.__setattr__(self, "payload", payload)
        object.__setattr__(self, "consented", consented)
        object.__setattr__(self, "reason", reason)


class _Conversation:
    """One conversation's state: what is shown now (a comment changes it)."""

    __slots__ = ("payload", "timeout")

    def __init__(self, payload: Payload, timeout: float) -> None:
        self.payload = payload
        self.timeout = timeout


def one_at_a_time() -> contextlib.AbstractContextManager[bool]:
    """Hold the process's one conversation: no other report is shown or asked about
    meanwhile. Hold it until the result is said ("sent", "kept in ..."), so that
    the next report's screens never come between a question and its answer."""
    return _LOCK


def ask(
    payload: Payload,
    *,
    screen: str,
    destination: str,
    add_comment: Callable[[str], tuple[Payload, str]],
    timeout: float,
) -> Decision:
    """Show ``screen`` and ask whether to send ``payload`` to ``destination``.

    ``screen`` is the redacted report, its summary and the destination, as
    the user reads them. ``add_comment`` turns the user's comment into the
    new payload (redacted like the rest) and the comment as it will be sent.
    ``timeout`` bounds the wait for each answer, in seconds. Never raises
    for anything the user, the terminal or the prompt does (a
    ``SystemExit`` raised by the host's signal handler goes on, after the
    terminal is restored).
    """
    me = threading.get_ident()
    if me in _asking:  # a crash reported from a signal handler, mid-question
        return Decision(UNANSWERED, payload, reason="another report was being asked about")
    with _LOCK:
        _asking.add(me)
        try:
            return _ask(_Conversation(payload, timeout), screen, destination, add_comment)
        finally:
            _asking.discard(me)


def _ask(
    talk: _Conversation,
    screen: str,
    destination: str,
    add_comment: Callable[[str], tuple[Payload, str]],
) -> Decision:
    try:
        with _terminal.open_terminal() as term:
            return _converse(term, talk, screen, destination, add_comment)
    except NotInteractive as exc:
        return Decision(NO_TERMINAL, talk.payload, reason=str(exc))
    except Timeout:
        return Decision(UNANSWERED, talk.payload, reason=f"no answer in {talk.timeout:g} seconds")
    except Cancelled:
        return Decision(CANCEL, talk.payload, reason="Ctrl-D")
    except KeyboardInterrupt:
        return Decision(CANCEL, talk.payload, reason="Ctrl-C")
    except (Closed, EOFError):
        return Decision(UNANSWERED, talk.payload, reason="the terminal was closed")
    except OSError as exc:
        if exc.errno in (errno.EIO, errno.EBADF, errno.ENXIO, errno.EPIPE):
            return Decision(UNANSWERED, talk.payload, reason="the terminal was closed")
        return Decision(UNANSWERED, talk.payload, reason=f"the prompt failed ({exc})")
    except Exception as exc:  # the prompt itself failed: the safe answer is no
        reason = f"the prompt failed ({type(exc).__name__})"
        return Decision(UNANSWERED, talk.payload, reason=reason)


def _converse(
    term: Terminal,
    talk: _Conversation,
    screen: str,
    destination: str,
    add_comment: Callable[[str], tuple[Payload, str]],
) -> Decision:
    term.write(screen)
    question = f"Send this crash report to {destination}?"
    while True:
        choice = select(term, question, CHOICES, DONT_SEND, talk.timeout)
        if choice == SEND_REPORT:
            consented = ConsentedReport(talk.payload, _key=_CONSENT_KEY)
            return Decision(SEND, talk.payload, consented)
        if choice == VIEW:
            page(full_view(talk.payload), term)
        elif choice == SAVE:
            _save(term, talk)
        elif choice == COMMENT:
            _comment(term, talk, add_comment)
        else:
            return Decision(DECLINE, talk.payload)


def _save(term: Terminal, talk: _Conversation) -> None:
    default = default_save_name(talk.payload)
    where = text(term, "Save the report to:", default, talk.timeout)
    try:
        path = save_payload(talk.payload, where)
    except OSError as exc:
        term.write(f"crashreport: not saved to {where or default}: {describe_os_error(exc)}\n")
        return
    body = talk.payload
    term.write(f"crashreport: saved to {path} ({len(body.body)} bytes, sha256 {body.digest})\n")


def _comment(
    term: Terminal, talk: _Conversation, add_comment: Callable[[str], tuple[Payload, str]]
) -> None:
    comment = text(term, "Your comment (it is redacted like the rest):", "", talk.timeout)
    if not comment.strip():
        term.write("crashreport: no comment added\n")
        return
    try:
        talk.payload, shown = add_comment(comment)
    except Exception as exc:  # fail closed: a comment that cannot be redacted is not added
        term.write(f"crashreport: the comment could not be redacted ({type(exc).__name__})\n")
        return
    lines = "".join(f"    {line}\n" for line in shown.splitlines())
    term.write(f"crashreport: your comment, as it will be sent:\n{lines}")
