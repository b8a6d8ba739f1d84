"""Network: host names, IPv4/IPv6 addresses and ports, and drivers' error grammar.

Drivers name what they failed to reach in a few stable shapes, whatever the
product: ``server at "h"``, ``host "h"``, ``database "d"``, ``for user "u"``,
``'u'@'h'``, ``connecting to h:6379``, ``('10.0.0.5', 5432)``, ``port 5432``.
These rules read those shapes; they are what makes a rule written for
PostgreSQL also work for MySQL, SQL Server, Redis or an HTTP client.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from crashreport.redact.connections import host_parts
from crashreport.redact.engine import Finding
from crashreport.redact.syntax import WORD_START, host_kind, ip_kind, looks_like_fqdn, skip_value

__all__ = [
    "DriverMessages",
    "HostNames",
    "IpAddresses",
    "Ports",
    "SocketAddresses",
]

# ``<word> [at|on|named] "<value>"`` -- libpq, MySQL, SQL Server, MongoDB,
# getaddrinfo wrappers. Linear: a literal word starts every match; the quoted
# value is one bounded possessive run that cannot overlap its closing quote.
_QUOTED_AFTER_WORD = re.compile(
    r"(?i)" + WORD_START + r"(?P<word>host ?name|host|server|hostaddr|address|database|db|keyspace"
    r"|user ?name|user|role|login|account|name not found:)"
    r"[ \t]{1,3}+(?:(?:at|on|named|for)[ \t]{1,3}+)?"
    r"(?P<q>[\"'`])(?P<value>[^\"'`\n]{1,255}+)(?P=q)"
)
_WORD_KINDS = {
    "host": "host",
    "hostname": "host",
    "host name": "host",
    "server": "host",
    "hostaddr": "host",
    "address": "host",
    "database": "database",
    "db": "database",
    "keyspace": "database",
    "user": "user",
    "username": "user",
    "user name": "user",
    "role": "user",
    "login": "user",
    "account": "user",
    "name not found:": "user",
}
# MySQL: ``'user'@'host'``; linear: bounded runs between literal quotes.
_USER_AT_HOST = re.compile(
    r"(?P<q>['\"`])(?P<user>[^'\"`@\s]{1,64}+)(?P=q)@(?P<q2>['\"`])(?P<host>[^'\"`\s]{1,255}+)(?P=q2)"
)
# Redis, aiohttp, generic clients: ``connecting to h:6379``, ``connect to host h:443``.
_CONNECTING_TO = re.compile(
    r"(?i)" + WORD_START + r"(?:connecting|connect|connection|connected|reach|resolve)[ \t]to[ \t]"
    r"(?:(?:host|server)[ \t])?(?P<value>\[?[A-Za-z0-9][\w.:%\]-]{0,260}+)"
)
_NAME = re.compile(r"[\w.@+$\\-]{1,128}")


# ``primary database orders_uat at h:5432``: an unquoted name after "database"
# counts only when it is shaped like an identifier (has ``_`` or a digit),
# never a prose word ("database is locked"). Linear: literal word, bounded name.
_UNQUOTED_DATABASE = re.compile(
    r"(?i)" + WORD_START + r"(?:database|db|keyspace)[ \t]{1,3}+(?P<value>[A-Za-z_][\w$-]{2,63}+)"
)


class DriverMessages:
    """Hosts, users and databases named by drivers' error messages."""

    def __repr__(self) -> str:
        return "DriverMessages()"

    def __call__(self, text: str) -> Iterator[Finding]:
        for match in _QUOTED_AFTER_WORD.finditer(text):
            kind = _WORD_KINDS[match["word"].lower()]
            start, end = match.span("value")
            value = match["value"]
            if kind == "host":
                yield from host_parts(text, start, end)
            elif _NAME.fullmatch(value) and not skip_value(value) and not value.isdigit():
                yield Finding(start, end, kind)
        for match in _UNQUOTED_DATABASE.finditer(text):
            value = match["value"]
            if any(c.isdigit() or c == "_" for c in value) and not skip_value(value):
                yield Finding(match.start("value"), match.end("value"), "database")
        if "@" in text:
            for match in _USER_AT_HOST.finditer(text):
                if not skip_value(match["user"]):
                    yield Finding(match.start("user"), match.end("user"), "user")
                yield from host_parts(text, *match.span("host"))
        for match in _CONNECTING_TO.finditer(text):
            start, end = match.span("value")
            while end > start and text[end - 1] in ".:":
                end -= 1  # "connecting to h:6379." ends a sentence
            value = text[start:end]
            host = value.rsplit(":", 1)[0] if value.count(":") == 1 else value
            if host_kind(host.strip("[]")) and ("." in host or "-" in host or ":" in value):
                yield from host_parts(text, start, end)


# ``port 5432`` (libpq), ``port: 5432``; linear: literal word, bounded digits.
_PORT_PHRASE = re.compile(r"(?i)" + WORD_START + r"port[ \t]{1,3}+(?P<port>\d{1,5})(?!\d)")


class Ports:
    """Ports named in prose (``port 5432 failed``)."""

    def __repr__(self) -> str:
        return "Ports()"

    def __call__(self, text: str) -> Iterator[Finding]:
        for match in _PORT_PHRASE.finditer(text):
            if 0 < int(match["port"]) < 65536:
                yield Finding(match.start("port"), match.end("port"), "port")


