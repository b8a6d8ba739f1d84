"""crashreport.testing as bare functions: scripted answers through the real prompt,
the watch's recording and checks around ``handle.process`` and the transports (a
real HTTP server on 127.0.0.1 where something is sent), dry-run sockets refused by
the audit hook, and the planted-secret assertion."""

from __future__ import annotations

import contextlib
import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from crashreport import consent, handle, testing
from crashreport.capture import capture
from crashreport.config import Config
from crashreport.consent import terminal as terminal_module
from crashreport.outcome import Outcome, Status
from crashreport.payload import _CONSENT_KEY, ConsentedReport, Payload
from crashreport.redact import redact
from crashreport.render import payload as make_payload
from crashreport.report import Report
from crashreport.transport import outbox, redeliver
from crashreport.transport.base import Destination
from crashreport.transport.http import JsonTransport
from tests.conftest import Receiver, consented, sent_bodies

PLANTED = "Zebulon Quartermaine"  # a customer's name: nothing in redaction knows it


def a_report(message: str = f"sync failed for customer {PLANTED}") -> Report:
    """A real captured report of a raised exception."""
    try:
        raise ConnectionError(message)
    except ConnectionError as exc:
        return capture(exc, product="testing-test", version="1.0", mechanism="test")


def config(receiver: Receiver, tmp_path: Path, **changes: object) -> Config:
    return Config(
        endpoint=receiver.url,
        outbox_dir=str(tmp_path / "outbox"),
        prompt_timeout=20,
        send_timeout=20,
        **changes,
    )


def process(report: Report, cfg: Config) -> tuple[Outcome, str]:
    """``handle.process`` as the hooks call it; the outcome and what it wrote."""
    out = io.StringIO()
    return handle.process(report, cfg, out=out), out.getvalue()


def ask(payload: Payload, timeout: float = 20.0) -> consent.Decision:
    """The real ``consent.ask`` about ``payload``, with comments redacted as handle does."""
    return consent.ask(
        payload,
        screen="the report\nremoved: nothing\nwill be sent to crash.example.org\n",
        destination="crash.example.org",
        add_comment=handle.commenter(a_report(), Config()),
        timeout=timeout,
    )


PAYLOAD = make_payload(redact(a_report("the ledger is locked")))


@contextlib.contextmanager
def watching(**options: bool) -> Iterator[tuple[testing.Watch, list[str]]]:
    """A running ``Watch``, and -- filled when the block ends -- what it found wrong."""
    seen = testing.Watch(**options)
    failures: list[str] = []
    seen.start()
    try:
        yield seen, failures
    finally:
        failures.extend(seen.stop())


# ---------------------------------------------------------------- answers, through the prompt


@pytest.mark.parametrize(
    ("steps", "answer", "reason"),
    [
        (("yes",), consent.SEND, ""),
        ((testing.SEND,), consent.SEND, ""),
        (("no",), consent.DECLINE, ""),
        ((testing.DONT_SEND,), consent.DECLINE, ""),
        (("view", "send"), consent.SEND, ""),
        ((testing.VIEW, testing.VIEW, "no"), consent.DECLINE, ""),
        (("ctrl-c",), consent.CANCEL, "Ctrl-C"),
        ((testing.CTRL_D,), consent.CANCEL, "Ctrl-D"),
        (("close",), consent.UNANSWERED, "the terminal was closed"),
        ((testing.NOBODY,), consent.NO_TERMINAL, "nobody is at the terminal (scripted: NOBODY)"),
    ],
)
def test_each_script_ends_the_real_prompt_as_a_person_would(
    steps: tuple[str | testing.Step, ...], answer: str, reason: str
) -> None:
    """Each scripted conversation reaches the real select and ends the way those keys
    end it; only "Send report" makes a ConsentedReport, of the payload shown."""
    with testing.watch() as seen:
        seen.answers.script(*steps)
        decision = ask(PAYLOAD)
    assert (decision.answer, decision.reason) == (answer, reason)
    assert (decision.consented is not None) == (answer == consent.SEND)
    (talk,) = seen.recording.conversations
    assert (talk.report_id, talk.answer, talk.unasked) == (PAYLOAD.report_id, answer, ())
    if answer != consent.NO_TERMINAL:
        assert talk.shown[0].startswith("the report\n")
        assert "Send this crash report to crash.example.org?" in talk.transcript
    views = sum(step in ("view", testing.VIEW) for step in steps)
    assert talk.shown_text().count("this is every byte that will be sent") == views


