"""Making one report, from whichever hook or call asked: the reporter's fault boundary.

Loaded only when an exception arrives (the hooks import it then), so none
of this costs a program that never crashes. One report at a time for the
whole process (a lock: threads crashing together are shown one after the
other, never interleaved), never for a thread that is already making one
(a crash while reporting is not reported again), never while the
interpreter shuts down or in a ``multiprocessing`` worker.
"""

from __future__ import annotations

import _thread
import sys

from crashreport.config import Config
from crashreport.hooks import _mark_seen, _state, say

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from typing import Any

    from crashreport.outcome import Outcome

__all__ = ["report"]


def report(exc: BaseException, mechanism: str, *, contained: bool) -> Outcome | None:
    """Make, show, and (with consent) send a report for ``exc``.

    ``contained``: we are inside an exception hook, the program is ending, and
    nothing may escape (not even KeyboardInterrupt, which here means "stop
    reporting"). Otherwise the host's code is running and an interrupt is its.
    """
    me = _thread.get_ident()
    if me in _state.reporting or sys.is_finalizing() or _in_worker():
        return None
    _mark_seen(exc)
    _state.reporting.add(me)
    try:
        with _state.lock:
            config = _state.config or Config.from_sources({})
            if config.disabled:
                return None
            from crashreport.capture import capture
            from crashreport.handle import process

            made = capture(
                exc,
                product=config.product,
                version=config.version,
                mechanism=mechanism,
                capture_locals=config.capture_locals,
                options=config,
            )
            return process(made, config, secrets=tuple(_state.secrets))
    except (KeyboardInterrupt, SystemExit):
        if not contained:
            raise
        say("interrupted; nothing more was sent")
    except BaseException as error:  # the fault boundary of the whole reporter
        say(f"internal error ({type(error).__name__}: {_safe_str(error)}); nothing was sent")
    finally:
        _state.reporting.discard(me)
    return None


def _in_worker() -> bool:
    """Whether this is a ``multiprocessing`` worker (its failures are the parent's)."""
    process: Any = sys.modules.get("multiprocessing.process")
    try:
        return process is not None and process.parent_process() is not None
    except Exception:
        return False


def _safe_str(error: BaseException) -> str:
    try:
        return str(error)[:200].replace("\n", " ")
    except Exception:
        return "?"
