"""The outbox: redacted reports waiting on disk, one file per report.

Three states, in the file name (``<report id>.<state>.json``) so that a
directory listing tells them apart without reading a file:

- ``review``: nobody could be asked (a non-interactive run, a prompt that
  timed out); ``crashreport outbox review`` asks later. Never sent as is.
- ``queued``: the user said yes; delivery has not succeeded yet. Sent again
  on the next run of the host app and by ``crashreport outbox send``.
- ``rejected``: the user said yes, but the server refused it (a 4xx that says
  the payload is wrong, a redirect) or we refused to send it. Not retried on
  its own -- only ``crashreport outbox send`` tries again.

Only redacted payloads are ever written, and only consented ones are queued
(``keep`` takes a ``ConsentedReport`` for those). Files are 0600 in a 0700
directory, written atomically (temporary file, fsync, rename); each file's
mtime is the time it was first kept, so the oldest is found by a listing. A
count and size cap evicts the oldest, with a notice. A file that cannot be
read as a report is moved aside to ``corrupt/``, never crashes anything.
(What is in a file, and how it is checked: ``crashreport.transport.record``.)

Several processes may share one outbox: ``claim`` takes an exclusive
``flock`` on a file before it is sent, so no report is sent twice at once,
and a claim dies with its process, so none is stuck (POSIX).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs

from crashreport.payload import ConsentedReport, Payload
from crashreport.transport.base import Delivery, Destination
from crashreport.transport.record import (
    QUEUED,
    REJECTED,
    REVIEW,
    STATES,
    Corrupt,
    Entry,
    Newer,
    after_failure,
    decode,
    encode,
    filename,
    read_fd,
    safe_id,
    split_name,
)

__all__ = [
    "MAX_BYTES",
    "MAX_REPORTS",
    "QUEUED",
    "REJECTED",
    "REVIEW",
    "Entry",
    "claim",
    "default_directory",
    "entries",
    "keep",
    "record_failure",
    "remove",
]

MAX_REPORTS = 100
MAX_BYTES = 20 * 1024 * 1024
CORRUPT = "corrupt"  # the subdirectory unreadable files are moved to
_KEEP_CORRUPT = 20
_TEMPORARY = ".tmp-"
_STALE_TEMPORARY = 3600.0  # seconds: a temporary file this old was left by a killed writer

Say = Callable[[str], None]


def default_directory() -> Path:
    """Where reports wait: the user data directory (``XDG_DATA_HOME`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("crashreport", appauthor=False)) / "outbox"


def notice(message: str) -> None:
    """The default ``say``: one line on stderr (never raises)."""
    try:
        sys.stderr.write(f"crashreport: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed: nothing left to tell the user with
        pass


def _directory(directory: str | os.PathLike[str] | None) -> Path:
    path = Path(directory) if directory is not None else default_directory()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkdir's mode is masked by the umask, and an existing directory keeps its
    # own: make it private (ours only; someone else's we leave to them)
    if not hasattr(os, "getuid") or path.stat().st_uid == os.getuid():
        os.chmod(path, 0o700)
    return path


def keep(
    report: Payload | ConsentedReport,
    state: str,
    destination: Destination,
    directory: str | os.PathLike[str] | None = None,
    *,
    failure: Delivery | None = None,
    say: Say | None = notice,
    max_reports: int = MAX_REPORTS,
    max_bytes: int = MAX_BYTES,
) -> Path:
    """Write one report atomically (evicting the oldest if the outbox is full); its path.

    ``queued`` and ``rejected`` take only a ``ConsentedReport``: nothing is
    queued for sending that the user did not agree to send. ``failure`` is the
    failed delivery that brought it here. Raises ``OSError`` if it cannot be
    written, ``ValueError``/``TypeError`` for a bad state or report.
    """
    if state not in STATES:
        raise ValueError(f"unknown outbox state {state!r}")
    if isinstance(report, ConsentedReport):
        payload = report.payload
    elif state == REVIEW:
        payload = report
    else:
        raise TypeError(f"only a ConsentedReport can be kept as {state!r}")
    if not safe_id(payload.report_id):
        raise ValueError(f"{payload.report_id!r} is not a report id")
    folder = _directory(directory)
    now = time.time()
    attempts, last_error, not_before = (
        (0, None, None) if failure is None else after_failure(failure, 0, now)
    )
    data = encode(payload, destination, now, attempts, last_error, not_before)
    _evict(folder, payload.report_id, len(data), max_reports, max_bytes, say)
    path = folder / filename(payload.report_id, state)
    _write(path, data, now)
    for other in STATES:  # one report is in one state only
        if other != state:
            (folder / filename(payload.report_id, other)).unlink(missing_ok=True)
    return path


def _write(path: Path, data: bytes, created: float) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=_TEMPORARY, suffix=".json")
    try:
        with os.fdopen(fd, "wb") as file:  # mkstemp makes it 0600
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.utime(temporary, (created, created))  # the listing's "oldest" is the first kept
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def _sync_directory(folder: Path) -> None:
    # the rename itself must survive a power cut, not only the file's bytes
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _report_files(folder: Path) -> list[tuple[float, str, int]]:
    """(mtime, name, size) of every report file, oldest first."""
    found = []
    with os.scandir(folder) as listing:
        for item in listing:
            if split_name(item.name) is None:
                continue
            try:
                info = item.stat()
            except OSError:
                continue
            found.append((info.st_mtime, item.name, info.st_size))
    return sorted(found)


def _evict(
    folder: Path, report_id: str, size: int, max_reports: int, max_bytes: int, say: Say | None
) -> None:
    files = [f for f in _report_files(folder) if not f[1].startswith(report_id + ".")]
    count, total = len(files), sum(f[2] for f in files)
    for mtime, name, file_size in files:
        if count + 1 <= max_reports and total + size <= max_bytes:
            return
        if not _evict_one(folder / name):
            continue  # being sent right now: not ours to delete
        count, total = count - 1, total - file_size
        if say is not None:
            when = datetime.datetime.fromtimestamp(mtime).isoformat(sep=" ", timespec="seconds")
            say(
                f"the outbox is full (at most {max_reports} reports, "
                f"{max_bytes / 1_048_576:g} MB): removed the oldest, "
                f"{name.partition('.')[0]} from {when}"
            )


def _evict_one(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return True  # already gone
    try:
        if not _lock(fd):
            return False
        path.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)


def entries(
    directory: str | os.PathLike[str] | None = None, *, say: Say | None = notice
) -> list[Entry]:
    """Every waiting report, oldest first. Unreadable files are moved aside to ``corrupt/``."""
    folder = Path(directory) if directory is not None else default_directory()
    if not folder.is_dir():
        return []
    found = []
    now = time.time()
    with os.scandir(folder) as listing:
        names = [item.name for item in listing]
    for name in names:
        path = folder / name
        if name.startswith(_TEMPORARY):
            _remove_stale(path, now)
            continue
        if split_name(name) is None:
            continue
        try:
            found.append(decode(path, _read(path)))
        except Newer:
            continue  # written by a newer crashreport: leave it for that one
        except Corrupt as problem:
            _move_aside(path, str(problem), say)
        except OSError:
            continue  # gone meanwhile (sent by another process), or not readable
    return sorted(found, key=lambda entry: (entry.created, entry.path.name))


def _read(path: Path) -> bytes:
    with open(path, "rb") as file:
        return read_fd(file.fileno())


def _move_aside(path: Path, why: str, say: Say | None) -> None:
    aside = path.parent / CORRUPT
    try:
        aside.mkdir(mode=0o700, exist_ok=True)
        target = aside / f"{path.name}.{time.time_ns()}"
        os.replace(path, target)
    except OSError:
        return  # moved by another process meanwhile, or not ours to move
    if say is not None:
        say(f"an outbox file could not be read ({why}); moved it aside to {target}")
    with contextlib.suppress(OSError):
        kept = sorted(aside.iterdir(), key=lambda p: p.stat().st_mtime)
        for old in kept[:-_KEEP_CORRUPT]:
            old.unlink(missing_ok=True)


def _remove_stale(path: Path, now: float) -> None:
    with contextlib.suppress(OSError):
        if now - path.stat().st_mtime > _STALE_TEMPORARY:
            path.unlink()


def remove(entry: Entry) -> None:
    """Delete a report from the outbox (delivered, declined or discarded)."""
    entry.path.unlink(missing_ok=True)


@contextlib.contextmanager
def claim(entry: Entry) -> Iterator[Entry | None]:
    """Hold ``entry`` exclusively while sending it: yields it as it is on disk now,
    or ``None`` if another process holds it, or it was sent or changed meanwhile."""
    try:
        fd = os.open(entry.path, os.O_RDONLY)
    except OSError:
        yield None
        return
    try:
        yield _claimed(entry.path, fd)
    finally:
        os.close(fd)  # releases the lock


def _claimed(path: Path, fd: int) -> Entry | None:
    if not _lock(fd):
        return None
    try:
        now_there, held = os.stat(path), os.fstat(fd)
    except OSError:
        return None  # sent and removed while we waited to look
    if (now_there.st_ino, now_there.st_dev) != (held.st_ino, held.st_dev):
        return None  # replaced: someone else recorded a newer state
    try:
        return decode(path, read_fd(fd))
    except (Corrupt, Newer, OSError):
        return None


def _lock(fd: int) -> bool:
    """An exclusive, non-blocking lock on an open file; ``False`` if someone holds it."""
    if sys.platform == "win32":  # pragma: no cover - best effort; POSIX is what is tested
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def record_failure(entry: Entry, delivery: Delivery, *, now: float | None = None) -> Entry:
    """Write down a failed delivery of a claimed entry; returns the entry as it now is.

    A failure worth retrying leaves it ``queued`` (not before the server's
    requested wait); any other makes it ``rejected``.
    """
    when = time.time() if now is None else now
    state = QUEUED if delivery.retry else REJECTED
    attempts, last_error, not_before = after_failure(delivery, entry.attempts, when)
    path = entry.path.with_name(filename(entry.report_id, state))
    data = encode(entry.payload, entry.destination, entry.created, attempts, last_error, not_before)
    _write(path, data, entry.created)
    if path != entry.path:
        entry.path.unlink(missing_ok=True)
    return attrs.evolve(
        entry,
        path=path,
        state=state,
        attempts=attempts,
        last_error=last_error,
        not_before=not_before,
    )
