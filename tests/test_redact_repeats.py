"""The engine's two shortcuts: repeated lines read once, crafted input removed
whole (crashreport.redact.repeats)."""

from __future__ import annotations

from crashreport.redact.repeats import blank_repeats, copies, crafted
from fixtures.redaction_samples import scrub

LINE = "    settings = {'host': 'pg-9.corp.internal', 'password': 'Zq9-aa-77!'}"


def _long(*lines: str) -> str:
    filler = "\n".join(f"    frame_{i} = {i}" for i in range(1200))  # past the size that pays
    return filler + "\n" + "\n".join(lines) + "\n"


def test_repeated_long_lines_are_blanked_with_their_offsets() -> None:
    """A repeat becomes spaces of the same length; its first occurrence is named."""
    text = _long(LINE, "x", LINE)
    blanked, repeats = blank_repeats(text)
    assert len(blanked) == len(text)
    assert blanked.count(LINE) == 1
    ((repeat, first, length),) = repeats
    assert text[repeat : repeat + length] == text[first : first + length] == LINE


def test_small_texts_and_name_lines_are_read_again() -> None:
    """Small texts are not worth it; a line with "name" may depend on lines before it."""
    assert blank_repeats(f"{LINE}\n{LINE}\n") == (f"{LINE}\n{LINE}\n", [])
    named = "    db = {'NAME': 'orders_eu_7', 'HOST': 'pg-9.corp.internal'}"
    assert blank_repeats(_long(named, named))[1] == []


def test_copies_move_spans_to_every_repeat() -> None:
    """Each span of a first line, and a span running into it, lands on its repeats."""
    hits = [(10, 14, "host", None, "", None), (2, 11, "private_key", None, "", None)]
    text = "ab\ncd\nefghijklmnop\n" + "x" * 20
    moved = copies(text, hits, [(30, 6, 13)])
    assert (34, 38, "host", None, "", None) in moved
    assert (30, 35, "private_key", None, "", None) in moved


def test_every_repeat_loses_what_the_first_lost() -> None:
    """Through the pipeline, every copy of a repeated line is redacted alike."""
    out = scrub(_long(LINE, "  File x", LINE, LINE))
    assert "pg-9.corp.internal" not in out
    assert "Zq9-aa-77!" not in out
    assert out.count("    settings = {'host': '<host-1>', 'password': '<password>'}") == 3


def test_crafted_input_is_recognised_by_its_anchor_characters() -> None:
    """Long texts made mostly of ``:``, ``=``, ``.``, ``@``... are crafted; real ones not."""
    assert crafted(":" * 40_000)
    assert crafted("a@b/" * 10_000)
    assert not crafted(":" * 1000)  # short: cheap whatever it holds
    assert not crafted(_long(LINE) * 3)
