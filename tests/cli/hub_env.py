"""A hub for CLI tests: a migrated SQLite file, the emulator's demo organisation connected, and
the LEDGERLINK_* variables a command reads its settings from."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from ledgerlink.cli.main import app
from ledgerlink.db.crypto import SecretBox
from ledgerlink.db.migrate import upgrade_sync
from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.hub import Hub
from tests.quality.support import connect_demo, hub_settings

runner = CliRunner()


@dataclass
class CliHub:
    """The environment of a command, and what was connected."""

    env: dict[str, str | None]
    integration_id: str
    emulator: RunningEmulator

    def invoke(self, *args: str, input: str | None = None) -> Result:
        """Run `ledgerlink ARGS` in-process with this hub's settings."""
        return runner.invoke(app, list(args), env=self.env, input=input)


def make_cli_hub(tmp: Path, emulator: RunningEmulator) -> CliHub:
    """A fresh database with the demo organisation connected through its consent's tokens."""
    url = f"sqlite+aiosqlite:///{tmp / 'ledgerlink.db'}"
    upgrade_sync(url)
    settings = hub_settings(url, tmp, emulator)
    keys = settings.secret_keys.get_secret_value() if settings.secret_keys else ""
    assert SecretBox.from_setting(keys)

    async def connect() -> str:
        hub = Hub.from_settings(settings)
        try:
            return await connect_demo(hub, emulator)
        finally:
            await hub.close()

    integration_id = asyncio.run(connect())
    cleared: dict[str, str | None] = {k: None for k in os.environ if k.startswith("LEDGERLINK_")}
    values: dict[str, Any] = {
        "LEDGERLINK_DATA_DIR": str(tmp), "LEDGERLINK_DATABASE_URL": url,
        "LEDGERLINK_SECRET_KEYS": keys,
        "LEDGERLINK_API_KEY_PEPPER": settings.api_key_pepper.get_secret_value()
        if settings.api_key_pepper else None,
        "LEDGERLINK_PUBLIC_URL": "http://127.0.0.1:9",  # nothing listens there
        "LEDGERLINK_XERO_CLIENT_ID": settings.xero_client_id,
        "LEDGERLINK_XERO_CLIENT_SECRET": settings.xero_client_secret.get_secret_value()
        if settings.xero_client_secret else None,
        "LEDGERLINK_XERO_API_URL": settings.xero_api_url,
        "LEDGERLINK_XERO_IDENTITY_URL": settings.xero_identity_url,
        "LEDGERLINK_UPKEEP_INTERVAL_SECONDS": "0"}
    return CliHub({**cleared, **values}, integration_id, emulator)
