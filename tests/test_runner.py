"""``crashreport run`` against ``python`` itself, in real processes: the program sees
the same ``sys.argv``, ``sys.path[0]`` and ``__main__``, exits with the same
status, dies of the same signals, and prints the same traceback -- for a
script, a module (``-m``) and a console-script entry point."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CRASHERS, ROOT, reports_in

PROBE = CRASHERS / "runner_probe.py"
CRASHREPORT = [sys.executable, "-m", "crashreport", "run"]


def run(args: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=kwargs.pop("timeout", 120),
        cwd=str(kwargs.pop("cwd", ROOT)),
        check=False,
        **kwargs,
    )


def facts(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(done.stdout.splitlines()[0])
    return data


def test_a_script_sees_what_it_sees_under_python(dry_env: dict[str, str]) -> None:
    """sys.argv, sys.path[0] and every __main__ attribute are those of ``python
    SCRIPT``, also at exit; the exit status is 0."""
    plain = run([sys.executable, str(PROBE), "a", "--b"], dry_env)
    ours = run([*CRASHREPORT, str(PROBE), "a", "--b"], dry_env)
    assert ours.returncode == plain.returncode == 0, ours.stderr
    assert facts(ours) == facts(plain)
    assert facts(ours)["main_is_this_module"] is True
    # like python, __main__ has lost its __file__ once the script is done
    assert ours.stderr == plain.stderr == "APP: at exit, __main__ is None\n"


def test_a_relative_script_path_and_the_python_prefix(dry_env: dict[str, str]) -> None:
    """``crashreport run -- python fixtures/...py`` runs the same as ``python
    fixtures/...py`` (argv[0] as given, __file__ absolute)."""
    relative = str(PROBE.relative_to(ROOT))
    plain = run([sys.executable, relative, "x"], dry_env)
    for interpreter in ("python", "python3.11", sys.executable):
        ours = run([*CRASHREPORT, "--", interpreter, relative, "x"], dry_env)
        assert ours.returncode == 0, ours.stderr
        assert facts(ours) == facts(plain)
    assert facts(ours)["argv"] == [relative, "x"]
    module = run([*CRASHREPORT, "--", "python", "-m", "fixtures.crashers.runner_probe"], dry_env)
    assert facts(module)["main_spec"] == "fixtures.crashers.runner_probe"


def test_a_script_whose_name_starts_with_python_is_a_script(
    tmp_path: Path, dry_env: dict[str, str]
) -> None:
    """``python_tool.py`` is run, not mistaken for an interpreter."""
    script = tmp_path / "python_tool.py"
    script.write_text("import sys\nprint('ran', sys.argv[1:])\n")
    done = run([*CRASHREPORT, str(script), "arg"], dry_env)
    assert done.stdout == "ran ['arg']\n"


@pytest.mark.parametrize(
    "module", ["fixtures.crashers.runner_probe", "fixtures.crashers.probe_pkg"]
)
def test_a_module_sees_what_it_sees_under_python_m(dry_env: dict[str, str], module: str) -> None:
    """``crashreport run -m MODULE`` (a module, and a package with __main__) gives
    the same argv, sys.path[0] and __main__ (spec, package, cached) as ``python -m``."""
    plain = run([sys.executable, "-m", module, "arg"], dry_env)
    ours = run([*CRASHREPORT, "-m", module, "arg"], dry_env)
    assert ours.returncode == plain.returncode == 0, ours.stderr
    assert facts(ours) == facts(plain)


def test_modules_that_cannot_be_run_say_so_like_python(dry_env: dict[str, str]) -> None:
    """A missing module and a package without __main__ end with status 1 and one
    line, like ``python -m``; a missing script with status 2."""
    for module in ("no_such_module_anywhere", "fixtures"):
        plain = run([sys.executable, "-m", module], dry_env)
        ours = run([*CRASHREPORT, "-m", module], dry_env)
        assert ours.returncode == plain.returncode == 1
        assert "No module named" in ours.stderr
        assert len(ours.stderr.splitlines()) == 1
    missing = run([*CRASHREPORT, "no_such_script.py"], dry_env)
    assert missing.returncode == 2
    assert "can't open file 'no_such_script.py'" in missing.stderr


def console_script(tmp_path: Path, env: dict[str, str]) -> tuple[dict[str, str], Path]:
    """An installed console script ``probe-tool`` (a dist-info on the path, and the
    wrapper pip would write in a bin directory on PATH)."""
    site = tmp_path / "site"
    dist = site / "probe_tool-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: probe-tool\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[console_scripts]\nprobe-tool = fixtures.crashers.runner_probe:entry\n"
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "probe-tool"
    wrapper.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "from fixtures.crashers.runner_probe import entry\n"
        "if __name__ == '__main__':\n"
        "    sys.argv[0] = sys.argv[0].removesuffix('.exe')\n"
        "    sys.exit(entry())\n"
    )
    wrapper.chmod(0o755)
    env = {
        **env,
        "PYTHONPATH": f"{ROOT}{os.pathsep}{site}",
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
    }
    return env, wrapper


def test_a_console_script_entry_point_by_name(tmp_path: Path, dry_env: dict[str, str]) -> None:
    """``crashreport run probe-tool ARGS`` calls the entry point like its wrapper:
    same argv, sys.path[0] and __main__ file, and its return value is the status."""
    env, wrapper = console_script(tmp_path, {**dry_env, "PROBE_STATUS": "5"})
    plain = run([str(wrapper), "one", "two"], env)
    ours = run([*CRASHREPORT, "probe-tool", "one", "two"], env)
    assert ours.returncode == plain.returncode == 5, ours.stderr
    ours_facts, plain_facts = facts(ours), facts(plain)
    for key in ("argv", "path0", "main_file", "name"):
        assert ours_facts[key] == plain_facts[key], key
    assert ours_facts["argv"] == [str(wrapper), "one", "two"]


def test_a_console_script_that_crashes_is_reported(tmp_path: Path, dry_env: dict[str, str]) -> None:
    """A crash in an entry point: the traceback, one report, exit status 1."""
    env, _ = console_script(tmp_path, {**dry_env, "PROBE_MODE": "crash"})
    ours = run([*CRASHREPORT, "probe-tool"], env)
    assert ours.returncode == 1
    (report,) = reports_in(ours.stderr)
    assert report["exception"]["message"] == "probe crashed"


@pytest.mark.parametrize(
    ("mode", "status"),
    [("crash", 1), ("exit7", 7), ("exit_message", 1), ("interrupt", -signal.SIGINT)],
)
def test_exit_status_and_output_are_the_programs(
    dry_env: dict[str, str], mode: str, status: int
) -> None:
    """Crash, sys.exit(7), sys.exit("message"), KeyboardInterrupt: the same status
    as under python (death by SIGINT for the interrupt, after atexit handlers),
    and the same stderr up to our report."""
    env = {**dry_env, "PROBE_MODE": mode}
    plain = run([sys.executable, str(PROBE)], env)
    ours = run([*CRASHREPORT, str(PROBE)], env)
    assert plain.returncode == status
    assert ours.returncode == status, ours.stderr
    reports = reports_in(ours.stderr)
    assert len(reports) == (1 if mode == "crash" else 0)
    if reports:
        # Python's traceback, then ours; the program's atexit handler runs after both
        at_exit = plain.stderr.splitlines()[-1]
        assert ours.stderr.startswith(plain.stderr[: -len(at_exit) - 1])
        assert ours.stderr.endswith(at_exit + "\n")
    else:
        assert ours.stderr == plain.stderr


def test_a_failing_excepthook_is_handled_like_python(dry_env: dict[str, str]) -> None:
    """A program whose own sys.excepthook raises: "Error in sys.excepthook", the
    original exception, status 1 -- as under python."""
    env = {**dry_env, "PROBE_MODE": "bad_hook"}
    plain = run([sys.executable, str(PROBE)], env)
    ours = run([*CRASHREPORT, str(PROBE)], env)
    assert ours.returncode == plain.returncode == 1
    # the program's hook replaced ours without calling it: we report at exit
    shown = ours.stderr.split("\ncrash report ", 1)[0]
    for text in (plain.stderr, shown):
        assert text.startswith("Error in sys.excepthook:\n")
        assert "RuntimeError: the hook itself failed" in text
        assert "\nOriginal exception was:\n" in text
        original = text.split("\nOriginal exception was:\n", 1)[1]
        assert "ArithmeticError: probe crashed under a bad hook" in original
    assert len(reports_in(ours.stderr)) == 1


def wait_ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.stdout.readline().strip() == "ready":
            return
    raise AssertionError("the program never got ready")


@pytest.mark.parametrize(("mode", "status"), [("sleep", -signal.SIGTERM), ("term_handler", 42)])
def test_signals_behave_as_without_crashreport(
    dry_env: dict[str, str], mode: str, status: int
) -> None:
    """SIGTERM kills the program as it would without us; a handler it installed
    itself runs and decides the status."""
    env = {**dry_env, "PROBE_MODE": mode}
    for command in ([sys.executable, str(PROBE)], [*CRASHREPORT, str(PROBE)]):
        process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        try:
            wait_ready(process)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == status, command
        finally:
            process.kill()
            process.communicate()


def test_a_syntax_error_in_the_script(tmp_path: Path, dry_env: dict[str, str]) -> None:
    """A script that does not compile: Python's SyntaxError output, status 1, and
    a report with the syntax details."""
    script = tmp_path / "broken.py"
    script.write_text("print('fine')\nvalue = (1,\n")
    plain = run([sys.executable, str(script)], dry_env)
    ours = run([*CRASHREPORT, str(script)], dry_env)
    assert ours.returncode == plain.returncode == 1
    assert ours.stderr.startswith(plain.stderr)
    (report,) = reports_in(ours.stderr)
    assert report["exception"]["type"] == "SyntaxError"
    assert report["exception"]["frames"] == []
    assert report["exception"]["syntax"]["text"] == "value = (1,"


def test_dry_run_flag(dry_env: dict[str, str]) -> None:
    """``crashreport run --dry-run`` shows the report and says nothing was sent."""
    env = {k: v for k, v in dry_env.items() if k != "CRASHREPORT_DRY_RUN"}
    env["PROBE_MODE"] = "crash"
    ours = run([*CRASHREPORT, "--dry-run", str(PROBE)], env)
    assert ours.returncode == 1
    assert len(reports_in(ours.stderr)) == 1
    assert "dry run: nothing was sent" in ours.stderr


def test_nothing_to_run_is_a_usage_error(dry_env: dict[str, str]) -> None:
    """``crashreport run`` with no program: status 2 and a line saying what to give."""
    done = run([*CRASHREPORT], dry_env)
    assert done.returncode == 2
    assert "give a SCRIPT, -m MODULE or a console script" in done.stderr
