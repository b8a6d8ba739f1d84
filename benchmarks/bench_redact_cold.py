"""Issue 9, target 3 (redaction's share): import and first redaction, in a fresh process.

    .venv/bin/python benchmarks/bench_redact_cold.py [--repeat N] [--corpus FILE]

The process that just crashed imports ``crashreport.redact`` and redacts one
report, once: nothing is warm, every pattern it needs is compiled then. Each
run starts a fresh interpreter that reads a realistic ~20 KB traceback with
locals (the dev-corpus text closest to 20 KB) and times, in-process:

- ``import``: ``import crashreport.redact``;
- ``first``: the first ``redact_text`` of the traceback (the process
  environment holds a few secrets, and this machine's names are removed);
- ``import + first``: what the crash path pays for redaction;
- ``warm``: a second ``redact_text`` of the same text, for comparison.

Two interpreter modes, interleaved with their baseline (the same interpreter
running ``pass``), and the fresh process's wall time as a ratio to it:

- ``python -I``: the way this venv starts (``site`` runs; the editable
  install's finder preloads ``re`` and ``pathlib``, hiding their cost);
- ``python -I -S``: a bare interpreter with the checkout on ``sys.path`` --
  what an installed wheel pays for everything it imports itself.

The target (<= 15 ms from the hook to the redacted report, capture
included) is checked by ``benchmarks/bench_crash.py``; this prints
redaction's share, and for the bare start an estimate for the issue's
reference machine (``python -c pass`` in about 10 ms there, this run's bare
``pass`` as the yardstick): an estimate, not a measure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import ROOT, machine
from benchmarks.bench_redact import DEFAULT_CORPUS, environment

REFERENCE_PASS_MS = 10.0  # issue 9: `python -c pass` on the reference machine
TARGET_TEXT = 20_000

# Timed in the child, with nothing imported before the clock starts but what
# the interpreter itself loads; the result is written without json (which
# would import re before the import being measured).
CHILD = r"""
import sys, time
root, path = sys.argv[1], sys.argv[2]
sys.path.insert(0, root)
with open(path, encoding="utf-8") as source:
    text = source.read()
start = time.perf_counter()
import crashreport.redact
imported = time.perf_counter()
first = crashreport.redact.redact_text(text)
redacted = time.perf_counter()
crashreport.redact.redact_text(text)
warm = time.perf_counter()
if "<" not in first.text:
    raise SystemExit("nothing was redacted")
sys.stdout.write(f"{imported - start} {redacted - imported} {warm - redacted}")
"""


def pick_text(corpus: Path) -> str:
    """The corpus text closest to 20 KB (a traceback with locals)."""
    with corpus.open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines if line.strip()]
    return min(texts, key=lambda text: abs(len(text.encode("utf-8")) - TARGET_TEXT))


def _child_env() -> dict[str, str]:
    env = environment()
    env["LOGNAME"] = os.environ.get("LOGNAME") or os.environ.get("USER") or "app"
    return env


def _wall(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed: {done.stderr.strip()[-500:]}")
    return wall, done.stdout


def measure(flags: list[str], path: Path, repeat: int) -> dict[str, list[float]]:
    """Interleaved runs of the child and of ``pass`` with ``flags``: seconds."""
    env = _child_env()
    child = [sys.executable, *flags, "-c", CHILD, str(ROOT), str(path)]
    baseline = [sys.executable, *flags, "-c", "pass"]
    samples: dict[str, list[float]] = {
        "pass": [],
        "process": [],
        "import": [],
        "first": [],
        "warm": [],
    }
    for round_number in range(repeat + 2):
        wall_pass, _ = _wall(baseline, env)
        wall_child, out = _wall(child, env)
        if round_number < 2:
            continue  # warm-up: page cache, __pycache__
        imported, first, warm = (float(x) for x in out.split())
        samples["pass"].append(wall_pass)
        samples["process"].append(wall_child)
        samples["import"].append(imported)
        samples["first"].append(first)
        samples["warm"].append(warm)
    return samples


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs per mode (default 15)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)

    text = pick_text(args.corpus)
    folder = Path(tempfile.mkdtemp(prefix="bench-redact-cold-"))
    path = folder / "traceback.txt"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")

    print(f"machine: {machine()}")
    print(f"text: {len(text.encode('utf-8')) / 1000:.1f} KB traceback, {text.count(chr(10))} lines")
    for label, flags in (("python -I", ["-I"]), ("python -I -S", ["-I", "-S"])):
        samples = measure(flags, path, args.repeat)
        med = {name: statistics.median(values) * 1e3 for name, values in samples.items()}
        both = statistics.median(
            a + b for a, b in zip(samples["import"], samples["first"], strict=True)
        )
        both_ms = both * 1e3
        ratio = med["process"] / med["pass"]
        estimate = both_ms * REFERENCE_PASS_MS / med["pass"]
        print(f"{label}:")
        print(f"  import crashreport.redact  {med['import']:7.2f} ms")
        print(f"  first redact_text          {med['first']:7.2f} ms")
        print(f"  import + first             {both_ms:7.2f} ms")
        print(f"  warm redact_text           {med['warm']:7.2f} ms")
        print(
            f"  fresh process {med['process']:.1f} ms = {ratio:.2f}x `{label} -c pass` "
            f"({med['pass']:.1f} ms, same run)"
        )
        if "-S" in flags:  # a bare start is the one comparable to the issue's `python -c pass`
            print(
                f"  estimate on the issue's reference machine (`python -c pass` ~10 ms there, "
                f"{med['pass']:.1f} here): import + first ~{estimate:.1f} ms -- an estimate"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
