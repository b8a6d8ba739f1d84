"""handle.process: redact, show, ask, then send, keep or drop -- as a bare function,
with the prompt answered through its terminal seam and a real HTTP server on
127.0.0.1 receiving what is sent."""

from __future__ import annotations

import contextlib
import io
import json
import os
import site
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from crashreport.capture import capture
from crashreport.config import Config
from crashreport.consent import terminal as terminal_module
from crashreport.consent.terminal import NotInteractive, Terminal
from crashreport.handle import (
    commenter,
    destination_of,
    merge_redactions,
    process,
    redacted_from_data,
    screen,
    shown_host,
)
from crashreport.outcome import Status
from crashreport.redact import Redactions, redact
from crashreport.render import payload as make_payload
from crashreport.report import Report
from crashreport.transport import outbox
from fixtures import secrets
from tests.conftest import ENTER, ROOT, UP, Receiver, sent_bodies


class DatabaseError(Exception):
    """Stands in for a driver's error."""


def a_report() -> Report:
    """A real captured report whose message holds a password, host, IP, port and user."""
    try:
        raise DatabaseError(secrets.DRIVER_MESSAGE + f" (dsn {secrets.DSN})")
    except DatabaseError as exc:
        return capture(exc, product="handle-test", version="3.1", mechanism="test")


@contextlib.contextmanager
def answering(monkeypatch: pytest.MonkeyPatch, keys: str) -> Iterator[io.StringIO]:
    """The terminal seam replaced by a pipe already holding ``keys``; yields the screen."""
    shown = io.StringIO()
    output = Vt100_Output(shown, lambda: Size(rows=400, columns=160), term="xterm")
    with create_pipe_input() as pipe:
        pipe.send_text(keys)

        @contextlib.contextmanager
        def fake_terminal() -> Iterator[Terminal]:
            yield Terminal(pipe, output)

        monkeypatch.setattr(terminal_module, "open_terminal", fake_terminal)
        yield shown


@contextlib.contextmanager
def no_terminal(monkeypatch: pytest.MonkeyPatch, reason: str = "CI is set") -> Iterator[None]:
    @contextlib.contextmanager
    def nobody() -> Iterator[Terminal]:
        raise NotInteractive(reason)
        yield  # pragma: no cover

    monkeypatch.setattr(terminal_module, "open_terminal", nobody)
    yield


@contextlib.contextmanager
def never_asked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    @contextlib.contextmanager
    def forbidden() -> Iterator[Terminal]:
        raise AssertionError("the terminal must not be opened here")
        yield  # pragma: no cover

    monkeypatch.setattr(terminal_module, "open_terminal", forbidden)
    yield


def config_for(receiver: Receiver, tmp_path: Path, **changes: object) -> Config:
    return Config(endpoint=receiver.url, outbox_dir=str(tmp_path / "outbox"), **changes)


def test_send_posts_exactly_the_payload_that_was_shown(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver, tmp_path: Path
) -> None:
    """After "Send report" the server gets the payload of the redacted report shown."""
    report = a_report()
    expected = make_payload(redact(report))
    with answering(monkeypatch, UP + ENTER) as shown:
        outcome = process(report, config_for(receiver, tmp_path), out=io.StringIO())
    assert outcome.status is Status.SENT
    assert sent_bodies(receiver) == [expected.body]
    assert receiver.requests[0]["headers"]["X-Crashreport-Digest"] == f"sha256={expected.digest}"
    assert f"crash report {report.id}" in shown.getvalue()
    assert secrets.DB_PASSWORD not in shown.getvalue()


def test_dont_send_sends_and_keeps_nothing(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver, tmp_path: Path
) -> None:
    """The default answer: declined, nothing received, nothing kept."""
    out = io.StringIO()
    with answering(monkeypatch, ENTER):
        outcome = process(a_report(), config_for(receiver, tmp_path), out=out)
    assert outcome.status is Status.DECLINED
    assert receiver.requests == []
    assert outbox.entries(tmp_path / "outbox") == []
    assert out.getvalue() == "crashreport: not sent\n"


def test_nobody_to_ask_keeps_the_report_for_review_in_one_line(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver, tmp_path: Path
) -> None:
    """No terminal: nothing sent, the redacted payload kept as awaiting review, and one
    line (no screens) naming the file and the review command."""
    report = a_report()
    out = io.StringIO()
    with no_terminal(monkeypatch):
        outcome = process(report, config_for(receiver, tmp_path), out=out)
    assert outcome.status is Status.KEPT
    assert receiver.requests == []
    (entry,) = outbox.entries(tmp_path / "outbox")
    assert entry.state == outbox.REVIEW
    assert entry.payload == make_payload(redact(report))
    assert out.getvalue() == (
        f"crashreport: not sent: CI is set; kept in {entry.path} "
        "-- review it with: crashreport outbox review\n"
    )
    assert outcome.path == str(entry.path)


