"""``crashreport run``: run any Python program with the hook installed, no code change.

Like ``coverage run``: ``crashreport run app.py ARGS``, ``crashreport run -m
pkg.mod ARGS`` (also ``crashreport run -- python app.py ARGS``). The program
sees the ``sys.argv``, ``sys.path[0]`` and ``__main__`` it would see under
``python``, and the exit status is the program's.
"""

from __future__ import annotations

import argparse
import os
import runpy
import signal
import sys
from types import TracebackType
from typing import Any

import crashreport
from crashreport.cli import project_options

__all__ = ["add_parser", "run_program"]


def add_parser(commands: Any) -> None:
    """Register ``run``."""
    run = commands.add_parser(
        "run",
        help="run a Python program with crash reporting installed",
        description="Run a Python program (a script, or -m MODULE) with crash reporting "
        "installed, without changing its code. The exit status is the program's.",
    )
    run.add_argument("--dry-run", action="store_true", help="show reports, send nothing")
    run.add_argument("-m", dest="module", metavar="MODULE", help="run a module, like python -m")
    run.add_argument("program", nargs=argparse.REMAINDER, metavar="SCRIPT [ARGS...]")
    run.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    program = list(args.program)
    if program[:1] == ["--"]:
        program = program[1:]
    module = args.module
    if module is None and program and os.path.basename(program[0]).startswith("python"):
        program = program[1:]  # `crashreport run -- python app.py`
        if program[:1] == ["-m"] and len(program) > 1:
            module, program = program[1], program[2:]
    if module is None and not program:
        sys.stderr.write("crashreport run: give a SCRIPT or -m MODULE to run\n")
        return 2
    options = project_options()
    if args.dry_run:
        options["dry_run"] = True
    crashreport.install(**options)
    return run_program(
        program[0] if module is None else None, module, program[1:] if module is None else program
    )


def run_program(script: str | None, module: str | None, arguments: list[str]) -> int:
    """Run a script or module as ``__main__``; returns its exit status."""
    if script is not None:
        if not os.path.exists(script):
            sys.stderr.write(f"crashreport run: can't open file {script!r}: no such file\n")
            return 2
        sys.argv = [script, *arguments]
        sys.path[0] = os.path.dirname(os.path.abspath(script))
    else:
        sys.argv = [module or "", *arguments]
        sys.path[0] = os.getcwd()
    try:
        if script is not None:
            runpy.run_path(script, run_name="__main__")
        else:
            runpy.run_module(module or "", run_name="__main__", alter_sys=True)
    except SystemExit:
        raise
    except KeyboardInterrupt as exc:
        _uncaught(exc)
        # die of SIGINT like Python does, so the parent sees the same status
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        return 130
    except BaseException as exc:
        _uncaught(exc)
        return 1
    return 0


def _uncaught(exc: BaseException) -> None:
    """Hand an exception to ``sys.excepthook`` as the interpreter would, without
    our own frames (runpy and this module) at the top of its traceback."""
    tb: TracebackType | None = exc.__traceback__
    ours = (__file__, runpy.__file__, "<frozen runpy>")
    while tb is not None and tb.tb_frame.f_code.co_filename in ours:
        tb = tb.tb_next
    sys.excepthook(type(exc), exc.with_traceback(tb), tb)
