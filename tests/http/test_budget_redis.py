"""RedisBudget against the real Redis: windows, leases, priorities, resync, several processes.

Each test has a Redis key prefix of its own (deleted afterwards), so concurrent runs on one
Redis never meet. Time is real here (`limits` stamps entries with the wall clock), so only
lower bounds are timed ("held for at least the window"); "not held" is counted instead, as the
budget's sleeps (a busy machine slows calls down, it never makes them sleep).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, cast

import httpx2
import pytest
import redis
import redis.asyncio as aioredis

from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import start_in_thread
from ledgerlink.errors import ConfigurationError, RateLimitedError
from ledgerlink.http.budget import Permit, Priority, XeroLimits
from ledgerlink.http.budget_redis import RedisBudget
from ledgerlink.http.clock import SystemClock

pytestmark = pytest.mark.timeout(30)

REDIS_URL = os.environ.get("LEDGERLINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
APP, T1, T2, T3 = "app-1", "tenant-1", "tenant-2", "tenant-3"
# One-second windows without margin keep these tests short; the arithmetic is the same at 60 s.
FAST = {"minute_window": 1.0, "window_margin": 0.0}

MakeBudget = Callable[..., RedisBudget]
PATIENCE = 10.0  # seconds: a guard against a budget that never lets go, not a measurement


class Sleeps(SystemClock):
    """The real clock, counting the budget's sleeps: a caller that never slept was not held."""

    def __init__(self) -> None:
        self.count = 0

    async def sleep(self, seconds: float) -> None:
        """Count, then really sleep."""
        self.count += 1
        await super().sleep(seconds)


def slept(budget: RedisBudget) -> int:
    """How many times the budget has made a caller wait so far."""
    return cast(Sleeps, budget.clock).count


@pytest.fixture(scope="module")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as exc:
        pytest.skip(f"Redis at {REDIS_URL} is unreachable ({exc}); start it or set "
                    "LEDGERLINK_TEST_REDIS_URL")
    return REDIS_URL


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test alone, deleted afterwards."""
    prefix = f"ledgerlink-test:budget:{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
async def make(redis_url: str, prefix: str) -> AsyncIterator[MakeBudget]:
    """Budgets on the test's prefix; each one stands for a separate process."""
    made: list[RedisBudget] = []

    def factory(lease_ttl: float = 60.0, **limits: Any) -> RedisBudget:
        budget = RedisBudget(redis_url, XeroLimits(**limits), clock=Sleeps(), prefix=prefix,
                             lease_ttl=lease_ttl)
        made.append(budget)
        return budget

    yield factory
    for budget in made:
        await budget.aclose()


async def call(budget: RedisBudget, tenant: str = T1,
               priority: Priority = Priority.INTERACTIVE) -> float:
    """One complete call; returns when it was let go (monotonic)."""
    permit = await budget.acquire(APP, tenant, priority)
    await permit.release()
    return time.monotonic()


async def test_minute_window_holds_the_sixth_call(make: MakeBudget) -> None:
    budget = make(per_minute=5, **FAST)
    start = time.monotonic()
    for _ in range(5):
        await call(budget)
    assert slept(budget) == 0  # five calls fit the window: none waited
    assert 0.9 <= await call(budget) - start < PATIENCE  # the sixth waits for the window
    assert slept(budget) > 0


async def test_third_concurrent_call_waits_for_a_release(make: MakeBudget) -> None:
    budget = make(concurrent=2)
    held = [await budget.acquire(APP, T1) for _ in range(2)]
    third = asyncio.ensure_future(budget.acquire(APP, T1))
    await asyncio.sleep(0.3)
    assert not third.done()
    assert await budget.in_flight(APP, T1) == 2
    await held[0].release()
    permit = await asyncio.wait_for(third, PATIENCE)
    await permit.release()
    await held[1].release()
    assert await budget.in_flight(APP, T1) == 0


async def test_day_limit_fails_fast_with_when_it_returns(make: MakeBudget) -> None:
    budget = make(per_day=3, day_window=30.0, window_margin=0.0)
    start = time.time()
    for _ in range(3):
        await call(budget)
    with pytest.raises(RateLimitedError) as info:
        await budget.acquire(APP, T1)
    end = time.time()
    assert slept(budget) == 0  # refused without waiting
    assert info.value.problem == "day" and info.value.retry_at is not None
    # The window (30 s, kept in whole seconds) ends 30 s after the first call.
    assert start + 29 <= info.value.retry_at.timestamp() <= end + 31


async def test_app_minute_limit_spans_tenants(make: MakeBudget) -> None:
    budget = make(app_per_minute=3, **FAST)
    start = time.monotonic()
    await call(budget, T1)
    await call(budget, T1)
    await call(budget, T2)
    assert slept(budget) == 0
    assert await call(budget, T3) - start >= 0.9


