"""Fault injection: reproducible by seed, rates honoured, filters, and strict configuration."""

from __future__ import annotations

import math
from typing import Any

import pytest

from ledgerlink.emulator.core.faults import Decision, FaultInjector, FaultSettings

RATES = {
    "error_5xx": 0.1,
    "rate_429": 0.05,
    "reset_before": 0.05,
    "reset_after": 0.1,
    "timeout_after": 0.2,
}


def draws(
    injector: FaultInjector, n: int, operation: str = "createInvoices", is_write: bool = True
) -> list[Decision]:
    return [injector.decide(operation, is_write) for _ in range(n)]


def test_no_faults_by_default() -> None:
    injector = FaultInjector(seed=1)
    assert set(draws(injector, 1000)) == {Decision.NONE}
    assert injector.injected == {"none": 1000}


def test_same_seed_gives_the_same_sequence() -> None:
    a, b, c = FaultInjector(7), FaultInjector(7), FaultInjector(8)
    for injector in (a, b, c):
        injector.configure(**RATES)
    seq_a, seq_b, seq_c = draws(a, 500), draws(b, 500), draws(c, 500)
    assert seq_a == seq_b
    assert seq_a != seq_c


def test_reset_restarts_the_sequence_and_clears_everything() -> None:
    injector = FaultInjector(3)
    injector.configure(**RATES)
    first = draws(injector, 200)
    injector.reset()
    assert injector.settings == FaultSettings()
    assert injector.injected == {}
    injector.configure(**RATES)
    assert draws(injector, 200) == first


def test_rates_roughly_match_over_10000_draws() -> None:
    injector = FaultInjector(seed=42)
    injector.configure(**RATES)
    n = 10_000
    seen = draws(injector, n)
    for name, p in RATES.items():
        count = seen.count(Decision(name))
        sigma = math.sqrt(n * p * (1 - p))
        assert abs(count - n * p) < 4 * sigma, (name, count)
        assert injector.injected[name] == count
    none_p = 1 - sum(RATES.values())
    assert abs(seen.count(Decision.NONE) - n * none_p) < 4 * math.sqrt(n * none_p * (1 - none_p))
    assert sum(injector.injected.values()) == n


def test_rate_of_one_always_faults() -> None:
    injector = FaultInjector(seed=1)
    injector.configure(reset_after=1.0)
    assert set(draws(injector, 100)) == {Decision.RESET_AFTER}


def test_writes_only_spares_reads_from_transport_faults_but_not_errors() -> None:
    injector = FaultInjector(seed=5)
    injector.configure(**RATES, writes_only=True)
    reads = draws(injector, 5000, operation="getInvoices", is_write=False)
    assert set(reads) == {Decision.NONE, Decision.ERROR_5XX, Decision.RATE_429}
    writes = draws(injector, 5000, is_write=True)
    assert {Decision.RESET_BEFORE, Decision.RESET_AFTER, Decision.TIMEOUT_AFTER} <= set(writes)


def test_operations_filter_and_one_draw_per_call_regardless() -> None:
    filtered, unfiltered = FaultInjector(9), FaultInjector(9)
    filtered.configure(**RATES, operations=["createInvoices"])
    unfiltered.configure(**RATES)
    ops = ["createInvoices", "getContacts"] * 500
    got = [filtered.decide(op, True) for op in ops]
    reference = [unfiltered.decide(op, True) for op in ops]
    # Filtering never shifts the random sequence: the included calls see the same faults.
    for op, g, r in zip(ops, got, reference, strict=True):
        assert g == (r if op == "createInvoices" else Decision.NONE)
    assert any(g is not Decision.NONE for g in got)


def test_invalid_grant_counts_down() -> None:
    injector = FaultInjector(seed=1)
    assert injector.take_invalid_grant() is False
    injector.configure(invalid_grant=2)
    assert [injector.take_invalid_grant() for _ in range(4)] == [True, True, False, False]
    assert injector.settings.invalid_grant == 0
    assert injector.injected["invalid_grant"] == 2


def test_configure_normalises_and_reports() -> None:
    injector = FaultInjector(seed=1)
    settings = injector.configure(error_5xx=1, timeout_seconds=2, operations=("a", "b"))
    assert settings is injector.settings
    assert settings.error_5xx == 1.0 and isinstance(settings.error_5xx, float)
    assert settings.operations == ["a", "b"]
    injector.decide("a", True)
    assert injector.to_dict() == {
        "settings": {
            "error_5xx": 1.0,
            "rate_429": 0.0,
            "reset_before": 0.0,
            "reset_after": 0.0,
            "timeout_after": 0.0,
            "timeout_seconds": 2.0,
            "invalid_grant": 0,
            "writes_only": False,
            "operations": ["a", "b"],
        },
        "injected": {"error_5xx": 1},
    }
    # Later calls change only what they name.
    injector.configure(operations=None)
    assert injector.settings.error_5xx == 1.0 and injector.settings.operations is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"error_500": 0.1}, "error_500"),
        ({"error_5xx": 1.5}, "error_5xx"),
        ({"rate_429": -0.1}, "rate_429"),
        ({"reset_before": "0.5"}, "reset_before"),
        ({"reset_after": True}, "reset_after"),
        ({"timeout_after": float("nan")}, "timeout_after"),
        ({"timeout_seconds": -1}, "timeout_seconds"),
        ({"timeout_seconds": float("inf")}, "timeout_seconds"),
        ({"invalid_grant": -1}, "invalid_grant"),
        ({"invalid_grant": 1.5}, "invalid_grant"),
        ({"writes_only": "yes"}, "writes_only"),
        ({"operations": "createInvoices"}, "operations"),
        ({"operations": ["ok", 3]}, "operations"),
        ({"error_5xx": 0.6, "reset_after": 0.6}, "reset_after"),
    ],
)
def test_configure_rejects_bad_values_naming_the_field(changes: dict[str, Any], field: str) -> None:
    injector = FaultInjector(seed=1)
    injector.configure(timeout_after=0.25)
    before = injector.to_dict()
    with pytest.raises(ValueError, match=field):
        injector.configure(**changes)
    assert injector.to_dict() == before  # nothing applied on failure
