"""A scripted terminal: what ``consent.terminal.open_terminal`` yields under ``Answers``.

The keys of each question are typed only when that question is up: each
question of the prompt is one prompt_toolkit application, which attaches its
input when it starts, and that is when ``ScriptedInput`` types the next
question's keys into its pipe. So no key is read by a question it was not
meant for, and a conversation that asks more than the script answers is
noticed (the terminal then closes: the question ends, nothing is sent).
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import Input, PipeInput, create_pipe_input
from prompt_toolkit.output import Output
from prompt_toolkit.output.vt100 import Vt100_Output

from crashreport.consent.terminal import Terminal
from crashreport.testing._steps import Feed

if TYPE_CHECKING:
    from prompt_toolkit.key_binding import KeyPress

__all__ = ["ScriptedInput", "ScriptedTerminal", "scripted_terminal"]

ROWS, COLUMNS = 1000, 200  # tall enough that the full view is written, never paged


class ScriptedInput(Input):
    """prompt_toolkit input that types the next question's keys when a question starts."""

    def __init__(
        self, pipe: PipeInput, feeds: Sequence[Feed], out_of_script: Callable[[], None]
    ) -> None:
        self._pipe = pipe
        self._feeds = list(feeds)
        self._out_of_script = out_of_script
        self._lock = threading.Lock()
        self.questions = 0  # how many questions were asked

    @property
    def remaining(self) -> tuple[Feed, ...]:
        """The feeds of questions not asked (yet)."""
        with self._lock:
            return tuple(self._feeds)

    def attach(self, input_ready_callback: Callable[[], None]) -> AbstractContextManager[None]:
        """A question starts: type its keys (or close the terminal), then read them."""
        with self._lock:
            self.questions += 1
            feed = self._feeds.pop(0) if self._feeds else None
        if feed is None:
            self._out_of_script()
            self._pipe.close()
        elif feed.close:
            self._pipe.close()
        elif feed.keys:
            self._pipe.send_text(feed.keys)
        return self._pipe.attach(input_ready_callback)

    def detach(self) -> AbstractContextManager[None]:
        """As the pipe does."""
        return self._pipe.detach()

    def fileno(self) -> int:
        """The pipe's read end."""
        return self._pipe.fileno()

    def typeahead_hash(self) -> str:
        """The pipe's."""
        return self._pipe.typeahead_hash()

    def read_keys(self) -> list[KeyPress]:
        """The keys typed so far."""
        return self._pipe.read_keys()

    def flush_keys(self) -> list[KeyPress]:
        """A lone Escape, and the like, once the wait for more is over."""
        return self._pipe.flush_keys()

    def flush(self) -> None:
        """As the pipe does."""
        self._pipe.flush()

    @property
    def closed(self) -> bool:
        """Whether the terminal went away."""
        return self._pipe.closed

    def raw_mode(self) -> AbstractContextManager[None]:
        """A pipe has no modes."""
        return self._pipe.raw_mode()

    def cooked_mode(self) -> AbstractContextManager[None]:
        """A pipe has no modes."""
        return self._pipe.cooked_mode()

    def close(self) -> None:
        """The terminal goes away."""
        self._pipe.close()


class ScriptedTerminal(Terminal):
    """A ``Terminal`` that also keeps each text the consent step writes on it."""

    __slots__ = ("shown",)
    shown: list[str]

    def __init__(
        self,
        input: Input,
        output: Output,
        pager: tuple[str, ...] | None = None,
        shown: list[str] | None = None,
    ) -> None:
        super().__init__(input, output, pager)
        object.__setattr__(self, "shown", [] if shown is None else shown)

    def write(self, text: str) -> None:
        """Show ``text`` and keep it."""
        self.shown.append(text)
        Terminal.write(self, text)


@contextlib.contextmanager
def scripted_terminal(
    feeds: Sequence[Feed], shown: list[str], screen: io.StringIO, out_of_script: Callable[[], None]
) -> Iterator[tuple[ScriptedTerminal, ScriptedInput]]:
    """A terminal answering with ``feeds``; what the consent step writes goes to
    ``shown``, and everything drawn (the questions too) to ``screen``."""
    output = Vt100_Output(screen, lambda: Size(rows=ROWS, columns=COLUMNS), term="xterm")
    with create_pipe_input() as pipe:
        keys = ScriptedInput(pipe, feeds, out_of_script)
        yield ScriptedTerminal(keys, output, None, shown), keys
