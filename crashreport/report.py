"""The report model: what a crash was, as plain frozen data.

A ``Report`` is built once by ``capture`` and never touches the live exception
again. Its one JSON form is versioned by ``SCHEMA``; ``to_dict`` and
``from_dict`` are exact inverses, so a report read back from the outbox is the
report that was shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = ["SCHEMA", "Environment", "ExceptionInfo", "Frame", "Report", "map_strings"]

SCHEMA = "crashreport.report/1"


@attrs.frozen
class Frame:
    """One line of a traceback."""

    file: str
    line: int | None
    function: str
    source: str = ""
    locals: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class ExceptionInfo:
    """One exception, its stack, and the exceptions linked to it.

    ``cause`` is the exception Python prints above this one, and ``link`` says
    how it is linked: ``"cause"`` (``raise ... from``) or ``"context"``
    (raised while handling). ``exceptions`` holds an exception group's members.
    """

    type: str
    message: str
    frames: tuple[Frame, ...] = ()
    notes: tuple[str, ...] = ()
    cause: ExceptionInfo | None = None
    link: str | None = None
    exceptions: tuple[ExceptionInfo, ...] = ()
    omitted_frames: int = 0
    omitted_exceptions: int = 0


@attrs.frozen
class Environment:
    """Where it ran: never the host name, the user, paths, or variables."""

    os: str
    arch: str
    python_implementation: str
    python_version: str


@attrs.frozen
class Report:
    """A crash, as data. ``mechanism`` says which hook caught it."""

    id: str
    time: str
    product: str
    version: str
    mechanism: str
    environment: Environment
    exception: ExceptionInfo
    comment: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON form (the ``schema`` field comes first)."""
        return {"schema": SCHEMA, **_dump(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """Read the JSON form back; raises ``ValueError`` on any other shape."""
        if data.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} report: schema={data.get('schema')!r}")
        try:
            return Report(
                id=str(data["id"]),
                time=str(data["time"]),
                product=str(data["product"]),
                version=str(data["version"]),
                mechanism=str(data["mechanism"]),
                environment=Environment(**data["environment"]),
                exception=_load_exception(data["exception"]),
                comment=str(data.get("comment", "")),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed report: {exc}") from exc


def _dump(value: Any) -> Any:
    if attrs.has(type(value)):
        out = {}
        for field in attrs.fields(type(value)):
            item = getattr(value, field.name)
            if field.name == "locals":
                out["locals"] = dict(item)
            elif item is not None or field.name not in ("cause", "link"):
                out[field.name] = _dump(item)
        return out
    if isinstance(value, tuple):
        return [_dump(v) for v in value]
    return value


def _load_exception(data: Mapping[str, Any]) -> ExceptionInfo:
    frames = tuple(
        Frame(
            file=str(f["file"]),
            line=f.get("line"),
            function=str(f["function"]),
            source=str(f.get("source", "")),
            locals=tuple((str(k), str(v)) for k, v in f.get("locals", {}).items()),
        )
        for f in data.get("frames", ())
    )
    cause = data.get("cause")
    return ExceptionInfo(
        type=str(data["type"]),
        message=str(data["message"]),
        frames=frames,
        notes=tuple(str(n) for n in data.get("notes", ())),
        cause=_load_exception(cause) if cause is not None else None,
        link=data.get("link"),
        exceptions=tuple(_load_exception(e) for e in data.get("exceptions", ())),
        omitted_frames=int(data.get("omitted_frames", 0)),
        omitted_exceptions=int(data.get("omitted_exceptions", 0)),
    )


# The fields that are ours (identifiers, enumerations, numbers): never redacted.
_NOT_TEXT = frozenset({"id", "time", "mechanism", "link", "line"})


def map_strings(value: Any, transform: Callable[[str], str]) -> Any:
    """A copy of a model value with ``transform`` applied to every free-text string.

    This is how redaction reaches every string of a report -- messages, notes,
    paths, source lines, locals (names and values), comment, product -- without
    a list of fields that a later change could forget to extend.
    """
    if attrs.has(type(value)):
        changes = {
            f.name: map_strings(getattr(value, f.name), transform)
            for f in attrs.fields(type(value))
            if f.name not in _NOT_TEXT
        }
        return attrs.evolve(value, **changes)
    if isinstance(value, str):
        return transform(value)
    if isinstance(value, tuple):
        return tuple(map_strings(v, transform) for v in value)
    return value


def strings(value: Any) -> list[str]:
    """Every free-text string of a model value, in a stable order."""
    found: list[str] = []

    def collect(text: str) -> str:
        found.append(text)
        return text

    map_strings(value, collect)
    return found
