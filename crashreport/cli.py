"""The ``crashreport`` command (also ``python -m crashreport``).

Each command group lives in its own module and registers itself here with
``add_parser(subparsers)``; this module only parses and dispatches.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crashreport import __version__
from crashreport.config import Config, ConfigError

__all__ = ["main", "project_options", "read_input"]

# modules that each define ``add_parser(subparsers)``
COMMAND_MODULES = (
    "crashreport.runner",
    "crashreport.cli",
    "crashreport.demo",
    "crashreport.outbox_cli",
    "crashreport.telemetry_cli",
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="crashreport",
        description="Crash reports your users can trust: redacted, shown, sent only with consent.",
    )
    parser.add_argument("--version", action="version", version=f"crashreport {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(commands)
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help(sys.stderr)
        return 2
    try:
        status: int = args.func(args)
    except ConfigError as exc:
        sys.stderr.write(f"crashreport: configuration error: {exc}\n")
        return 2
    except BrokenPipeError:  # `crashreport redact big.log | head`
        return 0
    return status


def project_options(start: Path | None = None) -> dict[str, Any]:
    """``[tool.crashreport]`` from the nearest ``pyproject.toml`` (cwd and up)."""
    import tomllib

    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"{path}: {exc}") from exc
            section = data.get("tool", {}).get("crashreport", {})
            if not isinstance(section, dict):
                raise ConfigError(f"{path}: [tool.crashreport] must be a table")
            return {key.replace("-", "_"): value for key, value in section.items()}
    return {}


def command_config(**overrides: Any) -> Config:
    """The configuration a command runs with: pyproject, then flags, then environment."""
    options = project_options()
    options.update({k: v for k, v in overrides.items() if v is not None})
    return Config.from_sources(options)


def read_input(source: str) -> str:
    """The text of FILE, or of standard input for ``-``."""
    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise SystemExit(f"crashreport: cannot read {source}: {exc.strerror or exc}") from None
    return data.decode("utf-8", errors="replace")


# ---------------------------------------------------------------- redact, preview


def add_parser(commands: Any) -> None:
    """Register ``redact`` and ``preview``."""
    redact = commands.add_parser(
        "redact",
        help="print the redacted form of a traceback or log",
        description="Print the redacted form of a traceback or log (the pipeline reports use).",
    )
    redact.add_argument("source", nargs="?", default="-", metavar="FILE|-")
    redact.add_argument(
        "--jsonl",
        action="store_true",
        help='read JSON lines {"id": ..., "text": ...}; write the same shape, redacted, in order',
    )
    redact.set_defaults(func=_redact)

    preview = commands.add_parser(
        "preview",
        help="show the report and summary a user would be shown (sends nothing)",
        description="Show, for a traceback text or a saved report, exactly what a user would "
        "see and what would be sent -- without sending anything or opening a socket.",
    )
    preview.add_argument("source", nargs="?", default="-", metavar="FILE|-")
    preview.set_defaults(func=_preview)


def _redact(args: argparse.Namespace) -> int:
    from crashreport.redact import redact_text

    config = command_config()
    text = read_input(args.source)
    if not args.jsonl:
        sys.stdout.write(redact_text(text, rules=config.rules, secrets=config.secrets).text)
        return 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise ValueError("expected an object with a string 'text'")
        except ValueError as exc:
            sys.stderr.write(
                f"crashreport: line {number}: not a JSON line of {{id, text}}: {exc}\n"
            )
            return 2
        record["text"] = redact_text(
            record["text"], rules=config.rules, secrets=config.secrets
        ).text
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


def _preview(args: argparse.Namespace) -> int:
    from crashreport.capture import text_report
    from crashreport.handle import process, redacted_from_data
    from crashreport.outcome import Status

    config = command_config().replace(dry_run=True)
    if args.source == "-" and sys.stdin.isatty():
        sys.stderr.write(
            "crashreport preview: reading a traceback from the terminal; end with Ctrl-D\n"
        )
    text = read_input(args.source)
    if not text.strip():
        sys.stderr.write("crashreport preview: the input is empty: nothing to preview\n")
        return 2
    try:  # a report saved from the prompt ("Save to file"): redacted again, counts kept
        saved = redacted_from_data(json.loads(text))
        report, prior = saved.report, saved.redactions
    except (ValueError, TypeError, AttributeError):  # a plain traceback or log
        report = text_report(text, product=config.product, version=config.version)
        prior = None
    outcome = process(report, config, out=sys.stdout, prior=prior)
    return 1 if outcome.status is Status.REDACTION_FAILED else 0
