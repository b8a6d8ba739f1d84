"""The shared views of a text and the alternation builder (crashreport.redact.scan)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crashreport.redact.scan import Scan, TooDense, budget_for, trie


def test_views_keep_offsets() -> None:
    """``low``, ``cls``, ``rcls``, ``latin1`` and ``shape`` are offset for offset the text."""
    text = "Host: 'DB-1.corp' İx é \ud800 `q` 42"
    scan = Scan(text)
    n = len(text)
    assert len(scan.low) == len(scan.cls) == len(scan.rcls) == len(scan.latin1) == n
    assert scan.cls.startswith('host= "db-1.corp"')
    assert scan.rcls == scan.cls[::-1]
    assert scan.shape.endswith(b"00")


def test_runs_are_long_token_character_runs() -> None:
    """Runs are maximal runs of [A-Za-z0-9+_-] of 20 characters or more; "/" ends one."""
    token = "Ab3dE5gH7jK9mN1pQ3sT_uV"
    text = f"x='{token}' /home/user/a_rather_long_path_piece/{token}"
    spans = Scan(text).runs()
    assert [text[a:b] for a, b in spans] == [token, "a_rather_long_path_piece", token]


@given(st.lists(st.sampled_from(["pass", "password", "pwd", "pw", "token", "t", "db", "dbname"])))
def test_trie_matches_exactly_its_words(words: list[str]) -> None:
    """The factored alternation matches each of its words and nothing else (whole match)."""
    if not words:
        return
    pattern = re.compile(f"(?:{trie(words)})")
    for word in words:
        assert pattern.fullmatch(word)
    for other in ("passw", "tok", "d", "x", ""):
        if other not in words:
            assert not pattern.fullmatch(other)


def test_the_budget_stops_crafted_input() -> None:
    """Spending past a text's budget raises TooDense; real texts get room to spare."""
    scan = Scan("x", budget=2)
    scan.spend(2)
    with pytest.raises(TooDense):
        scan.spend()
    assert budget_for("x" * 40_000) > 746 * 4  # the costliest real report in the corpora


def test_matches_pays_for_what_it_returns() -> None:
    """``matches`` spends one unit per match and stops at the budget."""
    scan = Scan("a=1 a=2 a=3", budget=10)
    assert len(scan.matches(re.compile("a="), scan.text)) == 3
    assert scan.budget == 7
    poor = Scan("a=1 a=2 a=3", budget=1)
    with pytest.raises(TooDense):
        poor.matches(re.compile("a="), poor.text)
