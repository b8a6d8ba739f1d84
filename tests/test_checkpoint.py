"""The checkpoint end to end: a small host app in real subprocesses (and a real
pseudo-terminal where a person would see a notice), pinging a real HTTP server
on 127.0.0.1 through the real detached worker."""

from __future__ import annotations

import calendar
import http.server
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pexpect
import pytest

from crashreport import checkpoint
from crashreport._checkpoint import files
from crashreport._checkpoint.ping import WORKER_TIMEOUT
from crashreport.checkpoint import FIELDS
from tests.conftest import ROOT, spawn

PRODUCT = "my tool/β"  # a space, a slash and a non-ASCII letter: all must be escaped
VERSION = "1.4.2"
SETTLE = 1.5  # seconds a worker that was started would need, at most, to be seen pinging

HOST_APP = """
import os, sys, time
start = time.perf_counter()
import crashreport
options = dict(
    product=os.environ["HOST_PRODUCT"],
    version=os.environ["HOST_VERSION"],
    checkpoint_url=os.environ["HOST_CHECKPOINT_URL"],
)
if "HOST_INTERVAL" in os.environ:
    options["checkpoint_interval"] = float(os.environ["HOST_INTERVAL"])
if os.environ.get("HOST_TELEMETRY") == "off":
    options["telemetry"] = False
crashreport.install(**options)
sys.stdout.write(f"host ran; install took {(time.perf_counter() - start) * 1000:.1f} ms\\n")
"""

ANSWER = {
    "product": PRODUCT,
    "current_version": "2.0.0",
    "current_download_url": "https://example.org/download",
    "outdated": True,
    "alerts": [
        {
            "id": "CVE-1",
            "date": 1700000000,
            "message": "versions before 2.0 leak \x1b[31mtokens\x1b[0m",
            "url": "https://example.org/cve-1",
            "level": "critical",
        }
    ],
    "unknown_field": "ignored",
}


class CheckpointServer:
    """A real checkpoint server on 127.0.0.1: records each GET, answers with ``body``."""

    def __init__(self, body: bytes = b"{}", status: int = 200) -> None:
        self.body, self.status = body, status
        self.requests: list[dict[str, Any]] = []
        self._arrived = threading.Condition()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                length = int(self.headers.get("Content-Length", "0") or 0)
                record = {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": self.rfile.read(length) if length else b"",
                }
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)
                with server._arrived:
                    server.requests.append(record)
                    server._arrived.notify_all()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Block until ``count`` requests arrived (or fail after ``timeout`` seconds)."""
        with self._arrived:
            assert self._arrived.wait_for(lambda: len(self.requests) >= count, timeout), (
                f"expected {count} ping(s), got {len(self.requests)}"
            )
            return list(self.requests)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class HangingServer:
    """Accepts connections on 127.0.0.1 and never answers; records when each one ends."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[float] = []
        self.closed: list[float] = []
        self._open: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(time.monotonic())
            self._open.append(conn)
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        try:
            while conn.recv(65536):  # read the request, never answer it
                pass
        except OSError:
            pass
        self.closed.append(time.monotonic())

    def close(self) -> None:
        self.sock.close()
        for conn in self._open:
            conn.close()


@pytest.fixture
def server() -> Iterator[CheckpointServer]:
    """A real checkpoint server answering that version 2.0.0 is out, with one alert."""
    running = CheckpointServer(json.dumps(ANSWER).encode())
    yield running
    running.close()


