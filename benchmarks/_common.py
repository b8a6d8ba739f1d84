"""Timing helpers shared by the benchmarks.

The machine these run on is small and shared, so every benchmark follows the
same discipline, and these helpers are all it needs:

- a baseline is measured **in the same run**, and figures are printed as
  ratios to it, never as bare absolute times;
- baseline and candidate runs are **interleaved** (``interleave``), in an
  order shuffled each round, so a burst of load from a neighbour hits both;
- many repetitions, summarised by the **median** (``Summary``), which a few
  slow outliers cannot move.

Fresh-process measurements use ``run_process``: ``posix_spawn`` plus
``wait4``, so the timing includes exactly one interpreter start and exit, and
the child's CPU time comes from the kernel rather than from a clock we read.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

__all__ = [
    "ROOT",
    "Summary",
    "interleave",
    "machine",
    "ms",
    "run_process",
    "verdict",
]

ROOT = Path(__file__).resolve().parent.parent

T = TypeVar("T")


@dataclass(frozen=True)
class Summary:
    """Median and quartiles of a list of samples (seconds, or any unit)."""

    median: float
    q1: float
    q3: float
    n: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        """Summarise ``samples`` (at least one)."""
        if not samples:
            raise ValueError("no samples to summarise")
        if len(samples) == 1:
            return cls(samples[0], samples[0], samples[0], 1)
        q1, _q2, q3 = statistics.quantiles(samples, n=4, method="inclusive")
        return cls(statistics.median(samples), q1, q3, len(samples))

    def ms(self) -> str:
        """``12.34 ms (IQR 12.10-12.80, n=60)`` for samples in seconds."""
        return f"{ms(self.median)} (IQR {self.q1 * 1e3:.2f}-{self.q3 * 1e3:.2f}, n={self.n})"


def ms(seconds: float) -> str:
    """Seconds as milliseconds with two decimals."""
    return f"{seconds * 1e3:.2f} ms"


def interleave(
    cases: Mapping[str, Callable[[], T]], repeat: int, *, warmup: int = 2, seed: int = 9
) -> dict[str, list[T]]:
    """Run every case ``repeat`` times, round-robin in a shuffled order each round.

    The first ``warmup`` rounds are run and discarded (they fill the page
    cache and the ``__pycache__`` directories). Returns each case's results.
    """
    order = list(cases)
    shuffle = random.Random(seed).shuffle  # an order, not a secret
    results: dict[str, list[T]] = {name: [] for name in order}
    for round_number in range(warmup + repeat):
        shuffle(order)
        for name in order:
            result = cases[name]()
            if round_number >= warmup:
                results[name].append(result)
    return results


def run_process(
    argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: str | None = None
) -> tuple[float, float]:
    """Run ``argv`` to completion; return (wall seconds, child CPU seconds).

    The child's stdin, stdout and stderr are ``/dev/null``; a non-zero exit
    status raises ``RuntimeError``, so a broken case never passes as a fast one.
    """
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        actions = [(os.POSIX_SPAWN_DUP2, devnull, fd) for fd in (0, 1, 2)]
        old_cwd = os.getcwd()
        if cwd is not None:  # posix_spawn takes no cwd: the child inherits ours, briefly moved
            os.chdir(cwd)
        try:
            start = time.perf_counter()
            pid = os.posix_spawn(
                argv[0], list(argv), dict(os.environ if env is None else env), file_actions=actions
            )
            _pid, status, usage = os.wait4(pid, 0)
            wall = time.perf_counter() - start
        finally:
            os.chdir(old_cwd)
    finally:
        os.close(devnull)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)!r} exited with status {code}")
    return wall, usage.ru_utime + usage.ru_stime


def verdict(ok: bool) -> str:
    """``met`` or ``MISSED``, for the figure lines."""
    return "met" if ok else "MISSED"


def machine() -> str:
    """The machine in one line: cores, Python, CPU model."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    except OSError:
        cpu = platform.processor() or cpu
    python = subprocess.run(
        [sys.executable, "-V"], capture_output=True, text=True, check=False
    ).stdout.strip()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"nproc={cores}, {python}, {cpu}{load}"
