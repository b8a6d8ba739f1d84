"""Credentials: passwords, tokens, API keys, private keys, Authorization headers.

Each rule states the linear-time guarantee it relies on (see ``scan``).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterator

from crashreport.redact.assignments import assignments
from crashreport.redact.hosts import host_kind
from crashreport.redact.patterns import lazy
from crashreport.redact.scan import Hit, Scan, ScanRule, word_start
from crashreport.redact.syntax import SECRET_KINDS, classify_key, read_value, skip_value

__all__ = [
    "AssignedSecrets",
    "AuthorizationHeaders",
    "CommandLineSecrets",
    "PrivateKeys",
    "RandomTokens",
    "VendorTokens",
    "looks_random",
]


class AssignedSecrets(ScanRule):
    """Values of sensitive keys in any common syntax.

    ``password=x``, ``"password": "x"``, ``PASSWORD: x``, ``db_password='x'``,
    ``AWS_SECRET_ACCESS_KEY=x``, ``Authorization: Bearer x`` -- the key's
    name decides (see ``syntax.classify_key``), never the value's shape, so
    weak human passwords are caught as surely as random ones.
    Linear: see ``assignments``.
    """

    def hits(self, scan: Scan) -> Iterator[Hit]:
        for kind, start, end in assignments(scan):
            if kind in SECRET_KINDS:
                yield start, end, kind, None, "", None


# ``--password X``, ``--password=X``, and argv lists ``'--password', 'X'``.
# Linear: the literal ``--`` starts every match; key and separator are bounded.
_FLAG = lazy(r"--(?P<key>[A-Za-z][\w-]{1,40}+)(?:=|[ \t]{1,4}|(?P<q>['\"]), ?['\"])")
# MySQL's ``-pSECRET`` (no space), only in a command that has ``-u``/``--user``.
# Linear: the literal ``-p`` starts every match; the value is bounded and possessive.
_MYSQL_P = lazy(r"-p(?P<value>[^\s'\",\]]{1,200}+)")


class CommandLineSecrets(ScanRule):
    """Secrets passed as command-line options (``--password X``, ``-pX`` for MySQL)."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text = scan.text
        if "--" in text:
            for match in scan.matches(_FLAG, text):
                if not word_start(text, match.start()):
                    continue
                kind = classify_key(match["key"])
                if kind is None:
                    continue
                span = read_value(text, match.end() - (1 if match["q"] else 0))
                if span is None or text[span[0]] == "-":
                    continue
                value = text[span[0] : span[1]]
                if kind == "host" and host_kind(value) is None:
                    continue  # --host localhost: loopback names no one
                if not skip_value(value, text[span[1] : span[1] + 1]):
                    yield span[0], span[1], kind, None, "", None
        if "-u" in text and "-p" in text:  # "-u" also finds "--user"
            for match in scan.matches(_MYSQL_P, text):
                if word_start(text, match.start()) and not skip_value(match["value"]):
                    yield match.start("value"), match.end("value"), "password", None, "", None


# A credential after an HTTP authorization scheme, outside any key=value.
# Linear: each pattern starts with its literal scheme word; the token is bounded.
# Grouped by a part of the words that few texts hold (a capital, or "oken" for
# both "Token" and "token"), searched first: see ``_GATES``.
_SCHEME_GATES = tuple(
    (
        gate,
        tuple(
            (word, lazy(word + r"[ \t]{1,4}(?P<value>[A-Za-z0-9._~+/=-]{8,4096}+)"))
            for word in words
        ),
    )
    for gate, words in (
        ("B", ("Bearer", "Basic")),
        ("oken", ("Token", "token")),
        ("D", ("Digest",)),
        ("K", ("ApiKey",)),
    )
)


