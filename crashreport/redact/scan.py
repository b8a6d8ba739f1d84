"""Views of one text that every built-in rule shares, computed once.

Speed and the linear-time promise both come from one habit: **every pattern
starts with a literal** (``//``, ``@``, ``=``, a quote, ``.``...) so that
Python's ``re`` jumps between occurrences of it in C instead of trying the
pattern at every position, and everything after the literal is bounded or
possessive, so no attempt can backtrack. Three views make that possible:

``low``
    the text lower-cased (same length), for case-insensitive literals.
``cls``
    ``low`` with every quote written ``"`` and ``:`` written ``=``, so one
    literal stands for a whole class (``'``, ``"``, backquote; ``=``, ``:``).
``rcls``
    ``cls`` reversed. A key=value pair is found *from its separator*: in the
    reversed text the key's last word comes right after ``=``, so
    ``=[ \\t]{0,4}+drowssap`` finds ``password =`` by jumping from ``=`` to
    ``=`` -- far rarer than letters. Index ``i`` of ``rcls`` is index
    ``len - 1 - i`` of the text.

``runs`` are the maximal runs of token characters (``[A-Za-z0-9+_-]``)
at least 20 long -- where every vendor token and random key lives -- found by
a literal search in a translated copy of the text. ``/`` is not a token
character: paths, the most common long runs in a traceback, fall apart into
short pieces that are dropped in C.
"""

from __future__ import annotations

import itertools
import re

from crashreport.redact.patterns import known_trie, lazy

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import AnyStr

__all__ = ["Hit", "Scan", "ScanRule", "TooDense", "trie", "word_start"]

# (start, end, kind, value, label, replacement): a finding without the cost
# of an object; see engine.Finding for the meaning of each field.
Hit = tuple[int, int, str, str | None, str, str | None]


_TOKEN_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_-"
_TOKEN_TABLE = bytes(ord("a") if c in _TOKEN_CHARS else ord(" ") for c in range(256))
# A run is 20 "a"s or more in the translated text; the literal prefix makes
# the search a C-speed substring search, and the possessive tail cannot backtrack.
_RUN = lazy(b"a" * 20 + b"a*+")
MIN_RUN = 20
_DIGITS_TO_ZERO = bytes(ord("0") if chr(c).isdigit() and c < 128 else c for c in range(256))


class TooDense(Exception):
    """A text holds more candidates than any real report: it is crafted input.

    Raised by ``Scan.spend`` when a text's budget is used up; the engine then
    removes the whole text as one secret, so crafted input costs bounded time
    and leaks nothing.
    """


def budget_for(text: str) -> int:
    """How many candidates and spans a text may cost before it counts as crafted.

    Real tracebacks cost at most a few hundred (the most in the corpora: 746
    for 40 KB, ~20 per KB), and long ones cost less per KB; 4000 + 16 per KB
    leaves them room and bounds what crafted input costs.
    """
    return 4000 + len(text) // 64


