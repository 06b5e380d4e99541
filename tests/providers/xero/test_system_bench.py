"""System check: the quick configuration of bench/xero_calls.py runs and meets its targets."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

ROOT = Path(__file__).resolve().parents[3]
# Counts from the quick run. The call counts do not depend on latency, so 5 ms instead of
# 100 keeps xero-python's ~2,400 sequential calls to about a minute.
QUICK = ["--contacts", "2000", "--invoices", "4000", "--export", "400", "--latency-ms", "5"]


def test_quick_bench_meets_its_targets() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "xero_calls.py"), *QUICK],
                          cwd=ROOT, capture_output=True, text=True, timeout=360, check=False)
    out = done.stdout
    print(out)
    assert done.returncode == 0, f"exit {done.returncode}\n{out}\n{done.stderr[-3000:]}"
    assert "Seeded 2,000 contacts, 4,000 invoices" in out
    rows = {name: re.search(rf"│ {re.escape(name)}\s*│(.*)│", out)
            for name in ("(a) full pull", "(b) export", "(c) aged summary")}
    for name, row in rows.items():
        assert row is not None, f"no table row for {name}\n{out}"
        cells = [c.strip() for c in row.group(1).split("│")]
        assert cells[-1] == "ok", (name, cells)
    # (a) 2 pages of contacts + 4 of invoices; (b) 400 / 50 batches: exactly the minimum.
    assert re.search(r"│ \(a\) full pull\s*│\s*6 │\s*6 │\s*1\.00 │", out), out
    assert re.search(r"│ \(b\) export\s*│\s*8 │\s*8 │\s*1\.00 │", out), out
    assert "All targets met." in out
