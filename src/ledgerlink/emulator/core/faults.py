"""Seeded fault injection (5xx, spurious 429, resets, timeouts, invalid_grant) for the emulator."""

from __future__ import annotations

import dataclasses
import enum
import math
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

_RATES = ("error_5xx", "rate_429", "reset_before", "reset_after", "timeout_after")


@dataclass
class FaultSettings:
    """What to inject; rates are probabilities 0..1 per accounting API call."""

    error_5xx: float = 0.0  # 500/503 before the handler runs (nothing written)
    rate_429: float = 0.0  # a spurious 429 (problem "minute", Retry-After 1) before the handler
    reset_before: float = 0.0  # connection reset before the write commits (nothing written)
    reset_after: float = 0.0  # the write commits, then the connection is reset
    timeout_after: float = 0.0  # the write commits, then the answer is withheld
    timeout_seconds: float = 30.0
    invalid_grant: int = 0  # the next N refresh-token grants fail with invalid_grant
    writes_only: bool = False  # apply reset/timeout faults only to writes (PUT/POST/DELETE)
    operations: list[str] | None = None  # limit to these operation names (None = all)


class Decision(enum.Enum):
    """The fault (if any) chosen for one call."""

    NONE = "none"
    ERROR_5XX = "error_5xx"
    RATE_429 = "rate_429"
    RESET_BEFORE = "reset_before"
    RESET_AFTER = "reset_after"
    TIMEOUT_AFTER = "timeout_after"


# The faults that only make sense around a write when `writes_only` is set.
_TRANSPORT = frozenset({Decision.RESET_BEFORE, Decision.RESET_AFTER, Decision.TIMEOUT_AFTER})


def _is_number(value: Any) -> bool:
    # bool is an int subclass, but `error_5xx=True` is a mistake worth reporting.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_rate(name: str, value: Any) -> None:
    if not _is_number(value) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must be a probability between 0 and 1, got {value!r}")


def _check_field(name: str, value: Any) -> None:
    """Raise ValueError naming `name` when `value` is not acceptable for it."""
    if name in _RATES:
        _check_rate(name, value)
    elif name == "timeout_seconds":
        if not _is_number(value) or not math.isfinite(value) or value < 0:
            raise ValueError(f"timeout_seconds must be a number >= 0, got {value!r}")
    elif name == "invalid_grant":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"invalid_grant must be a whole number >= 0, got {value!r}")
    elif name == "writes_only":
        if not isinstance(value, bool):
            raise ValueError(f"writes_only must be true or false, got {value!r}")
    elif name == "operations" and value is not None and (
        not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value)
    ):
        raise ValueError(f"operations must be a list of operation names or null, got {value!r}")


def _normalise(name: str, value: Any) -> Any:
    """Store rates and timeouts as floats and operations as a fresh list."""
    if name in _RATES or name == "timeout_seconds":
        return float(value)
    if name == "operations" and value is not None:
        return list(value)
    return value


class FaultInjector:
    """Decides, with a seeded generator, which fault (if any) each call suffers."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._rng = random.Random(seed)
        self.settings = FaultSettings()
        self.injected: Counter[str] = Counter()

    def configure(self, **changes: Any) -> FaultSettings:
        """Apply changes atomically: on a bad name or value nothing changes; ValueError says why."""
        known = {f.name for f in dataclasses.fields(FaultSettings)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(known))}")
        for name, value in changes.items():
            _check_field(name, value)
        normalised = {name: _normalise(name, value) for name, value in changes.items()}
        candidate = dataclasses.replace(self.settings, **normalised)
        total = sum(getattr(candidate, name) for name in _RATES)
        # One draw per call picks at most one fault, so the rates share one unit interval.
        if total > 1.0 + 1e-9:
            raise ValueError(f"the rates {', '.join(_RATES)} must add up to at most 1, "
                             f"got {total:g}")
        self.settings = candidate
        return candidate

    def decide(self, operation: str, is_write: bool) -> Decision:
        """Draw once and return the fault for this call (Decision.NONE for a clean call)."""
        # Always draw, even when filtered out, so a seed gives one sequence whatever the filters.
        draw = self._rng.random()
        decision = self._pick(draw)
        if decision is not Decision.NONE and not self._applies(decision, operation, is_write):
            decision = Decision.NONE
        self.injected[decision.value] += 1
        return decision

    def _pick(self, draw: float) -> Decision:
        """Map a draw in [0, 1) onto consecutive intervals, one per fault rate."""
        upper = 0.0
        for name in _RATES:
            upper += getattr(self.settings, name)
            if draw < upper:
                return Decision(name)
        return Decision.NONE

    def _applies(self, decision: Decision, operation: str, is_write: bool) -> bool:
        ops = self.settings.operations
        if ops is not None and operation not in ops:
            return False
        return not (self.settings.writes_only and decision in _TRANSPORT and not is_write)

    def take_invalid_grant(self) -> bool:
        """Consume one pending invalid_grant failure, if any is pending."""
        if self.settings.invalid_grant <= 0:
            return False
        self.settings.invalid_grant -= 1
        self.injected["invalid_grant"] += 1
        return True

    def reset(self) -> None:
        """No faults, no counts, and the generator back at the start of its sequence."""
        self._rng = random.Random(self._seed)
        self.settings = FaultSettings()
        self.injected.clear()

    def to_dict(self) -> dict[str, Any]:
        """Current settings and how many of each decision were made, for the control plane."""
        settings = dataclasses.asdict(self.settings)
        return {"settings": settings, "injected": dict(self.injected)}
