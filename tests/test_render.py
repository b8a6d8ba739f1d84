"""render as a pure function: the text a person reads, in Python's traceback shape,
and the payload bytes -- both from the same redacted report."""

from __future__ import annotations

import json

from crashreport.redact import RedactedReport, Redactions, redact
from crashreport.render import payload, render_exception, render_report
from crashreport.report import Environment, ExceptionInfo, Frame, Report, SyntaxDetails


def report_with(exception: ExceptionInfo, **fields: object) -> Report:
    env = fields.pop("environment", Environment("Linux", "x86_64", "CPython", "3.11.7"))
    return Report(
        id="i",
        time="t",
        product="app",
        version="1.0",
        mechanism="excepthook",
        environment=env,  # type: ignore[arg-type]
        exception=exception,
        **fields,  # type: ignore[arg-type]
    )


def test_a_chain_renders_oldest_first_with_pythons_separators() -> None:
    """A cause and a context render above the exception, with Python's sentences."""
    root = ExceptionInfo(type="KeyError", message="'k'")
    middle = ExceptionInfo(type="TypeError", message="t", cause=root, link="context")
    top = ExceptionInfo(type="RuntimeError", message="r", cause=middle, link="cause")
    text = render_exception(top)
    assert text.index("KeyError: 'k'") < text.index("TypeError: t") < text.index("RuntimeError: r")
    assert "During handling of the above exception, another exception occurred:" in text
    assert "The above exception was the direct cause of the following exception:" in text


def test_frames_show_carets_only_under_part_of_a_line() -> None:
    """Carets mark the failing expression; a whole-line range gets none, as in 3.11."""
    partial = Frame("a.py", 3, "f", source="x = compute(y)", end_line=3, column=4, end_column=14)
    whole = Frame("a.py", 4, "g", source="compute(y)", end_line=4, column=0, end_column=10)
    text = render_exception(ExceptionInfo(type="E", message="m", frames=(partial, whole)))
    lines = text.splitlines()
    at = lines.index("    x = compute(y)")
    assert lines[at + 1] == "        ^^^^^^^^^^"
    assert "^" not in lines[lines.index("    compute(y)") + 1]


def test_repeated_frames_and_omitted_frames_say_so() -> None:
    """A collapsed recursion says how often it repeated; omitted frames are counted."""
    frames = (
        Frame("a.py", 1, "outer"),
        Frame("a.py", 2, "recurse", repeated=996),
        Frame("a.py", 3, "ping"),
        Frame("a.py", 4, "pong", repeated=10, repeated_span=2),
    )
    text = render_exception(
        ExceptionInfo(type="RecursionError", message="m", frames=frames, omitted_frames=7)
    )
    assert "[Previous line repeated 996 more times]" in text
    assert "[Previous 2 frames repeated 10 more times]" in text
    assert "... 7 frames omitted ..." in text


def test_syntax_errors_render_like_python() -> None:
    """File and line, the text, and a caret under the offending part."""
    info = ExceptionInfo(
        type="SyntaxError",
        message="'(' was never closed",
        syntax=SyntaxDetails(file="bad.py", line=2, column=8, end_column=9, text="value = (1,"),
    )
    lines = render_exception(info).splitlines()
    assert lines[:4] == [
        '  File "bad.py", line 2',
        "    value = (1,",
        "            ^",
        "SyntaxError: '(' was never closed",
    ]


def test_groups_are_boxed_and_cut_members_counted() -> None:
    """Members render inside numbered boxes; omitted members are counted."""
    group = ExceptionInfo(
        type="ExceptionGroup",
        message="g",
        exceptions=(ExceptionInfo(type="ValueError", message="v"),),
        omitted_exceptions=3,
    )
    text = render_exception(group)
    assert "+---------------- 1 ----------------" in text
    assert "| ValueError: v" in text
    assert "... and 3 more exceptions" in text


def test_the_header_shows_the_opted_in_extras_and_what_was_cut() -> None:
    """Packages, command line and variables appear when the report holds them, and
    a size cut is stated."""
    env = Environment(
        "Linux",
        "x86_64",
        "CPython",
        "3.11.7",
        packages=(("attrs", "24.2"),),
        argv=("tool", "--x"),
        variables=(("LANG", "C"),),
    )
    report = report_with(ExceptionInfo(type="E", message="m"), environment=env, truncated=("cut",))
    text = render_report(RedactedReport(report, Redactions()))
    assert "packages: attrs 24.2" in text
    assert "command line: tool --x" in text
    assert "LANG=C" in text
    assert "[cut]" in text


def test_what_is_shown_and_what_is_sent_come_from_the_same_redacted_report() -> None:
    """The payload is the redacted report's JSON plus counts; no secret in either view."""
    secret_message = "connect to postgresql://u:hunter2-planted@db.internal:5432/x failed"
    report = report_with(ExceptionInfo(type="OperationalError", message=secret_message))
    redacted = redact(report, environ={})
    body = payload(redacted).body.decode()
    shown = render_report(redacted)
    assert "hunter2-planted" not in body
    assert "hunter2-planted" not in shown
    data = json.loads(body)
    assert data["exception"]["message"] == redacted.report.exception.message
    assert redacted.report.exception.message in shown
    assert data["redactions"] == dict(redacted.redactions.counts)
