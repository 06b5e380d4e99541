"""bench/api_overhead.py runs end to end (a few requests) and its target decides the exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "api_overhead.py"

pytestmark = pytest.mark.timeout(150)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BENCH), "--n", "60", "--warmup", "10", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "120"})


def test_the_bench_prints_its_table_and_exits_by_the_target() -> None:
    missed = _run("--target-ms", "0")  # no hub can add nothing: the target is missed
    assert missed.returncode == 1, missed.stdout + missed.stderr
    for row in ("bare FastAPI endpoint", "emulator direct (/TaxRates)",
                "hub query (xero_tax_rates)", "overhead (hub - direct)", "p50", "p99"):
        assert row in missed.stdout, (row, missed.stdout, missed.stderr)
    assert "MISSED" in missed.stdout


def test_a_met_target_exits_zero() -> None:
    met = _run("--target-ms", "10000")
    assert met.returncode == 0, met.stdout + met.stderr
    assert "met" in met.stdout
