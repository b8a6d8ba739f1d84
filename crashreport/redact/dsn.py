"""Connection strings that are no URLs: key/value DSNs (libpq, ODBC, ADO.NET,
JDBC properties, TNS descriptors), libpq's own error echo, Oracle EZConnect
and LDAP names -- redacted by their parts, like URLs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from crashreport.redact.assignments import assignments
from crashreport.redact.connections import host_parts
from crashreport.redact.hosts import host_kind
from crashreport.redact.patterns import lazy
from crashreport.redact.scan import Hit, Scan, ScanRule

__all__ = [
    "AssignedConnectionParts",
    "EzConnect",
    "LdapNames",
    "LibpqWithoutEquals",
    "PasswordFileLines",
    "connect_target",
]


class AssignedConnectionParts(ScanRule):
    """Hosts, ports, users and databases given by key: libpq, ODBC, ADO.NET, JDBC,
    TNS descriptors, environment variables.

    ``host=db1 port=5432 dbname=x user=y``, ``Server=tcp:h,1433;Database=x;
    User Id=y``, ``(HOST=h)(PORT=1521)(SERVICE_NAME=s)``, ``{'host': 'h'}``,
    ``PGHOST=h``, ``DB_USER=y``. Linear: see ``assignments``.
    """

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text = scan.text
        for kind, start, end in assignments(scan):
            value = text[start:end]
            if kind == "host":
                # SQL Server writes the port after a comma: Server=host,1433
                port = _COMMA_PORT.match(text, end)
                yield from host_parts(text, start, port.end() if port else end, scan.hosts)
            elif kind == "port" and value.isdigit() and 0 < int(value) < 65536:
                yield start, end, "port", None, "", None
            elif kind in ("user", "database") and _NAME.fullmatch(value) and not value.isdigit():
                yield start, end, kind, None, "", None
            elif kind == "user" and value[:3].lower() in ("cn=", "uid"):
                yield from _account_of_a_dn(value, start)


def _account_of_a_dn(value: str, start: int) -> Iterator[Hit]:
    """The account a distinguished name given as a user names (ldap3's
    ``user='cn=svc-reader,ou=apps,dc=corp'``): its first component's value. Its
    ``dc=`` parts are ``LdapNames``'."""
    key, _, rest = value.partition("=")
    if key.strip().lower() not in ("cn", "uid"):
        return
    name = rest.split(",", 1)[0]
    if name and _NAME.fullmatch(name):
        yield start + len(key) + 1, start + len(key) + 1 + len(name), "user", None, "", None


