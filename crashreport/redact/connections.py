"""Connection strings: URLs of any scheme, libpq and ODBC/ADO.NET key/value strings.

A connection string is redacted by its parts -- user, password, host, port,
database -- so the report keeps its shape (``postgresql://<user>:<password>@
<host-1>:<port>/<database>``) and tells a developer which driver failed.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator

from crashreport.redact.engine import Finding
from crashreport.redact.syntax import WORD_START, assignments, host_kind, skip_value

__all__ = ["AssignedConnectionParts", "ConnectionUrls", "LibpqWithoutEquals", "host_parts"]

# Schemes whose path is not a database name.
_WEB_SCHEMES = frozenset(
    """http https ws wss ftp ftps sftp file git ssh svn s3 s3a gs gcs hdfs az abfs abfss wasb
    wasbs unix http+unix https+unix tcp udp tls ssl docker npipe data urn mailto""".split()
)
# Linear: the scheme is bounded and can start only after a non-scheme
# character; the rest is one possessive run without overlap.
_DATABASE_SCHEMES = (
    "postgres|postgresql|pgsql|psql|mysql|mariadb|mssql|sqlserver|oracle|mongodb|redis|rediss"
    "|amqp|amqps|kafka|clickhouse|snowflake|cockroachdb|cassandra|couchbase|neo4j|memcached"
    "|elasticsearch|opensearch|db2|trino|presto|vertica|teradata|firebird|sybase|timescale"
)
# ``scheme://rest``, and the common slip ``postgresql+psycopg2//user:pw@host`` for
# database schemes.
_URL = re.compile(
    r"(?:(?<![\\A-Za-z0-9+.-])|(?<=\\[nrt]))(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{0,30}+)://"
    rf"|(?P<dbscheme>(?i:{_DATABASE_SCHEMES})(?:\+[A-Za-z0-9_]{{1,20}})?):?//)"
    r"(?P<rest>[^\s'\"<>`\\]{1,4096}+)"
)
_PORT = re.compile(r"\d{1,5}")
_TRAILING = frozenset(").,;:!?]}")


def host_parts(text: str, start: int, end: int) -> Iterator[Finding]:
    """Findings for a host slot's value: ``host``, ``host:port``, ``tcp:host,1433``, lists."""
    value = text[start:end]
    offset = start
    for prefix in ("tcp:", "np:", "lpc:", "admin:"):
        if value.lower().startswith(prefix):
            value, offset = value[len(prefix) :], offset + len(prefix)
            break
    position = 0
    for piece in value.split(","):
        piece_start = offset + position
        position += len(piece) + 1
        stripped = piece.strip()
        if not stripped:
            continue
        lead = piece.find(stripped)
        piece_start += lead
        if _PORT.fullmatch(stripped):  # ODBC: Server=host,1433
            yield Finding(piece_start, piece_start + len(stripped), "port")
            continue
        host, port = _split_port(stripped)
        kind = host_kind(host)
        host_at = piece_start + (1 if stripped.startswith("[") else 0)
        if kind is not None:
            yield Finding(host_at, host_at + len(host), kind)
        if port:
            port_at = piece_start + len(stripped) - len(port)
            yield Finding(port_at, port_at + len(port), "port")


def _split_port(hostport: str) -> tuple[str, str]:
    if hostport.startswith("["):
        host, _, tail = hostport[1:].partition("]")
        port = tail[1:] if tail.startswith(":") else ""
        return host, port if _PORT.fullmatch(port) else ""
    if hostport.count(":") == 1:
        host, _, port = hostport.partition(":")
        if _PORT.fullmatch(port):
            return host, port
    return hostport, ""


class ConnectionUrls:
    """``scheme://user:password@host:port/database`` for every scheme.

    The user information ends at the *last* ``@`` before the host, so a
    password holding ``@``, ``#`` or ``/`` is removed whole; percent-encoded
    passwords are removed and remembered in both forms.
    """

    def __repr__(self) -> str:
        return "ConnectionUrls()"

    def __call__(self, text: str) -> Iterator[Finding]:
        if "//" not in text:
            return
        for match in _URL.finditer(text):
            scheme = (match["scheme"] or match["dbscheme"]).lower()
            start, end = match.span("rest")
            while end > start and text[end - 1] in _TRAILING:
                end -= 1  # "(see postgres://h/db)." -- punctuation closes the sentence
            yield from _url_parts(text, scheme, start, end)


def _url_parts(text: str, scheme: str, start: int, end: int) -> Iterator[Finding]:
    rest = text[start:end]
    at = _userinfo_end(rest)
    if at == -1 and "..." in rest:
        # a repr cut short in the middle (pydantic: 'redis://:pw....internal:6379/0'):
        # user information up to the cut, and what is left of the host after it
        cut = rest.index("...")
        if ":" in rest[:cut]:
            yield from _userinfo(rest[:cut], start)
        tail = cut + 3
        while tail < len(rest) and rest[tail] == ".":
            tail += 1
        at = tail - 1
    elif at > 0:
        yield from _userinfo(rest[:at], start)
    host_start = at + 1
    host_end = host_start
    while host_end < len(rest) and rest[host_end] not in "/?#;":
        host_end += 1
    if host_end == host_start:
        return  # sqlite:///path, file:///path: no host
    yield from host_parts(text, start + host_start, start + host_end)
    driverless = scheme.rsplit("+", 1)[0]  # postgresql+psycopg -> postgresql
    if rest[host_end : host_end + 1] == "/" and driverless not in _WEB_SCHEMES:
        yield from _database(rest, host_end + 1, start)


