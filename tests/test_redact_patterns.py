"""Patterns compiled on first use, from the compiled forms shipped with us
(crashreport.redact.patterns, crashreport.redact.precompile)."""

from __future__ import annotations

import re

from crashreport.redact import patterns, precompile, scan
from fixtures.redaction_samples import iter_texts
from fixtures.secrets import DSN, LIBPQ, PEM

TEXTS = [
    *list(iter_texts())[::7],
    DSN,
    LIBPQ,
    PEM,
    "password=hunter2 host=db-1.corp.internal:5432 user@10.0.0.5 fe80::1%eth0",
    "::" * 50 + "a=" * 50 + "//" * 50,
]


def test_a_lazy_pattern_compiles_when_first_used_and_then_is_the_pattern() -> None:
    """Nothing is compiled until a method is called; then it matches as ``re`` does,
    and every attribute of the compiled pattern is there."""
    lazy = patterns.lazy(r"(?P<word>[a-z]+)=(?P<value>\d+)")
    assert "_pattern" not in vars(lazy)
    text = "a=1, bb=22, c=x"
    compiled = re.compile(r"(?P<word>[a-z]+)=(?P<value>\d+)")
    assert [m.groupdict() for m in lazy.finditer(text)] == [
        m.groupdict() for m in compiled.finditer(text)
    ]
    assert "_pattern" in vars(lazy)
    assert lazy.groupindex == compiled.groupindex
    assert lazy.pattern == compiled.pattern
    assert lazy.sub("*", text) == compiled.sub("*", text)
    assert "lazy(" in repr(lazy)


def test_a_pattern_written_from_word_lists_is_built_on_first_use() -> None:
    """A pattern given as a function is written only when it is first needed."""
    calls: list[int] = []

    def build() -> str:
        calls.append(1)
        return scan.trie(["host", "hostname", "port"]) + "="

    lazy = patterns.lazy(build)
    assert calls == []
    assert [m.group() for m in lazy.finditer("hostname= port= hos=")] == ["hostname=", "port="]
    assert lazy.search("port=") is not None
    assert calls == [1]


def test_the_table_is_what_re_compiles_for_this_interpreter() -> None:
    """Every pattern of the redaction modules is in the table exactly as ``re``
    compiles it here -- or, on another interpreter, the table is not used at all."""
    table = patterns._table()
    from crashreport.redact import _precompiled

    if patterns.engine() != _precompiled.ENGINE:
        assert table == {}
        return
    wanted = precompile.every_pattern()
    assert sorted(table, key=repr) == wanted, "run: python -m crashreport.redact.precompile"
    for key in wanted:
        assert table[key] == precompile.compiled_form(*key), key
    for words, built in _precompiled.TRIES.items():
        assert scan._trie(list(words)) == built


def test_patterns_built_from_the_table_match_like_those_re_compiles() -> None:
    """Each pattern from the table finds exactly what ``re.compile`` of its source finds."""
    for source, flags in patterns._table():
        built = patterns._from_table(source, flags)
        assert built is not None
        compiled = re.compile(source, flags)
        assert built.groupindex == compiled.groupindex
        for text in TEXTS:
            view: str | bytes = (
                text.encode("latin-1", "replace") if isinstance(source, bytes) else text
            )
            got = [(m.span(), m.groups()) for m in built.finditer(view)]  # type: ignore[arg-type]
            assert got == [(m.span(), m.groups()) for m in compiled.finditer(view)]  # type: ignore[arg-type]


def test_a_pattern_the_table_does_not_hold_compiles_as_usual() -> None:
    """A new or changed pattern is simply compiled by ``re``: the table only saves time."""
    assert patterns._from_table(r"not-in-the-table-\d+", 0) is None
    lazy = patterns.lazy(r"not-in-the-table-\d+")
    assert lazy.fullmatch("not-in-the-table-42") is not None
