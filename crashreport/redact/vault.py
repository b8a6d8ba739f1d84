"""The vault: the values found in one report, swept from all of its text.

A value a rule found -- a password in a DSN, a host in a driver's message --
is remembered with its encoded forms (URL-encoded, JSON- and repr-escaped,
the fragments a secret is printed in), and every other occurrence of it is
removed too, with the same placeholder (``<host-1>`` ... ``<host-1>``).

Time: one ``str.find`` (in C) per remembered form and occurrence.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable, Iterator

from crashreport.redact.kinds import KINDS, NUMBERED, Redactions
from crashreport.redact.scan import Hit, Scan

__all__ = ["Vault"]

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
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")  # the same in every encoded form
_SECRET_KINDS = frozenset({"password", "token", "secret", "private_key"})
_FOLDED = frozenset({"host", "email"})


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
        self._learned: set[tuple[str, str]] = set()
        self._secrets: list[str] = []  # secret values, to recognise truncated copies

    def copy(self) -> Vault:
        """A vault that knows what this one learned, with no placeholder used yet."""
        twin = Vault()
        twin._sweep = dict(self._sweep)
        twin._learned = set(self._learned)
        twin._secrets = list(self._secrets)
        return twin

    def learn(self, kind: str, value: str, forms: Iterable[str] = ()) -> None:
        """Remember ``value`` (and extra encoded ``forms``) to remove it everywhere."""
        if (kind, value) in self._learned:
            return
        self._learned.add((kind, value))
        if len(value) < _MIN_SWEEP.get(kind, _MIN_SWEEP_DEFAULT):
            return
        if kind in ("user", "database", "host", "home") and value.lower() in _COMMON:
            return
        if not _WORDISH.search(value):
            return
        if kind in _SECRET_KINDS:
            forms = (*forms, *_fragments(value))
            self._secrets.append(value)
        fold = kind in _FOLDED
        for form in (*_encoded_forms(value), *forms):
            self._sweep.setdefault(form.lower() if fold else form, (kind, value))

    def use(self, kind: str, value: str, label: str = "") -> str:
        """The placeholder that replaces ``value``; the same value, the same placeholder."""
        key = (kind, value.lower() if kind in _FOLDED else value)
        placeholder = self._placeholders.get(key)
        if placeholder is None:
            if kind in NUMBERED:
                self._numbers[kind] = self._numbers.get(kind, 0) + 1
                placeholder = f"<{kind}-{self._numbers[kind]}>"
            elif kind == "token" and label:
                placeholder = f"<token:{label}>"
            else:
                placeholder = {"private_key": "<private-key>", "home": "~"}.get(kind, f"<{kind}>")
            self._placeholders[key] = placeholder
        return placeholder

    def sweep(self, scan: Scan) -> Iterator[Hit]:
        """Every occurrence in the text of a remembered value (or an encoded form)."""
        text = scan.text
        for needle, (kind, value) in self._sweep.items():
            haystack = scan.low if kind in _FOLDED else text
            start = haystack.find(needle)
            if start == -1:
                continue
            length = len(needle)
            secret = kind in _SECRET_KINDS  # a secret inside a longer word is still the secret
            kind = _sweep_kind(kind)
            while start != -1:
                end = start + length
                if secret or _bounded(text, start, end, kind):
                    yield start, end, kind, value, "", None
                start = haystack.find(needle, end)

    def truncated(self, text: str) -> Iterator[Hit]:
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
                        yield start, end, "secret", None, "", None
                cut = text.find(marker, after)

    def redactions(self) -> Redactions:
        """Distinct removed values, counted by kind, in the order of ``KINDS``."""
        counts: dict[str, int] = {}
        for kind, _value in self._placeholders:
            counts[kind] = counts.get(kind, 0) + 1
        return Redactions(tuple((k, counts[k]) for k in KINDS if k in counts))


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
    if _PLAIN.fullmatch(value):
        return [value]  # letters, digits and "_.~-" read the same in every encoding
    forms = [value]
    for form in (
        _percent(value, "%20"),
        _percent(value, "+"),
        json.dumps(value)[1:-1],
        repr(value)[1:-1],
        repr(value)[1:-1].replace("\\", "\\\\"),
    ):
        if form not in forms:
            forms.append(form)
    return forms


# urllib.parse.quote(value, safe="") for ASCII text, in one C-level pass
_PERCENT = {c: f"%{c:02X}" for c in range(128) if not re.fullmatch(r"[A-Za-z0-9_.~-]", chr(c))}


_PERCENT_PLUS = {**_PERCENT, 32: "+"}


def _percent(value: str, space: str) -> str:
    if not value.isascii():
        quote = urllib.parse.quote if space == "%20" else urllib.parse.quote_plus
        return quote(value, safe="", errors="surrogatepass")
    return value.translate(_PERCENT if space == "%20" else _PERCENT_PLUS)


_IDENT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_DIGITS = frozenset("0123456789")


def _bounded(text: str, start: int, end: int, kind: str) -> bool:
    """Whether an occurrence stands alone (is not part of a longer word or number)."""
    if kind in _SECRET_KINDS:
        return True  # a secret inside a longer word is still the secret
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if kind in ("port", "ip"):
        if before in _DIGITS or after in _DIGITS:
            return False
        if (before == "." or after == ".") and kind == "port":
            return False
        return not text[max(0, start - 5) : start].endswith("line ")
    return not (text[start] in _IDENT and before in _IDENT) and not (
        text[end - 1] in _IDENT and after in _IDENT
    )
