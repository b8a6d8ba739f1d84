"""Reading the host's objects safely: ``str`` of messages, ``repr`` of locals.

Every call into the host's code (an exception's ``__str__``, a local's
``__repr__``) goes through ``UserCode.call``: a time limit enforced by a trace
function (so a ``__repr__`` that loops or recurses forever is stopped), all
exceptions caught, and a placeholder instead. Builtin containers are repr'd
here, element by element within a length budget, so a list of a million items
costs a few hundred element reprs, not a million. Values of sensitive names
(``password``, ``db_password``, ``token`` ...) are replaced without ever being
repr'd -- also as keys of dictionaries.
"""

from __future__ import annotations

import collections
import gc
import sys
import time
import types

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["UserCode", "placeholder_for", "safe_repr"]

# Every kind ``classify_key`` knows is sensitive here: credentials (password,
# token, secret) and the connection and identity details a bare value would
# not betray to the redaction rules (``port = 5432``, ``dbname = 'ledger'``).
_PLACEHOLDERS = {"private_key": "<private-key>"}


class _OutOfTime(BaseException):
    """Raised inside the host's code when a call ran past its time (a
    BaseException, so an ``except Exception`` in that code does not swallow it)."""


class UserCode:
    """Calls into the host's code, each bounded in time, all within one total budget."""

    def __init__(self, per_call: float, total: float) -> None:
        self.per_call = per_call
        self.deadline_total = time.monotonic() + total

    def call(self, func: Callable[[Any], Any], value: Any, fallback: str) -> str:
        """``func(value)`` if it returns a ``str`` in time; ``fallback`` otherwise."""
        now = time.monotonic()
        if now >= self.deadline_total:
            return "<not captured: time limit>"
        deadline = min(now + self.per_call, self.deadline_total)

        def tracer(frame: types.FrameType, event: str, arg: Any) -> Any:
            if time.monotonic() > deadline:
                raise _OutOfTime
            return tracer

        previous = sys.gettrace()
        # No garbage collection while the tracer is on: a collection could run
        # some unrelated object's finalizer (a generator's, say) under it, and
        # the time limit would then raise inside that finalizer instead.
        collecting = gc.isenabled()
        gc.disable()
        sys.settrace(tracer)
        try:
            result = func(value)
        except _OutOfTime:
            return "<not captured: took too long>"
        except RecursionError:
            return f"{fallback[:-1]}: recursion>"
        except Exception as exc:
            return f"{fallback[:-1]}: {_type_of(exc)}>"
        finally:
            sys.settrace(previous)
            if collecting:
                gc.enable()
        return result if isinstance(result, str) else f"{fallback[:-1]}: not a str>"


def _type_of(value: object) -> str:
    try:
        return str(type(value).__qualname__)[:100]
    except Exception:
        return "?"


def placeholder_for(name: str) -> str | None:
    """The placeholder replacing a value held under ``name``, or ``None`` if the
    name says nothing sensitive. A name we cannot classify is treated as sensitive."""
    try:
        kind = _classify(name)
    except Exception:
        return "<secret>"
    if kind is None:
        return None
    return _PLACEHOLDERS.get(kind, f"<{kind}>")


def _classify(name: str) -> str | None:
    # redaction's own reading of key names; imported on first use (it is the
    # redaction package), then called directly: this runs for every local
    global _classify
    from crashreport.redact.syntax import classify_key

    _classify = classify_key
    return classify_key(name)


_SCALARS = (type(None), bool, float, complex, type(...), range, slice)
_CONTAINERS: dict[type, tuple[str, str]] = {
    list: ("[", "]"),
    tuple: ("(", ")"),
    set: ("{", "}"),
    frozenset: ("frozenset({", "})"),
    collections.deque: ("deque([", "])"),
}
_ITEMS = 30  # elements shown per container
_DEPTH = 4  # containers inside containers
# Elements whose repr is the builtin's, read without calling the host's code
_PLAIN = frozenset({str, int, float, bool, type(None)})
_PLAIN_KINDS = frozenset({list, tuple, set, frozenset, dict})


