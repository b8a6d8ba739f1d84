"""Identity: home directories (and the user name in them), e-mail addresses,
machine names in Windows UNC paths, and this machine's own user and host names.

A home path keeps everything below the home directory, which is what a
developer needs: ``/home/alice/src/app/db.py`` becomes ``~/src/app/db.py``.
"""

from __future__ import annotations

import functools
import os
import re

from crashreport.redact.dsn import connect_target
from crashreport.redact.hosts import host_kind
from crashreport.redact.patterns import lazy
from crashreport.redact.scan import Hit, Scan, ScanRule

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["EmailAddresses", "HomeDirectories", "UncPaths", "local_identity"]

# POSIX homes (/home, /var/home, /usr/home, /export/home) are found from the
# literal "/home/"; macOS, WSL and Windows homes from the literal "users"
# followed by a separator (``/``, ``\\`` or an escaped ``\\\\``), their root
# (``/``, ``/mnt/c/``, ``C:\\``) read backwards. On Windows and macOS the user
# segment may hold spaces, so there it runs to the next separator; without one,
# to the next space. Linear: literal anchors, bounded segments.
# (a JSON log writes a non-ASCII name as ``\u00fc`` escapes: those are the name's too)
_POSIX_HOME = lazy(r"/home/(?P<user>(?:[^/\s'\"<>|:*?\\]|\\u[0-9a-f]{4}){1,64}+)")
_USERS_DIR = tuple(
    lazy(re.escape(root) + r"(?:/|\\{1,4})") for root in ("users", "documents and settings")
)
_REV_ROOT = lazy(r"(?P<sep>/|\\{1,4})(?P<drive>=[a-z]|[a-z]/tnm/)?")
_SEGMENT = lazy(r"(?P<user>[^\\/\n'\"<>|:*?]{1,64}?(?=/|\\)|[^\\/\s'\"<>|:*?]{1,64}+)")
# Accounts that name no one: Windows' shared profiles, and the fixed users of
# tools and images (Homebrew, Jupyter's docker stacks, CI runners, dev containers).
_NOT_USERS = frozenset(
    {"public", "default", "all users", "default user", "shared", "guest", "linuxbrew"}
    | {"jovyan", "runner", "vscode", "codespace", "vagrant", "ec2-user"}
)
# Other places a path names its user: NFS homes (``/nfs/homes/alice/``),
# pytest's temporary directories (``/tmp/pytest-of-alice/``) and ``~alice/``.
# Linear: each starts with its literal; the name is one bounded run.
_NAMED_IN_PATHS = (
    ("/homes/", lazy(r"/homes/(?P<user>[A-Za-z_][\w.-]{0,63}+)/")),
    ("pytest-of-", lazy(r"pytest-of-(?P<user>[A-Za-z_][\w.-]{0,63}+)")),
    ("~", lazy(r"~(?P<user>[A-Za-z_][\w.-]{0,31}+)/")),
)


def _bounded_start(text: str, start: int) -> bool:
    """A path may start here: not inside a word or a longer path, but after an escape."""
    if not start:
        return True
    before = text[start - 1]
    if before.isalnum() or before in "_.\\":
        return start >= 2 and text[start - 2] == "\\" and before in "nrt"
    return True


