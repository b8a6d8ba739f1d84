"""What the checkpoint costs a host app's start-up.

    .venv/bin/python benchmarks/bench_checkpoint.py [--repeat N] [--check]

Fresh-process cases, interleaved, medians of many rounds, all as ratios to
``python -c pass`` measured in the same run:

- ``python -c pass`` -- the baseline;
- ``install()`` with no checkpoint URL -- the checkpoint is not involved;
- checkpoint on, **not due** (pinged a moment ago) -- the common start-up;
- checkpoint on, **opted out** (``DO_NOT_TRACK=1``);
- checkpoint on, **due**, against a server that accepts the connection and
  never answers -- the worst case: the run that starts the worker. After each
  such run the benchmark waits (untimed) until the worker has reached the
  server, so idle workers, not starting ones, overlap the next runs.

Two kinds of figure: *wall* (spawn to exit of the whole process) and
*in-process* (``perf_counter`` and ``process_time`` around the ``install()``
call inside the child, which holds all the checkpoint does, imports
included). Targets: on the common path (not due, opted out) the checkpoint
adds well under 1 ms (checked: under 1 ms of in-process CPU time, median of
per-round differences -- CPU time is what a loaded machine inflates least);
the due run's host never waits for the network (checked: its wall time is
less than a tenth of the worker's timeout above the no-checkpoint case).
``--check`` exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import ROOT, Summary, interleave, machine, ms, run_process, verdict

MAX_COMMON_ADDED = 1e-3  # the brief: "well under 1 ms"; see the figures printed

HOST = r"""
import sys, time
case, out, url = sys.argv[1:4]
import crashreport
options = dict(product="bench-app", version="1.0")
if url != "-":
    options["checkpoint_url"] = url
start, cpu = time.perf_counter(), time.process_time()
crashreport.install(**options)  # the checkpoint's whole cost is inside this call
took, cpu = time.perf_counter() - start, time.process_time() - cpu
with open(out, "a") as f:
    f.write(f"{case} {took!r} {cpu!r}\n")
