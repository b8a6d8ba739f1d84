"""Issue 9, target 2: how fast the full redaction pipeline is, warm.

    .venv/bin/python benchmarks/bench_redact.py [--repeat N] [--corpus FILE] [--check]

The corpus is the texts of ``../shared/corpus/dev.jsonl``: real tracebacks,
most with captured locals, printed by real drivers. Cases, interleaved round
by round (medians of ``--repeat`` rounds, after a warm-up round):

- ``crashreport text``: ``redact_text`` on every text, one call each -- what
  ``crashreport redact --jsonl`` does per record, and what a report's
  message costs;
- ``crashreport report``: ``redact`` on a ``Report`` made from each text, with
  this interpreter's environment (packages, argv...): many small strings;
- ``detect-secrets``: ``SecretsCollection.scan_file`` with its default
  plugins and filters (what ``detect-secrets scan`` runs) on a file holding
  the same texts -- the baseline the target is a ratio to. It is much
  slower, so by default it scans every 8th text (``--ds-every``), and its
  MB/s counts the bytes it scanned.

Both crashreport cases run with the same fixed process environment (a few
secrets, as an app's environment holds), so the figure does not depend on
the machine's variables. Each pass is timed twice: wall clock, and this
process's CPU time. On a shared machine the wall clock also counts the time
spent waiting for a core; the CPU time is what the work costs, and the
verdict uses it (both are printed). Targets: >= 20 MB/s, and >= 50x
detect-secrets. The issue's figures come from a machine where detect-secrets
ran at 0.25 MB/s; our figure scaled by detect-secrets' speed there and here is
printed as an estimate of the 20 MB/s target (the ratio is the
machine-independent figure). ``--check`` exits with status 1 if one is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import ROOT, Summary, interleave, machine, verdict

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "dev.jsonl"
TARGET_MBPS = 20.0
TARGET_RATIO = 50.0
REFERENCE_DS_MBPS = 0.25  # detect-secrets on the machine of the reference figures


def load(path: Path) -> list[str]:
    """The texts of a corpus file (JSON lines with a ``text``)."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines if line.strip()]


def environment() -> dict[str, str]:
    """An app's process environment: ordinary variables and a few secrets."""
    from fixtures.secrets import AWS_SECRET_ACCESS_KEY, DSN, GITHUB_TOKEN

    return {
        "HOME": "/home/app",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "APP_ENV": "production",
        "LOG_LEVEL": "info",
        "DATABASE_URL": DSN,
        "AWS_SECRET_ACCESS_KEY": AWS_SECRET_ACCESS_KEY,
        "GITHUB_TOKEN": GITHUB_TOKEN,
    }


Sample = tuple[float, float]  # wall seconds, CPU seconds


def _timed(work: Callable[[], object]) -> Sample:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def cases(texts: list[str], ds_texts: list[str]) -> dict[str, Callable[[], Sample]]:
    """Each case: a function that processes its texts once and returns its times."""
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    from crashreport.capture import text_report
    from crashreport.redact import redact, redact_text

    env = environment()
    reports = [text_report(text, product="bench", version="1") for text in texts]
    folder = tempfile.mkdtemp(prefix="bench-redact-")
    scanned = Path(folder) / "tracebacks.txt"
    scanned.write_text("".join(ds_texts), encoding="utf-8", errors="surrogatepass")

    def ours_text() -> None:
        for text in texts:
            redact_text(text, environ=env)

    def ours_report() -> None:
        for report in reports:
            redact(report, environ=env)

    def detect_secrets() -> None:
        with default_settings():
            SecretsCollection().scan_file(str(scanned))

    return {
        "crashreport text": lambda: _timed(ours_text),
        "crashreport report": lambda: _timed(ours_report),
        "detect-secrets": lambda: _timed(detect_secrets),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="rounds (default 7)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--ds-every", type=int, default=8, help="detect-secrets: every Nth text")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)

    texts = load(args.corpus)
    ds_texts = texts[:: max(1, args.ds_every)]
    sizes = {name: _size(texts) for name in ("crashreport text", "crashreport report")}
    sizes["detect-secrets"] = _size(ds_texts)
    results = interleave(cases(texts, ds_texts), args.repeat, warmup=1)

    print(f"machine: {machine()}")
    print(
        f"corpus: {args.corpus.name}, {len(texts)} texts, {sizes['crashreport text'] / 1e6:.3f} MB"
    )
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for name, samples in results.items():
        w, c = Summary.of([s[0] for s in samples]), Summary.of([s[1] for s in samples])
        wall[name], cpu[name] = sizes[name] / w.median / 1e6, sizes[name] / c.median / 1e6
        print(f"  {name:20s} cpu {cpu[name]:8.2f} MB/s ({c.ms()})")
        print(f"  {'':20s} wall {wall[name]:7.2f} MB/s ({w.ms()})")
    ok = True
    # detect-secrets' speed on the issue's reference machine says how much faster
    # that machine is than this one: our figure scaled by it is an estimate only
    scale = REFERENCE_DS_MBPS / cpu["detect-secrets"]
    for name in ("crashreport text", "crashreport report"):
        ratio, wall_ratio = cpu[name] / cpu["detect-secrets"], wall[name] / wall["detect-secrets"]
        fast = cpu[name] >= TARGET_MBPS and ratio >= TARGET_RATIO
        ok = ok and fast
        print(
            f"{name}: {cpu[name]:.1f} MB/s cpu ({wall[name]:.1f} wall) = {ratio:.0f}x "
            f"detect-secrets ({wall_ratio:.0f}x wall); targets >= {TARGET_MBPS:.0f} MB/s, "
            f">= {TARGET_RATIO:.0f}x: {verdict(fast)}"
        )
        print(
            f"  estimate on the issue's reference machine (detect-secrets {REFERENCE_DS_MBPS} "
            f"MB/s there, {cpu['detect-secrets']:.2f} here: x{scale:.1f}): "
            f"~{cpu[name] * scale:.1f} MB/s (target {TARGET_MBPS:.0f}): an estimate, not a measure"
        )
    return 0 if ok or not args.check else 1


def _size(texts: list[str]) -> int:
    return sum(len(text.encode("utf-8", "surrogatepass")) for text in texts)


if __name__ == "__main__":
    sys.exit(main())
