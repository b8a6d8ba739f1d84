"""Two shortcuts of the engine, each safe by construction.

**Repeated lines**: a traceback with locals prints the same lines again and
again (a settings dict in every frame). Each distinct long line is read by
the rules once: the repeats are emptied, and get the first one's redacted
form (or, for the rare text whose spans run across lines, are blanked with
spaces -- same length, so offsets hold -- and get the first one's spans).

**Crafted input**: a long text made mostly of the characters rules start
from (``:``, ``=``, ``.``, quotes...) keeps every rule busy at every
position; no real report looks like that, so it is removed whole.
"""

from __future__ import annotations

from crashreport.redact.scan import Hit

__all__ = [
    "Repeat",
    "blank_repeats",
    "by_start",
    "copies",
    "crafted",
    "restore_repeats",
    "spaced_repeats",
]

# The characters several rules start from. In real reports each is at most
# ~5% of a long text and all together ~10%; a long text far above that is made
# to keep every rule busy at every position. (Quotes and "<" are left out:
# JSON is full of quotes, and each rule that starts from one gives up at once.)
_ANCHORS = ".:=@/\\"
_CRAFTED_MIN = 32_768
_CRAFTED_ONE = 0.20
_CRAFTED_ALL = 0.40


def crafted(text: str) -> bool:
    """A long text made mostly of the characters rules start from (crafted input)."""
    if len(text) < _CRAFTED_MIN:
        return False  # short texts cost little whatever they hold
    counts = [text.count(anchor) for anchor in _ANCHORS]
    return max(counts) > _CRAFTED_ONE * len(text) or sum(counts) > _CRAFTED_ALL * len(text)


# Lines shorter than this are cheap to read again; lines that may depend on
# the lines before them (a "name" under a "database:" section) are read again
# ("ame" is the cheapest test for name, Name, NAME, db_name...).
_MIN_REPEAT = 24
_MIN_DEDUPE = 1_000

# A repeated line: its index, and the index of its first occurrence.
Repeat = tuple[int, int]


def blank_repeats(text: str) -> tuple[str, list[Repeat]]:
    """``text`` with each repeated long line emptied, and each repeat:
    ``(line, first line)``, by index. The rules read the first occurrence
    only; ``restore_repeats`` gives the repeats its redacted form."""
    if len(text) < _MIN_DEDUPE:
        return text, []  # small texts repeat little: reading them twice costs less
    lines = text.split("\n")
    if len(lines) < 3:
        return text, []
    first: dict[str, int] = {}
    seen = first.setdefault
    repeats = [
        (index, first[line])
        for index, line in enumerate(lines)
        if len(line) >= _MIN_REPEAT
        and seen(line, index) != index
        and "ame" not in line
        and "AME" not in line
    ]
    if not repeats:
        return text, []
    for index, _first in repeats:
        lines[index] = ""
    return "\n".join(lines), repeats


def spaced_repeats(text: str, repeats: list[Repeat]) -> str:
    """``text`` with the repeats written as spaces, the same length as they are:
    for the rare text whose spans run across lines, redacted offset for offset."""
    lines = text.split("\n")
    blanks: dict[int, str] = {}
    for index, _first in repeats:
        length = len(lines[index])
        blank = blanks.get(length)
        if blank is None:
            blank = blanks[length] = " " * length
        lines[index] = blank
    return "\n".join(lines)


def restore_repeats(lines: list[str], repeats: list[Repeat]) -> None:
    """Give each blanked repeat the (redacted) form of its first line, in place."""
    for line, first_line in repeats:
        lines[line] = lines[first_line]


def copies(text: str, hits: list[Hit], repeats: list[Repeat], limit: int) -> list[Hit] | None:
    """The spans of each first line, moved to the lines that repeat it.

    For a text whose spans run across lines (``restore_repeats`` is the
    common case); ``hits`` are sorted by start on the way. ``None`` if that
    would take more than ``limit`` spans (or checks): crafted input, to be
    removed whole.
    """
    from bisect import bisect_left  # the rare case: not loaded for the common one

    offsets = [0]
    for piece in text.split("\n"):
        offsets.append(offsets[-1] + len(piece) + 1)
    hits.sort(key=by_start)
    starts = [hit[0] for hit in hits]
    # a span that starts before a line can run into it only across a line break
    # (a PEM block): those few are checked against every repeated line
    spanning = [hit for hit in hits if text.find("\n", hit[0], hit[1]) != -1]
    if len(spanning) * len(repeats) > limit:
        return None
    copies: list[Hit] = []
    for line, first_line in repeats:
        repeat, first = offsets[line], offsets[first_line]
        shift = repeat - first
        last = offsets[first_line + 1] - 1
        for j in range(bisect_left(starts, first), len(hits)):
            start, end, kind, value, label, replacement = hits[j]
            if start >= last:
                break
            copies.append((start + shift, min(end, last) + shift, kind, value, label, replacement))
        for start, end, kind, value, label, replacement in spanning:
            if start < first < end:
                copies.append((repeat, min(end, last) + shift, kind, value, label, replacement))
        if len(copies) > limit:
            return None
    return copies


def by_start(hit: Hit) -> int:
    """The start of a hit (a sort key)."""
    return hit[0]
