"""asyncio: ``crashreport.install_asyncio()`` in real programs
(``fixtures/crashers/async_app.py``), and automatically under ``crashreport run``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import crashreport
from tests.conftest import reports_in, run_crasher


def async_app(mode: str, env: dict[str, str], **extra: str) -> Any:
    return run_crasher(["async_app.py", mode], {**env, **extra})


def app_lines(stderr: str) -> list[str]:
    return [line[5:] for line in stderr.splitlines() if line.startswith("APP: ")]


def test_a_task_nobody_awaited_is_reported_and_the_loop_goes_on(dry_env: dict[str, str]) -> None:
    """asyncio's own "Task exception was never retrieved" log comes first, then
    one report (mechanism asyncio); the program goes on and exits 0."""
    done = async_app("forgotten_task", dry_env)
    assert done.returncode == 0
    assert done.stderr.index("Task exception was never retrieved") < done.stderr.index(
        "crash report"
    )
    (report,) = reports_in(done.stderr)
    assert report["mechanism"] == "asyncio"
    assert report["exception"]["type"] == "ConnectionResetError"
    assert app_lines(done.stderr) == ["main went on"]


def test_a_failing_callback_is_reported(dry_env: dict[str, str]) -> None:
    """An exception in a ``call_soon`` callback is reported once."""
    done = async_app("callback_fails", dry_env)
    assert done.returncode == 0
    assert "Exception in callback" in done.stderr
    (report,) = reports_in(done.stderr)
    assert (report["mechanism"], report["exception"]["type"]) == ("asyncio", "KeyError")


def test_the_main_coroutine_failing_reaches_the_excepthook(dry_env: dict[str, str]) -> None:
    """``asyncio.run(main())`` whose main raises: Python's traceback, one report,
    exit status 1."""
    done = async_app("main_fails", dry_env)
    assert done.returncode == 1
    (report,) = reports_in(done.stderr)
    assert (report["mechanism"], report["exception"]["type"]) == ("excepthook", "PermissionError")


def test_cancellation_is_never_reported(dry_env: dict[str, str]) -> None:
    """A cancelled task is how programs stop work, not a crash."""
    done = async_app("cancelled", dry_env)
    assert done.returncode == 0
    assert reports_in(done.stderr) == []
    assert app_lines(done.stderr) == ["cancelled a task"]


def test_installing_twice_reports_once(dry_env: dict[str, str]) -> None:
    """A second install_asyncio() on the same loop adds nothing."""
    done = async_app("installed_twice", dry_env)
    assert len(reports_in(done.stderr)) == 1


def test_the_previous_loop_handler_still_runs_first(dry_env: dict[str, str]) -> None:
    """A handler the app set before install_asyncio() is called, then we report."""
    done = async_app("previous_handler", dry_env)
    assert app_lines(done.stderr) == [
        "previous handler: Task exception was never retrieved",
        "main went on",
    ]
    assert len(reports_in(done.stderr)) == 1
    assert done.stderr.index("previous handler") < done.stderr.index("crash report")


def test_without_install_asyncio_unawaited_tasks_are_only_logged(dry_env: dict[str, str]) -> None:
    """install() alone does not touch event loops: asyncio logs, nothing is reported."""
    done = async_app("forgotten_task", dry_env, FIXTURE_ASYNCIO="0")
    assert "Task exception was never retrieved" in done.stderr
    assert reports_in(done.stderr) == []


def test_guard_inside_a_coroutine_reports_once(dry_env: dict[str, str]) -> None:
    """guard() around awaited code reports; the excepthook does not report again."""
    done = async_app("guard_in_coroutine", dry_env)
    assert done.returncode == 1
    assert [r["mechanism"] for r in reports_in(done.stderr)] == ["guard"]


def test_guard_decorating_an_async_def_reports_what_the_coroutine_raises(
    dry_env: dict[str, str],
) -> None:
    """@guard() on an ``async def`` guards the coroutine while it runs (not only its
    creation): the failure inside it is reported once, as a guard report."""
    done = async_app("guard_as_async_decorator", dry_env)
    assert done.returncode == 1
    assert "PermissionError: main coroutine failed" in done.stderr
    assert [r["mechanism"] for r in reports_in(done.stderr)] == ["guard"]


def test_crashreport_run_reports_tasks_of_asyncio_run(dry_env: dict[str, str]) -> None:
    """Under ``crashreport run`` a program that never heard of crashreport gets its
    unawaited task reported: every loop asyncio.run creates has the handler."""
    env = {**dry_env, "FIXTURE_INSTALL": "0", "FIXTURE_ASYNCIO": "0"}
    from tests.conftest import CRASHERS

    done = run_crasher(
        ["-m", "crashreport", "run", str(CRASHERS / "async_app.py"), "forgotten_task"], env
    )
    assert done.returncode == 0, done.stderr
    (report,) = reports_in(done.stderr)
    assert report["mechanism"] == "asyncio"
    assert app_lines(done.stderr) == ["main went on"]


def test_crashreport_run_does_not_import_asyncio_for_programs_without_it(
    dry_env: dict[str, str], tmp_path: Any
) -> None:
    """The watch for asyncio costs a program that never imports it nothing:
    asyncio stays unimported, and the finder leaves once asyncio is imported."""
    script = tmp_path / "plain.py"
    script.write_text(
        "import sys\n"
        "print('asyncio' in sys.modules)\n"
        "import asyncio\n"
        "print(any(type(f).__name__ == '_WhenImported' for f in sys.meta_path))\n"
        "print(type(asyncio.get_event_loop_policy()).__name__)\n"
    )
    done = run_crasher(["-m", "crashreport", "run", str(script)], dry_env)
    assert done.stdout.split() == ["False", "False", "ReportingEventLoopPolicy"]


def test_install_asyncio_outside_a_loop_says_what_to_do() -> None:
    """Called with no running loop and no loop given: a clear error, nothing changed."""
    with pytest.raises(RuntimeError, match="call it from a coroutine, or pass the loop"):
        crashreport.install_asyncio()


def test_install_asyncio_on_a_given_loop_chains_to_its_handler() -> None:
    """On a loop passed in, our handler wraps the one there, which still gets every
    context, even while crashreport is not installed (then we only pass on)."""
    crashreport.uninstall()  # whatever an earlier test left: here we only pass on
    loop = asyncio.new_event_loop()
    seen: list[str] = []
    try:
        loop.set_exception_handler(lambda _loop, context: seen.append(context["message"]))
        crashreport.install_asyncio(loop)
        ours = loop.get_exception_handler()
        crashreport.install_asyncio(loop)
        assert loop.get_exception_handler() is ours
        loop.call_exception_handler({"message": "just a message", "exception": ValueError("x")})
        assert seen == ["just a message"]
    finally:
        loop.close()
