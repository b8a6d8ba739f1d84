"""The background worker: one ``GET``, its answer checked and cached, then exit.

Runs in its own process, started by :mod:`crashreport._checkpoint.ping` with
the request already built. A few seconds at most (the server's answer and a
hard alarm), no retries, nothing queued on disk: a ping that fails is simply
lost. Its standard streams are ``/dev/null``; it never reports anything.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Any

from crashreport._checkpoint import files
from crashreport._checkpoint.ping import JOB, WORKER_TIMEOUT, user_agent

__all__ = ["MAX_ANSWER", "fetch", "main", "parse_answer", "store"]

MAX_ANSWER = 64 * 1024  # a checkpoint answer is a few hundred bytes
MAX_ALERTS = 20


def main() -> None:
    """Send the job given in the environment; every failure ends the worker quietly."""
    with contextlib.suppress(OSError):  # already a session leader
        os.setsid()  # out of the host's session: its terminal's signals are not ours
    url, _, state_path = os.environ.pop(JOB, "").partition("\n")
    if not url.startswith(("https://", "http://")) or not state_path:
        return
    import signal

    if hasattr(signal, "alarm"):  # whatever the network does, this process ends
        signal.alarm(int(WORKER_TIMEOUT) + 2)
    try:
        body = fetch(url)
    except Exception:
        return
    answer = parse_answer(body) if body is not None else None
    if answer is not None:
        with contextlib.suppress(OSError):  # an unwritable cache: the answer is lost
            store(state_path, *answer)


def fetch(url: str) -> bytes | None:
    """The body of a ``200`` answer (``None`` for any other status, or one too large)."""
    import httpx

    headers = {"Accept": "application/json", "User-Agent": user_agent()}
    with (
        httpx.Client(timeout=WORKER_TIMEOUT, follow_redirects=False, headers=headers) as client,
        client.stream("GET", url) as response,
    ):
        if response.status_code != 200:
            return None
        body = b""
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > MAX_ANSWER:
                return None
        return body


def _url(value: object) -> str:
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value
    return ""


def _alert(item: object) -> files.Alert | None:
    if not isinstance(item, dict):
        return None
    alert_id, message = item.get("id"), item.get("message")
    if isinstance(alert_id, bool) or not isinstance(alert_id, str | int):
        return None
    if not isinstance(message, str):
        return None
    level = item.get("level")
    alert = files.Alert(
        str(alert_id), level if isinstance(level, str) else "", _url(item.get("url")), message
    )
    return alert if alert.id and alert.message else None


def parse_answer(body: bytes) -> tuple[tuple[str, str] | None, tuple[files.Alert, ...]] | None:
    """``(update, alerts)`` from a server's JSON answer; ``None`` if it is malformed.

    ``update`` is ``(current_version, url)`` when the answer says ``outdated``;
    the URL is ``current_download_url``, else ``current_changelog_url``. An
    alert without an id or message is skipped; unknown fields are ignored.
    """
    try:
        data: Any = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    outdated = data.get("outdated", False)
    alerts = data.get("alerts") or []
    if not isinstance(outdated, bool) or not isinstance(alerts, list):
        return None
    update = None
    if outdated:
        current = data.get("current_version")
        if not isinstance(current, str) or not files.clean(current, 64):
            return None
        url = _url(data.get("current_download_url")) or _url(data.get("current_changelog_url"))
        update = (files.clean(current, 64), files.clean(url, 300))
    parsed = (_alert(item) for item in alerts[:MAX_ALERTS])
    return update, tuple(alert for alert in parsed if alert is not None)


def store(state_path: str, update: tuple[str, str] | None, alerts: tuple[files.Alert, ...]) -> None:
    """Cache a well-formed answer in the product's state file (atomically)."""
    state = files.read_state(state_path)
    state.update, state.alerts, state.answered = update, alerts, time.time()
    state.shown = tuple(i for i in state.shown if any(a.id == i for a in alerts))
    files.write_state(state_path, state)
