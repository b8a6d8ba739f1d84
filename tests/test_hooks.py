"""The hooks in real processes (``fixtures/crashers/hooks_app.py MODE``): chaining,
uninstall, threads, explicit reports, failures inside crashreport, shells,
unraisable exceptions, shutdown, and other libraries' hooks before and after ours.

Each run is a dry run (``CRASHREPORT_DRY_RUN=1``): every report is printed
whole on stderr, and nothing can be sent.
"""

from __future__ import annotations

import sys
from typing import Any

import pexpect

from tests.conftest import CRASHERS, Receiver, reports_in, run_crasher, spawn

ORIGINAL = "Traceback (most recent call last):"


def app(mode: str, env: dict[str, str], *python_flags: str, **extra: str) -> Any:
    """Run the hooks app in MODE; the finished process."""
    return run_crasher([*python_flags, str(CRASHERS / "hooks_app.py"), mode], {**env, **extra})


def before_ours(stderr: str) -> str:
    """Everything printed before our first report (what the user sees of the crash)."""
    return stderr.split("\ncrash report ", 1)[0]


def app_lines(stderr: str) -> list[str]:
    return [line[5:] for line in stderr.splitlines() if line.startswith("APP: ")]


def our_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("crashreport: ")]


# ---------------------------------------------------------------- chaining


def test_hooks_installed_before_ours_are_always_called_first(dry_env: dict[str, str]) -> None:
    """The previous sys.excepthook and threading.excepthook run (and print the
    traceback) before our report, for the thread and for the main thread."""
    done = app("previous_hooks_first", dry_env)
    assert done.returncode == 1
    lines = app_lines(done.stderr)
    assert lines == ["previous thread hook saw RuntimeError", "previous excepthook saw ValueError"]
    reports = reports_in(done.stderr)
    assert [(r["mechanism"], r["exception"]["type"]) for r in reports] == [
        ("thread", "RuntimeError"),
        ("excepthook", "ValueError"),
    ]
    thread_part, main_part = done.stderr.split("APP: previous excepthook saw ValueError")
    assert thread_part.index("previous thread hook") < thread_part.index("crash report")
    assert main_part.index(ORIGINAL) < main_part.index("crash report")


def test_a_thread_crash_reaches_us_when_threading_is_imported_after_install(
    dry_env: dict[str, str],
) -> None:
    """install() never imports threading, yet a thread started from a later
    ``import threading`` is reported."""
    done = run_crasher(["late_threading.py"], dry_env)
    assert done.returncode == 0, done.stderr
    assert "Exception in thread late-worker" in done.stderr
    assert [r["mechanism"] for r in reports_in(done.stderr)] == ["thread"]
    assert app_lines(done.stderr) == ["main thread finished"]


def test_a_chaining_hook_installed_after_ours_and_ours_both_run(dry_env: dict[str, str]) -> None:
    """A hook installed later that calls the one before it (as sentry-sdk's does):
    it runs, Python's traceback is printed once, and we report once."""
    done = app("hook_installed_after_ours", dry_env)
    assert app_lines(done.stderr) == ["later hook saw RuntimeError"]
    assert before_ours(done.stderr).count(ORIGINAL) == 1
    assert len(reports_in(done.stderr)) == 1


def test_a_hook_that_replaces_ours_without_chaining_still_gets_the_crash_reported(
    dry_env: dict[str, str],
) -> None:
    """An IPython-style hook installed after ours never calls ours: it prints its
    own view, and the crash is reported at exit (once); exit status unchanged."""
    done = app("non_chaining_hook_after_ours", dry_env)
    assert done.returncode == 1
    assert app_lines(done.stderr) == ["ipython-style hook: RuntimeError: the app failed"]
    reports = reports_in(done.stderr)
    assert [r["exception"]["message"] for r in reports] == ["the app failed"]
    assert done.stderr.index("ipython-style hook") < done.stderr.index("crash report")


def test_an_exception_left_in_sys_last_value_is_no_crash(dry_env: dict[str, str]) -> None:
    """The exit check reports only when our hook was replaced: an exception that a
    tool (pytest, a debugger) left in sys.last_value is not reported."""
    done = app("last_value_set_by_someone", dry_env)
    assert done.returncode == 0
    assert app_lines(done.stderr) == ["finished normally"]
    assert reports_in(done.stderr) == []


def test_a_non_chaining_hook_installed_before_ours_is_called_by_ours(
    dry_env: dict[str, str],
) -> None:
    """The same kind of hook installed first: ours calls it, then reports, once."""
    done = app("non_chaining_hook_before_ours", dry_env)
    assert app_lines(done.stderr) == ["ipython-style hook: RuntimeError: the app failed"]
    assert len(reports_in(done.stderr)) == 1
    assert ORIGINAL not in before_ours(done.stderr)  # that hook chose not to print one


def test_uninstall_restores_the_previous_hooks(dry_env: dict[str, str]) -> None:
    """After uninstall() both hooks are the very objects from before, and neither a
    thread crash nor a main-thread crash is reported."""
    done = app("uninstall_restores", dry_env)
    assert app_lines(done.stderr) == ["changed (True, True) restored (True, True)"]
    assert done.returncode == 1
    assert reports_in(done.stderr) == []
    assert our_lines(done.stderr) == []
    assert done.stderr.count(ORIGINAL) == 2


