"""Regular expressions compiled on first use, from compiled forms shipped with us.

Importing the rules compiles nothing, and a text that never holds a rule's
literal never pays for that rule's patterns: compiling every pattern of
every family costs more than redacting a whole traceback, and the process
that just crashed has a few milliseconds to spare.

Compiling is itself mostly the work of ``re``'s parser and compiler, written
in Python (about 0.25 ms a pattern here). So ``_precompiled`` holds what
they produce for our patterns -- the engine's code, for one version of the
engine -- and a pattern found there (same source, same flags, same engine)
is built from it directly, some forty times faster. Anything else (another
Python, a pattern changed since the table was made) compiles as usual: the
table only ever saves time. ``python -m crashreport.redact.precompile``
writes it again; a test checks it matches what ``re`` compiles.
"""

from __future__ import annotations

import re
import sys

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, AnyStr, overload

__all__ = ["lazy"]


class _Lazy:
    """A regular expression compiled the first time it is used.

    The first call of a method compiles the pattern and puts the compiled
    pattern's own bound methods on the instance, where they shadow the
    methods below: every later call goes straight to ``re``, with no extra
    Python call. Any other attribute is read from the compiled pattern.
    """

    def __init__(self, source: str | bytes | Callable[[], str], flags: int = 0) -> None:
        self._source = source
        self._flags = flags

    def _compile(self) -> re.Pattern[Any]:
        source = self._source
        if callable(source):  # a pattern built from word lists: built on first use too
            source = self._source = source()
        compiled = _from_table(source, self._flags) or re.compile(source, self._flags)
        # two threads compiling at once both store an equal pattern: harmless
        self.__dict__.update(
            _pattern=compiled,
            match=compiled.match,
            fullmatch=compiled.fullmatch,
            search=compiled.search,
            finditer=compiled.finditer,
            split=compiled.split,
            sub=compiled.sub,
        )
        return compiled

    def match(self, *args: Any) -> Any:
        return self._compile().match(*args)

    def fullmatch(self, *args: Any) -> Any:
        return self._compile().fullmatch(*args)

    def search(self, *args: Any) -> Any:
        return self._compile().search(*args)

    def finditer(self, *args: Any) -> Any:
        return self._compile().finditer(*args)

    def split(self, *args: Any) -> Any:
        return self._compile().split(*args)

    def sub(self, *args: Any) -> Any:
        return self._compile().sub(*args)

    def __getattr__(self, name: str) -> Any:
        # reached only for names not found on the instance or the class
        if name.startswith("__") or "_source" not in self.__dict__:
            raise AttributeError(name)
        compiled = self.__dict__.get("_pattern") or self._compile()
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self._source!r})"


# (pattern, flags) -> (flags, code, groups, group index, index group); see ``precompile``
_Entry = tuple[int, tuple[int, ...], int, tuple[tuple[str, int], ...], tuple[str | None, ...]]
_Table = dict[tuple[str | bytes, int], _Entry]
_TABLE: dict[str, _Table] = {}
_TRIES: dict[str, dict[tuple[str, ...], str]] = {}


def engine() -> tuple[str, int, int, int, int, int, int]:
    """What the compiled forms depend on: the interpreter, its version, the
    regular expression engine's code format and limits."""
    _sre = sys.modules["_sre"]  # loaded by ``re``
    return (
        sys.implementation.name,
        *sys.version_info[:2],
        _sre.MAGIC,
        _sre.CODESIZE,
        _sre.MAXREPEAT,
        _sre.MAXGROUPS,
    )


def _table() -> _Table:
    table = _TABLE.get("patterns")
    if table is None:
        tries: dict[tuple[str, ...], str] = {}
        try:
            from crashreport.redact import _precompiled

            usable = engine() == _precompiled.ENGINE
            table = _precompiled.PATTERNS if usable else {}
            tries = _precompiled.TRIES if usable else {}
        except Exception:  # no table, or not for this interpreter: compile as usual
            table = {}
        _TRIES["tries"] = tries  # first: a table seen by another thread has its tries
        _TABLE["patterns"] = table
    return table


def known_trie(words: tuple[str, ...]) -> str | None:
    """The pattern ``scan.trie`` builds from exactly these (sorted, distinct) words,
    as the table wrote it down; ``None`` if it did not."""
    _table()
    return _TRIES["tries"].get(words)


def _from_table(source: str | bytes, flags: int) -> re.Pattern[Any] | None:
    """The compiled pattern, built from the table; ``None`` if it is not there."""
    entry = _table().get((source, flags))
    if entry is None:
        return None
    out_flags, code, groups, groupindex, indexgroup = entry
    try:
        compiled: re.Pattern[Any] = sys.modules["_sre"].compile(
            source, out_flags, list(code), groups, dict(groupindex), indexgroup
        )
    except Exception:  # an engine that refuses it after all: compile as usual
        return None
    return compiled


if TYPE_CHECKING:

    @overload
    def lazy(source: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]: ...

    @overload
    def lazy(source: Callable[[], str], flags: int = 0) -> re.Pattern[str]: ...

    def lazy(source: Any, flags: int = 0) -> Any:
        """A regular expression (or a function that writes one), compiled on
        first use (see ``_Lazy``)."""

else:
    lazy = _Lazy  # typed above as the ``re.Pattern`` it stands for
