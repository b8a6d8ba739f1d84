"""The redaction engine: run rules, remember what they found, replace it everywhere.

Redacting one report is two passes over all of its strings:

1. **find** -- every rule looks at every string and returns ``Finding``s:
   spans of text with a kind (``password``, ``host``, ...). The engine
   remembers each found value in a per-report ``Vault``.
2. **replace** -- in every string, the rules' spans *and* every other
   occurrence of a remembered value (also URL-encoded, JSON- or
   repr-escaped) become typed placeholders. A host found in a DSN is thus
   also removed from a log line that gave no hint it was a host, and the same
   value always gets the same placeholder (``<host-1>``) throughout the report.

The runner fails closed: if any rule raises, or returns a span that is not a
span of its input, ``RedactionFailed`` is raised and the report is not offered.

Time: each rule documents why it is linear; the engine itself is linear in the
text length times the number of remembered values (each found with
``str.find``, in C).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

import attrs

__all__ = [
    "KINDS",
    "Finding",
    "RedactionFailed",
    "Redactions",
    "Rule",
    "Vault",
    "redact_strings",
]

# kind -> (singular noun, plural noun) for the summary, in the order shown
KINDS: dict[str, tuple[str, str]] = {
    "private_key": ("private key", "private keys"),
    "password": ("password", "passwords"),
    "token": ("token", "tokens"),
    "secret": ("secret", "secrets"),
    "user": ("user name", "user names"),
    "email": ("e-mail address", "e-mail addresses"),
    "home": ("home directory", "home directories"),
    "host": ("host", "hosts"),
    "ip": ("IP address", "IP addresses"),
    "port": ("port", "ports"),
    "database": ("database name", "database names"),
}

# Placeholders this engine writes. Text matching them is never redacted
# again, which makes redaction idempotent.
PLACEHOLDER = re.compile(
    r"<(?:private-key|password|token(?::[a-z0-9-]{1,20})?|secret|user|email"
    r"|host-\d{1,6}|ip-\d{1,6}|port|database)>"
)

# Kinds whose values are numbered so a report still reads ("host-1 ... host-1").
_NUMBERED = {"host", "ip"}


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


@attrs.frozen
class Redactions:
    """What was removed from one report: distinct values counted by kind."""

    counts: tuple[tuple[str, int], ...] = ()

    @property
    def total(self) -> int:
        """How many distinct values were removed."""
        return sum(n for _, n in self.counts)

    def summary(self) -> str:
        """One line, e.g. ``removed: 1 password, 2 hosts, 1 port``."""
        if not self.counts:
            return "removed: nothing"
        parts = [f"{n} {KINDS[kind][0 if n == 1 else 1]}" for kind, n in self.counts]
        return "removed: " + ", ".join(parts)


# Values shorter than this, or common words, are only removed where a rule
# found them, never swept across the report: sweeping "app" or "db" would
# mangle ``app.models`` and ``db.py``.
_MIN_SWEEP = {"port": 4, "ip": 7, "home": 3}
_MIN_SWEEP_DEFAULT = 4
_COMMON = frozenset(
    """root admin administrator user users guest test tests default public app apps api
    main master db data database postgres postgresql mysql mariadb redis mongo mongodb
    sqlite oracle sa sys system service server client local localhost none null true false
    yes no dev prod production staging web www home info mail ftp git ubuntu debian ec2-user
    runner docker nobody daemon www-data""".split()
)
_WORDISH = re.compile(r"\w")


class Vault:
    """The values found in one report, and the placeholder each one gets.

    ``learn`` remembers a value so every occurrence is swept; ``use`` gives
    the placeholder of a value actually replaced. Placeholders are numbered
    and counted on first use, so the summary and ``<host-1>`` describe what
    the report held, not everything that was learned.
    """

    def __init__(self) -> None:
        self._placeholders: dict[tuple[str, str], str] = {}
        self._numbers: dict[str, int] = {}
        self._sweep: dict[str, tuple[str, str]] = {}  # needle -> (kind, value)
        self._secrets: list[str] = []  # secret values, to recognise truncated copies

    def learn(self, kind: str, value: str, forms: Iterable[str] = ()) -> None:
        """Remember ``value`` (and extra encoded ``forms``) to remove it everywhere."""
        if len(value) < _MIN_SWEEP.get(kind, _MIN_SWEEP_DEFAULT):
            return
        if kind in ("user", "database", "host", "home") and value.lower() in _COMMON:
            return
        if not _WORDISH.search(value):
            return
        if kind in _SECRET_KINDS:
            forms = (*forms, *_fragments(value))
            self._secrets.append(value)
        for form in (*_encoded_forms(value), *forms):
            self._sweep.setdefault(form, (kind, value))

    def use(self, kind: str, value: str, label: str = "") -> str:
        """The placeholder that replaces ``value``; the same value, the same placeholder."""
        key = (kind, value.lower() if kind in ("host", "email") else value)
        placeholder = self._placeholders.get(key)
        if placeholder is None:
            if kind in _NUMBERED:
                self._numbers[kind] = self._numbers.get(kind, 0) + 1
                placeholder = f"<{kind}-{self._numbers[kind]}>"
            elif kind == "token" and label:
                placeholder = f"<token:{label}>"
            else:
                placeholder = {"private_key": "<private-key>", "home": "~"}.get(kind, f"<{kind}>")
            self._placeholders[key] = placeholder
        return placeholder

    def sweep(self, text: str) -> Iterator[Finding]:
        """Every occurrence in ``text`` of a remembered value (or an encoded form)."""
        folded: str | None = None
        for needle, (kind, value) in self._sweep.items():
            haystack = text
            if kind in ("host", "email"):
                folded = folded if folded is not None else text.lower()
                haystack, needle = folded, needle.lower()
            start = haystack.find(needle)
            while start != -1:
                end = start + len(needle)
                if _bounded(text, start, end, kind):
                    yield Finding(start, end, _sweep_kind(kind), value=value)
                start = haystack.find(needle, end)

    def truncated(self, text: str) -> Iterator[Finding]:
        """Pieces of remembered secrets next to a cut (``...``), as databases and
        validators print long values: ``LINE 1: ...k2Jq9x'``, ``'k2Jq...'``."""
        if not self._secrets:
            return
        for marker in ("...", "\u2026"):
            cut = text.find(marker)
            while cut != -1:
                after = cut + len(marker)
                for start, end in (_run(text, after, 1), _run(text, cut, -1)):
                    piece = text[start:end]
                    if len(piece) >= 6 and any(piece in secret for secret in self._secrets):
                        yield Finding(start, end, "secret")
                cut = text.find(marker, after)

    def redactions(self) -> Redactions:
        """Distinct removed values, counted by kind, in the order of ``KINDS``."""
        counts: dict[str, int] = {}
        for kind, _value in self._placeholders:
            counts[kind] = counts.get(kind, 0) + 1
        return Redactions(tuple((k, counts[k]) for k in KINDS if k in counts))


