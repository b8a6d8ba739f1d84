"""Retries: exponential backoff with jitter inside a total budget, the server's own
delay honoured, and no retry of a refusal -- as a bare function, then against real
failing servers on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from crashreport.transport import Destination
from crashreport.transport.base import Delivery
from crashreport.transport.http import JsonTransport
from crashreport.transport.retry import MIN_ATTEMPT, Backoff, run
from fixtures.servers import RESET, Answer, FlakyServer
from tests.conftest import consented

Flaky = Callable[..., FlakyServer]


class Clock:
    """Time that passes only when the code under test sleeps or tries (a unit-test clock)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def scripted(
    clock: Clock, answers: list[Delivery], cost: float = 0.1
) -> Callable[[float], Delivery]:
    """An attempt that takes ``cost`` seconds and answers from ``answers`` in turn."""
    given: list[float] = []

    def attempt(seconds: float) -> Delivery:
        given.append(seconds)
        clock.now += cost
        return answers.pop(0) if len(answers) > 1 else answers[0]

    attempt.given = given  # type: ignore[attr-defined]
    return attempt


FAIL = Delivery(False, "HTTP 503", retry=True)
OK = Delivery(True, "HTTP 200")


def test_backoff_doubles_up_to_its_cap_and_jitter_keeps_at_least_half() -> None:
    """Each step doubles (0.25, 0.5, 1, 2, 4, 4 ...) and jitter moves it within [half, all]."""
    steps = Backoff(base=0.25, cap=4.0)
    assert [steps.delay(n, 1.0 - 1e-12) for n in range(1, 8)] == pytest.approx(
        [0.25, 0.5, 1, 2, 4, 4, 4]
    )
    assert [steps.delay(n, 0.0) for n in range(1, 4)] == pytest.approx([0.125, 0.25, 0.5])


def test_retries_until_delivered_with_growing_waits() -> None:
    """Three failures then success: four tries, and the waits grow."""
    clock = Clock()
    attempt = scripted(clock, [FAIL, FAIL, FAIL, OK])
    result = run(attempt, 10.0, clock=clock, sleep=clock.sleep, jitter=lambda: 0.5)
    assert result.delivered
    assert result.attempts == 4
    assert clock.sleeps == sorted(clock.sleeps)
    assert len(clock.sleeps) == 3
    assert clock.sleeps[0] < clock.sleeps[-1]


def test_the_budget_is_total_and_never_overrun_by_a_wait() -> None:
    """A server that always fails costs at most the budget: no wait is started that
    would end past it, and each try is given only the time left."""
    clock = Clock()
    attempt = scripted(clock, [FAIL])
    result = run(attempt, 3.0, clock=clock, sleep=clock.sleep, jitter=lambda: 0.99)
    assert not result.delivered
    assert result.retry
    assert clock.now <= 3.0
    assert result.attempts == len(attempt.given) > 2  # type: ignore[attr-defined]
    assert all(g <= 3.0 for g in attempt.given)  # type: ignore[attr-defined]


def test_the_servers_retry_after_wins_over_the_backoff() -> None:
    """A Retry-After of 1.5 s is waited exactly, not the backoff's shorter step."""
    clock = Clock()
    attempt = scripted(clock, [Delivery(False, "HTTP 503", retry=True, retry_after=1.5), OK])
    result = run(attempt, 10.0, clock=clock, sleep=clock.sleep)
    assert result.delivered
    assert clock.sleeps == [1.5]


def test_a_wait_longer_than_the_budget_gives_up_at_once_and_keeps_the_delay() -> None:
    """Asked to wait 60 s with 5 s of budget: stop now (the outbox waits instead) and
    hand the 60 s on, so the next delivery honours it."""
    clock = Clock()
    attempt = scripted(clock, [Delivery(False, "HTTP 429", retry=True, retry_after=60)])
    result = run(attempt, 5.0, clock=clock, sleep=clock.sleep)
    assert not result.delivered
    assert result.retry_after == 60
    assert result.attempts == 1
    assert clock.sleeps == []


def test_a_refusal_is_never_retried() -> None:
    """A failure that says "not worth retrying" (a 4xx) ends after one try."""
    clock = Clock()
    attempt = scripted(clock, [Delivery(False, "HTTP 400", status=400), OK])
    result = run(attempt, 10.0, clock=clock, sleep=clock.sleep)
    assert not result.delivered
    assert result.attempts == 1
    assert clock.sleeps == []


def test_a_try_refused_before_any_request_counts_no_request() -> None:
    """A refusal before any request (attempts=0) is reported as zero requests made."""
    clock = Clock()
    result = run(scripted(clock, [Delivery(False, "refused", attempts=0)]), 5.0, clock=clock)
    assert result.attempts == 0


def test_a_late_try_still_gets_a_usable_timeout() -> None:
    """Even when the budget is nearly spent, a try gets at least MIN_ATTEMPT seconds."""
    clock = Clock()
    attempt = scripted(clock, [OK], cost=0)
    clock.now = 0
    run(attempt, 0.01, clock=clock, sleep=clock.sleep)
    assert attempt.given == [MIN_ATTEMPT]  # type: ignore[attr-defined]


# ---------------------------------------------------------------- real servers


def send(url: str, budget: float) -> tuple[Delivery, float]:
    started = time.monotonic()
    delivery = JsonTransport(Destination(endpoint=url), timeout=budget).send(consented())
    return delivery, time.monotonic() - started


def test_a_503_with_retry_after_is_retried_after_that_delay(flaky: Flaky) -> None:
    """503 with Retry-After: 1, then 200: delivered on the second request, which came
    no sooner than the server asked."""
    server = flaky([Answer(503, {"Retry-After": "1"})])
    delivery, elapsed = send(server.url, 5)
    assert delivery.delivered
    assert delivery.attempts == 2
    assert len(server.requests) == 2
    assert len(server.delivered) == 1
    assert elapsed >= 0.95


@pytest.mark.parametrize("failure", [500, 502, 429, 408, RESET])
def test_passing_failures_are_retried_until_delivered(flaky: Flaky, failure: int | str) -> None:
    """Two 5xx, 429, 408 or connection resets in a row, then a working server: delivered,
    once."""
    server = flaky([failure, failure])
    delivery, _ = send(server.url, 8)
    assert delivery.delivered
    assert delivery.attempts == 3
    assert len(server.delivered) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_a_4xx_that_rejects_the_report_is_sent_once(flaky: Flaky, status: int) -> None:
    """The server said the report is wrong for it: one request, no retry."""
    server = flaky(then=status)
    delivery, _ = send(server.url, 5)
    assert not delivery.delivered
    assert not delivery.retry
    assert len(server.requests) == 1


def test_a_server_that_is_always_down_costs_the_budget_and_no_more(flaky: Flaky) -> None:
    """Always 500: several requests, and the whole delivery ends within its budget
    (and a little), so the host's exit is not held for long."""
    server = flaky(then=500)
    delivery, elapsed = send(server.url, 2.0)
    assert not delivery.delivered
    assert delivery.retry
    assert delivery.attempts == len(server.requests) >= 2
    assert elapsed < 2.0 + 1.0


def test_a_refused_connection_is_retried_within_the_budget(flaky: Flaky) -> None:
    """Nobody listening: several tries, all within the budget."""
    server = flaky(listening=False)
    delivery, elapsed = send(server.url, 1.5)
    assert not delivery.delivered
    assert delivery.retry
    assert delivery.attempts >= 2
    assert "could not connect" in delivery.detail
    assert elapsed < 1.5 + 1.0
