"""`ledgerlink admin set-password`: the hash stored (never the password), sessions ended."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from ledgerlink.cli.admin_cmd import app
from ledgerlink.config import Settings
from ledgerlink.db import migrate
from ledgerlink.db.crypto import SecretBox
from ledgerlink.db.models.install import InstallSecret
from ledgerlink.hub import Hub
from ledgerlink.web import security

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade_sync(url)
    return {"LEDGERLINK_DATABASE_URL": url, "LEDGERLINK_SECRET_KEYS": SecretBox.generate_key(),
            "LEDGERLINK_DATA_DIR": str(tmp_path)}


async def _check(env: dict[str, str], password: str) -> tuple[bool, bool, str]:
    hub = Hub.from_settings(Settings(database_url=env["LEDGERLINK_DATABASE_URL"],
                                     secret_keys=env["LEDGERLINK_SECRET_KEYS"]))
    try:
        console = security.Console(hub)
        cookie = await console.open_session()
        right = await security.verify_password(hub, password)
        wrong = await security.verify_password(hub, password + "!")
        async with hub.db.session() as session:
            stored = (await session.execute(select(InstallSecret.value_enc).where(
                InstallSecret.name == security.PASSWORD_SECRET))).scalar_one()
        await security.set_password(hub, "yet another password")
        ended = await console.session_of(cookie) is None
        return right and not wrong, ended, stored
    finally:
        await hub.close()


def test_set_password_from_stdin(env: dict[str, str]) -> None:
    password = "a long enough password"
    result = runner.invoke(app, ["set-password", "--password-stdin"], input=password + "\n",
                           env=env)
    assert result.exit_code == 0, result.output
    assert "/console" in result.output and password not in result.output
    verified, ended, stored = asyncio.run(_check(env, password))
    assert verified and ended
    assert password not in stored and "argon2" not in stored  # a hash, and encrypted too


def test_refuses_a_short_or_mistyped_password(env: dict[str, str]) -> None:
    short = runner.invoke(app, ["set-password", "--password-stdin"], input="short\n", env=env)
    assert short.exit_code == 2 and "at least 12" in short.output
    typo = runner.invoke(app, ["set-password"], input="a long enough password\nanother one\n",
                         env=env)
    assert typo.exit_code == 1 and "differ" in typo.output