# Python socket addresses: ``('10.0.0.5', 5432)``, ``('fe80::1', 5432, 0, 2)``.
_SOCKET_ADDRESS = re.compile(
    r"\((?P<q>['\"])(?P<host>[^'\"\s]{1,255}+)(?P=q),[ \t]?(?P<port>\d{1,5})"
    r"(?:,[ \t]?\d{1,10}){0,2}\)"
)


class SocketAddresses:
    """Socket address tuples as Python prints them."""

    def __repr__(self) -> str:
        return "SocketAddresses()"

    def __call__(self, text: str) -> Iterator[Finding]:
        if "(" not in text:
            return
        for match in _SOCKET_ADDRESS.finditer(text):
            kind = host_kind(match["host"])
            if kind is None:
                continue
            yield Finding(match.start("host"), match.end("host"), kind)
            yield Finding(match.start("port"), match.end("port"), "port")


# IPv4, with an optional port. Linear: starts only after a non-address
# character, four bounded octets.
_IPV4 = re.compile(
    r"(?:(?<![\\\w.])|(?<=\\[nrt]))(?P<ip>(?:\d{1,3}\.){3}\d{1,3})(?![\w]|\.\d)(?::(?P<port>\d{1,5})(?![\d.]))?"
)
# IPv6 candidates (validated by ``ipaddress``), optional zone, brackets, port.
# Linear: starts only after a non-address character; one possessive run.
_IPV6 = re.compile(
    r"(?:(?<![\\\w:.%])|(?<=\\[nrt]))(?P<open>\[)?(?P<ip>[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]{1,40}+(?:\.\d{1,3}){0,3}+)"
    r"(?P<zone>%[\w.-]{1,32}+)?(?P<close>\])?(?::(?P<port>\d{1,5})(?!\d))?"
)


class IpAddresses:
    """IPv4 and IPv6 addresses anywhere (loopback and unspecified addresses are kept)."""

    def __repr__(self) -> str:
        return "IpAddresses()"

    def __call__(self, text: str) -> Iterator[Finding]:
        if "." in text:
            for match in _IPV4.finditer(text):
                if ip_kind(match["ip"]) == "ip":
                    yield Finding(match.start("ip"), match.end("ip"), "ip")
                    if match["port"]:
                        yield Finding(match.start("port"), match.end("port"), "port")
        if "::" not in text and text.count(":") < 5:
            return
        for match in _IPV6.finditer(text):
            ip = match["ip"]
            if not _plausible_ipv6(ip, bool(match["zone"]), bool(match["open"])):
                continue
            end = match.end("zone") if match["zone"] else match.end("ip")
            yield Finding(match.start("ip"), end, "ip")
            if match["port"] and match["close"]:
                yield Finding(match.start("port"), match.end("port"), "port")


def _plausible_ipv6(ip: str, zoned: bool, bracketed: bool) -> bool:
    if ip_kind(ip) != "ip":
        return False
    # "1::2" in a slice, "a::b" in C++: only trust forms real addresses take
    groups = [g for g in ip.split(":") if g]
    return zoned or bracketed or "." in ip or len(groups) >= 3 or any(len(g) >= 3 for g in groups)


# A dotted name with a top-level domain, or a name followed by ``:port``.
# Linear: starts only after a non-name character; each label is bounded.
_DOTTED = re.compile(
    r"(?:(?<![\w.@/\\%-])|(?<=\\[nrt]))(?P<host>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,12}"
    r"[A-Za-z][A-Za-z0-9-]{0,23})(?![\w-]|\.\w)(?::(?P<port>\d{1,5})(?![\d.:]))?"
)
_HOST_PORT = re.compile(
    r"(?:(?<![\w.@/\\%:-])|(?<=\\[nrt]))(?P<host>[A-Za-z][A-Za-z0-9]{0,30}(?:-[A-Za-z0-9]{1,30}){1,8})"
    r":(?P<port>\d{2,5})(?![\d.:]|\w)"
)
_FILE_SUFFIXES = frozenset(
    """py pyc pyi pyx pxd c h cc cpp hpp js ts go rs java rb php txt json yaml yml toml cfg
    ini log html htm md rst sql sh so dll dylib exe whl egg tar gz zip csv xml conf lock pem
    crt key""".split()
)


class HostNames:
    """Host names outside any host slot: FQDNs with a real or internal top-level
    domain (``db-3.prod.internal``), and ``name-with-dash:port``.

    Dotted Python names (``sqlalchemy.engine.base``, ``models.py``,
    ``logging.info``) are kept: a name must end in a top-level domain that code
    rarely ends with, and not be a file name or a call.
    """

    def __repr__(self) -> str:
        return "HostNames()"

    def __call__(self, text: str) -> Iterator[Finding]:
        for match in _DOTTED.finditer(text):
            host = match["host"]
            if host.rsplit(".", 1)[-1].lower() in _FILE_SUFFIXES:
                continue
            if text[match.end("host") : match.end("host") + 1] == "(":
                continue  # a call: threading.local()
            if not looks_like_fqdn(host):
                continue
            yield Finding(match.start("host"), match.end("host"), "host")
            if match["port"]:
                yield Finding(match.start("port"), match.end("port"), "port")
        if ":" in text:
            for match in _HOST_PORT.finditer(text):
                if host_kind(match["host"]) == "host":
                    yield Finding(match.start("host"), match.end("host"), "host")
                    yield Finding(match.start("port"), match.end("port"), "port")
