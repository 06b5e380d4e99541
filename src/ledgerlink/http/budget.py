"""The per-tenant rate budget: Xero's limits enforced before a call is sent (in-memory budget).

Xero allows, per app and organisation (tenant), 5 calls in flight, 60 a minute and 5000 a day,
and per app 10,000 a minute; a call over any of them is refused with a 429. A `RateBudget`
hands out a `Permit` per call *before* it is sent, so callers wait their turn instead of
collecting 429s. One budget object is shared by every caller in a process (`MemoryBudget`,
the embedded default) or by every process (`RedisBudget` in `budget_redis`).

Window arithmetic. Our minute and day windows are *moving* windows: a call granted at t counts
until t + window + `window_margin`. A moving window is safe whichever arithmetic Xero really
uses (rolling or a fixed calendar minute: every fixed minute lies inside one of our windows).
The margin (1 s by default) covers the gap between the moment we count a call and the moment
Xero does (transit and queueing jitter, clock skew between our processes): a call we count at
t may reach Xero up to `window_margin` later and still cannot be the one over the limit there.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import Protocol

from ledgerlink.errors import RateLimitedError
from ledgerlink.http.clock import Clock, SystemClock

# Float sums such as 0.1 + 60.9 land a hair short of the intended instant; without this a timer
# could wake 1e-14 s early forever.
_EPSILON = 1e-6


class Priority(IntEnum):
    """Who goes first when a tenant's budget is short: lower values first."""

    INTERACTIVE = 0  # API queries and actions: a person is waiting
    BACKGROUND = 1  # syncs and automations


@dataclass(frozen=True)
class XeroLimits:
    """Xero's published limits, and how long we keep a call in each window."""

    concurrent: int = 5
    per_minute: int = 60
    per_day: int = 5000
    app_per_minute: int = 10000
    minute_window: float = 60.0
    day_window: float = 86400.0
    window_margin: float = 1.0  # seconds added to each window (see the module docstring)

    def __post_init__(self) -> None:
        for name in ("concurrent", "per_minute", "per_day", "app_per_minute"):
            if getattr(self, name) < 1:
                raise ValueError(f"XeroLimits.{name} must be at least 1")
        if self.minute_window <= 0 or self.day_window <= 0 or self.window_margin < 0:
            raise ValueError("XeroLimits windows must be positive and the margin not negative")

    @property
    def minute_span(self) -> float:
        """How long a call counts against the minute limits here (window plus margin)."""
        return self.minute_window + self.window_margin

    @property
    def day_span(self) -> float:
        """How long a call counts against the day limit here (window plus margin)."""
        return self.day_window + self.window_margin


class Permit:
    """The right to send one call; release it when the response has arrived (idempotent)."""

    def __init__(self, on_release: Callable[[], Awaitable[None]]) -> None:
        self._on_release = on_release
        self._released = False

    @property
    def released(self) -> bool:
        """Whether release() has run."""
        return self._released

    async def release(self) -> None:
        """Give the concurrency slot back; the call stays counted in its windows."""
        if self._released:
            return
        self._released = True
        await self._on_release()

    async def __aenter__(self) -> Permit:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.release()


class RateBudget(Protocol):
    """What the HTTP layer needs of a rate budget."""

    async def acquire(self, app_id: str, tenant_id: str,
                      priority: Priority = Priority.INTERACTIVE) -> Permit:
        """Wait for a slot under every limit; raise RateLimitedError(problem="day") at once
        when the day's budget is spent."""
        ...

    async def observe(self, app_id: str, tenant_id: str, headers: Mapping[str, str]) -> None:
        """Resynchronise from Xero's X-*Limit-Remaining headers (only ever downwards)."""
        ...

    async def penalise(self, app_id: str, tenant_id: str, problem: str | None,
                       retry_after: float) -> None:
        """After a 429: hold the named limit (minute, day, appminute, concurrent) that long."""
        ...


REMAINING_HEADERS = {
    "x-minlimit-remaining": "minute",
    "x-daylimit-remaining": "day",
    "x-appminlimit-remaining": "appminute",
}


def remaining_from_headers(headers: Mapping[str, str]) -> dict[str, int]:
    """{"minute"|"day"|"appminute": calls Xero says remain}, ignoring absent or garbled ones."""
    found: dict[str, int] = {}
    for name, value in headers.items():
        limit = REMAINING_HEADERS.get(name.lower())
        if limit is None:
            continue
        with contextlib.suppress(ValueError):
            found[limit] = max(0, int(str(value).strip()))
    return found


