"""Credentials in command lines and in calls, where no key names the value.

A failed ``subprocess`` prints its whole command (``CalledProcessError:
Command '['mysql', '-h', 'db', '-P', '3307', '-u', 'etl', '-pX']'``), and a
source line shows the literals of a call (``smtp.login('u', 'pw')``). The
value's meaning comes from the program's option, or from the argument's
position, and both are fixed by the client:

``ClientOptions``
    the short options of the well-known clients (MySQL and MariaDB,
    PostgreSQL, SQL Server's ``sqlcmd``, MongoDB, Redis, ClickHouse, LDAP,
    ssh, ``sshpass``, ``curl``, ``smbclient``, ``docker login``), in a shell
    line or an argv list, with the value attached (``-pX``, ``-P3307``) or
    next (``-P 3307``, ``'-P', '3307'``).
``CredentialCalls``
    the positional literals of calls whose signature is known:
    ``login(user, password)`` (smtplib, ftplib, imaplib), the HTTP auth
    classes (``HTTPBasicAuth('u', 'pw')``), ``pika.PlainCredentials``,
    ``ftplib.FTP(host, user, password)``, ``pymysql.connect(host, user,
    password, database)`` and their kin.

Linear: options are found from their literal ``-``, and programs are looked
for (one trie of names) only in the lines that hold an option, each line
once; a command is read token by token up to its line's end, the next
program named or ``_WINDOW`` characters, so no two commands share a
character. Calls are found from each ``(`` in the reversed text (a literal)
by one trie of their names' tails. Tokens and arguments are bounded,
possessive runs that cannot backtrack, and every command and argument read is
paid for from the text's budget (``Scan.spend``).
"""

from __future__ import annotations

from crashreport.redact.connections import host_parts
from crashreport.redact.patterns import lazy
from crashreport.redact.scan import Hit, Scan, ScanRule, trie
from crashreport.redact.syntax import skip_value

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["ClientOptions", "CredentialCalls", "value_hits"]