def _userinfo_end(rest: str) -> int:
    """Index of the ``@`` that ends the user information, or -1."""
    at = rest.rfind("@")
    while at > 0:
        userinfo = rest[:at]
        slash = min((i for i in (userinfo.find("/"), userinfo.find("?")) if i != -1), default=-1)
        colon = userinfo.find(":")
        after = rest[at + 1 : at + 2]
        if (after.isalnum() or after == "[") and (slash == -1 or 0 <= colon < slash):
            return at
        at = rest.rfind("@", 0, at)
    return -1


def _userinfo(userinfo: str, base: int) -> Iterator[Finding]:
    user, colon, password = userinfo.partition(":")
    if user and not skip_value(user):
        yield Finding(base, base + len(user), "user", value=urllib.parse.unquote(user))
    if colon and password and not skip_value(password):
        start = base + len(user) + 1
        yield Finding(start, start + len(password), "password")
        decoded = urllib.parse.unquote(password)
        if decoded != password:  # remember the decoded form too, for the sweep
            yield Finding(start, start + len(password), "password", value=decoded)


def _database(rest: str, start: int, base: int) -> Iterator[Finding]:
    end = start
    while end < len(rest) and rest[end] not in "/?#;,":
        end += 1
    name = rest[start:end]
    if name and not name.isdigit() and not skip_value(name):
        yield Finding(base + start, base + end, "database", value=urllib.parse.unquote(name))


class AssignedConnectionParts:
    """Hosts, ports, users and databases given by key: libpq, ODBC, ADO.NET, JDBC, env.

    ``host=db1 port=5432 dbname=x user=y``, ``Server=tcp:h,1433;Database=x;
    User Id=y``, ``{'host': 'h', 'port': 5432}``, ``PGHOST=h``, ``DB_USER=y``.
    """

    def __repr__(self) -> str:
        return "AssignedConnectionParts()"

    def __call__(self, text: str) -> Iterator[Finding]:
        for kind, start, end in assignments(text):
            value = text[start:end]
            if kind == "host":
                # SQL Server writes the port after a comma: Server=host,1433
                port = _COMMA_PORT.match(text, end)
                yield from host_parts(text, start, port.end() if port else end)
            elif kind == "port":
                if value.isdigit() and 0 < int(value) < 65536:
                    yield Finding(start, end, "port")
            elif kind == "user":
                if _NAME.fullmatch(value) and not value.isdigit():
                    yield Finding(start, end, "user")
            elif kind == "database" and _NAME.fullmatch(value) and not value.isdigit():
                yield Finding(start, end, "database")


_NAME = re.compile(r"[\w.@+$\\-]{1,128}")
_COMMA_PORT = re.compile(r",[ \t]?\d{1,5}(?![\d.])")
# libpq reports a keyword without "=" as an error, and prints the whole
# string: ``host=h port=5432 ... password secret sslmode=require``.
_LIBPQ_PAIR = re.compile(WORD_START + r"(?:host|hostaddr|port|dbname|user|sslmode)=\S")
_LIBPQ_BARE = re.compile(
    WORD_START + r"(?P<key>password|user|dbname|host|hostaddr|port|passfile)[ \t]{1,4}+(?=[^\s=])"
)
_LIBPQ_KINDS = {
    "password": "password",
    "user": "user",
    "dbname": "database",
    "host": "host",
    "hostaddr": "host",
    "port": "port",
    "passfile": "password",
}


class LibpqWithoutEquals:
    """A libpq keyword whose ``=`` is missing, inside a libpq string."""

    def __repr__(self) -> str:
        return "LibpqWithoutEquals()"

    def __call__(self, text: str) -> Iterator[Finding]:
        for match in _LIBPQ_BARE.finditer(text):
            # look only at this line, at most 400 characters each way (linear)
            window_start = max(0, match.start() - 400)
            line_start = text.rfind("\n", window_start, match.start()) + 1 or window_start
            line_end = text.find("\n", match.end(), match.end() + 400)
            line_end = min(len(text), match.end() + 400) if line_end == -1 else line_end
            if len(_LIBPQ_PAIR.findall(text, line_start, line_end)) < 2:
                continue
            end = match.end()
            while end < line_end and not text[end].isspace() and text[end] not in "'\"":
                end += 1
            kind = _LIBPQ_KINDS[match["key"]]
            if kind == "host":
                yield from host_parts(text, match.end(), end)
            else:
                yield Finding(match.end(), end, kind)