def test_a_comment_is_typed_into_the_prompt_and_redacted_into_the_payload() -> None:
    """``comment(text)`` types the text at the comment question; the payload offered
    and consented carries it redacted, and the screen shows it as it will be sent."""
    with testing.watch() as seen:
        seen.answers.script(testing.comment("it broke on db7.corp.example.net"), "yes")
        decision = ask(PAYLOAD)
    assert decision.consented is not None
    comment = decision.consented.payload.data()["comment"]
    assert "it broke on" in comment
    assert "db7.corp.example.net" not in comment
    assert "your comment, as it will be sent:" in seen.recording.conversations[0].shown_text()


def test_save_types_the_path_or_keeps_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``save(path)`` replaces the default name with ``path``; ``save()`` keeps the
    default, in the current directory; each file holds exactly the payload."""
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "mine.json"
    with testing.watch() as seen:
        seen.answers.script(testing.save(str(target)), testing.save(), "no")
        decision = ask(PAYLOAD)
    assert decision.answer == consent.DECLINE
    assert target.read_bytes() == PAYLOAD.body
    assert (tmp_path / consent.default_save_name(PAYLOAD)).read_bytes() == PAYLOAD.body


def test_wait_lets_the_time_limit_answer() -> None:
    """``WAIT`` presses nothing: the prompt's own time limit ends the conversation."""
    with testing.watch() as seen:
        seen.answers.script(testing.WAIT)
        decision = ask(PAYLOAD, timeout=1.0)
    assert (decision.answer, decision.reason) == (consent.UNANSWERED, "no answer in 1 seconds")


def test_wait_with_a_long_time_limit_fails_fast_instead_of_hanging() -> None:
    """A ``WAIT`` under the default five-minute limit closes the terminal at once and
    fails the block, saying which setting to lower."""
    with watching() as (seen, failures):
        seen.answers.script("wait")
        decision = ask(PAYLOAD, timeout=300.0)
    assert decision.reason == "the terminal was closed"
    (failure,) = failures
    assert "time limit is 300 s; set prompt_timeout (CRASHREPORT_PROMPT_TIMEOUT)" in failure


def test_conversations_are_answered_in_order_and_unused_ones_fail() -> None:
    """Scripts are taken one per prompt, in order; a script left over fails the block,
    and so does a prompt nobody scripted (it finds nobody at the terminal)."""
    with watching() as (seen, failures):
        seen.answers.script("no").script("yes").script("view", "no")
        answers = [ask(PAYLOAD).answer, ask(PAYLOAD).answer]
        pending = seen.answers.pending
    assert answers == [consent.DECLINE, consent.SEND]
    assert pending == [(testing.VIEW, testing.DONT_SEND)]
    assert failures == [
        "a scripted conversation was never asked: [VIEW, DONT_SEND] (no report was offered for it)"
    ]
    with watching() as (seen, failures):
        seen.answers.activate()
        answer = ask(PAYLOAD).answer
    assert answer == consent.NO_TERMINAL
    (failure,) = failures
    assert f"the prompt opened for report {PAYLOAD.report_id}, but no answers were" in failure


def test_watch_raises_at_the_end_of_a_block_that_went_wrong() -> None:
    """``watch()`` turns what it found into a ``CheckFailed`` when its block ends."""

    def block() -> None:
        with testing.watch() as seen:
            seen.answers.script("yes")

    with pytest.raises(testing.CheckFailed, match=r"found 1 problem:\n  - a scripted"):
        block()


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ((), "needs the steps"),
        (("view",), "does not end"),
        (("yes", "no"), "SEND ends the conversation"),
        (("view", "nobody"), "NOBODY means the prompt never opens"),
        (("maybe",), "unknown answer 'maybe'"),
        (("comment:   ",), "needs the text to type"),
    ],
)
def test_a_script_that_cannot_be_meant_is_refused_at_once(
    steps: tuple[str, ...], message: str
) -> None:
    """Scripts that would hang or mean nothing raise ValueError when written."""
    with testing.watch() as seen, pytest.raises(ValueError, match=message):
        seen.answers.script(*steps)


def test_a_comment_is_one_line() -> None:
    """Enter ends the comment question, so a comment with a newline is refused."""
    with pytest.raises(ValueError, match="one line"):
        testing.comment("first\nsecond")


# ---------------------------------------------------------------- sends, recorded and checked


