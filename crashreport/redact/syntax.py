"""Shared knowledge of how secrets are written: key names, values, host names.

The rules of every family ask the same questions -- "is ``db_password`` a
sensitive key, and of what kind?", "where does the value after ``=`` end?",
"is ``ingress-01.priv.example.org`` a host name or a Python module?" -- and
answer them here, the same way.

Nothing here uses a regular expression with nested or unbounded overlapping
quantifiers: value scanning is a forward loop with a length cap, so each
call is linear in the characters it looks at (and never looks at more than
``MAX_VALUE``).
"""

from __future__ import annotations

import functools
import ipaddress
import re

__all__ = [
    "MAX_VALUE",
    "classify_key",
    "host_kind",
    "is_public_host",
    "looks_like_fqdn",
    "read_value",
    "skip_value",
]

MAX_VALUE = 4096

# Where a word-like match may start: not inside a word, but right after an
# escape such as the ``\n`` of a repr'd multi-line string (``'a\npassword=x'``).
WORD_START = r"(?:(?<![\\\w-])|(?<=\\[nrt]))"

# ---------------------------------------------------------------- key names

_PASSWORD_WORDS = frozenset(
    "password passwd passwort passphrase pwd pass pw psw pword userpass dbpass".split()
)
_TOKEN_WORDS = frozenset(
    """token accesstoken authtoken refreshtoken idtoken apitoken apikey bearer jwt
    pat oauthtoken securitytoken sessiontoken""".split()
)
_SECRET_WORDS = frozenset(
    """secret secrets secretkey clientsecret credential credentials creds cookie cookies
    session sessionid sid signature sig authorization auth privatekey privkey salt
    accountkey sharedaccesskey sas""".split()
)
# "<qualifier> key" is a credential: api key, access key, secret key ...
_KEY_QUALIFIERS = frozenset(
    """api access secret private signing encryption master account license client app auth
    session shared storage subscription service x""".split()
)
_HOST_WORDS = frozenset("host hostname hostaddr server servername datasource addr address".split())
_PORT_WORDS = frozenset({"port"})
_USER_WORDS = frozenset("user username usr uid login userid principal sub upn".split())
_DATABASE_WORDS = frozenset("db dbname database databasename initialcatalog keyspace".split())
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
_SERVICE_PREFIXES = (
    "pg",
    "db",
    "mysql",
    "maria",
    "mongo",
    "redis",
    "smtp",
    "imap",
    "ldap",
    "ftp",
    "sftp",
    "proxy",
    "amqp",
    "rabbit",
    "rabbitmq",
    "kafka",
    "es",
    "elastic",
    "clickhouse",
    "mssql",
    "sql",
    "oracle",
    "snowflake",
    "memcached",
    "cache",
    "broker",
    "mail",
    "celery",
    "nats",
)
_CAMEL = re.compile(r"[a-z0-9][A-Z]")


def _words(key: str) -> list[str]:
    key = _CAMEL.sub(lambda m: f"{m.group()[0]}_{m.group()[1]}", key)
    return [w for w in re.split(r"[_\-.\s]+", key.lower()) if w]


@functools.lru_cache(maxsize=4096)
def classify_key(key: str) -> str | None:
    """The kind of value a key holds (``password``, ``host``, ...), or ``None``.

    The last word decides (``db_host`` is a host, ``db_password`` a
    password, ``password_policy`` nothing); single-word environment names
    are read by suffix (``PGPASSWORD``, ``REDIS_HOST``).
    """
    words = _words(key)
    if not words or len(key) > 64:
        return None
    if "public" in words or "publishable" in words:
        return None
    joined = "".join(words)
    last = words[-1]
    previous = words[-2] if len(words) > 1 else ""

    if last in _NOT_VALUES:
        # user_id / session_id / key_id carry the thing itself; the rest describe it
        if last == "id" and previous in ("user", "login"):
            return "user"
        if last == "id" and previous in ("session", "access", "key"):
            return "secret" if previous == "session" else "token"
        if last == "name" and previous in ("user", "login", "account"):
            return "user"
        if last == "name" and previous in ("db", "database"):
            return "database"
        if last == "name" and previous == "host":
            return "host"
        return None
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
    if joined in ("initialcatalog", "datasource", "userid"):
        return {"initialcatalog": "database", "datasource": "host", "userid": "user"}[joined]
    return None


