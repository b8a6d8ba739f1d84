"""A traceback becomes a bounded tuple of ``Frame``s.

Three steps, each linear in the number of frames: walk the traceback into
light entries (file, line, function); collapse repetition (the thousand
frames of a ``RecursionError``, also of mutual recursion ``a -> b -> a``) into
one copy marked ``repeated``; keep at most ``limit`` frames, from both ends
(where the program started and where it failed). Only the kept entries are
then read in full: source line, column range, local variables.
"""

from __future__ import annotations

import itertools
import linecache
import types

from crashreport.capture.values import UserCode, placeholder_for, safe_repr
from crashreport.report import Frame

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType
    from typing import Any

__all__ = ["Entry", "collapse", "frames_of"]

MAX_PERIOD = 8  # the longest cycle of mutual recursion that is collapsed
MIN_REPEATS = 3  # like Python's traceback: fewer repeats are shown as they are
_WALK_LIMIT = 1_000_000  # tracebacks longer than this are cut while walking


class Entry:
    """One traceback entry, cheap to compare; the live frame is kept for reading."""

    __slots__ = ("key", "repeated", "span", "tb")

    def __init__(self, tb: TracebackType) -> None:
        code = tb.tb_frame.f_code
        self.tb = tb
        self.key = (code.co_filename, tb.tb_lineno, code.co_name)
        self.repeated = 0
        self.span = 1


def _walk(tb: TracebackType | None) -> list[Entry]:
    entries: list[Entry] = []
    while tb is not None and len(entries) < _WALK_LIMIT:
        entries.append(Entry(tb))
        tb = tb.tb_next
    return entries


def collapse(entries: list[Entry]) -> list[Entry]:
    """Runs of a repeating block of up to ``MAX_PERIOD`` entries become one block,
    whose last entry counts the further repeats."""
    keys = [entry.key for entry in entries]
    out: list[Entry] = []
    i = 0
    while i < len(keys):
        best_period, best_times = 1, 1
        for period in range(1, MAX_PERIOD + 1):
            if i + 2 * period > len(keys):
                break
            if keys[i + period] != keys[i]:
                continue  # cheap test first: the next block does not even start alike
            times = 1
            while (
                i + (times + 1) * period <= len(keys)
                and keys[i + times * period : i + (times + 1) * period] == keys[i : i + period]
            ):
                times += 1
            if times >= MIN_REPEATS and times * period > best_times * best_period:
                best_period, best_times = period, times
        block = entries[i : i + best_period]
        if best_times > 1:
            block[-1].repeated = best_times - 1
            block[-1].span = best_period
        out.extend(block)
        i += best_period * best_times
    return out


def frames_of(
    tb: TracebackType | None,
    *,
    limit: int,
    text_limit: int,
    path: Callable[[str], str],
    local_values: Callable[[TracebackType], tuple[tuple[str, str], ...]] | None,
) -> tuple[tuple[Frame, ...], int]:
    """The frames of ``tb`` (outermost first) and how many were omitted."""
    entries = collapse(_walk(tb))
    omitted = 0
    if len(entries) > limit:
        head = (limit + 1) // 2
        omitted = len(entries) - limit
        entries = entries[:head] + entries[len(entries) - (limit - head) :]
    # innermost first, so that when the locals' size budget runs out it is the
    # outer frames (furthest from the failure) that go without
    frames = [_frame(entry, text_limit, path, local_values) for entry in reversed(entries)]
    return tuple(reversed(frames)), omitted


def _frame(
    entry: Entry,
    text_limit: int,
    path: Callable[[str], str],
    local_values: Callable[[TracebackType], tuple[tuple[str, str], ...]] | None,
) -> Frame:
    tb = entry.tb
    code = tb.tb_frame.f_code
    line = tb.tb_lineno
    raw = _source_line(code.co_filename, line, tb.tb_frame.f_globals)
    source = raw.strip()
    end_line, column, end_column = _position(code, tb.tb_lasti, raw, line)
    if end_line is not None and end_line != line and end_column is not None:
        end_raw = _source_line(code.co_filename, end_line, tb.tb_frame.f_globals)
        end_column = max(end_column - _indent(end_raw), 0)
    return Frame(
        file=path(code.co_filename),
        line=line,
        function=str(getattr(code, "co_qualname", code.co_name)),
        source=_clip(source, text_limit),
        locals=local_values(tb) if local_values is not None else (),
        end_line=end_line,
        column=column,
        end_column=end_column,
        repeated=entry.repeated,
        repeated_span=entry.span if entry.repeated else 1,
    )


def _source_line(filename: str, line: int | None, module_globals: Any) -> str:
    if not line:
        return ""
    try:
        return linecache.getline(filename, line, module_globals).rstrip("\r\n")
    except Exception:  # a loader whose get_source fails
        return ""


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def _position(
    code: Any, lasti: int, raw: str, line: int | None
) -> tuple[int | None, int | None, int | None]:
    """(end line, column, end column) of the failing instruction, columns as
    character offsets into the stripped source line."""
    if lasti < 0 or not raw:
        return None, None, None
    try:
        start, end_line, col, end_col = next(
            itertools.islice(code.co_positions(), lasti // 2, None)
        )
    except (StopIteration, AttributeError, ValueError):
        return None, None, None
    if start != line or col is None or end_col is None:
        return end_line, None, None
    indent = _indent(raw)
    column = _chars(raw, col) - indent
    # on another line the end is in bytes of that line: converted by the caller
    end_column = _chars(raw, end_col) - indent if end_line == line else end_col
    return end_line, max(column, 0), max(end_column, 0)


def _chars(line: str, byte_offset: int) -> int:
    """Python positions are UTF-8 byte offsets; reports speak characters."""
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} characters cut]"


def locals_reader(
    code: UserCode, *, per_frame: int, value_limit: int, total: int
) -> Callable[[TracebackType], tuple[tuple[str, str], ...]]:
    """Reads a frame's local variables: each value repr'd safely and bounded,
    sensitive names replaced unread, module-level noise left out; once
    ``total`` characters of locals were read, the other frames get none."""
    room = [total]

    def read(tb: TracebackType) -> tuple[tuple[str, str], ...]:
        if room[0] <= 0:
            return (("...", "local variables not captured: the report's size bound"),)
        frame = tb.tb_frame
        try:
            namespace = frame.f_locals
            items = list(namespace.items())
        except Exception:
            return ()
        module_level = namespace is frame.f_globals
        out: list[tuple[str, str]] = []
        skipped = 0
        for name, value in items:
            if not isinstance(name, str) or _noise(name, value, module_level):
                continue
            if len(out) >= per_frame:
                skipped += 1
                continue
            hidden = placeholder_for(name)
            shown = hidden if hidden is not None else safe_repr(value, value_limit, code)
            out.append((name[:200], shown))
            room[0] -= len(shown) + len(name)
        if skipped:
            out.append(("...", f"{skipped} more local variables not captured"))
        return tuple(out)

    return read


_DEFINITIONS = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)


def _noise(name: str, value: object, module_level: bool) -> bool:
    # dunders (__builtins__, __file__ ...) and, in module frames, the modules,
    # functions and classes that make up the module itself
    if name.startswith("__") and name.endswith("__"):
        return True
    return module_level and isinstance(value, _DEFINITIONS)