async def _first_done(*tasks: asyncio.Task[Permit]) -> asyncio.Task[Permit]:
    done, _ = await asyncio.wait(tasks, timeout=PATIENCE, return_when=asyncio.FIRST_COMPLETED)
    assert len(done) == 1
    return done.pop()


async def test_interactive_goes_before_an_earlier_background_caller(make: MakeBudget) -> None:
    budget = make(concurrent=1)
    held = await budget.acquire(APP, T1)
    background = asyncio.ensure_future(budget.acquire(APP, T1, Priority.BACKGROUND))
    await asyncio.sleep(0.1)
    interactive = asyncio.ensure_future(budget.acquire(APP, T1, Priority.INTERACTIVE))
    await asyncio.sleep(0.1)
    await held.release()
    assert await _first_done(background, interactive) is interactive
    await interactive.result().release()
    await (await asyncio.wait_for(background, PATIENCE)).release()


async def _advertised(budget: RedisBudget, redis_url: str) -> None:
    """Return once some process advertises an interactive caller waiting for T1."""
    client = aioredis.Redis.from_url(redis_url)
    try:
        for _ in range(1000):  # polls, not seconds: a slow machine only takes longer
            if await client.zcard(budget._key("iwait", APP, T1)):
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the interactive caller never said it was waiting")
    finally:
        await client.aclose()


async def test_background_elsewhere_yields_to_waiting_interactive(make: MakeBudget,
                                                                  redis_url: str) -> None:
    first, second = make(concurrent=1), make(concurrent=1)  # two processes
    held = await first.acquire(APP, T1)
    background = asyncio.ensure_future(second.acquire(APP, T1, Priority.BACKGROUND))
    await asyncio.sleep(0.15)
    interactive = asyncio.ensure_future(first.acquire(APP, T1, Priority.INTERACTIVE))
    await _advertised(first, redis_url)  # what the other process goes by
    await held.release()
    assert await _first_done(background, interactive) is interactive
    await interactive.result().release()
    await (await asyncio.wait_for(background, PATIENCE)).release()


async def test_a_cancelled_background_caller_does_not_keep_the_turn(make: MakeBudget) -> None:
    budget = make(concurrent=1)
    held = await budget.acquire(APP, T1)
    background = asyncio.ensure_future(budget.acquire(APP, T1, Priority.BACKGROUND))
    await asyncio.sleep(0.1)
    interactive = asyncio.ensure_future(budget.acquire(APP, T1))  # background steps aside
    await asyncio.sleep(0.1)
    background.cancel()
    await asyncio.sleep(0.05)
    await held.release()
    await (await asyncio.wait_for(interactive, PATIENCE)).release()
    await (await asyncio.wait_for(budget.acquire(APP, T1, Priority.BACKGROUND),
                                  PATIENCE)).release()
    assert await budget.in_flight(APP, T1) == 0


async def test_unreachable_redis_fails_closed() -> None:
    budget = RedisBudget("redis://127.0.0.1:1/0", prefix="nowhere")
    try:
        with pytest.raises(ConfigurationError, match="did not answer"):
            await budget.acquire(APP, T1)
        await budget.observe(APP, T1, {"X-MinLimit-Remaining": "1"})  # logged, not raised
        await budget.penalise(APP, T1, "minute", 1)
    finally:
        await budget.aclose()


@pytest.mark.timeout(90)
async def test_two_processes_never_exceed_the_limits_together(make: MakeBudget) -> None:
    limits = {"concurrent": 3, "per_minute": 10, **FAST}
    budgets = [make(**limits), make(**limits)]
    in_flight, peak, granted = 0, 0, []

    async def worker(budget: RedisBudget, priority: Priority) -> None:
        nonlocal in_flight, peak
        permit = await budget.acquire(APP, T1, priority)
        granted.append(time.monotonic())
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        await permit.release()

    start = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(
        worker(budgets[i % 2], Priority(i % 2)) for i in range(30))), 60)
    granted.sort()
    assert peak <= 3
    # Any ten consecutive grants span a window. The stamps are taken when a worker resumes
    # after its grant, which a busy machine can delay: that only shortens a gap by the delay,
    # hence the slack (a budget that let 11 through would show gaps near 0).
    assert min(b - a for a, b in zip(granted, granted[10:], strict=False)) >= 0.75
    assert time.monotonic() - start >= 1.9  # 30 calls at 10 a window need three windows


