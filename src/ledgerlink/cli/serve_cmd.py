"""`ledgerlink serve`: migrate the database and run the REST API."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from ledgerlink.config import get_settings


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8765,
    migrate: Annotated[bool, typer.Option(help="Upgrade the database first")] = True,
) -> None:
    """Serve the API (settings from LEDGERLINK_* variables; SQLite in the data dir by default)."""
    from ledgerlink.api.app import create_app
    from ledgerlink.db.migrate import upgrade_sync

    settings = get_settings()
    if migrate:
        upgrade_sync(settings.resolved_database_url())
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
