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

import datetime
import json
import uuid

import attrs

from crashreport.capture.bounds import fit
from crashreport.capture.environment import environment
from crashreport.capture.exceptions import Describer
from crashreport.capture.frames import locals_reader
from crashreport.capture.paths import PathStyle
from crashreport.capture.values import UserCode
from crashreport.config import DEFAULT_MAX_REPORT_SIZE, Config
from crashreport.report import ExceptionInfo, Report, map_strings

__all__ = ["Limits", "capture", "encodable", "environment", "exception_info", "text_report"]


@attrs.frozen
class Limits:
    """Bounds that keep any report small and quick, whatever the exception looks like."""

    frames: int = 100  # per stack, after recursion is collapsed; both ends are kept
    exceptions: int = 50  # per report: chains and group members together
    text: int = 8_000  # characters per message, note, source line
    local_value: int = 500  # characters per local variable's repr
    locals_per_frame: int = 50
    repr_seconds: float = 0.25  # one call of the host's __str__ / __repr__
    user_code_seconds: float = 2.0  # all of them, for one report
    max_report_size: int = DEFAULT_MAX_REPORT_SIZE  # bytes of payload


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
        id=str(uuid.uuid4()),
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
    return fit(_encodable_report(report), limits.max_report_size)


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
        id=str(uuid.uuid4()),
        time=_now(),
        product=product,
        version=version,
        mechanism="preview",
        environment=environment(),
        exception=ExceptionInfo(type="text", message=encodable(text.rstrip("\n"))),
    )


def _encodable_report(report: Report) -> Report:
    # one C-speed check of the whole report; the per-string walk only when needed
    try:
        json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return map_strings(report, encodable)  # type: ignore[no-any-return]
    return report


def encodable(text: str) -> str:
    """``text``, with what UTF-8 cannot hold (lone surrogates: from a message, or a
    path or variable decoded with ``surrogateescape``) written as ``\\udc80``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
