"""Starting the ping: its exact payload, and the detached worker that sends it.

Imported only when a ping is due (at most once per interval). The host
spends here the time it takes to write one small file and to start a
process; the worker does the network part on its own, and the host may exit
at any moment without waiting for it.
"""

from __future__ import annotations

import os
import sys
import time

from crashreport import __version__
from crashreport._checkpoint import files
from crashreport.checkpoint import CLOCK_SLACK, FIELDS, Paths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from crashreport.config import Config

__all__ = ["STALE_LOCK", "WORKER_TIMEOUT", "launch", "payload", "request_url", "user_agent"]

WORKER_TIMEOUT = 3.0  # seconds the worker gives the server, all in all; it never retries
STALE_LOCK = 60.0  # a lock older than this was left by a run that died: take it over
JOB = "CRASHREPORT_CHECKPOINT_JOB"  # how the worker learns its job (not argv: others see argv)
PATH = "CRASHREPORT_CHECKPOINT_PATH"  # the host's sys.path, so the worker imports the same code

# The worker runs isolated (-I: no PYTHON* variables, no user site, no cwd on
# sys.path) and from the host's sys.path.
_BOOT = (
    "import os,sys;"
    f"sys.path[:0]=[p for p in os.environ.pop({PATH!r},'').split(os.pathsep) if p];"
    "from crashreport._checkpoint.worker import main;main()"
)


def user_agent() -> str:
    """The ``user_agent`` field (and the request's header): this library and its version."""
    return f"crashreport/{__version__}"


def _os_name() -> str:
    name = sys.platform.rstrip("0123456789")  # "freebsd14" -> "freebsd"
    return {"win32": "windows", "cygwin": "windows"}.get(name, name)


def _arch() -> str:
    if hasattr(os, "uname"):
        return os.uname().machine.lower()
    import platform  # pragma: no cover - Windows

    return platform.machine().lower()  # pragma: no cover


def payload(config: Config, signature: str, now: float) -> list[tuple[str, str]]:
    """The ping's query fields -- exactly :data:`FIELDS`, in order; nothing else is sent."""
    values = {
        "product": config.product,
        "version": config.version,
        "arch": _arch(),
        "os": _os_name(),
        "python_version": sys.version.split()[0],
        "signature": signature,
        "user_agent": user_agent(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
    }
    return [(name, values[name]) for name in FIELDS]


_UNRESERVED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")


def _quote(text: str) -> str:
    # RFC 3986 percent-encoding of everything but the unreserved characters
    # (urllib.parse would import re and more on the host's start-up)
    return "".join(
        c if c in _UNRESERVED else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in text
    )


def request_url(config: Config, fields: list[tuple[str, str]]) -> str:
    """``GET {checkpoint_url}/v1/check/{product}?{fields}``."""
    base = (config.checkpoint_url or "").rstrip("/")
    query = "&".join(f"{name}={_quote(value)}" for name, value in fields)
    return f"{base}/v1/check/{_quote(config.product)}?{query}"


def launch(config: Config, paths: Paths, now: float) -> None:
    """Record the ping in the cache, then start the worker that sends it.

    The record comes first: if the cache cannot be written, nothing is sent
    (the interval could not be kept). Of several runs starting at once, the
    one that takes the lock pings; the others go on without.
    """
    state_path = paths.state(config.product)
    lock = paths.lock(config.product)
    if not _take(lock):
        return
    try:
        state = files.read_state(state_path)  # again, now that this run holds the lock
        if not state.is_due(config, now) or not state.noticed:
            return
        signature = files.ensure_signature(paths.signature)
        if state.version != config.version:  # the cached answer was about another version
            state.answered, state.update, state.alerts = 0.0, None, ()
        state.checked, state.version = now, config.version
        files.write_state(state_path, state)
    finally:
        _release(lock)
    _spawn(request_url(config, payload(config, signature, now)), state_path)


def _take(lock: str) -> bool:
    os.makedirs(os.path.dirname(lock), mode=0o700, exist_ok=True)
    for _attempt in range(2):
        try:
            os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            return True
        except FileExistsError:
            try:
                # the real clock, not the run's start time: a run that started a
                # moment before the lock was made must still see it as fresh
                if -CLOCK_SLACK < time.time() - os.stat(lock).st_mtime < STALE_LOCK:
                    return False  # another run is pinging right now
                os.unlink(lock)
            except FileNotFoundError:
                pass  # released meanwhile: try again
    return False


def _release(lock: str) -> None:
    try:  # noqa: SIM105 - contextlib is kept off the host's start-up
        os.unlink(lock)
    except OSError:
        pass


def _spawn(url: str, state_path: str) -> None:
    environ = dict(os.environ)
    environ[JOB] = f"{url}\n{state_path}"
    environ[PATH] = os.pathsep.join(p for p in sys.path if p and os.pathsep not in p)
    command = [sys.executable, "-I", "-c", _BOOT]
    if os.name != "posix":  # pragma: no cover - Windows
        import subprocess

        flags = 0x00000008 | 0x00000200 | 0x08000000  # DETACHED, NEW_PROCESS_GROUP, NO_WINDOW
        subprocess.Popen(
            command,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            creationflags=flags,
            close_fds=True,
        )
        return
    # os.posix_spawn rather than subprocess (which imports threading, selectors,
    # signal ... into the host). A shell in between starts the worker in the
    # background and exits at once: the host reaps the shell (a millisecond)
    # and the worker, orphaned, belongs to init -- no zombie in a long-lived
    # host, nothing holding the host's exit, and with all three standard
    # streams on /dev/null, no pipe of the host's kept open.
    null = os.devnull
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, null, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, null, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, null, os.O_WRONLY, 0),
    ]
    argv = ["/bin/sh", "-c", '"$0" "$@" &', *command]
    try:
        pid = os.posix_spawn("/bin/sh", argv, environ, file_actions=actions, setsid=True)
    except NotImplementedError:  # pragma: no cover - no POSIX_SPAWN_SETSID: the worker calls setsid
        pid = os.posix_spawn("/bin/sh", argv, environ, file_actions=actions)
    try:  # noqa: SIM105
        os.waitpid(pid, 0)
    except ChildProcessError:  # the host reaps its children itself (SIGCHLD ignored)
        pass
