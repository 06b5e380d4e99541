"""`ledgerlink demo` end to end: emulator, hub, OAuth connection, query and action."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerlink.cli.hub_demo import run_demo
from ledgerlink.emulator.core.server import free_port


def test_demo_connects_queries_and_acts(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code = run_demo(free_port(), free_port(), keep_running=False, data_dir=tmp_path / "demo")
    out = capsys.readouterr().out
    assert code == 0, out
    assert "integration Harbourside Joinery Ltd" in out
    assert "Aged receivables as at" in out
    assert "returned the same invoice" in out
    assert "API key (shown once): llk_" in out
