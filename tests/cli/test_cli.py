"""The `ledgerlink` command: help, version, and `emulator serve` as a real process."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import httpx2
import pytest
from typer.testing import CliRunner

from ledgerlink import __version__
from ledgerlink.cli.main import app
from ledgerlink.emulator.core.server import free_port

LEDGERLINK = Path(sys.executable).parent / "ledgerlink"  # the venv's console script
runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("emulator", "demo", "version"):
        assert command in result.output


def test_version_prints_json() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {"ledgerlink": __version__}


def test_emulator_help_shows_serve() -> None:
    result = runner.invoke(app, ["emulator", "--help"])
    assert result.exit_code == 0
    assert "serve" in result.output
    serve = runner.invoke(app, ["emulator", "serve", "--help"])
    assert serve.exit_code == 0
    for option in ("--port", "--seed", "--rate-limits", "--auto-consent"):
        assert option in serve.output


def test_serve_refuses_an_unknown_seed() -> None:
    result = runner.invoke(app, ["emulator", "serve", "--seed", "nope"])
    assert result.exit_code != 0


def test_emulator_tour_command_runs_the_tour() -> None:
    result = runner.invoke(app, ["emulator", "tour", "--port", str(free_port())])
    assert result.exit_code == 0, result.output
    assert "Tour complete" in result.output


def _first_line(stream: IO[str], timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        pytest.fail(f"no line on stdout within {timeout} s")


def _get_info(base_url: str, deadline: float) -> dict[str, Any]:
    """GET /_emulator/info, retrying while the server is still binding its port."""
    with httpx2.Client(base_url=base_url, timeout=5, trust_env=False) as http:
        while True:
            try:
                response = http.get("/_emulator/info")
                assert response.status_code == 200
                info: dict[str, Any] = response.json()
                return info
            except httpx2.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


def test_serve_prints_its_credentials_and_serves_them() -> None:
    assert LEDGERLINK.exists(), f"{LEDGERLINK} is missing: install the project into the venv"
    port = free_port()
    proc = subprocess.Popen([str(LEDGERLINK), "emulator", "serve", "--port", str(port)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        printed = json.loads(_first_line(proc.stdout, timeout=30))
        for key in ("base_url", "client_id", "client_secret", "tenant_id", "webhook_key"):
            assert printed[key], key
        assert printed["base_url"] == f"http://127.0.0.1:{port}"
        served = _get_info(printed["base_url"], deadline=time.monotonic() + 15)
        assert served == printed
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