"""


class HangingServer:
    """Accepts connections on 127.0.0.1, reads, never answers; counts the connections."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted = 0
        self.closed = 0
        self.longest = 0.0  # the longest a worker stayed connected, in seconds
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.accepted += 1
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        start = time.monotonic()
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass
        with self._lock:
            self.closed += 1
            self.longest = max(self.longest, time.monotonic() - start)
        conn.close()

    def wait_accepted(self, count: int, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.accepted >= count:
                return True
            time.sleep(0.01)
        return False

    def close(self) -> None:
        self.sock.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40, help="interleaved rounds (default 40)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()

    hanging = HangingServer()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-checkpoint-") as work:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("CRASHREPORT_")
            and k not in ("CI", "DO_NOT_TRACK", "CHECKPOINT_DISABLE", "PYTHONDONTWRITEBYTECODE")
        }
        for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
            env[name] = os.environ[name] = str(Path(work) / name.lower())
        env["PYTHONPATH"] = str(ROOT)
        env["NO_PROXY"] = "127.0.0.1"
        from crashreport import checkpoint
        from crashreport._checkpoint import files

        state_path = checkpoint.Paths().state("bench-app")

        def set_state(checked: float) -> None:
            state = files.State()
            state.checked, state.noticed, state.version = checked, 1.0, "1.0"
            files.write_state(state_path, state)

        out = str(Path(work) / "inside.txt")
        script = str(Path(work) / "host.py")
        Path(script).write_text(HOST)
        due_runs = 0

        def host(case: str, url: str, extra: dict[str, str] | None = None) -> tuple[float, float]:
            return run_process([python, script, case, out, url], {**env, **(extra or {})}, work)

        def due() -> tuple[float, float]:
            nonlocal due_runs
            set_state(0.0)  # the interval has passed
            timing = host("due", hanging.url)
            due_runs += 1
            if not hanging.wait_accepted(due_runs):  # untimed: the worker reached the server
                raise RuntimeError("the worker of a due run never reached the server")
            set_state(time.time())  # the not-due case finds a fresh ping
            return timing

        set_state(time.time())
        cases = {
            "python -c pass": lambda: run_process([python, "-c", "pass"], env, work),
            "no checkpoint": lambda: host("off", "-"),
            "not due": lambda: host("not-due", hanging.url),
            "opted out": lambda: host("opted-out", hanging.url, {"DO_NOT_TRACK": "1"}),
            "due, hanging server": due,
        }
        print(f"checkpoint start-up cost -- {machine()}")
        print(f"{args.repeat} interleaved rounds of fresh processes; medians")
        runs = interleave(cases, args.repeat)
        inside: dict[str, list[float]] = {}
        inside_cpu: dict[str, list[float]] = {}
        for line in Path(out).read_text().splitlines():
            case, seconds, cpu_seconds = line.split()
            inside.setdefault(case, []).append(float(seconds))
            inside_cpu.setdefault(case, []).append(float(cpu_seconds))
        leftover = hanging.accepted - hanging.closed
        time.sleep(0.5)
    from crashreport._checkpoint.ping import WORKER_TIMEOUT

    base = "python -c pass"

    def paired(name: str, baseline: str) -> tuple[float, float]:
        rounds = list(zip(runs[name], runs[baseline], strict=True))
        added = statistics.median(c - b for (c, _), (b, _) in rounds)
        ratio = statistics.median(c / b for (c, _), (b, _) in rounds)
        return added, ratio

    names = {"no checkpoint": "off", "not due": "not-due", "opted out": "opted-out"}
    names["due, hanging server"] = "due"
    print()
    print(f"{'case':<22}{'wall (spawn to exit)':<38}{'ratio':<9}{'in-process install()'}")
    for name in cases:
        wall = Summary.of([w for w, _ in runs[name]])
        ratio = "1.000" if name == base else f"{paired(name, base)[1]:.3f}"
        inner = Summary.of(inside[names[name]][-args.repeat :]).ms() if name in names else "-"
        print(f"{name:<22}{wall.ms():<38}{ratio:<9}{inner}")

    def inner_added(name: str, table: dict[str, list[float]] = inside) -> float:
        # per-round differences: the i-th run of each case belongs to round i
        ours = table[names[name]][-args.repeat :]
        off = table["off"][-args.repeat :]
        return statistics.median(c - b for c, b in zip(ours, off, strict=True))

    # CPU time is what a neighbour's load cannot inflate (a preempted process
    # is not running); the common path waits on nothing else (one cached read)
    common = max(inner_added("not due", inside_cpu), inner_added("opted out", inside_cpu))
    due_added, _ = paired("due, hanging server", "no checkpoint")
    due_wall_max = max(w for w, _ in runs["due, hanging server"])
    ok_common = common <= MAX_COMMON_ADDED
    ok_due = due_added < WORKER_TIMEOUT / 10
    print()
    print("what the checkpoint adds to install() (in-process, median of per-round differences):")
    for name, label in (("not due", "not due:  "), ("opted out", "opted out:")):
        # the fastest runs of each case: the cost with the least noise from neighbours
        best = min(inside_cpu[names[name]][-args.repeat :])
        best -= min(inside_cpu["off"][-args.repeat :])
        print(
            f"  {label} {ms(inner_added(name))} wall, {ms(inner_added(name, inside_cpu))} CPU"
            f" (fastest runs: {ms(best)} CPU)"
        )
    due_inner = ms(inner_added("due, hanging server"))
    print(f"  due:       {due_inner} (writes the cache, starts the worker)")
    print(
        f"  -> common path adds under {MAX_COMMON_ADDED * 1e3:.0f} ms of CPU: {verdict(ok_common)}"
    )
    print(
        f"due run with a server that never answers: the host's wall time is {ms(due_added)}"
        f" above no checkpoint (median of rounds), slowest run {ms(due_wall_max)};"
        f" the worker's timeout is {WORKER_TIMEOUT:.0f} s"
    )
    print(f"  -> the host never waits on the network: {verdict(ok_due)}")
    print(
        f"workers: {hanging.accepted} reached the server in {due_runs} due runs;"
        f" {leftover} were still waiting when the last round ended;"
        f" the longest stayed {hanging.longest:.2f} s (then gave up by itself)"
    )
    hanging.close()
    return 1 if args.check and not (ok_common and ok_due) else 0


if __name__ == "__main__":
    sys.exit(main())
