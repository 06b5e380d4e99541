"""Time and sleep behind one interface so retries, budgets and expiry are testable."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """What the HTTP layer needs of time."""

    def time(self) -> float:
        """Seconds since the epoch."""
        ...

    def monotonic(self) -> float:
        """A clock that never goes back (for windows and deadlines)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait (tests replace this with a fake that only advances time)."""
        ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        """Seconds since the epoch."""
        return time.time()

    def monotonic(self) -> float:
        """Monotonic seconds."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """asyncio.sleep."""
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock that moves only when slept on or advanced; sleeps return at once."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.mono = 0.0
        self.slept: list[float] = []

    def time(self) -> float:
        """Fake epoch seconds."""
        return self.now

    def monotonic(self) -> float:
        """Fake monotonic seconds."""
        return self.mono

    def advance(self, seconds: float) -> None:
        """Move both clocks forward."""
        self.now += seconds
        self.mono += seconds

    async def sleep(self, seconds: float) -> None:
        """Record the sleep and advance instead of waiting."""
        self.slept.append(seconds)
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)