class Host:
    """The small host app: ``install(checkpoint_url=...)`` and nothing else."""

    def __init__(self, env: dict[str, str], tmp_path: Path, url: str, **options: str) -> None:
        self.script = tmp_path / "host_app.py"
        self.script.write_text(HOST_APP)
        self.env = {
            **env,
            "HOST_PRODUCT": PRODUCT,
            "HOST_VERSION": VERSION,
            "HOST_CHECKPOINT_URL": url,
            **options,
        }
        self.paths = checkpoint.Paths()  # the test process has the same XDG variables
        self.state_path = self.paths.state(PRODUCT)

    def run(self, **extra: str) -> subprocess.CompletedProcess[str]:
        """A run without a terminal (pipes), as in scripts and cron jobs."""
        done = subprocess.run(
            [sys.executable, str(self.script)],
            env={**self.env, **extra},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        return done

    def at_terminal(self, **extra: str) -> str:
        """A run in a real pseudo-terminal; returns what the person would see."""
        child = spawn([sys.executable, str(self.script)], {**self.env, **extra}, timeout=60)
        child.expect(pexpect.EOF)
        child.close()
        output: str = child.before.replace("\r\n", "\n")
        assert child.exitstatus == 0, output
        assert "Traceback" not in output
        return output

    def state(self) -> files.State:
        return files.read_state(self.state_path)

    def set_state(self, **changes: Any) -> None:
        """Fake the passing of time by editing the cache, as a later run would find it."""
        state = self.state()
        for name, value in changes.items():
            setattr(state, name, value)
        files.write_state(self.state_path, state)

    def introduce(self) -> None:
        """The first run at a terminal: the first-run notice is shown, nothing is sent."""
        assert "anonymous usage ping" in self.at_terminal()
        assert self.state().noticed

    def wait_for_answer(self, timeout: float = 30.0) -> files.State:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            if state.answered:
                return state
            time.sleep(0.05)
        raise AssertionError("the worker cached no answer")


@pytest.fixture
def host(clean_env: dict[str, str], tmp_path: Path, server: CheckpointServer) -> Host:
    """The host app, pointed at the real checkpoint server, with private XDG dirs."""
    return Host(clean_env, tmp_path, server.url)


def fields_of(request: dict[str, Any]) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(request["path"]).query, keep_blank_values=True, strict_parsing=True)


# ---------------------------------------------------------------- the ping


def test_the_ping_sends_exactly_the_documented_fields(host: Host, server: CheckpointServer) -> None:
    """One GET to /v1/check/{product} whose query is exactly the eight documented fields."""
    host.introduce()
    host.run()
    [request] = server.wait_for(1)
    assert urlsplit(request["path"]).path == "/v1/check/" + quote(PRODUCT, safe="")
    fields = fields_of(request)
    assert [name for name, _ in fields] == list(FIELDS)
    values = dict(fields)
    assert values["product"] == PRODUCT
    assert values["version"] == VERSION
    assert values["arch"] == os.uname().machine.lower()
    assert values["os"] == "linux"
    assert values["python_version"] == ".".join(map(str, sys.version_info[:3]))
    assert values["user_agent"].startswith("crashreport/")
    signature = (Path(host.paths.signature)).read_text().strip()
    assert values["signature"] == signature
    assert uuid.UUID(signature).version == 4
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", values["timestamp"])
    sent = calendar.timegm(time.strptime(values["timestamp"], "%Y-%m-%dT%H:%M:%SZ"))
    assert abs(sent - time.time()) < 300
    assert request["body"] == b""
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["accept"] == "application/json"
    assert headers["user-agent"] == values["user_agent"]
    assert not {"cookie", "authorization", "referer"} & set(headers)


def test_the_signature_is_shared_by_products_and_reset_by_deleting_it(
    clean_env: dict[str, str], tmp_path: Path, server: CheckpointServer
) -> None:
    """Two products send the same signature; deleting the one file gives a new one."""
    first = Host(clean_env, tmp_path, server.url)
    second = Host(clean_env, tmp_path, server.url, HOST_PRODUCT="other-tool")
    for app in (first, second):
        app.introduce()
        app.run()
    signatures = {dict(fields_of(r))["signature"] for r in server.wait_for(2)}
    assert len(signatures) == 1
    first.wait_for_answer()  # the worker is done with the state file
    os.unlink(first.paths.signature)
    first.set_state(checked=0.0)
    first.run()
    assert dict(fields_of(server.wait_for(3)[2]))["signature"] not in signatures


def test_first_run_notice_comes_before_any_ping(host: Host, server: CheckpointServer) -> None:
    """The first run at a terminal says what is sent and how to opt out, and sends nothing;
    the next run pings without repeating the notice."""
    seen = host.at_terminal()
    assert "anonymous usage ping" in seen
    assert ", ".join(FIELDS) in seen
    assert "CHECKPOINT_DISABLE=1" in seen
    assert "telemetry disable" in seen
    time.sleep(SETTLE)
    assert server.requests == []
    assert not os.path.exists(host.paths.signature)  # no ping was even prepared
    done = host.run()
    assert done.stderr == ""
    server.wait_for(1)
    host.wait_for_answer()
    assert "anonymous usage ping" not in host.at_terminal()


