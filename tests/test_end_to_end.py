"""The whole path -- crash, redact, show, ask, send -- in real processes, a real
pseudo-terminal and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from crashreport.transport import outbox
from fixtures import secrets
from tests.conftest import CRASHER, PROMPT_APP, ROOT, Receiver, audit_script, sent_body, spawn

UP = "\x1b[A"
ENTER = "\r"
PROMPT = "Send this crash report"


def crash_in_terminal(env: dict[str, str], receiver: Receiver, **extra: str) -> pexpect.spawn:
    env = {**env, "FIXTURE_ENDPOINT": receiver.url, **extra}
    return spawn([sys.executable, str(CRASHER)], env)


def assert_clean(body: bytes) -> None:
    text = body.decode("utf-8").lower()
    for value in secrets.PLANTED:
        assert value.lower() not in text, f"planted secret {value!r} was sent"


def test_declining_sends_nothing(clean_env: dict[str, str], receiver: Receiver) -> None:
    """The default answer (Enter) is "don't send": the server receives nothing."""
    child = crash_in_terminal(clean_env, receiver)
    child.expect("Traceback \\(most recent call last\\)")
    child.expect("OperationalError")
    child.expect("removed: ")
    child.expect(PROMPT)
    child.send(ENTER)
    child.expect("not sent")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert receiver.requests == []


def test_accepting_sends_one_redacted_report(clean_env: dict[str, str], receiver: Receiver) -> None:
    """After "Send report", exactly one request arrives, its digest matches, and it
    holds none of the planted password, host, IP, port, user or database name."""
    child = crash_in_terminal(clean_env, receiver)
    child.expect(PROMPT)
    child.send(UP + ENTER)
    child.expect("sent to 127.0.0.1")
    child.expect(pexpect.EOF)
    child.close()
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    body = sent_body(request)
    assert request["headers"]["Content-Type"] == "application/json"
    assert (
        request["headers"]["X-Crashreport-Digest"] == "sha256=" + hashlib.sha256(body).hexdigest()
    )
    report = json.loads(body)
    assert request["headers"]["Idempotency-Key"] == report["id"]
    assert report["schema"] == "crashreport.report/1"
    assert report["exception"]["type"] == "OperationalError"
    assert "<password>" in body.decode() or "<user>" in body.decode()
    assert_clean(body)


def test_the_original_traceback_comes_first_unredacted(
    clean_env: dict[str, str], receiver: Receiver
) -> None:
    """The user still sees Python's own traceback (with the real values) before ours."""
    child = crash_in_terminal(clean_env, receiver)
    child.expect(PROMPT)
    before = child.before
    child.send(ENTER)
    child.expect(pexpect.EOF)
    original = before.split("crash report ")[0]
    assert secrets.DB_HOST in original  # Python's own output is untouched
    ours = before.split("crash report ", 1)[1]
    assert secrets.DB_HOST not in ours
    assert secrets.DB_PASSWORD not in ours


@pytest.mark.parametrize("key", ["\x03", "\x04"], ids=["ctrl-c", "ctrl-d"])
def test_interrupting_the_prompt_sends_nothing(
    clean_env: dict[str, str], receiver: Receiver, key: str
) -> None:
    """Ctrl-C or Ctrl-D at the prompt means "don't send", and the program still ends."""
    child = crash_in_terminal(clean_env, receiver)
    child.expect(PROMPT)
    child.send(UP)  # even with "Send report" highlighted
    child.send(key)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert receiver.requests == []


