"""Nothing lost, nothing twice: after every way a server can fail, the report waits in
the outbox and arrives exactly once when the server recovers -- delivered again by the
next run of the host app (in the background, without holding its start or its exit)
or by ``crashreport outbox send``; and several processes sharing one outbox."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from crashreport.config import Config
from crashreport.handle import deliver, destination_of
from crashreport.outcome import Status
from crashreport.transport import Destination
from crashreport.transport.base import Delivery
from crashreport.transport.outbox import QUEUED, REJECTED, REVIEW, entries, keep
from crashreport.transport.redeliver import send_waiting
from fixtures.servers import HANG, RESET, Answer, FlakyServer, wait_for
from tests.conftest import ROOT, consented

Flaky = Callable[..., FlakyServer]

# A host application: installs crashreport, then works until its outbox has no queued
# report left (or its time is up) -- the next run of the app, in a real process.
HOST = """
import os, sys, time
import crashreport
folder, budget, life = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
crashreport.install(product="host-app", version="2.0", outbox_dir=folder, send_timeout=budget)
end = time.monotonic() + life
while time.monotonic() < end and any(n.endswith(".queued.json") for n in os.listdir(folder)):
    time.sleep(0.05)
"""


def run_host(env: dict[str, str], folder: Path, budget: float = 5.0, life: float = 30.0) -> str:
    done = subprocess.run(
        [sys.executable, "-c", HOST, str(folder), str(budget), str(life)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=life + 60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def outbox_send(env: dict[str, str], folder: Path, *ids: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crashreport", "outbox", "send", *ids],
        cwd=ROOT, env={**env, "CRASHREPORT_OUTBOX_DIR": str(folder)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


FAILURES: dict[str, Callable[[Flaky], FlakyServer]] = {
    "refuses": lambda flaky: flaky(listening=False),
    "resets mid-request": lambda flaky: flaky(then=RESET),
    "hangs past the timeout": lambda flaky: flaky(then=HANG),
    "500": lambda flaky: flaky(then=500),
    "503 with Retry-After": lambda flaky: flaky(then=Answer(503, {"Retry-After": "2"})),
    "429": lambda flaky: flaky(then=429),
    "413": lambda flaky: flaky(then=413),
    "redirect to another host": lambda flaky: flaky(
        then=Answer(302, {"Location": flaky(host="127.0.0.2").url})
    ),
}
REFUSALS = {"413", "redirect to another host"}  # the server said no: not retried by itself


@pytest.mark.parametrize("failure", FAILURES)
def test_after_each_failure_the_report_waits_then_arrives_exactly_once(
    failure: str, flaky: Flaky, clean_env: dict[str, str], tmp_path: Path
) -> None:
    """The server fails: deliver() keeps the consented report in the outbox and says
    how it will go. The server recovers: the next run of the host app (or, after a
    refusal, ``crashreport outbox send``) delivers it -- once, and never again."""
    server = FAILURES[failure](flaky)
    folder = tmp_path / "outbox"
    config = Config(endpoint=server.url, outbox_dir=str(folder), send_timeout=1.5)
    report = consented()
    said = io.StringIO()
    outcome = deliver(report, destination_of(config), config, said)

    assert outcome.status is Status.QUEUED
    assert outcome.path is not None
    [entry] = entries(folder)
    assert entry.payload == report.payload
    assert entry.state == (REJECTED if failure in REFUSALS else QUEUED)
    assert entry.attempts >= (0 if failure == "refuses" else 1)
    assert server.delivered == []
    assert "crashreport outbox send" in said.getvalue()
    assert str(folder) in said.getvalue()

    server.recover()
    wait_for(entry.due, timeout=10)  # a Retry-After is honoured by the outbox too
    if failure in REFUSALS:
        done = outbox_send(clean_env, folder)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"{report.report_id}: delivered to 127.0.0.1" in done.stdout
    else:
        assert run_host(clean_env, folder) == ""  # not a word from us at the host's start
    assert server.ids() == [report.report_id]
    assert server.delivered[0].body == report.payload.body
    assert entries(folder) == []

    again = outbox_send(clean_env, folder)
    run_host(clean_env, folder, life=1)
    assert "nothing to send" in again.stdout
    assert server.ids() == [report.report_id]


def test_several_processes_sharing_one_outbox_deliver_each_report_once(
    flaky: Flaky, clean_env: dict[str, str], tmp_path: Path
) -> None:
    """Twelve queued reports, a slow server, three ``outbox send`` and two host apps
    started at once on the same outbox: every report arrives exactly once, none is left."""
    server = flaky(then=Answer(200, delay=0.15))
    folder = tmp_path / "outbox"
    destination = Destination(endpoint=server.url)
    ids = []
    for _ in range(12):
        report = consented()
        keep(report, QUEUED, destination, folder)
        ids.append(report.report_id)
    env = {**clean_env, "CRASHREPORT_OUTBOX_DIR": str(folder)}
    senders = [
        subprocess.Popen([sys.executable, "-m", "crashreport", "outbox", "send"], cwd=ROOT,
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ] + [
        subprocess.Popen([sys.executable, "-c", HOST, str(folder), "20", "40"], cwd=ROOT,
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    outputs = [p.communicate(timeout=120) for p in senders]
    assert all(p.returncode == 0 for p in senders), outputs
    assert sorted(server.ids()) == sorted(ids)
    assert len(server.ids()) == len(set(server.ids())) == 12
    assert entries(folder) == []
    said = "".join(out for out, _ in outputs)
    assert said.count("delivered to 127.0.0.1") <= 12


def test_a_host_start_is_not_held_and_its_exit_not_held_by_a_hanging_server(
    flaky: Flaky, clean_env: dict[str, str], tmp_path: Path
) -> None:
    """With a queued report, a server that never answers and a 30 s send budget, the host
    app's install() returns at once and the app exits when it is done (after 1 s of
    work), silently; the report is still queued for the next run."""
    server = flaky(then=HANG, hang_limit=60)
    folder = tmp_path / "outbox"
    report = consented()
    keep(report, QUEUED, Destination(endpoint=server.url), folder)
    code = (
        "import sys, time\n"
        "started = time.monotonic()\n"
        "import crashreport\n"
        f"crashreport.install(outbox_dir={str(folder)!r}, send_timeout=30)\n"
        "print(f'{time.monotonic() - started:.3f}', flush=True)\n"
        "time.sleep(1)\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean_env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert done.returncode == 0
    assert done.stderr == ""
    assert float(done.stdout) < 1.0  # install() itself: far below the 30 s a send could take
    assert elapsed < 15
    assert wait_for(lambda: len(server.requests) >= 1)  # the background pass did try
    [entry] = entries(folder)
    assert entry.payload == report.payload
    assert entry.state == QUEUED


STARTUP = """
import json, sys
before = set(sys.modules)
import crashreport
crashreport.install(outbox_dir=sys.argv[1])
crashreport.install(outbox_dir=sys.argv[1])  # again: still at most one background pass
imported = sorted(set(sys.modules) - before)
import threading
threads = [t.name for t in threading.enumerate() if t.name.startswith("crashreport")]
print(json.dumps({"modules": imported, "threads": threads.count("crashreport-redeliver")}))
"""


def _startup(env: dict[str, str], folder: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", STARTUP, str(folder)], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


# Nothing of these may load at a start with nothing queued (the delivery side of the
# start-up promise; tests/test_startup.py holds install() as a whole to it).
HEAVY = {
    "httpx", "attr", "attrs", "json", "platformdirs", "threading", "platform", "re",
    "crashreport.transport.base", "crashreport.transport.outbox", "crashreport.payload",
}  # fmt: skip


def test_nothing_queued_means_one_scandir_and_nothing_else(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    """With no outbox at all, or only a report awaiting review, install() loads none of
    delivery's modules (nothing heavy) and starts no thread."""
    folder = tmp_path / "outbox"
    for _ in range(2):
        started = _startup(clean_env, folder)
        modules = set(started["modules"])  # type: ignore[call-overload]
        assert {m for m in modules if m.startswith("crashreport.transport")} == set()
        assert not modules & HEAVY
        assert started["threads"] == 0
        keep(
            consented().payload, REVIEW, Destination(endpoint="https://crash.example.org/"), folder
        )


