"""A real Sentry-compatible server for the tests: Bugsink, from PyPI, in its own venv.

Bugsink (``bugsink==2.6.2``) lives in a virtual environment of its own
(``CRASHREPORT_BUGSINK_VENV``, default ``.venv-bugsink`` in the checkout):
it brings Django, its own sentry-sdk pin and some twenty generic top-level
packages that must not mix with ours. ``scripts/test`` installs it there.

One instance per test session: a private work directory (SQLite databases,
ingestion store, configuration), gunicorn with one worker on a free port of
127.0.0.1, digest inside the request (so an event can be read back as soon as
its POST is answered), no phone-home, strict schema validation (an event
that does not fit Sentry's schema is dropped, and ``log_tail`` says why).
Stopped by its PID at the end of the session.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VERSION = "2.6.2"
INSTALL_HINT = (
    "Bugsink is needed for the Sentry-transport tests and is not installed. "
    "Install it in its own venv: python3.11 -m venv .venv-bugsink && "
    f".venv-bugsink/bin/pip install bugsink=={VERSION} "
    "(or run scripts/test, which does it; CRASHREPORT_BUGSINK_VENV points elsewhere)"
)

_SETTINGS = """

# ---- crashreport test harness ----
DATABASES["default"]["NAME"] = {work!r} + "/db.sqlite3"
DATABASES["snappea"]["NAME"] = {work!r} + "/snappea.sqlite3"
SNAPPEA["TASK_ALWAYS_EAGER"] = True  # digest inside the POST: readable once answered
SNAPPEA["WAKEUP_CALLS_DIR"] = {work!r} + "/snappea.wakeup"
BUGSINK["PHONEHOME"] = False  # no traffic off this machine
BUGSINK["INGEST_STORE_BASE_DIR"] = {work!r} + "/ingestion"
BUGSINK["VALIDATE_ON_DIGEST"] = "strict"  # a schema-invalid event is dropped, and logged
BUGSINK["KEEP_ENVELOPES"] = 50  # the raw envelopes, to compare with what we sent
"""

# Run once inside Bugsink's own Django (bugsink-manage shell): database,
# a team, a project, an API token; prints them as one JSON line.
_BOOTSTRAP = """
import json
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
call_command("migrate", "snappea", database="snappea", verbosity=0, interactive=False)
from teams.models import Team
from projects.models import Project
from bsmain.models import AuthToken
team = Team.objects.create(name="crashreport-tests")
project = Project.objects.create(team=team, name="crash-tests", slug="crash-tests")
print(json.dumps({"project_id": project.id, "dsn": project.dsn,
                  "token": AuthToken.create_full_access().token}))
"""


def venv_path() -> Path:
    """Where Bugsink's venv is (``CRASHREPORT_BUGSINK_VENV``, default ``.venv-bugsink``)."""
    return Path(os.environ.get("CRASHREPORT_BUGSINK_VENV") or ROOT / ".venv-bugsink")


def missing() -> str | None:
    """Why Bugsink cannot run here (``None``: it can)."""
    venv = venv_path()
    for tool in ("gunicorn", "bugsink-manage", "bugsink-create-conf"):
        if not (venv / "bin" / tool).exists():
            return f"{venv / 'bin' / tool} does not exist. {INSTALL_HINT}"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Bugsink:
    """One Bugsink server: ``dsn`` to send to, ``event(event_id)`` to read back."""

    def __init__(self, work: Path, venv: Path | None = None) -> None:
        self.work = work
        self.bin = (venv or venv_path()) / "bin"
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("SENTRY_DSN", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
            and not k.startswith("CRASHREPORT_")
        }
        self.env.update(DJANGO_SETTINGS_MODULE="bugsink_conf", PYTHONPATH=str(work))
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = work / "server.log"
        self.info: dict[str, Any] = {}

    def prepare(self) -> None:
        """Write the configuration and create the database, project and token."""
        self.work.mkdir(parents=True, exist_ok=True)
        self._run(
            "bugsink-create-conf", "--template=local", "--host=127.0.0.1", f"--port={self.port}"
        )
        with open(self.work / "bugsink_conf.py", "a", encoding="utf-8") as conf:
            conf.write(_SETTINGS.format(work=str(self.work)))
        out = self._run("bugsink-manage", "shell", "-v", "0", "-c", _BOOTSTRAP)
        self.info = json.loads(out.strip().splitlines()[-1])

    @property
    def dsn(self) -> str:
        """The project's DSN: ``http://KEY@127.0.0.1:PORT/ID``."""
        return str(self.info["dsn"])

    def start(self, timeout: float = 90.0) -> None:
        """Start gunicorn and wait until ``/health/ready`` answers."""
        log = open(self.log_path, "wb")  # noqa: SIM115 - the server's whole life
        self.proc = subprocess.Popen(
            [
                str(self.bin / "gunicorn"),
                f"--bind=127.0.0.1:{self.port}",
                "--workers=1",
                "--no-control-socket",
                "--access-logfile=-",
                "bugsink.wsgi",
            ],
            cwd=self.work,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Bugsink exited at start:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + "/health/ready", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Bugsink did not start in {timeout:g} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop our gunicorn (by its PID; the master stops its worker)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=20)

    def api(self, path: str) -> Any:
        """GET a path of Bugsink's REST API; the JSON answer, or ``None`` for 404."""
        request = urllib.request.Request(
            self.base + path, headers={"Authorization": f"Bearer {self.info['token']}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise

    def event(self, event_id: str) -> Any:
        """The stored event with this id (32-hex or dashed), or ``None``."""
        project = self.info["project_id"]
        return self.api(f"/api/canonical/0/events/lookup/?project={project}&event_id={event_id}")

    def stored_envelopes(self) -> list[bytes]:
        """Every raw envelope Bugsink kept, as it arrived (decompressed)."""
        out = self._run(
            "bugsink-manage",
            "shell",
            "-v",
            "0",
            "-c",
            "import base64\n"
            "from ingest.models import Envelope\n"
            "for e in Envelope.objects.order_by('id'):\n"
            "    print(base64.b64encode(bytes(e.data)).decode())\n",
        )
        import base64

        return [base64.b64decode(line) for line in out.split()]

    def log_tail(self, size: int = 4000) -> str:
        """The end of the server's log (why an event was dropped, say)."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-size:]
        except OSError:
            return "(no log)"

    def _run(self, tool: str, *args: str) -> str:
        done = subprocess.run(
            [str(self.bin / tool), *args],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
        return done.stdout
