"""The report model: what a crash was, as plain frozen data.

A ``Report`` is built once by ``capture`` and never touches the live exception
again. Its one JSON form is versioned by ``SCHEMA``; ``to_dict`` and
``from_dict`` are exact inverses, so a report read back from the outbox is the
report that was shown.

Compatibility: fields added since the first release of ``crashreport.report/1``
are optional -- written only when they hold something, read with a default --
so every earlier report still reads, and the schema name stays the same.

The classes are plain frozen ``__slots__`` classes (``crashreport._frozen``),
not attrs classes: they are built in the process that just crashed, on the
way to the consent prompt, where attrs' import alone would take longer than
the whole budget. ``replace(**changes)`` is their ``attrs.evolve``.
"""

from __future__ import annotations

from crashreport._frozen import Frozen

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

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

_set = object.__setattr__  # how a frozen instance sets its fields, once, in __init__


class Frame(Frozen):
    """One line of a traceback.

    ``file`` is relative and free of identity (``httpx/_client.py``,
    ``src/app/db.py``, ``~/scripts/x.py``). ``column`` and ``end_column`` are
    0-based character offsets into ``source`` (which is stripped of its
    indentation), ``end_line`` the last line of the failing expression -- each
    ``None`` where Python does not know them. ``repeated`` says that the
    ``repeated_span`` frames ending with this one were repeated that many more
    times in a row (recursion), and were collapsed.
    """

    __slots__ = (  # noqa: RUF023 - in constructor order, which is the JSON order too
        "file",
        "line",
        "function",
        "source",
        "locals",
        "end_line",
        "column",
        "end_column",
        "repeated",
        "repeated_span",
    )
    file: str
    line: int | None
    function: str
    source: str
    locals: tuple[tuple[str, str], ...]
    end_line: int | None
    column: int | None
    end_column: int | None
    repeated: int
    repeated_span: int

    def __init__(
        self,
        file: str,
        line: int | None,
        function: str,
        source: str = "",
        locals: tuple[tuple[str, str], ...] = (),
        end_line: int | None = None,
        column: int | None = None,
        end_column: int | None = None,
        repeated: int = 0,
        repeated_span: int = 1,
    ) -> None:
        _set(self, "file", file)
        _set(self, "line", line)
        _set(self, "function", function)
        _set(self, "source", source)
        _set(self, "locals", locals)
        _set(self, "end_line", end_line)
        _set(self, "column", column)
        _set(self, "end_column", end_column)
        _set(self, "repeated", repeated)
        _set(self, "repeated_span", repeated_span)


class SyntaxDetails(Frozen):
    """Where a ``SyntaxError`` is: the file, the line and its text, and the columns
    (0-based, into ``text``) of the offending part."""

    __slots__ = (  # noqa: RUF023 - in constructor order, which is the JSON order too
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "text",
    )
    file: str
    line: int | None
    column: int | None
    end_line: int | None
    end_column: int | None
    text: str

    def __init__(
        self,
        file: str,
        line: int | None = None,
        column: int | None = None,
        end_line: int | None = None,
        end_column: int | None = None,
        text: str = "",
    ) -> None:
        _set(self, "file", file)
        _set(self, "line", line)
        _set(self, "column", column)
        _set(self, "end_line", end_line)
        _set(self, "end_column", end_column)
        _set(self, "text", text)


class ExceptionInfo(Frozen):
    """One exception, its stack, and the exceptions linked to it.

    ``cause`` is the exception Python prints above this one, and ``link`` says
    how it is linked: ``"cause"`` (``raise ... from``) or ``"context"``
    (raised while handling). ``exceptions`` holds an exception group's members.
    ``omitted_frames`` and ``omitted_exceptions`` count what the bounds cut
    (frames from the middle of the stack; group members, and the rest of a
    chain, beyond the budget of exceptions per report).
    """

    __slots__ = (  # noqa: RUF023 - in constructor order, which is the JSON order too
        "type",
        "message",
        "frames",
        "notes",
        "cause",
        "link",
        "exceptions",
        "omitted_frames",
        "omitted_exceptions",
        "syntax",
    )
    type: str
    message: str
    frames: tuple[Frame, ...]
    notes: tuple[str, ...]
    cause: ExceptionInfo | None
    link: str | None
    exceptions: tuple[ExceptionInfo, ...]
    omitted_frames: int
    omitted_exceptions: int
    syntax: SyntaxDetails | None

    def __init__(
        self,
        type: str,
        message: str,
        frames: tuple[Frame, ...] = (),
        notes: tuple[str, ...] = (),
        cause: ExceptionInfo | None = None,
        link: str | None = None,
        exceptions: tuple[ExceptionInfo, ...] = (),
        omitted_frames: int = 0,
        omitted_exceptions: int = 0,
        syntax: SyntaxDetails | None = None,
    ) -> None:
        _set(self, "type", type)
        _set(self, "message", message)
        _set(self, "frames", frames)
        _set(self, "notes", notes)
        _set(self, "cause", cause)
        _set(self, "link", link)
        _set(self, "exceptions", exceptions)
        _set(self, "omitted_frames", omitted_frames)
        _set(self, "omitted_exceptions", omitted_exceptions)
        _set(self, "syntax", syntax)


