"""System check: two OS processes sharing a Redis budget never hit Xero's limits on 20 tenants."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
import redis

from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import start_in_thread
from ledgerlink.errors import LedgerlinkError, RateLimitedError
from ledgerlink.http.auth import ConnectionKind, MemoryTokenStore, TokenSet
from ledgerlink.http.budget import XeroLimits
from ledgerlink.http.budget_redis import RedisBudget
from ledgerlink.http.retry import RetryPolicy
from ledgerlink.providers.xero.provider import XeroAppSettings, XeroProvider

# Timeouts only guard against a hang: two spawned processes and 1,600 calls take ~30 s idle.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

REDIS_URL = os.environ.get("LEDGERLINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TENANTS = 20
CALLS_PER_TENANT = 40  # per process: 80 a tenant in all, more than one window's 60
WORKERS_PER_TENANT = 6  # per process: 12 callers a tenant, more than the 5 Xero allows
WINDOW = 3.0  # the emulator's "minute"; the budget adds its one-second margin
CONCURRENT, PER_WINDOW = 5, 60
Scope = dict[str, Any]
ASGI = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                Awaitable[None]]


@dataclass
class Watch:
    """ASGI middleware on the emulator: statuses, 429 problems and peak in-flight per tenant."""

    statuses: Counter[int] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    in_flight: Counter[str] = field(default_factory=Counter)
    peak: Counter[str] = field(default_factory=Counter)

    def wrap(self, app: ASGI) -> ASGI:
        async def watched(scope: Scope, receive: Callable[[], Awaitable[Any]],
                          send: Callable[[Any], Awaitable[None]]) -> None:
            if scope["type"] != "http" or not scope["path"].startswith("/api.xro/"):
                await app(scope, receive, send)
                return
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            tenant = headers.get("xero-tenant-id", "")
            self.in_flight[tenant] += 1
            self.peak[tenant] = max(self.peak[tenant], self.in_flight[tenant])
            started = False

            async def record(message: Any) -> None:
                nonlocal started
                if message["type"] == "http.response.start" and not started:
                    started = True
                    self.in_flight[tenant] -= 1
                    self.statuses[message["status"]] += 1
                    if message["status"] == 429:
                        for name, value in message.get("headers", []):
                            if name.decode().lower() == "x-rate-limit-problem":
                                self.problems[value.decode()] += 1
                await send(message)

            try:
                await app(scope, receive, record)
            finally:
                if not started:
                    self.in_flight[tenant] -= 1
        return watched


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
    prefix = f"ledgerlink-test:system-limits:{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


# ---- one OS process ----------------------------------------------------------------------------
def hammer(job: dict[str, Any]) -> dict[str, Any]:
    """A spawned process: every tenant hammered at once through one XeroProvider."""
    return asyncio.run(_hammer(**job))


async def _hammer(redis_url: str, prefix: str, base_url: str, client_id: str,
                  client_secret: str, tokens: dict[str, Any], tenants: list[str],
                  start_at: float) -> dict[str, Any]:
    limits = XeroLimits(concurrent=CONCURRENT, per_minute=PER_WINDOW, minute_window=WINDOW)
    budget = RedisBudget(redis_url, limits, prefix=prefix)
    store = MemoryTokenStore()
    await store.put("all-tenants", ConnectionKind.OAUTH_AUTHORIZATION_CODE, TokenSet(
        tokens["access_token"], tokens["refresh_token"], time.time() + tokens["expires_in"]))
    # One attempt: a refused call must surface here instead of being retried away.
    provider = XeroProvider(XeroAppSettings.for_emulator(base_url, client_id, client_secret),
                            store=store, budget=budget, retry=RetryPolicy(attempts=1))
    outcomes: Counter[str] = Counter()

    async def tenant_load(tenant: str) -> None:
        xero = provider.client("all-tenants", tenant)
        todo = iter(range(CALLS_PER_TENANT))

        async def worker() -> None:
            for _ in todo:
                try:
                    await xero.get("/Organisation", operation="organisation")
                    outcomes["ok"] += 1
                except RateLimitedError as exc:
                    outcomes[f"429:{exc.details.get('problem') or exc.message}"] += 1
                except LedgerlinkError as exc:
                    outcomes[f"error:{exc.code}:{exc.message[:200]}"] += 1

        await asyncio.gather(*(worker() for _ in range(WORKERS_PER_TENANT)))

    await asyncio.sleep(max(0.0, start_at - time.time()))  # both processes start together
    started = time.monotonic()
    try:
        await asyncio.gather(*(tenant_load(t) for t in tenants))
    finally:
        elapsed = time.monotonic() - started
        await provider.aclose()
        await budget.aclose()
    return {"outcomes": dict(outcomes), "elapsed": elapsed}


# ---- the check ---------------------------------------------------------------------------------
# 20 tenants with 5 calls in flight each need more Redis connections than a default pool
# allows; RedisBudget's blocking pool makes callers wait for a connection instead of failing.
def test_two_processes_on_twenty_tenants_are_never_refused(redis_url: str, prefix: str) -> None:
    watch = Watch()
    handle = start_in_thread(EmulatorConfig(
        seed="empty", latency_ms=50, rate_limits=True, concurrent_limit=CONCURRENT,
        minute_limit=PER_WINDOW, minute_window=WINDOW), wrap=watch.wrap)
    try:
        emu = handle.emulator
        tenants = [emu.create_org(f"Tenant {n:02d} Ltd", seed="empty").tenant_id
                   for n in range(TENANTS)]
        info = emu.info()
        tokens = httpx2.post(f"{handle.base_url}/_emulator/connect", trust_env=False,
                             json={"client_id": info["client_id"], "tenant_ids": tenants}).json()
        job = {"redis_url": redis_url, "prefix": prefix, "base_url": handle.base_url,
               "client_id": info["client_id"], "client_secret": info["client_secret"],
               "tokens": tokens, "tenants": tenants, "start_at": time.time() + 5.0}
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            results = pool.map_async(hammer, [job, job]).get(timeout=240)
    finally:
        handle.stop()

    total: Counter[str] = Counter()
    for result in results:
        total.update(result["outcomes"])
    print(f"\n{TENANTS} tenants x 2 processes: {dict(total)}; emulator statuses "
          f"{dict(watch.statuses)}; elapsed {[round(r['elapsed'], 1) for r in results]} s; "
          f"peak in flight per tenant {max(watch.peak.values())}")
    calls = 2 * TENANTS * CALLS_PER_TENANT
    assert total == {"ok": calls}, total  # no RateLimitedError and nothing else either
    assert watch.statuses == {200: calls} and not watch.problems  # Xero's side agrees
    for tenant in tenants:
        assert emu.calls[(tenant, "getOrganisations")] == 2 * CALLS_PER_TENANT
        assert watch.peak[tenant] <= CONCURRENT
    # 80 calls a tenant at 60 a window: the budget really held calls back for a window.
    assert max(r["elapsed"] for r in results) >= WINDOW
