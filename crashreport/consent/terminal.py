"""The person at the terminal: where the consent screens and questions go.

``open_terminal`` is the one seam between the consent step and a real
terminal. Everything the user sees while being asked (the report, the
summary, the destination, the questions, the full view) is written to
``Terminal.output``, and every key is read from ``Terminal.input`` --
prompt_toolkit's own ``Input`` and ``Output`` objects, which questionary's
questions run on. A test harness (the pytest plugin) replaces this one
function to script answers *through the real prompt code*: the same
select, the same key bindings, the same time limit. It is code, never an
environment variable, flag or option: nothing configures an answer.

The default opens the process's own terminal (stdin for keys, stdout for
the screens, which is where prompt_toolkit draws), after checking that
someone can be asked (``why_not_interactive``), and drops keys typed before
the question was asked. A terminal left in raw
mode by a crashed TUI is put back in a sane, echoing, line-translating mode
for the questions, and whatever mode it was in is restored afterwards --
also when the prompt itself fails.
"""

from __future__ import annotations

import contextlib
import os
import sys

from crashreport._frozen import Frozen
from crashreport.consent.policy import why_not_interactive

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

__all__ = ["NotInteractive", "Terminal", "open_terminal", "pager_command"]


class NotInteractive(Exception):
    """Nobody can be asked; the message says why (``"CI is set"``)."""


class Terminal(Frozen):
    """A conversation's input and output (prompt_toolkit objects).

    ``pager`` is the command that shows a text too long for the screen
    (``None``: write it out whole instead).
    """

    __slots__ = ("input", "output", "pager")
    input: Input
    output: Output
    pager: tuple[str, ...] | None

    def __init__(
        self,
        input: Input,
        output: Output,
        pager: tuple[str, ...] | None = None,
    ) -> None:
        object.__setattr__(self, "input", input)
        object.__setattr__(self, "output", output)
        object.__setattr__(self, "pager", pager)

    def write(self, text: str) -> None:
        """Show ``text`` as is (the caller ends it with a newline)."""
        self.output.write_raw(text)
        self.output.flush()

    def rows(self) -> int:
        """The terminal's height in lines (24 when it cannot be told)."""
        try:
            return max(1, int(self.output.get_size().rows))
        except Exception:
            return 24


def pager_command(environ: dict[str, str] | None = None) -> tuple[str, ...] | None:
    """``$PAGER`` (empty: no pager), else ``less``, else ``more``, else ``None``."""
    env = os.environ if environ is None else environ
    if "PAGER" in env:
        import shlex  # imported here: importing consent (every crash path) needs neither

        try:
            words = tuple(shlex.split(env["PAGER"]))
        except ValueError:
            return None
        return words or None
    import shutil

    for name in ("less", "more"):
        if shutil.which(name):
            # -X: leave the text on the screen after quitting, so the
            # question that follows is read with the report still in view
            return (name, "-X") if name == "less" else (name,)
    return None


@contextlib.contextmanager
def open_terminal() -> Iterator[Terminal]:
    """Open the process's terminal for one conversation; raise ``NotInteractive``.

    Replace this function (and only this one) to drive the prompt from a
    test: yield a ``Terminal`` on prompt_toolkit's ``create_pipe_input()``
    and an ``Output`` of your choice.
    """
    reason = why_not_interactive()
    if reason is not None:
        raise NotInteractive(reason)
    from prompt_toolkit.input import create_input
    from prompt_toolkit.output import create_output

    with contextlib.suppress(Exception):
        sys.stderr.flush()  # Python's own traceback comes first
    fd = sys.stdin.fileno()
    saved = _make_sane(fd)
    _discard_typeahead(fd)
    try:
        yield Terminal(create_input(sys.stdin), create_output(sys.stdout), pager_command())
    finally:
        _restore(fd, saved)


def _make_sane(fd: int) -> list[Any] | None:
    """Put the terminal in cooked mode (echo, lines, signals, CR-LF); return the old mode."""
    try:
        import termios
    except ImportError:  # pragma: no cover - not a POSIX system
        return None
    try:
        saved = termios.tcgetattr(fd)
    except (termios.error, OSError):
        return None
    iflag, oflag, cflag, lflag, ispeed, ospeed, cc = saved
    sane_i = (iflag | termios.ICRNL) & ~(termios.INLCR | termios.IGNCR)
    sane_o = oflag | termios.OPOST | termios.ONLCR
    sane_l = lflag | termios.ICANON | termios.ECHO | termios.ECHOE | termios.ISIG
    sane_l |= termios.IEXTEN
    if (sane_i, sane_o, sane_l) != (iflag, oflag, lflag):
        try:
            termios.tcsetattr(
                fd, termios.TCSANOW, [sane_i, sane_o, cflag, sane_l, ispeed, ospeed, list(cc)]
            )
        except (termios.error, OSError):
            return None
    return saved


def _discard_typeahead(fd: int) -> None:
    """Drop keys typed before the report was on the screen.

    An answer must come from someone who has seen the report: Enter or
    arrow keys pressed while the program was still running (or crashing)
    must not answer a question that was not yet asked.
    """
    try:
        import termios
    except ImportError:  # pragma: no cover - not a POSIX system
        return
    with contextlib.suppress(termios.error, OSError):
        termios.tcflush(fd, termios.TCIFLUSH)


def _restore(fd: int, saved: list[Any] | None) -> None:
    if saved is None:
        return
    import termios

    # TCSANOW, not TCSADRAIN: draining a terminal that was closed or
    # stopped with Ctrl-S could wait forever
    with contextlib.suppress(termios.error, OSError):
        termios.tcsetattr(fd, termios.TCSANOW, saved)
