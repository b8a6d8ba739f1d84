"""No socket during a dry run: an audit hook, and the scopes it watches.

Python's audit events (PEP 578) tell every ``socket.connect``,
``socket.sendto``, ``socket.sendmsg`` and ``socket.getaddrinfo`` (a name
lookup leaks where a report would go), whichever library makes it. An audit
hook cannot be removed, so it is added once per process, the first time a
guard needs it, and does nothing while no dry-run scope is open. Inside one,
the operation is refused (``SocketBlocked``, an ``OSError``: code that
handles network errors takes its usual path) and the scope is told, so the
test fails however the code under test handled the error.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

__all__ = ["EVENTS", "Scope", "SocketBlocked", "close", "open_scope"]

EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo"})
_INTERNAL = "_crashreport_internal"  # crashreport.hooks.INTERNAL, without importing it here
_STDLIB = os.path.dirname(socket.__file__)


class SocketBlocked(OSError):
    """A socket operation refused because a dry run was going on."""


class Scope:
    """A stretch of a dry run: sockets opened in it are refused and reported.

    ``thread`` limits it to one thread (and to threads crashreport starts,
    such as its sender); ``None`` covers every thread.
    """

    def __init__(self, report: Callable[[str], None], thread: int | None, what: str) -> None:
        self.report = report
        self.thread = thread
        self.what = what

    def covers(self) -> bool:
        """Whether the running thread is in this scope."""
        if self.thread is None:
            return True
        current = threading.current_thread()
        return current.ident == self.thread or bool(getattr(current, _INTERNAL, False))


_scopes: list[Scope] = []
_lock = threading.Lock()
_installed: list[bool] = []


def _where() -> str:
    """The innermost frame outside the standard library and installed packages."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if not (name.startswith(_STDLIB) or "site-packages" in name or name == __file__):
            return f"{name}:{frame.f_lineno} in {frame.f_code.co_name}"
        frame = frame.f_back
    return "?"


def _describe(event: str, args: tuple[Any, ...]) -> str:
    if event == "socket.getaddrinfo":
        return f"a name lookup of {args[0]!r} (port {args[1]!r})"
    verb = {"socket.connect": "a connection", "socket.sendto": "a datagram"}.get(event, "a message")
    address = args[1] if len(args) > 1 else "?"
    if isinstance(address, tuple) and len(address) >= 2:
        address = f"{address[0]}:{address[1]}"
    return f"{verb} to {address}"


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _scopes or event not in EVENTS:  # the common case: as cheap as it gets
        return
    with _lock:
        scope = next((s for s in reversed(_scopes) if s.covers()), None)
    if scope is None:
        return
    what = _describe(event, args)
    thread = threading.current_thread().name
    scope.report(
        f"{what} was attempted during {scope.what} (thread {thread!r}, from {_where()}); "
        "it was refused"
    )
    raise SocketBlocked(f"crashreport.testing: no socket during {scope.what} ({what})")


def open_scope(report: Callable[[str], None], *, thread: int | None, what: str) -> Scope:
    """Start refusing (and reporting) sockets in a scope; ``close`` ends it."""
    with _lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed.append(True)
        scope = Scope(report, thread, what)
        _scopes.append(scope)
    return scope


def close(scope: Scope) -> None:
    """End a scope (closing one twice is harmless)."""
    with _lock:
        if scope in _scopes:
            _scopes.remove(scope)