def test_keep_unanswered_false_discards(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver, tmp_path: Path
) -> None:
    """A host that keeps nothing unanswered: discarded, said in one line, nothing on disk."""
    out = io.StringIO()
    with no_terminal(monkeypatch, "stdin is not a terminal"):
        outcome = process(
            a_report(), config_for(receiver, tmp_path, keep_unanswered=False), out=out
        )
    assert outcome.status is Status.DISCARDED
    assert (
        out.getvalue()
        == "crashreport: not sent: stdin is not a terminal; the report was discarded\n"
    )
    assert not (tmp_path / "outbox").exists() or outbox.entries(tmp_path / "outbox") == []
    assert receiver.requests == []


def test_no_answer_in_time_keeps_the_report(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver, tmp_path: Path
) -> None:
    """A question left unanswered past prompt_timeout: kept for review, nothing sent."""
    with answering(monkeypatch, ""):
        outcome = process(a_report(), config_for(receiver, tmp_path, prompt_timeout=0.5))
    assert outcome.status is Status.KEPT
    assert outcome.detail == "no answer in 0.5 seconds"
    assert receiver.requests == []


def test_dry_run_shows_everything_and_never_asks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A dry run shows the screens, the full payload and where it would go; no question."""
    report = a_report()
    expected = make_payload(redact(report))
    out = io.StringIO()
    config = Config(endpoint="https://crash.example.org/v1/reports", dry_run=True)
    with never_asked(monkeypatch):
        outcome = process(report, config, out=out)
    assert outcome.status is Status.DRY_RUN
    text = out.getvalue()
    assert text.index(f"crash report {report.id}") < text.index("removed: ")
    assert text.index("removed: ") < text.index("will be sent to crash.example.org")
    assert expected.body.decode("utf-8") in text
    assert f"-- {len(expected.body)} bytes, sha256 {expected.digest} --" in text
    assert text.endswith(
        "crashreport: dry run: nothing was sent (it would go to crash.example.org)\n"
    )


def test_no_destination_shows_and_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an endpoint or DSN nobody is asked: there is nowhere to send it."""
    out = io.StringIO()
    with never_asked(monkeypatch):
        outcome = process(a_report(), Config(), out=out)
    assert outcome.status is Status.NO_DESTINATION
    assert out.getvalue().endswith("no endpoint or dsn is configured: nothing was sent\n")


def test_a_failing_rule_means_the_report_is_never_offered(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver, tmp_path: Path
) -> None:
    """Fail closed: a rule that raises stops the report before any screen or question."""

    def broken_rule(text: str) -> list[object]:
        raise RuntimeError("rule bug")

    out = io.StringIO()
    with never_asked(monkeypatch):
        outcome = process(a_report(), config_for(receiver, tmp_path, rules=[broken_rule]), out=out)
    assert outcome.status is Status.REDACTION_FAILED
    assert "not offered for sending" in out.getvalue()
    assert receiver.requests == []


def test_comments_add_up_and_are_redacted_with_the_report() -> None:
    """Each comment is added to the ones before; a host named in it gets the report's
    placeholder; the payload carries the comment as shown."""
    report = a_report()
    add = commenter(report, Config())
    first_payload, first = add(f"it failed on {secrets.DB_HOST}")
    assert secrets.DB_HOST not in first
    assert json.loads(first_payload.body)["comment"] == first
    host_placeholder = first.rsplit(" ", 1)[1]
    assert host_placeholder in json.loads(first_payload.body)["exception"]["message"]
    second_payload, both = add(f"password={secrets.DB_PASSWORD}")
    assert both.startswith(first + "\n")
    assert secrets.DB_PASSWORD not in second_payload.body.decode()


def test_a_kept_payload_reads_back_to_the_same_bytes() -> None:
    """A payload read back (review, preview) gives the same report and counts, so the
    bytes sent after review are the bytes kept."""
    redacted = redact(a_report())
    kept = make_payload(redacted)
    again = redacted_from_data(kept.data())
    assert again == redacted
    assert make_payload(again) == kept
    odd = {**kept.data(), "redactions": {"host": 2, "alien": 3, "port": "x"}}
    assert redacted_from_data(odd).redactions == Redactions((("host", 2),))
    with pytest.raises(ValueError, match="schema"):
        redacted_from_data({"schema": "other"})


def test_merge_adds_counts_in_summary_order() -> None:
    """Merged counts add up per kind, in the order the summary names them."""
    merged = merge_redactions(
        Redactions((("host", 1), ("port", 1))), Redactions((("password", 2), ("host", 1)))
    )
    assert merged.counts == (("password", 2), ("host", 2), ("port", 1))


def test_the_screen_is_report_then_summary_then_destination() -> None:
    """The screen reads: the redacted report, what was removed, where it would go."""
    redacted = redact(a_report())
    text = screen(redacted, "crash.example.org")
    summary = redacted.redactions.summary()
    assert summary.startswith("removed: ")
    assert text.index("Traceback") < text.index(summary) < text.index("will be sent to")
    assert text.endswith("will be sent to crash.example.org -- only if you say so\n")
    assert "will be sent" not in screen(redacted, None)


