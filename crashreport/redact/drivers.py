"""Driver messages: the hosts, users and databases drivers name when they fail.

Drivers name what they failed to reach in a few stable shapes, whatever the
product: ``server at "h"``, ``host "h"``, ``database "d"``, ``for user "u"``,
``'u'@'h'``, ``connecting to h:6379``, ``user [u]``, ``u: Authentication
failed``. These rules read those shapes; they are what makes a rule written
for PostgreSQL also work for MySQL, SQL Server, Oracle, Redis, MongoDB,
ClickHouse, Elasticsearch or an HTTP client.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashreport.redact.connections import host_parts
from crashreport.redact.hosts import host_kind, ip_kind
from crashreport.redact.patterns import lazy
from crashreport.redact.scan import Hit, Scan, ScanRule, trie, word_start
from crashreport.redact.syntax import skip_value

__all__ = ["DriverMessages", "UserAtHost"]

# ``<word> [at|on|named|for] "<value>"`` and JSON-escaped ``\"<value>\"``.
# Linear: found in the reversed text from each quote (a literal there), then
# a bounded run of spaces, an optional preposition and a word from a trie;
# the value is then read forward by one bounded ``str.find``.
_WORD_KINDS = {
    "host": "host",
    "hostname": "host",
    "host name": "host",
    "server": "host",
    "hostaddr": "host",
    "address": "host",
    "resolve": "host",
    "valid": "host",
    "database": "database",
    "db": "database",
    "keyspace": "database",
    "service": "database",
    "sid": "database",
    "user": "user",
    "username": "user",
    "user name": "user",
    "role": "user",
    "login": "user",
    "account": "user",
    "name not found=": "user",
}
_REV_QUOTED_AFTER_WORD = lazy(
    lambda: (
        r"\"\\{0,2}+[ \t]{1,3}+(?:(?:ta|no|deman|rof)[ \t]{1,3}+)?(?P<word>"
        + trie(word[::-1] for word in _WORD_KINDS)
        + r")(?![\w-])"
    )
)
_NAME = lazy(r"[\w.@+$\\-]{1,128}")
# ``primary database orders_uat at h:5432``, Cassandra's ``Provided username
# cass_app and/or password are incorrect``: an unquoted name after "database"
# or "username" counts only when it is shaped like an identifier (has ``_`` or
# a digit), never a prose word ("database is locked", "user has no access").
# Linear: literal word, bounded name.
_UNQUOTED_DATABASE = tuple(
    (word + " ", kind, lazy(word + r"[ \t]{1,3}+(?P<value>[a-z_][\w$-]{2,63}+)"))
    for word, kind in (
        ("database", "database"),
        ("db", "database"),
        ("keyspace", "database"),
        ("username", "user"),  # not "user": "the user has_access flag" is prose
        ("for user", "user"),  # ... but "for user" / "by user" name one
        ("by user", "user"),
        ("login", "user"),  # "(login monitor_ro)"; "login failed" has no "_" or digit
    )
)
# A mail server names itself after the reply code (RFC 5321): ``421 4.3.2
# mailgw01 Service not available``, ``220 mx1.corp ESMTP Postfix``.
# Linear: the literal phrase is searched first; the pattern starts with a
# reply code (bounded) and reads one bounded host run.
_SMTP_PHRASES = ("Service not available", "ESMTP")
_SMTP_HOST = lazy(
    r"(?:[245]\d\d[ -]|[245]\.\d{1,3}\.\d{1,3} )(?P<host>[A-Za-z0-9][\w.-]{0,252}+)"
    r" (?:Service not available|E?SMTP)"
)
# Redis, aiohttp, generic clients: ``connecting to h:6379``, ``connect to host h:443``.
# Linear: the literal " to " starts every match, then fixed-width look-behinds.
_CONNECTING_TO = lazy(
    r" to (?:(?<=connecting to )|(?<=connect to )|(?<=connection to )|(?<=connected to )"
    r"|(?<=reach to )|(?<=resolve to ))(?:(?:host|server) )?"
    r"(?P<value>\[?[a-z0-9][\w.:%\]-]{0,260}+)"
)
# ClickHouse: ``DB::Exception: analytics_rw: Authentication failed``;
# Elasticsearch: ``unable to authenticate user [elastic_ingest]``.
# Linear: each starts with a literal and reads one bounded run.
_CLICKHOUSE_USER = lazy(r"Exception: (?P<value>[\w.@-]{1,64}+): Authentication failed")
_BRACKETED_USER = lazy(r"user \[(?P<value>[^\]\s]{1,64}+)\]")


class DriverMessages(ScanRule):
    """Hosts, users and databases named by drivers' error messages."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text, n = scan.text, len(scan.text)
        if '"' in scan.cls:
            for match in scan.matches(_REV_QUOTED_AFTER_WORD, scan.rcls):
                if not word_start(text, n - match.end("word")):
                    continue
                yield from self._quoted(scan, n - 1 - match.start(), match["word"][::-1])
        low = scan.low
        for word, kind, pattern in _UNQUOTED_DATABASE:
            if word not in low:  # the word and a space
                continue
            for match in scan.matches(pattern, low):
                value = text[match.start("value") : match.end("value")]
                if not word_start(text, match.start()) or not any(
                    c.isdigit() or c == "_" for c in value
                ):
                    continue
                if not skip_value(value):
                    yield match.start("value"), match.end("value"), kind, None, "", None
        if " to " in low:
            for match in scan.matches(_CONNECTING_TO, low):
                yield from self._connecting(text, *match.span("value"))
        if "S" in text and any(phrase in text for phrase in _SMTP_PHRASES):
            for match in scan.matches(_SMTP_HOST, text):
                yield from host_parts(text, *match.span("host"), scan.hosts)
        if "Authentication failed" in text:
            for match in scan.matches(_CLICKHOUSE_USER, text):
                yield match.start("value"), match.end("value"), "user", None, "", None
        if "[" in text and "user [" in low:  # one character first: memchr speed
            for match in scan.matches(_BRACKETED_USER, low):
                yield match.start("value"), match.end("value"), "user", None, "", None

    @staticmethod
    def _quoted(scan: Scan, quote_at: int, word: str) -> Iterator[Hit]:
        text = scan.text
        quote = text[quote_at]
        close = text.find(quote, quote_at + 1, quote_at + 257)
        if close == -1:
            return
        start, end = quote_at + 1, close
        while end > start and text[end - 1] == "\\":
            end -= 1  # \"value\" in JSON
        value = text[start:end]
        if not value or "\n" in value:
            return
        kind = _WORD_KINDS[word]
        if kind == "host":
            yield from host_parts(text, start, end, scan.hosts)
        elif _NAME.fullmatch(value) and not skip_value(value) and not value.isdigit():
            yield start, end, kind, None, "", None

    @staticmethod
    def _connecting(text: str, start: int, end: int) -> Iterator[Hit]:
        while end > start and text[end - 1] in ".:":
            end -= 1  # "connecting to h:6379." ends a sentence
        value = text[start:end]
        host = value.rsplit(":", 1)[0] if value.count(":") == 1 else value
        if value.count(":") > 1 and not value.startswith("["):
            # redis-py writes f"{host}:{port}" even for IPv6: a last group of
            # five digits is no IPv6 group (at most four hex digits), so a port
            address, _, port = value.rpartition(":")
            kind = host_kind(address) if len(port) == 5 and port.isdigit() else None
            if kind:
                yield start, start + len(address), kind, None, "", None
                yield end - 5, end, "port", None, "", None
                return
        if host_kind(host.strip("[]")) and ("." in host or "-" in host or ":" in value):
            yield from host_parts(text, start, end)