def _service_suffix(joined: str, suffixes: tuple[str, ...]) -> bool:
    """``PGHOST`` or ``REDISPORT``: a known service prefix glued to a suffix."""
    for suffix in suffixes:
        if joined.endswith(suffix) and joined[: -len(suffix)] in _SERVICE_PREFIXES:
            return True
    return False


# ---------------------------------------------------------------- values

_QUOTES = "'\"`"
_ESCAPES = frozenset("nrt'\"\\")
# where an unquoted value ends
_UNQUOTED_END = frozenset(" \t\r\n'\"`,;&)]}<>(|")
_SKIP_VALUES = frozenset(
    """none null nil true false undefined nan yes no on off n/a na unset empty default
    required optional ... ***""".split()
)
_TEMPLATE = re.compile(
    r"\$\{[^}]{0,200}\}|\{\{[^}]{0,200}\}\}|%\([A-Za-z_]{1,64}\)s|%[A-Z_]{2,64}%|^\$[A-Z_]{2,64}$"
    r"|^\{[A-Za-z_0-9]{0,64}\}$|^%s$|^\[?(?:Filtered|REDACTED|redacted|hidden|masked)\]?$"
    r"|^<[a-z][a-z0-9:_-]{0,30}>$"
)
_MASK_CHARS = frozenset("*xX•#-_.")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,64}")
_CODE_ROOTS = frozenset(
    "self cls os settings config cfg conf env environ request args options opts kwargs ctx".split()
)
_CODE_REFERENCE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,64}(?:\.[A-Za-z_][A-Za-z0-9_]{0,64}){1,8}")


def read_value(text: str, pos: int, *, to_line_end: bool = False) -> tuple[int, int] | None:
    """The span of the value starting at ``pos`` (quotes excluded), or ``None``.

    Understands ``'quoted'``, ``"quoted"`` (with backslash escapes),
    ``b'bytes'``, ``{braced}`` ODBC values and unquoted tokens. A quoted value
    cut short (a truncated repr) runs to the end of the line. With
    ``to_line_end`` an unquoted value runs to the end of the line
    (``PASSWORD: two words``).
    """
    n = len(text)
    if pos >= n:
        return None
    if text[pos] in "bBrRuU" and pos + 1 < n and text[pos + 1] in _QUOTES:
        pos += 1  # b'...' r"..."
    first = text[pos]
    limit = min(n, pos + MAX_VALUE)
    if first in _QUOTES:
        i = pos + 1
        while i < limit:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == first or c == "\n":
                break
            i += 1
        return (pos + 1, min(i, n)) if i > pos + 1 else None
    if first == "{":
        end = text.find("}", pos, limit)
        inner = text[pos + 1 : end] if end != -1 else ""
        # ODBC braces a value ({a;b}); a dict or a format field is not a value
        if end == -1 or any(c in inner for c in ":'\"") or not inner:
            return None
        return pos + 1, end
    i = pos
    if to_line_end:
        while i < limit and text[i] not in "\r\n":
            i += 1
        while i > pos and text[i - 1] in " \t,;":
            i -= 1
    else:
        while i < limit and text[i] not in _UNQUOTED_END:
            if text[i] == "\\" and text[i + 1 : i + 2] in _ESCAPES:
                break  # "\n" inside a repr ends the line, so the value
            i += 1
        while i > pos and text[i - 1] in ".:":  # sentence punctuation after a value
            i -= 1
    return (pos, i) if i > pos else None


def skip_value(value: str, followed_by: str = "") -> bool:
    """Whether a value is not a secret at all: empty, None, masked, templated, code."""
    stripped = value.strip()
    if not stripped or stripped.lower() in _SKIP_VALUES:
        return True
    if set(stripped) <= _MASK_CHARS:
        return True  # already masked: "****", "xxxx"
    if _TEMPLATE.search(stripped):
        return True
    # a reference in code (settings.DB_PASSWORD, os.environ[...]), not a literal
    if followed_by[:1] in ("(", "["):
        return True
    match = _CODE_REFERENCE.fullmatch(stripped)
    return bool(match and stripped.split(".", 1)[0] in _CODE_ROOTS)


