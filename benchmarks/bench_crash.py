"""Issue 9, targets 3, 4 and 6: the crash path, in fresh processes.

    .venv/bin/python benchmarks/bench_crash.py [--repeat N] [--only 3,4,6] [--profile] [--check]

Target 3 -- crash to redacted text: a ~20 KB crash (message, frames, locals)
reaches the real excepthook of ``crashreport.install(capture_locals=True)``;
measured from hook entry to the redacted report being ready, in a fresh
process (so every lazy import is paid), at most 15 ms. Baseline, in the same
process: ``traceback.TracebackException(..., capture_locals=True)`` formatted
(the same content as text), and plain ``traceback.format_exception``.

Target 4 -- crash to prompt: a 200-frame crash in a real pseudo-terminal
(pexpect); from the child's ``time.monotonic()`` stamp just before the raise
to the prompt text being visible to the parent (the same clock), at most
200 ms. Baseline: the same program without crashreport, to the last line of
Python's traceback. Runs interleaved; every prompt is declined (Enter), and
the endpoint is a closed port on 127.0.0.1 anyway.

Target 6 -- bounded reports: with ``capture_locals`` on, a 100 KB local in
every frame of a deep stack (and two harsher shapes: 50 such locals per
frame, and a chain of 20 deep exceptions) gives a payload of at most 1 MB
(1 000 000 bytes, as counted by crashreport's dry run).

``--profile`` adds the why: the lazy imports of the hook (``-X importtime``)
and a cProfile of the hook, for target 3's crash. ``--check`` exits with
status 1 if a target is missed. See ``_crash_app.py`` for how the child
stamps its times without touching crashreport's code.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import Summary, interleave, machine, ms, verdict
from benchmarks._crash_app import write_layers

APP = Path(__file__).resolve().parent / "_crash_app.py"
PROMPT = "Send this crash report"
PYTHON_LAST_LINE = "BenchError: the 200-frame crash"
IMPORT_TIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)")
PAYLOAD_LINE = re.compile(r"-- (\d+) bytes, sha256 [0-9a-f]{64} --")

REDACTED_WITHIN = 0.015
PROMPT_WITHIN = 0.200
MAX_PAYLOAD = 1_000_000
BOUNDED_TIMEOUT = 600.0


def child_env(home: str) -> dict[str, str]:
    """An environment like a user's terminal: no CI marker, no crashreport settings,
    private XDG directories (an outbox, if anything is kept, lands there)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CRASHREPORT_", "PYTEST_", "BENCH_"))
        and k not in ("CI", "DO_NOT_TRACK", "PYTHONPROFILEIMPORTTIME")
    }
    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        env[name] = str(Path(home) / name.lower())
    env["CHECKPOINT_DISABLE"] = "1"  # no usage ping from a benchmark
    env["TERM"] = "xterm"
    env["PAGER"] = "cat"
    return env


def run_app(mode: str, env: dict[str, str], cwd: str, *flags: str, timeout: float = 120.0):
    """Run the crashing program in ``mode`` with pipes; return the finished process."""
    child = subprocess.run(
        [sys.executable, *flags, str(APP), mode],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
    )
    if child.returncode != 1:  # an uncaught exception exits with status 1
        raise RuntimeError(f"{mode}: exit status {child.returncode}\n{child.stderr[-2000:]}")
    return child


def first_json_line(stdout: str) -> dict:
    """The child's result line."""
    for line in stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no result line in the child's output: {stdout[:500]!r}")


def phase(stamps: dict[str, float], start: str, end: str) -> float | None:
    """Seconds between two of the child's stamps, or ``None`` if one never happened."""
    return stamps[end] - stamps[start] if start in stamps and end in stamps else None


def line(label: str, values: list[float | None]) -> None:
    """One figure line: the median (and IQR) of the values that exist."""
    known = [v for v in values if v is not None]
    text = Summary.of(known).ms() if known else "never reached"
    missing = (
        f" ({len(values) - len(known)} runs never reached it)" if known and None in values else ""
    )
    print(f"  {label:<46}{text}{missing}")