def _same_length_lower(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    # a few characters lower-case to two ("İ"): keep those as they are, so
    # that offsets in ``low`` are offsets in ``text``
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


class Scan:
    """One text and its shared views (see the module docstring); views are lazy."""

    __slots__ = (
        "_bytes",
        "_cls",
        "_low",
        "_rcls",
        "_runs",
        "_shape",
        "budget",
        "hosts",
        "memo",
        "text",
    )

    def __init__(self, text: str, budget: int | None = None) -> None:
        self.text = text
        self.budget = budget_for(text) if budget is None else budget
        self._low: str | None = None
        self._cls: str | None = None
        self._rcls: str | None = None
        self._runs: list[tuple[int, int]] | None = None
        self._bytes: bytes | None = None
        self._shape: bytes | None = None
        self.memo: dict[str, object] = {}  # results one rule computes for others
        self.hosts: dict[str, list[Hit]] = {}  # host slot value -> its hits (see host_parts)

    @property
    def low(self) -> str:
        """The text lower-cased, offset for offset."""
        if self._low is None:
            self._low = _same_length_lower(self.text)
        return self._low

    @property
    def cls(self) -> str:
        """``low`` with quotes as ``"`` and ``:`` as ``=``."""
        if self._cls is None:
            # three C-speed passes; str.translate is slower on non-ASCII text
            self._cls = self.low.replace("'", '"').replace("`", '"').replace(":", "=")
        return self._cls

    @property
    def rcls(self) -> str:
        """``cls`` reversed: ``rcls[i]`` is ``cls[len - 1 - i]``."""
        if self._rcls is None:
            self._rcls = self.cls[::-1]
        return self._rcls

    @property
    def latin1(self) -> bytes:
        """The text as bytes, one per character (``?`` outside Latin-1): same offsets."""
        if self._bytes is None:
            self._bytes = self.text.encode("latin-1", "replace")
        return self._bytes

    @property
    def shape(self) -> bytes:
        """``latin1`` with every digit written ``0``: a number's shape is one literal
        (``:00`` starts a port), so patterns on digits start with a literal too."""
        if self._shape is None:
            self._shape = self.latin1.translate(_DIGITS_TO_ZERO)
        return self._shape

    def occurrences(self, literal: str, cost: int = 1) -> Iterator[int]:
        """Where each occurrence of ``literal`` starts (in order, not overlapping),
        each one paid for: ``cost`` of the budget, as for a pattern's match."""
        text = self.text
        at = text.find(literal)
        while at != -1:
            self.spend(cost)
            yield at
            at = text.find(literal, at + len(literal))

    def spend(self, cost: int = 1) -> None:
        """Account for ``cost`` candidates; raise ``TooDense`` past the budget."""
        self.budget -= cost
        if self.budget < 0:
            raise TooDense

    def matches(
        self, pattern: re.Pattern[AnyStr], view: AnyStr, start: int = 0, end: int | None = None
    ) -> list[re.Match[AnyStr]]:
        """All matches of ``pattern`` in ``view``, paid for (at most the budget left)."""
        found = list(
            itertools.islice(
                pattern.finditer(view, start, len(view) if end is None else end), self.budget + 1
            )
        )
        self.budget -= len(found)  # ``spend``, inlined: this runs for every pattern
        if self.budget < 0:
            raise TooDense
        return found

    def runs(self) -> list[tuple[int, int]]:
        """Spans of the maximal token-character runs of at least 20 characters."""
        if self._runs is None and len(self.text) < MIN_RUN:
            self._runs = []  # too short to hold one
        if self._runs is None:
            # one byte per character (anything outside Latin-1 becomes "?"), so
            # byte offsets are text offsets; non-ASCII is never a token character
            raw = self.latin1.translate(_TOKEN_TABLE)
            found = list(itertools.islice(_RUN.finditer(raw), self.budget + 1))
            self.spend(len(found))
            self._runs = [m.span() for m in found]
        return self._runs


class ScanRule:
    """A built-in rule: reads a ``Scan`` and yields ``Hit`` tuples.

    Calling it with a plain text makes it a ``Rule`` like any other (it then
    returns ``Finding`` objects); the engine calls ``hits`` directly, with the
    views shared by all rules.
    """

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def hits(self, scan: Scan) -> Iterable[Hit]:
        """The spans of ``scan.text`` this rule removes."""
        raise NotImplementedError

    def __call__(self, text: str) -> Iterator[object]:
        from crashreport.redact.engine import Finding

        for start, end, kind, value, label, replacement in self.hits(Scan(text)):
            yield Finding(start, end, kind, label, value, replacement)


_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def word_start(text: str, pos: int) -> bool:
    """Whether a word may start at ``pos``: not inside a word (``\\w``, ``-``,
    ``\\``), but right after an escape such as the ``\\n`` of a repr."""
    if not pos:
        return True
    before = text[pos - 1]
    if before in _WORD or before in "\\-":
        return pos >= 2 and text[pos - 2] == "\\" and before in "nrt"
    return True


def trie(words: Iterable[str]) -> str:
    """A regular expression matching any of ``words``, factored by common prefix.

    ``re`` tries the branches of an alternation one by one; factored, a
    failing position costs one comparison per distinct first character
    instead of one per word. Longer words come first, so the longest wins.
    """
    unique = tuple(sorted(set(words)))
    built = known_trie(unique)  # written down with the compiled patterns (see ``patterns``)
    if built is None:
        built = _trie(list(unique))
    BUILT[unique] = built  # what ``precompile`` writes down
    return built


BUILT: dict[tuple[str, ...], str] = {}


def _trie(words: list[str]) -> str:
    if words == [""]:
        return ""
    groups: dict[str, list[str]] = {}
    optional = "" in words
    for word in words:
        if word:
            groups.setdefault(word[0], []).append(word[1:])
    branches = [
        (first if first.isalnum() else re.escape(first)) + _trie(rest)
        for first, rest in sorted(groups.items())
    ]
    body = branches[0] if len(branches) == 1 and not optional else "(?:" + "|".join(branches) + ")"
    if optional:
        body = body + "?" if body.startswith("(?:") else f"(?:{body})?"
    return body
