"""capture: a live exception becomes a ``Report``, once, with bounds on everything.

After this stage nothing looks at the live exception again: messages,
``repr``s of locals and source lines are read here, each guarded, so a hostile
``__str__`` or ``__repr__`` yields a placeholder instead of a second crash.
"""

from __future__ import annotations

import datetime
import linecache
import platform
import sys
import uuid
from types import TracebackType

from crashreport.report import Environment, ExceptionInfo, Frame, Report

__all__ = ["Limits", "capture", "environment", "exception_info", "text_report"]


class Limits:
    """Bounds that keep any report small, whatever the exception looks like."""

    frames = 100  # per stack; the innermost and outermost are kept
    exceptions = 50  # per chain and per group, together
    text = 8_000  # characters per message, note, source line
    local_value = 500  # characters per local variable's repr
    locals_per_frame = 50


def capture(
    exc: BaseException,
    *,
    product: str,
    version: str,
    mechanism: str,
    capture_locals: bool = False,
) -> Report:
    """Build the report of ``exc``. Never raises for anything the exception does."""
    return Report(
        id=str(uuid.uuid4()),
        time=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        product=product,
        version=version,
        mechanism=mechanism,
        environment=environment(),
        exception=exception_info(exc, capture_locals=capture_locals),
    )


def text_report(text: str, *, product: str, version: str) -> Report:
    """A report whose exception is a pasted traceback or log (``crashreport preview``)."""
    return Report(
        id=str(uuid.uuid4()),
        time=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        product=product,
        version=version,
        mechanism="preview",
        environment=environment(),
        exception=ExceptionInfo(type="text", message=_clip(text.rstrip("\n"), 200_000)),
    )


def environment() -> Environment:
    """The platform facts a report carries; nothing that names a machine or person."""
    return Environment(
        os=platform.system() or sys.platform,
        arch=platform.machine() or "unknown",
        python_implementation=platform.python_implementation(),
        python_version=platform.python_version(),
    )


def exception_info(exc: BaseException, *, capture_locals: bool = False) -> ExceptionInfo:
    """The exception as data, with its chain and group members, as Python prints it."""
    budget = [Limits.exceptions]
    return _describe(exc, capture_locals, seen=set(), budget=budget)


def _describe(
    exc: BaseException, capture_locals: bool, seen: set[int], budget: list[int]
) -> ExceptionInfo:
    seen.add(id(exc))
    budget[0] -= 1
    frames, omitted = _frames(exc.__traceback__, capture_locals)

    cause, link = _linked(exc)
    cause_info = None
    if cause is not None and id(cause) not in seen and budget[0] > 0:
        cause_info = _describe(cause, capture_locals, seen, budget)
    else:
        link = None

    members: list[ExceptionInfo] = []
    omitted_members = 0
    for member in getattr(exc, "exceptions", ()) if isinstance(exc, BaseExceptionGroup) else ():
        if id(member) in seen or budget[0] <= 0:
            omitted_members += 1
            continue
        members.append(_describe(member, capture_locals, seen, budget))

    return ExceptionInfo(
        type=_type_name(type(exc)),
        message=_clip(_safe(str, exc, "<exception str() failed>"), Limits.text),
        frames=frames,
        notes=_notes(exc),
        cause=cause_info,
        link=link,
        exceptions=tuple(members),
        omitted_frames=omitted,
        omitted_exceptions=omitted_members,
    )


def _linked(exc: BaseException) -> tuple[BaseException | None, str | None]:
    # The same rule as traceback.TracebackException: an explicit cause wins,
    # the implicit context is shown unless suppressed by ``raise ... from None``.
    if exc.__cause__ is not None:
        return exc.__cause__, "cause"
    if exc.__context__ is not None and not exc.__suppress_context__:
        return exc.__context__, "context"
    return None, None


def _type_name(cls: type) -> str:
    module = getattr(cls, "__module__", None)
    qualname = getattr(cls, "__qualname__", None) or getattr(cls, "__name__", "?")
    if module in (None, "builtins", "__main__"):
        return str(qualname)
    return f"{module}.{qualname}"


def _notes(exc: BaseException) -> tuple[str, ...]:
    notes = getattr(exc, "__notes__", None)
    if not isinstance(notes, list | tuple):
        return ()
    return tuple(_clip(_safe(str, note, "<note str() failed>"), Limits.text) for note in notes)


def _frames(tb: TracebackType | None, capture_locals: bool) -> tuple[tuple[Frame, ...], int]:
    entries = []
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    omitted = 0
    if len(entries) > Limits.frames:
        # keep both ends: where the program started, and where it failed
        half = Limits.frames // 2
        omitted = len(entries) - Limits.frames
        entries = entries[:half] + entries[-half:]
    return tuple(_frame(entry, capture_locals) for entry in entries), omitted


def _frame(tb: TracebackType, capture_locals: bool) -> Frame:
    code = tb.tb_frame.f_code
    line = tb.tb_lineno
    source = linecache.getline(code.co_filename, line).strip() if line else ""
    local_values: tuple[tuple[str, str], ...] = ()
    if capture_locals:
        items = list(tb.tb_frame.f_locals.items())[: Limits.locals_per_frame]
        local_values = tuple(
            (str(name), _clip(_safe(repr, value, "<repr() failed>"), Limits.local_value))
            for name, value in items
        )
    return Frame(
        file=code.co_filename,
        line=line,
        function=getattr(code, "co_qualname", code.co_name),
        source=_clip(source, Limits.text),
        locals=local_values,
    )


def _safe(func: type[str] | object, value: object, fallback: str) -> str:
    try:
        text = func(value)  # type: ignore[operator]
    except Exception:
        return fallback
    return text if isinstance(text, str) else fallback


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} characters cut]"
