"""``crashreport telemetry status | enable | disable``: the usage ping, seen and switched.

``status`` shows whether the ping is on and why (which variable, which file),
where the signature is kept, and the exact request a ping would make now. It
sends nothing and writes nothing. ``enable`` and ``disable`` store the user's
choice for every program that uses crashreport; opt-outs in the environment
still win over a stored ``enable``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

from crashreport import checkpoint
from crashreport._checkpoint import files
from crashreport._checkpoint.ping import payload, request_url
from crashreport.cli import command_config

__all__ = ["add_parser", "status"]

NO_SIGNATURE = "<a new random id, made at the first ping>"


def add_parser(commands: Any) -> None:
    """Register ``telemetry`` and its sub-commands."""
    telemetry = commands.add_parser(
        "telemetry",
        help="the anonymous usage ping: status, enable, disable",
        description="The anonymous usage ping (the checkpoint): see whether it is on and "
        "what it would send, or store your choice for every program using crashreport. "
        "CHECKPOINT_DISABLE=1, DO_NOT_TRACK=1, CRASHREPORT_TELEMETRY=0 and CI always win.",
    )
    verbs = telemetry.add_subparsers(dest="verb", required=True)
    show = verbs.add_parser(
        "status",
        help="whether the ping is on and why, and exactly what it would send (sends nothing)",
    )
    show.add_argument("--product", help="the program to show (default: from pyproject/env)")
    show.add_argument("--app-version", help="its version (default: from pyproject/env)")
    show.add_argument("--checkpoint-url", help="its checkpoint URL (default: from pyproject/env)")
    show.add_argument("--json", action="store_true", help="print it as one JSON object")
    show.set_defaults(func=_status)
    for verb, text in (("enable", "turn the ping on"), ("disable", "turn the ping off")):
        verbs.add_parser(verb, help=f"{text} for every program using crashreport").set_defaults(
            func=_choose, choice=f"{verb}d"
        )


def status(config: Any, now: float | None = None) -> dict[str, Any]:
    """What ``telemetry status`` reports, as data (read-only: nothing is written or sent)."""
    now = time.time() if now is None else now
    paths = checkpoint.Paths()
    enabled, reason = checkpoint.decide(config, os.environ, paths)
    signature = files.read_signature(paths.signature)
    state_path = paths.state(config.product)
    state = files.read_state(state_path)
    fields = payload(config, signature or NO_SIGNATURE, now)
    return {
        "enabled": enabled,
        "reason": reason,
        "choice": {"path": paths.choice, "value": checkpoint.read_choice(paths.choice)},
        "signature": {"path": paths.signature, "value": signature},
        "product": {
            "name": config.product,
            "version": config.version,
            "state_path": state_path,
            "notice_shown": bool(state.noticed),
            "last_ping": state.checked or None,
            "next_ping": state.checked + config.checkpoint_interval if state.checked else None,
        },
        "products_seen": _products_seen(paths),
        "request": {
            "method": "GET",
            "url": request_url(config, fields) if config.checkpoint_url else None,
            "fields": dict(fields),
        },
    }


def _products_seen(paths: checkpoint.Paths) -> list[str]:
    """The products that keep checkpoint state here (their file names decoded)."""
    from urllib.parse import unquote

    try:
        names = sorted(os.listdir(paths.cache))
    except OSError:
        return []
    return [unquote(name[: -len(".state")]) for name in names if name.endswith(".state")]


def _when(stamp: float | None, now: float) -> str:
    if stamp is None:
        return "never"
    text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))
    delta = stamp - now
    if abs(delta) < 60:
        return f"{text} (now)"
    hours = abs(delta) / 3600
    span = f"{hours:.1f} h" if hours >= 1 else f"{abs(delta) / 60:.0f} min"
    return f"{text} ({span} ago)" if delta < 0 else f"{text} (in {span})"


def _status(args: argparse.Namespace) -> int:
    config = command_config(
        product=args.product, version=args.app_version, checkpoint_url=args.checkpoint_url
    )
    now = time.time()
    info = status(config, now)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    product, request = info["product"], info["request"]
    choice = info["choice"]["value"] or "none stored"
    if not info["enabled"]:
        next_ping = "none (the ping is off)"
    elif not product["notice_shown"]:
        next_ping = "after the first-run notice was shown at a terminal"
    else:
        next_ping = _when(max(product["next_ping"] or now, now), now)
    lines = [
        f"usage ping: {'on' if info['enabled'] else 'off'} -- {info['reason']}",
        f"your choice: {choice} ({info['choice']['path']})",
        f"signature: {info['signature']['path']}"
        + ("" if info["signature"]["value"] else " (none yet)"),
        f"{product['name']} {product['version']}: last ping {_when(product['last_ping'], now)};"
        f" next ping {next_ping}",
        f"state file: {product['state_path']}",
        f"programs with checkpoint state here: {', '.join(info['products_seen']) or 'none'}",
        "",
        "A ping sends exactly this (this command sends nothing):",
        f"  {request['method']} {request['url'] or '<no checkpoint URL configured>'}",
    ]
    width = max(len(name) for name in request["fields"])
    lines += [f"  {name:<{width}}  {value}" for name, value in request["fields"].items()]
    print("\n".join(lines))
    return 0


def _choose(args: argparse.Namespace) -> int:
    paths = checkpoint.Paths()
    try:
        files.write_choice(paths.choice, args.choice)
    except OSError as exc:
        sys.stderr.write(
            f"crashreport: cannot store your choice in {paths.choice}: {exc.strerror or exc}\n"
        )
        return 1
    word = "on" if args.choice == "enabled" else "off"
    print(f"usage ping turned {word} for every program using crashreport (saved in {paths.choice})")
    if args.choice == "enabled":
        reason = checkpoint.opt_out(os.environ, command_config().telemetry)
        if reason is not None:
            print(f"note: it stays off while {reason}")
    return 0