def normalise_problem(problem: str | None) -> str:
    """Xero's X-Rate-Limit-Problem as one of minute, day, appminute, concurrent.

    Xero's value for the concurrency limit is undocumented; anything unrecognised is treated
    as the tenant's minute limit, which holds the tenant without touching its day.
    """
    key = (problem or "").strip().lower().replace("-", "").replace("_", "")
    if key.startswith("appmin"):
        return "appminute"
    if key.startswith("day"):
        return "day"
    if key.startswith("concurren"):
        return "concurrent"
    return "minute"


def day_spent_error(retry_at: float) -> RateLimitedError:
    """The fail-fast error for a spent day budget, saying when it returns."""
    when = datetime.fromtimestamp(retry_at, tz=UTC)
    return RateLimitedError(
        f"Xero's daily call limit for this organisation is used up; calls can resume at "
        f"{when.isoformat(timespec='seconds')}.", problem="day", retry_at=when,
        provider_status=None)


def _prune(log: deque[float], now: float, span: float) -> None:
    """Forget calls that have left the window."""
    while log and log[0] + span <= now + _EPSILON:
        log.popleft()


def _frees_at(log: deque[float], limit: int, span: float) -> float | None:
    """When the log next has room for one call, or None when it has room now."""
    if len(log) < limit:
        return None
    # Enough of the oldest calls must leave that fewer than `limit` remain.
    return log[len(log) - limit] + span


def _resync(log: deque[float], limit: int, theirs: int, now: float) -> None:
    """Count calls we did not see, so our remaining never exceeds Xero's."""
    ours = limit - len(log)
    if theirs < ours:
        # Unknown calls are dated now: the latest they can leave Xero's window.
        log.extend([now] * (ours - theirs))


@dataclass
class _Waiter:
    priority: Priority
    future: asyncio.Future[Permit]


@dataclass
class _Tenant:
    in_flight: int = 0
    minute: deque[float] = field(default_factory=deque)
    day: deque[float] = field(default_factory=deque)
    held_until: float = 0.0  # a minute/concurrent penalty
    day_held_until: float = 0.0  # a day penalty
    queues: tuple[deque[_Waiter], deque[_Waiter]] = field(
        default_factory=lambda: (deque(), deque()))

    def head(self) -> _Waiter | None:
        """The next waiter to serve: interactive before background, first come first served."""
        for queue in self.queues:
            while queue and queue[0].future.done():
                queue.popleft()  # cancelled while waiting
            if queue:
                return queue[0]
        return None


@dataclass
class _App:
    minute: deque[float] = field(default_factory=deque)
    held_until: float = 0.0  # an appminute penalty
    tenants: dict[str, _Tenant] = field(default_factory=dict)


