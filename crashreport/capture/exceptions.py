"""A live exception becomes an ``ExceptionInfo`` tree, the way Python prints it.

The chain follows ``traceback.TracebackException``: an explicit ``__cause__``
wins, else ``__context__`` unless ``__suppress_context__``; exception groups
keep their members, nested. One budget of exceptions covers the whole tree
(chains, groups, groups of chains); what it cuts is counted in
``omitted_exceptions``. Cycles (an exception that is its own context) end
the chain, as in Python.
"""

from __future__ import annotations

from crashreport.capture.frames import frames_of
from crashreport.capture.values import UserCode, safe_repr
from crashreport.report import ExceptionInfo, SyntaxDetails

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType
    from typing import Any

__all__ = ["Describer"]

_CHAIN_WALK = 10_000  # how far we count a chain that the budget cut


class Describer:
    """Describes exceptions with shared bounds, path style and user-code budget."""

    def __init__(
        self,
        *,
        exceptions: int,
        frames: int,
        text: int,
        path: Callable[[str], str],
        code: UserCode,
        local_values: Callable[[TracebackType], tuple[tuple[str, str], ...]] | None,
    ) -> None:
        self.budget = exceptions
        self.frame_limit = frames
        self.text = text
        self.path = path
        self.code = code
        self.local_values = local_values
        self.seen: set[int] = set()

    def describe(self, exc: BaseException) -> ExceptionInfo:
        """The tree of ``exc``; call once per ``Describer``."""
        self.seen.add(id(exc))
        self.budget -= 1
        frames, omitted_frames = frames_of(
            exc.__traceback__,
            limit=self.frame_limit,
            text_limit=self.text,
            path=self.path,
            local_values=self.local_values,
        )
        omitted = 0
        linked, link = _linked(exc)
        cause = None
        if linked is not None and id(linked) not in self.seen:
            if self.budget > 0:
                cause = self.describe(linked)
            else:
                omitted += _chain_length(linked, self.seen)
        if cause is None:
            link = None

        members: list[ExceptionInfo] = []
        for member in _members(exc):
            if id(member) in self.seen:
                continue
            if self.budget <= 0:
                omitted += 1
                continue
            members.append(self.describe(member))

        return ExceptionInfo(
            type=type_name(type(exc)),
            message=self._message(exc),
            frames=frames,
            notes=self._notes(exc),
            cause=cause,
            link=link,
            exceptions=tuple(members),
            omitted_frames=omitted_frames,
            omitted_exceptions=omitted,
            syntax=self._syntax(exc),
        )

    def _text(self, func: Callable[[Any], Any], value: Any, fallback: str) -> str:
        return _clip(self.code.call(func, value, fallback), self.text)

    def _message(self, exc: BaseException) -> str:
        if isinstance(exc, SyntaxError) and isinstance(exc.msg, str):
            return _clip(exc.msg, self.text)  # the rest is in ``syntax``, as Python shows it
        return self._text(str, exc, "<exception str() failed>")

    def _notes(self, exc: BaseException) -> tuple[str, ...]:
        try:
            notes = getattr(exc, "__notes__", None)
        except Exception:  # a hostile property
            return ("<__notes__ could not be read>",)
        if notes is None:
            return ()
        if not isinstance(notes, list | tuple):
            return (f"<__notes__ is not a sequence: {safe_repr(notes, 200, self.code)}>",)
        return tuple(self._text(str, note, "<note str() failed>") for note in notes[:100])

    def _syntax(self, exc: BaseException) -> SyntaxDetails | None:
        if not isinstance(exc, SyntaxError):
            return None
        filename = exc.filename if isinstance(exc.filename, str) else ""
        line = exc.lineno if type(exc.lineno) is int else None
        end_line = exc.end_lineno if type(exc.end_lineno) is int else None
        raw = exc.text if isinstance(exc.text, str) else ""
        raw = raw.rstrip("\r\n")
        indent = len(raw) - len(raw.lstrip())
        column = end_column = None
        if type(exc.offset) is int and exc.offset > 0:
            column = max(exc.offset - 1 - indent, 0)
        if type(exc.end_offset) is int and exc.end_offset > 0 and end_line in (None, line):
            end_column = max(exc.end_offset - 1 - indent, 0)
        return SyntaxDetails(
            file=self.path(filename) if filename else "",
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            text=_clip(raw.strip(), self.text),
        )


def _linked(exc: BaseException) -> tuple[BaseException | None, str | None]:
    if exc.__cause__ is not None:
        return exc.__cause__, "cause"
    if exc.__context__ is not None and not exc.__suppress_context__:
        return exc.__context__, "context"
    return None, None


def _members(exc: BaseException) -> tuple[BaseException, ...]:
    if not isinstance(exc, BaseExceptionGroup):
        return ()
    members = exc.exceptions  # a tuple the constructor checked: only exceptions
    return members if isinstance(members, tuple) else ()


def _chain_length(exc: BaseException, seen: set[int]) -> int:
    count = 0
    visited: set[int] = set()
    current: BaseException | None = exc
    while current is not None and count < _CHAIN_WALK:
        if id(current) in seen or id(current) in visited:
            break
        visited.add(id(current))
        count += 1
        current = _linked(current)[0]
    return count


def type_name(cls: type) -> str:
    """``ValueError``, ``psycopg.OperationalError``: module-qualified, builtins and
    ``__main__`` bare."""
    try:
        module: object = cls.__module__
        qualname: object = cls.__qualname__
    except Exception:
        return "<unknown type>"
    if not isinstance(qualname, str):
        qualname = "<unknown type>"
    if module in (None, "builtins", "__main__") or not isinstance(module, str):
        return str(qualname)
    return f"{module}.{qualname}"


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} characters cut]"
