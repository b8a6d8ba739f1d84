"""questions: one questionary question at a time, on a ``Terminal``, safely.

Each question runs in a thread of its own: prompt_toolkit starts an event
loop, which it cannot do inside the host's running asyncio loop (a crash
reported from a coroutine), and the asking thread stays free to notice a
closed terminal or an exception (an interrupt, the host's signal handler
raising) and stop the question cleanly -- which is what restores the
terminal. Every question has Ctrl-D bound to "cancel" and a time limit.
"""

from __future__ import annotations

import contextlib
import os
import select as _select
import threading

from crashreport.hooks import INTERNAL

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from crashreport.consent.terminal import Terminal

__all__ = ["Cancelled", "Closed", "Stopped", "Timeout", "select", "text"]


class Timeout(Exception):
    """No answer within the time limit."""


class Cancelled(Exception):
    """Ctrl-D (Ctrl-C is ``KeyboardInterrupt``, as questionary raises it)."""


class Closed(Exception):
    """The terminal hung up."""


class Stopped(Exception):
    """The asking thread stopped the question (an exception reached it)."""


def select(
    term: Terminal, message: str, choices: tuple[str, ...], default: str, timeout: float
) -> str:
    """questionary's ``select``, its pointer on ``default``; returns the choice."""
    import questionary

    question = questionary.select(
        message,
        choices=list(choices),
        default=default,
        instruction="(arrow keys, Enter)",
        input=term.input,
        output=term.output,
    )
    return str(_run(question, term, timeout))


def text(term: Terminal, message: str, default: str, timeout: float) -> str:
    """questionary's ``text`` with ``default`` filled in; returns what was typed."""
    import questionary

    question = questionary.text(message, default=default, input=term.input, output=term.output)
    return str(_run(question, term, timeout))


def _run(question: Any, term: Terminal, timeout: float) -> Any:
    """Run one question in a thread of its own; Ctrl-D, a time limit, a clean stop.

    The asking thread waits, and stops the question (which restores the
    terminal) when the terminal hangs up, or when an exception reaches it
    -- an interrupt, or the host's signal handler raising mid-question.
    """
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    app = question.application
    extra = KeyBindings()

    @extra.add("c-d", eager=True)
    def _eof(event: Any) -> None:
        event.app.exit(exception=Cancelled(), style="class:aborting")

    app.key_bindings = merge_key_bindings([b for b in (app.key_bindings, extra) if b])
    stop: list[BaseException] = []  # why the asking thread wants the question ended

    def end(exc: BaseException) -> None:
        if app.is_running and app.future is not None and not app.future.done():
            app.exit(exception=exc, style="class:aborting")

    def pre_run() -> None:
        import asyncio

        asyncio.get_running_loop().call_later(timeout, end, Timeout())
        if stop:  # asked to stop before the question was up
            end(stop[0])

    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            # set_exception_handler=False: prompt_toolkit's handler waits for
            # Enter after an error -- forever, on a closed terminal
            outcome["value"] = app.run(
                pre_run=pre_run, handle_sigint=False, set_exception_handler=False
            )
        except BaseException as exc:  # carried to the asking thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="crashreport-prompt", daemon=True)
    setattr(thread, INTERNAL, True)  # a crash of the prompt itself is never reported
    thread.start()
    fd = _fileno(term.input)
    try:
        while thread.is_alive():
            thread.join(0.2)
            if fd is not None and thread.is_alive() and _hung_up(fd):
                _stop(app, stop, end, Closed())
                thread.join(5.0)
    except BaseException:
        _stop(app, stop, end, Stopped())
        thread.join(5.0)
        raise
    if "error" in outcome:
        raise outcome["error"]
    if "value" not in outcome:  # the question would not end: give up on it
        raise stop[0] if stop else Stopped()
    if outcome["value"] is None:
        raise KeyboardInterrupt  # questionary's own way of saying "cancelled"
    return outcome["value"]


def _stop(
    app: Any, stop: list[BaseException], end: Callable[[BaseException], None], why: BaseException
) -> None:
    stop.append(why)
    loop = app.loop
    if loop is not None:
        # RuntimeError: the loop has just closed, so the question is over anyway
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(end, why)


def _fileno(source: Any) -> int | None:
    try:
        return int(source.fileno())
    except Exception:
        return None


def _hung_up(fd: int) -> bool:
    """Whether the other end of ``fd`` is gone (a closed terminal window, a closed pipe)."""
    if not hasattr(_select, "poll"):  # pragma: no cover - Windows: the prompt's own EOF
        return False
    poller = _select.poll()
    poller.register(fd, _select.POLLIN)
    try:
        events = poller.poll(0)
    except OSError:
        return True
    for _fd, event in events:
        if event & _select.POLLNVAL:
            return True
        if event & _select.POLLHUP:
            # a pipe reports HUP while unread keys remain: let them be read first
            return os.isatty(fd) or not event & _select.POLLIN
    return False