def said_by(outputs: Iterable[str]) -> None:
    """crashreport's own one-line complaints (an internal error), once each."""
    said = {
        text.strip()
        for output in outputs
        for text in output.splitlines()
        if text.startswith("crashreport: internal error")
    }
    for text in sorted(said):
        print(f"  {text[:300]}")


def say_errors(runs: list[dict]) -> None:
    """What a stage raised (the report is then not offered: fail closed)."""
    errors = {f"{stage}: {error}" for run in runs for stage, error in run["errors"].items()}
    if errors:
        print("  a stage raised, so no redacted report was ready (fail closed):")
        for error in sorted(errors):
            print(f"    {error}")


def breakdown(stamps: list[dict[str, float]]) -> None:
    """Where the hook's time went, from the child's stamps."""
    line("  Python's own traceback printed", [phase(s, "entry", "printed") for s in stamps])
    for module in ("crashreport.capture", "crashreport.handle"):  # nested: counted in both
        line(
            f"  import {module} (lazy)",
            [phase(s, f"{module}_import_start", f"{module}_import_end") for s in stamps],
        )
    line("  capture()", [phase(s, "capture_start", "capture_end") for s in stamps])
    line("  redact()", [phase(s, "redact_start", "redact_end") for s in stamps])


# -- target 3 -----------------------------------------------------------------


def target3(repeat: int, env: dict[str, str], cwd: str) -> bool:
    print()
    print(f"target 3: crash to redacted text ({repeat} fresh processes)")
    children = [run_app("redacted", env, cwd) for _ in range(repeat)]
    runs = [first_json_line(child.stdout) for child in children]
    say_errors(runs)
    said_by(child.stderr for child in children)
    stamps = [r["stamps"] for r in runs]
    total = [phase(s, "entry", "redact_end") for s in stamps]
    first = runs[0]
    print(
        f"  the crash: {first['crash_chars'] / 1000:.1f} K characters (message, 55 frames, locals);"
        f" crashreport kept {statistics.median(r['report_chars'] for r in runs) / 1000:.1f} K;"
        f" Python prints {first['python_text_chars'] / 1000:.1f} K without locals,"
        f" {first['python_text_with_locals_chars'] / 1000:.1f} K with"
    )
    line("hook entry -> redacted report ready", total)
    breakdown(stamps)
    line(
        "  crashreport's part (after Python's print)",
        [phase(s, "printed", "redact_end") for s in stamps],
    )
    line("baseline: TracebackException, capture_locals", [r["baseline_with_locals"] for r in runs])
    line("baseline: traceback.format_exception", [r["baseline_format_exception"] for r in runs])
    known = [
        (t, r["baseline_with_locals"]) for t, r in zip(total, runs, strict=True) if t is not None
    ]
    if not known:
        print(f"  -> target <= {ms(REDACTED_WITHIN)}: MISSED (no redacted report)")
        return False
    median_total = statistics.median(t for t, _ in known)
    ratio = statistics.median(t / b for t, b in known)
    ok = median_total <= REDACTED_WITHIN and len(known) == len(runs)
    print(
        f"  -> {ms(median_total)} from hook entry, {ratio:.1f}x the baseline with locals;"
        f" target <= {ms(REDACTED_WITHIN)}: {verdict(ok)}"
    )
    return ok


# -- target 4 -----------------------------------------------------------------


