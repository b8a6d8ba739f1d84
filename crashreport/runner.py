"""``crashreport run``: run any Python program with the hook installed, no code change.

Like ``coverage run``: ``crashreport run app.py ARGS``, ``crashreport run -m
pkg.mod ARGS``, ``crashreport run TOOL ARGS`` for a console-script entry
point, and ``crashreport run -- python app.py ARGS``. The program sees what
it would see under ``python``: ``sys.argv``, ``sys.path[0]``, a ``__main__``
module of its own (which stays ``__main__`` while its crash is reported and
its ``atexit`` handlers run), the exit status (1 for an uncaught exception,
``SystemExit``'s code, death by SIGINT after an uncaught KeyboardInterrupt),
and signals (we install no handler). Every asyncio event loop it creates
reports too (see ``crashreport.aio``).
"""

from __future__ import annotations

import argparse
import builtins
import io
import os
import runpy
import sys
import types
from collections.abc import Callable
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
        description="Run a Python program -- a script, -m MODULE, or the name of an "
        "installed console script -- with crash reporting installed, without changing "
        "its code. The exit status is the program's.",
    )
    run.add_argument("--dry-run", action="store_true", help="show reports, send nothing")
    run.add_argument("-m", dest="module", metavar="MODULE", help="run a module, like python -m")
    run.add_argument("program", nargs=argparse.REMAINDER, metavar="PROGRAM [ARGS...]")
    run.set_defaults(func=_run)


def _is_python(name: str) -> bool:
    """``python``, ``python3``, ``python3.11``, or this interpreter's path."""
    if name == sys.executable:
        return True
    base = os.path.basename(name)
    return base.startswith("python") and all(c.isdigit() or c == "." for c in base[6:])


def _run(args: argparse.Namespace) -> int:
    program = list(args.program)
    if program[:1] == ["--"]:
        program = program[1:]
    module = args.module
    if module is None and program and _is_python(program[0]):
        program = program[1:]  # `crashreport run -- python app.py` (an interpreter is no script)
    if module is None and program[:1] == ["-m"] and len(program) > 1:
        module, program = program[1], program[2:]
    if module is None and not program:
        sys.stderr.write("crashreport run: give a SCRIPT, -m MODULE or a console script to run\n")
        return 2
    options = project_options()
    if args.dry_run:
        options["dry_run"] = True
    crashreport.install(**options)
    from crashreport.aio import report_new_loops

    report_new_loops()
    if module is not None:
        return run_program(None, module, program)
    return run_program(program[0], None, program[1:])


def run_program(script: str | None, module: str | None, arguments: list[str]) -> int:
    """Run a script, a module or a console script as ``__main__``; returns its exit status.

    ``script`` may name a file (or a directory or zip file with a
    ``__main__.py``) or, when no such file exists, an installed console
    script. ``SystemExit`` passes through, as it would under ``python``.
    """
    try:
        if module is not None:
            _run_module(module, arguments)
        elif script is not None and os.path.exists(script):
            _run_script(script, arguments)
        elif script is not None and os.sep not in script and _entry_point(script) is not None:
            _run_entry_point(script, arguments)
        else:
            raise _CannotRun(
                2,
                f"can't open file {script!r}: no such file, "
                "and no console script of that name is installed",
            )
    except _CannotRun as exc:
        sys.stderr.write(f"crashreport run: {exc.message}\n")
        return exc.status
    except SystemExit:
        raise  # python exits at once here: __main__ keeps its __file__
    except KeyboardInterrupt as exc:
        _uncaught(exc)
        _forget_script_file()
        # Python ends a program whose KeyboardInterrupt nobody caught by
        # killing itself with SIGINT -- after atexit handlers and thread joins.
        # Let it: raise one more, which a hook prints no more of.
        sys.excepthook = _quiet_about_interrupts(sys.excepthook)
        raise KeyboardInterrupt from None
    except BaseException as exc:
        _uncaught(exc)
        _forget_script_file()
        return 1
    _forget_script_file()
    return 0


