"""Known secrets: values the process already knows are secret.

The values of environment variables with sensitive names (``*_PASSWORD``,
``*_TOKEN``, ``*_SECRET``, ``*_KEY``, ``DATABASE_URL`` ...), and the values a
host app registers. They are removed wherever they appear, whatever the text
around them -- also URL-encoded, base64-encoded, and JSON- or repr-escaped.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping

from crashreport.redact.syntax import SECRET_KINDS, classify_key

__all__ = ["base64_forms", "environment_secrets", "environment_texts"]

# Too short to remove everywhere without destroying the report.
MIN_KNOWN = 6
# PWD is the shell's working directory, not a password
_NOT_SECRET_NAMES = frozenset({"PWD", "OLDPWD", "XAUTHORITY", "SSH_AUTH_SOCK", "GPG_AGENT_INFO"})
_URL_NAMES = ("URL", "URI", "DSN", "CONNECTION", "CONN", "CONNSTR")


def environment_secrets(environ: Mapping[str, str]) -> list[str]:
    """Values of variables whose names say they hold a secret."""
    found = []
    for name, value in environ.items():
        if name.upper() in _NOT_SECRET_NAMES:
            continue
        if len(value) >= MIN_KNOWN and classify_key(name) in SECRET_KINDS:
            found.append(value)
    return found


def environment_texts(environ: Mapping[str, str]) -> list[str]:
    """Connection strings held in the environment (``DATABASE_URL``, ``*_DSN``).

    The rules read them like any text, so their parts are learned and then
    removed wherever they appear, even where nothing marks them as secret.
    """
    return [
        value
        for name, value in environ.items()
        if name.upper().endswith(_URL_NAMES) and ("@" in value or "=" in value)
    ]


def base64_forms(value: str) -> Iterable[str]:
    """The stable parts of ``value`` base64-encoded at each of the 3 byte offsets.

    Whatever bytes surround a secret in an encoded blob, one of these three
    strings appears in the blob's base64 text.
    """
    raw = value.encode("utf-8", "surrogatepass")
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).decode("ascii")
        # drop the characters touched by the padding bytes and the tail
        head = (shift * 4 + 2) // 3
        tail_bytes = (shift + len(raw)) % 3
        body = encoded[head : len(encoded) - (4 if tail_bytes else 0)]
        if len(body) >= 8:
            yield body
            yield body.replace("+", "-").replace("/", "_")  # URL-safe alphabet
