"""Scripted answers: the steps a test takes through the consent prompt, and their keys.

A *conversation* is the prompt about one report, from the report on the
screen to its end ("Send report", "Don't send", Ctrl-C, ...). A test scripts
it as steps (``VIEW``, ``comment("...")``, ``SEND``); each step becomes the
keys that a person would press at each *question* of that conversation --
the select, and for a comment or a save the text question after it. The
keys are worked out from the prompt's own choices, so they go through the
real select: arrow keys from the pointer's start on "Don't send", then Enter.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = [
    "CLOSE",
    "CTRL_C",
    "CTRL_D",
    "DONT_SEND",
    "NOBODY",
    "SEND",
    "VIEW",
    "WAIT",
    "Feed",
    "Step",
    "comment",
    "compile_steps",
    "save",
    "to_step",
]

UP, DOWN, ENTER = "\x1b[A", "\x1b[B", "\r"
_CLEAR_LINE = "\x15"  # Ctrl-U: the save question starts with the default name filled in


@attrs.frozen
class Step:
    """One thing the person at the terminal does (see the constants and helpers)."""

    kind: str
    text: str = ""

    def __repr__(self) -> str:
        if self.kind in ("comment", "save"):
            return f"{self.kind}({self.text!r})"
        return self.kind.upper()

    @property
    def ends(self) -> bool:
        """Whether the conversation is over after this step."""
        return self.kind not in ("view", "save", "comment")


SEND = Step("send")  # "Send report"
DONT_SEND = Step("dont_send")  # "Don't send"
VIEW = Step("view")  # "View full report" (the question comes back)
CTRL_C = Step("ctrl_c")  # Ctrl-C at the question: don't send
CTRL_D = Step("ctrl_d")  # Ctrl-D at the question: don't send
WAIT = Step("wait")  # press nothing: the prompt's time limit ends it (keep it short)
CLOSE = Step("close")  # the terminal goes away (a closed window)
NOBODY = Step("nobody")  # nobody at a terminal at all (as in CI): the prompt never opens


def comment(text: str) -> Step:
    """Choose "Add a comment", type ``text`` (one line) and Enter; the question comes back."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("comment() needs the text to type, a non-empty string")
    if "\n" in text or "\r" in text:
        raise ValueError("comment() takes one line: Enter ends the comment question")
    return Step("comment", text)


def save(path: str = "") -> Step:
    """Choose "Save to file", then the path (``""``: the default name, in the current
    directory); the question comes back."""
    if not isinstance(path, str) or "\n" in path or "\r" in path:
        raise ValueError("save() takes a path on one line ('' for the default name)")
    return Step("save", path)


_WORDS = {
    "send": SEND,
    "yes": SEND,
    "no": DONT_SEND,
    "dont_send": DONT_SEND,
    "decline": DONT_SEND,
    "view": VIEW,
    "save": Step("save", ""),
    "ctrl_c": CTRL_C,
    "ctrl_d": CTRL_D,
    "eof": CTRL_D,
    "wait": WAIT,
    "close": CLOSE,
    "nobody": NOBODY,
}


def to_step(step: Step | str) -> Step:
    """A ``Step``, or a word for one (``"yes"``, ``"view"``, ``"ctrl-c"``, ...);
    ``"comment: TEXT"`` is ``comment(TEXT)``. Raises ``ValueError`` for anything else."""
    if isinstance(step, Step):
        return step
    if not isinstance(step, str):
        raise TypeError(f"a scripted answer is a Step or a word, not {type(step).__name__}")
    head, colon, rest = step.partition(":")
    if colon and head.strip().lower() == "comment":
        return comment(rest.strip())
    word = step.strip().lower().replace("-", "_").replace(" ", "_").replace("'", "")
    found = _WORDS.get(word)
    if found is None:
        known = ", ".join(repr(w) for w in _WORDS)
        raise ValueError(f"unknown answer {step!r}; known: {known}, or 'comment: TEXT'")
    return found


@attrs.frozen
class Feed:
    """What is typed at one question: ``keys``, or -- ``close`` -- the terminal closes."""

    step: Step
    index: int  # of the step in its conversation
    keys: str = ""
    close: bool = False


def _choose(label: str, choices: tuple[str, ...], start: str) -> str:
    moves = choices.index(label) - choices.index(start)
    return (DOWN * moves if moves > 0 else UP * -moves) + ENTER


def compile_steps(steps: Iterable[Step | str]) -> tuple[tuple[Step, ...], tuple[Feed, ...]]:
    """Check one conversation's steps; return them and the feed of each question.

    A conversation ends with exactly one of ``SEND``, ``DONT_SEND``,
    ``CTRL_C``, ``CTRL_D``, ``WAIT``, ``CLOSE``, ``NOBODY`` (the last one
    alone); ``VIEW``, ``save()`` and ``comment()`` come before it. Raises
    ``ValueError`` otherwise, so a script that could not be what the test
    means fails at once, not as a hung prompt.
    """
    from crashreport.consent import prompt

    made = tuple(to_step(step) for step in steps)
    if not made:
        raise ValueError("script() needs the steps of a conversation, e.g. script('yes')")
    *middle, last = made
    if not last.ends:
        raise ValueError(
            f"the conversation {list(made)!r} does not end: the question comes back after "
            f"{last!r}; end it with SEND, DONT_SEND, CTRL_C, CTRL_D, WAIT or CLOSE"
        )
    for step in middle:
        if step.ends:
            raise ValueError(
                f"{step!r} ends the conversation, so nothing can come after it in {list(made)!r}"
            )
    if last is NOBODY and middle:
        raise ValueError("NOBODY means the prompt never opens: it takes no other steps")
    choices, start = prompt.CHOICES, prompt.DONT_SEND
    feeds: list[Feed] = []
    for index, step in enumerate(made):
        if step.kind == "send":
            feeds.append(Feed(step, index, _choose(prompt.SEND_REPORT, choices, start)))
        elif step.kind == "dont_send":
            feeds.append(Feed(step, index, _choose(prompt.DONT_SEND, choices, start)))
        elif step.kind == "view":
            feeds.append(Feed(step, index, _choose(prompt.VIEW, choices, start)))
        elif step.kind == "save":
            feeds.append(Feed(step, index, _choose(prompt.SAVE, choices, start)))
            typed = (_CLEAR_LINE + step.text) if step.text else ""
            feeds.append(Feed(step, index, typed + ENTER))
        elif step.kind == "comment":
            feeds.append(Feed(step, index, _choose(prompt.COMMENT, choices, start)))
            feeds.append(Feed(step, index, step.text + ENTER))
        elif step.kind == "ctrl_c":
            feeds.append(Feed(step, index, "\x03"))
        elif step.kind == "ctrl_d":
            feeds.append(Feed(step, index, "\x04"))
        elif step.kind == "wait":
            feeds.append(Feed(step, index))
        elif step.kind == "close":
            feeds.append(Feed(step, index, close=True))
        # NOBODY has no question to answer: the terminal is never opened
    return made, tuple(feeds)
