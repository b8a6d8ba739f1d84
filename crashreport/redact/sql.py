"""Bound parameters that SQLAlchemy prints under their statement.

A database error raised through SQLAlchemy shows the statement and its
parameters::

    [SQL: INSERT INTO users (email, password_hash, name) VALUES (?, ?, ?)]
    [parameters: ('alice@example.org', 'pbkdf2_sha256$...', 'Alice')]

Named parameters (``%(password)s``, a dict) are read by their keys like any
key/value pair; positional ones (``?``, ``%s``: sqlite3, MySQL drivers) carry
no name, so the statement names them: the n-th placeholder's column -- from
the column list of an ``INSERT``, or the ``column =`` before it -- is the
n-th parameter's key, judged by ``classify_key``.

Linear: each ``[parameters:`` (a literal) looks back for its statement only
as far as the previous one, so no stretch of text is read twice; the
statement and the parameters are read by bounded, possessive patterns.
"""

from __future__ import annotations

from crashreport.redact.commands import value_hits
from crashreport.redact.patterns import lazy
from crashreport.redact.scan import Hit, Scan, ScanRule
from crashreport.redact.syntax import classify_key

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Generator, Iterator

__all__ = ["SqlParameters"]

_PARAMETERS = "[parameters: "
_STATEMENT = "[SQL: "
_MAX_STATEMENT = 16_384
_STATEMENT_COST = 8  # a statement is read by several patterns: it costs as much
# The column list and the values of an INSERT; a placeholder, with the
# column compared or assigned right before it (UPDATE ... SET c = ?, WHERE c = ?).
_INSERT = lazy(
    r"(?i)INSERT[ \t]{1,4}+INTO[ \t]{1,4}+[\w.\"`\[\]]{1,128}+[ \t]{0,4}+"
    r"\((?P<columns>[^()]{1,4096}+)\)[ \t\n]{0,8}+VALUES[ \t]{0,4}+\((?P<values>[^()]{1,4096}+)\)"
)
_PLACEHOLDER = lazy(
    r"(?:(?P<column>[\w.\"`\[\]]{1,128}+)[ \t]{0,4}+(?:=|<>|!=|<=|>=|<|>|(?i:LIKE))[ \t]{0,4}+)?"
    r"(?:\?|%s)"
)
# One item of a tuple's repr: a quoted string (with escapes), or anything
# else up to the next comma or parenthesis (numbers, None, datetime(...)).
_ITEM = lazy(
    r"[ \t]{0,4}+(?:'(?P<single>(?:[^'\\\n]|\\.){0,4096}+)'"
    r"|\"(?P<double>(?:[^\"\\\n]|\\.){0,4096}+)\"|[^,()'\"\n]{0,256}+)[ \t]{0,4}+(?P<end>[,)])"
)


class SqlParameters(ScanRule):
    """Positional bound parameters named by their statement's columns."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text = scan.text
        at = text.find(_PARAMETERS)
        floor = 0  # where the previous parameters were: look back no further
        known: dict[str, list[str | None]] = {}  # a statement printed again
        while at >= 0:
            scan.spend(_STATEMENT_COST)
            sql = text.rfind(_STATEMENT, max(floor, at - _MAX_STATEMENT), at)
            if sql >= 0:
                statement = text[sql + len(_STATEMENT) : at]
                columns = known.get(statement)
                if columns is None:
                    columns = known[statement] = _columns(statement)
                if any(kind is not None for kind in columns):
                    yield from _parameter_sets(text, scan, at + len(_PARAMETERS), columns)
            floor = at + len(_PARAMETERS)
            at = text.find(_PARAMETERS, floor)


def _columns(statement: str) -> list[str | None]:
    """The kind each positional placeholder of ``statement`` holds, in order."""
    kinds: list[str | None] = []
    insert = _INSERT.search(statement)
    if insert is not None:
        names = [_name(column) for column in insert["columns"].split(",")]
        values = [value.strip() for value in insert["values"].split(",")]
        for i, value in enumerate(values):
            if value in ("?", "%s"):
                kinds.append(classify_key(names[i]) if i < len(names) else None)
        statement = statement[insert.end() :]
    for placeholder in _PLACEHOLDER.finditer(statement):
        column = placeholder["column"]
        kinds.append(classify_key(_name(column)) if column else None)
    return kinds


def _name(column: str) -> str:
    """``users.password_hash``, ``"password"``, ``[Password]`` -> the column's name."""
    return column.strip().rsplit(".", 1)[-1].strip('"`[] ')


def _parameter_sets(text: str, scan: Scan, pos: int, kinds: list[str | None]) -> Iterator[Hit]:
    """One tuple (``execute``), or a list of them (``executemany``)."""
    if text.startswith("(", pos):
        yield from _parameters(text, scan, pos + 1, kinds)
        return
    if not text.startswith("[(", pos):
        return
    pos += 1
    while text.startswith("(", pos):
        end = yield from _parameters(text, scan, pos + 1, kinds)
        if end is None or not text.startswith(", (", end):
            return
        pos = end + 2


def _parameters(
    text: str, scan: Scan, pos: int, kinds: list[str | None]
) -> Generator[Hit, None, int | None]:
    """The items of one tuple; returns where it closed (``None``: it did not)."""
    for kind in kinds:
        item = _ITEM.match(text, pos)
        if item is None:
            return None
        scan.spend()
        group = "single" if item["single"] is not None else "double" if item["double"] else ""
        if kind is not None and group:
            a, b = item.span(group)
            if b > a:
                yield from value_hits(text, scan, kind, a, b)
        if item["end"] == ")":
            return item.end()
        pos = item.end()
    return None