def test_a_yes_is_recorded_and_delivered_to_the_real_server(
    receiver: Receiver, tmp_path: Path
) -> None:
    """With ``deliver=True`` the server gets exactly the payload recorded, which is
    the one that was shown; the record carries the screen seen before the yes."""
    with testing.watch(deliver=True, guard=True) as seen:
        seen.answers.script("view", "yes")
        outcome, _said = process(a_report(), config(receiver, tmp_path))
    assert outcome.status is Status.SENT
    (sent,) = seen.recording.sent
    assert sent_bodies(receiver) == [sent.body]
    assert receiver.requests[0]["headers"]["X-Crashreport-Digest"] == (
        f"sha256={sent.payload.digest}"
    )
    assert (sent.consent, sent.delivered, sent.host) == ("prompt", True, "127.0.0.1")
    assert sent.payload == seen.recording.conversations[0].payload
    assert f"crash report {sent.report_id}" in sent.shown
    assert sent.body.decode() in sent.shown  # the full view was chosen: every byte


def test_without_deliver_nothing_leaves_and_the_send_is_answered_as_delivered(
    receiver: Receiver, tmp_path: Path
) -> None:
    """By default a consented send is only recorded: the server gets nothing, the
    app sees a delivery, nothing is queued in the outbox."""
    with testing.watch() as seen:
        seen.answers.script("yes")
        outcome, said = process(a_report(), config(receiver, tmp_path))
    assert outcome.status is Status.SENT
    assert receiver.requests == []
    (sent,) = seen.recording.sent
    assert not sent.delivered
    assert sent.delivery.detail == "recorded by crashreport.testing (not sent)"
    assert seen.recording.reports() == [json.loads(sent.body)]
    assert outbox.entries(tmp_path / "outbox") == []
    assert f"report {sent.report_id} sent to 127.0.0.1" in said
    assert said in seen.recording.output


def test_sentry_sends_are_recorded_and_checked_like_json_ones(
    receiver: Receiver, tmp_path: Path
) -> None:
    """A report for a Sentry DSN goes through the same check and record: after a yes
    the envelope reaches the server (``deliver=True``), with the payload recorded."""
    dsn = f"http://publickey@127.0.0.1:{receiver.port}/7"
    cfg = Config(dsn=dsn, outbox_dir=str(tmp_path / "outbox"), prompt_timeout=20, send_timeout=20)
    with testing.watch(deliver=True, guard=True) as seen:
        seen.answers.script("yes")
        outcome, _said = process(a_report(), cfg)
    assert outcome.status is Status.SENT
    (sent,) = seen.recording.sent
    assert (sent.consent, sent.destination.dsn, sent.delivered) == ("prompt", dsn, True)
    (request,) = receiver.requests
    assert request["path"] == "/api/7/envelope/"
    assert sent.report_id.replace("-", "") in request["body"].decode()


def test_a_watch_that_is_not_running_refuses_to_patch_or_scope() -> None:
    """Scripting answers or opening a dry-run block on a watch that is not running is
    an error, not a silent no-op (nothing would be put back, nothing checked)."""
    idle = testing.Watch()
    with pytest.raises(RuntimeError, match="not running"):
        idle.answers.script("yes")
    with pytest.raises(RuntimeError, match="not running"), idle.guard.dry_run():
        pass  # pragma: no cover - never reached


def test_a_report_made_without_the_prompt_is_blocked_and_named(
    receiver: Receiver, tmp_path: Path
) -> None:
    """A ConsentedReport forged with the consent key, sent through a transport the
    code made itself, never reaches the server; the guard names the report."""
    forged = ConsentedReport(PAYLOAD, _key=_CONSENT_KEY)
    transport = JsonTransport(Destination(endpoint=receiver.url), timeout=10)
    with watching(deliver=True, guard=True) as (seen, failures):
        delivery = transport.send(forged)
    assert not delivery.delivered
    assert seen.recording.sent[0].consent is None
    assert receiver.requests == []
    (failure,) = failures
    assert failure.startswith(
        f"report {PAYLOAD.report_id} was sent to 127.0.0.1 without a recorded yes: "
        'no "Send report" was answered for it in this test'
    )


