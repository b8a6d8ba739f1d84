"""Connection strings: URLs of any scheme, and the host slots every connection
string has (``host``, ``host:port``, ``tcp:host,1433``, ``[v6]:port``, lists).
Key/value strings (libpq, ODBC, TNS, EZConnect) are in ``dsn``.

A connection string is redacted by its parts -- user, password, host, port,
database -- so the report keeps its shape (``postgresql://<user>:<password>@
<host-1>:<port>/<database>``) and tells a developer which driver failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from crashreport.redact.hosts import host_kind
from crashreport.redact.patterns import lazy
from crashreport.redact.scan import Hit, Scan, ScanRule
from crashreport.redact.syntax import skip_value

__all__ = ["ConnectionUrls", "host_parts"]

# Schemes whose path is not a database name.
_WEB_SCHEMES = frozenset(
    """http https ws wss ftp ftps sftp file git ssh svn s3 s3a gs gcs hdfs az abfs abfss wasb
    wasbs unix http+unix https+unix tcp udp tls ssl docker npipe data urn mailto ldap
    ldaps""".split()
)
_DATABASE_SCHEMES = frozenset(
    """postgres postgresql pgsql psql mysql mariadb mssql sqlserver oracle mongodb redis rediss
    amqp amqps kafka clickhouse snowflake cockroachdb cassandra couchbase neo4j memcached
    elasticsearch opensearch db2 trino presto vertica teradata firebird sybase timescale""".split()
)
_PORT = lazy(r"\d{1,5}")
_TRAILING = frozenset(").,;:!?]}")
# Linear: one bounded possessive run from the ``//`` on.
_REST = lazy(r"[^\s'\"<>`\\]{1,4096}+")


def host_parts(
    text: str, start: int, end: int, memo: dict[str, list[Hit]] | None = None
) -> Iterator[Hit]:
    """Hits for a host slot's value: ``host``, ``host:port``, ``tcp:host,1433``, lists.

    ``memo`` (one per text) remembers the answer for a value met again.
    """
    value = text[start:end]
    relative = memo.get(value) if memo is not None else None
    if relative is None:
        relative = list(_host_parts(value))
        if memo is not None:
            memo[value] = relative
    for a, b, kind, found, label, replacement in relative:
        yield start + a, start + b, kind, found, label, replacement


def _host_parts(value: str) -> Iterator[Hit]:
    if value.lower() in ("tcp", "np", "lpc"):
        return  # SQL Server's protocol before a host already replaced: "tcp:<host-1>"
    offset = 0
    for prefix in ("tcp:", "np:", "lpc:", "admin:"):
        if value[: len(prefix)].lower() == prefix:
            value, offset = value[len(prefix) :], len(prefix)
            break
    position = 0
    for piece in value.split(","):
        piece_start = offset + position
        position += len(piece) + 1
        stripped = piece.strip()
        if not stripped:
            continue
        piece_start += piece.find(stripped)
        if _PORT.fullmatch(stripped):  # ODBC: Server=host,1433
            if piece_start > offset:  # a number on its own is no host: skip_host = 1
                yield piece_start, piece_start + len(stripped), "port", None, "", None
            continue
        host, port = _split_port(stripped)
        kind = host_kind(host)
        host_at = piece_start + (1 if stripped.startswith("[") else 0)
        if kind is not None:
            yield host_at, host_at + len(host), kind, None, "", None
        if port:
            port_at = piece_start + len(stripped) - len(port)
            yield port_at, port_at + len(port), "port", None, "", None


def _split_port(hostport: str) -> tuple[str, str]:
    if hostport.startswith("["):
        host, _, tail = hostport[1:].partition("]")
        port = tail[1:] if tail.startswith(":") else ""
        return host, port if _PORT.fullmatch(port) else ""
    if hostport.count(":") == 1:
        host, _, port = hostport.partition(":")
        if _PORT.fullmatch(port):
            return host, port
        if not port or port.isalpha():
            return host, ""  # a port that is no number ("h:port" in a template): the host stays one
    return hostport, ""


class ConnectionUrls(ScanRule):
    """``scheme://user:password@host:port/database`` for every scheme.

    The user information ends at the *last* ``@`` before the host, so a
    password holding ``@``, ``#`` or ``/`` is removed whole; percent-encoded
    passwords are removed and remembered in both forms.
    Linear: found from each literal ``//``; URLs never overlap (a ``//``
    inside a URL already read is skipped); scheme and rest are bounded.
    """

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text, n = scan.text, len(scan.text)
        if "//" not in text:
            return
        # the scheme before each "//", read in the reversed text: only real
        # URL starts reach Python, whatever the input holds ("//////...")
        urls = [
            (n - 2 - m.start(), bool(m["colon"]), n - m.end())
            for m in scan.matches(_REV_URL_START, scan.rcls)
        ]
        consumed = 0
        seen: dict[tuple[str, str], list[Hit]] = {}  # a URL is often printed many times
        for slashes, colon, scheme_start in reversed(urls):
            if slashes < consumed:
                continue
            url = _url_at(scan, slashes, colon, scheme_start)
            if url is None:
                continue
            scheme, start, end = url
            consumed = end
            key = (scheme, text[start:end])
            relative = seen.get(key)
            if relative is None:
                relative = seen[key] = [
                    (a - start, b - start, kind, value, label, replacement)
                    for a, b, kind, value, label, replacement in _url_parts(
                        text, scheme, start, end, scan.hosts
                    )
                ]
            for a, b, kind, value, label, replacement in relative:
                yield start + a, start + b, kind, value, label, replacement


# reversed: "//", an optional ":" (``=`` in ``rcls``), the scheme
_REV_URL_START = lazy(r"//(?P<colon>=)?[a-z0-9+.-]{1,31}+")


def _url_at(
    scan: Scan, slashes: int, colon: bool, scheme_start: int
) -> tuple[str, int, int] | None:
    text = scan.text
    scheme_end = slashes - 1 if colon else slashes
    if scheme_start >= 1 and text[scheme_start - 1] == "\\":
        if text[scheme_start] not in "nrt":
            return None
        scheme_start += 1  # "\npostgres://..." in a repr
    scheme = scan.low[scheme_start:scheme_end]
    if not scheme[:1].isalpha():
        return None
    if not colon and scheme.split("+", 1)[0] not in _DATABASE_SCHEMES:
        return None  # "a//b" is not a URL; "postgresql+psycopg2//u:p@h" is one, mistyped
    rest = _REST.match(text, slashes + 2)
    if rest is None:
        return None
    start, end = rest.span()
    while end > start and text[end - 1] in _TRAILING:
        if text.endswith("...", start, end):
            break  # a repr cut short (loguru, pydantic): the cut is part of the URL
        end -= 1  # "(see postgres://h/db)." -- punctuation closes the sentence
    return scheme, start, end


_HOST_END = lazy(r"[^/?#;]*+")
_NAME_END = lazy(r"[^/?#;,]*+")


def _url_parts(
    text: str, scheme: str, start: int, end: int, memo: dict[str, list[Hit]]
) -> Iterator[Hit]:
    rest = text[start:end]
    at = _userinfo_end(rest)
    if at == -1 and "..." in rest:
        # a repr cut short in the middle (pydantic: 'redis://:pw....internal:6379/0'):
        # user information up to the cut, and what is left of the host after it
        cut = rest.index("...")
        head = rest[:cut]
        if ":" in head:
            yield from _userinfo(head, start)
        elif head:  # no user information shown: the cut is in the host ('amqps://mq-ord...')
            yield start, start + cut, "host", None, "", None
        tail = cut + 3
        while tail < len(rest) and rest[tail] == ".":
            tail += 1
        if not any(c in rest[tail:] for c in ".:/@"):
            return  # what follows the cut is the rest of the repr, not of this URL
        at = tail - 1
    elif at > 0:
        yield from _userinfo(rest[:at], start)
    host_start = at + 1
    host_end = _HOST_END.match(rest, host_start).end()  # type: ignore[union-attr]
    if host_end == host_start:
        return  # sqlite:///path, file:///path: no host
    cut = rest.find("...", host_start, host_end)
    if cut != -1:  # 'mongodb://u:p@mongo-rs0.rese...37017/db': both ends of a cut host
        if cut > host_start:
            yield start + host_start, start + cut, "host", None, "", None
        tail = cut + 3
        while tail < host_end and rest[tail] == ".":
            tail += 1
        if rest[tail:host_end].isdigit():
            yield start + tail, start + host_end, "port", None, "", None
        elif tail < host_end:
            yield from host_parts(text, start + tail, start + host_end, memo)
    else:
        yield from host_parts(text, start + host_start, start + host_end, memo)
    driverless = scheme.rsplit("+", 1)[0]  # postgresql+psycopg -> postgresql
    if rest[host_end : host_end + 1] == "/" and driverless not in _WEB_SCHEMES:
        yield from _database(rest, host_end + 1, start)
    elif "hook" in rest or "Hook" in rest:
        yield from _webhook_keys(rest, host_end, start)


# A webhook's URL is its credential: whoever has it can post (Mattermost
# /hooks/<key>, Teams /webhookb2/<id>@<tenant>/IncomingWebhook/<id>/<key>).
_HOOK_SEGMENTS = ("/hooks/", "/webhook/", "/webhooks/", "/webhookb2/", "/incomingwebhook/")
_MIN_HOOK_KEY = 8


def _webhook_keys(rest: str, path_start: int, base: int) -> Iterator[Hit]:
    """The path segments after a webhook's marker, each a token (8+ characters)."""
    low = rest.lower()
    query = min(
        (i for i in (rest.find("?", path_start), rest.find("#", path_start)) if i != -1),
        default=len(rest),
    )
    for marker in _HOOK_SEGMENTS:
        at = low.find(marker, path_start, query)
        if at == -1:
            continue
        position = at + len(marker)
        for segment in rest[position:query].split("/"):
            if len(segment) >= _MIN_HOOK_KEY and segment.lower() != "incomingwebhook":
                yield base + position, base + position + len(segment), "token", None, "", None
            position += len(segment) + 1
        return


