"""handle: one crash, end to end -- capture, redact, render, consent, send.

Each stage is a function of the previous stage's value; this module only
wires them and decides what to say. It returns an ``Outcome`` and, for
anything short of a bug in crashreport itself, never raises.

It is imported when a crash arrives, so it imports only what every report
needs (capture, redaction, rendering); the consent step, the outbox and the
transports load when, and only if, they are about to be used: a dry run
never loads the prompt, and nothing of delivery (attrs, httpx) loads before
the user has answered.
"""

from __future__ import annotations

import sys

from crashreport.capture import capture
from crashreport.outcome import Outcome, Status
from crashreport.redact import RedactedReport, RedactionFailed, Redactions, redact
from crashreport.render import payload as make_payload
from crashreport.render import render_report
from crashreport.report import Report

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any, TextIO

    from crashreport.config import Config
    from crashreport.payload import ConsentedReport, Payload
    from crashreport.transport import Destination

__all__ = [
    "commenter",
    "decide",
    "deliver",
    "destination_of",
    "handle",
    "merge_redactions",
    "process",
    "redacted_from_data",
    "screen",
    "shown_host",
]

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
    from crashreport.transport import Destination

    return Destination(
        endpoint=config.endpoint, dsn=config.dsn, product=config.product, version=config.version
    )


def shown_host(config: Config) -> str | None:
    """``destination_of(config).host`` -- the host the user is told about --
    without loading the transports before the question is asked."""
    from crashreport import config as settings

    return settings.shown_host(config.dsn or config.endpoint)


def process(
    report: Report,
    config: Config,
    *,
    secrets: Iterable[str] = (),
    out: TextIO | None = None,
    prior: Redactions | None = None,
) -> Outcome:
    """Everything after capture: redact, show, ask, send (or keep, or not).

    ``prior`` adds what was removed before (a saved report read back).
    """
    stream = out or sys.stderr
    secrets = (*config.secrets, *secrets)
    try:
        # a report read back (``prior``) counted capture's placeholders already
        redacted = redact(report, rules=config.rules, secrets=secrets, count_hidden=prior is None)
    except RedactionFailed as exc:
        _say(stream, f"{exc}; the report is not offered for sending (nothing was sent)")
        return Outcome(Status.REDACTION_FAILED, report.id, str(exc))
    if prior is not None:
        redacted = RedactedReport(redacted.report, merge_redactions(prior, redacted.redactions))
    add_comment = commenter(report, config, secrets, prior)
    return decide(redacted, config, add_comment=add_comment, out=stream)


def decide(
    redacted: RedactedReport,
    config: Config,
    *,
    add_comment: Callable[[str], tuple[Payload, str]],
    out: TextIO | None = None,
) -> Outcome:
    """Show ``redacted`` and ask; in a dry run only show (the full payload too).

    Nobody to ask (no terminal, CI, ...) or no answer: the report waits in
    the outbox for ``crashreport outbox review`` -- unless the host app set
    ``keep_unanswered=False`` -- and one line says where.
    """
    stream = out or sys.stderr
    body = make_payload(redacted)
    where = shown_host(config)
    if config.dry_run:
        _write(stream, screen(redacted, where) + _full_payload(body))
        would = f"it would go to {where}" if where else "no endpoint or dsn is configured"
        _say(stream, f"dry run: nothing was sent ({would})")
        return Outcome(Status.DRY_RUN, body.report_id, "dry run")
    if where is None:
        _write(stream, screen(redacted, None))
        _say(stream, "no endpoint or dsn is configured: nothing was sent")
        return Outcome(Status.NO_DESTINATION, body.report_id)
    from crashreport import consent  # only now: nothing above asks anything

    with consent.one_at_a_time():  # from the screens to the line saying what became of it
        decision = consent.ask(
            body,
            screen=screen(redacted, where),
            destination=where,
            add_comment=add_comment,
            timeout=config.prompt_timeout,
        )
        if decision.answer in (consent.UNANSWERED, consent.NO_TERMINAL):
            destination = destination_of(config)
            return _unanswered(stream, decision.payload, destination, config, decision.reason)
        if decision.consented is None:
            _say(stream, "not sent" + (f" ({decision.reason})" if decision.reason else ""))
            return Outcome(Status.DECLINED, body.report_id, decision.reason or "declined")
        return deliver(decision.consented, destination_of(config), config, stream)


def screen(redacted: RedactedReport, where: str | None) -> str:
    """What the user reads before the question: the report, what was removed, where it goes."""
    text = "\n" + render_report(redacted) + redacted.redactions.summary() + "\n"
    if where:
        text += f"will be sent to {where} -- only if you say so\n"
    return text


