"""The redaction engine: run rules, remember what they found, replace it everywhere.

Redacting one report is two passes over all of its strings, joined into one
text (one call per rule, however many strings a report has):

1. **find** -- every rule looks at the text and returns spans with a kind
   (``password``, ``host``, ...). The engine remembers each found value in a
   per-report ``Vault``.
2. **replace** -- the rules' spans *and* every other occurrence of a
   remembered value (also URL-encoded, JSON- or repr-escaped) become typed
   placeholders. A host found in a DSN is thus also removed from a log line
   that gave no hint it was a host, and the same value always gets the same
   placeholder (``<host-1>``) throughout the report.

The runner fails closed: if any rule raises, or returns a span that is not a
span of its input or a kind it does not know, ``RedactionFailed`` is raised
and the report is not offered.

Time: each rule documents why it is linear; the engine adds one ``str.find``
sweep (in C) per remembered value, and sorting the spans it replaces. Input
built to keep the rules busy at every position -- a text made mostly of the
characters they start from, or with more candidates than any real report
(``Scan.budget``) -- is removed whole as one secret: bounded time, no leak.
"""

from __future__ import annotations

import bisect
import operator
import re
from collections.abc import Iterable, Sequence
from typing import Protocol

import attrs

from crashreport.redact.kinds import KINDS, PLACEHOLDER, Redactions
from crashreport.redact.repeats import blank_repeats, by_start, copies, crafted
from crashreport.redact.scan import Hit, Scan, ScanRule, TooDense
from crashreport.redact.vault import Vault

__all__ = [
    "KINDS",
    "Finding",
    "RedactionFailed",
    "Redactions",
    "Rule",
    "Vault",
    "redact_strings",
]

# Joins a report's strings for one pass; every rule treats a line break as
# the end of a value, and spans are cut at the joins anyway.
_JOIN = "\n"
_WORDISH = re.compile(r"\w")


class RedactionFailed(Exception):
    """A rule failed; the report must not be offered for sending."""


