"""Issue 9, target 1: what ``import crashreport; crashreport.install(...)`` costs.

    .venv/bin/python benchmarks/bench_install.py [--repeat N] [--check]

Three (four) fresh-process cases, interleaved, medians of many rounds:

- ``python -c pass`` -- the baseline every figure is a ratio to;
- ``import crashreport; crashreport.install(product=..., version=...,
  endpoint="https://crash.example.org/v1")``;
- ``import sentry_sdk; sentry_sdk.init(dsn=...)`` with its default
  integrations (what a user gets), and with none of them (the cheapest
  sentry-sdk can be). Its DSN points at a listener on 127.0.0.1 that counts
  connections: the run fails if sentry-sdk sent anything. Session tracking
  and client reports are off, so it has nothing to send at exit.

Two kinds of figure: *wall* (spawn to exit of the whole process: what a user
waits for) and *in-process* (a ``perf_counter`` around the import and the
call, inside the child: precise enough to compare a 1 ms cost with a 100 ms
one, which process wall times on a shared machine are not). Targets: install
adds at most 3 ms and the ratio to ``python -c pass`` is at most 1.3 (aim
1 ms); it is at least 40x cheaper than sentry-sdk's init. ``--check`` exits
with status 1 if a target is missed.

It also prints the modules ``install()`` imports beyond ``python -c pass``,
both in this venv and in a bare interpreter (``-I -S``), where nothing that a
``.pth`` file preloads can hide an import.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import ROOT, Summary, interleave, machine, ms, run_process, verdict

INSTALL = (
    "import crashreport; crashreport.install(product='bench-app', version='1.0', "
    "endpoint='https://crash.example.org/v1')"
)
SENTRY = (
    "import sentry_sdk; sentry_sdk.init(dsn={dsn!r}, release='bench-app@1.0', "
    "auto_session_tracking=False, send_client_reports=False{extra})"
)
SENTRY_MINIMAL = ", default_integrations=False, auto_enabling_integrations=False"

MAX_ADDED = 3e-3
MAX_RATIO = 1.3
MIN_TIMES_CHEAPER = 40.0


class Listener:
    """A TCP listener on 127.0.0.1 that counts (and drops) every connection."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port: int = self.sock.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


def timed(code: str) -> str:
    """``code`` wrapped so the child prints how long it took, in seconds."""
    return (
        "import time; _t = time.perf_counter()\n"
        f"{code}\n"
        "_t = time.perf_counter() - _t; import sys; sys.stdout.write(repr(_t))"
    )


def in_process(argv: list[str], env: dict[str, str], cwd: str) -> float:
    """Seconds the ``timed`` code of ``argv`` took inside its fresh child."""
    out = subprocess.run(
        argv,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out)


