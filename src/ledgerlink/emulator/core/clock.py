"""A settable clock so ageing, token expiry and rate windows can be driven by tests."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta


class Clock:
    """Wall-clock time plus an offset that the control plane can set or advance."""

    def __init__(self, now: datetime | None = None) -> None:
        self._offset = 0.0
        if now is not None:
            self.set(now)

    def time(self) -> float:
        """Seconds since the epoch, as the emulator sees it."""
        return time.time() + self._offset

    def now(self) -> datetime:
        """Timezone-aware UTC now."""
        return datetime.fromtimestamp(self.time(), tz=UTC)

    def today(self) -> date:
        """The current UTC date."""
        return self.now().date()

    def set(self, when: datetime) -> None:
        """Jump to an absolute instant (naive values are taken as UTC)."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        self._offset = when.timestamp() - time.time()

    def advance(self, seconds: float) -> None:
        """Move time forward (or back, with a negative value)."""
        self._offset += seconds

    def advance_delta(self, delta: timedelta) -> None:
        """Move time by a timedelta."""
        self.advance(delta.total_seconds())

    @property
    def offset(self) -> float:
        """Seconds between emulator time and wall-clock time."""
        return self._offset

    @offset.setter
    def offset(self, value: float) -> None:
        self._offset = value

    def reset(self) -> None:
        """Return to real time."""
        self._offset = 0.0
