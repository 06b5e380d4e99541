"""`ledgerlink serve`: check the database, migrate it, and run the REST API."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
import uvicorn

from ledgerlink.cli.db_cmd import fail, load_settings, require_tables
from ledgerlink.cli.failures import safe_url, scrub
from ledgerlink.config import Settings
from ledgerlink.hub import Hub

# How long the database may take to answer at start before `serve` gives up with a message.
START_TIMEOUT_SECONDS = 10.0


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8765,
    migrate: Annotated[bool, typer.Option(help="Upgrade the database first")] = True,
) -> None:
    """Serve the API (settings from LEDGERLINK_* variables; SQLite in the data dir by default)."""
    from ledgerlink.api.app import create_app

    settings = load_settings()
    asyncio.run(prepare(settings, migrate))
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


async def prepare(settings: Settings, migrate: bool = True) -> None:
    """Everything that can fail at start, failing in one line: settings, database, pepper.

    The pepper is made here on an install's first start, so the API's first request finds it.
    """
    from ledgerlink.db import migrate as migrations

    hub = Hub.from_settings(settings)  # no LEDGERLINK_SECRET_KEYS: a ConfigurationError
    url = settings.resolved_database_url()
    try:
        problem = await hub.database_ready(timeout=START_TIMEOUT_SECONDS)
        if problem is not None:
            fail(f"cannot reach the database at {safe_url(url)}: it {scrub(url, problem)}. "
                 "Start it, or fix LEDGERLINK_DATABASE_URL (LEDGERLINK_DATA_DIR for SQLite).")
        if migrate:
            await migrations.upgrade(url)
        else:
            await require_tables(hub.db, "api_keys", "install_secrets")
        await hub.load_pepper()
    finally:
        await hub.close()