# ---------------------------------------------------------------- hosts

_LOOPBACK = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_NOT_SECRET_IPS = frozenset({"127.0.0.1", "0.0.0.0", "::1", "::", "255.255.255.255"})  # noqa: S104
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
# Public services whose names identify no customer: keep them, they help debugging.
_PUBLIC_DOMAINS = (
    "python.org",
    "sqlalche.me",
    "pypi.org",
    "pythonhosted.org",
    "github.com",
    "githubusercontent.com",
    "gitlab.com",
    "readthedocs.io",
    "readthedocs.org",
    "googleapis.com",
    "google.com",
    "stripe.com",
    "openai.com",
    "anthropic.com",
    "slack.com",
    "sentry.io",
    "docker.com",
    "docker.io",
    "djangoproject.com",
    "microsoft.com",
    "mozilla.org",
    "postgresql.org",
    "mysql.com",
    "mariadb.com",
    "redis.io",
    "mongodb.com",
    "w3.org",
    "yaml.org",
    "json-schema.org",
    "ietf.org",
    "rfc-editor.org",
    "wikipedia.org",
    "pydantic.dev",
    "stackoverflow.com",
    "letsencrypt.org",
    "cloudflare.com",
    "amazon.com",
    "aws.amazon.com",
)
# Suffixes used only inside organisations (and RFC 6762/8375 names). In free
# text ``.local`` and friends also end Python names (``threading.local``,
# ``settings.prod``), so there they need a third label, a hyphen or a digit.
INTERNAL_TLDS = frozenset("internal lan corp intra intranet priv localdomain svc consul".split())
_WEAK_INTERNAL_TLDS = frozenset(
    "local home private cluster ec2 vpc dmz prod stage staging infra mgmt".split()
)
# Top-level domains common in host names; two labels suffice for these.
_STRONG_TLDS = frozenset("com net org io".split())
# Other real top-level domains: trusted with three labels, a hyphen or a digit.
PUBLIC_TLDS = frozenset(
    """co dev cloud biz xyz tech app ai gov edu mil int eu us uk de fr nl be ch at es it se no
    dk fi pl cz pt ie ca au nz jp cn in br ru kr sg hk za mx ar""".split()
)


def ip_kind(value: str) -> str | None:
    """``"ip"`` for a non-loopback IP address, ``""`` for loopback, ``None`` otherwise."""
    candidate = value.strip("[]").split("%", 1)[0]
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return None
    if address.is_unspecified or candidate in _NOT_SECRET_IPS:
        return ""
    return "ip"


