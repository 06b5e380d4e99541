"""MemoryBudget on a FakeClock: exact window arithmetic, concurrency, day, app, priorities."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime

import pytest

from ledgerlink.errors import RateLimitedError
from ledgerlink.http.budget import (
    MemoryBudget,
    Permit,
    Priority,
    XeroLimits,
    normalise_problem,
    remaining_from_headers,
)
from tests.fakes import FakeClock

pytestmark = pytest.mark.timeout(10)

APP, OTHER_APP = "app-1", "app-2"
T1, T2, T3 = "tenant-1", "tenant-2", "tenant-3"
INTERACTIVE, BACKGROUND = Priority.INTERACTIVE, Priority.BACKGROUND


def make(**overrides: float) -> tuple[MemoryBudget, FakeClock]:
    clock = FakeClock()
    return MemoryBudget(XeroLimits(**overrides), clock), clock  # type: ignore[arg-type]


async def call(budget: MemoryBudget, app: str = APP, tenant: str = T1,
               priority: Priority = INTERACTIVE) -> None:
    """One complete call: acquire, then release at once."""
    permit = await budget.acquire(app, tenant, priority)
    await permit.release()


async def settle() -> None:
    """Let every runnable task run (the FakeClock does not move unless someone sleeps)."""
    for _ in range(10):
        await asyncio.sleep(0)


def start(awaitable: Awaitable[Permit]) -> asyncio.Task[Permit]:
    async def run() -> Permit:
        return await awaitable
    return asyncio.ensure_future(run())


async def test_sixty_go_at_once_and_the_61st_waits_for_the_first_to_leave() -> None:
    budget, clock = make(window_margin=0.0)
    for _ in range(60):
        await call(budget)
    assert clock.slept == [] and clock.monotonic() == 0.0
    await call(budget)
    assert clock.monotonic() == 60.0
    assert clock.slept == [60.0]


async def test_the_window_moves_call_by_call() -> None:
    budget, clock = make(window_margin=0.0)
    await call(budget)  # t=0
    clock.advance(10)
    for _ in range(59):  # t=10
        await call(budget)
    await call(budget)  # the t=0 call leaves at 60
    assert clock.monotonic() == 60.0
    await call(budget)  # then the first t=10 call, at 70
    assert clock.monotonic() == 70.0


async def test_the_safety_margin_lengthens_the_window() -> None:
    budget, clock = make()  # the default margin: one second
    assert budget.limits.minute_span == 61.0
    for _ in range(60):
        await call(budget)
    await call(budget)
    assert clock.monotonic() == 61.0


async def test_sixth_concurrent_call_waits_for_a_release() -> None:
    budget, clock = make()
    held = [await budget.acquire(APP, T1) for _ in range(5)]
    sixth = start(budget.acquire(APP, T1))
    await settle()
    assert not sixth.done()
    assert clock.slept == []  # no timer: only a release can free a slot
    assert budget.in_flight(APP, T1) == 5
    await held[0].release()
    await held[0].release()  # releasing twice frees one slot only
    permit = await asyncio.wait_for(sixth, 1)
    assert budget.in_flight(APP, T1) == 5
    assert clock.monotonic() == 0.0
    for p in [*held[1:], permit]:
        await p.release()
    assert budget.in_flight(APP, T1) == 0


async def test_other_tenants_have_their_own_concurrency() -> None:
    budget, _ = make()
    for _ in range(5):
        await budget.acquire(APP, T1)
    permit = await asyncio.wait_for(budget.acquire(APP, T2), 1)
    await permit.release()


async def test_day_limit_fails_fast_with_when_it_returns() -> None:
    budget, clock = make(per_day=3)
    clock.advance(100)
    for _ in range(3):
        await call(budget)
    with pytest.raises(RateLimitedError) as info:
        await budget.acquire(APP, T1)
    assert info.value.problem == "day"
    expected = datetime.fromtimestamp(clock.time() + budget.limits.day_span, tz=UTC)
    assert info.value.retry_at == expected
    assert "resume at" in info.value.message
    assert clock.slept == []  # failed fast: no waiting
    clock.advance(budget.limits.day_span)
    await call(budget)


async def test_a_queued_waiter_fails_when_the_day_runs_out_meanwhile() -> None:
    budget, _ = make(per_day=6)
    held = [await budget.acquire(APP, T1) for _ in range(5)]
    sixth, seventh = start(budget.acquire(APP, T1)), start(budget.acquire(APP, T1))
    await settle()
    await held[0].release()
    await held[1].release()
    assert isinstance(await asyncio.wait_for(sixth, 1), Permit)
    with pytest.raises(RateLimitedError) as info:
        await asyncio.wait_for(seventh, 1)
    assert info.value.problem == "day"


async def test_app_minute_limit_spans_tenants() -> None:
    budget, clock = make(app_per_minute=3, window_margin=0.0)
    await call(budget, tenant=T1)
    await call(budget, tenant=T1)
    await call(budget, tenant=T2)
    await call(budget, app=OTHER_APP, tenant=T3)  # another app has its own allowance
    assert clock.monotonic() == 0.0
    await call(budget, tenant=T3)
    assert clock.monotonic() == 60.0


async def test_interactive_waiter_goes_before_an_earlier_background_one() -> None:
    budget, _ = make()
    held = [await budget.acquire(APP, T1) for _ in range(5)]
    background = start(budget.acquire(APP, T1, BACKGROUND))
    await settle()
    interactive = start(budget.acquire(APP, T1, INTERACTIVE))
    await settle()
    await held[0].release()
    await settle()
    assert interactive.done() and not background.done()
    await held[1].release()
    await asyncio.wait_for(background, 1)


async def test_priorities_hold_when_the_minute_window_is_the_limit() -> None:
    budget, clock = make(per_minute=2, window_margin=0.0)
    await call(budget)
    await call(budget)
    served: list[str] = []

    async def wait(name: str, priority: Priority) -> None:
        await call(budget, priority=priority)
        served.append(name)

    # Queued in this order before the timer runs (a FakeClock jumps as soon as it is slept on).
    tasks = [asyncio.ensure_future(wait("bg-1", BACKGROUND)),
             asyncio.ensure_future(wait("bg-2", BACKGROUND)),
             asyncio.ensure_future(wait("int-1", INTERACTIVE))]
    await asyncio.wait_for(asyncio.gather(*tasks), 1)
    assert served == ["int-1", "bg-1", "bg-2"]
    # Two went when the first window ended, the third a window later.
    assert clock.monotonic() == 120.0


async def test_a_cancelled_waiter_leaves_the_queue() -> None:
    budget, _ = make()
    held = [await budget.acquire(APP, T1) for _ in range(5)]
    doomed = start(budget.acquire(APP, T1))
    survivor = start(budget.acquire(APP, T1, BACKGROUND))
    await settle()
    doomed.cancel()
    await settle()
    await held[0].release()
    await asyncio.wait_for(survivor, 1)
    assert budget.in_flight(APP, T1) == 5


async def test_observe_consumes_what_xero_says_is_gone() -> None:
    budget, clock = make(window_margin=0.0)
    await call(budget)
    await budget.observe(APP, T1, {"x-minlimit-remaining": "10", "X-DayLimit-Remaining": "4000",
                                   "X-AppMinLimit-Remaining": "9000"})
    for _ in range(10):
        await call(budget)
    assert clock.monotonic() == 0.0
    await call(budget)
    assert clock.monotonic() == 60.0  # the eleventh waited a whole window


async def test_observe_never_gives_back() -> None:
    budget, clock = make(per_minute=5, window_margin=0.0)
    for _ in range(5):
        await call(budget)
    await budget.observe(APP, T1, {"X-MinLimit-Remaining": "60", "X-DayLimit-Remaining": "junk"})
    await call(budget)
    assert clock.monotonic() == 60.0


async def test_observe_day_and_app() -> None:
    budget, clock = make()
    await budget.observe(APP, T1, {"X-DayLimit-Remaining": "0"})
    with pytest.raises(RateLimitedError) as info:
        await budget.acquire(APP, T1)
    assert info.value.retry_at == datetime.fromtimestamp(
        clock.time() + budget.limits.day_span, tz=UTC)
    await budget.observe(APP, T2, {"X-AppMinLimit-Remaining": "0"})
    await call(budget, tenant=T3)
    assert clock.monotonic() == budget.limits.minute_span


@pytest.mark.parametrize(("problem", "blocked", "free"), [
    ("minute", [(APP, T1)], [(APP, T2)]),
    ("concurrent", [(APP, T1)], [(APP, T2)]),
    ("appminute", [(APP, T1), (APP, T2)], [(OTHER_APP, T1)]),
    ("something-new", [(APP, T1)], [(APP, T2)]),
])
async def test_penalise_holds_the_named_limit(
        problem: str, blocked: list[tuple[str, str]], free: list[tuple[str, str]]) -> None:
    budget, clock = make()
    await budget.penalise(APP, T1, problem, 7)
    for app, tenant in free:
        await call(budget, app, tenant)
    assert clock.monotonic() == 0.0
    for app, tenant in blocked:
        await call(budget, app, tenant)
        assert clock.monotonic() == 7.0


async def test_penalise_day_fails_fast_until_retry_after() -> None:
    budget, clock = make()
    await budget.penalise(APP, T1, "day", 3600)
    with pytest.raises(RateLimitedError) as info:
        await budget.acquire(APP, T1)
    assert info.value.retry_at == datetime.fromtimestamp(clock.time() + 3600, tz=UTC)
    await call(budget, tenant=T2)
    clock.advance(3600)
    await call(budget)


def test_header_and_problem_parsing() -> None:
    assert remaining_from_headers({"X-MinLimit-Remaining": " 59 ", "x-daylimit-remaining": "-3",
                                   "X-AppMinLimit-Remaining": "x", "Other": "1"}) == {
        "minute": 59, "day": 0}
    assert [normalise_problem(p) for p in ("minute", "DAY", "AppMinute", "app-minute",
                                           "concurrent", None, "")] == [
        "minute", "day", "appminute", "appminute", "concurrent", "minute", "minute"]


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError):
        XeroLimits(per_minute=0)
    with pytest.raises(ValueError):
        XeroLimits(window_margin=-1)