_NAME = lazy(r"[\w.@+$#\\ -]{1,128}")
_COMMA_PORT = lazy(r",[ \t]?\d{1,5}(?![\d.])")
# libpq reports a keyword without "=" as an error, and prints the whole
# string: ``host=h port=5432 ... password secret sslmode=require``.
# Linear: the pairs are found from a literal ``=`` in the reversed text; the
# bare keywords are then searched only inside lines that hold two pairs.
_REV_LIBPQ_PAIR = lazy(r"=(?:tsoh|rddatsoh|trop|emanbd|resu|edomlss)(?![\w-])")
_LIBPQ_BARE = lazy(
    r"(?P<key>password|user|dbname|host|hostaddr|port|passfile)[ \t]{1,4}+(?=[^\s=])"
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


class LibpqWithoutEquals(ScanRule):
    """A libpq keyword whose ``=`` is missing, inside a libpq string."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text = scan.text
        low = scan.low
        if "dbname=" not in low and "host=" not in low and "sslmode=" not in low:
            return  # no libpq string here
        n = len(text)
        lines: dict[int, int] = {}
        for match in scan.matches(_REV_LIBPQ_PAIR, scan.rcls):
            equals = n - 1 - match.start()
            if text[equals] != "=":
                continue  # "host: 'h', port: '5432'" (``rcls`` writes ":" as "="): no libpq
            line = text.rfind("\n", 0, equals) + 1
            lines[line] = lines.get(line, 0) + 1
        for line_start, pairs in sorted(lines.items()):
            if pairs < 2:
                continue
            line_end = text.find("\n", line_start)
            line_end = n if line_end == -1 else line_end
            for match in scan.matches(_LIBPQ_BARE, text, line_start, line_end):
                if match.start() and (
                    text[match.start() - 1].isalnum() or text[match.start() - 1] in "_-"
                ):
                    continue
                if text[max(0, match.start() - 3) : match.start()].rstrip(" ").endswith(":"):
                    continue  # the server's message after it: "FATAL:  password authentication"
                end = match.end()
                while end < line_end and not text[end].isspace() and text[end] not in "'\"":
                    end += 1
                kind = _LIBPQ_KINDS[match["key"]]
                if end == match.end():
                    continue
                if kind == "host":
                    yield from host_parts(text, match.end(), end)
                else:
                    yield match.end(), end, kind, None, "", None


# Oracle EZConnect with credentials: ``user/password@host[:port][/service]``.
# Linear: found in the reversed text from each literal ``@``; password and
# user are bounded possessive runs, and the user must start a word -- so only
# real candidates reach Python, however many ``@`` the input holds.
_REV_CREDENTIALS = lazy(r"@(?P<pw>[^\s/@\"=]{1,128}+)/(?P<user>[\w.$#-]{1,64}+)(?=[\s\"(=,\[]|\Z)")
_EZ_HOST = lazy(
    r"(?P<host>[A-Za-z0-9][\w.-]{0,252}+)(?::(?P<port>\d{1,5}))?"
    r"(?:/(?P<service>[A-Za-z][\w.$#-]{0,127}+))?"
)


# A whole quoted string that is ``host:port/service`` (``dsn = 'db:1521/FINPDB1'``),
# read in ``cls`` (quotes as ``"``, ``:`` as ``=``). Linear: the literal quote
# starts every match, and each part is a bounded possessive run.
_QUOTED_TARGET = lazy(
    r"\"(?P<host>[a-z0-9][\w.-]{0,252}+)=(?P<port>\d{1,5})/(?P<service>[a-z][\w.$#-]{0,127}+)\""
)


_DIGESTS = ("sha256:", "sha512:", "sha384:", "sha1:", "md5:")


class EzConnect(ScanRule):
    """``scott/tiger@db-host:1521/ORCLPDB1`` (Oracle easy connect, cx_Oracle strings),
    and a quoted ``host:port/service`` on its own."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text, n = scan.text, len(scan.text)
        for creds in scan.matches(_REV_CREDENTIALS, scan.rcls) if "@" in text else ():
            at = n - 1 - creds.start()
            if text.startswith(_DIGESTS, at + 1):
                continue  # an image by digest: registry.example.com/web@sha256:6105...
            target = _EZ_HOST.match(text, at + 1)
            if target is None or (host_kind(target["host"]) is None and not target["service"]):
                continue
            yield n - creds.end("user"), n - creds.start("user"), "user", None, "", None
            yield n - creds.end("pw"), n - creds.start("pw"), "password", None, "", None
            yield from _target_parts(text, target, scan)
        low = scan.low
        if "/" in text and ":" in text and ("dsn" in low or "oracle" in low or "tns" in low):
            for quoted in scan.matches(_QUOTED_TARGET, scan.cls):  # Oracle's, named as such
                yield from host_parts(text, quoted.start("host"), quoted.end("port"), scan.hosts)
                yield quoted.start("service"), quoted.end("service"), "database", None, "", None


def connect_target(text: str, pos: int, scan: Scan) -> Iterator[Hit]:
    """The parts of ``host[:port][/service]`` at ``pos`` (what follows the ``@`` of a
    login: ``scott@db.corp:1521/ORCLPDB1``)."""
    target = _EZ_HOST.match(text, pos)
    if target is not None:
        yield from _target_parts(text, target, scan)


def _target_parts(text: str, target: re.Match[str], scan: Scan) -> Iterator[Hit]:
    end = target.end("port") if target["port"] else target.end("host")
    yield from host_parts(text, target.start("host"), end, scan.hosts)
    if target["service"]:
        yield target.start("service"), target.end("service"), "database", None, "", None


# LDAP distinguished names: ``cn=svc-app,ou=services,dc=corp,dc=example,dc=com``.
# Linear: the literal ``dc=`` starts every match; each component is bounded,
# and the chain is read once, possessively, however long it is.
_DOMAIN_COMPONENTS = lazy(r"dc=[\w-]{1,63}+(?:,[ ]?dc=[\w-]{1,63}+)*+")


class LdapNames(ScanRule):
    """The domain of an LDAP name (``dc=corp,dc=example``) names the organisation."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        if "dc=" not in scan.low:
            return
        text = scan.text
        for match in scan.matches(_DOMAIN_COMPONENTS, scan.low):
            start = match.start()
            if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
                continue
            chain = text[start + 3 : match.end()]  # "corp,dc=example,dc=com" -> corp.example.com
            single = "=" not in chain  # one component: "corp"
            if single and not text[max(0, start - 2) : start].rstrip().endswith(","):
                continue  # one "dc=x" outside a distinguished name: (dc=us21, key=...)
            value = chain.replace(", dc=", ".").replace(",dc=", ".").replace(", DC=", ".")
            value = value.replace(",DC=", ".")
            yield start + 3, match.end(), "host", value, "", None


# A line of libpq's password file (``~/.pgpass``, ``PGPASSFILE``):
# ``host:port:database:user:password``, each field ``*`` or a value.
# Linear: found from the literal ``:`` before the port; the fields are
# bounded possessive runs that hold no ``:``, and the host is read backwards
# from that ``:`` by one bounded run; a line matches at most once.
_PGPASS_TAIL = lazy(
    r":(?P<port>\d{1,5}|\*):(?P<db>[^:\s'\"\\]{1,63}+):(?P<user>[^:\s'\"\\]{1,63}+)"
    r":(?P<pw>(?:[^\s'\"\\]|\\.){1,256}+)(?=['\"\n]|\\n|\Z)"  # "\:" escapes a colon
)
_REV_PGPASS_HOST = lazy(r"[\w.-]{1,253}+|\*")
_LINE_STARTS = frozenset("'\"\n")


class PasswordFileLines(ScanRule):
    """Lines of libpq's ``.pgpass``: ``db.corp:5432:orders:svc_app:s3cret``, in a
    text that names the file (``.pgpass``, ``PGPASSFILE``, ``passfile``)."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text, n = scan.text, len(scan.text)
        # such lines reach a report where code reads the file: it names it
        low = scan.low
        if "pass" not in low or ("pgpass" not in low and "passfile" not in low):
            return
        for match in scan.matches(_PGPASS_TAIL, text):
            colon = match.start()
            host = _REV_PGPASS_HOST.match(scan.rcls, n - colon)
            if host is None:
                continue
            start = n - host.end()
            before = text[start - 1 : start]
            if start and before not in _LINE_STARTS and text[start - 2 : start] != "\\n":
                continue  # the line must start with its host: a quote or a line break
            if text[start:colon] != "*":
                yield from host_parts(text, start, colon, scan.hosts)
            for part, kind in (("port", "port"), ("db", "database"), ("user", "user")):
                if match[part] != "*":
                    yield match.start(part), match.end(part), kind, None, "", None
            yield match.start("pw"), match.end("pw"), "password", None, "", None