async def test_a_crashed_holder_loses_its_lease(make: MakeBudget) -> None:
    crashed, survivor = make(concurrent=2, lease_ttl=0.5), make(concurrent=2)
    for _ in range(2):
        await crashed.acquire(APP, T1)  # never released
    await crashed.aclose()
    start = time.monotonic()
    permit = await asyncio.wait_for(survivor.acquire(APP, T1), PATIENCE)
    # Freed after the crashed holder's 0.5 s lease, not a live holder's 60 s.
    assert time.monotonic() - start >= 0.3
    await permit.release()


async def test_observe_consumes_for_every_process(make: MakeBudget) -> None:
    first, second = make(per_minute=5, **FAST), make(per_minute=5, **FAST)
    start = time.monotonic()
    await first.observe(APP, T1, {"X-MinLimit-Remaining": "2"})
    await first.observe(APP, T1, {"X-MinLimit-Remaining": "5"})  # never gives back
    await call(second)
    await call(second)
    assert slept(second) == 0
    assert await call(second) - start >= 0.9


async def test_observe_day_zero_fails_fast_elsewhere(make: MakeBudget) -> None:
    first, second = make(), make()
    await first.observe(APP, T1, httpx2.Headers({"X-DayLimit-Remaining": "0"}))
    with pytest.raises(RateLimitedError) as info:
        await second.acquire(APP, T1)
    assert info.value.problem == "day"


async def test_penalties_hold_every_process(make: MakeBudget) -> None:
    first, second = make(), make()
    await first.penalise(APP, T1, "minute", 0.6)
    await first.penalise(APP, T2, "day", 3600)
    await first.penalise(APP, T1, "minute", 0.1)  # a shorter hold never shortens one
    start = time.monotonic()
    await call(second, T3)
    assert slept(second) == 0  # another tenant is not held
    assert await call(second, T1) - start >= 0.5
    with pytest.raises(RateLimitedError) as info:
        await second.acquire(APP, T2)
    assert info.value.retry_at is not None
    assert info.value.retry_at.timestamp() == pytest.approx(time.time() + 3600, abs=5)
    await first.penalise(APP, T1, "appminute", 0.5)
    start = time.monotonic()
    assert await call(second, T3) - start >= 0.4


# ---- two real OS processes against the emulator ------------------------------------------------

EMULATOR_LIMITS = {"concurrent": 5, "per_minute": 20, "minute_window": 2.0}
CALLS_PER_PROCESS = 20


def hammer(job: dict[str, Any]) -> dict[int, int]:
    """A spawned process: CALLS_PER_PROCESS calls from 8 workers, paced by the shared budget."""
    return asyncio.run(_hammer(**job))


async def _hammer(redis_url: str, prefix: str, api_url: str, token: str, app_id: str,
                  tenant_id: str, priority: int) -> dict[int, int]:
    budget = RedisBudget(redis_url, XeroLimits(**EMULATOR_LIMITS), prefix=prefix)  # type: ignore[arg-type]
    statuses: Counter[int] = Counter()
    jobs = iter(range(CALLS_PER_PROCESS))
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": tenant_id,
               "Accept": "application/json"}
    async with httpx2.AsyncClient(base_url=api_url, headers=headers, timeout=10) as client:
        async def worker() -> None:
            for _ in jobs:
                permit = await budget.acquire(app_id, tenant_id, Priority(priority))
                try:
                    response = await client.get("/Organisation")
                    await budget.observe(app_id, tenant_id, response.headers)
                finally:
                    await permit.release()
                statuses[response.status_code] += 1

        await asyncio.gather(*(worker() for _ in range(8)))
    await budget.aclose()
    return dict(statuses)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_two_os_processes_get_no_429_from_the_emulator(redis_url: str, prefix: str) -> None:
    emulator = start_in_thread(EmulatorConfig(
        seed="empty", concurrent_limit=5, minute_limit=20, minute_window=2.0, latency_ms=30))
    try:
        info = emulator.emulator.info()
        token = httpx2.post(f"{emulator.base_url}/_emulator/connect",
                            json={"client_id": info["client_id"]}).json()["access_token"]
        job = {"redis_url": redis_url, "prefix": prefix, "api_url": emulator.api_url,
               "token": token, "app_id": info["client_id"], "tenant_id": info["tenant_id"]}
        start = time.monotonic()
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            results = pool.map_async(hammer, [{**job, "priority": 0},
                                              {**job, "priority": 1}]).get(timeout=150)
        elapsed = time.monotonic() - start
        total: Counter[int] = Counter()
        for result in results:
            total.update(result)
        assert total == {200: 2 * CALLS_PER_PROCESS}, total
        assert emulator.emulator.calls[(info["tenant_id"], "getOrganisations")] == 40
        # 40 calls at 20 per (2 s + 1 s margin) window: the budget really held some back.
        assert elapsed >= 3.0
    finally:
        emulator.stop()
