"""How secrets are written: which key names hold what, and where a value ends.

Every family asks the same questions -- "is ``db_password`` a sensitive key,
and of what kind?", "where does the value after ``=`` end?", "is this value
a literal or a reference in code?" -- and answers them here, the same way.

Linear time: values are read by one bounded, possessive pattern each
(``MAX_VALUE`` characters at most), never by backtracking.
"""

from __future__ import annotations

import functools
import re

from crashreport.redact.patterns import lazy

__all__ = [
    "MAX_VALUE",
    "RESOLVER_MESSAGES",
    "RESOLVER_REACH",
    "SECRET_KINDS",
    "classify_key",
    "key_endings",
    "read_value",
    "skip_value",
]

MAX_VALUE = 4096
SECRET_KINDS = frozenset({"password", "token", "secret"})

# ---------------------------------------------------------------- key names

_PASSWORD_WORDS = frozenset(
    "password passwd passwort passphrase pwd pass pw psw pword userpass dbpass".split()
)
_TOKEN_WORDS = frozenset(
    """token accesstoken authtoken refreshtoken idtoken apitoken apikey bearer jwt
    pat oauthtoken securitytoken sessiontoken authorization hapikey""".split()
)
_SECRET_WORDS = frozenset(
    """secret secrets secretkey clientsecret credential credentials creds cookie cookies
    session sessionid sid signature sig auth privatekey privkey
    accountkey sharedaccesskey sas pkey""".split()
)
# "<qualifier> key" is a credential: api key, access key, secret key ...
_KEY_QUALIFIERS = frozenset(
    """api access secret private signing encryption master account license client app auth
    session shared storage subscription service x application admin deploy integration
    personal management partner developer consumer ingest write""".split()
)
_HOST_WORDS = frozenset(
    """host hostname hostaddr server servername datasource addr address hosts servers
    brokers""".split()
)
_PORT_WORDS = frozenset({"port"})
_USER_WORDS = frozenset("user username usr uid login userid principal sub upn cn account".split())
_DATABASE_WORDS = frozenset(
    "db dbname database databasename initialcatalog keyspace servicename replicaset".split()
)
# A last word like these makes the key describe *about* a secret, not hold one.
_NOT_VALUES = frozenset(
    """type types kind name names len length count size limit limits max min num number
    expiry expires expiration ttl timeout url uri endpoint path file filename dir env var
    header headers field fields prefix suffix format version policy provider backend class
    cls method mode options option required enabled enable disabled set exists present
    missing valid invalid strength rule rules hint label prompt column placeholder error
    errors message msg manager store source location index attempts retries age at time date
    changed updated created last is has use should needs allow show hide input validator
    validation widget form template regex pattern param params agent handler factory
    callback hook func function id ids list map cache keys dict info config settings""".split()
)
# "name"/"id" after these words is the thing itself (user_name, session_id ...)
_NAMED = {
    ("name", "user"): "user",
    ("name", "login"): "user",
    ("name", "account"): "user",
    ("name", "db"): "database",
    ("name", "database"): "database",
    ("name", "service"): "database",
    ("name", "host"): "host",
    ("name", "server"): "host",
    ("source", "data"): "host",  # ADO.NET: Data Source=host,1433
    ("id", "user"): "user",
    ("id", "login"): "user",
    ("id", "session"): "secret",
    ("id", "access"): "token",
    ("id", "key"): "token",
}
# A key whose previous word makes it about something else: virtual_host is
# an AMQP namespace, not a machine; a public key is public.
_NOT_AFTER = frozenset({"virtual", "public", "publishable", "known"})
_SERVICE_PREFIXES = frozenset(
    """pg db mysql maria mongo redis smtp imap ldap ftp sftp proxy amqp rabbit rabbitmq kafka
    es elastic clickhouse mssql sql oracle snowflake memcached cache broker mail celery
    nats""".split()
)
_CAMEL = lazy(r"[a-z0-9][A-Z]")
_SPLIT = lazy(r"[_\-.\s]+")


def _words(key: str) -> list[str]:
    key = _CAMEL.sub(lambda m: f"{m.group()[0]}_{m.group()[1]}", key)
    return [w for w in _SPLIT.split(key.lower()) if w]