# "skip": an option whose value is no secret (a query, a file, a format), read
# so that it is not taken for the first positional argument
_MYSQL = {
    "-h": "host", "-P": "port", "-u": "user", "-p": "password=", "-D": "database",
    **dict.fromkeys(("-e", "-S", "-r"), "skip"),
    "": "database",  # mysql [options] db
}  # fmt: skip
_POSTGRES = {
    "-h": "host", "-p": "port", "-U": "user", "-d": "database",
    **dict.fromkeys(("-c", "-f", "-o", "-F", "-n", "-N", "-t", "-T", "-j", "-Z", "-v"), "skip"),
    "": "database user",  # psql [options] [db [user]]
}  # fmt: skip
_MONGO = {"-h": "host", "-u": "user", "-p": "password", "-d": "database"}
_LDAP = {"-h": "host", "-p": "port", "-w": "password"}
_SQLSERVER = {"-S": "host", "-U": "user", "-P": "password", "-d": "database"}
_REDIS = {"-h": "host", "-p": "port", "-a": "password", "--user": "user", "--pass": "password"}
_SSH = {
    "-p": "port", "-l": "user", "-J": "host",
    **dict.fromkeys("-i -o -F -L -R -D -c -m -b -E -S -W -O -Q -w".split(), "skip"),
    "": "host",  # ssh [options] [user@]host
}  # fmt: skip
_CLICKHOUSE = {"-h": "host", "-u": "user", "-d": "database"}
# option -> kind of its value; "password=" takes it attached only (MySQL's
# "-p" alone asks for the password, and the next word is the database);
# "userpass" is "user:password" (curl) or "user%password" (smbclient); the key
# "" holds the kinds of the first arguments that are no option
_PROGRAMS: dict[str, dict[str, str]] = {
    **dict.fromkeys(
        "mysql mysqldump mysqladmin mysqlimport mysqlcheck mysqlshow mysqlpump mysqlsh"
        " mysqlbinlog mariadb mariadb-dump mariadb-admin mariadb-import mariadb-check".split(),
        _MYSQL,
    ),
    **dict.fromkeys(
        "psql pg_dump pg_dumpall pg_restore pg_isready pg_basebackup createdb dropdb"
        " createuser dropuser vacuumdb reindexdb clusterdb pgbench".split(),
        _POSTGRES,
    ),
    **dict.fromkeys(
        "mongo mongosh mongodump mongorestore mongoexport mongoimport mongostat mongotop".split(),
        _MONGO,
    ),
    **dict.fromkeys("sqlcmd bcp osql".split(), _SQLSERVER),
    **dict.fromkeys("redis-cli valkey-cli keydb-cli".split(), _REDIS),
    **dict.fromkeys("clickhouse-client clickhouse".split(), _CLICKHOUSE),
    **dict.fromkeys(
        "ldapsearch ldapmodify ldapadd ldapdelete ldapwhoami ldappasswd".split(), _LDAP
    ),
    "ssh": _SSH,
    "scp": {"-P": "port"},
    "sftp": {"-P": "port"},
    "sshpass": {"-p": "password"},
    "curl": {"-u": "userpass", "--user": "userpass", "-U": "userpass", "--proxy-user": "userpass"},
    "smbclient": {"-U": "userpass"},
    "login": {"-u": "user", "-p": "password"},  # docker, podman, helm registry, az, oc, cf
}
# A program's name as a word (after a space, a quote, a slash as in
# /usr/bin/psql, or the start), followed by a space or the quote that ends an
# argv item.
# (The word start is checked in Python: a look-behind first would make ``re``
# try the pattern at every position instead of jumping between first letters.)
_PROGRAM = lazy(lambda: r"(?:" + trie(_PROGRAMS) + r")(?=[ \t'\"])")
# One token of a shell line or an argv list: quoted, or a run of word characters.
_TOKEN = lazy(
    r"'([^'\n]{0,256}+)'|\"([^\"\n]{0,256}+)\"|([^\s'\",\[\]()]{1,256}+(?:,[^\s'\",\[\]()]{1,64}+)*+)"
)
# Any option of the table: a literal "-" first, one letter (or a long name) after.
_OPTION = lazy(r"-(?:[hPupDUdSalw]|-(?:user|pass|proxy-user))")
_BEFORE_OPTION = frozenset(" \t'\"")
_WINDOW = 1024
_END_OF_COMMAND = frozenset({"|", "||", "&&", ";", ">", ">>", "&"})


