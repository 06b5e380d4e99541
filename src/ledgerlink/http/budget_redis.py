"""The rate budget shared by every process through Redis: `limits` windows plus a lease semaphore.

- Minute, day and app-minute windows are `limits` moving windows (`MovingWindowRateLimiter` on
  its async Redis storage). `limits` stores whole seconds, so each window is
  ceil(window + window_margin) seconds here. Entries are stamped with each process's wall clock;
  the margin absorbs the skew between hosts.
- The 5-in-flight limit is a semaphore of leases: a sorted set of lease ids scored by expiry on
  Redis's own clock, taken and released by Lua scripts. A process that dies holding a lease
  loses it after `lease_ttl`, so a crash cannot take a slot forever; `lease_ttl` must exceed the
  longest call (a lease that outlives its ttl frees its slot early and Xero may answer 429).
- Priorities: inside a process, one caller per tenant at a time negotiates with Redis, chosen
  interactive first (`_Turns`); across processes, a process with interactive callers waiting
  for a tenant advertises them in a sorted set, and background callers elsewhere yield to it.
- Waiting polls Redis with short real sleeps (the clock's sleep), never holding Redis locks.
  `limits` stamps entries with time.time(), so this budget needs a real clock (SystemClock);
  the clock is used for sleeping only.
- Redis unreachable: acquire fails closed with ConfigurationError; observe and penalise log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from ledgerlink.errors import ConfigurationError
from ledgerlink.http.budget import (
    Permit,
    Priority,
    XeroLimits,
    day_spent_error,
    normalise_problem,
    remaining_from_headers,
)
from ledgerlink.http.clock import Clock, SystemClock

log = logging.getLogger(__name__)

# Takes a lease if fewer than ARGV[2] unexpired leases exist. Times are Redis's (TIME), so every
# process agrees on expiry. Returns 1 on success, else the ms until the earliest lease expires.
_TAKE_LEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
  return 1
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return -math.max(1, tonumber(first[2]) - now)
"""

# Advertises (ARGV[2] > 0: for that many ms) or withdraws this process's interactive waiters.
_ADVERTISE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 1
"""

# How many *other* processes have interactive callers waiting for the tenant.
_OTHERS_WAITING = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local n = redis.call('ZCARD', KEYS[1])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then n = n - 1 end
return n
"""

# Holds a limit for ARGV[1] ms unless it is already held longer.
_HOLD = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
"""


def limits_uri(url: str) -> str:
    """The `limits` async storage URI for a redis:// (or rediss://, unix://) URL."""
    return url if url.startswith("async+") else f"async+{url}"


@dataclass
class _Turns:
    """This process's callers for one tenant: one negotiates with Redis, interactive first."""

    busy: bool = False
    queues: tuple[deque[asyncio.Future[None]], deque[asyncio.Future[None]]] = field(
        default_factory=lambda: (deque(), deque()))
    interactive: int = 0  # interactive callers inside acquire()
    advertised: bool = False

    async def take(self, priority: Priority, front: bool = False) -> None:
        if not self.busy and not any(self.queues):
            self.busy = True
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self.queues[priority]
        queue.appendleft(future) if front else queue.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.give()  # the turn reached us as we were cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    queue.remove(future)
            raise

    def give(self) -> None:
        for queue in self.queues:
            while queue:
                future = queue.popleft()
                if not future.done():
                    future.set_result(None)  # the turn passes on; busy stays True
                    return
        self.busy = False


