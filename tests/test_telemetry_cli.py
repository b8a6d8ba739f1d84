"""``crashreport telemetry status | enable | disable`` in real subprocesses, against a
real checkpoint server on 127.0.0.1 and the small host app of test_checkpoint."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT
from tests.test_checkpoint import (
    PRODUCT,
    SETTLE,
    VERSION,
    CheckpointServer,
    Host,
    fields_of,
)


@pytest.fixture
def server() -> Iterator[CheckpointServer]:
    """A real checkpoint server on 127.0.0.1 answering an empty JSON object."""
    running = CheckpointServer(b"{}")
    yield running
    running.close()


def telemetry(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m crashreport telemetry ARGS`` without a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "crashreport", "telemetry", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def status_json(env: dict[str, str], url: str, *extra: str) -> dict[str, Any]:
    done = telemetry(
        env,
        "status",
        "--json",
        "--product",
        PRODUCT,
        "--app-version",
        VERSION,
        "--checkpoint-url",
        url,
        *extra,
    )
    assert done.returncode == 0, done.stderr
    info: dict[str, Any] = json.loads(done.stdout)
    return info


def test_status_shows_state_reason_paths_and_payload_and_sends_nothing(
    clean_env: dict[str, str], server: CheckpointServer
) -> None:
    """status says on and why, names the signature and choice files, lists the exact request
    -- and sends nothing and writes nothing."""
    done = telemetry(
        clean_env,
        "status",
        "--product",
        PRODUCT,
        "--app-version",
        VERSION,
        "--checkpoint-url",
        server.url,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    cache = Path(clean_env["XDG_CACHE_HOME"])
    config = Path(clean_env["XDG_CONFIG_HOME"])
    assert "usage ping: on -- on by default: no opt-out is set" in out
    assert str(cache / "crashreport" / "checkpoint" / "signature") + " (none yet)" in out
    assert str(config / "crashreport" / "telemetry") in out
    assert "this command sends nothing" in out
    assert f"GET {server.url}/v1/check/" in out
    for line in ("product         my tool/β", f"version         {VERSION}", "python_version  "):
        assert line in out
    assert "next ping after the first-run notice was shown at a terminal" in out
    time.sleep(SETTLE)
    assert server.requests == []
    assert not cache.exists()
    assert not config.exists()


@pytest.mark.parametrize(
    ("environ", "why"),
    [
        ({"CHECKPOINT_DISABLE": "1"}, "CHECKPOINT_DISABLE='1' is set in the environment"),
        ({"DO_NOT_TRACK": "1"}, "DO_NOT_TRACK='1' is set in the environment"),
        ({"CRASHREPORT_TELEMETRY": "0"}, "CRASHREPORT_TELEMETRY='0' is set in the environment"),
        ({"CI": "true"}, "CI='true' is set: a continuous-integration run"),
    ],
)
def test_status_names_the_variable_that_turned_it_off(
    clean_env: dict[str, str], environ: dict[str, str], why: str
) -> None:
    """Each opt-out of the environment is reported by name, with its value."""
    info = status_json({**clean_env, **environ}, "https://checkpoint.example.org")
    assert info["enabled"] is False
    assert info["reason"] == why


def test_status_without_a_url_still_shows_the_payload(clean_env: dict[str, str]) -> None:
    """No checkpoint URL configured: off, said so, and the fields are still listed."""
    done = telemetry(clean_env, "status")
    assert done.returncode == 0, done.stderr
    assert "usage ping: off -- no checkpoint URL is configured" in done.stdout
    assert "GET <no checkpoint URL configured>" in done.stdout
    assert "signature       <a new random id, made at the first ping>" in done.stdout


def test_disable_and_enable_store_the_choice_and_the_host_obeys(
    clean_env: dict[str, str], tmp_path: Path, server: CheckpointServer
) -> None:
    """disable writes the choice under XDG_CONFIG_HOME and the host stops pinging; enable
    writes it back and the next due run pings."""
    host = Host(clean_env, tmp_path, server.url)
    host.introduce()
    done = telemetry(clean_env, "disable")
    assert done.returncode == 0, done.stderr
    choice = Path(clean_env["XDG_CONFIG_HOME"]) / "crashreport" / "telemetry"
    assert f"usage ping turned off for every program using crashreport (saved in {choice})" in (
        done.stdout
    )
    assert choice.read_text() == "disabled\n"
    info = status_json(clean_env, server.url)
    assert info["enabled"] is False
    assert info["reason"] == f"you turned it off ({choice})"
    host.run()
    time.sleep(SETTLE)
    assert server.requests == []
    assert telemetry(clean_env, "enable").returncode == 0
    assert choice.read_text() == "enabled\n"
    assert status_json(clean_env, server.url)["reason"].startswith("you turned it on")
    host.run()
    server.wait_for(1)


def test_the_environment_wins_over_a_stored_enable(
    clean_env: dict[str, str], tmp_path: Path, server: CheckpointServer
) -> None:
    """enable under DO_NOT_TRACK=1 says the ping stays off, and the host indeed sends nothing."""
    host = Host(clean_env, tmp_path, server.url)
    host.introduce()
    done = telemetry({**clean_env, "DO_NOT_TRACK": "1"}, "enable")
    assert done.returncode == 0
    assert "note: it stays off while DO_NOT_TRACK='1' is set in the environment" in done.stdout
    host.run(DO_NOT_TRACK="1")
    time.sleep(SETTLE)
    assert server.requests == []


def test_what_status_shows_is_what_the_ping_sends(
    clean_env: dict[str, str], tmp_path: Path, server: CheckpointServer
) -> None:
    """The fields status lists before a ping are the fields the server then receives
    (all but the timestamp, which is the moment of sending)."""
    host = Host(clean_env, tmp_path, server.url)
    host.introduce()
    host.run()
    server.wait_for(1)
    host.wait_for_answer()  # the worker is done with the state file
    host.set_state(checked=0.0)  # due again
    shown = status_json(clean_env, server.url)
    assert shown["enabled"] is True
    host.run()
    request = server.wait_for(2)[1]
    sent = dict(fields_of(request))
    expected = dict(shown["request"]["fields"])
    assert list(sent) == list(expected)
    del sent["timestamp"], expected["timestamp"]
    assert sent == expected
    assert urlsplit(shown["request"]["url"]).path == urlsplit(request["path"]).path
    assert shown["signature"]["value"] == sent["signature"]
    assert shown["product"]["last_ping"] is None  # the cache was set as if never pinged


def test_an_unwritable_config_dir_is_a_clear_error(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    """disable exits 1 with one line naming the file when the choice cannot be stored."""
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    done = telemetry({**clean_env, "XDG_CONFIG_HOME": str(blocker)}, "disable")
    assert done.returncode == 1
    assert done.stderr.startswith(f"crashreport: cannot store your choice in {blocker}")
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_telemetry_needs_a_verb(clean_env: dict[str, str]) -> None:
    """``crashreport telemetry`` alone is a usage error listing the verbs."""
    done = telemetry(clean_env)
    assert done.returncode == 2
    assert "status" in done.stderr
