"""``crashreport outbox review``: reports kept from runs nobody could answer are shown
and asked about later, in a real pseudo-terminal; a real HTTP server on 127.0.0.1
receives exactly the kept bytes for a yes, and nothing for a no."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pexpect

from crashreport.transport import outbox
from fixtures import secrets
from tests.conftest import (
    CTRL_C,
    DOWN,
    ENTER,
    PROMPT_APP,
    QUESTION,
    ROOT,
    UP,
    Receiver,
    sent_bodies,
    sent_body,
    spawn,
)

DIGEST = re.compile(r"-- (\d+) bytes, sha256 ([0-9a-f]{64}) --")


def keep_reports(env: dict[str, str], receiver: Receiver, box: Path, count: int) -> None:
    """Crash the prompt app ``count`` times with no terminal: each report is kept."""
    for _ in range(count):
        done = subprocess.run(
            [sys.executable, str(PROMPT_APP)],
            env={**env, "FIXTURE_ENDPOINT": receiver.url, "CRASHREPORT_OUTBOX_DIR": str(box)},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
        assert "kept in" in done.stderr, done.stderr


def review(env: dict[str, str], box: Path, cwd: Path) -> pexpect.spawn:
    return spawn(
        [sys.executable, "-m", "crashreport", "outbox", "review"],
        {**env, "CRASHREPORT_OUTBOX_DIR": str(box)},
        cwd=cwd,
    )


def test_yes_delivers_the_kept_bytes_and_no_discards(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """Two kept reports: the first is sent (exactly the kept bytes, by digest), the
    second discarded; both leave the outbox."""
    box = tmp_path / "outbox"
    keep_reports(clean_env, receiver, box, 2)
    first, second = outbox.entries(box)
    assert receiver.requests == []  # nothing was sent while nobody could answer
    child = review(clean_env, box, tmp_path)
    child.expect("report 1 of 2")
    child.expect(f"crash report {first.payload.report_id}")
    child.expect("removed: [^\r\n]*password")
    child.expect("will be sent to 127.0.0.1")
    child.expect(QUESTION)
    child.send(UP + ENTER)
    child.expect(f"report {first.payload.report_id} sent to 127.0.0.1")
    child.expect("report 2 of 2")
    child.expect(f"crash report {second.payload.report_id}")
    child.expect(QUESTION)
    child.send(ENTER)
    child.expect(f"{second.payload.report_id}: discarded")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    (request,) = receiver.requests
    assert sent_body(request) == first.payload.body
    digest = hashlib.sha256(first.payload.body).hexdigest()
    assert request["headers"]["X-Crashreport-Digest"] == f"sha256={digest}"
    assert outbox.entries(box) == []


def test_the_full_view_in_review_is_the_kept_payload(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """The full view shows the kept payload's digest; what is then sent has that digest."""
    box = tmp_path / "outbox"
    keep_reports(clean_env, receiver, box, 1)
    (entry,) = outbox.entries(box)
    child = review(clean_env, box, tmp_path)
    child.expect(QUESTION)
    child.send(DOWN + ENTER)
    child.expect(DIGEST)
    assert child.match.group(2) == entry.payload.digest
    child.expect(QUESTION)
    child.send(UP + ENTER)
    child.expect("sent to 127.0.0.1")
    child.expect(pexpect.EOF)
    assert sent_bodies(receiver) == [entry.payload.body]


def test_a_comment_in_review_is_redacted_and_keeps_the_counts(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """A comment added at review is redacted, sent, and what was removed before still counts."""
    box = tmp_path / "outbox"
    keep_reports(clean_env, receiver, box, 1)
    (entry,) = outbox.entries(box)
    before = json.loads(entry.payload.body)["redactions"]
    child = review(clean_env, box, tmp_path)
    child.expect(QUESTION)
    child.send(DOWN * 3 + ENTER)
    child.expect("Your comment")
    child.send(f"seen again with password={secrets.DB_PASSWORD}" + ENTER)
    child.expect("as it will be sent:")
    child.expect(QUESTION)
    child.send(UP + ENTER)
    child.expect("sent to 127.0.0.1")
    child.expect(pexpect.EOF)
    (body,) = sent_bodies(receiver)
    sent = json.loads(body)
    assert sent["comment"].startswith("seen again with password=<")
    assert secrets.DB_PASSWORD not in body.decode()
    for kind, number in before.items():
        assert sent["redactions"][kind] >= number


def test_ctrl_c_stops_the_review_and_keeps_the_report(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """Ctrl-C at review sends nothing and leaves the report waiting (exit status 1)."""
    box = tmp_path / "outbox"
    keep_reports(clean_env, receiver, box, 1)
    child = review(clean_env, box, tmp_path)
    child.expect(QUESTION)
    child.send(UP + CTRL_C)
    child.expect("review stopped \\(Ctrl-C\\); 1 report still awaits review")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert receiver.requests == []
    assert [e.state for e in outbox.entries(box)] == [outbox.REVIEW]


def test_review_without_a_terminal_asks_nobody(
    clean_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    """Review with no terminal says it needs one (exit 2); the report stays, unsent."""
    box = tmp_path / "outbox"
    keep_reports(clean_env, receiver, box, 1)
    done = subprocess.run(
        [sys.executable, "-m", "crashreport", "outbox", "review"],
        env={**clean_env, "CRASHREPORT_OUTBOX_DIR": str(box)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "review needs someone at a terminal (stdin is not a terminal)" in done.stderr
    assert QUESTION not in done.stdout + done.stderr
    assert len(outbox.entries(box)) == 1
    assert receiver.requests == []


def test_review_of_an_empty_outbox(clean_env: dict[str, str], tmp_path: Path) -> None:
    """With nothing kept, review says so and succeeds."""
    done = subprocess.run(
        [sys.executable, "-m", "crashreport", "outbox", "review"],
        env={**clean_env, "CRASHREPORT_OUTBOX_DIR": str(tmp_path / "empty")},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0
    assert "no reports await review" in done.stdout
