"""Credentials: passwords, tokens, API keys, private keys, Authorization headers.

Each rule is a small callable with a readable ``repr``. Linear-time guarantee
of each pattern is stated next to it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from crashreport.redact.engine import Finding
from crashreport.redact.syntax import (
    SECRET_KINDS,
    WORD_START,
    assignments,
    classify_key,
    read_value,
    skip_value,
)

__all__ = [
    "AssignedSecrets",
    "AuthorizationHeaders",
    "CommandLineSecrets",
    "PrivateKeys",
    "RandomTokens",
    "VendorTokens",
]


class AssignedSecrets:
    """Values of sensitive keys in any common syntax.

    ``password=x``, ``"password": "x"``, ``PASSWORD: x``, ``db_password='x'``,
    ``AWS_SECRET_ACCESS_KEY=x``, ``Authorization: Bearer x`` -- the key's
    name decides (see ``syntax.classify_key``), never the value's shape, so
    weak human passwords are caught as surely as random ones.
    """

    def __repr__(self) -> str:
        return "AssignedSecrets()"

    def __call__(self, text: str) -> Iterator[Finding]:
        for kind, start, end in assignments(text):
            if kind in SECRET_KINDS:
                yield Finding(start, end, kind)


# ``--password X``, ``--password=X``, and argv lists ``'--password', 'X'``.
# Linear: starts only after a non-word character, bounded key and separator.
_FLAG = re.compile(
    WORD_START + r"--(?P<key>[A-Za-z][\w-]{1,40}+)(?:=|[ \t]{1,4}|(?P<q>['\"]), ?['\"])"
)
# MySQL's ``-pSECRET`` (no space), only in a command that has ``-u``/``--user``.
_MYSQL_P = re.compile(WORD_START + r"-p(?P<value>[^\s'\",\]]{1,200}+)")


class CommandLineSecrets:
    """Secrets passed as command-line options (``--password X``, ``-pX`` for MySQL)."""

    def __repr__(self) -> str:
        return "CommandLineSecrets()"

    def __call__(self, text: str) -> Iterator[Finding]:
        if "-" not in text:
            return
        for match in _FLAG.finditer(text):
            kind = classify_key(match["key"])
            if kind is None:
                continue
            span = read_value(text, match.end() - (1 if match["q"] else 0))
            if span is None or text[span[0]] == "-":
                continue
            value = text[span[0] : span[1]]
            if kind in ("port", "database") and not value.strip():
                continue
            if not skip_value(value, text[span[1] : span[1] + 1]):
                yield Finding(span[0], span[1], kind)
        if "-u" in text or "--user" in text:
            for match in _MYSQL_P.finditer(text):
                if not skip_value(match["value"]):
                    yield Finding(match.start("value"), match.end("value"), "password")


# A header or ``Bearer``/``Basic``/``Token`` credential outside any key=value.
# Linear: literal scheme word first, bounded token.
_BEARER = re.compile(
    WORD_START + r"(?:Bearer|Basic|Token|Digest|ApiKey|token)[ \t]{1,4}"
    r"(?P<value>[A-Za-z0-9._~+/=-]{8,4096}+)"
)


class AuthorizationHeaders:
    """Credentials after an HTTP authorization scheme (``Bearer eyJ...``, ``Basic dXNl...``)."""

    def __repr__(self) -> str:
        return "AuthorizationHeaders()"

    def __call__(self, text: str) -> Iterator[Finding]:
        for match in _BEARER.finditer(text):
            value = match["value"]
            # "Token expired" style prose: a credential has a digit or mixed case
            if not any(c.isdigit() for c in value) and (value.islower() or value.isupper()):
                continue
            yield Finding(match.start("value"), match.end("value"), "token")


# Vendor token formats. Each starts with a literal prefix (fast to find),
# is anchored on a non-word character before it, and has bounded length.
_VENDOR_PATTERNS: tuple[tuple[str, str], ...] = (
    ("aws", r"(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z2-7]{16}"),
    ("aws", r"IQoJb3JpZ2luX2Vj[A-Za-z0-9+/=]{20,4096}+"),  # STS session token
    ("github", r"gh[pousr]_[A-Za-z0-9]{30,255}+"),
    ("github", r"github_pat_[A-Za-z0-9_]{22,255}+"),
    ("gitlab", r"gl(?:pat|dt|ptt|rt|soat|cbt|ft|imt|agent)-[A-Za-z0-9_-]{20,255}+"),
    ("slack", r"xox[abposre]-[A-Za-z0-9-]{10,255}+"),
    ("slack", r"T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{20,32}"),  # webhook path
    ("stripe", r"(?:sk|rk|pk|whsec)_(?:live|test)_[A-Za-z0-9]{10,255}+"),
    ("stripe", r"whsec_[A-Za-z0-9]{20,255}+"),
    # keys a vendor masked in its own message still show a prefix and suffix
    ("stripe", r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{0,16}\*{3,64}+[A-Za-z0-9]{0,8}"),
    ("openai", r"sk-(?:proj-)?[A-Za-z0-9]{0,16}\*{3,64}+[A-Za-z0-9]{0,8}"),
    ("google", r"AIza[0-9A-Za-z_-]{35}"),
    ("google", r"ya29\.[0-9A-Za-z_-]{20,2048}+"),
    ("anthropic", r"sk-ant-[A-Za-z0-9_-]{20,255}+"),
    ("openai", r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,255}+"),
    ("pypi", r"pypi-[A-Za-z0-9_-]{16,}+"),
    ("npm", r"npm_[A-Za-z0-9]{36}"),
    ("sendgrid", r"SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}"),
    ("twilio", r"SK[0-9a-fA-F]{32}"),
    ("mailgun", r"key-[0-9a-zA-Z]{32}"),
    ("huggingface", r"hf_[A-Za-z0-9]{30,64}"),
    ("digitalocean", r"do[opr]_v1_[a-f0-9]{64}"),
    ("shopify", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"),
    ("django", r"django-insecure-[^\s'\"]{20,200}+"),
    ("azure", r"(?:AccountKey|SharedAccessKey)=[A-Za-z0-9+/=]{20,200}+"),
    ("jwt", r"eyJ[A-Za-z0-9_-]{8,4096}+\.eyJ[A-Za-z0-9_-]{8,8192}+(?:\.[A-Za-z0-9_-]{0,4096}+)?"),
    ("jwt", r"eyJ[A-Za-z0-9_-]{8,4096}+\.[A-Za-z0-9_-]{8,8192}+\.[A-Za-z0-9_-]{16,4096}+"),
    # one segment of a JWT on its own: base64url of a JSON object
    ("jwt", r"eyJ[A-Za-z0-9_-]{12,8192}+"),
)
_VENDOR = re.compile(
    "|".join(f"(?P<v{i}>{pattern})" for i, (_, pattern) in enumerate(_VENDOR_PATTERNS))
)
_BOUNDARY = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


class VendorTokens:
    """Tokens recognisable by their format alone (AWS, GitHub, Slack, Stripe, JWT...)."""

    def __repr__(self) -> str:
        return "VendorTokens()"

    def __call__(self, text: str) -> Iterator[Finding]:
        for match in _VENDOR.finditer(text):
            start, end = match.span()
            if start and text[start - 1] in _BOUNDARY and text[start - 2 : start - 1] != "\\":
                continue  # inside a longer word (but "\\n" before it is an escape)
            label = _VENDOR_PATTERNS[int(str(match.lastgroup)[1:])][0]
            yield Finding(start, end, "token", label=label)


# PEM private keys: the armour, the body in whatever form the text holds it
# (real newlines, ``\n`` escapes in a repr, ``\\n`` in a repr of JSON), and
# the end line -- or, for a key cut short, as much body as is there.
# Linear: every repetition is possessive and its pieces cannot overlap.
_NEWLINE = r"(?:\r?\n|\\r\\n|\\n|\\\\r\\\\n|\\\\n)"
_PEM = re.compile(
    r"-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----"
    rf"(?:(?:Proc-Type|DEK-Info|Comment):[^\n\\]{{0,200}}+|{_NEWLINE}[ \t]{{0,16}}+"
    r"|[A-Za-z0-9+/=]{1,200}+)*+"
    r"(?:-----END (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----)?"
)


class PrivateKeys:
    """PEM private key blocks, whole or truncated, raw or escaped."""

    def __repr__(self) -> str:
        return "PrivateKeys()"

    def __call__(self, text: str) -> Iterator[Finding]:
        if "PRIVATE KEY" not in text:
            return
        for match in _PEM.finditer(text):
            yield Finding(match.start(), match.end(), "private_key")


# Long random strings, wherever they are: API keys of vendors without a
# prefix, the tail of a token a database truncated (``LINE 1: ...k2Jq9x``),
# a JWT signature. Linear: one possessive run that can start only after a
# character outside it.
_RANDOM = re.compile(
    r"(?:(?<![\\A-Za-z0-9+/_=-])|(?<=\\[nrt]))[A-Za-z0-9+/_-]{20,2048}+={0,2}+(?![A-Za-z0-9+/_=-])"
)
_HEX = frozenset("0123456789abcdefABCDEF-")


class RandomTokens:
    """Strings that look machine-generated: long, mixed-case, digits, high entropy.

    Hex digests, UUIDs, paths, identifiers and words are kept: a token must
    mix upper case, lower case and digits and carry >= 3.5 bits per character.
    """

    def __repr__(self) -> str:
        return "RandomTokens()"

    def __call__(self, text: str) -> Iterator[Finding]:
        for match in _RANDOM.finditer(text):
            start, end = match.span()
            value = match.group().strip("/=_-")
            if value.count("/") > 2 or len(value) < 20 or set(value) <= _HEX:
                continue
            if looks_random(value):
                yield Finding(start, end, "token")


def looks_random(value: str) -> bool:
    """Upper, lower and digits, several of each, and high Shannon entropy."""
    upper = sum(c.isupper() for c in value)
    lower = sum(c.islower() for c in value)
    digits = sum(c.isdigit() for c in value)
    if upper < 2 or lower < 2 or digits < 2:
        return False
    counts: dict[str, int] = {}
    for c in value:
        counts[c] = counts.get(c, 0) + 1
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= 3.5