def commenter(
    report: Report,
    config: Config,
    secrets: Iterable[str] = (),
    prior: Redactions | None = None,
) -> Callable[[str], tuple[Payload, str]]:
    """The ``add_comment`` of a conversation about ``report``.

    Each comment is added to those before it, and the whole report is
    redacted again with it, so a host named in the comment gets the same
    placeholder as in the traceback. Returns the new payload and the
    comment as it will be sent. Raises ``RedactionFailed`` (fail closed).
    """
    comments = [report.comment] if report.comment else []
    secrets = tuple(secrets)

    def add_comment(text: str) -> tuple[Payload, str]:
        joined = "\n".join([*comments, text.strip()])
        redacted = redact(
            report.replace(comment=joined),
            rules=config.rules,
            secrets=secrets,
            count_hidden=prior is None,
        )
        if prior is not None:
            redacted = RedactedReport(redacted.report, merge_redactions(prior, redacted.redactions))
        comments.append(text.strip())
        return make_payload(redacted), redacted.report.comment

    return add_comment


def merge_redactions(first: Redactions, second: Redactions) -> Redactions:
    """Both counts added up, in the order the summary uses."""
    from crashreport.redact.engine import KINDS

    counts = dict(first.counts)
    for kind, number in second.counts:
        counts[kind] = counts.get(kind, 0) + number
    return Redactions(tuple((kind, counts[kind]) for kind in KINDS if counts.get(kind)))


def redacted_from_data(data: Mapping[str, Any]) -> RedactedReport:
    """A redacted report read back from its JSON form (a saved or kept payload).

    Raises ``ValueError`` for anything that is not a report. Counts of kinds
    this version does not know are dropped (the summary cannot name them).
    """
    from crashreport.redact.engine import KINDS

    report = Report.from_dict(data)
    raw = data.get("redactions")
    counts = raw if isinstance(raw, dict) else {}
    known = tuple(
        (kind, counts[kind])
        for kind in KINDS
        if isinstance(counts.get(kind), int) and counts[kind] > 0
    )
    return RedactedReport(report, Redactions(known))


def deliver(
    report: ConsentedReport, destination: Destination, config: Config, stream: TextIO
) -> Outcome:
    """Send a consented report, retrying for up to ``config.send_timeout`` seconds;
    if it has not arrived by then, it waits in the outbox (nothing is lost).

    Ctrl-C while sending also leaves it in the outbox, then goes on as Ctrl-C.
    """
    from crashreport.transport import for_destination, outbox
    from crashreport.transport.base import Delivery

    def notice(message: str) -> None:
        _say(stream, message)

    def queue(failure: Delivery) -> str | Outcome:
        # the path it waits at; or, if even the disk fails, the outcome that says so
        state = outbox.QUEUED if failure.retry else outbox.REJECTED
        try:
            path = outbox.keep(
                report, state, destination, config.outbox_dir, failure=failure, say=notice
            )
        except (OSError, ValueError) as exc:
            _say(stream, f"could not send ({failure.detail}), nor keep it ({exc}): it is lost")
            return Outcome(Status.DISCARDED, report.report_id, failure.detail)
        return str(path)

    transport = for_destination(destination, timeout=config.send_timeout)
    if transport is None:  # pragma: no cover - process() checked there is a destination
        raise AssertionError("no transport for a configured destination")
    try:
        delivery = transport.send(report)
    except KeyboardInterrupt:
        kept = queue(Delivery(False, "interrupted", retry=True, attempts=0))
        if not isinstance(kept, Outcome):
            _say(stream, f"interrupted: the report waits in {kept} (crashreport outbox send)")
        raise
    if delivery.delivered:
        _say(stream, f"report {report.report_id} sent to {destination.host}")
        return Outcome(Status.SENT, report.report_id, delivery.detail)
    kept = queue(delivery)
    if isinstance(kept, Outcome):
        return kept
    if delivery.retry:
        _say(
            stream,
            f"could not send ({delivery.detail}); it waits in {kept} "
            "and is sent on the next run, or now with: crashreport outbox send",
        )
    else:
        _say(
            stream,
            f"not delivered ({delivery.detail}); it waits in {kept}: "
            f"retry with crashreport outbox send, or crashreport outbox discard {report.report_id}",
        )
    return Outcome(Status.QUEUED, report.report_id, delivery.detail, kept)


def _unanswered(
    stream: TextIO, body: Payload, destination: Destination, config: Config, why: str
) -> Outcome:
    if not config.keep_unanswered:
        _say(stream, f"not sent: {why}; the report was discarded")
        return Outcome(Status.DISCARDED, body.report_id, why)
    from crashreport.transport import outbox

    try:
        path = outbox.keep(body, outbox.REVIEW, destination, config.outbox_dir)
    except OSError as exc:
        _say(stream, f"not sent: {why}; it could not be kept either ({exc.strerror or exc})")
        return Outcome(Status.DISCARDED, body.report_id, why)
    _say(stream, f"not sent: {why}; kept in {path} -- review it with: {REVIEW_HINT}")
    return Outcome(Status.KEPT, body.report_id, why, str(path))


def _full_payload(body: Payload) -> str:
    return (
        "\nthe full report, every byte that would be sent:\n"
        f"{body.body.decode('utf-8')}-- {len(body.body)} bytes, sha256 {body.digest} --\n"
    )


def _write(stream: TextIO, text: str) -> None:
    # the terminal may be gone (closed window, closed pipe): saying nothing
    # is then the only option, and never a reason to fail
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):
        pass


def _say(stream: TextIO, message: str) -> None:
    _write(stream, f"crashreport: {message}\n")