class HomeDirectories(ScanRule):
    """``/home/alice``, ``/Users/alice``, ``C:\\Users\\alice`` become ``~``.

    The user name is remembered, so it becomes ``<user>`` wherever else it appears.
    """

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text, low = scan.text, scan.low
        if "/home/" in low:
            for match in scan.matches(_POSIX_HOME, low):
                start = match.start()
                for root in ("/var", "/usr", "/export"):
                    if low[start - len(root) : start] == root:
                        start -= len(root)
                        break
                user_end = match.end("user")
                if "." in match["user"] and text[user_end : user_end + 1] != "/":
                    continue  # /home/notes.txt: a file in /home, not someone's home
                if _bounded_start(text, start):
                    yield from self._home(text, start, match.start("user"), user_end)
        for word, pattern in zip(("users", "documents and settings"), _USERS_DIR, strict=True):
            if word not in low:
                continue
            for match in scan.matches(pattern, low):
                base = _REV_ROOT.match(scan.rcls, len(text) - match.start())
                if base is None or (base["sep"] != "/" and not base["drive"]):
                    continue  # "\\Users\\" with no drive is not a home
                posix = base["sep"] == "/" and not base["drive"]
                if posix and word == "users" and not text.startswith("Users", match.start()):
                    continue  # macOS writes /Users/; "GET /users/me" is a URL path
                start = len(text) - base.end()
                segment = _SEGMENT.match(text, match.end())
                if segment is not None and _bounded_start(text, start):
                    yield from self._home(text, start, *segment.span("user"))

        for literal, pattern in _NAMED_IN_PATHS:
            if literal not in text:
                continue
            for match in scan.matches(pattern, text):
                user = match["user"]
                if literal == "~" and not _bounded_start(text, match.start()):
                    continue  # C:\\Users\\JDOE~1\\: a short name, not ~user
                if user.lower() not in _NOT_USERS:
                    yield match.start("user"), match.end("user"), "user", None, "", None

    @staticmethod
    def _home(text: str, start: int, user_start: int, user_end: int) -> Iterator[Hit]:
        user = text[user_start:user_end].strip()
        if not user or user.lower() in _NOT_USERS or user.startswith(("~", "<")):
            return
        yield start, user_end, "home", user, "", "~"


# Found from each literal ``@``: the domain forwards, the local part backwards,
# each one bounded possessive pattern (linear). Not after ``:``, ``#``, ``!``,
# ``%``...: that is a password ending in URL user information.
_DOMAIN = lazy(  # letters of any script: internationalised addresses (RFC 6531)
    r"@[^\W_][\w-]{0,62}(?:\.[\w-]{1,63}){0,8}\.[^\W\d_]{2,24}(?![\w-]|\.\w)"
)
_ENCODED_DOMAIN = lazy(
    r"%40[A-Za-z0-9][A-Za-z0-9-]{0,62}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![\w-]|\.\w)"
)
_REV_LOCAL = lazy(r"[\w.+-]{1,64}+")
_NOT_BEFORE_LOCAL = frozenset("\\_.+-:#!%$&*~^")