def test_uninstall_leaves_a_hook_that_wrapped_ours_working(dry_env: dict[str, str]) -> None:
    """A library that wrapped our hook keeps working after uninstall(); installing
    again reports the crash once, not once per installation."""
    done = app("uninstall_when_wrapped", dry_env)
    assert app_lines(done.stderr) == ["wrapper still installed: True", "wrapper ran"]
    assert before_ours(done.stderr).count(ORIGINAL) == 1
    assert len(reports_in(done.stderr)) == 1


def test_crashreport_disable_installs_nothing(dry_env: dict[str, str]) -> None:
    """CRASHREPORT_DISABLE=1: no hook changes, nothing installed, nothing reported."""
    done = app("disabled", dry_env, CRASHREPORT_DISABLE="1")
    assert app_lines(done.stderr) == ["hooks unchanged: True", "installed config: None"]
    assert done.returncode == 1
    assert reports_in(done.stderr) == []
    assert our_lines(done.stderr) == []


# ---------------------------------------------------------------- threads


def test_a_thread_crash_is_reported_and_the_program_goes_on(dry_env: dict[str, str]) -> None:
    """Python's "Exception in thread" output, then our report; the main thread
    finishes and the exit status stays 0."""
    done = app("thread_crash", dry_env)
    assert done.returncode == 0
    assert done.stderr.index("Exception in thread worker") < done.stderr.index("crash report")
    assert [r["mechanism"] for r in reports_in(done.stderr)] == ["thread"]
    assert app_lines(done.stderr) == ["main thread finished"]


def test_many_threads_crashing_at_once_are_each_reported_once(dry_env: dict[str, str]) -> None:
    """Eight threads failing at the same moment give eight whole reports, one per
    thread, never interleaved."""
    done = app("many_threads", dry_env)
    assert done.returncode == 0
    reports = reports_in(done.stderr)
    messages = sorted(r["exception"]["message"] for r in reports)
    assert messages == sorted(f"thread number {i}" for i in range(8))
    assert len({r["id"] for r in reports}) == 8
    assert done.stderr.count("dry run: nothing was sent") == 8


def test_a_thread_failing_after_the_main_thread_finished_is_reported(
    dry_env: dict[str, str],
) -> None:
    """A non-daemon thread that fails while the interpreter waits for it at exit."""
    done = app("thread_after_main", dry_env)
    assert done.returncode == 0
    reports = reports_in(done.stderr)
    assert [r["exception"]["type"] for r in reports] == ["TimeoutError"]


def test_exception_groups_are_reported_whole(dry_env: dict[str, str]) -> None:
    """An uncaught ExceptionGroup is reported with its members."""
    done = app("exception_group", dry_env)
    (report,) = reports_in(done.stderr)
    assert [m["type"] for m in report["exception"]["exceptions"]] == ["ValueError", "TypeError"]


# ---------------------------------------------------------------- explicit reports


def test_guard_then_the_excepthook_reports_once(dry_env: dict[str, str]) -> None:
    """guard() reports and re-raises; the excepthook sees the same exception and
    does not report it again; Python's traceback still appears."""
    done = app("guard_then_excepthook", dry_env)
    assert done.returncode == 1
    assert [r["mechanism"] for r in reports_in(done.stderr)] == ["guard"]
    assert ORIGINAL in done.stderr


def test_guard_as_a_decorator(dry_env: dict[str, str]) -> None:
    """``@crashreport.guard()`` reports, then the exception reaches the caller."""
    done = app("guard_decorator", dry_env)
    assert done.returncode == 0
    assert [r["mechanism"] for r in reports_in(done.stderr)] == ["guard"]
    assert app_lines(done.stderr) == ["caught after guard"]


def test_report_exception_returns_the_outcome_once(dry_env: dict[str, str]) -> None:
    """report_exception() returns an Outcome; the same exception again, or a
    KeyboardInterrupt, returns None and reports nothing."""
    done = app("report_caught", dry_env)
    assert done.returncode == 0
    assert app_lines(done.stderr) == ["first: dry_run; second: None", "interrupt: None"]
    assert [r["mechanism"] for r in reports_in(done.stderr)] == ["report_exception"]


# ---------------------------------------------------------------- never harm the host


def test_a_rule_that_raises_fails_closed(clean_env: dict[str, str], receiver: Receiver) -> None:
    """With a redaction rule that raises, in a real terminal with a real server:
    the report is not shown, not offered, and nothing reaches the server."""
    env = {**clean_env, "FIXTURE_ENDPOINT": receiver.url}
    child = spawn([sys.executable, str(CRASHERS / "hooks_app.py"), "rule_raises"], env)
    child.expect("RuntimeError: the app failed")
    child.expect("the report is not offered for sending")
    child.expect(pexpect.EOF)
    child.close()
    assert "Send this crash report" not in child.before
    assert "crash report " not in child.before
    assert child.exitstatus == 1
    assert receiver.requests == []


