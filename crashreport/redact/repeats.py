"""Two shortcuts of the engine, each safe by construction.

**Repeated lines**: a traceback with locals prints the same lines again and
again (a settings dict in every frame). Each distinct long line is read by
the rules once: the repeats are blanked (same length, so offsets hold) and
get the first one's spans.

**Crafted input**: a long text made mostly of the characters rules start
from (``:``, ``=``, ``.``, quotes...) keeps every rule busy at every
position; no real report looks like that, so it is removed whole.
"""

from __future__ import annotations

import bisect

from crashreport.redact.scan import Hit

__all__ = ["blank_repeats", "by_start", "copies", "crafted"]

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
_MIN_REPEAT = 32
_MIN_DEDUPE = 12_000


def blank_repeats(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """``text`` with each repeated long line blanked, and ``(repeat, first, length)``."""
    if len(text) < _MIN_DEDUPE or text.count("\n") < 2:
        return text, []  # small texts repeat little: reading them twice costs less
    first: dict[str, int] = {}
    repeats: list[tuple[int, int, int]] = []
    position = 0
    for line in text.split("\n"):
        length = len(line)
        if length >= _MIN_REPEAT:
            seen = first.setdefault(line, position)
            if seen != position and "ame" not in line and "AME" not in line:
                repeats.append((position, seen, length))
        position += length + 1
    if not repeats:
        return text, []
    pieces: list[str] = []
    cursor = 0
    for start, _first, length in repeats:
        pieces.append(text[cursor:start])
        pieces.append(" " * length)
        cursor = start + length
    pieces.append(text[cursor:])
    return "".join(pieces), repeats


def copies(text: str, hits: list[Hit], repeats: list[tuple[int, int, int]]) -> list[Hit]:
    """The spans of each first line, moved to the lines that repeat it (``hits`` is sorted)."""
    hits.sort(key=by_start)
    starts = [hit[0] for hit in hits]
    # a span that starts before a line can run into it only across a line break
    # (a PEM block): those few are checked against every repeated line
    spanning = [hit for hit in hits if text.find("\n", hit[0], hit[1]) != -1]
    copies: list[Hit] = []
    for repeat, first, length in repeats:
        shift = repeat - first
        last = first + length
        for j in range(bisect.bisect_left(starts, first), len(hits)):
            start, end, kind, value, label, replacement = hits[j]
            if start >= last:
                break
            copies.append((start + shift, min(end, last) + shift, kind, value, label, replacement))
        for start, end, kind, value, label, replacement in spanning:
            if start < first < end:
                copies.append((repeat, min(end, last) + shift, kind, value, label, replacement))
    return copies


def by_start(hit: Hit) -> int:
    """The start of a hit (a sort key)."""
    return hit[0]
