"""``crashreport outbox list | review | send | discard``: reports kept for later."""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Sequence
from typing import Any

from crashreport.cli import command_config
from crashreport.transport import outbox

__all__ = ["add_parser"]

_STATES = {
    outbox.REVIEW: "awaiting review",
    outbox.QUEUED: "queued to send",
    outbox.REJECTED: "refused",
}


def add_parser(commands: Any) -> None:
    """Register ``outbox`` and its sub-commands."""
    box = commands.add_parser(
        "outbox",
        help="reports kept for later: list, review, send, discard",
        description="Reports wait in the outbox when nobody could be asked (review them), "
        "or when sending failed after you agreed (they are sent again on the next run of "
        "the program, or with `send`).",
    )
    verbs = box.add_subparsers(dest="verb", metavar="VERB", required=True)
    verbs.add_parser("list", help="list waiting reports").set_defaults(func=_list)
    verbs.add_parser(
        "review", help="show each report kept from a run nobody could answer, and ask"
    ).set_defaults(func=_review)
    send = verbs.add_parser(
        "send",
        help="send the reports you agreed to send",
        description="Send the reports you agreed to send (all, or the IDs given), including "
        "ones a server refused before, each to where you agreed to send it. Exit status 0 "
        "when every one was delivered, 1 when some still wait.",
    )
    send.add_argument("ids", nargs="*", metavar="ID", help="report ids (or unique prefixes)")
    send.set_defaults(func=_send)
    discard = verbs.add_parser("discard", help="delete waiting reports")
    discard.add_argument("ids", nargs="*", metavar="ID", help="report ids (or unique prefixes)")
    discard.add_argument("--all", action="store_true", help="delete every waiting report")
    discard.set_defaults(func=_discard)


def _when(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp).isoformat(sep=" ", timespec="seconds")


def _list(args: argparse.Namespace) -> int:
    directory = command_config().outbox_dir
    waiting = outbox.entries(directory)
    print(f"outbox: {directory or outbox.default_directory()}")
    if not waiting:
        print("the outbox is empty")
        return 0
    for entry in waiting:
        line = (
            f"{entry.report_id}  {_when(entry.created)}  {_STATES[entry.state]:15}  "
            f"to {entry.destination.host or 'nowhere'}"
        )
        if entry.attempts or entry.last_error:
            tries = f"{entry.attempts} {'try' if entry.attempts == 1 else 'tries'}"
            line += f"  ({tries}; last: {entry.last_error})"
        if not entry.due() and entry.not_before is not None:
            line += f"  (not before {_when(entry.not_before)})"
        print(line)
    print(f"{len(waiting)} report{'s' if len(waiting) != 1 else ''}")
    return 0


def _pick(
    waiting: Sequence[outbox.Entry], ids: Sequence[str]
) -> tuple[list[outbox.Entry], list[str]]:
    """The entries the IDs (or unique prefixes) name, and a problem line per bad ID."""
    chosen: list[outbox.Entry] = []
    problems = []
    for wanted in ids:
        exact = [e for e in waiting if e.report_id == wanted]
        matches = exact or [e for e in waiting if e.report_id.startswith(wanted)]
        if not matches:
            problems.append(f"no waiting report {wanted}")
        elif len(matches) > 1:
            names = ", ".join(e.report_id for e in matches)
            problems.append(f"{wanted} could be any of {names}: give more of the id")
        elif matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen, problems


def _send(args: argparse.Namespace) -> int:
    from crashreport.transport import redeliver

    config = command_config()
    waiting = outbox.entries(config.outbox_dir)
    chosen, problems = _pick(waiting, args.ids)
    for problem in problems:
        sys.stderr.write(f"crashreport: {problem}\n")
    for entry in chosen:
        if entry.state == outbox.REVIEW:
            sys.stderr.write(
                f"crashreport: {entry.report_id} awaits your review: crashreport outbox review\n"
            )
    sendable = {outbox.QUEUED, outbox.REJECTED}
    only = [e.report_id for e in chosen if e.state in sendable] if args.ids else None
    if only == [] or not any(e.state in sendable for e in waiting):
        print("nothing to send")
        return 1 if problems else 0
    results = redeliver.send_waiting(
        config.outbox_dir, timeout=config.send_timeout, only=only, include_rejected=True
    )
    delivered = busy = 0
    for result in results:
        if result.delivered:
            delivered += 1
            print(f"{result.report_id}: delivered to {result.host}")
        elif result.delivery is not None:
            print(f"{result.report_id}: not delivered ({result.delivery.detail}); still waiting")
        else:
            busy += result.busy
            print(f"{result.report_id}: {result.note}")
    waiting_now = len(results) - delivered - busy
    print(f"{delivered} delivered, {waiting_now} still waiting")
    return 1 if waiting_now or problems else 0


def _review(args: argparse.Namespace) -> int:
    from crashreport import consent
    from crashreport.handle import commenter, deliver, redacted_from_data, screen

    config = command_config()
    waiting = [e for e in outbox.entries(config.outbox_dir) if e.state == outbox.REVIEW]
    if not waiting:
        print("no reports await review")
        return 0
    for number, entry in enumerate(waiting, 1):
        report_id = entry.payload.report_id
        host = entry.destination.host
        try:
            shown = redacted_from_data(entry.payload.data())
        except ValueError as exc:
            sys.stderr.write(f"crashreport: {report_id}: unreadable ({exc}); left in the outbox\n")
            continue
        if host is None:
            sys.stderr.write(f"crashreport: {report_id}: no destination recorded; left as it is\n")
            continue
        when = datetime.datetime.fromtimestamp(entry.created).isoformat(timespec="seconds")
        with consent.one_at_a_time():
            decision = consent.ask(
                entry.payload,  # exactly the bytes kept: what is shown is what is sent
                screen=f"\nreport {number} of {len(waiting)}, kept {when}" + screen(shown, host),
                destination=host,
                add_comment=commenter(shown.report, config, config.secrets, shown.redactions),
                timeout=config.prompt_timeout,
            )
            if decision.answer == consent.NO_TERMINAL:
                sys.stderr.write(
                    f"crashreport: review needs someone at a terminal ({decision.reason})\n"
                )
                return 2
            if decision.answer in (consent.CANCEL, consent.UNANSWERED):
                left = len(waiting) - number + 1
                sys.stderr.write(
                    f"crashreport: review stopped ({decision.reason}); "
                    f"{left} {'reports still await' if left != 1 else 'report still awaits'} "
                    "review\n"
                )
                return 1
            outbox.remove(entry)
            if decision.consented is None:
                print(f"{report_id}: discarded", flush=True)
                continue
            deliver(decision.consented, entry.destination, config, sys.stderr)
    return 0


def _discard(args: argparse.Namespace) -> int:
    if not args.ids and not args.all:
        sys.stderr.write("crashreport outbox discard: give report IDs, or --all\n")
        return 2
    waiting = outbox.entries(command_config().outbox_dir)
    chosen, problems = (list(waiting), []) if args.all else _pick(waiting, args.ids)
    for entry in chosen:
        outbox.remove(entry)
        print(f"{entry.report_id}: discarded")
    for problem in problems:
        sys.stderr.write(f"crashreport: {problem}\n")
    return 1 if problems else 0