class AuthorizationHeaders(ScanRule):
    """Credentials after an HTTP authorization scheme (``Bearer eyJ...``, ``Basic dXNl...``)."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text = scan.text
        for gate, words in _SCHEME_GATES:
            if gate not in text:
                continue
            for word, pattern in words:
                if word not in text:
                    continue
                for match in scan.matches(pattern, text):
                    value = match["value"]
                    if not word_start(text, match.start()):
                        continue
                    # "Token expired" style prose: a credential has a digit or mixed case
                    if not any(c.isdigit() for c in value) and (value.islower() or value.isupper()):
                        continue
                    yield match.start("value"), match.end("value"), "token", None, "", None


# Vendor token formats: a literal prefix, then a bounded body. Linear: They are tried
# only where a token-character run starts (``Scan.runs``) and its first two
# characters can begin one of them, so each try is one anchored match.
_VENDOR_PATTERNS: tuple[tuple[str, str], ...] = (
    ("aws", r"(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z2-7]{16}"),
    ("aws", r"IQoJb3JpZ2luX2Vj[A-Za-z0-9+/=]{20,4096}+"),  # STS session token
    ("github", r"gh[pousr]_[A-Za-z0-9]{30,255}+"),
    ("github", r"github_pat_[A-Za-z0-9_]{22,255}+"),
    ("gitlab", r"gl(?:pat|dt|ptt|rt|soat|cbt|ft|imt|agent)-[A-Za-z0-9_-]{20,255}+"),
    ("slack", r"xox[abposre]-[A-Za-z0-9-]{10,255}+"),
    ("stripe", r"(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,255}+"),
    ("stripe", r"whsec_[A-Za-z0-9]{20,255}+"),
    ("google", r"AIza[0-9A-Za-z_-]{35}"),
    ("anthropic", r"sk-ant-[A-Za-z0-9_-]{20,255}+"),
    ("openai", r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,255}+"),
    ("pypi", r"pypi-[A-Za-z0-9_-]{16,4096}+"),
    ("npm", r"npm_[A-Za-z0-9]{36}"),
    ("twilio", r"SK[0-9a-fA-F]{32}"),
    ("mailgun", r"key-[0-9a-zA-Z]{32}"),
    ("huggingface", r"hf_[A-Za-z0-9]{30,64}"),
    ("digitalocean", r"do[opr]_v1_[a-f0-9]{64}"),
    ("shopify", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"),
    ("django", r"django-insecure-[^\s'\"]{20,200}+"),
    ("newrelic", r"NRAK-[A-Z0-9]{27}"),
    ("databricks", r"dapi[a-f0-9]{32}(?:-\d{1,2})?"),
    ("age", r"AGE-SECRET-KEY-1[0-9A-Z]{50,70}+"),
    ("notion", r"secret_[A-Za-z0-9]{43}(?![A-Za-z0-9])"),
    ("notion", r"ntn_[A-Za-z0-9]{40,50}+"),
    ("jwt", r"eyJ[A-Za-z0-9_-]{8,4096}+\.eyJ[A-Za-z0-9_-]{8,8192}+(?:\.[A-Za-z0-9_-]{0,4096}+)?"),
    ("jwt", r"eyJ[A-Za-z0-9_-]{8,4096}+\.[A-Za-z0-9_-]{8,8192}+\.[A-Za-z0-9_-]{16,4096}+"),
    ("jwt", r"eyJ[A-Za-z0-9_-]{12,8192}+"),  # one segment of a JWT on its own
)
_VENDOR = lazy("|".join(f"(?P<v{i}>{p})" for i, (_, p) in enumerate(_VENDOR_PATTERNS)))
_VENDOR_STARTS = frozenset(
    """AK AS AG AI AR AN AB AC IQ gh gi gl xo sk rk pk wh py np SK ke hf do sh dj ey
    NR da se nt""".split()
)


# Formats whose first run can be shorter than a run (a dot or a slash comes
# early): searched only when their literal prefix is in the text at all.
# Linear: each starts with its literal, then a fixed-width look-behind lets
# it start only where a token can (not inside a longer run, which would make
# every try re-read the run), then bounded possessive runs.
def _at_token_start(prefix: str) -> str:
    literal = re.escape(prefix)
    return rf"{literal}(?:(?<![A-Za-z0-9_-]{literal})|(?<=\\[nrt]{literal}))"


_TRIGGERED: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "SG.",
        "sendgrid",
        lazy(_at_token_start("SG.") + r"[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}"),
    ),
    ("ya29.", "google", lazy(_at_token_start("ya29.") + r"[0-9A-Za-z_-]{20,2048}+")),
    (
        "eyJ",
        "jwt",
        lazy(
            _at_token_start("eyJ")
            + r"(?:[A-Za-z0-9_-]{8,4096}+\.eyJ[A-Za-z0-9_-]{8,8192}+(?:\.[A-Za-z0-9_-]{0,4096}+)?"
            r"|[A-Za-z0-9_-]{8,4096}+\.[A-Za-z0-9_-]{8,8192}+\.[A-Za-z0-9_-]{16,4096}+)"
        ),
    ),
    (
        "IQoJb3JpZ2luX2Vj",
        "aws",
        lazy(_at_token_start("IQoJb3JpZ2luX2Vj") + r"[A-Za-z0-9+/=]{20,4096}+"),
    ),
    (
        "/services/T",
        "slack",
        lazy(r"/services/(?P<t>T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{20,32})"),
    ),
    # (a key the vendor masked in its own message, sk_live_****Meu8, is no secret)
)
_IDENT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
# A character of a literal that few texts hold, tested first: a one-character
# search runs at ``memchr`` speed, some thirty times faster than a longer one,
# and most texts stop there.
_GATES = {"SG.": "G", "eyJ": "J", "IQoJb3JpZ2luX2Vj": "J"}


class VendorTokens(ScanRule):
    """Tokens recognisable by their format alone (AWS, GitHub, Slack, Stripe, JWT...)."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text = scan.text
        for start, _end in _token_starts(scan):
            if text[start : start + 2] not in _VENDOR_STARTS:
                continue
            match = _VENDOR.match(text, start)
            if match is not None:
                label = _VENDOR_PATTERNS[int(str(match.lastgroup)[1:])][0]
                if label == "jwt" and "." not in match.group() and not _jwt_json(match.group()):
                    continue  # base64 of other JSON: a pagination cursor {"page": 2}
                yield start, match.end(), "token", None, label, None
        present: dict[str, bool] = {}
        for literal, label, pattern in _TRIGGERED:
            found = present.get(literal)
            if found is None:
                found = present[literal] = _GATES.get(literal, "") in text and literal in text
            if not found:
                continue
            for match in scan.matches(pattern, text):
                group = "t" if "t" in pattern.groupindex else 0
                start, end = match.span(group)
                if start and text[start - 1] in _IDENT and text[start - 2 : start - 1] != "\\":
                    continue  # inside a longer word (but "\\n" before it is an escape)
                yield start, end, "token", None, label, None
        if ":" in text and ":AA" in text:  # one character first: a memchr
            yield from _telegram_tokens(scan)
        if "-" in text and "-us" in text:
            yield from _mailchimp_keys(scan)