_SECRET_KINDS = frozenset({"password", "token", "secret", "private_key"})
_RUN_END = frozenset(" \t\r\n'\"`,;()[]{}<>")


def _run(text: str, pos: int, step: int) -> tuple[int, int]:
    """The run of non-separator characters from ``pos`` forwards (or backwards)."""
    i = pos
    limit = 512
    if step > 0:
        while i < len(text) and text[i] not in _RUN_END and i - pos < limit:
            i += 1
        return pos, i
    while i > 0 and text[i - 1] not in _RUN_END and pos - i < limit:
        i -= 1
    return i, pos


def _fragments(value: str) -> list[str]:
    """Parts of a secret that are printed on their own.

    The segments of a dotted token (a JWT's header, payload and signature
    appear separately in a decoder's locals), and the pieces around a ``%``
    that is not an escape (configparser splits a password there).
    """
    pieces: list[str] = []
    if "." in value:
        pieces += [p for p in value.split(".") if len(p) >= 8]
    if "%" in value and not re.search(r"%[0-9A-Fa-f]{2}", value):
        pieces += [p for p in value.split("%") if len(p) >= 6]
        pieces += ["%" + p for p in value.split("%")[1:] if len(p) >= 6]
    return [p for p in pieces if p != value]


def _sweep_kind(kind: str) -> str:
    # a home directory's user name, met again outside a path, is a user name
    return "user" if kind == "home" else kind