class _CannotRun(Exception):
    """The program could not even start (no such file or module): not a crash of it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


_SCRIPT_MAIN: list[types.ModuleType] = []  # the __main__ of a script we ran


def _fresh_main(**attributes: Any) -> types.ModuleType:
    main = types.ModuleType("__main__")
    main.__dict__.update(attributes, __builtins__=builtins)
    sys.modules["__main__"] = main  # stays: excepthook and atexit handlers see the program's
    return main


def _forget_script_file() -> None:
    """What ``python SCRIPT`` does once the script is done (after its excepthook):
    ``__main__`` loses ``__file__`` and ``__cached__``."""
    for main in _SCRIPT_MAIN:
        main.__dict__.pop("__file__", None)
        main.__dict__.pop("__cached__", None)


def _run_script(script: str, arguments: list[str]) -> None:
    sys.argv = [script, *arguments]
    path = os.path.abspath(script)
    source = b""
    if os.path.isfile(path):
        with io.open_code(path) as file:
            source = file.read()
    if os.path.isdir(path) or source.startswith(b"PK\x03\x04"):
        del sys.path[0]  # run_path puts the directory or zip file there itself
        runpy.run_path(script, run_name="__main__")
        return
    sys.path[0] = os.path.dirname(os.path.realpath(script))
    import importlib.machinery

    code = compile(source, path, "exec", dont_inherit=True)
    main = _fresh_main(
        __file__=path,
        __loader__=importlib.machinery.SourceFileLoader("__main__", path),
        __spec__=None,
        __package__=None,
        __cached__=None,
    )
    _SCRIPT_MAIN.append(main)
    exec(code, main.__dict__)  # noqa: S102 - running the user's program is the job


def _module_code(name: str) -> tuple[Any, types.CodeType]:
    """The spec and code of module ``name`` as ``python -m`` finds them.

    Importing its parent packages runs their code: an error there other than
    an ImportError is the program's crash (as under ``python -m``)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations is not None:
            main_name = f"{name}.__main__"
            spec = importlib.util.find_spec(main_name)
            if spec is None:
                raise _CannotRun(
                    1, f"No module named {main_name}; {name!r} is a package and cannot be run"
                )
        if spec is None or spec.loader is None:
            raise _CannotRun(1, f"No module named {name}")
        code = spec.loader.get_code(spec.name)  # type: ignore[attr-defined]
    except (ImportError, ValueError, AttributeError, TypeError) as exc:
        raise _CannotRun(
            1,
            f"Error while finding module specification for {name!r} ({type(exc).__name__}: {exc})",
        ) from None
    if code is None:
        raise _CannotRun(1, f"No code object available for {name}")
    return spec, code


def _run_module(name: str, arguments: list[str]) -> None:
    sys.argv = [name, *arguments]
    sys.path[0] = os.getcwd()
    spec, code = _module_code(name)
    sys.argv[0] = spec.origin
    main = _fresh_main(
        __file__=spec.origin,
        __loader__=spec.loader,
        __spec__=spec,
        __package__=spec.parent,
        __cached__=spec.cached,
    )
    exec(code, main.__dict__)  # noqa: S102 - running the user's program is the job


def _entry_point(name: str) -> Any:
    from importlib import metadata

    for entry in metadata.entry_points(group="console_scripts", name=name):
        return entry
    return None


def _run_entry_point(name: str, arguments: list[str]) -> None:
    """What the console script's wrapper (``bin/NAME``) does: ``sys.exit(main())``."""
    import shutil

    wrapper = shutil.which(name)
    sys.argv = [wrapper or name, *arguments]
    sys.path[0] = os.path.dirname(os.path.realpath(wrapper)) if wrapper else os.getcwd()
    _fresh_main(__file__=wrapper, __loader__=None, __spec__=None, __package__=None)
    main = _entry_point(name).load()
    raise SystemExit(main())


def _uncaught(exc: BaseException) -> None:
    """Hand an exception to ``sys.excepthook`` as the interpreter would, without
    our own frames (runpy and this module) at the top of its traceback."""
    tb: TracebackType | None = exc.__traceback__
    ours = (__file__, runpy.__file__, "<frozen runpy>")
    while tb is not None and tb.tb_frame.f_code.co_filename in ours:
        tb = tb.tb_next
    exc = exc.with_traceback(tb)
    sys.last_type, sys.last_value, sys.last_traceback = type(exc), exc, tb
    hook = getattr(sys, "excepthook", None)
    if hook is None:
        sys.stderr.write("sys.excepthook is missing\n")
        sys.__excepthook__(type(exc), exc, tb)
        return
    try:
        hook(type(exc), exc, tb)
    except BaseException as error:  # what Python prints when the hook itself fails
        sys.stderr.write("Error in sys.excepthook:\n")
        sys.__excepthook__(type(error), error, error.__traceback__)
        sys.stderr.write("\nOriginal exception was:\n")
        sys.__excepthook__(type(exc), exc, tb)


def _quiet_about_interrupts(hook: Callable[..., Any]) -> Callable[..., Any]:
    def excepthook(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if not isinstance(exc, KeyboardInterrupt):
            hook(exc_type, exc, tb)

    return excepthook
