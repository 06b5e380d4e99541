"""The one retry policy for provider calls: jittered doubling backoff that honours Retry-After."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx2

from ledgerlink.errors import RateLimitedError, TransportError
from ledgerlink.http.clock import Clock, SystemClock

log = logging.getLogger("ledgerlink.http")

Attempt = Callable[[int], Awaitable[httpx2.Response]]

# 501 means "this operation does not exist here": asking again never helps.
_NOT_TRANSIENT_5XX = frozenset({501})
# Failures that happen before the request leaves us: safe to retry even an unkeyed write.
_NEVER_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)
# Answers given before the provider acted (overloaded, offline, throttled): likewise safe.
_NOT_ACTED_ON = frozenset({429, 503})


def retry_after_seconds(response: httpx2.Response, now: float) -> float | None:
    """Seconds the response asks us to wait (Retry-After as seconds or an HTTP date), or None."""
    raw = response.headers.get("retry-after")
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def rate_limit_problem(response: httpx2.Response) -> str:
    """Which limit a 429 names (X-Rate-Limit-Problem, lower case), or "unknown"."""
    return (response.headers.get("x-rate-limit-problem") or "").strip().lower() or "unknown"


def is_retryable_status(status: int) -> bool:
    """Whether an answer with this status may be asked again (never for a 4xx other than 429)."""
    return status == 429 or (status >= 500 and status not in _NOT_TRANSIENT_5XX)


class RetryPolicy:
    """Retries transport errors, 5xx and non-day 429s; returns every other answer as it came.

    The backoff is stamina's formula, `min(wait_max, wait_initial * 2**(n-1) + U(0, jitter))`,
    computed here rather than through `stamina.retry_context`: stamina sleeps with
    `asyncio.sleep` and measures its timeout on the real monotonic clock, neither of which can
    be replaced, while every wait here must go through the injected `clock` so tests are fast
    and exact. (Its `on=` hook may return a custom wait, which would have covered Retry-After.)
    """

    def __init__(self, attempts: int = 6, wait_initial: float = 0.5, wait_max: float = 30.0,
                 wait_jitter: float = 1.0, clock: Clock | None = None, *,
                 max_retry_after: float = 120.0, rng: random.Random | None = None) -> None:
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {attempts}")
        self.attempts = attempts
        self.wait_initial = wait_initial
        self.wait_max = wait_max
        self.wait_jitter = wait_jitter
        self.clock: Clock = clock or SystemClock()
        # A Retry-After longer than this is not waited out: the caller hears when to come back.
        self.max_retry_after = max_retry_after
        self._rng = rng or random.Random()

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based), jitter included."""
        jitter = self._rng.uniform(0, self.wait_jitter) if self.wait_jitter else 0.0
        try:
            return min(self.wait_max, self.wait_initial * 2.0 ** (attempt - 1) + jitter)
        except OverflowError:
            return self.wait_max

    async def call(self, attempt: Attempt, *, operation: str = "request",
                   replay_safe: bool = True) -> httpx2.Response:
        """Run `attempt(n)` for n = 1, 2, … until an answer that is final or attempts run out.

        A 429 for the day limit raises RateLimitedError at once; after the last attempt a 5xx
        is returned (the caller maps it), a transport error raises TransportError and a 429
        raises RateLimitedError. `replay_safe=False` (a write without an idempotency key) keeps
        only the retries that cannot repeat a write: connection failures before sending, 429
        and 503.
        """
        for number in range(1, self.attempts + 1):
            try:
                response = await attempt(number)
            except httpx2.TransportError as exc:
                if not (replay_safe or isinstance(exc, _NEVER_SENT)):
                    raise TransportError(
                        f"{operation}: the connection failed after the request was sent "
                        f"({type(exc).__name__}); a write without an idempotency key is not "
                        "repeated, so it may or may not have taken effect") from exc
                if number == self.attempts:
                    log.warning("%s: giving up after %d attempts: %s", operation, number,
                                type(exc).__name__)
                    raise TransportError(
                        f"{operation}: no answer from the provider after {number} attempts "
                        f"({type(exc).__name__})") from exc
                await self._wait(operation, number, type(exc).__name__, self.backoff(number))
                continue
            status = response.status_code
            last = number == self.attempts or not (replay_safe or status in _NOT_ACTED_ON)
            if status == 429:
                wait = self._rate_limited_wait(response, operation, number, last)
            elif is_retryable_status(status) and not last:
                wait = self.backoff(number)
            else:
                if is_retryable_status(status):
                    log.warning("%s: giving up after %d attempts: status %d", operation, number,
                                status)
                return response
            await response.aclose()
            await self._wait(operation, number, f"status {status}", wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _rate_limited_wait(self, response: httpx2.Response, operation: str, number: int,
                           last: bool) -> float:
        """How long to wait after a 429, or RateLimitedError when waiting is not the answer."""
        now = self.clock.time()
        problem = rate_limit_problem(response)
        retry_after = retry_after_seconds(response, now)
        retry_at = (datetime.fromtimestamp(now + retry_after, UTC)
                    if retry_after is not None else None)
        if problem == "day":
            raise RateLimitedError(
                f"{operation}: the provider's daily call limit for this organisation is spent; "
                f"it returns at {_when(retry_at)}", problem=problem, retry_at=retry_at)
        if retry_after is not None and retry_after > self.max_retry_after:
            raise RateLimitedError(
                f"{operation}: rate limited ({problem}) for {retry_after:.0f} s, longer than we "
                f"wait; try again at {_when(retry_at)}", problem=problem, retry_at=retry_at)
        if last:
            log.warning("%s: giving up after %d attempts: status 429 (%s)", operation, number,
                        problem)
            raise RateLimitedError(
                f"{operation}: still rate limited ({problem}) after {number} attempts; try "
                f"again at {_when(retry_at)}", problem=problem, retry_at=retry_at)
        if retry_after is None:
            return self.backoff(number)
        # At least what the provider asked for, plus jitter so callers held by the same
        # window do not all come back in the same instant.
        jitter = self._rng.uniform(0, self.wait_jitter) if self.wait_jitter else 0.0
        return retry_after + jitter

    async def _wait(self, operation: str, number: int, cause: str, wait: float) -> None:
        # Only the operation, the attempt, the status or error class and the wait: never
        # headers or bodies, which carry tokens and customer data.
        log.info("%s: attempt %d failed (%s); retrying in %.2f s", operation, number, cause,
                 wait)
        await self.clock.sleep(wait)


def _when(retry_at: datetime | None) -> str:
    return retry_at.isoformat() if retry_at else "an unknown time"