# Mailchimp API keys: 32 hex digits, "-us" and the data centre's number.
# Linear: found from the literal "-us"; the hex before it is one fixed-width
# match, the number after it at most two digits.
_MAILCHIMP_HEX = lazy(r"[0-9a-f]{32}")
_MAILCHIMP_DC = lazy(r"-us\d{1,2}(?![\w-])")


def _mailchimp_keys(scan: Scan) -> Iterator[Hit]:
    text = scan.text
    for at in scan.occurrences("-us"):
        start = at - 32
        dc = _MAILCHIMP_DC.match(text, at)
        if (
            dc is not None
            and start >= 0
            and _MAILCHIMP_HEX.fullmatch(text, start, at)
            and not (start and text[start - 1] in _IDENT)
        ):
            yield start, dc.end(), "token", None, "mailchimp", None


# Telegram bot tokens: the bot's number, ":AA", 33 characters -- one token,
# number included. Linear: found from the literal ":AA"; the number before it
# is read backwards (at most 10 digits), the rest by one fixed-width match.
_TELEGRAM_REST = lazy(r":AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])")


def _telegram_tokens(scan: Scan) -> Iterator[Hit]:
    text = scan.text
    for at in scan.occurrences(":AA"):
        start = at
        while start > 0 and at - start < 10 and text[start - 1].isdigit():
            start -= 1
        rest = _TELEGRAM_REST.match(text, at)
        before = text[start - 1 : start]
        if (
            at - start >= 8
            and rest is not None
            and (
                not before.isalnum()
                or text[start - 3 : start] == "bot"  # api.telegram.org/bot<token>
            )
        ):
            yield start, rest.end(), "token", None, "telegram", None


# Names a JWT's header or claims hold, as they appear in its decoded JSON.
_JWT_NAMES = tuple(
    f'"{name}"'.encode() for name in "alg typ kid exp iat nbf sub iss aud jti".split()
)


def _jwt_json(segment: str) -> bool:
    """Whether one base64url segment is a JWT's header or claims (or cannot be
    read, as a segment cut short: then it is taken for one)."""
    from binascii import Error, a2b_base64  # a C module: cheap, and only for eyJ...

    data = segment.translate(_URLSAFE) + "=" * (-len(segment) % 4)
    try:
        decoded = a2b_base64(data)
    except (Error, ValueError):
        return True
    return any(name in decoded for name in _JWT_NAMES)


