"""A wrong setting or an unreachable database at start is one line on stderr, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledgerlink.cli.main import app
from ledgerlink.db.crypto import SecretBox
from ledgerlink.emulator.core.server import free_port

LEDGERLINK = Path(sys.executable).parent / "ledgerlink"  # the venv's console script
runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str | None]:
    """No LEDGERLINK_* setting from the machine, a data dir of its own, no .env in the CWD."""
    monkeypatch.chdir(tmp_path)
    cleared: dict[str, str | None] = {k: None for k in os.environ if k.startswith("LEDGERLINK_")}
    return {**cleared, "LEDGERLINK_DATA_DIR": str(tmp_path / "data")}


def one_line_error(args: list[str], env: dict[str, str | None]) -> str:
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def test_serve_without_secret_keys(env: dict[str, str | None]) -> None:
    line = one_line_error(["serve"], env)
    assert "LEDGERLINK_SECRET_KEYS" in line and "ledgerlink keys secret" in line


def test_serve_against_an_unreachable_database_names_it_without_the_password(
        env: dict[str, str | None]) -> None:
    port = free_port()  # nothing listens there: connection refused at once
    line = one_line_error(["serve"], {
        **env, "LEDGERLINK_SECRET_KEYS": SecretBox.generate_key(),
        "LEDGERLINK_DATABASE_URL": f"postgresql+psycopg://ll:hunter2@127.0.0.1:{port}/hub"})
    assert f"postgresql+psycopg://ll:***@127.0.0.1:{port}/hub" in line
    assert "hunter2" not in line
    assert "LEDGERLINK_DATABASE_URL" in line  # what to do


def test_other_commands_are_one_line_too(env: dict[str, str | None]) -> None:
    line = one_line_error(["keys", "create", "--name", "x", "--scopes", "crm:read"], env)
    assert "LEDGERLINK_SECRET_KEYS" in line
    line = one_line_error(["serve"], {**env, "LEDGERLINK_SMTP_PORT": "twenty-five"})
    assert "LEDGERLINK_SMTP_PORT" in line


def test_the_real_process_prints_one_line(tmp_path: Path) -> None:
    """The console script, as a user runs it (typer's pretty traceback is off the table)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERLINK_")}
    done = subprocess.run([str(LEDGERLINK), "serve"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60,
                          env={**clean, "LEDGERLINK_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "Error: No encryption key is configured: set LEDGERLINK_SECRET_KEYS (generate one "
        "with `ledgerlink keys secret`)."]