def test_without_a_terminal_nobody_is_told_so_nothing_is_sent(
    host: Host, server: CheckpointServer
) -> None:
    """Runs without a terminal cannot show the first-run notice: no ping, no output, no file."""
    for _ in range(2):
        done = host.run()
        assert done.stderr == ""
    time.sleep(SETTLE)
    assert server.requests == []
    assert not os.path.exists(host.state_path)
    assert not os.path.exists(host.paths.signature)


def test_at_most_one_ping_per_interval(host: Host, server: CheckpointServer) -> None:
    """A run inside the interval sends nothing and changes nothing; after it, one ping."""
    host.introduce()
    host.run()
    server.wait_for(1)
    host.wait_for_answer()
    before = Path(host.state_path).read_bytes()
    host.run()
    host.run()
    time.sleep(SETTLE)
    assert len(server.requests) == 1
    assert Path(host.state_path).read_bytes() == before
    host.set_state(checked=time.time() - 12 * 3600 - 1)  # the interval has passed
    host.run()
    server.wait_for(2)
    time.sleep(SETTLE)
    assert len(server.requests) == 2


def test_the_interval_is_configurable(
    clean_env: dict[str, str], tmp_path: Path, server: CheckpointServer
) -> None:
    """checkpoint_interval sets the window: with one hour, a ping 61 minutes old is due."""
    app = Host(clean_env, tmp_path, server.url, HOST_INTERVAL="3600")
    app.introduce()
    app.set_state(checked=time.time() - 59 * 60)
    app.run()
    time.sleep(SETTLE)
    assert server.requests == []
    app.set_state(checked=time.time() - 61 * 60)
    app.run()
    server.wait_for(1)


