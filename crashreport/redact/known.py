"""Known secrets: values the process already knows are secret.

The values of environment variables with sensitive names (``*_PASSWORD``,
``*_TOKEN``, ``*_SECRET``, ``*_KEY``, ``DATABASE_URL`` ...), and the values a
host app registers. They are removed wherever they appear, whatever the text
around them -- also URL-encoded, base64-encoded, and JSON- or repr-escaped.
"""

from __future__ import annotations

import functools
import os

from crashreport.redact.syntax import SECRET_KINDS, classify_key

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["base64_forms", "environment_secrets", "environment_texts", "read_environment"]

# Too short to remove everywhere without destroying the report.
MIN_KNOWN = 6
# PWD is the shell's working directory, not a password
_NOT_SECRET_NAMES = frozenset({"PWD", "OLDPWD", "XAUTHORITY", "SSH_AUTH_SOCK", "GPG_AGENT_INFO"})
_URL_NAMES = ("URL", "URI", "DSN", "CONNECTION", "CONN", "CONNSTR")


def read_environment(environ: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """``(secrets, texts)``: sensitive values, and connection strings to learn from.

    One pass over the names; a value is read only when its name asks for it.
    ``os.environ`` decodes every key and value it hands out, so for it the
    raw table is read, and each raw name is classified once per process.
    """
    raw = getattr(environ, "_data", None) if environ is os.environ else None
    if isinstance(raw, dict):
        wanted = [(name, want) for name in raw if (want := _wants_raw(name))]
        if not wanted:
            return [], []
        return _collect((environ.decodevalue(raw[name]), want) for name, want in wanted)  # type: ignore[attr-defined]
    wanted_names = [(name, want) for name in environ if (want := _wants(name))]
    if not wanted_names:
        return [], []
    return _collect((environ.get(name, ""), want) for name, want in wanted_names)


def _collect(values: Iterable[tuple[str, int]]) -> tuple[list[str], list[str]]:
    secrets: list[str] = []
    texts: list[str] = []
    for value, want in values:
        if want & _SECRET and len(value) >= MIN_KNOWN:
            secrets.append(value)
        if want & _TEXT and ("@" in value or "=" in value):
            texts.append(value)
    return secrets, texts


_SECRET, _TEXT = 1, 2


@functools.lru_cache(maxsize=1024)
def _wants(name: str) -> int:
    """What a variable's value is to us, by its name: a secret, a connection text, both."""
    upper = name.upper()
    if upper in _NOT_SECRET_NAMES:
        return 0
    return (_SECRET if classify_key(name) in SECRET_KINDS else 0) | (
        _TEXT if upper.endswith(_URL_NAMES) else 0
    )


@functools.lru_cache(maxsize=1024)
def _wants_raw(name: bytes) -> int:
    return _wants(os.fsdecode(name))


def environment_secrets(environ: Mapping[str, str]) -> list[str]:
    """Values of variables whose names say they hold a secret."""
    return read_environment(environ)[0]


def environment_texts(environ: Mapping[str, str]) -> list[str]:
    """Connection strings held in the environment (``DATABASE_URL``, ``*_DSN``).

    The rules read them like any text, so their parts are learned and then
    removed wherever they appear, even where nothing marks them as secret.
    """
    return read_environment(environ)[1]


@functools.lru_cache(maxsize=256)
def base64_forms(value: str) -> tuple[str, ...]:
    """The stable parts of ``value`` base64-encoded at each of the 3 byte offsets.

    Whatever bytes surround a secret in an encoded blob, one of these three
    strings appears in the blob's base64 text (standard and URL-safe
    alphabets). Cached: the same process secrets are met on every report.
    """
    import binascii  # base64.b64encode without base64 (milliseconds, at crash time)

    raw = value.encode("utf-8", "surrogatepass")
    forms: list[str] = []
    for shift in range(3):
        encoded = binascii.b2a_base64(b"\0" * shift + raw, newline=False).decode("ascii")
        # drop the characters touched by the padding bytes and the tail
        head = (shift * 4 + 2) // 3
        tail_bytes = (shift + len(raw)) % 3
        body = encoded[head : len(encoded) - (4 if tail_bytes else 0)]
        if len(body) >= 8:
            forms.append(body)
            safe = body.replace("+", "-").replace("/", "_")
            if safe != body:
                forms.append(safe)
    return tuple(forms)
