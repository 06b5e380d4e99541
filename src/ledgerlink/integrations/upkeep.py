"""Token upkeep in the background: finish refreshes a crash interrupted, while the grace lasts.

A process that dies after Xero rotated a refresh token but before the new pair reached the
database leaves the grant marked (`refresh_started_at`). The old refresh token still works
for Xero's 30-minute grace period: this sweep refreshes with it at start-up and then every
minute, so the connection survives even when no call comes in that window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from ledgerlink.errors import LedgerlinkError
from ledgerlink.http.auth import IdleRefreshReport
from ledgerlink.hub import Hub
from ledgerlink.integrations.tokens import DbTokenStore
from ledgerlink.integrations.xero_access import provider_for

log = logging.getLogger("ledgerlink.upkeep")
# A refresh in flight for less than this may still be answered: leave it to its owner.
SETTLE_SECONDS = 30.0


async def complete_interrupted_refreshes(hub: Hub, *, settle_seconds: float = SETTLE_SECONDS,
                                         now: float | None = None) -> IdleRefreshReport:
    """Refresh every grant whose refresh was started over `settle_seconds` ago and never stored."""
    store = DbTokenStore(hub.db, hub.box)
    started_before = (time.time() if now is None else now) - settle_seconds
    report = IdleRefreshReport()
    for grant_id in await store.interrupted_refreshes(started_before):
        try:
            client_id, secret = await store.credentials(grant_id)
            await provider_for(hub, client_id, secret).tokens.complete_interrupted(grant_id)
            report.refreshed.append(grant_id)
        except LedgerlinkError as exc:  # one dead grant must not stop the others
            report.failed[grant_id] = exc.code
            log.warning("could not complete the interrupted refresh of grant %s: %s",
                        grant_id, exc.code)
    if report.refreshed:
        log.info("completed %d interrupted token refresh(es)", len(report.refreshed))
    return report


async def run_upkeep(hub: Hub, interval_seconds: float) -> None:
    """Sweep now and then every `interval_seconds`, until cancelled; failures are logged."""
    while True:
        try:
            await complete_interrupted_refreshes(hub)
        except Exception:  # the database may be away: try again next round
            log.warning("token upkeep failed; retrying in %.0f s", interval_seconds,
                        exc_info=True)
        await asyncio.sleep(interval_seconds)


@contextlib.asynccontextmanager
async def upkeep_running(hub: Hub) -> AsyncIterator[None]:
    """Run the upkeep beside the API for as long as the context lasts (interval 0: never)."""
    interval = hub.settings.upkeep_interval_seconds
    task = asyncio.create_task(run_upkeep(hub, interval)) if interval > 0 else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
