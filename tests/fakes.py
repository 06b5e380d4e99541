"""Test doubles shared by the suite (kept out of src/: the product never uses them)."""

from __future__ import annotations

import asyncio


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
