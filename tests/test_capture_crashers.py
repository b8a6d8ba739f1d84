"""Each way of failing, in a real process: ``fixtures/crashers/shapes.py MODE``.

Every test runs the crasher twice -- without crashreport (``FIXTURE_INSTALL=0``)
and with it, in a dry run so the whole payload is printed -- and checks that
Python's own output comes first and unchanged, that the exit status is the
same, and what the report holds.
"""

from __future__ import annotations

import json
import signal
from typing import Any

import pytest

from tests.conftest import reports_in, run_crasher


def crash(mode: str, env: dict[str, str], **extra: str) -> tuple[Any, Any, list[dict[str, Any]]]:
    """(run without crashreport, run with it, the reports the second printed)."""
    plain = run_crasher(["shapes.py", mode], {**env, "FIXTURE_INSTALL": "0", **extra})
    reported = run_crasher(["shapes.py", mode], {**env, **extra})
    assert reported.returncode == plain.returncode, reported.stderr
    assert reported.stderr.startswith(plain.stderr), "Python's own output must come first"
    ours = reported.stderr[len(plain.stderr) :]
    assert "Traceback" not in ours.split("crash report", 1)[0]  # never a traceback of ours
    return plain, reported, reports_in(reported.stderr)


def only(reports: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(reports) == 1, f"expected one report, got {len(reports)}"
    return reports[0]


def test_explicit_cause(dry_env: dict[str, str]) -> None:
    """``raise ... from``: the report holds both, linked as "cause", exit status 1."""
    plain, _, reports = crash("chain_cause", dry_env)
    exc = only(reports)["exception"]
    assert plain.returncode == 1
    assert (exc["type"], exc["message"], exc["link"]) == ("RuntimeError", "lookup failed", "cause")
    assert exc["cause"]["type"] == "KeyError"
    assert exc["frames"][-1]["function"] == "chain_cause"
    assert exc["frames"][-1]["file"] == "fixtures/crashers/shapes.py"


def test_implicit_context_and_suppressed_context(dry_env: dict[str, str]) -> None:
    """An exception raised in an ``except`` keeps its context; ``from None`` hides it."""
    _, _, reports = crash("chain_context", dry_env)
    exc = only(reports)["exception"]
    assert exc["link"] == "context"
    assert exc["cause"]["type"] == "ZeroDivisionError"
    _, _, reports = crash("chain_suppressed", dry_env)
    exc = only(reports)["exception"]
    assert "cause" not in exc
    assert "link" not in exc


def test_nested_groups(dry_env: dict[str, str]) -> None:
    """An ExceptionGroup inside an ExceptionGroup, and a member with its own context."""
    _, _, reports = crash("group_nested", dry_env)
    exc = only(reports)["exception"]
    assert exc["type"] == "ExceptionGroup"
    members = exc["exceptions"]
    assert [m["type"] for m in members] == ["ValueError", "ExceptionGroup", "KeyError"]
    assert [m["message"] for m in members[1]["exceptions"]] == ["t1", "o1"]


def test_notes(dry_env: dict[str, str]) -> None:
    """``add_note`` notes travel with the exception, in order."""
    _, _, reports = crash("notes", dry_env)
    assert only(reports)["exception"]["notes"] == ["first note", "second note"]


def test_syntax_error_details(dry_env: dict[str, str]) -> None:
    """A SyntaxError carries its file (relative), line, text and column."""
    _, _, reports = crash("syntax", dry_env)
    exc = only(reports)["exception"]
    assert exc["type"] == "SyntaxError"
    syntax = exc["syntax"]
    assert syntax["file"] == "generated_module.py"
    assert syntax["line"] == 1
    assert syntax["text"] == "def broken(:"
    assert syntax["text"][syntax["column"]] == ":"


def test_recursion_is_collapsed(dry_env: dict[str, str]) -> None:
    """A RecursionError's repeated frame appears once, with the count of repeats;
    mutual recursion collapses by its cycle."""
    _, _, reports = crash("recursion", dry_env)
    frames = only(reports)["exception"]["frames"]
    assert len(frames) < 10
    assert next(f["repeated"] for f in frames if "repeated" in f) > 500
    _, _, reports = crash("mutual_recursion", dry_env)
    repeated = [f for f in only(reports)["exception"]["frames"] if "repeated" in f]
    assert len(repeated) == 1
    assert repeated[0]["repeated_span"] == 2


def test_a_broken_str(dry_env: dict[str, str]) -> None:
    """An exception whose ``__str__`` raises is reported with a placeholder message,
    after Python's own ``<exception str() failed>``."""
    plain, _, reports = crash("broken_str", dry_env)
    assert "ExplodingStr: <exception str() failed>" in plain.stderr
    exc = only(reports)["exception"]
    assert exc["type"] == "ExplodingStr"
    assert exc["message"].startswith("<exception str() failed")


@pytest.mark.parametrize(
    ("mode", "status"),
    [("keyboard_interrupt", -signal.SIGINT), ("system_exit", 3), ("base_group", 1)],
)
def test_interrupts_and_exits_are_never_reported(
    dry_env: dict[str, str], mode: str, status: int
) -> None:
    """KeyboardInterrupt, SystemExit and a group of them: Python's output and exit
    status exactly as without crashreport, and not a word of ours."""
    plain, reported, reports = crash(mode, dry_env)
    assert plain.returncode == status
    assert reports == []
    assert reported.stderr == plain.stderr
    assert "crashreport" not in reported.stderr


def test_hostile_locals_never_leak_never_hang(dry_env: dict[str, str]) -> None:
    """With locals on: no planted secret anywhere, placeholders for hostile,
    slow and recursive reprs, huge values cut."""
    _, reported, reports = crash("hostile_locals", dry_env, CRASHREPORT_CAPTURE_LOCALS="1")
    assert "planted" not in reported.stderr
    values = only(reports)["exception"]["frames"][-1]["locals"]
    assert values["password"] == "<password>"
    assert values["db_password"] == "<password>"
    assert values["api_token"] == "<token>"
    assert values["settings"] == "{'password': <password>, 'retries': 3}"
    assert values["hostile"] == "<repr() failed: ValueError>"
    assert values["slow"] == "<not captured: took too long>"
    assert values["recursive"] == "<repr() failed: recursion>"
    assert values["wrapper"] == "<not captured: took too long>"
    assert values["cyclic"] == "[[...]]"
    assert len(values["big_text"]) < 600


def test_huge_locals_in_a_deep_stack_make_a_small_report(dry_env: dict[str, str]) -> None:
    """A 100 KB local in each of 400 frames (locals on) gives a payload under 1 MB."""
    _, _, reports = crash("huge_locals", dry_env, CRASHREPORT_CAPTURE_LOCALS="1")
    report = only(reports)
    size = len((json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode())
    assert size <= 1_000_000
    assert report["exception"]["type"] == "MemoryError"


def test_huge_messages_many_members_and_long_chains_are_cut_and_say_so(
    dry_env: dict[str, str],
) -> None:
    """A 2 MB message is clipped with a count; 500 group members and a 300-long
    chain are cut to the exception budget, with the rest counted."""
    _, _, reports = crash("huge_message", dry_env)
    assert only(reports)["exception"]["message"].endswith("characters cut]")
    _, _, reports = crash("many_members", dry_env)
    exc = only(reports)["exception"]
    assert len(exc["exceptions"]) == 49
    assert exc["omitted_exceptions"] == 451
    _, _, reports = crash("long_chain", dry_env)
    exc, depth = only(reports)["exception"], 0
    while "cause" in exc:
        exc, depth = exc["cause"], depth + 1
    assert depth == 49
    assert exc["omitted_exceptions"] == 250


def test_a_cycle_of_contexts(dry_env: dict[str, str]) -> None:
    """Two exceptions that are each other's context: one report, each once."""
    _, _, reports = crash("cycle", dry_env)
    exc = only(reports)["exception"]
    assert exc["cause"]["type"] == "TypeError"
    assert "cause" not in exc["cause"]