class ClientOptions(ScanRule):
    """Values of the well-known clients' short options (``mysql -pX -P 3307``)."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text = scan.text
        # The options are rare, the programs' first letters are not: find the
        # lines holding an option, and only there look for the program.
        lines: dict[int, None] = {}
        line_start = searched = 0  # options come in order: each stretch is searched once
        for option in scan.matches(_OPTION, text):
            at = option.start()
            if at and text[at - 1] in _BEFORE_OPTION:
                line_start = max(line_start, text.rfind("\n", searched, at) + 1)
                searched = at
                lines[line_start] = None
        for line_start in lines:
            line_end = text.find("\n", line_start)
            line_end = len(text) if line_end < 0 else line_end
            found = [
                m
                for m in scan.matches(_PROGRAM, text, line_start, line_end)
                if not _inside_a_word(text, m.start())
            ]
            for i, program in enumerate(found):
                name = program.group()
                if name == "login" and not _after_a_login_tool(text, program.start()):
                    continue
                # a command runs to its line's end, the next program named (``ssh h
                # 'psql -U u'``) or ``_WINDOW``: windows never overlap
                end = found[i + 1].start() if i + 1 < len(found) else line_end
                end = min(end, program.end() + _WINDOW)
                end, arguments_end = _end_of_command(text, program.start(), program.end(), end)
                yield from _options(text, scan, _PROGRAMS[name], program.end(), end, arguments_end)


def _inside_a_word(text: str, at: int) -> bool:
    return at > 0 and (text[at - 1].isalnum() or text[at - 1] in "_.-")


def _end_of_command(text: str, start: int, end: int, limit: int) -> tuple[int, int]:
    """Where the command of the program at ``start:end`` ends, at most ``limit``, and
    where its positional arguments end: an argv list ends at its bracket; a command
    quoted in a message (``Command 'psql -h ... db' returned``) has its arguments
    end at the first quote -- its options' values may be quoted, so they are read
    on to ``limit``."""
    after = text[end : end + 1]
    if after in ("'", '"'):  # ['psql', '-h', ...]
        bracket = text.find("]", end, limit)
        limit = limit if bracket < 0 else bracket
        return limit, limit
    before = text[start - 1 : start] if start else ""
    if before in ("'", '"'):
        quote = text.find(before, end, limit)
        return limit, limit if quote < 0 else quote
    return limit, limit


# Tools whose ``login`` takes ``-u user -p password``: container registries,
# Azure's, OpenShift's and Cloud Foundry's command lines.
_LOGIN_TOOLS = (
    "docker", "podman", "nerdctl", "buildah", "skopeo", "oras", "registry", "az", "oc", "cf",
)  # fmt: skip


def _after_a_login_tool(text: str, at: int) -> bool:
    """Whether ``login`` at ``at`` is ``docker login`` (or its kin), not a word of prose."""
    before = text[max(0, at - 12) : at].rstrip(" \t'\",")
    tool = next((tool for tool in _LOGIN_TOOLS if before.endswith(tool)), None)
    if tool is None:
        return False
    ahead = before[-len(tool) - 1 : -len(tool)]  # "oc", not the end of "doc"
    return not (ahead.isalnum() or ahead in "_-") or len(before) == len(tool)


def _options(
    text: str, scan: Scan, options: dict[str, str], start: int, end: int, arguments_end: int
) -> Iterator[Hit]:
    if text[start : start + 1] in ("'", '"'):
        start += 1  # the quote that closes the program's own argv item
    tokens = [
        (m.start(m.lastindex or 0), m.end(m.lastindex or 0))
        for m in _TOKEN.finditer(text, start, end)
    ]
    positional = options.get("", "").split()
    wanted: str | None = None  # the kind the next token holds
    seen_option = False
    for a, b in tokens:
        token = text[a:b]
        if token in _END_OF_COMMAND:
            return
        if wanted is not None:
            previous, wanted = wanted, None
            if token[:1] != "-":
                if previous != "skip":
                    yield from value_hits(text, scan, previous, a, b)
                continue
        if token[:1] != "-":
            # only in a command that passed one of our options: "'mysql', 'x'" in
            # a dict is no command line
            if positional and seen_option and b <= arguments_end:
                yield from value_hits(text, scan, positional.pop(0), a, b)
            continue
        option = options.get(token)
        if option is not None:
            seen_option = True
            wanted = None if option == "password=" else option
            continue
        attached = options.get(token[:2]) if token[1:2] != "-" else None
        if attached is not None and attached != "skip" and len(token) > 2:
            seen_option = True
            yield from value_hits(text, scan, attached.rstrip("="), a + 2, b)


def value_hits(text: str, scan: Scan, kind: str, a: int, b: int) -> Iterator[Hit]:
    """The hits for ``text[a:b]``, a value of ``kind`` read without a key's syntax
    (an option's, an argument's): checked as that kind's values are."""
    value = text[a:b]
    if skip_value(value):
        return
    if kind == "port":
        if value.isdigit() and len(value) <= 5 and int(value) <= 65535:
            yield a, b, "port", None, "", None
    elif kind == "host":
        if value[:1] in ("/", "~", "."):
            return  # a socket directory, not a host
        at = value.rfind("@")
        if at > 0:  # ssh deploy@bastion01
            yield a, a + at, "user", None, "", None
            a, value = a + at + 1, value[at + 1 :]
        yield from host_parts(text, a, b, scan.hosts)  # also "tcp:host,1433", "host:port"
    elif kind == "database":
        if "=" not in value and "://" not in value:  # a conninfo: the other rules read it
            yield a, b, "database", None, "", None
    elif kind == "userpass":
        split = next((i for i, c in enumerate(value) if c in ":%"), -1)
        if split != 0:
            yield a, b if split < 0 else a + split, "user", None, "", None
        if split >= 0 and split + 1 < len(value):
            yield a + split + 1, b, "password", None, "", None
    else:
        yield a, b, kind, None, "", None


