"""Identity: home directories (and the user name in them), e-mail addresses,
and this machine's own user and host names.

A home path keeps everything below the home directory, which is what a
developer needs: ``/home/alice/src/app/db.py`` becomes ``~/src/app/db.py``.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import socket
from collections.abc import Iterator

from crashreport.redact.engine import Finding

__all__ = ["EmailAddresses", "HomeDirectories", "local_identity"]

# POSIX, macOS, WSL and Windows homes, with ``/``, ``\`` or an escaped ``\\``
# (a repr of a Windows path). On Windows and macOS the user segment may hold
# spaces, so there it runs to the next separator; without one, to the next
# space. Linear: a literal root starts every match; the user segment is bounded.
_HOME = re.compile(
    r"(?:(?<![\\\w.])|(?<=\\[nrt]))(?:(?:/home|/var/home|/usr/home|/export/home)/(?P<posix>[^/\s'\"<>|:*?\\]{1,64}+)"
    r"|(?:/Users|/mnt/[a-z]/Users|[A-Za-z]:(?:/|\\{1,4})(?:Users|Documents and Settings))"
    r"(?:/|\\{1,4})(?P<spaced>[^\\/\n'\"<>|:*?]{1,64}?(?=/|\\)|[^\\/\s'\"<>|:*?]{1,64}+))",
    re.IGNORECASE,
)
_NOT_USERS = frozenset({"public", "default", "all users", "default user", "shared", "guest"})


class HomeDirectories:
    """``/home/alice``, ``/Users/alice``, ``C:\\Users\\alice`` become ``~``.

    The user name is remembered, so it becomes ``<user>`` wherever else it appears.
    """

    def __repr__(self) -> str:
        return "HomeDirectories()"

    def __call__(self, text: str) -> Iterator[Finding]:
        for match in _HOME.finditer(text):
            group = "posix" if match["posix"] is not None else "spaced"
            user = match[group].strip()
            if not user or user.lower() in _NOT_USERS or user.startswith(("~", "<")):
                continue
            yield Finding(match.start(), match.end(group), "home", value=user, replacement="~")


# Linear: a bounded local part that can start only after a non-address
# character, a literal ``@``, bounded labels.
# (Not after ``:``, ``#``, ``!``, ``%``...: that is a password ending in URL user info.)
_EMAIL = re.compile(
    r"(?:(?<![\\\w.+\-:#!%$&*~^])|(?<=\\[nrt]))(?P<email>[A-Za-z0-9][\w.+-]{0,63}+@[A-Za-z0-9][A-Za-z0-9-]{0,62}"
    r"(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24})(?![\w-]|\.\w)"
)


class EmailAddresses:
    """E-mail addresses anywhere."""

    def __repr__(self) -> str:
        return "EmailAddresses()"

    def __call__(self, text: str) -> Iterator[Finding]:
        if "@" not in text:
            return
        for match in _EMAIL.finditer(text):
            yield Finding(match.start(), match.end(), "email")


def local_identity() -> list[tuple[str, str]]:
    """This machine's names: ``[(kind, value), ...]`` to remove wherever they appear.

    The login name, the full name from the password database, and the host
    name (short and fully qualified). Read at crash time, never sent.
    """
    found: list[tuple[str, str]] = []
    with contextlib.suppress(Exception):  # no login name (a container): nothing to remove
        found.append(("user", getpass.getuser()))
    try:
        import pwd

        gecos = pwd.getpwuid(os.getuid()).pw_gecos.split(",", 1)[0].strip()
        if gecos:
            found.append(("user", gecos))
    except Exception:  # noqa: S110 - not POSIX, or no entry
        pass
    try:
        name = socket.gethostname()
        found.append(("host", name))
        short = name.split(".", 1)[0]
        if short != name:
            found.append(("host", short))
    except Exception:  # noqa: S110 - no host name: nothing to remove
        pass
    return [(kind, value) for kind, value in found if value]
