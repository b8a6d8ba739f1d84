"""Who can be asked: the non-interactive policy.

Nobody is asked -- and so nothing is sent -- when no person can answer: no
terminal on stdin or stdout, ``CI`` set, ``TERM=dumb``, ``DO_NOT_TRACK=1``,
or a program running in the background of its terminal (reading the
terminal there would stop the whole program with ``SIGTTIN``: a hang).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import TextIO

__all__ = ["why_not_interactive"]

_FALSE = ("", "0", "false", "no", "off")


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in _FALSE


def why_not_interactive(
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> str | None:
    """Why nobody can be asked (``"CI is set"``, ...), or ``None`` if someone can.

    ``environ``, ``stdin`` and ``stdout`` default to the process's own. A
    stream that is missing, closed, or whose ``isatty()`` fails counts as
    "not a terminal": when in doubt, nobody is asked.
    """
    env = os.environ if environ is None else environ
    if _truthy(env.get("CI")):
        return "CI is set"
    if _truthy(env.get("DO_NOT_TRACK")):
        return "DO_NOT_TRACK is set"
    if env.get("TERM") == "dumb":
        return "TERM is dumb"
    streams = (
        ("stdin", sys.stdin if stdin is None else stdin),
        ("stdout", sys.stdout if stdout is None else stdout),
    )
    for name, stream in streams:
        try:
            if stream is None or stream.closed or not stream.isatty():
                return f"{name} is not a terminal"
        except (AttributeError, ValueError, OSError):
            return f"{name} is not a terminal"
    return _background(streams[0][1])


def _background(stdin: TextIO) -> str | None:
    # A job started with `&` (or moved to the background) may write to its
    # terminal, but reading it stops the job until someone runs `fg`.
    try:
        foreground = os.tcgetpgrp(stdin.fileno())
    except (AttributeError, ValueError, OSError):  # no job control here (or Windows)
        return None
    if foreground != os.getpgrp():
        return "the program runs in the background of its terminal"
    return None
