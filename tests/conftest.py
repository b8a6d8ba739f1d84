"""Shared test parts: a real HTTP receiver on 127.0.0.1, clean environments,
and helpers that run programs in subprocesses and in a real pseudo-terminal."""

from __future__ import annotations

import http.server
import json
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CRASHER = ROOT / "fixtures" / "crashers" / "db_crash.py"


class Receiver:
    """A real HTTP server on 127.0.0.1 that records every request.

    ``responses`` is a list of status codes to answer with, in order (the
    last one repeats); each answer is JSON.
    """

    def __init__(self, responses: list[int] | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.responses = list(responses or [201])
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = (
                    receiver.responses.pop(0)
                    if len(receiver.responses) > 1
                    else receiver.responses[0]
                )
                answer = json.dumps({"status": status}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                if 300 <= status < 400:
                    self.send_header("Location", "https://elsewhere.example/")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1/reports"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def bodies(self) -> list[bytes]:
        return [r["body"] for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 recording what it receives; stops by itself."""
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An environment with no CI marker, no crashreport settings and private XDG dirs."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CRASHREPORT_", "PYTEST_"))
        and k not in ("CI", "DO_NOT_TRACK", "CHECKPOINT_DISABLE")
    }
    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        env[name] = str(tmp_path / name.lower())
        monkeypatch.setenv(name, env[name])
    env["PYTHONPATH"] = str(ROOT)
    env["TERM"] = "xterm"
    env["PAGER"] = "cat"
    env["NO_PROXY"] = "127.0.0.1,localhost"
    for name in ("CI", "DO_NOT_TRACK"):
        monkeypatch.delenv(name, raising=False)
    return env


def python() -> str:
    return sys.executable


def spawn(args: list[str], env: dict[str, str], **kwargs: Any) -> Any:
    """A child process in a real pseudo-terminal (pexpect)."""
    import pexpect

    return pexpect.spawn(
        args[0],
        args[1:],
        env=env,
        cwd=str(kwargs.pop("cwd", ROOT)),
        encoding="utf-8",
        codec_errors="replace",
        timeout=kwargs.pop("timeout", 30),
        dimensions=(60, 200),
        **kwargs,
    )


# ---------------------------------------------------------------- consent (prompt) helpers

PROMPT_APP = ROOT / "fixtures" / "crashers" / "prompt_app.py"
PAGER = ROOT / "fixtures" / "crashers" / "prompt_pager.py"
QUESTION = "Send this crash report"
UP, DOWN, ENTER = "\x1b[A", "\x1b[B", "\r"
CTRL_C, CTRL_D = "\x03", "\x04"


def plain(text: str) -> str:
    """Terminal output without escape sequences and with plain newlines."""
    import re

    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]", "", text)
    return text.replace("\r\n", "\n").replace("\r", "")


def audit_script(log: Path, then: str) -> str:
    """Python source that records every socket event to ``log``, then runs ``then``.

    ``socket.gethostname`` is left out: it asks the kernel, not the network.
    """
    return (
        "import sys\n"
        "def _audit(event, args):\n"
        "    if event.startswith('socket.') and event != 'socket.gethostname':\n"
        f"        with open({str(log)!r}, 'a') as f: f.write(event + '\\n')\n"
        "sys.addaudithook(_audit)\n" + then
    )


# ---------------------------------------------------------------- delivery (issue 5)


def consented(message: str = "the ledger is locked", **capture_options: Any) -> Any:
    """A real ``ConsentedReport``: a raised exception through capture, redact and render,
    as if the user had said yes (the way the outbox hands reports back)."""
    from crashreport.capture import capture
    from crashreport.consent import consented_from_outbox
    from crashreport.redact import redact
    from crashreport.render import payload

    def fail() -> None:
        attempt = 3  # a local variable, for the frames' vars
        raise RuntimeError(f"{message} (try {attempt})")

    try:
        fail()
    except RuntimeError as exc:
        report = capture(
            exc, product="fixture-app", version="1.0", mechanism="excepthook", **capture_options
        )
    return consented_from_outbox(payload(redact(report)))


@pytest.fixture
def flaky() -> Iterator[Any]:
    """Make real misbehaving HTTP servers on 127.0.0.1 (fixtures/servers.py); all
    stop by themselves when the test ends."""
    from fixtures.servers import FlakyServer

    made: list[FlakyServer] = []

    def make(*args: Any, **kwargs: Any) -> FlakyServer:
        server = FlakyServer(*args, **kwargs)
        made.append(server)
        return server

    yield make
    for server in made:
        server.close()


@pytest.fixture(scope="session")
def bugsink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real Bugsink server on 127.0.0.1 for the whole session, stopped at its end.

    Not installed is an error, not a skip: the Sentry promise is proven against
    a real server or not at all (tests/bugsink.py says how to install it).
    """
    from tests.bugsink import Bugsink, missing

    problem = missing()
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    server = Bugsink(tmp_path_factory.mktemp("bugsink"))
    server.prepare()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- crashers (capture helper)

CRASHERS = ROOT / "fixtures" / "crashers"
_REPORT_START = '{\n  "schema": "crashreport.report/1"'


def run_crasher(
    args: list[str],
    env: dict[str, str],
    *,
    timeout: float = 120,
    cwd: Path | str = ROOT,
) -> Any:
    """Run ``python ARGS`` in a subprocess with no terminal; the finished process.

    ``args[0]`` may name a file in ``fixtures/crashers`` (``"shapes.py"``).
    """
    import subprocess

    first = args[0]
    if not os.path.isabs(first) and (CRASHERS / first).is_file():
        args = [str(CRASHERS / first), *args[1:]]
    return subprocess.run(
        [sys.executable, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=str(cwd),
        check=False,
    )


def reports_in(text: str) -> list[dict[str, Any]]:
    """Every full report payload printed in ``text`` (a dry run prints each one whole)."""
    decoder = json.JSONDecoder()
    found = []
    start = text.find(_REPORT_START)
    while start != -1:
        data, end = decoder.raw_decode(text, start)
        found.append(data)
        start = text.find(_REPORT_START, end)
    return found


@pytest.fixture
def dry_env(clean_env: dict[str, str]) -> dict[str, str]:
    """``clean_env`` with ``CRASHREPORT_DRY_RUN=1``: each report is printed whole, nothing sent."""
    return {**clean_env, "CRASHREPORT_DRY_RUN": "1"}


def sent_body(request: dict[str, Any]) -> bytes:
    """The payload bytes of one received request, uncompressed if it came gzipped
    (the digest is always that of the uncompressed payload)."""
    import gzip

    body: bytes = request["body"]
    if request["headers"].get("Content-Encoding", "").lower() == "gzip":
        return gzip.decompress(body)
    return body


def sent_bodies(receiver: Receiver) -> list[bytes]:
    """The payload bytes of every request ``receiver`` got, in order."""
    return [sent_body(request) for request in receiver.requests]
