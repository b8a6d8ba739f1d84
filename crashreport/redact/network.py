"""Network: host names, IPv4/IPv6 addresses and ports wherever they stand.

Host names outside any host slot (``db-3.prod.internal``), addresses in any
form (``10.0.0.5``, ``[fd00::5]:5432``, ``fe80::1%eth0``), socket address
tuples and ports named in prose. Drivers' own grammar is in ``drivers``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from crashreport.redact.hosts import TLDS, host_kind, ip_kind, looks_like_fqdn
from crashreport.redact.patterns import lazy
from crashreport.redact.scan import Hit, Scan, ScanRule, trie, word_start

__all__ = ["HostNames", "IpAddresses", "Ports", "SocketAddresses"]

# ``port 5432`` (libpq), ``port 1521`` (Oracle), ``port: 5432``.
# Linear: the literal "port" starts every match; bounded digits.
_PORT_PHRASE = lazy(r"port[ \t]{1,3}+(?P<port>\d{1,5})(?!\d)")


class Ports(ScanRule):
    """Ports named in prose (``port 5432 failed``)."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        if "port" not in scan.low:
            return
        for match in scan.matches(_PORT_PHRASE, scan.low):
            if word_start(scan.text, match.start()) and 0 < int(match["port"]) < 65536:
                yield match.start("port"), match.end("port"), "port", None, "", None


# Python socket addresses: ``('10.0.0.5', 5432)``, ``('fe80::1', 5432, 0, 2)``.
# Linear: the literal ``("`` (in ``cls``, where every quote is ``"``) starts
# every match; host and port are bounded.
_SOCKET_ADDRESS = lazy(
    r"\(\"(?P<host>[^\"\s]{1,255}+)\",[ \t]?(?P<port>\d{1,5})(?:,[ \t]?\d{1,10}){0,2}\)"
)


class SocketAddresses(ScanRule):
    """Socket address tuples as Python prints them."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        if "(" not in scan.text:
            return
        for match in scan.matches(_SOCKET_ADDRESS, scan.cls):
            host = scan.text[match.start("host") : match.end("host")]
            kind = host_kind(host)
            if kind is None:
                continue
            yield match.start("host"), match.end("host"), kind, None, "", None
            yield match.start("port"), match.end("port"), "port", None, "", None


# Linear. IPv4: found in ``Scan.shape`` (digits written "0") from the literal
# ".0" of its second octet, so a "." not before a digit costs no match
# attempt; the first octet is read backwards (<= 3 digits). IPv6: found from a
# literal ":" ("::" or three groups); the match consumes the rest of its run
# of hex digits and colons, so "::::..." is one candidate, not one per colon.
_IPV4_TAIL = lazy(rb"\.0{1,3}\.0{1,3}\.0{1,3}(?![\w]|\.0)(?::(?P<port>0{1,5})(?![0.]))?")
_IPV6_ANCHOR = lazy(r"(?:::|:[0-9a-f]{1,4}:[0-9a-f]{1,4}:)[0-9a-f:.]*+")
_IPV6 = lazy(
    r"(?P<ip>[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]{1,40}+(?:\.\d{1,3}){0,3}+)"
    r"(?P<zone>%[\w.-]{1,32}+)?(?P<close>\])?(?::(?P<port>\d{1,5})(?!\d))?"
)
_HEXISH = frozenset("0123456789abcdefABCDEF:.")
# "version 2.0.0.1", "v10.0.19045.1", "pkg==1.2.3.4": four numbers that are a version
_VERSION_BEFORE = lazy(r"(?:version[ =]|\bv|==|\bbuild )\Z", re.IGNORECASE)  # .NET: Version=4.2.2.0


class IpAddresses(ScanRule):
    """IPv4 and IPv6 addresses anywhere (loopback and unspecified addresses are kept)."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text = scan.text
        if "." in text:
            yield from self._ipv4(scan)
        if ":" in text:
            yield from self._ipv6(scan)

    @staticmethod
    def _ipv4(scan: Scan) -> Iterator[Hit]:
        text = scan.text
        verdicts: dict[str, str | None] = {}
        for match in scan.matches(_IPV4_TAIL, scan.shape):
            start = match.start()
            first = start
            while first > 0 and start - first < 3 and text[first - 1].isdigit():
                first -= 1
            if first == start:
                continue
            before = text[first - 1] if first else ""
            # not inside a longer number or name (a version 1.2.3.4.5; v1.2.3.4)
            if before and (before.isalnum() or before in "_.") and not _escape_before(text, first):
                continue
            ip_end = match.end(0) if match["port"] is None else match.start("port") - 1
            ip = text[first:ip_end]
            if ip not in verdicts:
                verdicts[ip] = ip_kind(ip)
            if verdicts[ip] == "ip" and not _VERSION_BEFORE.search(text, max(0, first - 9), first):
                yield first, ip_end, "ip", None, "", None
                if match["port"]:
                    yield match.start("port"), match.end("port"), "port", None, "", None

    @staticmethod
    def _ipv6(scan: Scan) -> Iterator[Hit]:
        text = scan.text
        for anchor in scan.matches(_IPV6_ANCHOR, scan.low):
            # the anchor consumed the rest of its run; a run longer than any
            # address ("::::...", a hex dump) is not one
            start = anchor.start()
            while start > 0 and anchor.start() - start < 5 and text[start - 1] in _HEXISH:
                start -= 1
            if anchor.end() - start > 45:
                continue
            before = text[start - 1] if start else ""
            if before and (before.isalnum() or before in "_%") and not _escape_before(text, start):
                continue
            match = _IPV6.match(text, start)
            if match is None:
                continue
            ip = match["ip"]
            if not _plausible_ipv6(ip, bool(match["zone"]), before == "["):
                continue
            end = match.end("zone") if match["zone"] else match.end("ip")
            yield match.start("ip"), end, "ip", None, "", None
            if match["port"] and match["close"]:
                yield match.start("port"), match.end("port"), "port", None, "", None