def _encoded_forms(value: str) -> list[str]:
    forms = [value]
    for form in (
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value, safe=""),
        json.dumps(value)[1:-1],
        repr(value)[1:-1],
        repr(value)[1:-1].replace("\\", "\\\\"),
    ):
        if form not in forms:
            forms.append(form)
    return forms


_IDENT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_DIGITS = frozenset("0123456789")


def _bounded(text: str, start: int, end: int, kind: str) -> bool:
    """Whether an occurrence stands alone (is not part of a longer word or number)."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if kind in ("password", "token", "secret", "private_key"):
        return True  # a secret inside a longer word is still the secret
    if kind in ("port", "ip"):
        if before in _DIGITS or after in _DIGITS:
            return False
        if (before == "." or after == ".") and kind == "port":
            return False
        return not text[max(0, start - 5) : start].endswith("line ")
    edge_is_word = text[start] in _IDENT, text[end - 1] in _IDENT
    return not (edge_is_word[0] and before in _IDENT) and not (edge_is_word[1] and after in _IDENT)


def redact_strings(
    texts: Sequence[str],
    rules: Sequence[Rule],
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
        _find(text, rules, vault)
    found = [_find(text, rules, vault) for text in texts]
    return [
        _replace(text, [*spans, *vault.sweep(text), *vault.truncated(text)], vault)
        for text, spans in zip(texts, found, strict=True)
    ]


def _find(text: str, rules: Sequence[Rule], vault: Vault) -> list[Finding]:
    protected = [(m.start(), m.end()) for m in PLACEHOLDER.finditer(text)]
    findings: list[Finding] = []
    for rule in rules:
        try:
            results = list(rule(text))
        except Exception as exc:
            raise RedactionFailed(f"rule {rule!r} failed: {type(exc).__name__}") from exc
        for finding in results:
            if not isinstance(finding, Finding) or not 0 <= finding.start < finding.end <= len(
                text
            ):
                raise RedactionFailed(f"rule {rule!r} returned a bad span: {finding!r}")
            for piece in _outside(finding, protected, text):
                vault.learn(piece.kind, _value_of(piece, text))
                findings.append(piece)
    return findings


def _value_of(finding: Finding, text: str) -> str:
    return finding.value if finding.value is not None else text[finding.start : finding.end]


def _outside(finding: Finding, protected: list[tuple[int, int]], text: str) -> list[Finding]:
    """The parts of a finding that are not already placeholders (idempotence)."""
    pieces = [finding]
    for p_start, p_end in protected:
        next_pieces = []
        for piece in pieces:
            if p_end <= piece.start or p_start >= piece.end:
                next_pieces.append(piece)
                continue
            for start, end in ((piece.start, p_start), (p_end, piece.end)):
                if end > start and _WORDISH.search(text, start, end):
                    next_pieces.append(attrs.evolve(piece, start=start, end=end, value=None))
        pieces = next_pieces
    return pieces


def _replace(text: str, findings: list[Finding], vault: Vault) -> str:
    if not findings:
        return text
    findings.sort(key=lambda f: (f.start, -f.end))
    out: list[str] = []
    position = 0
    current: Finding | None = None
    current_end = 0
    for finding in findings:
        if current is not None and finding.start < current_end:
            current_end = max(current_end, finding.end)  # overlapping spans merge
            continue
        if current is not None:
            out.append(_placeholder_of(current, text, vault))
            position = current_end
        out.append(text[position : finding.start])
        current, current_end = finding, finding.end
    assert current is not None
    out.append(_placeholder_of(current, text, vault))
    out.append(text[current_end:])
    return "".join(out)


def _placeholder_of(finding: Finding, text: str, vault: Vault) -> str:
    if finding.replacement is not None:
        return finding.replacement
    return vault.use(finding.kind, _value_of(finding, text), finding.label)