def _plain(value: Any, kind: type, room: int) -> str | None:
    """``repr(value)``, made in one C call, when it is exactly what ``_Repr`` would
    write piece by piece -- a small container of plain scalars (no name that
    is sensitive among a dict's keys) whose repr fits in ``room`` -- else
    ``None``. Most locals are such containers; element by element they cost
    tens of calls each."""
    if kind not in _PLAIN_KINDS or len(value) > _ITEMS:
        return None
    size = 0
    try:
        items = value.items() if kind is dict else ((None, item) for item in value)
        for key, item in items:
            if key is not None:
                if type(key) not in _PLAIN or (type(key) is str and placeholder_for(key)):
                    return None
                size += len(key) if type(key) is str else 0
            item_kind = type(item)
            if item_kind not in _PLAIN or (item_kind is int and item.bit_length() > 4000):
                return None  # the host's code, or an int shown by its size
            if item_kind is str:
                size += len(item)
                if size > room:
                    return None  # not made whole, to be cut
    except Exception:  # mutated while we read it (another thread): the careful way
        return None
    text = repr(value)
    return text if len(text) <= room else None


def safe_repr(value: Any, limit: int, code: UserCode) -> str:
    """A ``repr`` of ``value`` of at most about ``limit`` characters; never raises."""
    out: list[str] = []
    _Repr(limit, code, out).add(value, 0, set())
    text = "".join(out)
    if len(text) > limit:
        return f"{text[:limit]}... [cut at {limit} characters]"
    return text


class _Repr:
    def __init__(self, limit: int, code: UserCode, out: list[str]) -> None:
        self.room = limit + 1  # one past the limit, so the cut is noticed
        self.code = code
        self.out = out

    def emit(self, text: str) -> None:
        self.out.append(text[: max(self.room, 0)])
        self.room -= len(text)

    def add(self, value: Any, depth: int, path: set[int]) -> None:
        if self.room <= 0:
            return
        kind = type(value)
        if kind in (str, bytes, bytearray):
            # slice before repr: repr of a 1 GB string is not made to keep 500 characters
            self.emit(repr(value[: self.room]))
        elif kind is int:
            if value.bit_length() > 4000:  # str() of it is refused (or slow) anyway
                self.emit(f"<int of {value.bit_length()} bits>")
            else:
                self.emit(repr(value))
        elif kind in _SCALARS:
            self.emit(repr(value))
        elif kind is dict or kind in _CONTAINERS:
            if id(value) in path:
                self.emit("{...}" if kind is dict else "[...]")
            elif depth >= _DEPTH:
                self.emit(f"<{kind.__name__} of {len(value)} items>")
            elif (plain := _plain(value, kind, self.room)) is not None:
                self.emit(plain)
            else:
                path.add(id(value))
                self._container(value, kind, depth, path)
                path.discard(id(value))
        else:
            self.emit(self.code.call(repr, value, "<repr() failed>"))

    def _container(self, value: Any, kind: type, depth: int, path: set[int]) -> None:
        opening, closing = ("{", "}") if kind is dict else _CONTAINERS[kind]
        if not value and kind in (set, frozenset, collections.deque):
            self.emit({set: "set()", frozenset: "frozenset()"}.get(kind, "deque([])"))
            return
        self.emit(opening)
        try:
            items = list(value.items() if kind is dict else value)[:_ITEMS]
        except Exception:  # mutated while we read it (another thread)
            items = []
        for index, item in enumerate(items):
            if self.room <= 0:
                return
            if index:
                self.emit(", ")
            if kind is dict:
                key, item_value = item
                self.add(key, depth + 1, path)
                self.emit(": ")
                hidden = placeholder_for(key) if isinstance(key, str) else None
                if hidden is not None:
                    self.emit(hidden)
                else:
                    self.add(item_value, depth + 1, path)
            else:
                self.add(item, depth + 1, path)
        if len(value) > _ITEMS:
            self.emit(f", ... {len(value) - _ITEMS} more")
        if kind is tuple and len(value) == 1:
            self.emit(",")
        self.emit(closing)
