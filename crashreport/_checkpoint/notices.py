"""What the checkpoint tells the user: the first-run notice, update and security notices.

Imported by the start-up check only when there is something to do: a notice
is due, or a ping is (which waits for the first-run notice).
"""

from __future__ import annotations

import sys

from crashreport._checkpoint import files
from crashreport.checkpoint import FIELDS, REMIND_EVERY, Paths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from crashreport.config import Config

__all__ = ["first_run_notice", "follow_up", "pending_notices"]


def _say(text: str) -> None:
    try:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    except Exception:  # noqa: S110 - stderr closed: nobody to tell
        pass


def follow_up(config: Config, paths: Paths, now: float, *, at_terminal: bool) -> None:
    """Show the notices due at a terminal, then start the ping if it is due.

    The first ping of a product waits for a run after its first-run notice was
    shown, so nobody is counted before being told. Raises ``OSError`` if the
    cache cannot be written (the caller then sends nothing).
    """
    # Each notice is recorded before it is shown: a cache that cannot be
    # written must not turn a one-time notice into one on every run.
    state_path = paths.state(config.product)
    state = files.read_state(state_path)
    if at_terminal:
        notices = pending_notices(state, config, now)
        if notices:
            files.write_state(state_path, state)
            _say("\n".join(notices))
    if state.is_due(config, now):
        if state.noticed:
            from crashreport._checkpoint.ping import launch

            launch(config, paths, now)
        elif at_terminal:
            state.noticed = now
            files.write_state(state_path, state)
            _say(first_run_notice(config))


def pending_notices(state: files.State, config: Config, now: float) -> list[str]:
    """The notice lines due now, from the cached answer; marks them shown in ``state``.

    The update notice at most every 48 hours, each alert once; nothing when
    notices are hidden or the answer was about another version of the host.
    """
    if config.hide_notices or state.version != config.version or not state.answered:
        return []
    lines = []
    if (
        state.update is not None
        and state.update[0] != config.version
        and not 0 <= now - state.reminded < REMIND_EVERY
    ):
        current, url = state.update
        where = f": {url}" if url else ""
        lines.append(
            f"{config.product}: a new version {current} is available"
            f" (you have {config.version}){where}"
        )
        state.reminded = now
    for alert in state.alerts:
        if alert.id not in state.shown:
            where = f" ({alert.url})" if alert.url else ""
            lines.append(f"{config.product}: {alert.level}: {alert.message}{where}")
    state.shown = tuple(alert.id for alert in state.alerts)
    return lines


def _every(seconds: float) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
    return f"{seconds:g} seconds"


def first_run_notice(config: Config) -> str:
    """What the user reads once, before the first ping of ``config.product``."""
    host = (config.checkpoint_url or "").partition("://")[2].partition("/")[0]
    every = _every(config.checkpoint_interval)
    return "\n".join(
        (
            f"crashreport: {config.product} will send an anonymous usage ping to {host},"
            f" at most once every {every}, from its next run on.",
            f"  It holds only: {', '.join(FIELDS)} (signature: a random id kept in this"
            " user's cache, never derived from the machine).",
            "  No command line, paths, environment, host or user names. Its answer brings"
            " news of new versions and security alerts.",
            "  To turn it off: set CHECKPOINT_DISABLE=1 (or DO_NOT_TRACK=1), or run"
            " `python -m crashreport telemetry disable`. This notice is shown once.",
        )
    )