def test_outbox_reports_count_as_agreed_only_when_they_were_queued(
    receiver: Receiver, tmp_path: Path
) -> None:
    """A report queued after a yes goes out again (``consent="outbox"``); one kept
    for review, made sendable with ``consented_from_outbox``, is blocked."""
    folder = tmp_path / "outbox"
    destination = Destination(endpoint=receiver.url)
    queued = consented("queued after a yes")
    outbox.keep(queued, outbox.QUEUED, destination, folder, say=None)
    with testing.watch(deliver=True, guard=True) as seen:
        (attempt,) = redeliver.send_waiting(folder, timeout=10)
    assert attempt.delivered
    assert [s.consent for s in seen.recording.sent] == ["outbox"]
    assert sent_bodies(receiver) == [queued.payload.body]

    kept = make_payload(redact(a_report("kept for review")))
    outbox.keep(kept, outbox.REVIEW, destination, folder, say=None)
    with watching(deliver=True, guard=True) as (_seen, failures):
        for entry in outbox.entries(folder):
            JsonTransport(destination, timeout=10).send(
                consent.consented_from_outbox(entry.payload)
            )
    assert len(receiver.requests) == 1
    assert failures == [
        f"report {kept.report_id} was sent to 127.0.0.1 without a recorded yes: "
        "it was kept in the outbox for review, and nobody agreed to send it"
    ]


def test_a_recorded_outbox_send_leaves_the_report_waiting(
    receiver: Receiver, tmp_path: Path
) -> None:
    """Without ``deliver``, a queued report sent again is recorded but answered "try
    again later": it stays queued, nothing reaches the server, nothing is lost."""
    folder = tmp_path / "outbox"
    queued = consented("queued after a yes")
    outbox.keep(queued, outbox.QUEUED, Destination(endpoint=receiver.url), folder, say=None)
    with testing.watch(guard=True) as seen:
        (attempt,) = redeliver.send_waiting(folder, timeout=10)
    assert not attempt.delivered
    assert [(s.consent, s.delivered) for s in seen.recording.sent] == [("outbox", False)]
    assert receiver.requests == []
    assert [e.report_id for e in outbox.entries(folder)] == [queued.report_id]
    assert outbox.entries(folder)[0].state == outbox.QUEUED


def test_the_watch_puts_every_seam_back() -> None:
    """After the block, the prompt, the terminal seam, the transports, the outbox
    readers and ``handle.process`` are the originals again."""
    before = (
        consent.ask,
        terminal_module.open_terminal,
        JsonTransport.send,
        outbox.entries,
        outbox.claim,
        handle.process,
    )
    with testing.watch() as seen:
        seen.answers.activate()
        assert consent.ask is not before[0]
        assert JsonTransport.send is not before[2]
    after = (
        consent.ask,
        terminal_module.open_terminal,
        JsonTransport.send,
        outbox.entries,
        outbox.claim,
        handle.process,
    )
    assert after == before


# ---------------------------------------------------------------- dry runs


def test_a_socket_in_a_dry_run_report_is_refused_and_fails_the_guard(
    receiver: Receiver, tmp_path: Path
) -> None:
    """A host's redaction rule that connects while a dry-run report is handled is
    refused (the report then fails closed) and the guard names the report."""

    def vault_rule(text: str) -> list[object]:
        socket.create_connection(("127.0.0.1", receiver.port), timeout=5).close()
        return []

    report = a_report()
    cfg = config(receiver, tmp_path, dry_run=True, rules=[vault_rule])
    with watching(guard=True) as (_seen, failures):
        outcome, _said = process(report, cfg)
    assert outcome.status is Status.REDACTION_FAILED
    assert receiver.requests == []
    (failure,) = failures
    assert failure.startswith(
        f"a name lookup of '127.0.0.1' (port {receiver.port}) was attempted during the dry "
        f"run of report {report.id} (thread 'MainThread', from {__file__}:"
    )


def test_a_quiet_dry_run_passes_and_its_screens_are_recorded(
    receiver: Receiver, tmp_path: Path
) -> None:
    """A dry run that opens nothing passes the guard; what it printed (the screen and
    every byte of the payload) is in the recording."""
    with testing.watch(guard=True) as seen:
        outcome, said = process(a_report(), config(receiver, tmp_path, dry_run=True))
    assert outcome.status is Status.DRY_RUN
    assert seen.recording.sent == []
    assert "dry run: nothing was sent" in seen.recording.shown()
    assert seen.recording.shown() == said