def test_a_queued_report_starts_exactly_one_background_pass(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    """A queued report: install() starts one background thread, even when called twice
    (delivering it is the job of the tests above)."""
    folder = tmp_path / "outbox"
    keep(consented(), QUEUED, Destination(endpoint="http://127.0.0.1:9/v1"), folder)
    assert _startup(clean_env, folder)["threads"] == 1


def test_the_default_outbox_is_found_at_start_up(
    flaky: Flaky, clean_env: dict[str, str], tmp_path: Path
) -> None:
    """No outbox_dir given: the report queued in the platformdirs data dir
    (XDG_DATA_HOME) is found by install's own lookup and delivered."""
    server = flaky()
    folder = Path(clean_env["XDG_DATA_HOME"]) / "crashreport" / "outbox"
    report = consented()
    keep(report, QUEUED, Destination(endpoint=server.url), folder)
    code = (
        "import os, time, crashreport\n"
        "crashreport.install()\n"
        f"folder = {str(folder)!r}\n"
        "end = time.monotonic() + 30\n"
        "while time.monotonic() < end and os.listdir(folder):\n"
        "    time.sleep(0.05)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean_env, timeout=90)
    assert done.returncode == 0
    assert server.ids() == [report.report_id]


def test_a_dry_run_never_delivers_from_the_outbox(
    flaky: Flaky, clean_env: dict[str, str], tmp_path: Path
) -> None:
    """CRASHREPORT_DRY_RUN=1: no background pass, no socket (an audit hook watches),
    and the report still waits."""
    server = flaky()
    folder = tmp_path / "outbox"
    keep(consented(), QUEUED, Destination(endpoint=server.url), folder)
    log = tmp_path / "sockets.log"
    code = (
        "import sys, time\n"
        "def audit(event, args):\n"
        "    if event == 'socket.connect':\n"
        f"        open({str(log)!r}, 'a').write(event)\n"
        "sys.addaudithook(audit)\n"
        "import crashreport\n"
        f"crashreport.install(outbox_dir={str(folder)!r})\n"
        "time.sleep(2)\n"
    )
    env = {**clean_env, "CRASHREPORT_DRY_RUN": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, timeout=60)
    assert done.returncode == 0
    assert not log.exists()
    assert server.requests == []
    assert len(entries(folder)) == 1


def test_the_background_pass_waits_as_the_server_asked_and_leaves_refusals(
    flaky: Flaky, clean_env: dict[str, str], tmp_path: Path
) -> None:
    """A report the server asked to wait an hour for, and one it refused: the next run
    sends neither (only ``outbox send`` retries a refusal)."""
    server = flaky()
    folder = tmp_path / "outbox"
    destination = Destination(endpoint=server.url)
    wait = Delivery(False, "HTTP 429", retry=True, retry_after=3600)
    keep(consented(), QUEUED, destination, folder, failure=wait)
    keep(consented(), REJECTED, destination, folder, failure=Delivery(False, "HTTP 400"))
    run_host(clean_env, folder, life=2)
    assert server.requests == []
    assert sorted(e.state for e in entries(folder)) == [QUEUED, REJECTED]


def test_after_a_failure_the_pass_does_not_wait_for_each_report(
    flaky: Flaky, tmp_path: Path
) -> None:
    """The destination is down: the first report's try fails, the others for the same
    destination are not tried in this pass (and all still wait)."""
    server = flaky(listening=False)
    destination = Destination(endpoint=server.url)
    for _ in range(3):
        keep(consented(), QUEUED, destination, tmp_path)
        time.sleep(0.02)
    started = time.monotonic()
    results = send_waiting(tmp_path, timeout=1.0)
    assert time.monotonic() - started < 1.0 + 2.0
    assert [r.delivery is not None for r in results] == [True, False, False]
    assert all("not tried: the last try for 127.0.0.1 failed" in r.note for r in results[1:])
    assert len(entries(tmp_path)) == 3
    assert entries(tmp_path)[0].attempts >= 1


INTERRUPTED = """
import io, sys
from crashreport.config import Config
from crashreport.handle import deliver, destination_of
from tests.conftest import consented
config = Config(endpoint=sys.argv[1], outbox_dir=sys.argv[2], send_timeout=60)
report = consented()
print(report.report_id, flush=True)
try:
    deliver(report, destination_of(config), config, sys.stdout)
except KeyboardInterrupt:
    print("KeyboardInterrupt went on", flush=True)
"""


def test_ctrl_c_while_sending_keeps_the_report(flaky: Flaky, tmp_path: Path) -> None:
    """A real SIGINT while the server hangs: the report is kept in the outbox, and the
    interrupt goes on to the program."""
    server = flaky(then=HANG)
    child = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED, server.url, str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        report_id = child.stdout.readline().strip()
        assert wait_for(lambda: len(server.requests) == 1)
        child.send_signal(signal.SIGINT)
        said, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
    assert "interrupted: the report waits in" in said
    assert "KeyboardInterrupt went on" in said
    [entry] = entries(tmp_path)
    assert entry.report_id == report_id
    assert entry.state == QUEUED