def _escape_before(text: str, pos: int) -> bool:
    return pos >= 2 and text[pos - 2] == "\\" and text[pos - 1] in "nrt"


def _plausible_ipv6(ip: str, zoned: bool, bracketed: bool) -> bool:
    if ip_kind(ip) != "ip":
        return False
    # "1::2" in a slice (a[1::2], a[::2]), "a::b" in C++: only trust forms real
    # addresses take
    groups = [g for g in ip.split(":") if g]
    return (
        zoned
        or (bracketed and len(groups) >= 2)
        or "." in ip
        or len(groups) >= 3
        or any(len(g) >= 3 for g in groups)
    )


# Linear: a dotted name ending in a top-level domain is found from the literal "." of
# that domain (a trie of known domains), its labels then read backwards by
# one bounded possessive pattern. ``name-with-dash:port`` is found from the
# literal ":" of its port.
_TLD_DOT = lazy(lambda: r"\.(?:" + trie(TLDS) + r")(?![\w-]|\.\w)")
# labels of any script (IDN: datenbank.müller-gmbh.de), as Python prints them
_REV_LABELS = lazy(r"[\w-]{1,63}+(?:\.[\w-]{1,63}+){0,12}+")
_PORT_AFTER = lazy(r":(?P<port>\d{1,5})(?![\d.]|:\d)")  # gRPC: "for h.internal:50443: x"
_SERVICE_AFTER = lazy(r"/(?P<service>[A-Za-z][\w$#-]{0,127}+)(?=['\"`\s,)]|$)")
_HOST_COLON_PORT = lazy(rb":(?P<port>00{1,4})(?![0.:-]|\w)")  # not a date: v:2025-11-05
_REV_NAME = lazy(r"[a-z0-9-]{2,96}+")
_FILE_SUFFIXES = frozenset(
    """py pyc pyi pyx pxd c h cc cpp hpp js ts go rs java rb php txt json yaml yml toml cfg
    ini log html htm md rst sql sh so dll dylib exe whl egg tar gz zip csv xml conf lock pem
    crt key""".split()
)