def is_public_host(host: str) -> bool:
    """A well-known public service (docs, package index, vendor API)."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in _PUBLIC_DOMAINS)


def host_kind(value: str) -> str | None:
    """Classify a value found in a host slot: ``"ip"``, ``"host"``, or ``None`` (keep)."""
    value = value.strip().rstrip(".")
    if not value or len(value) > 253:
        return None
    kind = ip_kind(value)
    if kind is not None:
        return kind or None
    lowered = value.lower()
    if lowered in _LOOPBACK or lowered.endswith(".localhost") or is_public_host(lowered):
        return None
    labels = value.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return None
    if not any(c.isalpha() for c in value):
        return None
    return "host"


def looks_like_fqdn(value: str) -> bool:
    """A dotted name that is a host name even outside a host slot.

    ``ingress-01.priv.example.org`` is; ``sqlalchemy.engine.base``,
    ``models.py``, ``self.app.run`` and ``logging.info`` are not.
    """
    labels = value.lower().rstrip(".").split(".")
    if len(labels) < 2 or host_kind(value) != "host":
        return False
    tld = labels[-1]
    if tld in INTERNAL_TLDS or tld in _STRONG_TLDS:
        return True
    if tld not in PUBLIC_TLDS and tld not in _WEAK_INTERNAL_TLDS:
        return False
    marked = any("-" in label or any(c.isdigit() for c in label) for label in labels)
    return len(labels) >= 3 or marked


# ---------------------------------------------------------------- assignments

SECRET_KINDS = frozenset({"password", "token", "secret"})

# ``key=value``, ``key: value``, ``"key": value``, ``--key=value``, ``Key Words=value``.
# Linear: the look-behind lets a match start only at the beginning of a word,
# the key is bounded (64) and possessive, the separators are bounded.
_ASSIGNMENT = re.compile(
    r"(?:(?<![\\\w.-])|(?<=\\[nrt]))(?P<dash>--?)?(?P<q>[\"'`]?)"
    r"(?P<key>[A-Za-z_][\w.-]{0,63}+(?: [A-Z][A-Za-z]{1,12}){0,2})(?P=q)"
    r"(?P<pre>[ \t]{0,4})(?P<sep>=>|=|:(?!:))[ \t]{0,8}"
)
_AUTH_SCHEME = re.compile(
    r"(?i)(?:bearer|basic|token|digest|negotiate|ntlm|apikey|api-key|jwt|hmac|sso-key)[ \t]+"
)
# ``name`` is a database name under a database section: ``[database]``,
# ``database:`` in YAML, ``{'ENGINE': ..., 'NAME': ...}`` in Django settings.
_DATABASE_SECTION = re.compile(
    r"(?i)\[(?:database|db)\]|(?:(?<![\\\w])|(?<=\\[nrt]))(?:database|db)[\"']?:|engine[\"']?:"
)


def _at_line_start(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= 0 and pos - i < 64 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] == "\n"


def _database_section(text: str, pos: int) -> bool:
    return _DATABASE_SECTION.search(text, max(0, pos - 300), pos) is not None


def _list_items(text: str, pos: int) -> list[tuple[int, int]]:
    """Spans of the quoted strings of a short list or tuple starting at ``pos``."""
    items = []
    for _ in range(16):
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos >= len(text) or text[pos] not in _QUOTES:
            break
        span = read_value(text, pos)
        if span is None:
            break
        items.append(span)
        pos = span[1] + 1
        if text[pos : pos + 1] != ",":
            break
        pos += 1
    return items


def assignments(text: str) -> list[tuple[str, int, int]]:
    """``(kind, start, end)`` of each value assigned to a sensitive key in ``text``."""
    found: list[tuple[str, int, int]] = []
    for match in _ASSIGNMENT.finditer(text):
        key = match["key"]
        kind = classify_key(key)
        if kind is None:
            if key.lower() != "name" or not _database_section(text, match.start()):
                continue
            kind = "database"
        start = match.end()
        if text[start : start + 1] in ("[", "("):  # {'password': ['x']} from parse_qs
            items = _list_items(text, start + 1)
            found.extend((kind, a, b) for a, b in items if not skip_value(text[a:b]))
            continue
        # ``name = value`` is code, unless it is a line of an INI file (unindented,
        # or after a ``\n`` escape in the repr of one)
        spaced_code = (
            bool(match["pre"])
            and match["sep"] == "="
            and text[match.start() - 2 : match.start()] != "\\n"
            and not (match.start() and text[match.start() - 1] == "\n")
        )
        to_line_end = (
            match["sep"] == ":"
            and not match["q"]
            and kind in SECRET_KINDS
            and _at_line_start(text, match.start())
        )
        span = read_value(text, start, to_line_end=to_line_end)
        if span is None:
            continue
        quoted = span[0] > start
        value = text[span[0] : span[1]]
        if spaced_code and not quoted and not value.isdigit():
            continue  # source code: ``password = get_password()``
        if kind in SECRET_KINDS:
            scheme = _AUTH_SCHEME.match(value)
            if scheme:  # keep "Bearer", remove what follows
                span = (span[0] + scheme.end(), span[1])
                value = value[scheme.end() :]
        after = text[span[1] : span[1] + 1]
        if skip_value(value, after):
            continue
        if not quoted and _IDENTIFIER.fullmatch(value) and classify_key(value) == kind:
            continue  # a variable in code: connect(password=db_password)
        found.append((kind, span[0], span[1]))
    return found