@functools.lru_cache(maxsize=4096)
def classify_key(key: str) -> str | None:
    """The kind of value a key holds (``password``, ``host``, ...), or ``None``.

    The last word decides (``db_host`` is a host, ``db_password`` a
    password, ``password_policy`` nothing); single-word environment names
    are read by suffix (``PGPASSWORD``, ``REDIS_HOST``).
    """
    if len(key) > 64:
        return None
    words = _words(key)
    if not words or "public" in words or "publishable" in words:
        return None
    joined = "".join(words)
    last = words[-1]
    previous = words[-2] if len(words) > 1 else ""
    if previous in _NOT_AFTER and last not in _PASSWORD_WORDS:
        return None
    if last in _NOT_VALUES:
        return _NAMED.get((last, previous))
    if last in _PASSWORD_WORDS or joined.endswith(("password", "passwd", "pwd")):
        return "password"
    if last == "key" and (previous in _KEY_QUALIFIERS or joined in ("apikey", "xapikey")):
        return "token" if previous in ("api", "access", "x", "app", "client") else "secret"
    if last in _TOKEN_WORDS or joined.endswith("token"):
        return "token"
    if last in _SECRET_WORDS or joined.endswith(("secret", "secretkey", "privatekey")):
        return "secret"
    if any(w in ("password", "passwd", "secret") for w in words):
        return "secret"  # password_hash, secret_value: still derived from a secret
    if last in _HOST_WORDS or _service_suffix(joined, ("host", "hostname", "server")):
        return "host"
    if last in _PORT_WORDS or _service_suffix(joined, ("port",)):
        return "port"
    if last in _USER_WORDS or _service_suffix(joined, ("user", "username", "login")):
        return "user"
    if last in _DATABASE_WORDS or _service_suffix(joined, ("database", "db", "dbname")):
        return "database"
    return {"initialcatalog": "database", "datasource": "host", "userid": "user"}.get(joined)


def _service_suffix(joined: str, suffixes: tuple[str, ...]) -> bool:
    """``PGHOST`` or ``REDISPORT``: a known service prefix glued to a suffix."""
    return any(
        joined.endswith(suffix) and joined[: -len(suffix)] in _SERVICE_PREFIXES
        for suffix in suffixes
    )


def key_endings() -> list[str]:
    """Lower-case endings that every key ``classify_key`` accepts ends with.

    Used to find candidate keys from their separator (see ``scan``); the
    candidates are then judged by ``classify_key`` itself.
    """
    words = (
        _PASSWORD_WORDS
        | _TOKEN_WORDS
        | _SECRET_WORDS
        | _HOST_WORDS
        | _PORT_WORDS
        | _USER_WORDS
        | _DATABASE_WORDS
        | {"key", "name", "id", "password", "passwd", "pwd", "token", "secret"}
        | {"user id", "initial catalog", "data source", "user name", "server name", "host name"}
        # the last words of keys derived from a secret (``password_hash``)
        | {"hash", "digest", "salt", "encrypted", "plaintext"}
    )
    return sorted(words)


# ---------------------------------------------------------------- values

_QUOTES = "'\"`"
# where an unquoted value ends; a backslash ends it only before an escape
# letter ("\n" inside a repr ends the line, so the value)
_UNQUOTED = lazy(
    r"[^ \t\r\n'\"`,;&)\]}<>(|\\]*+(?:\\(?![nrt'\"\\])[^ \t\r\n'\"`,;&)\]}<>(|\\]*+)*+"
)
_QUOTED = {q: lazy(rf"[^{q}\\\n]*+(?:\\.[^{q}\\\n]*+)*+", re.DOTALL) for q in _QUOTES}
_TO_LINE_END = lazy(r"[^\r\n]*+")
_SKIP_VALUES = frozenset(
    """none null nil true false undefined nan yes no on off n/a na unset empty default
    required optional ... *** ?""".split()
)
_TEMPLATE = lazy(
    r"\$\{[^}]{0,200}\}|^\$\{[^}]{0,200}$|\{\{[^}]{0,200}\}\}|%\([A-Za-z_]{1,64}\)s|%[A-Z_]{2,64}%|^\$[A-Z_]{2,64}$"
    r"|^\{[A-Za-z_0-9]{0,64}\}$|^%s$|^\[?(?:Filtered|REDACTED|redacted|hidden|masked)\]?$"
    r"|^<[a-z][a-z0-9:_-]{0,30}>$"
)
_MASK_WORDS = frozenset("filtered redacted hidden masked".split())

