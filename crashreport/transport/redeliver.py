"""redeliver: queued reports delivered again -- in the background on the next run, or now.

``schedule(config)`` is what ``install()`` calls on every start of the host
app, so it is nearly free: one ``scandir`` of the outbox directory, and no
import beyond ``os`` and ``sys`` (its directory is found without platformdirs,
which costs ~15 ms to import; a test holds the two to the same answer). Only
when a ``queued`` report is there does it import ``threading`` and start one
daemon thread. That thread never blocks start-up (it runs beside the host's
code) and never holds the exit (the interpreter does not wait for a daemon
thread): a pass cut short leaves its report queued, and the idempotency key
makes a repeat count once.
The whole pass is bounded by ``send_timeout``. Dry runs never send.

``send_waiting`` is the pass itself, shared with ``crashreport outbox send``:
each queued report is claimed (so processes sharing the outbox never send
one twice), sent to the destination stored with it -- where the user agreed
to send it -- and removed, or its failure written down.
"""

from __future__ import annotations

import os

from crashreport.config import QUEUED_SUFFIX
from crashreport.config import outbox_hint as hint_directory

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from crashreport.config import Config
    from crashreport.transport.base import Delivery

__all__ = ["BUSY", "Attempt", "hint_directory", "schedule", "send_waiting"]

BUSY = "not tried: another process is sending it, or has just sent it"


class _State:
    started = False


def schedule(config: Config) -> bool:
    """Start delivering queued reports in the background, if there are any; never raises.

    Returns whether a background pass was started (at most one per process).
    """
    try:
        if _State.started or config.dry_run:
            return False
        folder = config.outbox_dir or hint_directory()
        if folder is None:
            return False
        with os.scandir(folder) as listing:
            if not any(item.name.endswith(QUEUED_SUFFIX) for item in listing):
                return False
        # threading, not _thread: a thread that imports threading first becomes its
        # "main thread", which the interpreter then waits for at exit
        import threading

        from crashreport.hooks import INTERNAL  # loaded already: install() is there

        worker = threading.Thread(
            target=_background,
            args=(config.outbox_dir, config.send_timeout),
            name="crashreport-redeliver",
            daemon=True,  # never holds the host's exit
        )
        setattr(worker, INTERNAL, True)  # never reported as a crash of the host
        worker.start()
        _State.started = True
        return True
    except Exception:  # no outbox yet, unreadable, no threads: nothing to do now
        return False


def _background(directory: str | None, budget: float) -> None:
    import contextlib

    with contextlib.suppress(BaseException):  # a background pass never disturbs the host
        send_waiting(directory, timeout=budget, budget=budget, say=None)


class Attempt:
    """What one waiting report came to in a pass: sent, failed, or not tried (``note`` says why)."""

    __slots__ = ("delivery", "host", "note", "report_id")

    def __init__(
        self, report_id: str, host: str | None, delivery: Delivery | None, note: str = ""
    ) -> None:
        self.report_id = report_id
        self.host = host
        self.delivery = delivery
        self.note = note

    @property
    def delivered(self) -> bool:
        """Whether the report reached the server (and left the outbox)."""
        return self.delivery is not None and self.delivery.delivered

    @property
    def busy(self) -> bool:
        """Whether another process held it (and so it is that process's to report)."""
        return self.note == BUSY

    def __repr__(self) -> str:
        return f"Attempt({self.report_id!r}, {self.host!r}, {self.delivery!r}, {self.note!r})"


def send_waiting(
    directory: str | os.PathLike[str] | None,
    *,
    timeout: float,
    budget: float | None = None,
    only: Collection[str] | None = None,
    include_rejected: bool = False,
    say: Callable[[str], None] | None = None,
) -> list[Attempt]:
    """Send the queued reports (oldest first); what each came to.

    ``timeout`` bounds each report's delivery (retries included), ``budget``
    the whole pass. ``only`` limits it to some report ids; ``include_rejected``
    tries the ones a server refused, too. After a failure worth retrying, the
    other reports for the same destination are not tried in this pass (the
    server is down: no point in waiting for each). ``say`` gets notices about
    the outbox itself (a corrupt file moved aside).
    """
    import time

    from crashreport import consent
    from crashreport.transport import outbox
    from crashreport.transport.base import Delivery, for_destination
    from crashreport.transport.retry import MIN_ATTEMPT

    started = time.monotonic()
    down: dict[str, str] = {}
    results = []
    for entry in outbox.entries(directory, say=say):
        wanted = entry.state == outbox.QUEUED or (
            include_rejected and entry.state == outbox.REJECTED
        )
        if not wanted or (only is not None and entry.report_id not in only):
            continue
        where = entry.destination.dsn or entry.destination.endpoint or ""
        host = entry.destination.host

        def skip(note: str, entry_id: str = entry.report_id, host: str | None = host) -> None:
            results.append(Attempt(entry_id, host, None, note))

        if where in down:
            skip(f"not tried: the last try for {host} failed ({down[where]})")
            continue
        if not entry.due():
            when = time.strftime("%H:%M:%S", time.localtime(entry.not_before))
            skip(f"not tried: the server asked to wait until {when}")
            continue
        seconds = timeout
        if budget is not None:
            seconds = min(timeout, budget - (time.monotonic() - started))
            if seconds < MIN_ATTEMPT:
                skip("not tried: out of time for this pass")
                continue
        with outbox.claim(entry) as held:
            if held is None:
                skip(BUSY)
                continue
            transport = for_destination(held.destination, timeout=seconds)
            if transport is None:
                delivery = Delivery(False, "no destination recorded", attempts=0)
            else:
                delivery = transport.send(consent.consented_from_outbox(held.payload))
            if delivery.delivered:
                outbox.remove(held)
            else:
                outbox.record_failure(held, delivery)
                if delivery.retry:
                    down[where] = delivery.detail
            results.append(Attempt(held.report_id, host, delivery))
    return results
