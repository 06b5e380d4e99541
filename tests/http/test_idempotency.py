"""idempotency_key: deterministic, distinct per operation, within Xero's 128 characters."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ledgerlink.http.idempotency import MAX_LENGTH, idempotency_key


def test_same_parts_same_key() -> None:
    assert idempotency_key("job-1", "invoice", "7") == idempotency_key("job-1", "invoice", "7")


def test_key_is_stable_across_processes() -> None:
    # A restarted process must send the key the first one sent (no per-process salt).
    code = "from ledgerlink.http.idempotency import idempotency_key as k; print(k('job-1', '7'))"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, timeout=30)
    assert other.stdout.strip() == idempotency_key("job-1", "7")


def test_known_value_pins_the_derivation() -> None:
    # Changing the derivation would re-run every write in flight during an upgrade.
    assert idempotency_key("job-1", "invoice", "7") == (
        "ll-be05e9a5270af3cd854fabbe9173b445075465258cfa1c90991e361bde44eaff")


def test_different_operations_get_different_keys() -> None:
    keys = {idempotency_key("job-1", str(i)) for i in range(1000)}
    assert len(keys) == 1000
    assert idempotency_key("job-1") != idempotency_key("job-2")


def test_parts_cannot_bleed_into_one_another() -> None:
    assert idempotency_key("ab", "c") != idempotency_key("a", "bc")
    assert idempotency_key("a", "") != idempotency_key("a")
    assert idempotency_key("a:b") != idempotency_key("a", "b")


def test_length_and_alphabet() -> None:
    key = idempotency_key("x" * 10_000, "ünïcødé", "")
    assert len(key) <= MAX_LENGTH
    assert key.startswith("ll-")
    assert all(c in "0123456789abcdef" for c in key[3:])


def test_refuses_no_parts_and_non_strings() -> None:
    with pytest.raises(ValueError):
        idempotency_key()
    with pytest.raises(TypeError):
        idempotency_key("job", 7)  # type: ignore[arg-type]
