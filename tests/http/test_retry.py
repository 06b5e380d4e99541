"""RetryPolicy: what is retried, how long it waits, and what it gives back when it stops."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx2
import pytest

from ledgerlink.errors import RateLimitedError, TransportError
from ledgerlink.http.retry import RetryPolicy, is_retryable_status, retry_after_seconds
from tests.fakes import FakeClock

pytestmark = pytest.mark.timeout(10)

REQUEST = httpx2.Request("GET", "https://api.xero.com/api.xro/2.0/Invoices")
Outcome = int | tuple[int, dict[str, str]] | Exception


def response(status: int, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(status, headers=headers, request=REQUEST, json={"Status": status})


class Script:
    """Plays a list of outcomes, one per attempt, and records the attempt numbers it saw.

    This drives the policy alone; the client over real HTTP is tested in test_client.py.
    """

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.seen: list[int] = []

    def __call__(self, number: int) -> Awaitable[httpx2.Response]:
        async def run() -> httpx2.Response:
            self.seen.append(number)
            outcome = self.outcomes.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            if isinstance(outcome, tuple):
                return response(*outcome)
            return response(outcome)
        return run()


def policy(clock: FakeClock, attempts: int = 6, **kw: float) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, clock=clock, rng=random.Random(7), **kw)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_backoff_doubles_from_half_a_second_to_the_cap() -> None:
    p = RetryPolicy(wait_jitter=0.0, wait_max=30.0, clock=FakeClock())
    assert [p.backoff(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert p.backoff(10_000) == 30.0  # no overflow


def test_backoff_jitter_stays_within_its_band() -> None:
    p = RetryPolicy(wait_jitter=1.0, clock=FakeClock(), rng=random.Random(1))
    for n in range(1, 6):
        base = 0.5 * 2 ** (n - 1)
        draws = [p.backoff(n) for _ in range(200)]
        assert all(base <= d <= base + 1.0 for d in draws)
        assert len(set(draws)) > 100  # really jittered


def test_defaults_match_the_design() -> None:
    p = RetryPolicy()
    assert (p.attempts, p.wait_initial, p.wait_max, p.wait_jitter) == (6, 0.5, 30.0, 1.0)
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)


async def test_5xx_is_retried_until_success(clock: FakeClock) -> None:
    script = Script(500, 503, 502, 200)
    result = await policy(clock).call(script)
    assert result.status_code == 200
    assert script.seen == [1, 2, 3, 4]
    assert len(clock.slept) == 3
    for n, wait in enumerate(clock.slept, start=1):
        assert 0.5 * 2 ** (n - 1) <= wait <= 0.5 * 2 ** (n - 1) + 1.0


async def test_5xx_on_the_last_attempt_is_returned_for_the_caller_to_map(
        clock: FakeClock) -> None:
    script = Script(*[503] * 4)
    result = await policy(clock, attempts=4).call(script)
    assert result.status_code == 503
    assert script.seen == [1, 2, 3, 4]
    assert len(clock.slept) == 3


async def test_501_is_final(clock: FakeClock) -> None:
    script = Script(501, 200)
    assert (await policy(clock).call(script)).status_code == 501
    assert clock.slept == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 412, 422])
async def test_4xx_is_never_retried(clock: FakeClock, status: int) -> None:
    script = Script(status, 200)
    assert (await policy(clock).call(script)).status_code == status
    assert script.seen == [1]
    assert clock.slept == []


async def test_success_is_returned_at_once(clock: FakeClock) -> None:
    script = Script(201)
    assert (await policy(clock).call(script)).status_code == 201
    assert clock.slept == []


@pytest.mark.parametrize("problem", ["minute", "appminute", "concurrent", "MINUTE", ""])
async def test_429_below_a_day_waits_at_least_retry_after(clock: FakeClock,
                                                         problem: str) -> None:
    script = Script((429, {"Retry-After": "7", "X-Rate-Limit-Problem": problem}), 200)
    assert (await policy(clock).call(script)).status_code == 200
    assert len(clock.slept) == 1
    assert 7.0 <= clock.slept[0] <= 8.0  # Retry-After plus at most the jitter


async def test_429_retry_after_beyond_the_cap_is_still_honoured(clock: FakeClock) -> None:
    # wait_max caps our own backoff, never the provider's instruction.
    script = Script((429, {"Retry-After": "55", "X-Rate-Limit-Problem": "minute"}), 200)
    assert (await policy(clock, wait_max=2.0).call(script)).status_code == 200
    assert clock.slept[0] >= 55.0


async def test_429_with_an_http_date_retry_after(clock: FakeClock) -> None:
    when = datetime.fromtimestamp(clock.time() + 12, UTC)
    script = Script((429, {"Retry-After": format_datetime(when, usegmt=True),
                           "X-Rate-Limit-Problem": "minute"}), 200)
    assert (await policy(clock).call(script)).status_code == 200
    assert 12.0 <= clock.slept[0] <= 13.0


async def test_429_without_retry_after_uses_the_backoff(clock: FakeClock) -> None:
    script = Script(429, 200)
    assert (await policy(clock).call(script)).status_code == 200
    assert 0.5 <= clock.slept[0] <= 1.5


async def test_429_day_fails_at_once_saying_when_the_budget_returns(clock: FakeClock) -> None:
    script = Script((429, {"Retry-After": "3600", "X-Rate-Limit-Problem": "day"}), 200)
    with pytest.raises(RateLimitedError) as caught:
        await policy(clock).call(script, operation="getInvoices")
    err = caught.value
    assert err.problem == "day"
    assert err.retry_at == datetime.fromtimestamp(clock.time() + 3600, UTC)
    assert err.retry_at is not None and err.retry_at.tzinfo is not None
    assert err.details["retry_at"] == err.retry_at.isoformat()
    assert "getInvoices" in err.message and err.retry_at.isoformat() in err.message
    assert script.seen == [1]
    assert clock.slept == []


async def test_429_longer_than_we_wait_fails_at_once(clock: FakeClock) -> None:
    script = Script((429, {"Retry-After": "600", "X-Rate-Limit-Problem": "minute"}), 200)
    with pytest.raises(RateLimitedError) as caught:
        await policy(clock, max_retry_after=120.0).call(script)
    assert caught.value.problem == "minute"
    assert caught.value.retry_at == datetime.fromtimestamp(clock.time() + 600, UTC)
    assert clock.slept == []


async def test_429_outlasting_the_attempts_raises_rate_limited(clock: FakeClock) -> None:
    limited = (429, {"Retry-After": "2", "X-Rate-Limit-Problem": "minute"})
    script = Script(*[limited] * 3)
    with pytest.raises(RateLimitedError) as caught:
        await policy(clock, attempts=3).call(script)
    assert caught.value.problem == "minute"
    assert caught.value.retry_at == datetime.fromtimestamp(clock.time() + 2, UTC)
    assert script.seen == [1, 2, 3]
    assert len(clock.slept) == 2


@pytest.mark.parametrize("error", [
    httpx2.ConnectError("refused"), httpx2.ReadTimeout("slow"), httpx2.WriteTimeout("slow"),
    httpx2.PoolTimeout("busy"), httpx2.RemoteProtocolError("peer closed"),
    httpx2.ReadError("reset"),
])
async def test_transport_errors_are_retried(clock: FakeClock, error: Exception) -> None:
    script = Script(error, 200)
    assert (await policy(clock).call(script)).status_code == 200
    assert script.seen == [1, 2]
    assert len(clock.slept) == 1


async def test_transport_error_on_the_last_attempt_raises_ours_with_the_cause(
        clock: FakeClock) -> None:
    cause = httpx2.ConnectError("refused")
    script = Script(httpx2.ReadTimeout("slow"), httpx2.ConnectError("refused"), cause)
    with pytest.raises(TransportError) as caught:
        await policy(clock, attempts=3).call(script, operation="createInvoices")
    assert caught.value.__cause__ is cause
    assert "createInvoices" in caught.value.message and "3 attempts" in caught.value.message
    assert len(clock.slept) == 2


@pytest.mark.parametrize("error", [
    ValueError("a bug"),
    RateLimitedError("budget spent", problem="day", retry_at=None),
    httpx2.DecodingError("bad gzip"),
    httpx2.TooManyRedirects("loop"),
])
async def test_other_exceptions_pass_through_untouched(clock: FakeClock,
                                                       error: Exception) -> None:
    script = Script(error, 200)
    with pytest.raises(type(error)) as caught:
        await policy(clock).call(script)
    assert caught.value is error
    assert script.seen == [1]
    assert clock.slept == []


async def test_one_attempt_means_no_retry(clock: FakeClock) -> None:
    assert (await policy(clock, attempts=1).call(Script(503, 200))).status_code == 503
    with pytest.raises(TransportError):
        await policy(clock, attempts=1).call(Script(httpx2.ConnectError("x"), 200))
    assert clock.slept == []


async def test_unkeyed_write_is_not_repeated_once_it_may_have_been_sent(
        clock: FakeClock) -> None:
    script = Script(httpx2.ReadTimeout("slow"), 200)
    with pytest.raises(TransportError) as caught:
        await policy(clock).call(script, operation="createInvoices", replay_safe=False)
    assert "may or may not have taken effect" in caught.value.message
    assert script.seen == [1] and clock.slept == []
    for status in (500, 502, 504):
        assert (await policy(clock).call(Script(status, 200), replay_safe=False)
                ).status_code == status
    assert clock.slept == []


@pytest.mark.parametrize("outcome", [
    httpx2.ConnectError("refused"), httpx2.ConnectTimeout("slow"), httpx2.PoolTimeout("busy"),
    503, (429, {"Retry-After": "1", "X-Rate-Limit-Problem": "minute"}),
])
async def test_unkeyed_write_is_retried_when_it_cannot_have_been_acted_on(
        clock: FakeClock, outcome: Outcome) -> None:
    script = Script(outcome, 200)
    assert (await policy(clock).call(script, replay_safe=False)).status_code == 200
    assert script.seen == [1, 2]


async def test_each_retry_is_logged_without_secrets(clock: FakeClock,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    secret = "Bearer eyJ.secret.token"
    script = Script((503, {"Authorization": secret}), httpx2.ConnectError(secret), 200)
    caplog.set_level(logging.INFO, logger="ledgerlink.http")
    await policy(clock).call(script, operation="getContacts")
    retries = [r for r in caplog.records if r.name == "ledgerlink.http"]
    assert len(retries) == 2
    first, second = (r.getMessage() for r in retries)
    assert "getContacts" in first and "attempt 1" in first and "status 503" in first
    assert f"{clock.slept[0]:.2f}" in first
    assert "attempt 2" in second and "ConnectError" in second
    assert "secret" not in caplog.text


async def test_giving_up_is_logged_as_a_warning(clock: FakeClock,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ledgerlink.http")
    await policy(clock, attempts=2).call(Script(500, 500), operation="getItems")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "giving up" in warnings[0].getMessage()


def test_retry_after_parsing() -> None:
    now = 1_700_000_000.0
    assert retry_after_seconds(response(429, {"Retry-After": "5"}), now) == 5.0
    assert retry_after_seconds(response(429, {"Retry-After": " 1.5 "}), now) == 1.5
    assert retry_after_seconds(response(429, {"Retry-After": "-3"}), now) == 0.0
    assert retry_after_seconds(response(429, {"Retry-After": "soon"}), now) is None
    assert retry_after_seconds(response(429), now) is None
    past = format_datetime(datetime.fromtimestamp(now - 60, UTC), usegmt=True)
    assert retry_after_seconds(response(429, {"Retry-After": past}), now) == 0.0


def test_retryable_statuses() -> None:
    assert [s for s in (200, 201, 204, 400, 401, 404, 409, 429, 500, 501, 502, 503, 504)
            if is_retryable_status(s)] == [429, 500, 502, 503, 504]