@attrs.frozen
class Finding:
    """A span ``text[start:end]`` that must go, and what it is.

    ``label`` refines tokens (``github`` -> ``<token:github>``). ``value`` is
    what to remember for the sweep when it differs from the span (a user
    name inside a home path); ``replacement`` overrides the placeholder
    (``~`` for a home directory).
    """

    start: int
    end: int
    kind: str = attrs.field()
    label: str = ""
    value: str | None = None
    replacement: str | None = None

    @kind.validator
    def _known_kind(self, _attribute: object, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown finding kind {kind!r}; known: {', '.join(KINDS)}")


class Rule(Protocol):
    """A redaction rule: a callable from a text to the spans that must go."""

    def __call__(self, text: str) -> Iterable[Finding]: ...


def redact_strings(
    texts: Sequence[str],
    rules: Sequence[Rule | ScanRule],
    vault: Vault | None = None,
    learn_from: Sequence[str] = (),
) -> list[str]:
    """Redact all strings of one report together (see the module docstring).

    ``learn_from``: texts that are not part of the report but whose secrets
    must be removed from it (connection strings in the environment).
    Raises ``RedactionFailed`` if a rule raises or misbehaves.
    """
    vault = vault if vault is not None else Vault()
    for text in learn_from:
        try:
            _find(Scan(text), rules, vault)
        except TooDense:  # crafted, or not a connection string at all: all of it is secret
            vault.learn("secret", text)
    if not texts:
        return []
    whole = texts[0] if len(texts) == 1 else _JOIN.join(texts)
    hits = _all_hits(whole, rules, vault)
    if len(texts) == 1:
        return [_replace(whole, hits, vault)]
    starts: list[int] = []
    position = 0
    for text in texts:
        starts.append(position)
        position += len(text) + len(_JOIN)
    return [
        _replace(text, part, vault)
        for text, part in zip(texts, _split(hits, starts, texts), strict=True)
    ]


def _all_hits(text: str, rules: Sequence[Rule | ScanRule], vault: Vault) -> list[Hit]:
    """Every span of ``text`` to replace: the rules', the sweep's, the cut secrets'.

    A traceback with locals prints the same lines again and again (a
    settings dict in every frame); each distinct long line is read once --
    the repeats are blanked for the rules and get the first one's spans.

    A text made mostly of the characters rules start from, or with more
    candidates and spans than any real report (its ``Scan.budget``), is
    crafted input: it is removed whole, as one secret, so the time spent on
    it stays bounded and nothing in it can leak.
    """
    if crafted(text):
        return [(0, len(text), "secret", None, "", None)]
    blanked, repeats = blank_repeats(text)
    scan = Scan(blanked)
    try:
        hits = _find(scan, rules, vault)
        for hit in vault.sweep(scan):
            hits.append(hit)
            scan.spend()
    except TooDense:
        return [(0, len(text), "secret", None, "", None)] if text else []
    hits += vault.truncated(blanked)
    if repeats:
        hits += copies(blanked, hits, repeats)
    return hits


def _split(hits: list[Hit], starts: list[int], texts: Sequence[str]) -> list[list[Hit]]:
    """The hits of a joined text, cut at the joins and shifted into each string."""
    parts: list[list[Hit]] = [[] for _ in texts]
    hits.sort(key=by_start)
    index = 0
    last = len(texts) - 1
    for hit in hits:
        start, end = hit[0], hit[1]
        while index < last and start >= starts[index + 1]:
            index += 1  # hits come in order: the string only moves forward
        base = starts[index]
        if end <= base + len(texts[index]):
            parts[index].append((start - base, end - base, *hit[2:]))
            continue
        piece = index  # a hit across a join (rare): cut it at every join it crosses
        while piece <= last and end > starts[piece]:
            base = starts[piece]
            a, b = max(start, base) - base, min(end, base + len(texts[piece])) - base
            if b > a:
                parts[piece].append((a, b, *hit[2:]))
            piece += 1
    return parts


def _find(scan: Scan, rules: Sequence[Rule | ScanRule], vault: Vault) -> list[Hit]:
    text = scan.text
    n = len(text)
    protected = [m.span() for m in PLACEHOLDER.finditer(text)] if "<" in text else []
    found: list[Hit] = []
    learned = vault._learned
    for rule in rules:
        try:
            if isinstance(rule, ScanRule):
                produced: Iterable[Hit] = rule.hits(scan)
            else:
                produced = (_as_hit(rule, finding) for finding in rule(text))
            for hit in produced:
                start, end, kind, value = hit[0], hit[1], hit[2], hit[3]
                if not 0 <= start < end <= n or kind not in KINDS:
                    raise RedactionFailed(f"rule {rule!r} returned a bad span: {hit!r}")
                scan.budget -= 1  # Scan.spend, inlined: this loop runs for every span
                if scan.budget < 0:
                    raise TooDense
                if protected and _overlaps(protected, start, end):
                    for piece in _outside(hit, protected, text):
                        vault.learn(piece[2], text[piece[0] : piece[1]])
                        found.append(piece)
                    continue
                if value is None:
                    value = text[start:end]
                if (kind, value) not in learned:
                    vault.learn(kind, value)
                found.append(hit)
        except (RedactionFailed, TooDense):
            raise
        except Exception as exc:
            raise RedactionFailed(f"rule {rule!r} failed: {type(exc).__name__}") from exc
    return found


def _as_hit(rule: object, finding: object) -> Hit:
    if not isinstance(finding, Finding):
        raise RedactionFailed(f"rule {rule!r} returned a bad span: {finding!r}")
    return (
        finding.start,
        finding.end,
        finding.kind,
        finding.value,
        finding.label,
        finding.replacement,
    )


def _overlaps(protected: list[tuple[int, int]], start: int, end: int) -> bool:
    index = bisect.bisect_left(protected, (end,))
    return index > 0 and protected[index - 1][1] > start


def _outside(hit: Hit, protected: list[tuple[int, int]], text: str) -> list[Hit]:
    """The parts of a hit that are not already placeholders (idempotence)."""
    start, end = hit[0], hit[1]
    pieces: list[Hit] = []
    first = max(0, bisect.bisect_left(protected, (start,)) - 1)
    cursor = start
    for p_start, p_end in protected[first:]:
        if p_start >= end:
            break
        if p_end <= cursor:
            continue
        if p_start > cursor and _WORDISH.search(text, cursor, p_start):
            pieces.append((cursor, p_start, hit[2], None, hit[4], hit[5]))
        cursor = max(cursor, p_end)
    if cursor < end and _WORDISH.search(text, cursor, end):
        pieces.append((cursor, end, hit[2], None, hit[4], hit[5]))
    return pieces


_BY_SPAN = operator.itemgetter(0, 1)


def _replace(text: str, hits: list[Hit], vault: Vault) -> str:
    """``text`` with every hit replaced by its placeholder.

    Overlapping hits merge into one placeholder: the one of the hit that
    starts first (of the longest, where several start at the same place; of
    the earliest rule, where they are the same span).
    """
    if not hits:
        return text
    hits.sort(key=_BY_SPAN)
    out: list[str] = []
    placeholders: dict[tuple[str, str, str], str] = {}
    position = 0
    current = hits[0]
    current_end = current[1]
    for hit in hits:
        if hit[0] < current_end:
            if hit[0] == current[0] and hit[1] > current[1]:
                current = hit  # the same start and longer: it names the span
            if hit[1] > current_end:
                current_end = hit[1]  # overlapping spans merge
            continue
        out.append(text[position : current[0]])
        out.append(_placeholder_of(current, text, vault, placeholders))
        position = current_end
        current, current_end = hit, hit[1]
    out.append(text[position : current[0]])
    out.append(_placeholder_of(current, text, vault, placeholders))
    out.append(text[current_end:])
    return "".join(out)


def _placeholder_of(
    hit: Hit, text: str, vault: Vault, cache: dict[tuple[str, str, str], str]
) -> str:
    value = hit[3] if hit[3] is not None else text[hit[0] : hit[1]]
    key = (hit[2], value, hit[4])
    placeholder = cache.get(key)
    if placeholder is None:
        placeholder = cache[key] = vault.use(hit[2], value, hit[4])  # counted even for "~"
    return hit[5] if hit[5] is not None else placeholder
