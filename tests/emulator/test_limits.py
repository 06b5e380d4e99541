"""Rolling-window rate limits: minute, day, app-minute and concurrency, on a clock we drive."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledgerlink.emulator.core.clock import Clock
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.limits import Lease, RateLimiter
from ledgerlink.emulator.xero.errors import RateLimited

APP, OTHER_APP = "app-1", "app-2"
T1, T2 = "tenant-1", "tenant-2"


class FrozenClock(Clock):
    """A Clock that only moves when told to, so window arithmetic is exact."""

    def __init__(self) -> None:
        super().__init__()
        self._now = datetime(2025, 1, 1, tzinfo=UTC).timestamp()

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


def make(**overrides: object) -> tuple[RateLimiter, FrozenClock, EmulatorConfig]:
    config = EmulatorConfig(**overrides)  # type: ignore[arg-type]
    clock = FrozenClock()
    return RateLimiter(config, clock), clock, config


def call(limiter: RateLimiter, app: str = APP, tenant: str = T1) -> Lease:
    """One complete call: acquire, then release straight away."""
    lease = limiter.acquire(app, tenant)
    lease.release()
    return lease


def refusal(limiter: RateLimiter, app: str = APP, tenant: str = T1) -> RateLimited:
    with pytest.raises(RateLimited) as info:
        limiter.acquire(app, tenant)
    return info.value


def test_headers_count_down_per_call() -> None:
    limiter, _, _ = make()
    seen = [call(limiter).headers() for _ in range(3)]
    assert [h["X-MinLimit-Remaining"] for h in seen] == ["59", "58", "57"]
    assert [h["X-DayLimit-Remaining"] for h in seen] == ["4999", "4998", "4997"]
    assert [h["X-AppMinLimit-Remaining"] for h in seen] == ["9999", "9998", "9997"]


def test_61st_call_in_a_minute_is_refused_until_the_oldest_leaves() -> None:
    limiter, clock, _ = make()
    for _ in range(60):
        call(limiter)
    err = refusal(limiter)
    assert (err.status, err.problem, err.retry_after) == (429, "minute", 60)
    headers = err.headers()
    assert headers["Retry-After"] == "60"
    assert headers["X-Rate-Limit-Problem"] == "minute"
    assert headers["X-MinLimit-Remaining"] == "0"
    assert headers["X-DayLimit-Remaining"] == "4940"

    clock.advance(59.5)
    assert refusal(limiter).retry_after == 1  # ceil(0.5)
    clock.advance(0.5)  # the 60 calls made at t0 leave the window at exactly t0 + 60
    assert call(limiter).headers()["X-MinLimit-Remaining"] == "59"


def test_window_rolls_rather_than_resetting_on_the_minute() -> None:
    limiter, clock, _ = make()
    for _ in range(30):
        call(limiter)
    clock.advance(30)
    for _ in range(30):
        call(limiter)
    clock.advance(30)  # t0 + 60: the first 30 leave, the second 30 stay
    for _ in range(30):
        call(limiter)
    assert refusal(limiter).retry_after == 30
    clock.advance(20.25)
    assert refusal(limiter).retry_after == 10  # ceil(9.75)


def test_refused_calls_are_not_counted() -> None:
    limiter, clock, _ = make()
    for _ in range(60):
        call(limiter)
    for _ in range(25):
        refusal(limiter)
    clock.advance(60)
    headers = call(limiter).headers()
    assert headers["X-MinLimit-Remaining"] == "59"
    assert headers["X-DayLimit-Remaining"] == "4939"  # 60 + this one, not the 25 refusals
    assert headers["X-AppMinLimit-Remaining"] == "9999"


def test_sixth_concurrent_call_is_refused_and_released_slots_are_reusable() -> None:
    limiter, _, _ = make()
    leases = [limiter.acquire(APP, T1) for _ in range(5)]
    err = refusal(limiter)
    assert (err.problem, err.retry_after) == ("concurrent", 1)
    assert err.headers()["X-MinLimit-Remaining"] == "55"
    assert limiter.in_flight(APP, T1) == 5

    # Other tenants and other apps have slots of their own.
    call(limiter, tenant=T2)
    call(limiter, app=OTHER_APP)

    leases[0].release()
    leases[0].release()  # idempotent: frees one slot, not two
    assert limiter.in_flight(APP, T1) == 4
    leases.append(limiter.acquire(APP, T1))
    assert refusal(limiter).problem == "concurrent"
    for lease in leases:
        lease.release()
    assert limiter.in_flight(APP, T1) == 0
    with limiter.acquire(APP, T1) as lease:
        assert limiter.in_flight(APP, T1) == 1
    assert limiter.in_flight(APP, T1) == 0
    assert lease.headers()["X-MinLimit-Remaining"] == "53"  # 7 calls on T1


def test_day_limit_with_retry_after_until_a_slot_frees() -> None:
    limiter, clock, _ = make(day_limit=10, day_window=1000.0)
    for _ in range(4):
        call(limiter)
    clock.advance(100)
    for _ in range(6):
        call(limiter)
    clock.advance(150)  # the minute window has moved on; only the day limit binds
    err = refusal(limiter)
    assert (err.problem, err.retry_after) == ("day", 750)
    assert err.headers()["X-DayLimit-Remaining"] == "0"
    assert err.headers()["X-MinLimit-Remaining"] == "60"
    clock.advance(750)  # the 4 oldest calls leave
    for _ in range(4):
        call(limiter)
    assert refusal(limiter).retry_after == 100
    # Two organisations each get their own daily allowance.
    assert call(limiter, tenant=T2).headers()["X-DayLimit-Remaining"] == "9"


def test_app_minute_limit_spans_tenants() -> None:
    limiter, clock, _ = make(app_minute_limit=10)
    for i in range(10):
        clock.advance(1)
        call(limiter, tenant=f"tenant-{i % 5}")
    err = refusal(limiter, tenant="tenant-new")
    assert (err.problem, err.retry_after) == ("appminute", 51)
    assert err.headers()["X-AppMinLimit-Remaining"] == "0"
    assert err.headers()["X-MinLimit-Remaining"] == "60"
    # Another app is not affected.
    assert call(limiter, app=OTHER_APP).headers()["X-AppMinLimit-Remaining"] == "9"
    clock.advance(51)
    assert call(limiter, tenant="tenant-new").headers()["X-AppMinLimit-Remaining"] == "0"


def test_order_of_checks_concurrent_then_app_then_minute_then_day() -> None:
    limiter, _, _ = make(concurrent_limit=2, app_minute_limit=2, minute_limit=2, day_limit=2)
    held = [limiter.acquire(APP, T1) for _ in range(2)]
    assert refusal(limiter).problem == "concurrent"
    for lease in held:
        lease.release()
    assert refusal(limiter).problem == "appminute"

    limiter, _, _ = make(minute_limit=2, day_limit=2)
    call(limiter)
    call(limiter)
    assert refusal(limiter).problem == "minute"


def test_disabled_never_refuses_and_reports_no_allowance() -> None:
    limiter, _, config = make(rate_limits=False, minute_limit=3)
    assert limiter.enabled is False
    leases = [limiter.acquire(APP, T1) for _ in range(10)]  # past concurrency and minute
    assert all(lease.headers() == {} for lease in leases)
    for lease in leases:
        lease.release()

    limiter.enabled = True
    assert config.rate_limits is True
    assert refusal(limiter).problem == "minute"


def test_reset_forgets_counts_and_stale_leases_free_nothing() -> None:
    limiter, _, _ = make(concurrent_limit=1)
    stale = limiter.acquire(APP, T1)
    limiter.reset()
    fresh = limiter.acquire(APP, T1)
    assert fresh.headers()["X-MinLimit-Remaining"] == "59"
    stale.release()  # belongs to the world before reset(); must not free `fresh`'s slot
    assert refusal(limiter).problem == "concurrent"
    fresh.release()
    call(limiter)


def test_limits_changed_in_config_apply_immediately() -> None:
    limiter, _, config = make()
    call(limiter)
    config.minute_limit = 1
    assert refusal(limiter).problem == "minute"