class EmailAddresses(ScanRule):
    """E-mail addresses anywhere, also URL-encoded (``?email=bob%40example.com``)."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text = scan.text
        if "@" in text:
            yield from self._addresses(scan, _DOMAIN, 1)
        if "%40" in text:
            yield from self._addresses(scan, _ENCODED_DOMAIN, 3)

    @staticmethod
    def _addresses(scan: Scan, domain: re.Pattern[str], at_length: int) -> Iterator[Hit]:
        text, n = scan.text, len(scan.text)
        for match in scan.matches(domain, text):
            at = match.start()
            local = _REV_LOCAL.match(scan.rcls, n - at) if at else None
            if local is None:
                continue
            start = n - local.end()
            while start < at and not text[start].isalnum():
                start += 1
            if start == at:
                continue
            before = text[start - 1] if start else ""
            escaped = start >= 2 and text[start - 2] == "\\" and before in "nrt"
            if before and (before.isalnum() or before in _NOT_BEFORE_LOCAL) and not escaped:
                continue
            if before == "/" and text[start - 2 : start - 1] == "/":
                continue  # scheme://user@host: a URL's user (see ``connections``), no address
            end = match.end()
            if text[end : end + 1] == ":" and text[end + 1 : end + 2].isdigit():
                # no e-mail address has a port: a login at a host (cx_Oracle's
                # ``<Connection to scott@db.corp:1521/ORCLPDB1>``, ssh)
                yield start, at, "user", None, "", None
                yield from connect_target(text, at + at_length, scan)
                continue
            yield start, end, "email", None, "", None
            if before == "<" and text[end : end + 1] == ">":
                yield from _display_name(text, start - 1)


_NAME_WORDS = 4  # "Maria de la Cruz" at most, as a mail header or git writes it
_NAME_REACH = 80


def _display_name(text: str, bracket: int) -> Iterator[Hit]:
    """The person's name before ``<address>``: ``Karin Lindqvist <k@x.se>``
    (git authors, mail headers) or ``"Lindqvist, Karin" <k@x.se>``."""
    end = bracket - 1 if text[bracket - 1 : bracket] == " " else bracket
    if text[end - 1 : end] in ('"', "'"):
        quote = text[end - 1]
        opening = text.rfind(quote, max(0, end - _NAME_REACH), end - 1)
        if opening != -1 and "\n" not in text[opening:end]:
            yield opening + 1, end - 1, "user", None, "", None
        return
    start = end
    for _ in range(_NAME_WORDS):
        word_end = start
        while (
            start > 0
            and end - start < _NAME_REACH
            and (
                text[start - 1].isalpha()
                or text[start - 1] in "-."
                or (text[start - 1] == "'" and text[start - 2 : start - 1].isalpha())  # O'Brien
            )
        ):
            start -= 1
        word = text[start:word_end]
        if not word[:1].isupper():
            start = word_end
            break
        if text[start - 1 : start] != " " or not text[start - 2 : start - 1].isalpha():
            break
        start -= 1
    while start < end and not text[start].isalpha():
        start += 1  # the space before a word that was no name
    if start < end and text[start].isupper():
        yield start, end, "user", None, "", None


# ``\\fileserver.corp.internal\exports`` and its repr ``\\\\fileserver...\\\\exports``.
# Linear: the literal double backslash starts every match; the name is bounded.
_UNC = lazy(r"\\\\(?:\\\\)?(?P<host>[A-Za-z0-9][\w.-]{0,252}+)\\")
_UNC_BEFORE = frozenset(" \t\n'\"`([=,")


class UncPaths(ScanRule):
    """The machine named by a Windows UNC path (``\\\\host\\share``)."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text = scan.text
        if "\\" not in text or "\\\\" not in text:  # one character first: memchr speed
            return
        for match in scan.matches(_UNC, text):
            start = match.start()
            if start and text[start - 1] not in _UNC_BEFORE:
                continue  # inside a path (C:\\Users\\x, ~\\AppData): not a machine
            kind = host_kind(match["host"])
            if kind is not None:
                yield match.start("host"), match.end("host"), kind, None, "", None


@functools.lru_cache(maxsize=1)
def local_identity() -> tuple[tuple[str, str], ...]:
    """This machine's names: ``((kind, value), ...)`` to remove wherever they appear.

    The login name, the full name from the password database, and the host
    name (short and fully qualified). Read once per process (they do not
    change while it runs), never sent. Read as ``getpass.getuser()`` and
    ``socket.gethostname()`` read them, without importing either (``socket``
    alone costs milliseconds, in the process that just crashed).
    """
    found: list[tuple[str, str]] = []
    login = _login()
    if login:
        found.append(("user", login))
    try:
        import pwd

        gecos = pwd.getpwuid(os.getuid()).pw_gecos.split(",", 1)[0].strip()
        if gecos:
            found.append(("user", gecos))
    except Exception:  # noqa: S110 - not POSIX, or no entry
        pass
    name = _host_name()
    if name:
        found.append(("host", name))
        short = name.split(".", 1)[0]
        if short != name:
            found.append(("host", short))
    return tuple((kind, value) for kind, value in found if value)


def _login() -> str:
    """``getpass.getuser()``: the first of these variables, else the password database."""
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        value = os.environ.get(name)
        if value:
            return value
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except Exception:  # not POSIX, or no entry (a container): no login name to remove
        return ""


def _host_name() -> str:
    """``socket.gethostname()``: ``uname`` gives the same name on POSIX."""
    try:
        if hasattr(os, "uname"):
            return os.uname().nodename
        import socket  # Windows: no uname

        return socket.gethostname()
    except Exception:  # no host name: nothing to remove
        return ""