# What the system says when a name does not resolve or a connection fails
# (gai_strerror of glibc, musl and macOS, strerror of the socket errors,
# Windows' WSA messages): drivers append it after a colon -- libpq's "could not
# translate host name "h" to address: Name or service not known", gRPC's
# "Failed to connect to remote host: Connection refused" -- so "address: Name
# ..." or "host: Connection ..." is the system's sentence, not a host name.
RESOLVER_MESSAGES = (
    "Name or service not known",
    "Temporary failure in name resolution",
    "Non-recoverable failure in name resolution",
    "No address associated with",
    "Address family for hostname not supported",
    "Servname not supported for ai_socktype",
    "Name does not resolve",
    "Try again",
    "Non-recoverable error",
    "nodename nor servname provided",
    "No such host is known",
    "The requested name is valid",
    "getaddrinfo failed",
    "Connection refused",
    "Connection reset by peer",
    "Connection timed out",
    "Connection aborted",
    "Connection closed",
    "Network is unreachable",
    "Network is down",
    "Host is unreachable",
    "Host is down",
    "No route to host",
    "Operation timed out",
    "Software caused connection abort",
    "Broken pipe",
    "A connection attempt failed",
    "An existing connection was forcibly closed",
    "No connection could be made",
)
RESOLVER_REACH = max(map(len, RESOLVER_MESSAGES))
_CODE_ROOTS = frozenset(
    "self cls os settings config cfg conf env environ request args options opts kwargs ctx".split()
)
_EXCEPTION_ENDINGS = ("Error", "Exception", "Warning")
_EXCEPTION_NAME = lazy(
    r"(?:[A-Za-z_][A-Za-z0-9_]{0,64}\.){0,8}[A-Z][A-Za-z0-9]{0,64}(?:Error|Exception|Warning)"
)
_CODE_REFERENCE = lazy(r"[A-Za-z_][A-Za-z0-9_]{0,64}(?:\.[A-Za-z_][A-Za-z0-9_]{0,64}){1,8}")


def read_value(text: str, pos: int, *, to_line_end: bool = False) -> tuple[int, int] | None:
    """The span of the value starting at ``pos`` (quotes excluded), or ``None``.

    Understands ``'quoted'``, ``"quoted"`` (with backslash escapes),
    ``b'bytes'``, ``{braced}`` ODBC values and unquoted tokens. A quoted value
    cut short (a truncated repr) runs to the end of the line. With
    ``to_line_end`` an unquoted value runs to the end of the line
    (``PASSWORD: two words``). Never looks further than ``MAX_VALUE``.
    """
    n = len(text)
    if pos >= n:
        return None
    if text[pos] in "bBrRuUfF" and pos + 1 < n and text[pos + 1] in _QUOTES:
        pos += 1  # b'...' r"..." f"..."
    first = text[pos]
    limit = pos + MAX_VALUE if pos + MAX_VALUE < n else n
    if first in _QUOTES:
        match = _QUOTED[first].match(text, pos + 1, limit)
        assert match is not None  # the pattern matches the empty string
        end = match.end()
        return (pos + 1, end) if end > pos + 1 else None
    if first == "{":
        end_at = min(limit, pos + 256)
        close = text.find("}", pos, end_at)
        while close != -1 and text[close + 1 : close + 2] == "}":
            close = text.find("}", close + 2, end_at)  # ODBC writes "}" as "}}" inside braces
        inner = text[pos + 1 : close] if close != -1 else ""
        # ODBC braces a value ({a;b}); a dict or a format field is not a value
        if close == -1 or not inner or any(c in inner for c in ":'\""):
            return None
        if inner.isidentifier() and classify_key(inner) is not None:
            return None  # f"...?access_token={token}": a format field named like its key
        return pos + 1, close
    if to_line_end:
        line = _TO_LINE_END.match(text, pos, limit)
        end = line.end() if line else pos
        while end > pos and text[end - 1] in " \t,;":
            end -= 1
    else:
        token = _UNQUOTED.match(text, pos, limit)
        end = token.end() if token else pos
        while end > pos and text[end - 1] in ".:":  # sentence punctuation after a value
            end -= 1
    return (pos, end) if end > pos else None


def skip_value(value: str, followed_by: str = "") -> bool:
    """Whether a value is not a secret at all: empty, None, masked, templated, code."""
    stripped = value.strip()
    if not stripped or stripped.lower() in _SKIP_VALUES:
        return True
    if not stripped.strip("*xX\u2022#-_.") or "****" in stripped:
        return True  # already masked: "****", "xxxx", "sk_live_****4f2Q"
    if (
        "$" in stripped
        or "{" in stripped
        or "%" in stripped
        or stripped[0] in "<["
        or stripped.lower() in _MASK_WORDS
    ) and _TEMPLATE.search(stripped):
        return True
    # a reference in code (settings.DB_PASSWORD, os.environ[...]), not a literal
    if followed_by[:1] in ("(", "[") or (stripped[-1] in "([" and followed_by[:1] in _QUOTES):
        return True  # ... or s["password"], read up to its quote
    # the name of an exception class, in prose: "nothing secret: ValueError in x.py"
    if stripped.endswith(_EXCEPTION_ENDINGS) and _EXCEPTION_NAME.fullmatch(stripped):
        return True
    if "." not in stripped:
        return False
    if not _CODE_REFERENCE.fullmatch(stripped):
        return False
    # settings.DB_PASSWORD, or any object's attribute named like a key
    # (good.password, cfg.db_host): an expression, not a literal
    last = stripped.rsplit(".", 1)[1]
    return stripped.split(".", 1)[0] in _CODE_ROOTS or (
        len(last) > 3 and classify_key(last) is not None
    )