@pytest.mark.parametrize(
    "options",
    [
        {"endpoint": "https://crash.example.org:8443/v1/reports"},
        {"dsn": "https://public@sentry.example.org/42"},
        {"endpoint": "https://a.example.org/v1", "dsn": "https://k@b.example.org/7"},
        {},
    ],
    ids=["endpoint", "dsn", "both", "none"],
)
def test_the_host_shown_before_the_question_is_the_destinations(options: dict[str, str]) -> None:
    """``shown_host`` (which spares the prompt the transports' import) names exactly the
    host ``Destination.host`` says the report goes to."""
    config = Config(**options)  # type: ignore[arg-type]
    assert shown_host(config) == destination_of(config).host


# What may not load before the prompt is drawn (nor by the end of a dry run):
# each costs milliseconds in the process that just crashed, and none is
# needed to capture, redact, render or ask. attrs and httpx belong to
# delivery, after the answer; questionary and prompt_toolkit load inside the
# terminal, where the question is asked.
NOT_BEFORE_THE_PROMPT = frozenset(
    {
        "attr",
        "attrs",
        "httpx",
        "questionary",
        "prompt_toolkit",
        "subprocess",
        "shutil",
        "tempfile",
        "uuid",
        "datetime",
        "typing",
        "platform",
        "socket",
        "asyncio",
        "inspect",
        "dataclasses",
        "pathlib",
    }
)

CRASH_CHILD = r"""
import os, sys  # as every start has them
root, site_packages, mode = sys.argv[1:4]
sys.path[:0] = [root, site_packages]
import crashreport
options = {"dry_run": True} if mode == "dry-run" else {"endpoint": "https://crash.example.org/v1"}
crashreport.install(product="path-check", version="1", capture_locals=True, **options)
before = set(sys.modules)
seen = {}


def watch(frame, event, arg):
    # the moment the consent step opens the terminal to ask
    if event == "call" and frame.f_code.co_name == "open_terminal" and "prompt" not in seen:
        seen["prompt"] = sorted(set(sys.modules) - before)


sys.setprofile(watch)
try:
    raise ValueError("connect to db.internal.example.com:5432 failed (password=hunter2)")
except ValueError:
    sys.excepthook(*sys.exc_info())
sys.setprofile(None)
seen["end"] = sorted(set(sys.modules) - before)
import json  # only now: it imports re, which the crash path must be seen importing
sys.stdout.write(json.dumps(seen))
"""


def crash_imports(mode: str, home: Path) -> dict[str, list[str]]:
    """Run a real crash through the installed excepthook in a bare interpreter (nothing
    preloaded); the modules it loaded by the prompt and by the end."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CRASHREPORT_") and k not in ("CI", "DO_NOT_TRACK", "TERM")
    }
    env.update(CHECKPOINT_DISABLE="1", XDG_DATA_HOME=str(home), XDG_STATE_HOME=str(home))
    child = subprocess.run(
        [sys.executable, "-I", "-S", "-c", CRASH_CHILD, str(ROOT), site.getsitepackages()[0], mode],
        stdin=subprocess.DEVNULL,  # nobody to ask: the terminal is opened, then refused
        capture_output=True,
        text=True,
        env=env,
        cwd=str(home),
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    assert "ValueError" in child.stderr  # Python's own traceback was printed
    seen: dict[str, list[str]] = json.loads(child.stdout)
    return seen


def test_the_crash_path_imports_nothing_heavy_before_the_prompt(tmp_path: Path) -> None:
    """From the exception reaching the hook to the terminal being opened for the
    question, none of attrs, httpx, subprocess, typing, uuid, datetime ... is
    imported (delivery's modules load after the answer)."""
    seen = crash_imports("prompt", tmp_path)
    assert "prompt" in seen, "the consent step never opened the terminal: the check proves nothing"
    at_prompt = set(seen["prompt"])
    assert {"crashreport.capture", "crashreport.redact", "crashreport.consent"} <= at_prompt
    assert "re" in at_prompt  # the bare interpreter really had nothing preloaded
    assert not NOT_BEFORE_THE_PROMPT & at_prompt, sorted(NOT_BEFORE_THE_PROMPT & at_prompt)
    assert "crashreport.transport.outbox" in seen["end"]  # kept for review, after the answer


def test_a_dry_run_imports_neither_the_prompt_nor_delivery(tmp_path: Path) -> None:
    """A dry run shows the report and its payload without loading the consent step,
    the transports, attrs or anything else on the list."""
    seen = crash_imports("dry-run", tmp_path)
    end = set(seen["end"])
    assert "prompt" not in seen  # nobody is asked in a dry run
    assert "crashreport.render" in end
    assert not {m for m in end if m.startswith(("crashreport.consent", "crashreport.transport."))}
    assert not NOT_BEFORE_THE_PROMPT & end, sorted(NOT_BEFORE_THE_PROMPT & end)
