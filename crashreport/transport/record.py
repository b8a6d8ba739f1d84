"""record: one outbox file -- its name, and the JSON record inside it.

The name says the report and its state (``<report id>.<state>.json``); the
record holds the payload bytes as shown, the destination the user agreed to,
and what deliveries came to so far. ``decode`` checks everything it reads
(a record is data from disk, perhaps edited by hand): anything that is not a
report raises ``Corrupt``; a record of a newer format raises ``Newer``, so it
is left for the crashreport that wrote it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import attrs

from crashreport.payload import Payload
from crashreport.transport.base import Delivery, Destination

__all__ = [
    "FORMAT",
    "QUEUED",
    "REJECTED",
    "REVIEW",
    "STATES",
    "Corrupt",
    "Entry",
    "Newer",
    "after_failure",
    "decode",
    "encode",
    "filename",
    "read_fd",
    "safe_id",
    "split_name",
]

REVIEW = "review"
QUEUED = "queued"
REJECTED = "rejected"
STATES = (REVIEW, QUEUED, REJECTED)
FORMAT = 1  # of the record in each file
READ_LIMIT = 16 * 1024 * 1024  # a report file larger than this is not one of ours
_ID_CHARS = frozenset("0123456789abcdefABCDEF-")


class Corrupt(Exception):
    """The file is not a report (the message says why)."""


class Newer(Exception):
    """The file was written by a newer crashreport."""


@attrs.frozen
class Entry:
    """One waiting report, and what its deliveries came to so far."""

    path: Path
    state: str
    created: float
    destination: Destination
    payload: Payload
    attempts: int = 0
    last_error: str | None = None
    not_before: float | None = None

    @property
    def report_id(self) -> str:
        """The report's id (also its file name and idempotency key)."""
        return self.payload.report_id

    def due(self, now: float | None = None) -> bool:
        """Whether a server's requested wait (``Retry-After``, rate limit) is over."""
        return self.not_before is None or self.not_before <= (time.time() if now is None else now)


def filename(report_id: str, state: str) -> str:
    """The file name of a report in a state."""
    return f"{report_id}.{state}.json"


def split_name(name: str) -> tuple[str, str] | None:
    """(report id, state) of a report file's name; ``None`` for any other name."""
    stem, dot, extension = name.rpartition(".")
    report_id, dot2, state = stem.rpartition(".")
    if dot and dot2 and extension == "json" and state in STATES and safe_id(report_id):
        return report_id, state
    return None


def safe_id(report_id: str) -> bool:
    """Whether ``report_id`` can name a file (hex digits and dashes, as UUIDs are)."""
    return 0 < len(report_id) <= 64 and set(report_id) <= _ID_CHARS


def encode(
    payload: Payload,
    destination: Destination,
    created: float,
    attempts: int = 0,
    last_error: str | None = None,
    not_before: float | None = None,
) -> bytes:
    """The record of a report, as the bytes of its file."""
    record: dict[str, Any] = {
        "format": FORMAT,
        "report_id": payload.report_id,
        "created": created,
        "destination": attrs.asdict(destination),
        "attempts": attempts,
        "last_error": last_error,
        "not_before": not_before,
        "body": payload.body.decode("utf-8"),
    }
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


def after_failure(failure: Delivery, attempts: int, now: float) -> tuple[int, str, float | None]:
    """(attempts, last error, not before) once ``failure`` is added to ``attempts`` tries."""
    wait = failure.retry_after
    return attempts + failure.attempts, failure.detail, (now + wait if wait else None)


def read_fd(fd: int) -> bytes:
    """All of an open file (raises ``Corrupt`` if it is too large to be a report)."""
    if os.fstat(fd).st_size > READ_LIMIT:
        raise Corrupt(f"larger than {READ_LIMIT // 1_048_576} MB")
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def decode(path: Path, raw: bytes) -> Entry:
    """The entry a report file holds; raises ``Corrupt`` or ``Newer``."""
    parsed = split_name(path.name)
    if parsed is None:
        raise Corrupt("not a report file name")
    report_id, state = parsed
    try:
        record = json.loads(raw)
        if not isinstance(record, dict):
            raise TypeError("not a JSON object")
        if isinstance(record.get("format"), int) and record["format"] > FORMAT:
            raise Newer(path.name)
        if record["report_id"] != report_id:
            raise ValueError("its report id is not its name")
        target = record["destination"]
        destination = Destination(
            endpoint=_optional_text(target.get("endpoint")),
            dsn=_optional_text(target.get("dsn")),
            product=str(target.get("product", "python-app")),
            version=str(target.get("version", "0")),
        )
        body = record["body"].encode("utf-8")
        data = json.loads(body)
        if not isinstance(data, dict) or str(data.get("id")) != report_id:
            raise ValueError("its body is not the report it is named for")
        last_error, not_before = record.get("last_error"), record.get("not_before")
        return Entry(
            path=path,
            state=state,
            created=float(record["created"]),
            destination=destination,
            payload=Payload(report_id, body),
            attempts=int(record.get("attempts") or 0),
            last_error=None if last_error is None else str(last_error),
            not_before=None if not_before is None else float(not_before),
        )
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeError) as exc:
        raise Corrupt(f"{type(exc).__name__}: {exc}") from None


def _optional_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"expected a string, not {type(value).__name__}")
