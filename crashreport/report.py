"""The report model: what a crash was, as plain frozen data.

A ``Report`` is built once by ``capture`` and never touches the live exception
again. Its one JSON form is versioned by ``SCHEMA``; ``to_dict`` and
``from_dict`` are exact inverses, so a report read back from the outbox is the
report that was shown.

Compatibility: fields added since the first release of ``crashreport.report/1``
are optional -- written only when they hold something, read with a default --
so every earlier report still reads, and the schema name stays the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = [
    "SCHEMA",
    "Environment",
    "ExceptionInfo",
    "Frame",
    "Report",
    "SyntaxDetails",
    "map_strings",
    "strings",
]

SCHEMA = "crashreport.report/1"


@attrs.frozen
class Frame:
    """One line of a traceback.

    ``file`` is relative and free of identity (``httpx/_client.py``,
    ``src/app/db.py``, ``~/scripts/x.py``). ``column`` and ``end_column`` are
    0-based character offsets into ``source`` (which is stripped of its
    indentation), ``end_line`` the last line of the failing expression -- each
    ``None`` where Python does not know them. ``repeated`` says that the
    ``repeated_span`` frames ending with this one were repeated that many more
    times in a row (recursion), and were collapsed.
    """

    file: str
    line: int | None
    function: str
    source: str = ""
    locals: tuple[tuple[str, str], ...] = ()
    end_line: int | None = None
    column: int | None = None
    end_column: int | None = None
    repeated: int = 0
    repeated_span: int = 1


@attrs.frozen
class SyntaxDetails:
    """Where a ``SyntaxError`` is: the file, the line and its text, and the columns
    (0-based, into ``text``) of the offending part."""

    file: str
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    text: str = ""


@attrs.frozen
class ExceptionInfo:
    """One exception, its stack, and the exceptions linked to it.

    ``cause`` is the exception Python prints above this one, and ``link`` says
    how it is linked: ``"cause"`` (``raise ... from``) or ``"context"``
    (raised while handling). ``exceptions`` holds an exception group's members.
    ``omitted_frames`` and ``omitted_exceptions`` count what the bounds cut
    (frames from the middle of the stack; group members, and the rest of a
    chain, beyond the budget of exceptions per report).
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
    syntax: SyntaxDetails | None = None


@attrs.frozen
class Environment:
    """Where it ran: never the host name, the user, paths, or variables --
    except ``argv`` and ``variables``, which only a host app that opts in
    fills (and which are redacted like everything else)."""

    os: str
    arch: str
    python_implementation: str
    python_version: str
    packages: tuple[tuple[str, str], ...] = ()
    argv: tuple[str, ...] = ()
    variables: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class Report:
    """A crash, as data. ``mechanism`` says which hook caught it; ``truncated``
    says what was cut to keep the report within its size bound."""

    id: str
    time: str
    product: str
    version: str
    mechanism: str
    environment: Environment
    exception: ExceptionInfo
    comment: str = ""
    truncated: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON form (the ``schema`` field comes first)."""
        return {"schema": SCHEMA, **_dump(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """Read the JSON form back; raises ``ValueError`` on any other shape."""
        if not isinstance(data, Mapping) or data.get("schema") != SCHEMA:
            schema = data.get("schema") if isinstance(data, Mapping) else None
            raise ValueError(f"not a {SCHEMA} report: schema={schema!r}")
        try:
            env = data["environment"]
            return Report(
                id=str(data["id"]),
                time=str(data["time"]),
                product=str(data["product"]),
                version=str(data["version"]),
                mechanism=str(data["mechanism"]),
                environment=Environment(
                    os=str(env["os"]),
                    arch=str(env["arch"]),
                    python_implementation=str(env["python_implementation"]),
                    python_version=str(env["python_version"]),
                    packages=_pairs(env.get("packages", {})),
                    argv=tuple(str(a) for a in env.get("argv", ())),
                    variables=_pairs(env.get("variables", {})),
                ),
                exception=_load_exception(data["exception"]),
                comment=str(data.get("comment", "")),
                truncated=tuple(str(t) for t in data.get("truncated", ())),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"malformed report: {exc!r}") from exc


# Written only when they hold something (see the module docstring), with the
# value that means "nothing" for each.
_OPTIONAL: dict[str, object] = {
    "cause": None,
    "link": None,
    "syntax": None,
    "end_line": None,
    "column": None,
    "end_column": None,
    "repeated": 0,
    "repeated_span": 1,
    "packages": (),
    "argv": (),
    "variables": (),
    "truncated": (),
}
# Pairs written as JSON objects (names are unique in each).
_MAPPINGS = frozenset({"locals", "packages", "variables"})


def _dump(value: Any) -> Any:
    if attrs.has(type(value)):
        out = {}
        for field in attrs.fields(type(value)):
            item = getattr(value, field.name)
            if field.name in _OPTIONAL and item == _OPTIONAL[field.name]:
                continue
            out[field.name] = dict(item) if field.name in _MAPPINGS else _dump(item)
        return out
    if isinstance(value, tuple):
        return [_dump(v) for v in value]
    return value


def _pairs(data: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in data.items())


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _load_frame(f: Mapping[str, Any]) -> Frame:
    return Frame(
        file=str(f["file"]),
        line=_int(f.get("line")),
        function=str(f["function"]),
        source=str(f.get("source", "")),
        locals=_pairs(f.get("locals", {})),
        end_line=_int(f.get("end_line")),
        column=_int(f.get("column")),
        end_column=_int(f.get("end_column")),
        repeated=int(f.get("repeated", 0)),
        repeated_span=int(f.get("repeated_span", 1)),
    )


def _load_syntax(s: Mapping[str, Any] | None) -> SyntaxDetails | None:
    if s is None:
        return None
    return SyntaxDetails(
        file=str(s["file"]),
        line=_int(s.get("line")),
        column=_int(s.get("column")),
        end_line=_int(s.get("end_line")),
        end_column=_int(s.get("end_column")),
        text=str(s.get("text", "")),
    )


def _load_exception(data: Mapping[str, Any]) -> ExceptionInfo:
    cause = data.get("cause")
    link = data.get("link")
    return ExceptionInfo(
        type=str(data["type"]),
        message=str(data["message"]),
        frames=tuple(_load_frame(f) for f in data.get("frames", ())),
        notes=tuple(str(n) for n in data.get("notes", ())),
        cause=_load_exception(cause) if cause is not None else None,
        link=None if link is None else str(link),
        exceptions=tuple(_load_exception(e) for e in data.get("exceptions", ())),
        omitted_frames=int(data.get("omitted_frames", 0)),
        omitted_exceptions=int(data.get("omitted_exceptions", 0)),
        syntax=_load_syntax(data.get("syntax")),
    )


# The fields that are ours (identifiers, enumerations, numbers): never redacted.
_NOT_TEXT = frozenset({"id", "time", "mechanism", "link", "line"})


def map_strings(value: Any, transform: Callable[[str], str]) -> Any:
    """A copy of a model value with ``transform`` applied to every free-text string.

    This is how redaction reaches every string of a report -- messages, notes,
    paths, source lines, locals (names and values), syntax error text, the
    opted-in command line, variables and package versions, comment, product --
    without a list of fields that a later change could forget to extend.
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