# What a call's name ends with (found with ``str.find``: rare literals), the
# words that may stand right before it ("" -- the literal starts the name), and
# the kinds of its positional arguments (None: not a secret).
_CALLS: tuple[tuple[str, tuple[str, ...], tuple[str | None, ...]], ...] = (
    ("login(", ("",), ("user", "password")),  # smtplib, ftplib, imaplib
    ("Auth(", ("Basic", "Digest", "Proxy"), ("user", "password")),  # HTTPBasicAuth...
    ("Credentials(", ("Plain",), ("user", "password")),  # pika
    ("FTP(", ("",), ("host", "user", "password")),
    ("FTP_TLS(", ("",), ("host", "user", "password")),
    (
        "connect(",
        ("pymysql.", "MySQLdb.", "pymssql.", "mariadb."),
        ("host", "user", "password", "database"),
    ),
    ("connect(", ("cx_Oracle.", "oracledb."), ("user", "password")),
    ("Redis(", ("", "Strict"), ("host", "port", None, "password")),
)
_CALLS_BY_LITERAL: dict[str, list[tuple[tuple[str, ...], tuple[str | None, ...]]]] = {}
for _literal, _names, _kinds in _CALLS:
    _CALLS_BY_LITERAL.setdefault(_literal, []).append((_names, _kinds))
# "(" then a literal, backwards, in the lower-cased reversed view (the case is
# checked on the text itself).
_REVERSED_CALL = lazy(lambda: r"\((?:" + trie(c[-2::-1].lower() for c in _CALLS_BY_LITERAL) + ")")
# One positional argument: a quoted literal, or any other expression up to
# the next comma or parenthesis (a keyword argument ends the positional ones).
_ARGUMENT = lazy(
    r"[ \t]{0,8}+(?:'([^'\\\n]{0,256}+)'|\"([^\"\\\n]{0,256}+)\"|([^,()'\"\n=]{0,256}+))"
    r"[ \t]{0,8}+([,)])"
)


class CredentialCalls(ScanRule):
    """Literals passed by position to calls that take credentials (``login('u', 'pw')``)."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text, n = scan.text, len(scan.text)
        if "(" not in text:
            return
        # one pass over the reversed text: from each "(" (a literal), the names
        for found in scan.matches(_REVERSED_CALL, scan.rcls):
            start, at = n - found.end(), n - 1 - found.start()
            for names, kinds in _CALLS_BY_LITERAL.get(text[start : at + 1], ()):
                if any(_named(text, start, name) for name in names):
                    yield from _arguments(text, scan, at + 1, kinds)
                    break


def _has_any(text: str, a: int, b: int, characters: str) -> bool:
    return any(text.find(c, a, b) >= 0 for c in characters)


def _named(text: str, at: int, name: str) -> bool:
    """Whether ``name`` stands right before ``at`` and the call's name starts
    there (``smtp.login(``: yes; ``relogin(``: no); the auth classes' names
    may start anywhere before (``HTTPBasicAuth(``, ``aiohttp.BasicAuth(``)."""
    start = at - len(name)
    if start < 0 or not text.startswith(name, start):
        return False
    if name in _ANY_START:
        return True
    return not start or not (text[start - 1].isalnum() or text[start - 1] == "_")


_ANY_START = frozenset({"Basic", "Digest", "Proxy", "Plain"})


def _arguments(text: str, scan: Scan, pos: int, kinds: tuple[str | None, ...]) -> Iterator[Hit]:
    for kind in kinds:
        scan.spend()  # each argument read is paid for, as each candidate is
        arg = _ARGUMENT.match(text, pos)
        if arg is None:
            return  # a keyword argument, a nested call: the positional ones end
        group = 1 if arg.group(1) is not None else 2 if arg.group(2) is not None else 0
        a, b = (arg.start(group), arg.end(group)) if group else (0, 0)
        # "scott/tiger@db:1521/svc", "noreply@corp.eu": the connect string and
        # e-mail rules read those by their parts
        if kind is not None and b > a and not (kind == "user" and _has_any(text, a, b, "/@")):
            yield from value_hits(text, scan, kind, a, b)
        if arg.group(4) == ")":
            return
        pos = arg.end()
