"""Every branch of the consent prompt, driven in a real pseudo-terminal (pexpect),
with a real HTTP server on 127.0.0.1 saying what it received: nothing, or exactly
the payload the user was shown (compared by SHA-256)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import signal
import stat
import sys
import time
from pathlib import Path

import pexpect

from crashreport.transport import outbox
from fixtures import secrets
from tests.conftest import (
    CTRL_C,
    CTRL_D,
    DOWN,
    ENTER,
    PAGER,
    PROMPT_APP,
    QUESTION,
    UP,
    Receiver,
    plain,
    sent_bodies,
    sent_body,
    spawn,
)

DIGEST = re.compile(r"-- (\d+) bytes, sha256 ([0-9a-f]{64}) --")
REPORT_ID = re.compile(r"crash report ([0-9a-f-]{36})")


def start(env: dict[str, str], receiver: Receiver, tmp_path: Path, **extra: str) -> pexpect.spawn:
    """The prompt app in a pty, reporting to ``receiver``, its outbox in ``tmp_path``."""
    env = {
        **env,
        "FIXTURE_ENDPOINT": receiver.url,
        "CRASHREPORT_OUTBOX_DIR": str(tmp_path / "outbox"),
        **extra,
    }
    return spawn([sys.executable, str(PROMPT_APP)], env, cwd=tmp_path)


def kept(tmp_path: Path) -> list[outbox.Entry]:
    return outbox.entries(tmp_path / "outbox")


def finish(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF)
    child.close()
    return plain(child.before)


def assert_no_secret(body: bytes) -> None:
    text = body.decode("utf-8").lower()
    for value in secrets.PLANTED:
        assert value.lower() not in text, f"planted secret {value!r} was sent"


def assert_is_digest_header(request: dict[str, object], body: bytes) -> None:
    headers = request["headers"]
    assert isinstance(headers, dict)
    assert headers["X-Crashreport-Digest"] == "sha256=" + hashlib.sha256(body).hexdigest()


def test_the_screens_come_in_order_then_the_select(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """Traceback, redacted report, summary, destination, then the five choices, default no."""
    child = start(clean_env, receiver, tmp_path)
    child.expect("Traceback \\(most recent call last\\)")
    child.expect(REPORT_ID)
    child.expect("removed: [^\r\n]*password")
    child.expect("will be sent to 127.0.0.1")
    child.expect(QUESTION)
    child.expect("Add a comment")
    menu = plain(child.before)
    for choice in ("Send report", "Don't send", "View full report", "Save to file"):
        assert choice in menu
    assert re.search(r"\S+ Don't send", menu), "the pointer starts on Don't send"
    child.send(ENTER)
    child.expect("crashreport: not sent")
    finish(child)
    assert receiver.requests == []
    assert kept(tmp_path) == []  # an explicit no is not kept for later


def test_send_delivers_the_shown_report_once(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """Choosing "Send report" delivers the report shown, once, with its digest, no secret."""
    child = start(clean_env, receiver, tmp_path)
    child.expect(REPORT_ID)
    shown_id = child.match.group(1)
    child.expect(QUESTION)
    child.send(UP + ENTER)
    child.expect(f"report {shown_id} sent to 127.0.0.1")
    finish(child)
    assert child.exitstatus == 1
    assert len(receiver.requests) == 1
    body = sent_body(receiver.requests[0])
    assert json.loads(body)["id"] == shown_id
    assert_is_digest_header(receiver.requests[0], body)
    assert_no_secret(body)


def test_view_pages_every_byte_then_send_delivers_exactly_those_bytes(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """The full view goes through the pager when it does not fit; the pager got every
    byte of the payload and its digest, and the server got exactly that payload."""
    log = tmp_path / "pager.log"
    pager = f"{shlex.quote(sys.executable)} {shlex.quote(str(PAGER))} {shlex.quote(str(log))}"
    child = start({**clean_env, "PAGER": pager}, receiver, tmp_path)
    child.expect(QUESTION)
    child.send(DOWN + ENTER)
    child.expect(DIGEST)
    size, digest = int(child.match.group(1)), child.match.group(2)
    child.expect("every byte that will be sent")
    child.expect(QUESTION)  # asked again after the view
    child.send(UP + ENTER)
    child.expect("sent to 127.0.0.1")
    finish(child)
    (request,) = receiver.requests
    body = sent_body(request)
    assert (len(body), hashlib.sha256(body).hexdigest()) == (size, digest)
    assert_is_digest_header(request, body)
    paged = log.read_bytes()  # what the pager showed, byte for byte
    assert paged.startswith(body)
    assert f"-- {size} bytes, sha256 {digest} --".encode() in paged[len(body) :]


def test_view_that_fits_is_shown_without_a_pager(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """On a terminal tall enough for it, the full view is written out whole, no pager run."""
    log = tmp_path / "pager.log"
    pager = f"{shlex.quote(sys.executable)} {shlex.quote(str(PAGER))} {shlex.quote(str(log))}"
    child = start({**clean_env, "PAGER": pager}, receiver, tmp_path)
    child.setwinsize(400, 200)
    child.expect(QUESTION)
    child.send(DOWN + ENTER)
    child.expect(DIGEST)
    digest = child.match.group(2)
    viewed = plain(child.before)
    child.expect(QUESTION)
    child.send(UP + ENTER)
    child.expect("sent to 127.0.0.1")
    finish(child)
    assert not log.exists()
    body = sent_body(receiver.requests[0])
    assert hashlib.sha256(body).hexdigest() == digest
    assert body.decode("utf-8") in viewed  # every byte, on the screen


def test_save_then_dont_send(clean_env: dict[str, str], receiver: Receiver, tmp_path: Path) -> None:
    """Choosing "Save to file" writes the payload (0600, default name in the current directory),
    asks again, and "Don't send" then sends nothing."""
    child = start(clean_env, receiver, tmp_path)
    child.expect(REPORT_ID)
    shown_id = child.match.group(1)
    child.expect(QUESTION)
    child.send(DOWN + DOWN + ENTER)
    child.expect("Save the report to:")
    child.expect(f"crashreport-{shown_id[:8]}.json")  # the default, ready to accept
    child.send(ENTER)
    child.expect(r"saved to (\S+) \((\d+) bytes, sha256 ([0-9a-f]{64})\)")
    path, digest = Path(child.match.group(1)), child.match.group(3)
    child.expect(QUESTION)
    child.send(ENTER)
    child.expect("not sent")
    finish(child)
    assert receiver.requests == []
    assert path == tmp_path / f"crashreport-{shown_id[:8]}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = path.read_bytes()
    assert hashlib.sha256(saved).hexdigest() == digest
    assert json.loads(saved)["id"] == shown_id
    assert_no_secret(saved)


def test_save_to_a_typed_path(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """A path the user types replaces the default; an existing file is never overwritten."""
    (tmp_path / "taken.json").write_text("mine")
    child = start(clean_env, receiver, tmp_path)
    child.expect(QUESTION)
    child.send(DOWN + DOWN + ENTER)
    child.expect("Save the report to:")
    child.send("\x15taken.json" + ENTER)  # Ctrl-U clears the default first
    child.expect("not saved to taken.json: it already exists")
    child.expect(QUESTION)
    child.send(DOWN + DOWN + ENTER)
    child.expect("Save the report to:")
    child.send("\x15sub-report.json" + ENTER)
    child.expect("saved to ")
    child.expect(QUESTION)
    child.send(UP + ENTER)
    child.expect("sent to 127.0.0.1")
    finish(child)
    assert (tmp_path / "taken.json").read_text() == "mine"
    assert (tmp_path / "sub-report.json").read_bytes() == sent_body(receiver.requests[0])


def test_comment_is_redacted_shown_back_and_sent(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """A comment is redacted like the rest, shown back as it will be sent, and the
    payload sent (checked by the digest of the full view) carries it."""
    child = start(clean_env, receiver, tmp_path)
    child.expect(QUESTION)
    child.send(DOWN * 3 + ENTER)
    child.expect("Your comment")
    typed = f"it broke on {secrets.DB_HOST} with password={secrets.DB_PASSWORD} again"
    child.send(typed + ENTER)
    child.expect("your comment, as it will be sent:")
    child.expect(r"\n +(it broke on [^\r\n]+ again)")
    shown_comment = child.match.group(1)
    assert secrets.DB_HOST not in shown_comment
    assert secrets.DB_PASSWORD not in shown_comment
    child.expect(QUESTION)
    child.send(DOWN + ENTER)  # view: the payload now holds the comment
    child.expect(DIGEST)
    digest = child.match.group(2)
    child.expect(QUESTION)
    child.send(UP + ENTER)
    child.expect("sent to 127.0.0.1")
    finish(child)
    (request,) = receiver.requests
    body = sent_body(request)
    assert hashlib.sha256(body).hexdigest() == digest
    assert json.loads(body)["comment"] == shown_comment
    assert_no_secret(body)


def test_ctrl_c_and_ctrl_d_mean_dont_send(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """Ctrl-C (at the select) and Ctrl-D (while typing a file name) end with nothing sent."""
    for keys, word in ((UP + CTRL_C, "Ctrl-C"), (DOWN + DOWN + ENTER, "Ctrl-D")):
        child = start(clean_env, receiver, tmp_path)
        child.expect(QUESTION)
        child.send(keys)
        if word == "Ctrl-D":
            child.expect("Save the report to:")
            child.send(CTRL_D)
        child.expect(f"not sent \\({word}\\)")
        finish(child)
        assert child.exitstatus == 1
    assert receiver.requests == []
    assert list((tmp_path).glob("crashreport-*.json")) == []


def test_a_closed_terminal_kills_an_app_that_keeps_sighup_default(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """Closing the terminal (the pty's master) while the prompt waits ends the app
    (SIGHUP, as without crashreport); nothing is sent."""
    child = start(clean_env, receiver, tmp_path)
    child.expect(QUESTION)
    child.send(UP)  # "Send report" highlighted, never confirmed
    status = close_terminal(child)
    assert os.WIFSIGNALED(status)
    assert os.WTERMSIG(status) == signal.SIGHUP
    assert receiver.requests == []


def test_a_closed_terminal_means_dont_send_and_the_report_waits(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """An app that ignores SIGHUP: the closed terminal ends the prompt with nothing sent,
    the report waits in the outbox for review, and the app exits."""
    child = start(clean_env, receiver, tmp_path, FIXTURE_HUP="ignore")
    child.expect(REPORT_ID)
    shown_id = child.match.group(1)
    child.expect(QUESTION)
    child.send(UP)
    status = close_terminal(child)
    assert os.WIFEXITED(status)
    assert os.WEXITSTATUS(status) == 1
    assert receiver.requests == []
    (entry,) = kept(tmp_path)
    assert entry.state == outbox.REVIEW
    assert entry.payload.report_id == shown_id


def close_terminal(child: pexpect.spawn, limit: float = 30.0) -> int:
    """Close the pty's master side like a terminal window closing; the child's wait status."""
    os.close(child.child_fd)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        pid, status = os.waitpid(child.pid, os.WNOHANG)
        if pid:
            child.closed = True  # pexpect must not touch the fd again
            child.terminated = True
            return status
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    os.waitpid(child.pid, 0)
    child.closed = True
    raise AssertionError("the app still ran 30 s after its terminal was closed")


def test_no_answer_in_time_keeps_the_report_and_the_app_exits(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """With prompt_timeout=2, an untouched prompt ends "not sent", the report waits in
    the outbox for review, one line says how to review it, and the app exits."""
    child = start(clean_env, receiver, tmp_path, FIXTURE_TIMEOUT="2")
    child.expect(REPORT_ID)
    shown_id = child.match.group(1)
    child.expect(QUESTION)
    began = time.monotonic()
    child.expect("not sent: no answer in 2 seconds; kept in (\\S+) -- review it with: ")
    path = child.match.group(1)
    child.expect("crashreport outbox review")
    finish(child)
    assert time.monotonic() - began >= 1.5
    assert child.exitstatus == 1
    assert receiver.requests == []
    (entry,) = kept(tmp_path)
    assert (str(entry.path), entry.state, entry.payload.report_id) == (
        path,
        outbox.REVIEW,
        shown_id,
    )


def test_the_time_limit_also_ends_a_half_typed_answer(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """CRASHREPORT_PROMPT_TIMEOUT applies to every question: a file name left half
    typed ends the whole conversation unanswered, and nothing is saved or sent."""
    child = start(clean_env, receiver, tmp_path, CRASHREPORT_PROMPT_TIMEOUT="2")
    child.expect(QUESTION)
    child.send(DOWN + DOWN + ENTER)
    child.expect("Save the report to:")
    child.send("half")
    child.expect("not sent: no answer in 2 seconds; kept in ")
    finish(child)
    assert receiver.requests == []
    assert list(tmp_path.glob("*.json")) == []
    assert len(kept(tmp_path)) == 1


# ---------------------------------------------------------------- hard cases


def test_threads_crashing_at_once_are_asked_one_at_a_time(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """Three threads crash together: three prompts, one after the other, each about its
    own report; the two accepted arrive once each, the declined one never."""
    child = start(clean_env, receiver, tmp_path, FIXTURE_MODE="threads", FIXTURE_THREADS="3")
    shown: list[str] = []
    for answer in (UP + ENTER, ENTER, UP + ENTER):
        child.expect(REPORT_ID)
        shown.append(child.match.group(1))
        child.expect(QUESTION)
        child.expect("Add a comment")
        assert QUESTION not in plain(child.before)  # never two questions at once
        child.send(answer)
        child.expect("crashreport: (report \\S+ sent to 127.0.0.1|not sent)")
    child.expect("every worker finished")
    rest = finish(child)
    assert QUESTION not in rest
    assert child.exitstatus == 0
    assert len(set(shown)) == 3
    received = [json.loads(body)["id"] for body in sent_bodies(receiver)]
    assert sorted(received) == sorted([shown[0], shown[2]])
    for request in receiver.requests:
        assert_is_digest_header(request, sent_body(request))


def test_report_exception_inside_a_running_event_loop(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """report_exception() from a coroutine inside asyncio.run: the prompt works (it
    cannot run on the host's loop), the report is sent, and the loop goes on."""
    child = start(clean_env, receiver, tmp_path, FIXTURE_MODE="asyncio_report")
    child.expect(QUESTION)
    child.send(UP + ENTER)
    child.expect("sent to 127.0.0.1")
    child.expect("reported from the loop: sent")
    child.expect("the loop goes on")
    finish(child)
    assert child.exitstatus == 0
    (body,) = sent_bodies(receiver)
    assert json.loads(body)["mechanism"] == "report_exception"


def test_guard_inside_a_running_event_loop(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """guard() in a coroutine asks once inside the loop; the exception goes on out of
    asyncio.run and the excepthook does not ask again."""
    child = start(clean_env, receiver, tmp_path, FIXTURE_MODE="asyncio_guard")
    child.expect(QUESTION)
    child.send(UP + ENTER)
    child.expect("sent to 127.0.0.1")
    rest = finish(child)
    assert QUESTION not in rest
    assert "OperationalError" in rest  # Python's traceback, as the exception goes on
    assert child.exitstatus == 1
    (body,) = sent_bodies(receiver)
    assert json.loads(body)["mechanism"] == "guard"


def test_a_terminal_left_in_raw_mode_is_made_usable_then_restored(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """A TUI crashed leaving the terminal raw: the screens still break lines properly,
    the prompt answers, and the terminal is left in the mode the app left it."""
    child = start(clean_env, receiver, tmp_path, FIXTURE_MODE="raw")
    child.expect("removed: [^\r\n]*\r\n")  # CR-LF: output translation is on again
    child.expect("will be sent to 127.0.0.1[^\r\n]*\r\n")
    child.expect(QUESTION)
    child.send(UP + ENTER)
    child.expect("sent to 127.0.0.1")
    child.expect("fixture-exit: terminal raw")  # what the app left, we leave
    finish(child)
    assert len(receiver.requests) == 1


def test_stdout_redirected_with_stdin_a_terminal_never_asks(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """stdin a TTY but stdout a file: nobody is asked (the screens would go unseen),
    nothing is sent, the report is kept for review, and the app ends at once."""
    out = tmp_path / "out.txt"
    env = {
        **clean_env,
        "FIXTURE_ENDPOINT": receiver.url,
        "CRASHREPORT_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    command = f"exec {shlex.quote(sys.executable)} {shlex.quote(str(PROMPT_APP))} > {out}"
    child = spawn(["/bin/sh", "-c", command], env, cwd=tmp_path)
    child.expect("not sent: stdout is not a terminal; kept in \\S+ -- review it with: ")
    rest = finish(child)
    assert QUESTION not in rest + out.read_text()
    assert receiver.requests == []
    assert [e.state for e in kept(tmp_path)] == [outbox.REVIEW]


def test_a_program_in_the_background_never_reads_the_terminal(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """A crash in a background job (its own process group) is not asked about -- reading
    the terminal would stop the job -- but kept for review; nothing hangs."""
    child = start(clean_env, receiver, tmp_path, FIXTURE_MODE="background")
    child.expect("not sent: the program runs in the background of its terminal; kept in ")
    child.expect("background child exited 1")
    rest = finish(child)
    assert QUESTION not in rest
    assert receiver.requests == []
    assert [e.state for e in kept(tmp_path)] == [outbox.REVIEW]


def test_a_second_crash_inside_the_prompt_sends_nothing_and_restores_the_terminal(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """The host's signal handler raises while the prompt is up: the prompt ends, nothing
    is sent, the report waits for review, and the terminal is cooked again."""
    child = start(clean_env, receiver, tmp_path)
    child.expect(QUESTION)
    child.send(UP)  # "Send report" highlighted, never confirmed
    child.expect("Send report")
    os.kill(child.pid, signal.SIGUSR1)
    child.expect("not sent: the prompt failed \\(RuntimeError\\); kept in ")
    child.expect("fixture-exit: terminal cooked")
    finish(child)
    assert child.exitstatus == 1
    assert receiver.requests == []
    assert [e.state for e in kept(tmp_path)] == [outbox.REVIEW]


def test_a_report_made_mid_question_waits_and_the_question_goes_on(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """A second report made by a signal handler while the prompt is up is never asked
    about on top of it (the hooks drop a report made while reporting; were it to reach
    the prompt, it would be kept for review); the first question still answers."""
    child = start(clean_env, receiver, tmp_path)
    child.expect(REPORT_ID)
    first = child.match.group(1)
    child.expect(QUESTION)
    child.expect("Add a comment")
    os.kill(child.pid, signal.SIGUSR2)
    child.expect("fixture: nested report: (None|kept)")
    nested = child.match.group(1)
    child.send(UP + ENTER)
    child.expect(f"report {first} sent to 127.0.0.1")
    rest = finish(child)
    assert "ValueError" not in rest  # the second report was never shown nor asked about
    assert [json.loads(b)["id"] for b in sent_bodies(receiver)] == [first]
    assert len(kept(tmp_path)) == (1 if nested == "kept" else 0)


def test_keys_typed_before_the_question_never_answer_it(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """Up and Enter pressed while the program was still starting are dropped: only a
    key pressed after the report is on the screen answers, and Enter then declines."""
    child = start(clean_env, receiver, tmp_path)
    child.send(UP + ENTER + UP + ENTER)  # long before the crash and the question
    child.expect(QUESTION)
    child.expect("Add a comment")
    time.sleep(1.0)  # had the early keys been read, the question would be gone by now
    child.send(ENTER)
    child.expect("crashreport: not sent")
    finish(child)
    assert receiver.requests == []
