"""The total size bound: a report too large for its payload budget is cut down.

Capture already bounds each part (frames per stack, exceptions per tree,
characters per string and per local); this is the last line, for reports
whose parts are each small but many. Cuts go from the least to the most
useful information -- outer frames' locals, all locals, long strings, middle
frames, whole exceptions -- and each one applied is written in
``Report.truncated``, so the reader knows what is missing.

The payload is measured exactly as ``Payload.from_data`` serialises it
(JSON indented by 2), but computed from the C encoder's compact output plus
the indentation, which is about ten times faster than indenting (Python's
indenting encoder is pure Python). Redaction replaces values with
placeholders of similar length, so the raw report is fitted to ``HEADROOM``
of the bound.
"""

from __future__ import annotations

import json

from crashreport.report import ExceptionInfo, Frame, Report

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeAlias

    _Cut: TypeAlias = Callable[[ExceptionInfo], ExceptionInfo]

__all__ = ["HEADROOM", "fit", "payload_size"]

HEADROOM = 0.75


def payload_size(report: Report) -> int:
    """Bytes of ``report``'s payload (UTF-8 JSON indented by 2, and a newline).

    Raises ``UnicodeEncodeError`` if a string cannot be sent (a lone surrogate).
    """
    data = report.to_dict()
    compact = json.dumps(data, ensure_ascii=False, separators=(",", ": "))
    return len(compact.encode("utf-8")) + _layout(data, 0) + 1


def _layout(value: Any, depth: int) -> int:
    """The newlines and indentation ``indent=2`` adds around the items of ``value``."""
    items: Any = value.values() if type(value) is dict else value
    if not items:
        return 0  # {} and [] stay on their line
    # a newline and the indentation before each item, and before the closing bracket
    total = len(items) * (3 + 2 * depth) + 1 + 2 * depth
    for item in items:
        if type(item) in _CONTAINERS:  # leaves add nothing: no call for them
            total += _layout(item, depth + 1)
    return total


_CONTAINERS = frozenset({dict, list})


def fit(report: Report, max_size: int) -> Report:
    """``report``, cut until its payload is at most ``HEADROOM * max_size`` bytes.

    Raises ``UnicodeEncodeError`` as ``payload_size`` does.
    """
    target = int(max_size * HEADROOM)
    size = payload_size(report)
    if size <= target:
        return report
    original = size
    done: list[str] = []
    for description, cut in _CUTS:
        report = report.replace(exception=cut(report.exception))
        done.append(description)
        size = payload_size(report)
        if size <= target:
            break
    note = f"the report ({original} bytes) was cut to fit {max_size} bytes: " + "; ".join(done)
    return report.replace(truncated=(*report.truncated, note))


def _tree(
    info: ExceptionInfo, frames: Callable[[tuple[Frame, ...]], tuple[Frame, ...]]
) -> ExceptionInfo:
    return info.replace(
        frames=frames(info.frames),
        cause=_tree(info.cause, frames) if info.cause is not None else None,
        exceptions=tuple(_tree(member, frames) for member in info.exceptions),
    )


def _innermost_locals(info: ExceptionInfo) -> ExceptionInfo:
    def keep_last(frames: tuple[Frame, ...]) -> tuple[Frame, ...]:
        last = len(frames) - 1
        return tuple(
            f if i == last or not f.locals else f.replace(locals=()) for i, f in enumerate(frames)
        )

    return _tree(info, keep_last)


def _no_locals(info: ExceptionInfo) -> ExceptionInfo:
    return _tree(
        info, lambda frames: tuple(f.replace(locals=()) if f.locals else f for f in frames)
    )


def _strings(limit: int) -> _Cut:
    def clip(text: str) -> str:
        return (
            text
            if len(text) <= limit
            else f"{text[:limit]}... [{len(text) - limit} characters cut]"
        )

    def cut(info: ExceptionInfo) -> ExceptionInfo:
        def frames(fs: tuple[Frame, ...]) -> tuple[Frame, ...]:
            return tuple(
                f.replace(source=clip(f.source), file=clip(f.file), function=clip(f.function))
                if max(len(f.source), len(f.file), len(f.function)) > limit
                else f  # most frames: nothing to cut, nothing to copy
                for f in fs
            )

        def walk(i: ExceptionInfo) -> ExceptionInfo:
            return i.replace(
                message=clip(i.message),
                syntax=(
                    i.syntax.replace(text=clip(i.syntax.text), file=clip(i.syntax.file))
                    if i.syntax is not None
                    else None
                ),
                notes=tuple(clip(n) for n in i.notes[:20]),
                frames=frames(i.frames),
                cause=walk(i.cause) if i.cause is not None else None,
                exceptions=tuple(walk(m) for m in i.exceptions),
            )

        return walk(info)

    return cut


def _frames(limit: int) -> _Cut:
    def cut(info: ExceptionInfo) -> ExceptionInfo:
        def walk(i: ExceptionInfo) -> ExceptionInfo:
            omitted = i.omitted_frames
            frames = i.frames
            if len(frames) > limit:
                head = (limit + 1) // 2
                omitted += len(frames) - limit
                frames = frames[:head] + frames[len(frames) - (limit - head) :]
            return i.replace(
                frames=frames,
                omitted_frames=omitted,
                cause=walk(i.cause) if i.cause is not None else None,
                exceptions=tuple(walk(m) for m in i.exceptions),
            )

        return walk(info)

    return cut


def _members(limit: int) -> _Cut:
    """At most ``limit`` members per group, and chains of at most ``limit``."""

    def cut(info: ExceptionInfo, depth: int = 0) -> ExceptionInfo:
        cause, omitted = info.cause, info.omitted_exceptions
        if cause is not None and depth + 1 >= limit:
            cause, omitted = None, omitted + 1
        kept = info.exceptions[:limit]
        omitted += len(info.exceptions) - len(kept)
        return info.replace(
            cause=cut(cause, depth + 1) if cause is not None else None,
            link=info.link if cause is not None else None,
            exceptions=tuple(cut(m, 0) for m in kept),
            omitted_exceptions=omitted,
        )

    return cut


def _last_only(info: ExceptionInfo) -> ExceptionInfo:
    omitted = info.omitted_exceptions + len(info.exceptions) + (info.cause is not None)
    return info.replace(
        cause=None,
        link=None,
        exceptions=(),
        omitted_exceptions=omitted,
        notes=info.notes[:1],
    )


_CUTS: tuple[tuple[str, _Cut], ...] = (
    ("local variables kept only for the innermost frame of each stack", _innermost_locals),
    ("local variables left out", _no_locals),
    ("strings cut to 1000 characters", _strings(1000)),
    ("stacks cut to 20 frames", _frames(20)),
    ("groups and chains cut to 5 exceptions", _members(5)),
    ("strings cut to 200 characters", _strings(200)),
    ("only the last exception kept", _last_only),
    ("stacks cut to 4 frames", _frames(4)),
)