def test_no_terminal_never_prompts(clean_env: dict[str, str], receiver: Receiver) -> None:
    """Without a TTY there is no prompt, nothing is sent, and one line says why."""
    env = {**clean_env, "FIXTURE_ENDPOINT": receiver.url}
    done = subprocess.run(
        [sys.executable, str(CRASHER)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 1
    assert PROMPT not in done.stdout + done.stderr
    assert "not sent: stdin is not a terminal" in done.stderr
    assert "crashreport outbox review" in done.stderr
    assert receiver.requests == []


def test_ci_never_prompts_even_in_a_terminal(clean_env: dict[str, str], receiver: Receiver) -> None:
    """CI=true means nobody can answer: no prompt, nothing sent, even on a TTY."""
    child = crash_in_terminal(clean_env, receiver, CI="true")
    child.expect("not sent: CI is set")
    child.expect(pexpect.EOF)
    assert PROMPT not in child.before
    assert receiver.requests == []


def test_thread_crash_is_reported_and_the_main_thread_goes_on(
    clean_env: dict[str, str], receiver: Receiver
) -> None:
    """A crash in another thread shows Python's thread traceback, then our prompt."""
    child = crash_in_terminal(clean_env, receiver, FIXTURE_MODE="thread")
    child.expect("Exception in thread worker")
    child.expect(PROMPT)
    child.send(UP + ENTER)
    child.expect("sent to 127.0.0.1")
    child.expect("main thread finished")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert len(receiver.requests) == 1
    assert json.loads(sent_body(receiver.requests[0]))["mechanism"] == "thread"


def test_guard_reports_once_then_reraises(clean_env: dict[str, str], receiver: Receiver) -> None:
    """guard() reports the exception and re-raises it; the excepthook does not ask again."""
    child = crash_in_terminal(clean_env, receiver, FIXTURE_MODE="guard")
    child.expect(PROMPT)
    child.send(UP + ENTER)
    child.expect("sent to 127.0.0.1")
    child.expect(pexpect.EOF)
    child.close()
    assert PROMPT not in child.before  # no second prompt for the same exception
    assert child.exitstatus == 1
    assert len(receiver.requests) == 1
    assert json.loads(sent_body(receiver.requests[0]))["mechanism"] == "guard"


def test_dry_run_opens_no_socket(clean_env: dict[str, str], tmp_path: Path) -> None:
    """`crashreport run --dry-run` shows the report and opens no socket (audited)."""
    marker = tmp_path / "sockets.log"
    audit = (
        "import sys\n"
        "def hook(event, args):\n"
        "    if event.startswith('socket.') and event != 'socket.gethostname':\n"
        f"        open({str(marker)!r}, 'a').write(event + '\\n')\n"
        "sys.addaudithook(hook)\n"
        "from crashreport.cli import main\n"
        f"sys.argv = ['crashreport', 'run', '--dry-run', {str(CRASHER)!r}]\n"
        "raise SystemExit(main())\n"
    )
    env = {
        **clean_env,
        "FIXTURE_INSTALL": "0",
        "CRASHREPORT_ENDPOINT": "https://crash.example.org/v1",
    }
    done = subprocess.run(
        [sys.executable, "-c", audit], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert done.returncode == 1, done.stderr
    assert "dry run: nothing was sent (it would go to crash.example.org)" in done.stderr
    assert '"schema": "crashreport.report/1"' in done.stderr  # the full payload is shown
    assert not marker.exists(), marker.read_text()
    for value in secrets.PLANTED:
        assert value not in done.stderr.split("crash report ", 1)[1]


# ---------------------------------------------------------------- nobody can answer


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("CI", "true", "CI is set"),
        ("TERM", "dumb", "TERM is dumb"),
        ("DO_NOT_TRACK", "1", "DO_NOT_TRACK is set"),
    ],
)
def test_nobody_can_answer_even_in_a_terminal(
    clean_env: dict[str, str],
    receiver: Receiver,
    tmp_path: Path,
    variable: str,
    value: str,
    reason: str,
) -> None:
    """CI, TERM=dumb or DO_NOT_TRACK=1 on a real terminal: no prompt, no screens, nothing
    sent; the report is kept as awaiting review and one line says where and how."""
    box = tmp_path / "outbox"
    env = {
        **clean_env,
        "FIXTURE_ENDPOINT": receiver.url,
        "CRASHREPORT_OUTBOX_DIR": str(box),
        variable: value,
    }
    child = spawn([sys.executable, str(PROMPT_APP)], env, cwd=tmp_path)
    child.expect("OperationalError")  # Python's own traceback
    child.expect(f"crashreport: not sent: {reason}; kept in (\\S+) -- review it with: ")
    path = child.match.group(1)
    child.expect("crashreport outbox review")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert PROMPT not in child.before
    assert "crash report " not in child.before  # one line, not the screens
    assert receiver.requests == []
    (entry,) = outbox.entries(box)
    assert (str(entry.path), entry.state) == (path, outbox.REVIEW)


def test_nobody_can_answer_without_stdin_or_stdout_terminals(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """Pipes on every stream: the run never blocks, nothing is sent, the report is kept."""
    box = tmp_path / "outbox"
    env = {**clean_env, "FIXTURE_ENDPOINT": receiver.url, "CRASHREPORT_OUTBOX_DIR": str(box)}
    done = subprocess.run(
        [sys.executable, str(PROMPT_APP)],
        env=env,
        input="y\n" * 10,  # keys waiting on stdin are never read as an answer
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert "crashreport: not sent: stdin is not a terminal; kept in " in done.stderr
    assert PROMPT not in done.stdout + done.stderr
    assert receiver.requests == []
    assert [e.state for e in outbox.entries(box)] == [outbox.REVIEW]


def test_a_host_that_keeps_nothing_unanswered(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """keep_unanswered=False: nothing sent, nothing kept, one line says it was discarded."""
    box = tmp_path / "outbox"
    env = {
        **clean_env,
        "FIXTURE_ENDPOINT": receiver.url,
        "CRASHREPORT_OUTBOX_DIR": str(box),
        "FIXTURE_KEEP": "0",
        "CI": "1",
    }
    child = spawn([sys.executable, str(PROMPT_APP)], env, cwd=tmp_path)
    child.expect("crashreport: not sent: CI is set; the report was discarded")
    child.expect(pexpect.EOF)
    assert receiver.requests == []
    assert outbox.entries(box) == []


def test_dry_run_from_the_environment_in_a_terminal_opens_no_socket(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    """CRASHREPORT_DRY_RUN=1 on a real terminal: the same screens, the full payload and
    the destination, no question, nothing kept, and no socket event at all."""
    log = tmp_path / "sockets.log"
    code = audit_script(
        log, f"import runpy\nrunpy.run_path({str(PROMPT_APP)!r}, run_name='__main__')\n"
    )
    box = tmp_path / "outbox"
    env = {
        **clean_env,
        "CRASHREPORT_DRY_RUN": "1",
        "FIXTURE_ENDPOINT": "https://crash.example.org/v1/reports",
        "CRASHREPORT_OUTBOX_DIR": str(box),
    }
    child = spawn([sys.executable, "-c", code], env, cwd=tmp_path)
    child.expect("Traceback \\(most recent call last\\)")
    child.expect("crash report ")
    child.expect("removed: ")
    child.expect("will be sent to crash.example.org")
    child.expect('"schema": "crashreport.report/1"')
    child.expect("bytes, sha256 [0-9a-f]{64}")
    child.expect("dry run: nothing was sent \\(it would go to crash.example.org\\)")
    child.expect(pexpect.EOF)
    child.close()
    assert PROMPT not in child.before
    assert not log.exists(), log.read_text()
    assert outbox.entries(box) == []
