"""The vault: the values found in one report, swept from all of its text.

A value a rule found -- a password in a DSN, a host in a driver's message --
is remembered with its encoded forms (URL-encoded, JSON- and repr-escaped,
the fragments a secret is printed in), and every other occurrence of it is
removed too, with the same placeholder (``<host-1>`` ... ``<host-1>``).

Time: one ``str.find`` (in C) per remembered form and occurrence.
"""

from __future__ import annotations

from crashreport.redact.kinds import KINDS, NUMBERED, Redactions
from crashreport.redact.patterns import lazy
from crashreport.redact.scan import Hit, Scan, TooDense

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

__all__ = ["Vault"]

# Values shorter than this, or common words, are only removed where a rule
# found them, never swept across the report: sweeping "app" or "db" would
# mangle ``app.models`` and ``db.py``. The words include the user names that
# token logins put before the token (``https://oauth2:<token>@gitlab...``,
# GitHub's ``x-access-token``, PyPI's ``__token__``): they name nobody, and
# sweeping them would mangle ``oauth2.googleapis.com``.
_MIN_SWEEP = {"port": 4, "ip": 7, "home": 3}
_MIN_SWEEP_DEFAULT = 4
_COMMON = frozenset(
    """root admin administrator user users guest test tests default public app apps api
    main master db data database postgres postgresql mysql mariadb redis mongo mongodb
    sqlite oracle sa sys system service server client local localhost none null true false
    yes no dev prod production staging web www home info mail ftp git ubuntu debian ec2-user
    runner docker nobody daemon www-data
    oauth2 oauth2accesstoken x-access-token x-oauth-basic x-token-auth gitlab-ci-token
    __token__ _json_key token apikey""".split()
)
_WORDISH = lazy(r"\w")
_PLAIN = lazy(r"[A-Za-z0-9_.~-]*")  # the same in every encoded form
_ESCAPE = lazy(r"%[0-9A-Fa-f]{2}")
_SECRET_KINDS = frozenset({"password", "token", "secret", "private_key"})
_FOLDED = frozenset({"host", "email", "user", "home"})
# Names whose pieces next to a cut (``...``) are removed as the names are; long
# ones only, so that a short piece of a word is no piece of a name.
_CUT_NAMES = frozenset({"user", "home", "database", "host"})
_MIN_CUT_NAME = 8


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
        self._sweep: dict[str, tuple[str, str, str]] = {}  # needle -> (kind, value, gate)
        self._learned: set[tuple[str, str]] = set()
        self._secrets: list[str] = []  # secret values, to recognise truncated copies
        self._names: list[tuple[str, str]] = []  # (kind, value) of long names, likewise

    def copy(self) -> Vault:
        """A vault that knows what this one learned, with no placeholder used yet."""
        twin = Vault()
        twin._sweep = dict(self._sweep)
        twin._learned = set(self._learned)
        twin._secrets = list(self._secrets)
        twin._names = list(self._names)
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
        if not (value[:1].isalnum() or _WORDISH.search(value)):  # a word character at all
            return
        if kind in _SECRET_KINDS:
            forms = (*forms, *_fragments(value))
            self._secrets.append(value)
        elif kind in _CUT_NAMES and len(value) >= _MIN_CUT_NAME:
            self._names.append((_sweep_kind(kind), value))
        fold = kind in _FOLDED
        for form in (*_encoded_forms(value), *forms):
            needle = form.lower() if fold else form
            if needle not in self._sweep:
                self._sweep[needle] = (kind, value, "")  # no gate (see ``gate``): "" is in all

    def gate(self) -> None:
        """Give each value learned so far a gate for the sweep: its rarest character.

        For a vault reused for many reports (what the process knows is
        secret, see ``redact._known``): those values are searched in every
        report, and are rarely there. A value found in a report itself is
        there, so it gets no gate.
        """
        for needle, (kind, value, _none) in self._sweep.items():
            self._sweep[needle] = (kind, value, _gate(needle))

    def checkpoint(self) -> tuple[dict[tuple[str, str], str], dict[str, int]]:
        """The placeholders handed out so far, to take back later (``rollback``)."""
        return dict(self._placeholders), dict(self._numbers)

    def rollback(self, checkpoint: tuple[dict[tuple[str, str], str], dict[str, int]]) -> None:
        """Forget the placeholders handed out since ``checkpoint``."""
        self._placeholders, self._numbers = dict(checkpoint[0]), dict(checkpoint[1])

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

    def sweep(self, scan: Scan, covered: dict[int, int] | None = None) -> list[Hit]:
        """Every occurrence in the text of a remembered value (or an encoded form).

        ``covered`` maps a start to the furthest end of a span already found
        there: an occurrence inside it is left out (it would change nothing).
        Each occurrence is paid for (``Scan.budget``), left out or not.
        """
        text = scan.text
        found: list[Hit] = []
        covered = covered or {}
        furthest = covered.get
        budget = scan.budget
        spent = 0
        for needle, (kind, value, gate) in self._sweep.items():
            haystack = scan.low if kind in _FOLDED else text
            if gate not in haystack:
                continue  # its rarest character is not there: a memchr instead of a search
            start = haystack.find(needle)
            if start == -1:
                continue
            length = len(needle)
            secret = kind in _SECRET_KINDS  # a secret inside a longer word is still the secret
            kind = _sweep_kind(kind)
            while start != -1:
                end = start + length
                if secret or _bounded(text, start, end, kind):
                    spent += 1
                    if spent > budget:
                        scan.budget = budget - spent
                        raise TooDense
                    if furthest(start, -1) < end:
                        found.append((start, end, kind, value, "", None))
                start = haystack.find(needle, end)
        scan.budget = budget - spent
        return found

    def truncated(self, text: str) -> Iterator[Hit]:
        """Pieces of remembered secrets and long names next to a cut (``...``) or a
        mask (``***``), as databases, validators, pytest and vendors print long
        values: ``LINE 1: ...k2Jq9x'``, ``'k2Jq...'``,
        ``'postgresql:/...nvoicing_live'``, ``sk-WIkfA****MeSw`` (a mask alone
        is no secret; the visible part of a key found elsewhere is)."""
        if not self._secrets and not self._names:
            return
        for marker in ("...", "\u2026", "***"):
            cut = text.find(marker)
            while cut != -1:
                after = cut + len(marker)
                while after < len(text) and text[after] == marker[0]:
                    after += 1  # the whole run of dots or stars is one cut
                for start, end in (_run(text, after, 1), _run(text, cut, -1)):
                    piece = text[start:end]
                    if len(piece) < 6:
                        continue
                    if any(piece in secret for secret in self._secrets):
                        yield start, end, "secret", None, "", None
                    else:  # pytest's 'postgresql:/...nvoicing_live': a name cut short
                        kind = next((k for k, name in self._names if piece in name), None)
                        if kind is not None:
                            yield start, end, kind, None, "", None
                cut = text.find(marker, after)

    def redactions(self) -> Redactions:
        """Distinct removed values, counted by kind, in the order of ``KINDS``."""
        if not self._placeholders:
            return _NOTHING
        counts: dict[str, int] = {}
        for kind, _value in self._placeholders:
            counts[kind] = counts.get(kind, 0) + 1
        return Redactions(tuple((k, counts[k]) for k in KINDS if k in counts))


