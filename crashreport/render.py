"""render: the views of a ``RedactedReport`` -- readable text, and the payload bytes.

Both are pure functions of the redacted report, so what the user reads and
what is uploaded can never drift apart.
"""

from __future__ import annotations

from crashreport.payload import Payload
from crashreport.redact import RedactedReport
from crashreport.report import ExceptionInfo, Frame

__all__ = ["payload", "render_exception", "render_report", "summary_line"]

_CAUSE = "The above exception was the direct cause of the following exception:"
_CONTEXT = "During handling of the above exception, another exception occurred:"


def payload(redacted: RedactedReport) -> Payload:
    """The exact bytes that would be sent: the report's JSON form plus the
    removal counts (counts only -- never the removed values or their lengths)."""
    data = redacted.report.to_dict()
    data["redactions"] = dict(redacted.redactions.counts)
    return Payload.from_data(data)


def summary_line(redacted: RedactedReport) -> str:
    """``removed: 2 passwords, 1 host`` -- what redaction took out."""
    return redacted.redactions.summary()


def render_report(redacted: RedactedReport) -> str:
    """The report as a person reads it: a header, the traceback, the comment."""
    report = redacted.report
    env = report.environment
    lines = [
        f"crash report {report.id} -- {report.product} {report.version}",
        f"{env.python_implementation} {env.python_version} on {env.os} {env.arch}",
        "",
        render_exception(report.exception).rstrip("\n"),
    ]
    if report.comment:
        lines += ["", "comment:", *("  " + line for line in report.comment.splitlines())]
    return "\n".join(lines) + "\n"


def render_exception(info: ExceptionInfo, indent: str = "") -> str:
    """An exception chain in the shape Python prints it (oldest first)."""
    parts: list[str] = []
    if info.cause is not None:
        parts.append(render_exception(info.cause, indent))
        parts.append(f"{indent}{_CAUSE if info.link == 'cause' else _CONTEXT}\n\n")
    parts.append(_render_one(info, indent))
    return "".join(parts)


def _render_one(info: ExceptionInfo, indent: str) -> str:
    out: list[str] = []
    if info.frames:
        out.append("Traceback (most recent call last):")
        for index, frame in enumerate(info.frames):
            if info.omitted_frames and index == len(info.frames) // 2:
                out.append(f"  ... {info.omitted_frames} frames omitted ...")
            out.extend(_render_frame(frame))
    message = f"{info.type}: {info.message}" if info.message else info.type
    out.extend(message.splitlines() or [message])
    out.extend(info.notes)
    for number, member in enumerate(info.exceptions, 1):
        out.append(f"+---------------- {number} ----------------")
        out.extend("| " + line for line in render_exception(member).rstrip("\n").splitlines())
    if info.exceptions:
        out.append("+------------------------------------")
    if info.omitted_exceptions:
        out.append(f"... and {info.omitted_exceptions} more exceptions")
    return "".join(f"{indent}{line}\n" for line in out) + ("\n" if info.cause is None else "")


def _render_frame(frame: Frame) -> list[str]:
    where = f"line {frame.line}" if frame.line is not None else "line ?"
    lines = [f'  File "{frame.file}", {where}, in {frame.function}']
    if frame.source:
        lines.append(f"    {frame.source}")
    lines.extend(f"    {name} = {value}" for name, value in frame.locals)
    return lines
