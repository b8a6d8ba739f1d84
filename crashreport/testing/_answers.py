"""``Answers``: scripted answers to the consent prompt, through the real prompt.

A test fixture API only. It replaces the one seam the consent step has for
a terminal (``crashreport.consent.terminal.open_terminal``), for the time a
``Watch`` runs, so that keys reach the real select, the real key bindings
and the real time limit. Nothing else can answer the prompt: no environment
variable, flag, option or file does, in tests or anywhere else.
"""

from __future__ import annotations

import collections
import contextlib
import io
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs

from crashreport.consent import terminal as _terminal
from crashreport.consent.terminal import NotInteractive, Terminal
from crashreport.testing._steps import NOBODY, WAIT, Feed, Step, compile_steps
from crashreport.testing._terminal import scripted_terminal

if TYPE_CHECKING:
    from crashreport.testing._watch import Watch

__all__ = ["MAX_WAIT", "Answers"]

MAX_WAIT = 30.0  # seconds: a WAIT longer than this would only slow the suite down


class Answers:
    """The answers a test scripts for the consent prompt, one conversation at a time.

    ``script(*steps)`` queues the steps of the next conversation (the prompt
    about the next report); they are taken in order, one conversation per
    prompt. Steps are ``SEND``, ``DONT_SEND``, ``VIEW``, ``save(path)``,
    ``comment(text)``, ``CTRL_C``, ``CTRL_D``, ``WAIT``, ``CLOSE``, ``NOBODY``
    -- or words for them: ``"yes"``, ``"no"``, ``"view"``, ``"save"``,
    ``"comment: TEXT"``, ``"ctrl-c"``, ``"ctrl-d"``, ``"wait"``, ``"close"``,
    ``"nobody"``. The test fails if a prompt opens with no conversation
    scripted for it, if a conversation ends before its steps are used up,
    or if a scripted conversation is never asked.

    This is a test fixture API, and the only way to answer the prompt other
    than a person at a terminal: no environment variable, flag or
    configuration answers it. The scripted person stands for someone at a
    terminal, so ``CI``, ``DO_NOT_TRACK`` and the no-TTY checks are not
    consulted while a script answers (``NOBODY`` plays "nobody there").
    """

    def __init__(self, watch: Watch) -> None:
        self._watch = watch
        self._queue: collections.deque[tuple[tuple[Step, ...], tuple[Feed, ...]]] = (
            collections.deque()
        )
        self._lock = threading.Lock()
        self.active = False

    def __repr__(self) -> str:
        return f"<Answers pending={self.pending!r}>"

    def script(self, *steps: Step | str) -> Answers:
        """Queue the steps of the next conversation; returns ``self`` (to chain).

        Raises ``ValueError`` for a script that cannot be meant: one that does
        not end (``VIEW`` last), steps after the end, an unknown word.
        """
        compiled = compile_steps(steps)
        with self._lock:
            self._queue.append(compiled)
        self.activate()
        return self

    @property
    def pending(self) -> list[tuple[Step, ...]]:
        """The scripted conversations not asked yet, in order."""
        with self._lock:
            return [steps for steps, _feeds in self._queue]

    def activate(self) -> None:
        """Answer every prompt from the script from now on (``script`` does this)."""
        if not self.active:
            self._watch.patch(_terminal, "open_terminal", self._open_terminal)
            self.active = True

    def problems(self) -> list[str]:
        """The scripted conversations that were never asked, as problems."""
        return [
            f"a scripted conversation was never asked: {list(steps)!r} "
            "(no report was offered for it)"
            for steps in self.pending
        ]

    @contextlib.contextmanager
    def _open_terminal(self) -> Iterator[Terminal]:
        talk = self._watch.conversation()
        about = f"report {talk.report_id}" if talk is not None else "a report"
        with self._lock:
            compiled = self._queue.popleft() if self._queue else None
        if compiled is None:
            self._watch.problem(
                "answers",
                f"the prompt opened for {about}, but no answers were scripted for it "
                "(script them with crashreport_answers.script(...), or NOBODY)",
            )
            raise NotInteractive("no answer was scripted for this prompt (crashreport.testing)")
        steps, feeds = compiled
        if talk is not None:
            talk.scripted = steps
        if steps[-1] is NOBODY:
            raise NotInteractive("nobody is at the terminal (scripted: NOBODY)")
        if talk is not None and talk.timeout > MAX_WAIT and any(f.step is WAIT for f in feeds):
            self._watch.problem(
                "answers",
                f"WAIT was scripted for {about}, but the prompt's time limit is "
                f"{talk.timeout:g} s; set prompt_timeout (CRASHREPORT_PROMPT_TIMEOUT) to a "
                "second or two -- the terminal was closed instead of waiting",
            )
            feeds = tuple(attrs.evolve(f, close=True) if f.step is WAIT else f for f in feeds)

        def out_of_script() -> None:
            self._watch.problem(
                "answers",
                f"the prompt about {about} asked a question the script {list(steps)!r} "
                "does not answer; the terminal was closed (nothing was sent)",
            )

        screen = io.StringIO()
        shown = talk.shown if talk is not None else []
        with scripted_terminal(feeds, shown, screen, out_of_script) as (term, keys):
            try:
                yield term
            finally:
                if talk is not None:
                    talk.transcript = screen.getvalue()
                    left = keys.remaining
                    talk.unasked = steps[left[0].index :] if left else ()
