"""handle: one crash, end to end -- capture, redact, render, consent, send.

Each stage is a function of the previous stage's value; this module only
wires them and decides what to say. It returns an ``Outcome`` and, for
anything short of a bug in crashreport itself, never raises.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

import attrs

from crashreport import consent
from crashreport.capture import capture
from crashreport.config import Config
from crashreport.outcome import Outcome, Status
from crashreport.payload import ConsentedReport, Payload
from crashreport.redact import RedactedReport, RedactionFailed, redact
from crashreport.render import payload as make_payload
from crashreport.render import render_report
from crashreport.report import Report
from crashreport.transport import Destination, for_destination, outbox

__all__ = ["deliver", "destination_of", "handle", "process"]

REVIEW_HINT = "crashreport outbox review"


def handle(
    exc: BaseException, config: Config, mechanism: str, *, secrets: Iterable[str] = ()
) -> Outcome:
    """Report ``exc`` (called by the hooks, ``guard`` and ``report_exception``)."""
    report = capture(
        exc,
        product=config.product,
        version=config.version,
        mechanism=mechanism,
        capture_locals=config.capture_locals,
    )
    return process(report, config, secrets=secrets)


def destination_of(config: Config) -> Destination:
    """Where this configuration sends reports."""
    return Destination(
        endpoint=config.endpoint, dsn=config.dsn, product=config.product, version=config.version
    )


def process(
    report: Report,
    config: Config,
    *,
    secrets: Iterable[str] = (),
    out: TextIO | None = None,
) -> Outcome:
    """Everything after capture: redact, show, ask, send (or keep, or not)."""
    stream = out or sys.stderr
    secrets = (*config.secrets, *secrets)
    try:
        redacted = redact(report, rules=config.rules, secrets=secrets)
    except RedactionFailed as exc:
        _say(stream, f"{exc}; the report is not offered for sending (nothing was sent)")
        return Outcome(Status.REDACTION_FAILED, report.id, str(exc))

    body = make_payload(redacted)
    destination = destination_of(config)
    where = destination.host
    _show(stream, redacted, where)

    if config.dry_run:
        stream.write(_full_payload(body))
        _say(stream, f"dry run: nothing was sent (it would go to {where or 'nowhere'})")
        return Outcome(Status.DRY_RUN, report.id, "dry run")
    if where is None:
        _say(stream, "no endpoint or dsn is configured: nothing was sent")
        return Outcome(Status.NO_DESTINATION, report.id)

    reason = consent.why_not_interactive()
    if reason is not None:
        return _unanswered(stream, body, destination, config, f"not sent: {reason}")

    def add_comment(text: str) -> tuple[Payload, str]:
        with_comment = redact(
            attrs.evolve(report, comment=text), rules=config.rules, secrets=secrets
        )
        return make_payload(with_comment), with_comment.report.comment

    decision = consent.ask(
        body, destination=where, add_comment=add_comment, timeout=config.prompt_timeout, out=stream
    )
    if decision.answer == "timeout":
        return _unanswered(stream, decision.payload, destination, config, "no answer")
    if decision.consented is None:
        _say(stream, "not sent")
        return Outcome(Status.DECLINED, report.id)
    return deliver(decision.consented, destination, config, stream)


def deliver(
    report: ConsentedReport, destination: Destination, config: Config, stream: TextIO
) -> Outcome:
    """Send a consented report; if that fails, queue it in the outbox."""
    transport = for_destination(destination, timeout=config.send_timeout)
    if transport is None:  # pragma: no cover - process() checked there is a destination
        raise AssertionError("no transport for a configured destination")
    delivery = transport.send(report)
    if delivery.delivered:
        _say(stream, f"report {report.report_id} sent to {destination.host}")
        return Outcome(Status.SENT, report.report_id, delivery.detail)
    path = outbox.keep(report.payload, outbox.QUEUED, destination, config.outbox_dir)
    _say(
        stream,
        f"could not send ({delivery.detail}); it waits in {path} "
        "and is sent on the next run, or now with: crashreport outbox send",
    )
    return Outcome(Status.QUEUED, report.report_id, delivery.detail, str(path))


def _unanswered(
    stream: TextIO, body: Payload, destination: Destination, config: Config, why: str
) -> Outcome:
    if not config.keep_unanswered:
        _say(stream, f"{why}; the report was discarded")
        return Outcome(Status.DISCARDED, body.report_id, why)
    try:
        path = outbox.keep(body, outbox.REVIEW, destination, config.outbox_dir)
    except OSError as exc:
        _say(stream, f"{why}; it could not be kept either ({exc.strerror or exc})")
        return Outcome(Status.DISCARDED, body.report_id, why)
    _say(stream, f"{why}; kept in {path} -- review it with: {REVIEW_HINT}")
    return Outcome(Status.KEPT, body.report_id, why, str(path))


def _show(stream: TextIO, redacted: RedactedReport, where: str | None) -> None:
    stream.write("\n" + render_report(redacted))
    stream.write(f"{redacted.redactions.summary()}\n")
    if where:
        stream.write(f"will be sent to {where} -- only if you say so\n")
    stream.flush()


def _full_payload(body: Payload) -> str:
    return (
        "\nthe full report, every byte that would be sent:\n"
        f"{body.body.decode('utf-8')}-- {len(body.body)} bytes, sha256 {body.digest} --\n"
    )


def _say(stream: TextIO, message: str) -> None:
    stream.write(f"crashreport: {message}\n")
    stream.flush()