_URLSAFE = str.maketrans("-_", "+/")


def _token_starts(scan: Scan) -> list[tuple[int, int]]:
    """The token-character runs, without the ``n`` of a ``\\n`` escape before them."""
    cached = scan.memo.get("tokens")
    if cached is not None:
        return cached  # type: ignore[return-value]
    text = scan.text
    found = scan.runs()
    if "\\" in text:
        found = [
            (start + 1, end)
            if start and text[start - 1] == "\\" and text[start] in "nrt"
            else (start, end)
            for start, end in found
        ]
    scan.memo["tokens"] = found
    return found


class PrivateKeys(ScanRule):
    """PEM private key blocks, whole or truncated, raw or escaped.

    Linear: the literal armour starts every match; every repetition is
    possessive and its pieces cannot overlap.
    """

    def hits(self, scan: Scan) -> Iterator[Hit]:
        if "Y" not in scan.text or "PRIVATE KEY" not in scan.text:  # "Y": see _GATES
            return
        for match in scan.matches(_PEM, scan.text):
            yield match.start(), match.end(), "private_key", None, "", None


_NEWLINE = r"(?:\r?\n|\\r\\n|\\n|\\\\r\\\\n|\\\\n)"
_PEM = lazy(
    r"-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----"
    rf"(?:(?:Proc-Type|DEK-Info|Comment):[^\n\\]{{0,200}}+|{_NEWLINE}[ \t]{{0,16}}+"
    r"|[A-Za-z0-9+/=]{1,200}+)*+"
    r"(?:-----END (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----)?"
)
_HEX_CHARS = "0123456789abcdefABCDEF-"
_DIGIT_BYTES = b"0123456789"
_UPPER_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER_BYTES = b"abcdefghijklmnopqrstuvwxyz"


class RandomTokens(ScanRule):
    """Strings that look machine-generated: long, mixed-case, digits, high entropy.

    API keys of vendors without a prefix, the tail of a token a database
    truncated (``LINE 1: ...k2Jq9x``), a JWT signature. Hex digests, UUIDs,
    paths, identifiers and words are kept: a token must mix upper case, lower
    case and digits and carry >= 3.5 bits per character.
    Linear: it reads ``Scan.runs`` (one literal search) and each run once.
    """

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text = scan.text
        seen: dict[str, bool] = {}  # a token is printed many times in one traceback
        public: list[tuple[int, int]] | None = None  # found once a run looks random
        index = 0
        for start, end in _token_starts(scan):
            value = text[start:end]
            verdict = seen.get(value)
            if verdict is None:
                verdict = seen[value] = _random_run(value)
            if not verdict:
                continue
            if public is None:
                public = _public_keys(scan)
            while index < len(public) and public[index][1] <= start:
                index += 1  # runs come in order: the key before them is behind for good
            if index < len(public) and public[index][0] <= start:
                continue  # inside an SSH public key or a fingerprint: published by design
            if not _after_an_id(text, start):
                while end < len(text) and end - start < 4096 and text[end] == "=":
                    end += 1  # base64 padding
                yield start, end, "token", None, "", None


# How OpenSSH's base64 public keys start (ssh-rsa, ssh-ed25519, ecdsa-sha2-..., ssh-dss)
# and what precedes a fingerprint: these are published, not secrets.
_PUBLIC_KEY_STARTS = ("AAAAB3NzaC1", "AAAAC3NzaC1", "AAAAE2VjZHNh", "AAAAB3NzaC1kc3")
_FINGERPRINT_BEFORE = ("SHA256:", "MD5:")
_BASE64_RUN = lazy(r"[A-Za-z0-9+/=]{0,16384}+")


def _public_keys(scan: Scan) -> list[tuple[int, int]]:
    """Spans of OpenSSH public keys and fingerprints, in order. Linear: each marker
    is a literal found by ``str.find``, each span one bounded possessive run paid
    for (``Scan.budget``), and the search for a marker goes on after its span."""
    text = scan.text
    if "AAAA" not in text and "SHA256:" not in text and "MD5:" not in text:
        return []
    spans: list[tuple[int, int]] = []
    for marker in (*_PUBLIC_KEY_STARTS, *_FINGERPRINT_BEFORE):
        at = text.find(marker)
        while at != -1:
            start = at + len(marker) if marker in _FINGERPRINT_BEFORE else at
            run = _BASE64_RUN.match(text, start)
            end = run.end() if run is not None else start
            if end > start:
                scan.spend()
                spans.append((start, end))
            at = text.find(marker, max(end, at + len(marker)))
    spans.sort()
    return spans


