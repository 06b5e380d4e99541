"""Xero's rate limits (concurrent, minute, day per tenant; minute per app) on rolling windows."""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field

from ledgerlink.emulator.core.clock import Clock
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.xero.errors import RateLimited


@dataclass
class _TenantBucket:
    """What one app has used of one organisation's allowance."""

    in_flight: int = 0
    minute: deque[float] = field(default_factory=deque)
    day: deque[float] = field(default_factory=deque)


def _prune(log: deque[float], now: float, window: float) -> None:
    """Drop the calls that have left the window; a call at t counts while now < t + window."""
    cutoff = now - window
    while log and log[0] <= cutoff:
        log.popleft()


def _wait(log: deque[float], now: float, window: float) -> int:
    """Whole seconds until the oldest call leaves the window (at least 1, as Xero never says 0)."""
    if not log:
        return 1
    return max(1, math.ceil(log[0] + window - now))


class Lease:
    """One admitted call: its remaining-allowance headers and its concurrency slot."""

    def __init__(self, limiter: RateLimiter, bucket: _TenantBucket, headers: dict[str, str]):
        self._limiter = limiter
        self._bucket = bucket
        self._headers = headers
        self._released = False

    def headers(self) -> dict[str, str]:
        """X-DayLimit-Remaining, X-MinLimit-Remaining, X-AppMinLimit-Remaining after this call."""
        return dict(self._headers)

    def release(self) -> None:
        """Free the concurrency slot; calling it again does nothing."""
        if self._released:
            return
        self._released = True
        self._limiter._release(self._bucket)

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class RateLimiter:
    """Counts calls per (app, tenant) and per app, and refuses those over Xero's limits.

    Limits are read from the config on every call, so the control plane can change them live.
    """

    def __init__(self, config: EmulatorConfig, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        # The emulator may be driven from a server thread and a test thread at once.
        self._lock = threading.Lock()
        self._tenants: dict[tuple[str, str], _TenantBucket] = {}
        self._apps: dict[str, deque[float]] = {}

    @property
    def enabled(self) -> bool:
        """Whether calls over a limit are refused (the config's `rate_limits`)."""
        return self._config.rate_limits

    @enabled.setter
    def enabled(self, value: bool) -> None:
        # Kept in the config so there is one source of truth for the control plane.
        self._config.rate_limits = value

    def reset(self) -> None:
        """Forget every call counted so far."""
        with self._lock:
            self._tenants.clear()
            self._apps.clear()

    def acquire(self, app_id: str, tenant_id: str) -> Lease:
        """Count one call, or raise RateLimited naming the limit it would break."""
        cfg = self._config
        key = (app_id, tenant_id)
        with self._lock:
            now = self._clock.time()
            bucket = self._tenants.setdefault(key, _TenantBucket())
            app_log = self._apps.setdefault(app_id, deque())
            _prune(bucket.minute, now, cfg.minute_window)
            _prune(bucket.day, now, cfg.day_window)
            _prune(app_log, now, cfg.minute_window)
            if self.enabled:
                self._check(bucket, app_log, now)
            bucket.in_flight += 1
            bucket.minute.append(now)
            bucket.day.append(now)
            app_log.append(now)
            # With limits off there is no allowance to report: headers counting down to zero
            # would make a well-behaved client throttle against limits that do not exist.
            remaining = self._remaining(bucket, app_log) if self.enabled else {}
            return Lease(self, bucket, remaining)

    def _check(self, bucket: _TenantBucket, app_log: deque[float], now: float) -> None:
        """Raise for the first limit this call would break, in Xero's order of checks."""
        cfg = self._config
        refusal: tuple[str, int] | None = None
        if bucket.in_flight >= cfg.concurrent_limit:
            refusal = ("concurrent", 1)
        elif len(app_log) >= cfg.app_minute_limit:
            refusal = ("appminute", _wait(app_log, now, cfg.minute_window))
        elif len(bucket.minute) >= cfg.minute_limit:
            refusal = ("minute", _wait(bucket.minute, now, cfg.minute_window))
        elif len(bucket.day) >= cfg.day_limit:
            refusal = ("day", _wait(bucket.day, now, cfg.day_window))
        if refusal is not None:
            problem, retry_after = refusal
            raise RateLimited(problem, retry_after, self._remaining(bucket, app_log))

    def _remaining(self, bucket: _TenantBucket, app_log: deque[float]) -> dict[str, str]:
        """The allowance headers Xero sends on every response (never below zero)."""
        cfg = self._config
        return {
            "X-DayLimit-Remaining": str(max(0, cfg.day_limit - len(bucket.day))),
            "X-MinLimit-Remaining": str(max(0, cfg.minute_limit - len(bucket.minute))),
            "X-AppMinLimit-Remaining": str(max(0, cfg.app_minute_limit - len(app_log))),
        }

    def in_flight(self, app_id: str, tenant_id: str) -> int:
        """How many calls of this app on this tenant hold a slot now."""
        with self._lock:
            bucket = self._tenants.get((app_id, tenant_id))
            return bucket.in_flight if bucket else 0

    def _release(self, bucket: _TenantBucket) -> None:
        # The lease holds its own bucket, so a lease from before reset() frees nothing new.
        with self._lock:
            bucket.in_flight = max(0, bucket.in_flight - 1)
