"""The engine's two shortcuts: repeated lines read once, crafted input removed
whole (crashreport.redact.repeats)."""

from __future__ import annotations

from crashreport.redact import redact_text
from crashreport.redact.repeats import (
    blank_repeats,
    copies,
    crafted,
    restore_repeats,
    spaced_repeats,
)
from fixtures.redaction_samples import scrub
from fixtures.secrets import PEM, PEM_BODY

LINE = "    settings = {'host': 'pg-9.corp.internal', 'password': 'Zq9-aa-77!'}"


def _long(*lines: str) -> str:
    filler = "\n".join(f"    frame_{i} = {i}" for i in range(100))  # past the size that pays
    return filler + "\n" + "\n".join(lines) + "\n"


def test_repeated_long_lines_are_emptied_and_named_by_their_first_line() -> None:
    """A repeat becomes an empty line (the rules read its first occurrence only);
    for the spans of the rare text that runs across lines, spaces of the same
    length keep every offset."""
    text = _long(LINE, "x", LINE)
    compact, repeats = blank_repeats(text)
    assert compact.count(LINE) == 1
    ((line, first_line),) = repeats
    lines = text.split("\n")
    assert lines[line] == lines[first_line] == LINE
    assert compact.split("\n")[line] == ""
    assert compact.count("\n") == text.count("\n")
    spaced = spaced_repeats(text, repeats)
    assert len(spaced) == len(text)
    assert spaced.split("\n")[line] == " " * len(LINE)


def test_a_restored_repeat_reads_like_its_first_line() -> None:
    """Each blanked repeat gets the (redacted) form of the line it repeats."""
    lines = ["a <host-1>", "b", " " * 10]
    restore_repeats(lines, [(2, 0)])
    assert lines == ["a <host-1>", "b", "a <host-1>"]


def test_small_texts_and_name_lines_are_read_again() -> None:
    """Small texts are not worth it; a line with "name" may depend on lines before it."""
    assert blank_repeats(f"{LINE}\n{LINE}\n") == (f"{LINE}\n{LINE}\n", [])
    named = "    db = {'NAME': 'orders_eu_7', 'HOST': 'pg-9.corp.internal'}"
    assert blank_repeats(_long(named, named))[1] == []


def test_copies_move_spans_to_every_repeat() -> None:
    """Each span of a first line, and a span running into it, lands on its repeats."""
    hits = [(10, 14, "host", None, "", None), (2, 11, "private_key", None, "", None)]
    text = "ab\ncd\nefghijklmnopq\n" + " " * 13 + "\nz"
    moved = copies(text, hits, [(3, 2)], 100)  # line 3 (at 20) repeats line 2 (at 6, 13 long)
    assert moved is not None
    assert (24, 28, "host", None, "", None) in moved
    assert (20, 25, "private_key", None, "", None) in moved


def test_every_repeat_loses_what_the_first_lost() -> None:
    """Through the pipeline, every copy of a repeated line is redacted alike."""
    out = scrub(_long(LINE, "  File x", LINE, LINE))
    assert "pg-9.corp.internal" not in out
    assert "Zq9-aa-77!" not in out
    assert out.count("    settings = {'host': '<host-1>', 'password': '<password>'}") == 3


def test_a_span_across_lines_among_repeats_still_numbers_each_value_once() -> None:
    """A PEM block runs across lines, so each string is redacted on its own: the
    placeholders handed out on the way are taken back, and counted once."""
    text = _long(LINE, PEM, LINE, "host pg-9.corp.internal again", LINE)
    result = redact_text(text, environ={}, local=False)
    assert "pg-9.corp.internal" not in result.text
    assert all(line not in result.text for line in PEM_BODY.split("\n"))
    assert result.text.count("'host': '<host-1>'") == 3
    assert "<host-2>" not in result.text
    assert result.redactions.summary() == "removed: 1 private key, 1 password, 1 host"


def test_crafted_input_is_recognised_by_its_anchor_characters() -> None:
    """Long texts made mostly of ``:``, ``=``, ``.``, ``@``... are crafted; real ones not."""
    assert crafted(":" * 40_000)
    assert crafted("a@b/" * 10_000)
    assert not crafted(":" * 1000)  # short: cheap whatever it holds
    assert not crafted(_long(LINE) * 3)
