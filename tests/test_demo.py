"""``crashreport demo [--dry-run]``, end to end in a real pseudo-terminal: the built-in
crash, redacted, the real prompt, and (with no endpoint) the embedded receiver on
127.0.0.1 printing what it got -- or, in a dry run, no socket at all."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pexpect

from crashreport.demo import SETTINGS
from tests.conftest import ENTER, QUESTION, UP, audit_script, plain, spawn

DEMO_SECRETS = [str(value) for value in SETTINGS.values()]


def demo(env: dict[str, str], tmp_path: Path, *args: str) -> pexpect.spawn:
    return spawn([sys.executable, "-m", "crashreport", "demo", *args], env, cwd=tmp_path)


def test_demo_send_shows_the_round_trip(clean_env: dict[str, str], tmp_path: Path) -> None:
    """Answering "Send report": the embedded receiver got the report, its digest matches
    the one sent with it, and neither screens nor upload hold a demo secret."""
    child = demo(clean_env, tmp_path)
    child.expect("Traceback \\(most recent call last\\)")
    child.expect("crash report ")
    child.expect("removed: ")
    child.expect("will be sent to 127.0.0.1")
    child.expect(QUESTION)
    assert_no_demo_secret(child.before)  # the screens
    child.send(UP + ENTER)
    child.expect("sent to 127.0.0.1")
    child.expect(r"the demo receiver \(127.0.0.1\) got (\d+) bytes, sha256 ([0-9a-f]{64})")
    child.expect("matches")
    child.expect("demo finished: sent")
    received = plain(child.before)  # the JSON the receiver printed
    assert '"schema": "crashreport.report/1"' in received
    assert_no_demo_secret(received)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def assert_no_demo_secret(text: str) -> None:
    # ids and digests are random hex: a port number could turn up in them by chance
    text = re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|[0-9a-f]{64}", "", plain(text))
    for value in DEMO_SECRETS:
        assert value not in text, f"demo secret {value!r} was shown or sent"


def test_demo_decline_sends_nothing(clean_env: dict[str, str], tmp_path: Path) -> None:
    """The default answer: the embedded receiver got nothing."""
    child = demo(clean_env, tmp_path)
    child.expect(QUESTION)
    child.send(ENTER)
    child.expect("the demo receiver got nothing")
    child.expect("demo finished: declined")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_demo_dry_run_in_a_terminal_opens_no_socket(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    """``demo --dry-run`` shows the screens and the payload, asks nothing, opens no socket."""
    log = tmp_path / "sockets.log"
    code = audit_script(
        log, "from crashreport.cli import main\nraise SystemExit(main(['demo', '--dry-run']))\n"
    )
    child = spawn([sys.executable, "-c", code], clean_env, cwd=tmp_path)
    child.expect("crash report ")
    child.expect("removed: ")
    child.expect('"schema": "crashreport.report/1"')
    child.expect("dry run: nothing was sent")
    child.expect("demo finished: dry_run")
    child.expect(pexpect.EOF)
    child.close()
    assert QUESTION not in child.before
    assert child.exitstatus == 0
    assert not log.exists(), log.read_text()