# MySQL: ``'user'@'host'``; ssh and rsync: ``deploy@10.0.0.8``, ``deploy@bastion-2:/x``.
# Linear: found in the reversed text from each literal ``@``; the user is a
# bounded run that must be quoted or start a word, so only real candidates
# reach Python; the host after it is one bounded run.
_REV_USER_AT = lazy(
    r"@(?:\"(?P<quoted>[^\"@\s]{1,64}+)\"|(?P<login>[a-z0-9_.-]{1,32}+)(?=[\s\"(=,\[]|\Z))"
)
_QUOTED_HOST = lazy(r"['\"`](?P<host>[^'\"`\s]{1,255}+)['\"`]")
_LOGIN_HOST = lazy(r"(?P<host>\[?[A-Za-z0-9][\w.:%-]{0,252}+)")


class UserAtHost(ScanRule):
    """``'user'@'host'`` (MySQL) and ``user@host`` (ssh, scp, rsync, git)."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text, n = scan.text, len(scan.text)
        if "@" not in text:
            return
        for match in scan.matches(_REV_USER_AT, scan.rcls):
            at = n - 1 - match.start()
            if match["quoted"] is not None:
                host = _QUOTED_HOST.match(text, at + 1)
                if host is None or text[at - 1] != text[n - match.end()]:
                    continue  # the user's quotes do not pair
                user_start, user_end = n - match.end("quoted"), n - match.start("quoted")
                if not skip_value(text[user_start:user_end]):
                    yield user_start, user_end, "user", None, "", None
                yield from host_parts(text, *host.span("host"), scan.hosts)
            else:
                yield from self._login(scan, at, n - match.end("login"))

    @staticmethod
    def _login(scan: Scan, at: int, start: int) -> Iterator[Hit]:
        text = scan.text
        host = _LOGIN_HOST.match(text, at + 1)
        if host is None:
            return
        value = host["host"].rstrip(".:")
        name = value.split(":", 1)[0] if value.count(":") == 1 or not ip_kind(value) else value
        kind = host_kind(name.strip("[]"))
        # user@corp.example.com is an e-mail address (EmailAddresses): here only
        # logins at an address or at a bare machine name (deploy@bastion-2)
        if kind == "ip" or (kind == "host" and "." not in name and "-" in name):
            yield start, at, "user", None, "", None
            yield from host_parts(text, at + 1, at + 1 + len(name), scan.hosts)