def test_a_dry_run_block_refuses_sockets_in_every_thread_until_it_ends(
    receiver: Receiver,
) -> None:
    """Inside ``guard.dry_run()`` a connection (from any thread) raises SocketBlocked
    and is noted; after the block the same connection works."""
    import threading

    errors: list[BaseException] = []

    def connect() -> None:
        try:
            with socket.create_connection(("127.0.0.1", receiver.port), timeout=5):
                pass
        except OSError as exc:
            errors.append(exc)

    with watching() as (seen, failures):
        with seen.guard.dry_run():
            worker = threading.Thread(target=connect)
            worker.start()
            worker.join(30)
            connect()
        connect()  # the block is over: this one connects
    assert [type(error) for error in errors] == [testing.SocketBlocked, testing.SocketBlocked]
    assert len(failures) == 2
    assert all("during a dry run (crashreport_guard.dry_run())" in f for f in failures)


# ---------------------------------------------------------------- secrets


def test_a_planted_secret_is_found_as_written_escaped_or_encoded() -> None:
    """The secret is found as written, JSON-escaped in a text, inside a payload's JSON
    strings, and percent-encoded; each hit says where, and nothing else fails."""
    with pytest.raises(testing.SecretLeaked, match=r"'Zebulon Quartermaine' is in the text"):
        testing.assert_no_secrets(PLANTED, f"hello {PLANTED}!")
    quoted = 'pa"ss\\w0rd-é'
    with pytest.raises(testing.SecretLeaked, match="JSON-escaped"):
        testing.assert_no_secrets(quoted, json.dumps({"secret": quoted}))
    payload = Payload.from_data({"id": "1", "message": quoted})
    with pytest.raises(testing.SecretLeaked, match="is in the text"):
        testing.assert_no_secrets([quoted], payload)
    with pytest.raises(testing.SecretLeaked, match="percent-encoded"):
        testing.assert_no_secrets("p@ss word!", b"GET /?pw=p%40ss%20word%21")
    testing.assert_no_secrets([PLANTED, quoted], "nothing here", b"nor here", payload.body[:5])


def test_a_recording_is_searched_everywhere_and_names_the_report(tmp_path: Path) -> None:
    """In a Recording, a leak in the sent payload names that report; after
    ``register_secret``-style redaction (``secrets=``) nothing is found."""
    receiver_less = Config(endpoint="https://crash.example.org/v1", outbox_dir=str(tmp_path))
    with testing.watch() as seen:
        seen.answers.script("yes")
        report = a_report()
        process(report, receiver_less)
    with pytest.raises(testing.SecretLeaked) as leaked:
        seen.recording.assert_no_secrets(PLANTED)
    assert f"is in the payload sent for report {report.id}" in str(leaked.value)
    assert f"what was shown for report {report.id}" in str(leaked.value)
    with testing.watch() as seen:
        seen.answers.script("yes")
        process(a_report(), receiver_less.replace(secrets=(PLANTED,)))
    assert len(seen.recording.sent) == 1
    seen.recording.assert_no_secrets(PLANTED)


def test_bad_input_to_the_secret_check_is_an_error_not_a_pass() -> None:
    """A secret too short to mean anything, no secret, nowhere to look, or a place
    it cannot read raise at once instead of passing."""
    with pytest.raises(ValueError, match="shorter than 4"):
        testing.assert_no_secrets("pw", "text")
    with pytest.raises(ValueError, match="needs the planted secrets"):
        testing.assert_no_secrets([], "text")
    with pytest.raises(ValueError, match="somewhere to look"):
        testing.assert_no_secrets(PLANTED)
    with pytest.raises(TypeError, match="not int"):
        testing.assert_no_secrets(PLANTED, 42)


# ---------------------------------------------------------------- the rest


def test_the_private_outbox_lists_what_waits_by_state(tmp_path: Path) -> None:
    """``Outbox`` lists the reports kept in its directory, by state; an unknown
    state is an error."""
    box = testing.Outbox(tmp_path / "box")
    assert box.entries() == []
    outbox.keep(PAYLOAD, outbox.REVIEW, Destination(endpoint="https://x.example/"), box.path)
    assert box.report_ids() == box.report_ids("review") == [PAYLOAD.report_id]
    assert box.report_ids("queued") == []
    with pytest.raises(ValueError, match="unknown state 'sent'"):
        box.entries("sent")


def test_the_public_names_are_all_exported_and_documented() -> None:
    """``__all__`` lists every public name of crashreport.testing, each documented."""
    # ("@py_builtins" and the like: pytest rewrites the asserts of a plugin's package)
    public = {name for name in vars(testing) if not name.startswith(("_", "@"))}
    public -= {"annotations", "contextmanager", "Iterator"}
    assert set(testing.__all__) == public
    for name in testing.__all__:
        value = getattr(testing, name)
        if callable(value) and not isinstance(value, testing.Step):
            assert value.__doc__, name
