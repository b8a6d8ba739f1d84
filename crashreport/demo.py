"""``crashreport demo``: a realistic crash, end to end, with the real prompt.

A database connection fails; its message and the frames' local variables
hold a password, a host, an IP address, a port, a user and a database name.
With no endpoint configured, an embedded receiver on 127.0.0.1 plays the
server, so answering "Send report" shows the whole round trip -- and prints
exactly what the receiver got. ``--dry-run`` opens no socket at all.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import sys
import threading
import traceback
from typing import Any

from crashreport.cli import command_config

__all__ = ["DemoDatabaseError", "Receiver", "add_parser", "crash"]

# The demo's secrets: every one of them must be gone from what is shown and sent.
SETTINGS = {
    "host": "pg-orders-7.prod.internal",
    "hostaddr": "10.20.3.41",
    "port": 6432,
    "dbname": "orders_prod",
    "user": "svc_orders_rw",
    "password": "Tr0ub4dor&3-orders",
}


class DemoDatabaseError(Exception):
    """Stands in for ``psycopg.OperationalError`` (no database driver needed)."""


def _connect(dsn: str) -> None:
    s = SETTINGS
    raise DemoDatabaseError(
        f'connection to server at "{s["host"]}" ({s["hostaddr"]}), port {s["port"]} failed: '
        f'FATAL:  password authentication failed for user "{s["user"]}"'
    )


def _open_pool(settings: dict[str, Any]) -> None:
    dsn = " ".join(f"{key}={value}" for key, value in settings.items())
    _connect(dsn)


def crash() -> None:
    """Fail the way an application fails when its database refuses it."""
    database_url = (
        f"postgresql://{SETTINGS['user']}:{SETTINGS['password']}"
        f"@{SETTINGS['host']}:{SETTINGS['port']}/{SETTINGS['dbname']}"
    )
    try:
        _open_pool(dict(SETTINGS))
    except DemoDatabaseError as exc:
        raise RuntimeError(f"checkout service cannot start (database {database_url})") from exc


class Receiver:
    """A tiny report server on 127.0.0.1 for the demo (and only for the demo)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.received.append((dict(self.headers), self.rfile.read(length)))
                answer = b'{"status": "received"}'
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/reports"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def add_parser(commands: Any) -> None:
    """Register ``demo``."""
    demo = commands.add_parser(
        "demo",
        help="a built-in crash, end to end, with the real prompt",
        description="Crash on purpose (a database connection failure full of secrets) and "
        "go through the whole path: redaction, the report, the prompt, the upload.",
    )
    demo.add_argument("--dry-run", action="store_true", help="show everything, open no socket")
    demo.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    from crashreport.handle import handle

    config = command_config(dry_run=True if args.dry_run else None)
    receiver = None
    if config.endpoint is None and config.dsn is None and not config.dry_run:
        receiver = Receiver()
        config = config.replace(endpoint=receiver.url)
    config = config.replace(product="crashreport-demo", capture_locals=True, keep_unanswered=False)
    try:
        crash()
    except RuntimeError as exc:
        traceback.print_exception(exc)  # what Python itself would print
        outcome = handle(exc, config, "demo")
    else:  # pragma: no cover - crash() always raises
        return 1
    if receiver is not None:
        receiver.close()
        _show_received(receiver)
    print(f"demo finished: {outcome.status.value}")
    return 0


def _show_received(receiver: Receiver) -> None:
    if not receiver.received:
        print("the demo receiver got nothing.")
        return
    for headers, body in receiver.received:
        digest = hashlib.sha256(body).hexdigest()
        claimed = headers.get("X-Crashreport-Digest", "")
        print(f"\nthe demo receiver (127.0.0.1) got {len(body)} bytes, sha256 {digest}")
        print(f"digest sent with it: {claimed} -- {'matches' if digest in claimed else 'MISMATCH'}")
        print(json.dumps(json.loads(body), indent=2))
    sys.stdout.flush()
