"""What the hub's commands share: a Hub for one command, errors ending in one line with the
console page and CLI command that fix them, the exit code, and the error as JSON for scripts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, NoReturn, TypeVar

from ledgerlink.cli.db_cmd import fail, require_tables
from ledgerlink.cli.exits import NOT_CONNECTED_CODES, exit_code_for, message_for
from ledgerlink.cli.render import print_json
from ledgerlink.config import Settings
from ledgerlink.errors import LedgerlinkError, RecordNotFoundError
from ledgerlink.hub import Hub

T = TypeVar("T")


def console_url(settings: Settings, path: str = "") -> str:
    """A page of this hub's web console."""
    return f"{settings.public_url.rstrip('/')}/console{path}"


def hint(exc: LedgerlinkError, settings: Settings, integration_id: str | None) -> str:
    """Where to go about the error: the real console page and the CLI command."""
    if integration_id and exc.code in NOT_CONNECTED_CODES:
        page = console_url(settings, f"/integrations/{integration_id}/reconnect")
        return (f" Reconnect it at {page} (`ledgerlink connect xero --reconnect "
                f"{integration_id}` prints that link).")
    if isinstance(exc, RecordNotFoundError) and exc.field in ("id", "integration_id"):
        return " `ledgerlink integrations list` shows the ids."
    return ""


def refuse(exc: LedgerlinkError, settings: Settings, integration_id: str | None = None,
           as_json: bool = False) -> NoReturn:
    """One line on stderr (with the JSON error on stdout for --json) and its exit code."""
    if as_json:
        print_json({"error": exc.to_dict()})
    said, more = message_for(exc), hint(exc, settings, integration_id)
    if more and not said.endswith((".", "!", "?", ")")):
        said += "."
    fail(said + more, exit_code_for(exc))


def with_hub(settings: Settings, work: Callable[[Hub], Awaitable[T]], *tables: str,
             integration_id: str | None = None, as_json: bool = False) -> T:
    """Run `work` with a Hub of these settings (closed afterwards); errors as `refuse` says."""

    async def main() -> T:
        hub = Hub.from_settings(settings)
        try:
            await require_tables(hub.db, *(tables or ("integrations",)))
            return await work(hub)
        finally:
            await hub.close()

    return run_refusing(main(), settings, integration_id, as_json)


def run_refusing(work: Coroutine[Any, Any, T], settings: Settings,
                 integration_id: str | None = None, as_json: bool = False) -> T:
    """Run a coroutine; a ledgerlink error ends the command as `refuse` says."""
    try:
        return asyncio.run(work)
    except LedgerlinkError as exc:
        refuse(exc, settings, integration_id, as_json)
