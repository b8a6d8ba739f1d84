"""retry: try again, with exponential backoff and jitter, within a time budget.

Only failures that say "later may work" are retried (``Delivery.retry``: a
refused or broken connection, a timeout, a 5xx, 408, 429); the server's own
delay (``Retry-After``, ``X-Sentry-Rate-Limits``) wins over the backoff. The
budget is total: when the next try could not finish inside it, the last
failure is returned at once -- the report then waits in the outbox -- so the
host app's exit is never held for long.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import attrs

from crashreport.transport.base import Delivery

__all__ = ["MIN_ATTEMPT", "Backoff", "run"]

MIN_ATTEMPT = 0.25  # seconds: a try with less time left than this cannot succeed
_LONGEST_WAIT = 86_400.0  # a server asking for more than a day is asking for a day


@attrs.frozen
class Backoff:
    """Delays between tries: ``base * 2**(n-1)``, at most ``cap``, with jitter.

    The jitter ("equal jitter") keeps each delay between half and all of its
    step, so clients that failed together do not come back together, and no
    retry comes back immediately.
    """

    base: float = 0.25
    cap: float = 4.0

    def delay(self, tries: int, jitter: float) -> float:
        """The wait after ``tries`` failed tries; ``jitter`` is uniform in [0, 1)."""
        step = min(self.cap, self.base * 2.0 ** max(0, tries - 1))
        return step * (0.5 + 0.5 * jitter)


def run(
    attempt: Callable[[float], Delivery],
    budget: float,
    *,
    backoff: Backoff | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> Delivery:
    """Call ``attempt(seconds_left)`` until it delivers, gives up, or time runs out.

    Returns the last ``Delivery`` (its ``retry_after`` is the delay still asked
    for, if any), with ``attempts`` set to the number of requests made.
    """
    steps = backoff or Backoff()
    deadline = clock() + budget
    tries = requests = 0
    while True:
        delivery = attempt(max(deadline - clock(), MIN_ATTEMPT))
        tries += 1
        requests += delivery.attempts  # 0 when the try was refused before any request
        if delivery.delivered or not delivery.retry:
            return attrs.evolve(delivery, attempts=requests)
        asked = delivery.retry_after
        wait = (
            steps.delay(tries, jitter()) if asked is None else min(max(asked, 0.0), _LONGEST_WAIT)
        )
        if clock() + wait + MIN_ATTEMPT > deadline:
            return attrs.evolve(delivery, attempts=requests)
        sleep(wait)