_NOTHING = Redactions()


_RUN_END = frozenset(" \t\r\n'\"`,;()[]{}<>=:")  # key=6d2c43ff6c... and u:pw...: the value only


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
    if "%" in value and not _ESCAPE.search(value):
        pieces += [p for p in value.split("%") if len(p) >= 6]
        pieces += ["%" + p for p in value.split("%")[1:] if len(p) >= 6]
    return [p for p in pieces if p != value]


# Characters by how few tracebacks hold them, rarest first (measured on real
# ones). Only the speed of the sweep depends on it: a needle whose rarest
# character is not in a text cannot be in it, and a one-character search runs
# at memchr speed -- some thirty times faster than searching the needle, which
# most process secrets (searched in every report) never need.
_RARITY = (
    "$|;&!~?%\\#JZ+XY@KGQVWM*<>zHB}{IDULP][CSA'ORqNj947w=680x5^2-g13h_"
    'Ef/dvt(:,enboF)p a"T.smklcryui'
)
_RANK = {c: i for i, c in enumerate(_RARITY)}


def _gate(needle: str) -> str:
    """The needle's rarest character (one outside ``_RARITY`` is rarer than all)."""
    return min(set(needle), key=lambda c: _RANK.get(c, -1))


def _sweep_kind(kind: str) -> str:
    # a home directory's user name, met again outside a path, is a user name
    return "user" if kind == "home" else kind


