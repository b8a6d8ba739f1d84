"""capture: a live exception becomes a ``Report``, once, with bounds on everything.

After this stage nothing looks at the live exception again: messages,
``repr``s of locals and source lines are read here, each guarded and timed,
so a hostile ``__str__`` or ``__repr__`` yields a placeholder instead of a
second crash or a hang. The parts:

- ``exceptions``: the chain and group tree, notes, ``SyntaxError`` details;
- ``frames``: tracebacks, recursion collapsed, both ends kept, columns, locals;
- ``values``: safe ``str``/``repr`` of the host's objects, sensitive names;
- ``paths``: file paths relative and free of identity;
- ``environment``: platform facts and the opted-in extras;
- ``bounds``: the total size bound.
"""

from __future__ import annotations

import os
import time

from crashreport._frozen import Frozen
from crashreport.capture.bounds import fit
from crashreport.capture.environment import environment
from crashreport.capture.exceptions import Describer
from crashreport.capture.frames import locals_reader
from crashreport.capture.paths import PathStyle
from crashreport.capture.values import UserCode
from crashreport.config import DEFAULT_MAX_REPORT_SIZE, Config
from crashreport.report import ExceptionInfo, Report, map_strings

__all__ = [
    "Limits",
    "capture",
    "encodable",
    "environment",
    "exception_info",
    "new_id",
    "text_report",
]


class Limits(Frozen):
    """Bounds that keep any report small and quick, whatever the exception looks like."""

    __slots__ = (  # noqa: RUF023 - in constructor order
        "frames",
        "exceptions",
        "text",
        "local_value",
        "locals_per_frame",
        "repr_seconds",
        "user_code_seconds",
        "max_report_size",
    )
    frames: int
    exceptions: int
    text: int
    local_value: int
    locals_per_frame: int
    repr_seconds: float
    user_code_seconds: float
    max_report_size: int

    def __init__(
        self,
        frames: int = 100,  # per stack, after recursion is collapsed; both ends are kept
        exceptions: int = 50,  # per report: chains and group members together
        text: int = 8_000,  # characters per message, note, source line
        local_value: int = 500,  # characters per local variable's repr
        locals_per_frame: int = 50,
        repr_seconds: float = 0.25,  # one call of the host's __str__ / __repr__
        user_code_seconds: float = 2.0,  # all of them, for one report
        max_report_size: int = DEFAULT_MAX_REPORT_SIZE,  # bytes of payload
    ) -> None:
        _set = object.__setattr__
        _set(self, "frames", frames)
        _set(self, "exceptions", exceptions)
        _set(self, "text", text)
        _set(self, "local_value", local_value)
        _set(self, "locals_per_frame", locals_per_frame)
        _set(self, "repr_seconds", repr_seconds)
        _set(self, "user_code_seconds", user_code_seconds)
        _set(self, "max_report_size", max_report_size)


def capture(
    exc: BaseException,
    *,
    product: str,
    version: str,
    mechanism: str,
    capture_locals: bool = False,
    options: Config | None = None,
    limits: Limits | None = None,
    project_root: str | None = None,
) -> Report:
    """Build the report of ``exc``. Never raises for anything the exception does.

    ``options``: the configuration whose opt-ins (command line, variables,
    package versions, size bound) apply; ``project_root`` overrides where the program's own
    files are shown from (by default: found from ``__main__``).
    """
    options = options or Config()
    limits = limits or Limits(max_report_size=options.max_report_size)
    paths = PathStyle(root=project_root)
    report = Report(
        id=new_id(),
        time=_now(),
        product=product,
        version=version,
        mechanism=mechanism,
        environment=environment(
            packages=options.packages,
            argv=options.include_argv,
            variables=options.include_environment,
            shown_path=paths,
        ),
        exception=exception_info(exc, capture_locals=capture_locals, limits=limits, paths=paths),
    )
    try:
        return fit(report, limits.max_report_size)  # measuring it also checks it encodes
    except UnicodeEncodeError:
        # lone surrogates (rare): the per-string walk only then
        return fit(map_strings(report, encodable), limits.max_report_size)


def exception_info(
    exc: BaseException,
    *,
    capture_locals: bool = False,
    limits: Limits | None = None,
    paths: PathStyle | None = None,
) -> ExceptionInfo:
    """The exception as data, with its chain and group members, as Python prints it."""
    limits = limits or Limits()
    code = UserCode(per_call=limits.repr_seconds, total=limits.user_code_seconds)
    reader = None
    if capture_locals:
        reader = locals_reader(
            code,
            per_frame=limits.locals_per_frame,
            value_limit=limits.local_value,
            total=limits.max_report_size // 4,
        )
    describer = Describer(
        exceptions=limits.exceptions,
        frames=limits.frames,
        text=limits.text,
        path=paths or PathStyle(),
        code=code,
        local_values=reader,
    )
    return describer.describe(exc)


def text_report(text: str, *, product: str, version: str) -> Report:
    """A report whose exception is a pasted traceback or log (``crashreport preview``)."""
    limit = 200_000
    if len(text) > limit:
        text = f"{text[:limit]}... [{len(text) - limit} characters cut]"
    return Report(
        id=new_id(),
        time=_now(),
        product=product,
        version=version,
        mechanism="preview",
        environment=environment(),
        exception=ExceptionInfo(type="text", message=encodable(text.rstrip("\n"))),
    )


def encodable(text: str) -> str:
    """``text``, with what UTF-8 cannot hold (lone surrogates: from a message, or a
    path or variable decoded with ``surrogateescape``) written as ``\\udc80``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def new_id() -> str:
    """A random UUID (version 4), as text: ``str(uuid.uuid4())``, without importing
    ``uuid`` (milliseconds, in the process that just crashed)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # the RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _now() -> str:
    # RFC 3339, UTC, to the second, as datetime's isoformat wrote it (no datetime import)
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
