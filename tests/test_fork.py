"""Child processes, for real (``fixtures/crashers/forks.py``): an ``os.fork()`` child
only passes exceptions on until it calls ``install()`` itself, its reporting
lock is its own, and ``multiprocessing`` workers never report -- their
failures are reported where the parent meets them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import reports_in, run_crasher


def forks(mode: str, env: dict[str, str], *args: str) -> Any:
    return run_crasher(["forks.py", mode, *args], env)


def app_lines(stderr: str) -> list[str]:
    return [line[5:] for line in stderr.splitlines() if line.startswith("APP: ")]


def test_a_forked_child_only_passes_its_crash_on(dry_env: dict[str, str]) -> None:
    """The child's crash shows Python's traceback and its exit status 1, and no
    report (it would fight its parent for the terminal)."""
    done = forks("fork_child_crash", dry_env)
    assert done.returncode == 0
    assert "ValueError: child failed" in done.stderr
    assert app_lines(done.stderr) == ["child exit status 1"]
    assert reports_in(done.stderr) == []
    assert "crashreport:" not in done.stderr


def test_a_forked_child_that_installs_again_reports(dry_env: dict[str, str]) -> None:
    """install() in the child turns reporting on there: its crash is reported once."""
    done = forks("fork_child_reinstalls", dry_env)
    (report,) = reports_in(done.stderr)
    assert report["exception"]["message"] == "child failed after install"
    assert app_lines(done.stderr) == ["child exit status 1"]


def test_a_fork_while_the_lock_is_held_does_not_hang_the_child(dry_env: dict[str, str]) -> None:
    """The child gets a fresh reporting lock: it reports even though the parent's
    lock was held at the moment of the fork."""
    done = forks("fork_while_reporting", dry_env)
    assert app_lines(done.stderr) == ["child outcome dry_run", "child exit status 0"]
    assert [r["mechanism"] for r in reports_in(done.stderr)] == ["report_exception"]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_failed_pool_task_is_reported_once_by_the_parent(
    dry_env: dict[str, str], method: str
) -> None:
    """Pool.map re-raises a worker's exception in the parent: one report, there,
    with the worker's traceback as its cause."""
    done = forks("pool_task_fails", dry_env, method)
    assert done.returncode == 1
    (report,) = reports_in(done.stderr)
    assert report["exception"]["message"] == "task 3 failed"
    assert report["exception"]["cause"]["type"] == "multiprocessing.pool.RemoteTraceback"


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_worker_process_never_reports(dry_env: dict[str, str], method: str) -> None:
    """A Process whose thread and target fail (crashreport installed in it too):
    multiprocessing prints both, the worker reports nothing, the parent goes on."""
    done = forks("process_target_fails", dry_env, method)
    assert done.returncode == 0
    assert "ValueError: thread inside a worker" in done.stderr
    assert "ValueError: process target failed" in done.stderr
    assert app_lines(done.stderr) == ["worker exit code 1"]
    assert reports_in(done.stderr) == []
    assert "crashreport:" not in done.stderr
