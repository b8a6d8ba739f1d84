"""The `crashreport` command: dispatch, `redact` (plain and --jsonl), and configuration errors,
each run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from crashreport import __version__
from fixtures import secrets
from tests.conftest import ROOT


def crashreport(
    *args: str, stdin: str = "", env: dict[str, str], cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crashreport", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def test_version_and_help(clean_env: dict[str, str]) -> None:
    """`--version` prints the package version; no command prints help and exits 2."""
    done = crashreport("--version", env=clean_env)
    assert done.returncode == 0
    assert done.stdout.strip() == f"crashreport {__version__}"
    done = crashreport(env=clean_env)
    assert done.returncode == 2
    assert "redact" in done.stderr
    assert "run" in done.stderr


def test_redact_reads_standard_input(clean_env: dict[str, str]) -> None:
    """`crashreport redact -` prints the text with every planted secret replaced."""
    text = f"Traceback (most recent call last):\nOperationalError: {secrets.DRIVER_MESSAGE}\n"
    done = crashreport("redact", "-", stdin=text, env=clean_env)
    assert done.returncode == 0, done.stderr
    assert "OperationalError: connection to server at" in done.stdout
    assert "password authentication failed for user" in done.stdout
    for value in secrets.PLANTED:
        assert value not in done.stdout


def test_redact_reads_a_file(clean_env: dict[str, str], tmp_path: Path) -> None:
    """`crashreport redact FILE` redacts the file's text; a missing file is a clear error."""
    log = tmp_path / "crash.log"
    log.write_text(f"db: {secrets.DSN}\n", encoding="utf-8")
    done = crashreport("redact", str(log), env=clean_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("db: postgresql://")
    assert secrets.DB_PASSWORD not in done.stdout
    missing = crashreport("redact", str(tmp_path / "nope.log"), env=clean_env)
    assert missing.returncode != 0
    assert "cannot read" in missing.stderr


def test_redact_jsonl_keeps_ids_and_order(clean_env: dict[str, str]) -> None:
    """`--jsonl` answers each {"id", "text"} line with the same id, in the same order."""
    records = [
        {"id": "b-2", "text": secrets.LIBPQ},
        {"id": "a-1", "text": "ValueError: bad literal in models.py, line 12"},
        {"id": "c-3", "text": f"token={secrets.GITHUB_TOKEN}"},
    ]
    lines = "\n".join(json.dumps(r) for r in records) + "\n\n"
    done = crashreport("redact", "--jsonl", stdin=lines, env=clean_env)
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in out] == ["b-2", "a-1", "c-3"]
    assert out[1]["text"] == records[1]["text"]
    assert secrets.DB_PASSWORD not in out[0]["text"]
    assert secrets.GITHUB_TOKEN not in out[2]["text"]
    assert out[2]["text"].startswith("token=<")


def test_redact_jsonl_rejects_a_line_that_is_not_a_record(clean_env: dict[str, str]) -> None:
    """A malformed line stops the batch with exit 2 and names the line number."""
    lines = json.dumps({"id": 1, "text": "ok"}) + "\n" + '{"id": 2}\n'
    done = crashreport("redact", "--jsonl", stdin=lines, env=clean_env)
    assert done.returncode == 2
    assert "line 2" in done.stderr


def test_redact_uses_secrets_from_pyproject(clean_env: dict[str, str], tmp_path: Path) -> None:
    """`[tool.crashreport] secrets = [...]` in the nearest pyproject.toml is honoured."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.crashreport]\nsecrets = ["plainword-known-secret"]\n', encoding="utf-8"
    )
    done = crashreport(
        "redact",
        "-",
        stdin="the value plainword-known-secret leaked\n",
        env=clean_env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "plainword-known-secret" not in done.stdout
    assert done.stdout.startswith("the value <")


def test_a_configuration_error_exits_2_with_one_line(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    """A bad option in pyproject.toml or the environment is one clear line, exit status 2."""
    env = {**clean_env, "CRASHREPORT_ENDPOINT": "http://crash.example.org/v1"}
    done = crashreport("redact", "-", stdin="x\n", env=env)
    assert done.returncode == 2
    assert done.stderr.startswith("crashreport: configuration error: CRASHREPORT_ENDPOINT")
    assert "Traceback" not in done.stderr
    (tmp_path / "pyproject.toml").write_text("[tool.crashreport\n", encoding="utf-8")
    done = crashreport("redact", "-", stdin="x\n", env=clean_env, cwd=tmp_path)
    assert done.returncode == 2
    assert "pyproject.toml" in done.stderr
    assert "Traceback" not in done.stderr
