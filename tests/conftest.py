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
        cwd=str(ROOT),
        encoding="utf-8",
        codec_errors="replace",
        timeout=kwargs.pop("timeout", 30),
        dimensions=(60, 200),
        **kwargs,
    )