# Keys whose values are identifiers (a request's, an object's, a key's id).
_ID_NAMES = frozenset("id cf-ray x5t x5t#s256 kid etag nonce thumbprint".split())
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-#")


def _after_an_id(text: str, start: int) -> bool:
    """Whether the run at ``start`` is the value of an identifier's key
    (``'errorId': '``, ``"x-amz-id-2": "``, ``cf-ray=``): random, and no secret --
    unless the key says it is one (Vault's ``secret_id``, a ``session_id``).
    Reads at most 40 characters back."""
    tail = text[max(0, start - 40) : start].rstrip(" \t'\"")
    if not tail.endswith((":", "=")):
        return False
    key = tail[:-1].rstrip(" \t'\"")
    first = len(key)
    while first > 0 and key[first - 1] in _NAME_CHARS:
        first -= 1
    name = key[first:]
    low = name.lower()
    is_id = (
        low in _ID_NAMES
        or low.endswith(("_id", "-id", ".id"))
        or (name.endswith("Id") and name[-3:-2].islower())  # errorId, requestId
        or (low[-5:-1] == "-id-" and low[-1:].isdigit())  # x-amz-id-2
    )
    return is_id and not any(w in low for w in ("secret", "token", "session", "passw", "auth"))


def _random_run(value: str) -> bool:
    value = value[:4096]  # a longer run is judged by its start (and removed whole)
    if value.islower() or value.isupper():
        return False  # snake_case, words, host names, CONSTANTS
    stripped = value.strip("_-")
    if len(stripped) < 20 or not stripped.strip(_HEX_CHARS):
        return False  # short, or a hex digest or UUID
    if "+" in stripped and _plus_joined_words(stripped):
        return False  # a URL-encoded name: driver=ODBC+Driver+18+for+SQL+Server
    if "-" in stripped and _hyphenated_name(stripped):
        return False  # poetry's virtualenv: acme-worker-Zx1kQ9-py3.11
    if stripped.startswith("eyJ") and not _jwt_json(stripped):
        return False  # base64 of JSON that is no JWT's: a pagination cursor
    return looks_random(stripped)


def _hyphenated_name(value: str) -> bool:
    """Mostly lower-case words joined by ``-``, with at most one short random part,
    as tools name directories (``<project>-<hash>-py3``). A token's ``-`` (base64url)
    falls between random-case runs."""
    pieces = value.split("-")
    if len(pieces) < 3:
        return False
    mixed = [piece for piece in pieces if not (piece.islower() or piece.isdigit())]
    return len(mixed) <= 1 and all(len(piece) <= 8 for piece in mixed)


def _plus_joined_words(value: str) -> bool:
    """Words (lower, upper or capitalised) and numbers joined by ``+``, as a query
    string writes spaces. Base64 has ``+`` too, but between random-case runs."""
    pieces = value.split("+")
    return len(pieces) >= 3 and all(
        piece
        and len(piece) <= 16
        and (
            piece.isdigit()
            or (piece.isalpha() and (piece.islower() or piece.isupper() or piece.istitle()))
        )
        for piece in pieces
    )


def looks_random(value: str) -> bool:
    """Upper, lower and digits, several of each, and high Shannon entropy."""
    n = len(value)
    if value.islower() or value.isupper():
        return False
    # counted by deleting each class in C (one byte per character, ASCII or "?")
    raw = value.encode("ascii", "replace")
    if n - len(raw.translate(None, _DIGIT_BYTES)) < 2:
        return False
    if (
        n - len(raw.translate(None, _UPPER_BYTES)) < 2
        or n - len(raw.translate(None, _LOWER_BYTES)) < 2
    ):
        return False
    # H = log2(n) - sum(k log2 k) / n, with k log2 k from a table
    counts = Counter(value).values()
    entropy = _log2(n) - sum(map(_k_log_k, counts)) / n
    return entropy >= 3.5


# Tables, so that ``math`` (a shared library) is loaded only when first needed.
@functools.lru_cache(maxsize=4096)
def _log2(n: int) -> float:
    from math import log2

    return log2(n)


@functools.lru_cache(maxsize=512)
def _k_log_k(k: int) -> float:
    from math import log2

    return k * log2(k)