def time_to(mode: str, env: dict[str, str], cwd: str) -> dict:
    """One run in a pseudo-terminal: seconds from the raise to what the user sees,
    and (with crashreport) the child's own stamps, all on the monotonic clock."""
    import pexpect

    child = pexpect.spawn(
        sys.executable,
        [str(APP), mode],
        env=env,
        cwd=cwd,
        encoding="utf-8",
        codec_errors="replace",
        timeout=120,
        dimensions=(60, 200),
        maxread=65536,
    )
    try:
        child.expect(r"BENCH-RAISE (\d+\.\d+)")
        raised = float(child.match.group(1))
        child.expect_exact(PYTHON_LAST_LINE)
        seen: dict = {"raised": raised, "traceback": time.monotonic() - raised, "prompt": None}
        wanted = [PROMPT, pexpect.EOF] if mode == "prompt" else [pexpect.EOF]
        if child.expect_exact(wanted) == 0 and mode == "prompt":
            seen["prompt"] = time.monotonic() - raised
            child.send("\r")  # the default answer: don't send
            child.expect(pexpect.EOF)
            if "not sent" not in child.before:
                raise RuntimeError("declining at the prompt did not say 'not sent'")
        rest = child.before
    finally:
        child.close(force=True)
    if mode == "prompt":
        found = re.search(r"BENCH-RESULT (\{.*\})", rest)
        nothing = {"stamps": {}, "errors": {}, "loaded": []}
        seen["result"] = json.loads(found.group(1)) if found else nothing
        seen["said"] = rest
    if child.exitstatus != 1:
        raise RuntimeError(f"{mode}: exit status {child.exitstatus}, signal {child.signalstatus}")
    return seen


def target4(repeat: int, env: dict[str, str], cwd: str) -> bool:
    print()
    print(f"target 4: crash to prompt, 200 frames, real pty ({repeat} interleaved rounds)")
    try:
        import pexpect  # noqa: F401 - fail early and clearly
    except ImportError:
        print("  needs pexpect (the [test] extra): pip install -e '.[test]'")
        return False
    runs = interleave(
        {
            "prompt": lambda: time_to("prompt", env, cwd),
            "baseline": lambda: time_to("prompt-baseline", env, cwd),
        },
        repeat,
        warmup=1,
    )
    ours = runs["prompt"]
    said_by(r["said"] for r in ours)
    say_errors([r["result"] for r in ours])
    stamps = [r["result"]["stamps"] for r in ours]
    prompt = [r["prompt"] for r in ours]
    base = [r["traceback"] for r in runs["baseline"]]
    line("raise -> prompt visible", prompt)
    line(
        "  raise -> hook entry",
        [
            s["entry"] - r["raised"] if "entry" in s else None
            for s, r in zip(stamps, ours, strict=True)
        ],
    )
    breakdown(stamps)
    for module in ("prompt_toolkit", "questionary"):
        line(
            f"  import {module} (lazy)",
            [phase(s, f"{module}_import_start", f"{module}_import_end") for s in stamps],
        )
    line(
        "  redacted -> prompt visible",
        [
            r["prompt"] - (s["redact_end"] - r["raised"])
            if "redact_end" in s and r["prompt"] is not None
            else None
            for s, r in zip(stamps, ours, strict=True)
        ],
    )
    line("raise -> traceback printed, with crashreport", [r["traceback"] for r in ours])
    line("baseline: the same, without crashreport", base)
    loaded = sorted({m for r in ours for m in r["result"]["loaded"]})
    print(f"  heavy modules loaded by the hook (declined): {', '.join(loaded) or 'none'}")
    if "httpx" in loaded:
        print("  (httpx was imported although nothing was sent: it belongs after consent)")
    known = [(p, b) for p, b in zip(prompt, base, strict=True) if p is not None]
    if not known:
        print(f"  -> target <= {ms(PROMPT_WITHIN)}: MISSED (the prompt never appeared)")
        return False
    median_prompt = statistics.median(p for p, _ in known)
    ratio = statistics.median(p / b for p, b in known)
    ok = median_prompt <= PROMPT_WITHIN and len(known) == len(prompt)
    print(
        f"  -> prompt after {ms(median_prompt)}, {ratio:.1f}x the baseline;"
        f" target <= {ms(PROMPT_WITHIN)}: {verdict(ok)}"
    )
    return ok


# -- target 6 -----------------------------------------------------------------

SHAPES = {
    "bounded-deep": "300 frames, a distinct 100 KB local in each, 100 KB message",
    "bounded-wide": "300 frames, 50 locals of ~100 KB in each",
    "bounded-chain": "20 chained exceptions, each 150 frames deep, 100 KB local per frame",
}