# The names Windows gives a machine at setup: DESKTOP- or LAPTOP- and seven
# upper-case letters and digits (6 to 8 as some tools cut or pad them).
# Linear: a literal prefix, then a bounded possessive run.
_WINDOWS_NAME = lazy(r"(?:DESKTOP|LAPTOP)-[A-Z0-9]{6,8}+(?![\w-])")


def _enum_member(name: str) -> bool:
    """``SpanKind.INTERNAL``, ``Zone.LOCAL``: a CamelCase class and an upper-case
    member; ``consul.std.Consul``: a module and a CamelCase class -- host names
    are not written so."""
    first, _, last = name.partition(".")
    if last.isupper() and not first.isupper() and not first.islower():
        return True
    tail = name.rsplit(".", 1)[1]
    return first.islower() and tail[:1].isupper() and not tail.isupper()


class HostNames(ScanRule):
    """Host names outside any host slot: FQDNs with a real or internal top-level
    domain (``db-3.prod.internal``), ``name-with-dash:port`` and ``host07:port``.

    Dotted Python names (``sqlalchemy.engine.base``, ``models.py``,
    ``logging.info``) are kept: a name must end in a top-level domain that code
    rarely ends with, and not be a file name or a call. An Oracle service
    after ``host:port/`` is a database name.
    """

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text = scan.text
        if "." in text:
            yield from self._dotted(scan)
        if ":" in text:
            yield from self._colon_port(scan)
        if "TOP-" in text:  # DESKTOP-, LAPTOP-
            for match in scan.matches(_WINDOWS_NAME, text):
                if word_start(text, match.start()):
                    yield match.start(), match.end(), "host", None, "", None

    @staticmethod
    def _dotted(scan: Scan) -> Iterator[Hit]:
        text, n = scan.text, len(scan.text)
        verdicts: dict[str, bool] = {}  # host names repeat; each is judged once per text
        for match in scan.matches(_TLD_DOT, scan.low):
            dot, end = match.span()
            labels = _REV_LABELS.match(scan.rcls, n - dot) if dot else None
            if labels is None:
                continue
            start = n - labels.end()
            before = text[start - 1] if start else ""
            inside = before and (before in "@/\\%.-" or before.isalnum())
            if inside and not _escape_before(text, start):
                continue  # part of a path, an e-mail address, a longer name
            host = text[start:end]
            if text[end : end + 1] == "(":
                continue  # a call: threading.local()
            verdict = verdicts.get(host)
            if verdict is None:
                verdict = verdicts[host] = (
                    host.rsplit(".", 1)[-1].lower() not in _FILE_SUFFIXES
                    and not _enum_member(host)
                    and looks_like_fqdn(host)
                )
            if not verdict:
                continue
            yield start, end, "host", None, "", None
            port = _PORT_AFTER.match(text, end)
            if port is not None:
                yield port.start("port"), port.end("port"), "port", None, "", None
                service = _SERVICE_AFTER.match(text, port.end())
                if service is not None:
                    yield (
                        service.start("service"),
                        service.end("service"),
                        "database",
                        None,
                        "",
                        None,
                    )

    @staticmethod
    def _colon_port(scan: Scan) -> Iterator[Hit]:
        text, n = scan.text, len(scan.text)
        for match in scan.matches(_HOST_COLON_PORT, scan.shape):
            colon = match.start()
            name = _REV_NAME.match(scan.rcls, n - colon)
            if name is None:
                continue
            start = n - name.end()
            before = text[start - 1] if start else ""
            if (
                before
                and (before.isalnum() or before in "_.@/\\%:-")
                and not _escape_before(text, start)
            ):
                continue
            host = text[start:colon]
            if not host[0].isalpha() or host.endswith("-"):
                continue
            # "name-with-dash" or "name07": letters then digits; never a plain word
            shaped = "-" in host or (host.rstrip("0123456789") != host and host[0].isalpha())
            if (
                shaped
                and host_kind(host) == "host"
                and not host.lower().startswith(("line-", "sha"))
            ):
                yield start, colon, "host", None, "", None
                yield match.start("port"), match.end("port"), "port", None, "", None
