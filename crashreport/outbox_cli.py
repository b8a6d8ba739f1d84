"""``crashreport outbox list | review | send | discard``: reports kept for later."""

from __future__ import annotations

import argparse
import datetime
import sys
from typing import Any

import attrs

from crashreport.cli import command_config
from crashreport.transport import outbox

__all__ = ["add_parser"]


def add_parser(commands: Any) -> None:
    """Register ``outbox`` and its sub-commands."""
    box = commands.add_parser(
        "outbox",
        help="reports kept for later: list, review, send, discard",
        description="Reports wait in the outbox when nobody could be asked (review them) "
        "or when sending failed (they are sent again).",
    )
    verbs = box.add_subparsers(dest="verb", metavar="VERB", required=True)
    verbs.add_parser("list", help="list waiting reports").set_defaults(func=_list)
    verbs.add_parser(
        "review", help="show each report kept from a run nobody could answer, and ask"
    ).set_defaults(func=_review)
    verbs.add_parser("send", help="send the reports you agreed to send").set_defaults(func=_send)
    discard = verbs.add_parser("discard", help="delete waiting reports")
    discard.add_argument("ids", nargs="*", metavar="ID", help="report ids (or their prefixes)")
    discard.add_argument("--all", action="store_true", help="delete every waiting report")
    discard.set_defaults(func=_discard)


def _list(args: argparse.Namespace) -> int:
    waiting = outbox.entries(command_config().outbox_dir)
    if not waiting:
        print("the outbox is empty")
        return 0
    for entry in waiting:
        when = datetime.datetime.fromtimestamp(entry.created).isoformat(timespec="seconds")
        state = "awaiting review" if entry.state == outbox.REVIEW else "queued to send"
        print(f"{entry.payload.report_id}  {when}  {state:16}  to {entry.destination.host}")
    return 0


def _send(args: argparse.Namespace) -> int:
    from crashreport.consent import consented_from_outbox
    from crashreport.transport import for_destination

    config = command_config()
    queued = [e for e in outbox.entries(config.outbox_dir) if e.state == outbox.QUEUED]
    failed = 0
    for entry in queued:
        transport = for_destination(entry.destination, timeout=config.send_timeout)
        if transport is None:
            print(f"{entry.payload.report_id}: no destination recorded; left in the outbox")
            failed += 1
            continue
        delivery = transport.send(consented_from_outbox(entry.payload))
        if delivery.delivered:
            outbox.remove(entry)
            print(f"{entry.payload.report_id}: sent to {entry.destination.host}")
        else:
            failed += 1
            print(f"{entry.payload.report_id}: not sent ({delivery.detail}); left in the outbox")
    print(f"{len(queued) - failed} sent, {failed} waiting")
    return 1 if failed else 0


def _review(args: argparse.Namespace) -> int:
    from crashreport import consent
    from crashreport.handle import deliver
    from crashreport.redact import RedactedReport, Redactions, redact
    from crashreport.render import payload as make_payload
    from crashreport.render import render_report
    from crashreport.report import Report

    config = command_config()
    waiting = [e for e in outbox.entries(config.outbox_dir) if e.state == outbox.REVIEW]
    if not waiting:
        print("no reports await review")
        return 0
    reason = consent.why_not_interactive()
    if reason is not None:
        sys.stderr.write(f"crashreport: review needs someone at a terminal ({reason})\n")
        return 2
    for entry in waiting:
        data = entry.payload.data()
        report = Report.from_dict(data)
        counts = tuple(sorted(data.get("redactions", {}).items()))
        shown = RedactedReport(report, Redactions(counts))
        sys.stderr.write("\n" + render_report(shown) + shown.redactions.summary() + "\n")
        host = entry.destination.host or "nowhere"

        def add_comment(text: str, report: Report = report) -> tuple[Any, str]:
            with_comment = redact(attrs.evolve(report, comment=text), secrets=config.secrets)
            return make_payload(with_comment), with_comment.report.comment

        decision = consent.ask(
            entry.payload, destination=host, add_comment=add_comment, timeout=config.prompt_timeout
        )
        if decision.answer == "timeout":
            continue
        outbox.remove(entry)
        if decision.consented is None:
            print(f"{entry.payload.report_id}: discarded")
            continue
        deliver(decision.consented, entry.destination, config, sys.stderr)
    return 0


def _discard(args: argparse.Namespace) -> int:
    waiting = outbox.entries(command_config().outbox_dir)
    if not args.ids and not args.all:
        sys.stderr.write("crashreport outbox discard: give report IDs, or --all\n")
        return 2
    chosen = [
        e for e in waiting if args.all or any(e.payload.report_id.startswith(i) for i in args.ids)
    ]
    for entry in chosen:
        outbox.remove(entry)
        print(f"{entry.payload.report_id}: discarded")
    unknown = [i for i in args.ids if not any(e.payload.report_id.startswith(i) for e in waiting)]
    for report_id in unknown:
        sys.stderr.write(f"crashreport: no waiting report {report_id}\n")
    return 1 if unknown else 0