def target6(env: dict[str, str], cwd: str) -> bool:
    print()
    print("target 6: bounded reports (capture_locals on, dry run)")
    ok = True
    for mode, shape in SHAPES.items():
        try:
            child = run_app(mode, env, cwd, timeout=BOUNDED_TIMEOUT)
        except subprocess.TimeoutExpired:
            print(f"  {shape}: did not finish in {BOUNDED_TIMEOUT:.0f} s -- MISSED")
            ok = False
            continue
        found = PAYLOAD_LINE.findall(child.stderr)
        result = first_json_line(child.stdout)
        if not found:
            tail = child.stderr.strip().splitlines()[-1:] or ["(nothing)"]
            print(f"  {shape}: no payload was made (last line: {tail[0][:200]}) -- MISSED")
            ok = False
            continue
        size = int(found[-1])
        fits = size <= MAX_PAYLOAD
        ok = ok and fits
        print(f"  {shape}:")
        print(
            f"    payload {size:,} bytes (target <= {MAX_PAYLOAD:,}: {verdict(fits)});"
            f" the hook took {result['hook_seconds']:.2f} s;"
            f" peak memory {result['max_rss'] / 1e6:.0f} MB"
        )
    return ok


# -- why ----------------------------------------------------------------------


def profile(env: dict[str, str], cwd: str) -> None:
    print()
    print("profile of target 3's crash: the hook's lazy imports (-X importtime, microseconds)")
    child = run_app("redacted", env, cwd, "-X", "importtime")
    entries = []  # (self us, cumulative us, level, name) of the imports made by the hook
    started = False
    for text in child.stderr.splitlines():
        found = IMPORT_TIME.match(text)
        if found is None:
            continue
        self_us, cumulative_us, indent, name = found.groups()
        level = (len(indent) - 1) // 2
        if not started:  # everything up to the end of ``import crashreport`` is start-up
            started = level == 0 and name == "crashreport"
            continue
        if not name.startswith("bench_"):  # the generated crash, imported before the hook
            entries.append((int(self_us), int(cumulative_us), level, name))
        if level == 0 and name == "crashreport.handle":
            break
    for _self, cumulative, level, name in entries:
        if level == 0:
            print(f"  {name:<42}{cumulative:>9} cumulative")
    print("  what they import, by cumulative time:")
    children = [e for e in entries if e[2] == 1]
    for _self, cumulative, _level, name in sorted(children, key=lambda e: -e[1])[:15]:
        print(f"    {name:<40}{cumulative:>9}")
    print("  the slowest modules by their own time:")
    for self_us, _cumulative, _level, name in sorted(entries, key=lambda e: -e[0])[:15]:
        print(f"    {name:<40}{self_us:>9}")

    print()
    print("profile of target 3's crash: cProfile of crashreport's hook (top 30, cumulative)")
    child = run_app("redacted", {**env, "BENCH_PROFILE": "1"}, cwd)
    text = child.stdout.split("\n", 1)[1]
    print("\n".join("  " + line for line in text.strip().splitlines()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs per target (default 15)")
    parser.add_argument("--only", default="3,4,6", help="which targets (default 3,4,6)")
    parser.add_argument("--profile", action="store_true", help="also print where time goes")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()
    wanted = {part.strip() for part in args.only.split(",")}

    print(f"crashreport crash path (issue 9, targets {', '.join(sorted(wanted))}) -- {machine()}")
    results: list[bool] = []
    with tempfile.TemporaryDirectory(prefix="bench-crash-") as home:
        env = child_env(home)
        # the crash's frames: one generated function per frame (see _crash_app)
        env["BENCH_LAYERS"] = str(Path(home) / "layers")
        os.mkdir(env["BENCH_LAYERS"])
        write_layers(env["BENCH_LAYERS"])
        cwd = home  # a neutral directory: crashreport is found as installed
        steps: dict[str, Callable[[], bool]] = {
            "3": lambda: target3(args.repeat, env, cwd),
            "4": lambda: target4(args.repeat, env, cwd),
            "6": lambda: target6(env, cwd),
        }
        for name, step in steps.items():
            if name in wanted:
                results.append(step())
        if args.profile:
            profile(env, cwd)
    return 1 if args.check and not all(results) else 0


if __name__ == "__main__":
    sys.exit(main())