def modules_after(argv: list[str], env: dict[str, str], cwd: str) -> set[str]:
    """The names in ``sys.modules`` after the ``-c`` code of ``argv`` ran in a fresh child."""
    script = f"{argv[-1]}\nimport sys; sys.stdout.write('\\n'.join(sys.modules))"
    out = subprocess.run(
        [*argv[:-1], script],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=60, help="interleaved rounds (default 60)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()

    try:
        import sentry_sdk  # noqa: F401 - only to fail early and clearly
    except ImportError:
        print(
            "bench_install needs sentry-sdk (the [bench] extra): pip install -e '.[bench]'",
            file=sys.stderr,
        )
        return 2

    listener = Listener()
    dsn = f"http://public@127.0.0.1:{listener.port}/1"
    # Bytecode caches are written and used, as after any install: with
    # PYTHONDONTWRITEBYTECODE an edited module would be compiled in every run.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CRASHREPORT_", "SENTRY_")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["CHECKPOINT_DISABLE"] = "1"  # nothing of ours may reach for the network either
    sentry = SENTRY.format(dsn=dsn, extra="")
    sentry_minimal = SENTRY.format(dsn=dsn, extra=SENTRY_MINIMAL)
    # A bare interpreter (-I -S: no site, no .pth file of this venv preloading
    # re, pathlib, ...) is the strict baseline; ``os`` is imported in both of
    # its cases because every normal start (site) has it loaded already.
    bare = f"import os, sys; sys.path.insert(0, {str(ROOT)!r})"
    python = sys.executable
    cases = {
        "python -c pass": [python, "-c", "pass"],
        "crashreport.install": [python, "-c", INSTALL],
        "sentry_sdk.init": [python, "-c", sentry],
        "sentry_sdk.init minimal": [python, "-c", sentry_minimal],
        "bare: python -c pass": [python, "-I", "-S", "-c", bare],
        "bare: crashreport.install": [python, "-I", "-S", "-c", f"{bare}\n{INSTALL}"],
    }
    timed_cases = {
        "crashreport.install": [python, "-c", timed(INSTALL)],
        "sentry_sdk.init": [python, "-c", timed(sentry)],
        "sentry_sdk.init minimal": [python, "-c", timed(sentry_minimal)],
        "bare: crashreport.install": [python, "-I", "-S", "-c", f"{bare}\n{timed(INSTALL)}"],
    }

    with tempfile.TemporaryDirectory(prefix="bench-install-") as cwd:
        # a neutral directory: crashreport is found as installed, not from ./;
        # and empty XDG directories: no report kept by an earlier run starts a
        # background delivery in a child (a user's outbox is usually empty)
        for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
            env[name] = str(Path(cwd) / name.lower())
        print(f"crashreport install cost (issue 9, target 1) -- {machine()}")
        print(f"{args.repeat} interleaved rounds of fresh processes; medians")
        wall_cpu = interleave(
            {name: (lambda a=argv: run_process(a, env, cwd)) for name, argv in cases.items()},
            args.repeat,
        )
        inside = interleave(
            {name: (lambda a=argv: in_process(a, env, cwd)) for name, argv in timed_cases.items()},
            args.repeat,
        )
        base_mods = modules_after([python, "-c", "pass"], env, cwd)
        install_mods = modules_after([python, "-c", INSTALL], env, cwd)
        sentry_mods = modules_after([python, "-c", sentry], env, cwd)
        bare_base = modules_after([python, "-I", "-S", "-c", bare], env, cwd)
        bare_install = modules_after([python, "-I", "-S", "-c", f"{bare}\n{INSTALL}"], env, cwd)
    listener.close()

    wall = {name: Summary.of([w for w, _ in runs]) for name, runs in wall_cpu.items()}
    cpu = {name: Summary.of([c for _, c in runs]) for name, runs in wall_cpu.items()}
    inner = {name: Summary.of(runs) for name, runs in inside.items()}

    print()
    print(f"{'case':<28}{'wall (spawn to exit)':<40}{'child cpu':<14}{'in-process':<12}")
    for name in cases:
        inner_text = ms(inner[name].median) if name in inner else "-"
        print(f"{name:<28}{wall[name].ms():<40}{ms(cpu[name].median):<14}{inner_text:<12}")

    def paired(candidate: str, baseline: str) -> tuple[float, float]:
        # per-round differences and ratios: a burst of load from a neighbour
        # hits both runs of a round, and cancels out
        rounds = list(zip(wall_cpu[candidate], wall_cpu[baseline], strict=True))
        added = statistics.median(c - b for (c, _), (b, _) in rounds)
        ratio = statistics.median(c / b for (c, _), (b, _) in rounds)
        return added, ratio

    added, ratio = paired("crashreport.install", "python -c pass")
    bare_added, bare_ratio = paired("bare: crashreport.install", "bare: python -c pass")
    sentry_added, sentry_ratio = paired("sentry_sdk.init", "python -c pass")
    ours = inner["crashreport.install"].median
    theirs = inner["sentry_sdk.init"].median
    theirs_min = inner["sentry_sdk.init minimal"].median
    cheaper = theirs / ours
    ok_install = max(added, bare_added) <= MAX_ADDED and max(ratio, bare_ratio) <= MAX_RATIO
    ok_cheaper = cheaper >= MIN_TIMES_CHEAPER

    print()
    print("target 1 (medians of per-round differences and ratios):")
    print(
        f"  crashreport.install adds {ms(added)} to python -c pass, ratio {ratio:.3f}"
        f" (bare interpreter: adds {ms(bare_added)}, ratio {bare_ratio:.3f})"
    )
    print(
        f"  -> target <= 3 ms and ratio <= {MAX_RATIO}: {verdict(ok_install)};"
        f" in-process, import + install() takes {ms(ours)}"
        f" (bare: {ms(inner['bare: crashreport.install'].median)}; aim ~1 ms)"
    )
    print(
        f"  sentry_sdk.init adds {ms(sentry_added)}, ratio {sentry_ratio:.2f};"
        f" in-process {ms(theirs)} ({ms(theirs_min)} with no integrations)"
    )
    print(
        f"  -> crashreport.install is {cheaper:.0f}x cheaper than sentry_sdk.init in-process"
        f" ({theirs_min / ours:.0f}x than its minimal init); target >= {MIN_TIMES_CHEAPER:.0f}x:"
        f" {verdict(ok_cheaper)}"
    )

    print()
    print("modules install() imports beyond python -c pass:")
    print(f"  in this venv:           {', '.join(sorted(install_mods - base_mods))}")
    print(f"  in a bare interpreter:  {', '.join(sorted(bare_install - bare_base))}")
    print(f"  (sentry_sdk.init imports {len(sentry_mods - base_mods)} modules in this venv)")

    print()
    if listener.connections:
        print(f"INVALID: sentry-sdk opened {listener.connections} connection(s) to its DSN")
        return 2
    print(f"sentry-sdk sent nothing: 0 connections to its DSN on 127.0.0.1:{listener.port}")
    return 1 if args.check and not (ok_install and ok_cheaper) else 0


if __name__ == "__main__":
    sys.exit(main())