def _encoded_forms(value: str) -> list[str]:
    if _PLAIN.fullmatch(value):
        return [value]  # letters, digits and "_.~-" read the same in every encoding
    forms = [value]
    quoted = _percent(value)
    escaped = repr(value)[1:-1]
    for form in (
        quoted,
        quoted.replace("%20", "+"),  # quote_plus: "%" itself is "%25", so "%20" was a space
        _json_escaped(value),
        escaped,
        escaped.replace("\\", "\\\\"),
    ):
        if form not in forms:
            forms.append(form)
    return forms


def _json_escaped(value: str) -> str:
    """``json.dumps(value)[1:-1]``, without importing ``json`` (milliseconds, at
    crash time): its C encoder, loaded on first use."""
    encode = _JSON.get("encode")
    if encode is None:
        encode = _JSON["encode"] = _json_encoder()
    return encode(value)[1:-1]


_JSON: dict[str, Callable[[str], str]] = {}


def _json_encoder() -> Callable[[str], str]:
    try:
        from _json import encode_basestring_ascii
    except ImportError:  # another Python than CPython
        from json import dumps

        return dumps
    return encode_basestring_ascii


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~-")
_PERCENT_BYTES = [chr(b) if chr(b) in _UNRESERVED else f"%{b:02X}" for b in range(256)]
_QUOTE_BYTE = _PERCENT_BYTES.__getitem__


def _percent(value: str) -> str:
    """``urllib.parse.quote(value, safe="", errors="surrogatepass")``, without
    importing ``urllib`` (milliseconds, at crash time): one table look-up per
    byte, in C."""
    return "".join(map(_QUOTE_BYTE, value.encode("utf-8", "surrogatepass")))


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
        return not (before == " " and text[max(0, start - 5) : start] == "line ")
    if before in _IDENT and _after_escape(text, start):
        before = ""  # b'\x00svc_app\x00' (MySQL's handshake), 'a\nsvc_app': escapes end words
    dotted = before == "." or (after == "." and text[end + 1 : end + 2].isalpha())
    if kind in ("user", "database") and (dotted or before == "-" or after == "-"):
        return False  # elastic-transport, db.orders.find, neo4j.exceptions: a longer name
    if kind == "host" and dotted and "." not in text[start:end]:
        return False  # a one-label host in a dotted name: starlette.testclient.TestClient
    return not (text[start] in _IDENT and before in _IDENT) and not (
        text[end - 1] in _IDENT and after in _IDENT
    )


def _after_escape(text: str, start: int) -> bool:
    """Whether ``start`` follows a backslash escape of a repr: ``\\n``, ``\\x00``."""
    if start >= 2 and text[start - 2] == "\\" and text[start - 1] in "nrt0":
        return True
    return (
        start >= 4
        and text[start - 4 : start - 2] == "\\x"
        and all(c in _HEX for c in text[start - 2 : start])
    )


_HEX = frozenset("0123456789abcdefABCDEF")