class RedisBudget:
    """A rate budget in Redis, shared by every process that uses the same URL and prefix."""

    def __init__(self, url: str = "redis://127.0.0.1:6379/0", limits: XeroLimits | None = None,
                 clock: Clock | None = None, prefix: str = "ledgerlink:budget", *,
                 lease_ttl: float = 60.0, poll_interval: float = 0.02,
                 max_sleep: float = 0.5, max_connections: int = 64,
                 pool_timeout: float = 30.0) -> None:
        self.limits = limits or XeroLimits()
        self.clock: Clock = clock or SystemClock()
        self.prefix = prefix
        self.lease_ttl = lease_ttl
        self.poll_interval = poll_interval
        self.max_sleep = max_sleep
        self._id = uuid.uuid4().hex  # this process (budget object) in the waiter sets
        # A blocking pool: many tenants' callers wait for a connection rather than fail when
        # every connection is busy (a plain pool raises "Too many connections").
        blocking = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=max_connections, timeout=pool_timeout)
        self._redis: Any = aioredis.Redis(connection_pool=blocking)
        # One connection pool for the windows and our own scripts.
        pool: Any = self._redis.connection_pool
        self._storage = RedisStorage(limits_uri(url), implementation="redispy",
                                     key_prefix=prefix, connection_pool=pool)
        self._windows = MovingWindowRateLimiter(self._storage)
        lim = self.limits
        minute = math.ceil(lim.minute_span)
        self._minute = RateLimitItemPerSecond(lim.per_minute, minute, namespace="tenant-minute")
        self._day = RateLimitItemPerSecond(lim.per_day, math.ceil(lim.day_span),
                                           namespace="tenant-day")
        self._app_minute = RateLimitItemPerSecond(lim.app_per_minute, minute,
                                                  namespace="app-minute")
        self._take_lease = self._redis.register_script(_TAKE_LEASE)
        self._advertise_script = self._redis.register_script(_ADVERTISE)
        self._others_waiting = self._redis.register_script(_OTHERS_WAITING)
        self._hold = self._redis.register_script(_HOLD)
        self._turns: dict[tuple[str, str], _Turns] = {}

    async def ping(self) -> bool:
        """Whether Redis answers."""
        return bool(await self._redis.ping())

    async def aclose(self) -> None:
        """Close the connections (leases still held expire by themselves)."""
        await self._redis.aclose()

    def _key(self, kind: str, app_id: str, tenant_id: str | None = None) -> str:
        return f"{self.prefix}:{kind}:{app_id}" + (f":{tenant_id}" if tenant_id else "")

    async def acquire(self, app_id: str, tenant_id: str,
                      priority: Priority = Priority.INTERACTIVE) -> Permit:
        """Wait for a lease and room in every window; raise at once when the day is spent."""
        try:
            await self._check_day(app_id, tenant_id)
            turns = self._turns.setdefault((app_id, tenant_id), _Turns())
            interactive = priority is Priority.INTERACTIVE
            turns.interactive += interactive
            holding = False
            try:
                await turns.take(priority)
                holding = True
                while (permit := await self._negotiate(app_id, tenant_id, priority,
                                                       turns)) is None:
                    # A local interactive caller arrived: it goes first, we go next.
                    holding = False
                    turns.give()
                    await turns.take(priority, front=True)
                    holding = True
                return permit
            finally:
                if holding:
                    turns.give()
                turns.interactive -= interactive
                if turns.advertised and not turns.interactive:
                    turns.advertised = False
                    # Never lose a granted permit to this: the advert expires by itself.
                    with contextlib.suppress(RedisError):
                        await self._advertise(app_id, tenant_id, 0)
        except RedisError as exc:
            # Failing closed: without the shared budget we cannot know the call is allowed.
            raise ConfigurationError(
                f"The shared rate budget's Redis did not answer ({exc}); no provider call is "
                "sent until it does.") from exc

    async def _negotiate(self, app_id: str, tenant_id: str, priority: Priority,
                         turns: _Turns) -> Permit | None:
        """Loop until every limit has room, sleeping between tries, while we hold the local
        turn; None when a background caller must hand the turn to a local interactive one."""
        while True:
            await self._check_day(app_id, tenant_id)
            if priority is Priority.BACKGROUND:
                if turns.interactive:
                    return None
                if await self._others_waiting(keys=[self._key("iwait", app_id, tenant_id)],
                                              args=[self._id]):
                    await self._sleep(self.poll_interval * 2)
                    continue
            wait = await self._held_for(app_id, tenant_id)
            if not wait:
                permit, wait = await self._try(app_id, tenant_id)
                if permit is not None:
                    return permit
            if turns.interactive:
                await self._advertise(app_id, tenant_id, max(2.0, 4 * self.max_sleep))
                turns.advertised = True
            await self._sleep(wait)

    async def _try(self, app_id: str, tenant_id: str) -> tuple[Permit | None, float]:
        """One attempt: a lease, then one entry in each window. (permit, or seconds to wait)."""
        lease_key = self._key("lease", app_id, tenant_id)
        lease_id = uuid.uuid4().hex
        taken = int(await self._take_lease(
            keys=[lease_key], args=[lease_id, self.limits.concurrent,
                                    int(self.lease_ttl * 1000)]))
        if taken != 1:
            return None, min(self.poll_interval, -taken / 1000)
        permit = Permit(lambda: self._release(lease_key, lease_id))
        try:
            # Test before hitting: a hit that succeeds in one window and fails in the next
            # would spend a slot on a call that is never sent.
            wait = max(await self._window_wait(self._minute, app_id, tenant_id),
                       await self._window_wait(self._app_minute, app_id))
            if wait > 0:
                await permit.release()
                return None, wait
            for item, ids in ((self._minute, (app_id, tenant_id)),
                              (self._app_minute, (app_id,)), (self._day, (app_id, tenant_id))):
                if not await self._windows.hit(item, *ids):
                    # Lost a race with another process; the day check raises if it was the day.
                    await permit.release()
                    return None, self.poll_interval
        except BaseException:
            await permit.release()
            raise
        return permit, 0.0

    async def _window_wait(self, item: RateLimitItem, *ids: str) -> float:
        """Seconds until the window has room for one call (0 when it has room now)."""
        if await self._windows.test(item, *ids):
            return 0.0
        stats = await self._windows.get_window_stats(item, *ids)
        return max(self.poll_interval, stats.reset_time - time.time())

    async def _release(self, lease_key: str, lease_id: str) -> None:
        # If Redis is unreachable the lease simply expires.
        with contextlib.suppress(Exception):
            await self._redis.zrem(lease_key, lease_id)

    async def _sleep(self, seconds: float) -> None:
        """A short real sleep, jittered so polling processes do not move in lockstep."""
        seconds = min(max(seconds, self.poll_interval), self.max_sleep)
        await self.clock.sleep(seconds * random.uniform(1.0, 1.25))

    async def _advertise(self, app_id: str, tenant_id: str, seconds: float) -> None:
        await self._advertise_script(keys=[self._key("iwait", app_id, tenant_id)],
                                     args=[self._id, int(seconds * 1000)])

    async def _held_for(self, app_id: str, tenant_id: str) -> float:
        """Seconds a 429 penalty still holds this tenant (minute or concurrency) or the app."""
        pipe = self._redis.pipeline(transaction=False)
        pipe.pttl(self._key("hold", app_id, tenant_id))
        pipe.pttl(self._key("hold-app", app_id))
        held: list[int] = await pipe.execute()
        return max(0, *held) / 1000

    async def _check_day(self, app_id: str, tenant_id: str) -> None:
        """Raise the day error when the day window is full or a day penalty holds."""
        held = await self._redis.pttl(self._key("hold-day", app_id, tenant_id))
        if held > 0:
            raise day_spent_error(time.time() + held / 1000)
        if not await self._windows.test(self._day, app_id, tenant_id):
            stats = await self._windows.get_window_stats(self._day, app_id, tenant_id)
            raise day_spent_error(stats.reset_time)

    async def observe(self, app_id: str, tenant_id: str, headers: Mapping[str, str]) -> None:
        """Count calls Xero saw and we did not; never uncount.

        Best effort: the response is already in hand, so a Redis failure here is logged, not
        raised (the next acquire fails closed if Redis stays away).
        """
        remaining = remaining_from_headers(headers)
        try:
            for name, item, ids in (("minute", self._minute, (app_id, tenant_id)),
                                    ("day", self._day, (app_id, tenant_id)),
                                    ("appminute", self._app_minute, (app_id,))):
                if name in remaining:
                    await self._resync(item, ids, remaining[name])
        except RedisError as exc:
            log.warning("rate budget: could not resynchronise %s/%s: %s", app_id, tenant_id, exc)

    async def _resync(self, item: RateLimitItem, ids: tuple[str, ...], theirs: int) -> None:
        stats = await self._windows.get_window_stats(item, *ids)
        missing = stats.remaining - theirs
        while missing > 0:
            # Another process may fill the window between our read and our write; then take
            # what still fits, halving, rather than overshoot.
            if await self._storage.acquire_entry(item.key_for(*ids), item.amount,
                                                 item.get_expiry(), amount=missing):
                return
            missing //= 2

    async def penalise(self, app_id: str, tenant_id: str, problem: str | None,
                       retry_after: float) -> None:
        """Hold the limit a 429 named until Retry-After has passed, for every process."""
        kind = normalise_problem(problem)
        key = {"day": self._key("hold-day", app_id, tenant_id),
               "appminute": self._key("hold-app", app_id)}.get(
                   kind, self._key("hold", app_id, tenant_id))
        ms = int(max(0.0, retry_after) * 1000)
        if ms > 0:
            try:
                await self._hold(keys=[key], args=[ms])
            except RedisError as exc:  # the retry policy still waits Retry-After itself
                log.warning("rate budget: could not record a %s hold: %s", kind, exc)

    async def in_flight(self, app_id: str, tenant_id: str) -> int:
        """Unexpired leases of this tenant, across processes."""
        key = self._key("lease", app_id, tenant_id)
        now_s, now_us = await self._redis.time()
        return int(await self._redis.zcount(key, now_s * 1000 + now_us // 1000 + 1, "+inf"))