def _userinfo_end(rest: str) -> int:
    """Index of the ``@`` that ends the user information, or -1.

    The last ``@`` that is followed by a host and has no ``/`` or ``?``
    before it -- unless a ``:`` (a password may hold them) comes first.
    Linear: one search for each marker, then one step per ``@``.
    """
    at = rest.rfind("@")
    if at <= 0:
        return -1
    first_slash = min((i for i in (rest.find("/"), rest.find("?")) if i != -1), default=-1)
    first_colon = rest.find(":")
    while at > 0:
        slash = first_slash if 0 <= first_slash < at else -1
        colon = first_colon if 0 <= first_colon < at else -1
        after = rest[at + 1 : at + 2]
        if (after.isalnum() or after == "[") and (slash == -1 or 0 <= colon < slash):
            return at
        at = rest.rfind("@", 0, at)
    return -1


def _userinfo(userinfo: str, base: int) -> Iterator[Hit]:
    user, colon, password = userinfo.partition(":")
    if user and not skip_value(user):
        yield base, base + len(user), "user", _unquote(user), "", None
    if colon and password and not skip_value(password):
        start = base + len(user) + 1
        yield start, start + len(password), "password", None, "", None
        decoded = _unquote(password)
        if decoded != password:  # remember the decoded form too, for the sweep
            yield start, start + len(password), "password", decoded, "", None


def _unquote(text: str) -> str:
    """``urllib.parse.unquote``, imported only for text that holds an escape."""
    if "%" not in text:
        return text
    decode = _UNQUOTE.get("unquote")
    if decode is None:
        from urllib.parse import unquote

        decode = _UNQUOTE["unquote"] = unquote
    return decode(text)


_UNQUOTE: dict[str, Callable[[str], str]] = {}


def _database(rest: str, start: int, base: int) -> Iterator[Hit]:
    end = _NAME_END.match(rest, start).end()  # type: ignore[union-attr]
    name = rest[start:end]
    if name and not name.isdigit() and not skip_value(name):
        yield base + start, base + end, "database", _unquote(name), "", None
