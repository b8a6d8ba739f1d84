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

import operator

from crashreport._frozen import Frozen
from crashreport.redact.kinds import ANONYMOUS, KINDS, PLACEHOLDER, Redactions
from crashreport.redact.patterns import lazy
from crashreport.redact.repeats import (
    blank_repeats,
    by_start,
    copies,
    crafted,
    restore_repeats,
    spaced_repeats,
)
from crashreport.redact.scan import Hit, Scan, ScanRule, TooDense, budget_for
from crashreport.redact.vault import Vault

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Protocol

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
_WORDISH = lazy(r"\w")


class RedactionFailed(Exception):
    """A rule failed; the report must not be offered for sending."""


class Finding(Frozen):
    """A span ``text[start:end]`` that must go, and what it is.

    ``label`` refines tokens (``github`` -> ``<token:github>``). ``value`` is
    what to remember for the sweep when it differs from the span (a user
    name inside a home path); ``replacement`` overrides the placeholder
    (``~`` for a home directory). An unknown ``kind`` is refused here, when
    the rule makes the finding. The built-in rules make plain tuples
    instead (``scan.Hit``): a finding is the public form, for rules a host
    app writes.
    """

    # in constructor order, as crashreport._frozen requires
    __slots__ = ("start", "end", "kind", "label", "value", "replacement")  # noqa: RUF023
    start: int
    end: int
    kind: str
    label: str
    value: str | None
    replacement: str | None

    def __init__(
        self,
        start: int,
        end: int,
        kind: str,
        label: str = "",
        value: str | None = None,
        replacement: str | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown finding kind {kind!r}; known: {', '.join(KINDS)}")
        _set = object.__setattr__
        _set(self, "start", start)
        _set(self, "end", end)
        _set(self, "kind", kind)
        _set(self, "label", label)
        _set(self, "value", value)
        _set(self, "replacement", replacement)


if TYPE_CHECKING:

    class Rule(Protocol):
        """A redaction rule: a callable from a text to the spans that must go."""

        def __call__(self, text: str) -> Iterable[Finding]: ...

else:

    class Rule:
        """A redaction rule: a callable from a text to the spans that must go.

        (A ``typing.Protocol`` for type checkers; at run time a plain class,
        since importing ``typing`` costs milliseconds.)
        """


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

    A traceback with locals prints the same lines again and again (a
    settings dict in every frame): each distinct long line is read once --
    its repeats are blanked for the rules, and get its redacted form.
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
    if crafted(whole):
        return _by_string(texts, [(0, len(whole), "secret", None, "", None)], vault)
    compact, repeats = blank_repeats(whole)
    hits = _all_hits(compact, rules, vault)
    if len(texts) == 1 and not repeats:
        return [_replace(whole, hits, vault)]
    # The common case: one replacement over the joined text, then its lines
    # are the strings' lines (and give the repeats theirs). Not if a span ran
    # across a line break (a PEM block, a whole crafted text): then the
    # placeholders handed out so far are taken back, and each string is
    # redacted on its own, from the spans of the text with its repeats
    # blanked offset for offset.
    used = vault.checkpoint()
    lines = _replace(compact, list(hits), vault).split(_JOIN)
    breaks = [text.count(_JOIN) for text in texts]  # line breaks in each string
    if len(lines) == sum(breaks) + len(texts):
        restore_repeats(lines, repeats)
        return _regroup(lines, breaks)
    vault.rollback(used)
    if repeats:
        blanked = spaced_repeats(whole, repeats)
        hits = _all_hits(blanked, rules, vault)
        # the copies cost like the spans they copy: past the text's budget, it is crafted
        more = copies(blanked, hits, repeats, budget_for(blanked) - len(hits))
        if more is None:
            return _by_string(texts, [(0, len(whole), "secret", None, "", None)], vault)
        hits += more
    return _by_string(texts, hits, vault, whole)


def _by_string(
    texts: Sequence[str], hits: list[Hit], vault: Vault, whole: str | None = None
) -> list[str]:
    """Each string redacted by the hits of the joined text that fall into it."""
    if len(texts) == 1:
        return [_replace(whole if whole is not None else texts[0], hits, vault)]
    starts: list[int] = []
    position = 0
    for text in texts:
        starts.append(position)
        position += len(text) + len(_JOIN)
    return [
        _replace(text, part, vault)
        for text, part in zip(texts, _split(hits, starts, texts), strict=True)
    ]


def _regroup(lines: list[str], breaks: list[int]) -> list[str]:
    """The redacted joined text's ``lines``, given back to the strings they came
    from (``breaks``: how many line breaks each string holds)."""
    if len(breaks) == 1:
        return [_JOIN.join(lines)]
    out: list[str] = []
    index = 0
    for count in breaks:
        if count:
            out.append(_JOIN.join(lines[index : index + count + 1]))
        else:
            out.append(lines[index])
        index += count + 1
    return out


def _all_hits(text: str, rules: Sequence[Rule | ScanRule], vault: Vault) -> list[Hit]:
    """Every span of ``text`` to replace: the rules', the sweep's, the cut secrets'.

    A text with more candidates and spans than any real report (its
    ``Scan.budget``) is crafted input: it is removed whole, as one secret,
    so the time spent on it stays bounded and nothing in it can leak.
    """
    scan = Scan(_terminal_codes_blanked(text))
    try:
        ends: dict[int, int] = {}
        hits = _find(scan, rules, vault, ends)
        hits += vault.sweep(scan, ends)
    except TooDense:
        return [(0, len(text), "secret", None, "", None)] if text else []
    hits += vault.truncated(text)
    return hits


# Terminal escape sequences (IPython's and rich's colours, hyperlinks), raw or
# as a repr writes them: ``\x1b[32m/home/u/...`` glues a letter to the path.
# Linear: each match starts with a literal ESC (or its spelling) and is bounded.
_TERMINAL_CODE = lazy(
    r"(?:\x1b|\\x1b|\\033|\\u001b)"
    r"(?:\[[0-9;?]{0,32}+[ -/]{0,2}+[@-~]|\][^\x07\x1b\n]{0,512}+(?:\x07|\x1b\\)?)"
)
_ESCAPE_SPELLINGS = ("\x1b", "\\x1b[", "\\033[", "\\u001b[")


def _terminal_codes_blanked(text: str) -> str:
    """``text`` with terminal escape sequences as spaces, offset for offset: the
    rules see a colour code as the boundary it is, the replacement keeps it."""
    # one character first (a memchr): most texts have no escape, raw or spelled
    if "\x1b" not in text and ("\\" not in text or not any(s in text for s in _ESCAPE_SPELLINGS)):
        return text
    return _TERMINAL_CODE.sub(lambda code: " " * (code.end() - code.start()), text)


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


def _find(
    scan: Scan,
    rules: Sequence[Rule | ScanRule],
    vault: Vault,
    ends: dict[int, int] | None = None,
) -> list[Hit]:
    """The rules' spans of ``scan.text``, each value learned by ``vault``.

    ``ends`` receives, for each start of a span, its furthest end: the sweep
    skips an occurrence already covered by a span starting there (it could
    not change the result, and this pass runs for every span).
    """
    text = scan.text
    n = len(text)
    protected = [m.span() for m in PLACEHOLDER.finditer(text)] if "<" in text else []
    found: list[Hit] = []
    append = found.append
    learned = vault._learned
    learn = vault.learn
    if ends is None:
        ends = {}
    furthest = ends.get
    for rule in rules:
        try:
            if isinstance(rule, ScanRule):
                produced: Iterable[Hit] = rule.hits(scan)
            else:
                produced = (_as_hit(rule, finding) for finding in rule(text))
            for hit in produced:
                start, end, kind, value, _label, _replacement = hit
                if not 0 <= start < end <= n or kind not in KINDS:
                    raise RedactionFailed(f"rule {rule!r} returned a bad span: {hit!r}")
                scan.budget -= 1  # Scan.spend, inlined: this loop runs for every span
                if scan.budget < 0:
                    raise TooDense
                if protected and _overlaps(protected, start, end):
                    for piece in _outside(hit, protected, text):
                        learn(piece[2], text[piece[0] : piece[1]])
                        append(piece)
                    continue
                if value is None:
                    value = text[start:end]
                if (kind, value) in ANONYMOUS:
                    continue  # root, port 443: found, but they identify nothing
                if (kind, value) not in learned:
                    learn(kind, value)
                append(hit)
                if furthest(start, -1) < end:
                    ends[start] = end
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
    from bisect import bisect_left  # only a text holding placeholders gets here

    index = bisect_left(protected, (end,))
    return index > 0 and protected[index - 1][1] > start


def _outside(hit: Hit, protected: list[tuple[int, int]], text: str) -> list[Hit]:
    """The parts of a hit that are not already placeholders (idempotence)."""
    start, end = hit[0], hit[1]
    pieces: list[Hit] = []
    from bisect import bisect_left

    first = max(0, bisect_left(protected, (start,)) - 1)
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


# Sorting by start alone (a stable sort: rule order within a start) merges
# exactly as sorting by (start, end) would -- the longest span at a start,
# the earliest of equal ones, names the merged span -- without a key tuple.
_BY_START = operator.itemgetter(0)


def _replace(text: str, hits: list[Hit], vault: Vault) -> str:
    """``text`` with every hit replaced by its placeholder (``hits`` is sorted).

    Overlapping hits merge into one placeholder: the one of the hit that
    starts first (of the longest, where several start at the same place; of
    the earliest rule, where they are the same span).
    """
    if not hits:
        return text
    hits.sort(key=_BY_START)
    end_of_text = len(text) + 1
    hits.append((end_of_text, end_of_text, "", None, "", None))  # flushes the last span
    out: list[str] = []
    append = out.append
    placeholders: dict[tuple[str, str | None, str], str] = {}
    use = vault.use
    position = 0
    current = hits[0]
    current_start, current_end = current[0], current[1]
    for hit in hits:
        start = hit[0]
        if start < current_end:
            end = hit[1]
            if start == current_start and end > current[1]:
                current = hit  # the same start and longer: it names the span
            if end > current_end:
                current_end = end  # overlapping spans merge
            continue
        # the merged span is complete: its placeholder, looked up once per value
        kind, value, label, replacement = current[2], current[3], current[4], current[5]
        if value is None:
            value = text[current_start : current[1]]
        key = (kind, value, label)
        placeholder = placeholders.get(key)
        if placeholder is None:
            placeholder = placeholders[key] = use(kind, value, label)  # counted even for "~"
        append(text[position:current_start])
        append(placeholder if replacement is None else replacement)
        position = current_end
        current, current_start, current_end = hit, start, hit[1]
    hits.pop()
    append(text[position:])
    return "".join(out)
