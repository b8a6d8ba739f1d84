"""consent: show the redacted report, and ask -- every time, default no.

The only place a ``ConsentedReport`` is made. The prompt is questionary's
``select``; it runs in a thread of its own (so it works inside a running
asyncio loop and from any thread), one prompt at a time for the whole
process, with a time limit after which the answer is "don't send".
Ctrl-C, Ctrl-D, a closed terminal, a timeout and any failure of the prompt
itself all mean "don't send".
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any, TextIO

import attrs

from crashreport.hooks import INTERNAL
from crashreport.payload import _CONSENT_KEY, ConsentedReport, Payload

__all__ = [
    "CHOICES",
    "Decision",
    "ask",
    "consented_from_outbox",
    "why_not_interactive",
]

SEND = "Send report"
DONT_SEND = "Don't send"
VIEW = "View full report"
SAVE = "Save to file"
COMMENT = "Add a comment"
CHOICES = (SEND, DONT_SEND, VIEW, SAVE, COMMENT)

_PROMPT_LOCK = threading.Lock()  # one prompt at a time, whichever thread crashed


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in ("", "0", "false", "no", "off")


def why_not_interactive(
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> str | None:
    """Why nobody can be asked (``"CI is set"``, ...), or ``None`` if someone can."""
    env = os.environ if environ is None else environ
    if _truthy(env.get("CI")):
        return "CI is set"
    if _truthy(env.get("DO_NOT_TRACK")):
        return "DO_NOT_TRACK is set"
    if env.get("TERM") == "dumb":
        return "TERM is dumb"
    for name, stream in (("stdin", stdin or sys.stdin), ("stdout", stdout or sys.stdout)):
        try:
            if stream is None or stream.closed or not stream.isatty():
                return f"{name} is not a terminal"
        except (AttributeError, ValueError, OSError):
            return f"{name} is not a terminal"
    return None


@attrs.frozen
class Decision:
    """The answer for one report: ``send``, ``decline`` or ``timeout``.

    ``payload`` is what was shown last (it changes when a comment is added);
    ``consented`` is set only for ``send``.
    """

    answer: str
    payload: Payload
    consented: ConsentedReport | None = None


def consented_from_outbox(payload: Payload) -> ConsentedReport:
    """A report the user agreed to earlier, read back from the outbox queue."""
    return ConsentedReport(payload, _key=_CONSENT_KEY)


class _Timeout(Exception):
    pass


def ask(
    payload: Payload,
    *,
    destination: str,
    add_comment: Callable[[str], tuple[Payload, str]],
    timeout: float,
    out: TextIO | None = None,
) -> Decision:
    """Ask whether to send ``payload`` to ``destination``; loop until an answer.

    ``add_comment`` turns the user's comment into the new payload (redacted
    like the rest) and the text to show back. Never raises for anything the
    user or the terminal does.
    """
    stream = out or sys.stderr
    with _PROMPT_LOCK:
        while True:
            try:
                choice = _select(
                    f"Send this crash report to {destination}?", CHOICES, DONT_SEND, timeout
                )
            except _Timeout:
                _say(stream, f"no answer in {timeout:g} seconds: not sent")
                return Decision("timeout", payload)
            except (KeyboardInterrupt, EOFError):
                return Decision("decline", payload)
            except Exception as exc:  # the prompt itself failed: the safe answer is no
                _say(stream, f"the prompt failed ({type(exc).__name__}): not sent")
                return Decision("decline", payload)
            if choice == SEND:
                return Decision("send", payload, ConsentedReport(payload, _key=_CONSENT_KEY))
            if choice == VIEW:
                _page(_full_view(payload), stream)
            elif choice == SAVE:
                _save(payload, timeout, stream)
            elif choice == COMMENT:
                payload = _comment(payload, add_comment, timeout, stream)
            else:
                return Decision("decline", payload)


def _full_view(payload: Payload) -> str:
    body = payload.body.decode("utf-8")
    return (
        f"{body}\n"
        f"-- {len(payload.body)} bytes, sha256 {payload.digest} --\n"
        "-- this is every byte that will be sent --\n"
    )


def _save(payload: Payload, timeout: float, stream: TextIO) -> None:
    default = f"crashreport-{payload.report_id[:8]}.json"
    try:
        answer = _text("Save the report to:", default, timeout)
    except (_Timeout, KeyboardInterrupt, EOFError):
        return
    path = os.path.abspath(os.path.expanduser(answer.strip() or default))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(payload.body)
    except OSError as exc:
        _say(stream, f"could not save to {path}: {exc.strerror or exc}")
        return
    _say(stream, f"saved to {path}")


def _comment(
    payload: Payload,
    add_comment: Callable[[str], tuple[Payload, str]],
    timeout: float,
    stream: TextIO,
) -> Payload:
    try:
        text = _text("Your comment (it is redacted like the rest):", "", timeout)
    except (_Timeout, KeyboardInterrupt, EOFError):
        return payload
    if not text.strip():
        return payload
    new_payload, shown = add_comment(text)
    _say(stream, "your comment, as it will be sent:")
    stream.write("".join(f"    {line}\n" for line in shown.splitlines()))
    stream.flush()
    return new_payload


def _say(stream: TextIO, message: str) -> None:
    stream.write(f"crashreport: {message}\n")
    stream.flush()


def _page(text: str, stream: TextIO) -> None:
    """Show ``text`` whole; through a pager when it does not fit the terminal."""
    rows = shutil.get_terminal_size((80, 24)).lines
    pager = os.environ.get("PAGER") or ("less -R" if shutil.which("less") else "")
    if text.count("\n") < rows - 2 or not pager:
        stream.write(text)
        stream.flush()
        return
    try:
        subprocess.run(shlex.split(pager), input=text.encode("utf-8"), check=False)
    except OSError:
        stream.write(text)
        stream.flush()


# ---------------------------------------------------------------- questionary


def _select(message: str, choices: tuple[str, ...], default: str, timeout: float) -> str:
    import questionary

    question = questionary.select(
        message,
        choices=list(choices),
        default=default,
        instruction="(arrow keys, Enter)",
    )
    return str(_run(question, timeout))


def _text(message: str, default: str, timeout: float) -> str:
    import questionary

    return str(_run(questionary.text(message, default=default), timeout))


def _run(question: Any, timeout: float) -> Any:
    """Run a questionary question in its own thread, with Ctrl-D and a time limit.

    A thread of its own: prompt_toolkit starts an event loop, which it
    cannot do inside the host's running asyncio loop.
    """
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    app = question.application
    extra = KeyBindings()

    @extra.add("c-d", eager=True)
    def _eof(event: Any) -> None:
        event.app.exit(exception=EOFError(), style="class:aborting")

    app.key_bindings = merge_key_bindings([app.key_bindings, extra])

    def start_timer() -> None:
        import asyncio

        def expire() -> None:
            if app.is_running and not app.future.done():
                app.exit(exception=_Timeout(), style="class:aborting")

        asyncio.get_running_loop().call_later(timeout, expire)

    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = app.run(pre_run=start_timer, handle_sigint=False)
        except BaseException as exc:  # carried to the asking thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="crashreport-prompt", daemon=True)
    setattr(thread, INTERNAL, True)  # a crash of the prompt itself is never reported
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    if outcome.get("value") is None:
        raise KeyboardInterrupt  # questionary's own way of saying "cancelled"
    return outcome["value"]