class MemoryBudget:
    """The budget of one process, on the injected clock (exact under FakeClock).

    Waiters queue per tenant in priority order and are served by `_pump`, which runs after
    every acquire, release and penalty; one timer (the only sleeper, so a FakeClock moves
    exactly as far as the earliest deadline) wakes it when a window or penalty ends.
    Use it from one event loop.
    """

    def __init__(self, limits: XeroLimits | None = None, clock: Clock | None = None) -> None:
        self.limits = limits or XeroLimits()
        self.clock: Clock = clock or SystemClock()
        self._apps: dict[str, _App] = {}
        # Only tenants with callers queued are visited by _pump, so it costs nothing per idle one.
        self._waiting: dict[tuple[str, str], tuple[_App, _Tenant]] = {}
        self._timer: asyncio.Task[None] | None = None
        self._timer_due = 0.0

    async def acquire(self, app_id: str, tenant_id: str,
                      priority: Priority = Priority.INTERACTIVE) -> Permit:
        """Wait for a slot under every limit; raise at once when the day is spent."""
        app, tenant = self._entry(app_id, tenant_id)
        now = self.clock.monotonic()
        spent = self._day_spent_until(tenant, now)
        if spent is not None:
            raise day_spent_error(self._wall(spent, now))
        waiter = _Waiter(priority, asyncio.get_running_loop().create_future())
        tenant.queues[priority].append(waiter)
        self._waiting[app_id, tenant_id] = (app, tenant)
        self._pump()
        try:
            return await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled() \
                    and waiter.future.exception() is None:
                await waiter.future.result().release()  # granted as we were cancelled
            else:
                with contextlib.suppress(ValueError):
                    tenant.queues[priority].remove(waiter)
                self._pump()
            raise

    async def observe(self, app_id: str, tenant_id: str, headers: Mapping[str, str]) -> None:
        """Count calls Xero saw and we did not (another process, a restart); never uncount."""
        app, tenant = self._entry(app_id, tenant_id)
        now = self.clock.monotonic()
        self._prune(app, tenant, now)
        remaining = remaining_from_headers(headers)
        lim = self.limits
        if "minute" in remaining:
            _resync(tenant.minute, lim.per_minute, remaining["minute"], now)
        if "day" in remaining:
            _resync(tenant.day, lim.per_day, remaining["day"], now)
        if "appminute" in remaining:
            _resync(app.minute, lim.app_per_minute, remaining["appminute"], now)

    async def penalise(self, app_id: str, tenant_id: str, problem: str | None,
                       retry_after: float) -> None:
        """Hold the limit a 429 named until Retry-After has passed."""
        app, tenant = self._entry(app_id, tenant_id)
        until = self.clock.monotonic() + max(0.0, retry_after)
        kind = normalise_problem(problem)
        if kind == "day":
            tenant.day_held_until = max(tenant.day_held_until, until)
        elif kind == "appminute":
            app.held_until = max(app.held_until, until)
        else:
            tenant.held_until = max(tenant.held_until, until)
        self._pump()

    async def aclose(self) -> None:
        """Stop the timer (waiters still queued stay queued)."""
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        self._timer = None

    def in_flight(self, app_id: str, tenant_id: str) -> int:
        """Permits of this tenant not yet released."""
        return self._entry(app_id, tenant_id)[1].in_flight

    def _entry(self, app_id: str, tenant_id: str) -> tuple[_App, _Tenant]:
        app = self._apps.setdefault(app_id, _App())
        return app, app.tenants.setdefault(tenant_id, _Tenant())

    def _wall(self, mono: float, now: float) -> float:
        """A monotonic instant as epoch seconds."""
        return self.clock.time() + (mono - now)

    def _prune(self, app: _App, tenant: _Tenant, now: float) -> None:
        _prune(tenant.minute, now, self.limits.minute_span)
        _prune(tenant.day, now, self.limits.day_span)
        _prune(app.minute, now, self.limits.minute_span)

    def _day_spent_until(self, tenant: _Tenant, now: float) -> float | None:
        """When the day budget returns if it is spent now, else None."""
        _prune(tenant.day, now, self.limits.day_span)
        frees = _frees_at(tenant.day, self.limits.per_day, self.limits.day_span)
        if tenant.day_held_until > now + _EPSILON:
            frees = max(frees or 0.0, tenant.day_held_until)
        return frees

    def _blocked_until(self, app: _App, tenant: _Tenant, now: float) -> tuple[bool, float | None]:
        """(whether a call may go now, when the time-based holds end if it may not)."""
        lim = self.limits
        times = [t for t in (
            _frees_at(tenant.minute, lim.per_minute, lim.minute_span),
            _frees_at(app.minute, lim.app_per_minute, lim.minute_span),
            tenant.held_until, app.held_until) if t is not None and t > now + _EPSILON]
        busy = tenant.in_flight >= lim.concurrent
        if not times and not busy:
            return True, None
        # Windows only empty as time passes, so the latest hold is when all have ended;
        # a busy tenant is woken by a release instead.
        return False, max(times) if times else None

    def _pump(self) -> None:
        """Serve every waiter that may go now and arm the timer for the next deadline."""
        now = self.clock.monotonic()
        due: float | None = None
        for key, (app, tenant) in list(self._waiting.items()):
            self._prune(app, tenant, now)
            when = self._serve(app, tenant, now)
            if tenant.head() is None:
                del self._waiting[key]
            if when is not None:
                due = when if due is None else min(due, when)
        if due is not None:
            self._arm(due, now)

    def _serve(self, app: _App, tenant: _Tenant, now: float) -> float | None:
        """Grant the tenant's waiters in order until one must wait; return when to retry."""
        while (waiter := tenant.head()) is not None:
            spent = self._day_spent_until(tenant, now)
            if spent is not None:
                tenant.queues[waiter.priority].popleft()
                waiter.future.set_exception(day_spent_error(self._wall(spent, now)))
                continue
            ready, when = self._blocked_until(app, tenant, now)
            if not ready:
                return when  # nobody overtakes the head: priority and order hold
            tenant.queues[waiter.priority].popleft()
            waiter.future.set_result(self._grant(app, tenant, now))
        return None

    def _grant(self, app: _App, tenant: _Tenant, now: float) -> Permit:
        tenant.in_flight += 1
        tenant.minute.append(now)
        tenant.day.append(now)
        app.minute.append(now)

        async def release() -> None:
            tenant.in_flight -= 1
            self._pump()

        return Permit(release)

    def _arm(self, due: float, now: float) -> None:
        """Make sure the timer fires by `due`."""
        if self._timer is not None and not self._timer.done():
            if self._timer_due <= due + _EPSILON:
                return
            self._timer.cancel()
        self._timer_due = due
        self._timer = asyncio.get_running_loop().create_task(self._tick(due - now))

    async def _tick(self, delay: float) -> None:
        await self.clock.sleep(max(delay, _EPSILON))
        self._timer = None
        self._pump()