def test_an_internal_failure_prints_one_line_and_nothing_else(dry_env: dict[str, str]) -> None:
    """When crashreport itself breaks, the user sees Python's traceback, then one
    line of ours -- no second traceback -- and the exit status is unchanged."""
    done = app("internal_failure", dry_env)
    assert done.returncode == 1
    assert done.stderr.count(ORIGINAL) == 1
    lines = our_lines(done.stderr)
    assert len(lines) == 1
    assert lines[0].startswith("crashreport: internal error (ModuleNotFoundError")
    assert done.stderr.rstrip("\n").endswith(lines[0])


def test_a_crash_while_reporting_is_not_reported_again(dry_env: dict[str, str]) -> None:
    """A local whose repr asks for a report (and then raises) while we report:
    the inner request gets None, the repr becomes a placeholder, one report."""
    done = app("reentrant", dry_env, CRASHREPORT_CAPTURE_LOCALS="1")
    assert done.returncode == 1
    assert app_lines(done.stderr) == ["report inside a report: None"]
    (report,) = reports_in(done.stderr)
    assert report["exception"]["frames"][-2]["locals"]["local"] == "<repr() failed: RuntimeError>"


def test_a_broken_str_still_gives_a_report(dry_env: dict[str, str]) -> None:
    """An exception whose __str__ raises is reported with a placeholder message."""
    done = app("broken_str", dry_env)
    (report,) = reports_in(done.stderr)
    assert report["exception"]["message"].startswith("<exception str() failed")


def test_interactive_shells_are_skipped(dry_env: dict[str, str]) -> None:
    """With sys.ps1 set (a shell), or under ``python -i``, the hooks only pass on:
    Python's output, no report, not a word of ours."""
    shell = app("interactive", dry_env)
    assert ORIGINAL in shell.stderr
    assert reports_in(shell.stderr) == []
    inspect = app("thread_crash", dry_env, "-i")
    assert "Exception in thread worker" in inspect.stderr
    assert reports_in(inspect.stderr) == []
    for done in (shell, inspect):
        assert our_lines(done.stderr) == []


# ---------------------------------------------------------------- unraisable, shutdown


def test_unraisable_exceptions_are_reported_only_when_asked(dry_env: dict[str, str]) -> None:
    """With ``unraisable=True`` an exception in ``__del__`` is reported after
    Python's "Exception ignored" output, and the program goes on; without, not."""
    done = app("unraisable", dry_env)
    assert done.returncode == 0
    assert "Exception ignored in" in before_ours(done.stderr)
    assert [r["mechanism"] for r in reports_in(done.stderr)] == ["unraisable"]
    assert app_lines(done.stderr) == ["after the unraisable error"]
    off = app("unraisable", dry_env, FIXTURE_UNRAISABLE="0")
    assert "Exception ignored in" in off.stderr
    assert reports_in(off.stderr) == []


def test_nothing_is_reported_while_the_interpreter_shuts_down(dry_env: dict[str, str]) -> None:
    """A ``__del__`` failing during interpreter finalization: Python's output as
    always, no report, exit status 0."""
    done = app("unraisable_at_shutdown", dry_env)
    assert done.returncode == 0
    assert "OSError: cleanup failed in __del__" in done.stderr
    assert reports_in(done.stderr) == []
    assert our_lines(done.stderr) == []


def test_an_atexit_handler_failing_is_reported_as_unraisable(dry_env: dict[str, str]) -> None:
    """atexit handlers run before finalization: their failure is reported."""
    done = app("atexit_failure", dry_env)
    assert done.returncode == 0
    (report,) = reports_in(done.stderr)
    assert report["mechanism"] == "unraisable"
    assert report["exception"]["message"] == "atexit cleanup failed"


# ---------------------------------------------------------------- other libraries


def test_sentry_sdk_before_or_after_us_both_keep_working(dry_env: dict[str, str]) -> None:
    """sentry-sdk's excepthook integration, initialised before or after install():
    sentry captures the event, we report it, Python's traceback appears once."""
    for mode in ("sentry_before_ours", "sentry_after_ours"):
        done = app(mode, dry_env)
        assert done.returncode == 1, mode
        assert app_lines(done.stderr) == ["sentry captured RuntimeError: the app failed"], mode
        assert len(reports_in(done.stderr)) == 1, mode
        assert before_ours(done.stderr).count(ORIGINAL) == 1, mode


def test_rich_traceback_before_or_after_us_both_keep_working(dry_env: dict[str, str]) -> None:
    """rich's traceback.install() (which never calls the previous hook), before or
    after install(): rich draws its traceback, and we still report the crash."""
    for mode in ("rich_before_ours", "rich_after_ours"):
        done = app(mode, dry_env)
        assert done.returncode == 1, mode
        shown = before_ours(done.stderr)
        assert "Traceback (most recent call last)" in shown, mode
        assert "╭" in shown, mode  # rich's panel, not Python's plain traceback
        (report,) = reports_in(done.stderr)
        assert report["exception"]["message"] == "the app failed"
