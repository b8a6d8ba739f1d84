"""event: the shown payload, reshaped as a Sentry event.

What you see is what is sent: the event is a pure function of the payload's
JSON (``Payload.data()``) and its digest -- every value in it comes from
there, or is a constant naming this library (``platform``, ``sdk``,
``environment``). Nothing is read from the live process: no host name
(Sentry's SDK adds ``server_name``; we never do), no paths, no variables.

Sentry's shapes: ``exception.values`` lists the exceptions oldest first, the
one raised last at the end; each has ``stacktrace.frames``, also oldest first
(the order Python prints). Chains and exception groups are linked by
``mechanism.exception_id`` / ``parent_id``, as sentry-python links them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from crashreport import __version__

__all__ = ["ENVIRONMENT", "SDK", "event", "event_id"]

SDK = {"name": "crashreport", "version": __version__}
ENVIRONMENT = "production"  # Sentry's own default environment name
HANDLED = frozenset({"report_exception"})  # the host caught it and chose to report it
_RELEASE_FORBIDDEN = str.maketrans(dict.fromkeys("/\\\n\r\t", "-"))


def event_id(report_id: str) -> str:
    """The 32-hex Sentry event id of a report: its UUID without dashes.

    A report id that is not a UUID maps to a fixed UUID derived from it, so a
    retried delivery still carries the same id (and is stored once).
    """
    try:
        return uuid.UUID(report_id).hex
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"crashreport:{report_id}").hex


def event(data: Mapping[str, Any], *, digest: str) -> dict[str, Any]:
    """The Sentry event of a report's JSON form; ``digest`` is the payload's SHA-256.

    Nothing shown is left out: what has a Sentry field goes there, the rest
    (the report's own fields, opted-in command line and variables, what the
    bounds cut, column ranges) under ``extra.crashreport`` and each
    exception's ``mechanism.data``. Raises ``KeyError``/``TypeError``/
    ``ValueError`` for data that is not a report (the transport refuses it).
    """
    mechanism = str(data["mechanism"])
    handled = mechanism in HANDLED
    product, version = str(data["product"]), str(data["version"])
    environment = dict(data.get("environment") or {})
    extra: dict[str, Any] = {"report_id": str(data["id"]), "digest": f"sha256:{digest}"}
    for key, value in data.items():
        if key not in _MAPPED:
            extra[key] = value
    out: dict[str, Any] = {
        "event_id": event_id(str(data["id"])),
        "timestamp": str(data["time"]),
        "platform": "python",
        "level": "error" if handled else "fatal",
        "logger": "crashreport",
        "release": f"{product}@{version}".translate(_RELEASE_FORBIDDEN)[:200],
        "environment": ENVIRONMENT,
        "exception": {"values": _values(data["exception"], mechanism, handled)},
        "tags": {
            "crashreport.mechanism": mechanism[:200],
            "crashreport.digest": f"sha256:{digest}",
        },
        "contexts": {
            "os": {"name": str(environment.pop("os", ""))},
            "runtime": {
                "name": str(environment.pop("python_implementation", "")),
                "version": str(environment.pop("python_version", "")),
            },
            "device": {"arch": str(environment.pop("arch", ""))},
        },
        "extra": {"crashreport": extra},
        "sdk": dict(SDK),
    }
    packages = environment.pop("packages", None) or ()
    if packages:
        out["modules"] = {str(name): str(ver) for name, ver in packages}
    if environment:  # opted-in command line and variables, and whatever comes later
        extra["environment"] = environment
    return out


# report fields that have a Sentry field of their own (the rest go to extra)
_MAPPED = frozenset({"id", "time", "mechanism", "environment", "exception"})
_VALUE_KEYS = frozenset({"type", "message", "notes", "frames", "cause", "link", "exceptions"})
_FRAME_KEYS = frozenset({"file", "line", "function", "source", "locals"})


def _values(root: Mapping[str, Any], mechanism: str, handled: bool) -> list[dict[str, Any]]:
    """Every exception of the tree, linked by id; Sentry's order (the raised one last)."""
    flat: list[dict[str, Any]] = []

    def walk(info: Mapping[str, Any], link: dict[str, Any]) -> None:
        own = len(flat)
        value, data = _value(info)
        value["mechanism"] = {**link, "exception_id": own}
        if data:  # what Sentry has no field for, kept where it keeps free data
            value["mechanism"]["data"] = data
        flat.append(value)
        members = list(info.get("exceptions") or ())
        if members:
            value["mechanism"]["is_exception_group"] = True
        for index, member in enumerate(members):
            walk(member, {"type": "chained", "source": f"exceptions[{index}]", "parent_id": own})
        cause = info.get("cause")
        if cause is not None:
            source = "__cause__" if info.get("link") == "cause" else "__context__"
            walk(cause, {"type": "chained", "source": source, "parent_id": own})

    walk(root, {"type": mechanism, "handled": handled})
    flat.reverse()  # sentry-python's order: causes first, the raised exception last
    return flat


def _value(info: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    message = str(info.get("message", ""))
    notes = [str(note) for note in info.get("notes") or ()]
    value: dict[str, Any] = {
        "type": str(info["type"]),
        "value": "\n".join([message, *notes]) if notes else message,
    }
    data: dict[str, Any] = {
        key: item
        for key, item in info.items()
        if key not in _VALUE_KEYS and item not in (None, 0, "", [], {})
    }
    frames = []
    frame_data: dict[str, Any] = {}
    for index, frame in enumerate(info.get("frames") or ()):
        shown, rest = _frame(frame)
        frames.append(shown)
        if rest:
            frame_data[str(index)] = rest
    if frames:
        value["stacktrace"] = {"frames": frames}
    if frame_data:  # column ranges, collapsed recursion: by frame index
        data["frames"] = frame_data
    return value, data


def _frame(frame: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    out: dict[str, Any] = {
        "filename": str(frame["file"]),
        "abs_path": str(frame["file"]),
        "function": str(frame["function"]),
    }
    line = frame.get("line")
    if isinstance(line, int) and not isinstance(line, bool):
        out["lineno"] = line
    if frame.get("source"):
        out["context_line"] = str(frame["source"])
    variables = frame.get("locals") or {}
    if variables:
        out["vars"] = {str(name): str(text) for name, text in dict(variables).items()}
    rest = {}
    for key, item in frame.items():
        if key in _FRAME_KEYS or item is None or item in ("", [], {}):
            continue
        if key == "end_line" and item == line:
            continue  # one line: nothing to say
        if key in ("repeated", "repeated_span") and not frame.get("repeated"):
            continue  # not collapsed recursion
        rest[key] = item
    return out, rest
