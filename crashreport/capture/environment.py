"""Where the crash happened: platform facts, and what the host app opted in to.

Never the host name, the user name, environment variables or the command
line -- unless the host app asks (``include_argv``, ``include_environment``),
and then those strings are redacted like every other; a variable whose name
is sensitive is replaced without being read.
"""

from __future__ import annotations

import os
import sys

from crashreport.capture.values import placeholder_for
from crashreport.report import Environment

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["environment"]

_ARGS = 100  # arguments kept of a long command line
_VALUE = 1000  # characters per argument or variable


def environment(
    *,
    packages: Iterable[str] = (),
    argv: bool = False,
    variables: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
    shown_path: object = None,
) -> Environment:
    """The platform facts a report carries, and the opted-in extras."""
    env = os.environ if environ is None else environ
    system, arch, implementation, version = _platform()
    return Environment(
        os=system or sys.platform,
        arch=arch or "unknown",
        python_implementation=implementation,
        python_version=version,
        packages=tuple((name, _version(name)) for name in packages),
        argv=_argv(shown_path) if argv else (),
        variables=tuple(_variable(name, env) for name in variables),
    )


def _platform() -> tuple[str, str, str, str]:
    """``platform``'s system, machine, implementation and version.

    Read directly on CPython with ``os.uname`` (which is what ``platform``
    reads there), because ``import platform`` costs milliseconds in the
    process that just crashed; the ``platform`` module everywhere else.
    """
    uname = getattr(os, "uname", None)
    if sys.implementation.name == "cpython" and uname is not None:
        facts = uname()
        version = sys.version.partition(" ")[0]  # "3.11.7", "3.13.0rc1", "3.14.0a1+"
        if version.count(".") == 1:
            version += ".0"  # platform always shows the patch level
        return facts.sysname, facts.machine, "CPython", version
    import platform

    system = platform.system()
    return system, platform.machine(), platform.python_implementation(), platform.python_version()


def _version(name: str) -> str:
    try:
        from importlib import metadata

        return metadata.version(name)
    except Exception:  # PackageNotFoundError, or a broken distribution
        return "not installed"


def _argv(shown_path: object) -> tuple[str, ...]:
    args = [a if isinstance(a, str) else repr(a) for a in list(sys.argv)[:_ARGS]]
    if args and callable(shown_path) and args[0] not in ("", "-c", "-m"):
        args[0] = str(shown_path(args[0]))  # the program's path, free of identity
    cut = len(sys.argv) - len(args)
    out = [_clip(a) for a in args]
    if cut > 0:
        out.append(f"... {cut} more arguments")
    return tuple(out)


def _variable(name: str, env: Mapping[str, str]) -> tuple[str, str]:
    if name not in env:
        return name, "<not set>"
    hidden = placeholder_for(name)
    return name, hidden if hidden is not None else _clip(env[name])


def _clip(text: str) -> str:
    return (
        text if len(text) <= _VALUE else f"{text[:_VALUE]}... [{len(text) - _VALUE} characters cut]"
    )