class Environment(Frozen):
    """Where it ran: never the host name, the user, paths, or variables --
    except ``argv`` and ``variables``, which only a host app that opts in
    fills (and which are redacted like everything else)."""

    __slots__ = (  # noqa: RUF023 - in constructor order, which is the JSON order too
        "os",
        "arch",
        "python_implementation",
        "python_version",
        "packages",
        "argv",
        "variables",
    )
    os: str
    arch: str
    python_implementation: str
    python_version: str
    packages: tuple[tuple[str, str], ...]
    argv: tuple[str, ...]
    variables: tuple[tuple[str, str], ...]

    def __init__(
        self,
        os: str,
        arch: str,
        python_implementation: str,
        python_version: str,
        packages: tuple[tuple[str, str], ...] = (),
        argv: tuple[str, ...] = (),
        variables: tuple[tuple[str, str], ...] = (),
    ) -> None:
        _set(self, "os", os)
        _set(self, "arch", arch)
        _set(self, "python_implementation", python_implementation)
        _set(self, "python_version", python_version)
        _set(self, "packages", packages)
        _set(self, "argv", argv)
        _set(self, "variables", variables)


class Report(Frozen):
    """A crash, as data. ``mechanism`` says which hook caught it; ``truncated``
    says what was cut to keep the report within its size bound."""

    __slots__ = (  # noqa: RUF023 - in constructor order, which is the JSON order too
        "id",
        "time",
        "product",
        "version",
        "mechanism",
        "environment",
        "exception",
        "comment",
        "truncated",
    )
    id: str
    time: str
    product: str
    version: str
    mechanism: str
    environment: Environment
    exception: ExceptionInfo
    comment: str
    truncated: tuple[str, ...]

    def __init__(
        self,
        id: str,
        time: str,
        product: str,
        version: str,
        mechanism: str,
        environment: Environment,
        exception: ExceptionInfo,
        comment: str = "",
        truncated: tuple[str, ...] = (),
    ) -> None:
        _set(self, "id", id)
        _set(self, "time", time)
        _set(self, "product", product)
        _set(self, "version", version)
        _set(self, "mechanism", mechanism)
        _set(self, "environment", environment)
        _set(self, "exception", exception)
        _set(self, "comment", comment)
        _set(self, "truncated", truncated)

    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON form (the ``schema`` field comes first)."""
        return {"schema": SCHEMA, **_dump(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """Read the JSON form back; raises ``ValueError`` on any other shape."""
        from collections.abc import Mapping  # reading back is not on the crash path

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
    if isinstance(value, Frozen):
        out = {}
        for name in value._fields:
            item = getattr(value, name)
            if name in _OPTIONAL and item == _OPTIONAL[name]:
                continue
            if name in _MAPPINGS:
                out[name] = dict(item)
            elif type(item) in _LEAVES:
                out[name] = item  # most fields: no call for them (bounds measures often)
            else:
                out[name] = _dump(item)
        return out
    if isinstance(value, tuple):
        return [v if type(v) in _LEAVES else _dump(v) for v in value]
    return value


_LEAVES = frozenset({str, int, type(None)})


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
    if isinstance(value, str):
        return transform(value)
    if isinstance(value, tuple):
        return tuple([map_strings(v, transform) for v in value])
    if isinstance(value, Frozen):
        # through the constructor, positionally: the fields are its parameters
        return type(value)(
            *[
                getattr(value, name)
                if name in _NOT_TEXT
                else map_strings(getattr(value, name), transform)
                for name in value._fields
            ]
        )
    return value


def strings(value: Any) -> list[str]:
    """Every free-text string of a model value, in ``map_strings``' order."""
    found: list[str] = []
    _collect(value, found)
    return found


def _collect(value: Any, found: list[str]) -> None:
    # ``map_strings``' walk, collecting only: no value is built again (redaction
    # lists a report's strings before it maps them)
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, tuple):
        for item in value:
            if type(item) is str:
                found.append(item)
            else:
                _collect(item, found)
    elif isinstance(value, Frozen):
        for name in value._fields:
            if name not in _NOT_TEXT:
                _collect(getattr(value, name), found)
