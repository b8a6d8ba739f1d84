"""The outbox: redacted reports waiting on disk, one file per report.

Two states: ``review`` -- nobody could be asked (a non-interactive run, a
prompt that timed out); ``crashreport outbox review`` asks later -- and
``queued`` -- the user said yes, delivery has not succeeded yet. Only
redacted payloads are ever written; files are 0600 in a 0700 directory,
written atomically (temporary file, fsync, rename).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import attrs

from crashreport.payload import Payload
from crashreport.transport import Destination

__all__ = ["Entry", "default_directory", "entries", "keep", "remove"]

REVIEW = "review"
QUEUED = "queued"
_SUFFIX = ".report.json"


def default_directory() -> Path:
    """Where reports wait: the user data directory (``XDG_DATA_HOME`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("crashreport", appauthor=False)) / "outbox"


@attrs.frozen
class Entry:
    """One waiting report."""

    path: Path
    state: str
    created: float
    destination: Destination
    payload: Payload


def _directory(directory: str | os.PathLike[str] | None) -> Path:
    path = Path(directory) if directory is not None else default_directory()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def keep(
    payload: Payload,
    state: str,
    destination: Destination,
    directory: str | os.PathLike[str] | None = None,
) -> Path:
    """Write one report atomically; returns its path."""
    if state not in (REVIEW, QUEUED):
        raise ValueError(f"unknown outbox state {state!r}")
    folder = _directory(directory)
    record = {
        "state": state,
        "created": time.time(),
        "destination": attrs.asdict(destination),
        "report_id": payload.report_id,
        "body": payload.body.decode("utf-8"),
    }
    final = folder / f"{payload.report_id}{_SUFFIX}"
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:  # mkstemp makes it 0600
            json.dump(record, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, final)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return final


def entries(directory: str | os.PathLike[str] | None = None) -> list[Entry]:
    """Every waiting report, oldest first."""
    folder = Path(directory) if directory is not None else default_directory()
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob(f"*{_SUFFIX}"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            found.append(
                Entry(
                    path=path,
                    state=record["state"],
                    created=float(record["created"]),
                    destination=Destination(**record["destination"]),
                    payload=Payload(str(record["report_id"]), record["body"].encode("utf-8")),
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(found, key=lambda entry: entry.created)


def remove(entry: Entry) -> None:
    """Delete a report from the outbox (delivered, declined or discarded)."""
    entry.path.unlink(missing_ok=True)
