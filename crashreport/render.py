"""render: the views of a ``RedactedReport`` -- readable text, and the payload bytes.

Both are pure functions of the redacted report, so what the user reads and
what is uploaded can never drift apart. The text view follows Python's own
traceback layout (chains oldest first, groups boxed, carets under the failing
expression, "[Previous line repeated N more times]").
"""

from __future__ import annotations

from crashreport.payload import Payload
from crashreport.redact import RedactedReport
from crashreport.report import ExceptionInfo, Frame, SyntaxDetails

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
    ]
    if env.packages:
        lines.append(
            "packages: " + ", ".join(f"{name} {version}" for name, version in env.packages)
        )
    if env.argv:
        lines.append("command line: " + " ".join(env.argv))
    lines.extend(f"{name}={value}" for name, value in env.variables)
    lines += ["", render_exception(report.exception).rstrip("\n")]
    lines.extend(f"[{note}]" for note in report.truncated)
    if report.comment:
        lines += ["", "comment:", *("  " + line for line in report.comment.splitlines())]
    return "\n".join(lines) + "\n"


def render_exception(info: ExceptionInfo, indent: str = "") -> str:
    """An exception chain in the shape Python prints it (oldest first)."""
    parts: list[str] = []
    if info.cause is not None:
        parts.append(render_exception(info.cause, indent))
        parts.append(f"{indent}{_CAUSE if info.link == 'cause' else _CONTEXT}\n\n")
    elif info.omitted_exceptions and not info.exceptions:
        parts.append(f"{indent}[{info.omitted_exceptions} earlier exceptions of the chain cut]\n\n")
    parts.append(_render_one(info, indent))
    return "".join(parts)


def _render_one(info: ExceptionInfo, indent: str) -> str:
    out: list[str] = []
    if info.frames:
        out.append("Traceback (most recent call last):")
        half = (len(info.frames) + 1) // 2
        for index, frame in enumerate(info.frames):
            if info.omitted_frames and index == half:
                out.append(f"  ... {info.omitted_frames} frames omitted ...")
            out.extend(_render_frame(frame))
    if info.syntax is not None:
        out.extend(_render_syntax(info.syntax))
    message = f"{info.type}: {info.message}" if info.message else info.type
    out.extend(message.splitlines() or [message])
    out.extend(info.notes)
    for number, member in enumerate(info.exceptions, 1):
        out.append(f"+---------------- {number} ----------------")
        out.extend("| " + line for line in render_exception(member).rstrip("\n").splitlines())
    if info.exceptions:
        out.append("+------------------------------------")
    if info.omitted_exceptions and info.exceptions:
        out.append(f"... and {info.omitted_exceptions} more exceptions")
    return "".join(f"{indent}{line}\n" for line in out) + ("\n" if info.cause is None else "")


def _render_frame(frame: Frame) -> list[str]:
    where = f"line {frame.line}" if frame.line is not None else "line ?"
    lines = [f'  File "{frame.file}", {where}, in {frame.function}']
    if frame.source:
        lines.append(f"    {frame.source}")
        carets = _carets(frame.source, frame.column, frame.end_column, frame.end_line == frame.line)
        if carets:
            lines.append(f"    {carets}")
    lines.extend(f"    {name} = {value}" for name, value in frame.locals)
    if frame.repeated:
        what = "line" if frame.repeated_span == 1 else f"{frame.repeated_span} frames"
        lines.append(f"  [Previous {what} repeated {frame.repeated} more times]")
    return lines


def _carets(source: str, column: int | None, end: int | None, one_line: bool) -> str:
    # like Python 3.11: no carets when they would underline the whole line
    if column is None:
        return ""
    stop = end if one_line and end is not None else len(source)
    if not 0 <= column < stop <= len(source) or (column == 0 and stop == len(source)):
        return ""
    return " " * column + "^" * (stop - column)


def _render_syntax(syntax: SyntaxDetails) -> list[str]:
    where = f", line {syntax.line}" if syntax.line is not None else ""
    lines = [f'  File "{syntax.file or "<unknown>"}"{where}']
    if syntax.text:
        lines.append(f"    {syntax.text}")
        if syntax.column is not None:
            end = syntax.end_column if syntax.end_column is not None else syntax.column + 1
            end = max(min(end, len(syntax.text) + 1), syntax.column + 1)
            lines.append("    " + " " * syntax.column + "^" * (end - syntax.column))
    return lines
