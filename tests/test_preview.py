"""``crashreport preview [FILE|-]``: the screens, the full payload and the destination
a user would see, and ``dry run: nothing was sent`` -- with no socket opened (an
audit hook in the child records every socket event)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fixtures import secrets
from tests.conftest import ROOT, audit_script

TRACEBACK = f"""Traceback (most recent call last):
  File "/srv/app/db.py", line 12, in connect
    pool = create_pool("{secrets.DSN}")
psycopg.OperationalError: {secrets.DRIVER_MESSAGE}
"""
ENDPOINT = "https://crash.example.org/v1/reports"


def preview(
    env: dict[str, str], tmp_path: Path, *args: str, stdin: str | None = None
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run ``crashreport preview ARGS`` audited; returns the run and the socket log."""
    log = tmp_path / "sockets.log"
    code = audit_script(
        log,
        f"from crashreport.cli import main\nraise SystemExit(main(['preview', *{list(args)!r}]))\n",
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    return done, log


def assert_screens(out: str, where: str) -> None:
    """Report, summary, destination, full payload, then the dry-run line, in order."""
    marks = [
        out.index("crash report "),
        out.index("removed: "),
        out.index(f"will be sent to {where}"),
        out.index('"schema": "crashreport.report/1"'),
        out.index("-- this is" if "-- this is" in out else " bytes, sha256 "),
        out.index(f"crashreport: dry run: nothing was sent (it would go to {where})"),
    ]
    assert marks == sorted(marks)


def test_preview_of_a_traceback_file(clean_env: dict[str, str], tmp_path: Path) -> None:
    """A traceback file is shown redacted, with payload and destination; no socket opened."""
    source = tmp_path / "crash.txt"
    source.write_text(TRACEBACK)
    done, log = preview({**clean_env, "CRASHREPORT_ENDPOINT": ENDPOINT}, tmp_path, str(source))
    assert done.returncode == 0, done.stderr
    assert_screens(done.stdout, "crash.example.org")
    for value in secrets.PLANTED:
        assert value not in done.stdout
    assert not log.exists(), log.read_text()


def test_preview_of_standard_input(clean_env: dict[str, str], tmp_path: Path) -> None:
    """``-`` reads the traceback from standard input; same screens, no socket."""
    done, log = preview(
        {**clean_env, "CRASHREPORT_ENDPOINT": ENDPOINT}, tmp_path, "-", stdin=TRACEBACK
    )
    assert done.returncode == 0, done.stderr
    assert_screens(done.stdout, "crash.example.org")
    assert secrets.DB_PASSWORD not in done.stdout
    assert not log.exists()


def test_preview_of_a_saved_report_shows_the_same_payload(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    """A report saved from the prompt previews as the very same payload (same digest),
    with what was removed before still counted."""
    from crashreport.capture import capture
    from crashreport.consent import save_payload
    from crashreport.redact import redact
    from crashreport.render import payload as make_payload

    try:
        raise RuntimeError(secrets.DRIVER_MESSAGE)
    except RuntimeError as exc:
        report = capture(exc, product="saved-app", version="1", mechanism="test")
    redacted = redact(report)
    saved = make_payload(redacted)
    path = save_payload(saved, "", cwd=tmp_path)
    done, log = preview({**clean_env, "CRASHREPORT_ENDPOINT": ENDPOINT}, tmp_path, str(path))
    assert done.returncode == 0, done.stderr
    assert f"sha256 {saved.digest}" in done.stdout
    assert redacted.redactions.summary() in done.stdout
    assert json.loads(saved.body)["id"] in done.stdout
    assert not log.exists()


def test_a_saved_report_counts_a_hidden_local_once(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    """A local capture hid by its name (``password`` shown as ``<password>``) is counted
    once when the saved report is previewed, not once more for the placeholder."""
    from crashreport.capture import capture
    from crashreport.consent import save_payload
    from crashreport.redact import redact
    from crashreport.render import payload as make_payload

    def connect() -> None:
        password = secrets.DB_PASSWORD  # noqa: F841 -- the local capture must hide
        raise RuntimeError("login refused")

    try:
        connect()
    except RuntimeError as exc:
        report = capture(
            exc, product="saved-app", version="1", mechanism="test", capture_locals=True
        )
    redacted = redact(report)
    assert dict(redacted.redactions.counts).get("password") == 1, redacted.redactions.summary()
    path = save_payload(make_payload(redacted), "", cwd=tmp_path)
    done, log = preview({**clean_env, "CRASHREPORT_ENDPOINT": ENDPOINT}, tmp_path, str(path))
    assert done.returncode == 0, done.stderr
    assert redacted.redactions.summary() in done.stdout
    assert "2 passwords" not in done.stdout
    assert secrets.DB_PASSWORD not in done.stdout
    assert not log.exists()


def test_preview_with_nowhere_to_send(clean_env: dict[str, str], tmp_path: Path) -> None:
    """With no endpoint configured, the preview says there is nowhere it would go."""
    done, _ = preview(clean_env, tmp_path, "-", stdin=TRACEBACK)
    assert done.returncode == 0
    assert "dry run: nothing was sent (no endpoint or dsn is configured)" in done.stdout
    assert "will be sent to" not in done.stdout


def test_preview_of_nothing_or_a_missing_file(clean_env: dict[str, str], tmp_path: Path) -> None:
    """Empty input and an unreadable file are clear errors, not empty reports."""
    empty, _ = preview(clean_env, tmp_path, "-", stdin="  \n")
    assert empty.returncode == 2
    assert "the input is empty" in empty.stderr
    missing, _ = preview(clean_env, tmp_path, str(tmp_path / "nope.txt"))
    assert missing.returncode != 0
    assert "cannot read" in missing.stderr
    assert str(ROOT) not in missing.stdout