def test_runs_starting_together_ping_once(host: Host, server: CheckpointServer) -> None:
    """Several runs starting at the same moment, the ping due: exactly one ping."""
    host.introduce()
    runs = [
        subprocess.Popen(
            [sys.executable, str(host.script)],
            env=host.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        for _ in range(6)
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=60)
        assert run.returncode == 0
        assert stderr == b""
    server.wait_for(1)
    time.sleep(SETTLE)
    assert len(server.requests) == 1


# ---------------------------------------------------------------- opt-outs

OPT_OUTS = [
    {"CHECKPOINT_DISABLE": "1"},
    {"CHECKPOINT_DISABLE": "yes"},
    {"CHECKPOINT_DISABLE": "TRUE"},
    {"DO_NOT_TRACK": "1"},
    {"CRASHREPORT_TELEMETRY": "0"},
    {"CI": "true"},
    {"CI": "1"},
    {"HOST_TELEMETRY": "off"},  # install(telemetry=False)
    {"CRASHREPORT_DRY_RUN": "1"},  # a dry run never opens a socket
]


def _ids(env: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in env.items())


@pytest.mark.parametrize("opt_out", OPT_OUTS, ids=_ids)
def test_every_opt_out_wins_and_rewrites_nothing(
    host: Host, server: CheckpointServer, opt_out: dict[str, str]
) -> None:
    """With an opt-out set, a due ping is not sent, at a terminal or not, and no file changes."""
    host.introduce()
    before = Path(host.state_path).read_bytes()
    assert host.run(**opt_out).stderr == ""
    assert "usage ping" not in host.at_terminal(**opt_out)
    time.sleep(SETTLE)
    assert server.requests == []
    assert Path(host.state_path).read_bytes() == before
    assert not os.path.exists(host.paths.signature)
    assert not os.path.exists(host.paths.choice)


def test_the_stored_choice_opts_out(host: Host, server: CheckpointServer) -> None:
    """A stored "disabled" choice stops the ping (and is not rewritten by the host)."""
    host.introduce()
    files.write_choice(host.paths.choice, "disabled")
    host.run()
    time.sleep(SETTLE)
    assert server.requests == []
    assert Path(host.paths.choice).read_text() == "disabled\n"


@pytest.mark.parametrize(
    "not_an_opt_out",
    [{"CHECKPOINT_DISABLE": "0"}, {"CHECKPOINT_DISABLE": "false"}, {"CI": "false"}, {"CI": ""}],
    ids=_ids,
)
def test_zero_and_false_do_not_opt_out(
    host: Host, server: CheckpointServer, not_an_opt_out: dict[str, str]
) -> None:
    """CHECKPOINT_DISABLE=0/false and CI=false/empty leave the ping on."""
    host.introduce()
    host.run(**not_an_opt_out)
    server.wait_for(1)


# ---------------------------------------------------------------- a slow or dead server


def test_a_hanging_server_does_not_slow_the_host(clean_env: dict[str, str], tmp_path: Path) -> None:
    """With the ping due and a server that never answers, the host runs as fast as with the
    checkpoint off (within generous bounds), its pipes close at once (its exit is not held),
    and the worker gives up by itself after its timeout."""
    hanging = HangingServer()
    try:
        app = Host(clean_env, tmp_path, hanging.url)
        app.introduce()

        def timed(**extra: str) -> float:
            start = time.monotonic()
            app.run(**extra)  # capture_output: returns only once every pipe is closed
            return time.monotonic() - start

        off = statistics.median(timed(CHECKPOINT_DISABLE="1") for _ in range(3))
        due = timed()
        assert app.state().checked  # the ping was started...
        deadline = time.monotonic() + 30
        while not hanging.accepted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert hanging.accepted  # ...and reached the server, which never answers
        # waiting for the server would take the worker's whole timeout (3 s)
        assert due < off + 1.5, f"host took {due:.2f}s with a hanging server, {off:.2f}s off"
        while not hanging.closed and time.monotonic() < deadline:
            time.sleep(0.05)
        assert hanging.closed, "the worker never gave up"
        assert hanging.closed[0] - hanging.accepted[0] < WORKER_TIMEOUT + 5
    finally:
        hanging.close()


def test_a_dead_server_costs_nothing(clean_env: dict[str, str], tmp_path: Path) -> None:
    """Nothing listening on the port: the host runs normally, silently, and nothing is cached."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    app = Host(clean_env, tmp_path, dead)
    app.introduce()
    assert app.run().stderr == ""
    time.sleep(SETTLE)
    assert app.state().checked
    assert not app.state().answered
    assert "Traceback" not in app.at_terminal()


# ---------------------------------------------------------------- notices


def test_notices_are_shown_once_from_the_cache(host: Host, server: CheckpointServer) -> None:
    """The update notice appears once per 48 hours, each alert once, both on stderr,
    from the cached answer (no second ping), and without the server's escape codes."""
    host.introduce()
    host.run()
    server.wait_for(1)
    host.wait_for_answer()
    seen = host.at_terminal()
    assert f"{PRODUCT}: a new version 2.0.0 is available (you have {VERSION})" in seen
    assert "https://example.org/download" in seen
    assert "critical: versions before 2.0 leak [31mtokens [0m" in seen
    assert "\x1b[31m" not in seen  # the server cannot drive the terminal
    again = host.at_terminal()
    assert "new version" not in again
    assert "critical" not in again
    host.set_state(reminded=time.time() - 49 * 3600)
    later = host.at_terminal()
    assert "a new version 2.0.0 is available" in later
    assert "critical" not in later  # an alert is shown once, ever
    assert len(server.requests) == 1


def test_notices_go_to_stderr_only(host: Host, server: CheckpointServer) -> None:
    """The notices never touch stdout, which belongs to the host's output."""
    host.introduce()
    host.run()
    server.wait_for(1)
    host.wait_for_answer()
    child = spawn(
        ["/bin/sh", "-c", f'"{sys.executable}" "{host.script}" > "{host.script}.out"'],
        host.env,
        timeout=60,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert "a new version 2.0.0 is available" in child.before
    assert "new version" not in Path(f"{host.script}.out").read_text()


def test_hidden_or_unseen_notices_wait_for_a_later_run(
    host: Host, server: CheckpointServer
) -> None:
    """CRASHREPORT_HIDE_NOTICES=1, or no terminal, shows nothing -- and loses nothing."""
    host.introduce()
    host.run()
    server.wait_for(1)
    host.wait_for_answer()
    hidden = host.at_terminal(CRASHREPORT_HIDE_NOTICES="1")
    assert "new version" not in hidden
    assert "critical" not in hidden
    assert host.run().stderr == ""
    shown = host.at_terminal()
    assert "a new version 2.0.0 is available" in shown
    assert "critical" in shown


def test_no_notice_about_a_version_the_user_no_longer_has(
    host: Host, server: CheckpointServer
) -> None:
    """After an upgrade, the cached answer (about the old version) is not shown."""
    host.introduce()
    host.run()
    server.wait_for(1)
    host.wait_for_answer()
    seen = host.at_terminal(HOST_VERSION="2.0.0")
    assert "new version" not in seen
    assert "critical" not in seen


def test_a_malformed_answer_is_ignored(clean_env: dict[str, str], tmp_path: Path) -> None:
    """An answer that is not the expected JSON caches nothing and shows nothing."""
    bad = CheckpointServer(b'{"outdated": "very", "alerts": {"id": 1}}')
    try:
        app = Host(clean_env, tmp_path, bad.url)
        app.introduce()
        app.run()
        bad.wait_for(1)
        time.sleep(SETTLE)
        assert not app.state().answered
        seen = app.at_terminal()
        assert "new version" not in seen
        assert "very" not in seen
    finally:
        bad.close()


# ---------------------------------------------------------------- a damaged cache


def test_a_corrupt_cache_is_treated_as_empty(host: Host, server: CheckpointServer) -> None:
    """Garbage in the state and signature files: the host runs silently, the first-run
    notice is shown again, and the next ping carries a fresh, valid signature."""
    os.makedirs(host.paths.cache, exist_ok=True)
    Path(host.state_path).write_bytes(b"\xff\xfe garbage\x00\nchecked nan")
    Path(host.paths.signature).write_bytes(b"not-a-uuid")
    assert host.run().stderr == ""
    assert "anonymous usage ping" in host.at_terminal()
    host.run()
    [request] = server.wait_for(1)
    signature = dict(fields_of(request))["signature"]
    assert uuid.UUID(signature).version == 4
    assert Path(host.paths.signature).read_text().strip() == signature


def test_an_unwritable_cache_sends_nothing_and_says_nothing(
    clean_env: dict[str, str], tmp_path: Path, server: CheckpointServer
) -> None:
    """A cache dir that cannot be created (a file is in the way): no ping (the interval
    could not be kept), no traceback, and the first-run notice is not repeated forever."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    env = {**clean_env, "XDG_CACHE_HOME": str(blocker)}
    app = Host(env, tmp_path, server.url)
    for _ in range(2):
        seen = app.at_terminal()
        assert "anonymous usage ping" not in seen  # it could not be recorded: not shown
        assert "crashreport" not in seen
    assert app.run().stderr == ""
    time.sleep(SETTLE)
    assert server.requests == []


# ---------------------------------------------------------------- start-up cost

# A bare interpreter (-I -S: no site, so no .pth file of the venv preloads re or
# pathlib and hides an import), with crashreport and the venv's packages on the path.
IMPORTS = r"""
import os, sys
sys.path[:0] = sys.argv[1:3]
before = set(sys.modules)
import crashreport
options = dict(product=sys.argv[3], version=sys.argv[4])
if len(sys.argv) > 5:
    options["checkpoint_url"] = sys.argv[5]
crashreport.install(**options)
print(" ".join(sorted(set(sys.modules) - before)))
"""

HEAVY = {
    "httpx",
    "platformdirs",
    "json",
    "re",
    "urllib",
    "subprocess",
    "threading",
    "socket",
    "typing",
    "uuid",
    "platform",
    "datetime",
    "pathlib",
    "tempfile",
    "signal",
    "selectors",
}


def _imported(env: dict[str, str], *url: str) -> set[str]:
    site_packages = next(p for p in sys.path if p.endswith("site-packages"))
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            "-c",
            IMPORTS,
            str(ROOT),
            site_packages,
            PRODUCT,
            VERSION,
            *url,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=True,
    )
    return set(done.stdout.split())


def test_the_common_path_imports_only_the_checkpoint_module(
    host: Host, server: CheckpointServer
) -> None:
    """Not due, or opted out: install() with a checkpoint URL imports exactly one module more
    than without -- crashreport.checkpoint -- and nothing heavy."""
    host.introduce()
    host.run()
    server.wait_for(1)
    without = _imported(host.env)
    not_due = _imported(host.env, server.url)
    opted_out = _imported({**host.env, "DO_NOT_TRACK": "1"}, server.url)
    assert not_due - without == {"crashreport.checkpoint"}
    assert opted_out - without == {"crashreport.checkpoint"}
    assert not (not_due & HEAVY)


def test_even_a_due_ping_imports_nothing_heavy(host: Host, server: CheckpointServer) -> None:
    """The run that starts the worker imports no networking, subprocess or json in the host."""
    host.introduce()
    due = _imported(host.env, server.url)
    server.wait_for(1)
    assert not (due & HEAVY), due & HEAVY
    assert {m for m in due if "checkpoint" in m} == {
        "crashreport.checkpoint",
        "crashreport._checkpoint",
        "crashreport._checkpoint.files",
        "crashreport._checkpoint.notices",
        "crashreport._checkpoint.ping",
    }
