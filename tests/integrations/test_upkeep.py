"""A crash mid-refresh: Xero rotated the refresh token, the new pair never reached the database.

The refresh is recorded before it is sent, and the upkeep completes it inside Xero's
30-minute grace, so the connection outlives the grace even when no call comes in it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from ledgerlink.db.models.integrations import Integration
from ledgerlink.errors import NeedsReauthError
from ledgerlink.http.auth import StoredConnection, TokenManager, TokenSet
from ledgerlink.hub import Hub
from ledgerlink.integrations.tokens import DbTokenStore
from ledgerlink.integrations.upkeep import SETTLE_SECONDS, complete_interrupted_refreshes
from ledgerlink.integrations.xero_access import provider_for
from ledgerlink.providers.xero.oauth import refresher_for
from tests.http.test_auth import Counting
from tests.integrations.conftest import Xero

MINUTE = 60.0


class CrashAfterAnswer(Exception):
    """The process died after Xero answered, before the new pair was stored."""


@pytest.fixture
async def clock(xero: Xero) -> AsyncIterator[Xero]:
    """The emulator, its clock put back afterwards (it is shared by the session)."""
    try:
        yield xero
    finally:
        await xero.control.post("/_emulator/clock", json={"reset": True})


async def _crash_mid_refresh(hub: Hub, integration_id: str) -> tuple[str, StoredConnection]:
    async with hub.db.session() as session:
        grant_id = (await session.execute(select(Integration.grant_id).where(
            Integration.id == integration_id))).scalar_one()
    assert grant_id is not None
    store = DbTokenStore(hub.db, hub.box)
    before = await store.get(grant_id)
    real = refresher_for(provider_for(hub).oauth)

    async def dies_after_the_answer(row: StoredConnection) -> TokenSet:
        await real(row)  # Xero rotates the refresh token here
        raise CrashAfterAnswer()

    with pytest.raises(CrashAfterAnswer):
        await TokenManager(store, dies_after_the_answer).refresh(grant_id)
    after = await store.get(grant_id)
    assert after.tokens == before.tokens and after.refresh_started_at is not None
    return grant_id, before


async def test_the_upkeep_completes_an_interrupted_refresh_inside_the_grace(
        hub: Hub, clock: Xero, integration_id: str) -> None:
    grant_id, before = await _crash_mid_refresh(hub, integration_id)
    await clock.control.post("/_emulator/clock", json={"advance_seconds": 10 * MINUTE})
    # Still in flight for less than the settle time: left to its (maybe living) owner.
    assert (await complete_interrupted_refreshes(hub)).refreshed == []
    report = await complete_interrupted_refreshes(hub, now=time.time() + SETTLE_SECONDS + 1)
    assert report.refreshed == [grant_id] and report.failed == {}
    row = await DbTokenStore(hub.db, hub.box).get(grant_id)
    assert row.refresh_started_at is None
    assert row.tokens is not None and before.tokens is not None
    assert row.tokens.refresh_token != before.tokens.refresh_token
    # 35 minutes after the crash the rotated-away token is dead, but the stored one is fresh.
    await clock.control.post("/_emulator/clock", json={"advance_seconds": 25 * MINUTE})
    refreshed = await provider_for(hub).tokens.refresh(grant_id)
    assert refreshed.status.value == "active"
    assert (await complete_interrupted_refreshes(hub, now=time.time() + 3600)).refreshed == []


async def test_without_the_upkeep_the_grace_runs_out(hub: Hub, clock: Xero,
                                                     integration_id: str) -> None:
    """What the mark prevents: the connection falls to needs_reauth and needs a person."""
    grant_id, _ = await _crash_mid_refresh(hub, integration_id)
    await clock.control.post("/_emulator/clock", json={"advance_seconds": 35 * MINUTE})
    with pytest.raises(NeedsReauthError):
        await provider_for(hub).tokens.refresh(grant_id)
    row = await DbTokenStore(hub.db, hub.box).get(grant_id)
    assert row.status.value == "needs_reauth" and row.refresh_started_at is None
    assert (await complete_interrupted_refreshes(hub, now=time.time() + 3600)).refreshed == []


async def test_contended_refreshes_leave_nothing_in_flight(hub: Hub, clock: Xero,
                                                           integration_id: str) -> None:
    """Callers that waited and found a fresh pair take their announcement back."""
    async with hub.db.session() as session:
        grant_id = (await session.execute(select(Integration.grant_id).where(
            Integration.id == integration_id))).scalar_one()
    assert grant_id is not None
    store = DbTokenStore(hub.db, hub.box)
    counting = Counting(refresher_for(provider_for(hub).oauth))
    # Two managers, as two processes: each announces, one refreshes, the other reuses.
    managers = [TokenManager(store, counting), TokenManager(store, counting)]
    await asyncio.gather(*(managers[i % 2].refresh(grant_id) for i in range(2)))
    row = await store.get(grant_id)
    assert row.refreshes_in_flight == 0 and row.refresh_started_at is None
    assert (await complete_interrupted_refreshes(hub, now=time.time() + 3600)).refreshed == []


async def test_two_sweeps_complete_an_interrupted_refresh_once(
        hub: Hub, clock: Xero, integration_id: str) -> None:
    grant_id, _ = await _crash_mid_refresh(hub, integration_id)
    before = await clock.refreshes()
    later = time.time() + SETTLE_SECONDS + 1
    reports = await asyncio.gather(complete_interrupted_refreshes(hub, now=later),
                                   complete_interrupted_refreshes(hub, now=later))
    assert sorted(r.refreshed for r in reports) == [[grant_id], [grant_id]]
    # Both sweeps saw it; only the first refreshed, the second found it settled.
    assert await clock.refreshes() - before == 1
    assert (await DbTokenStore(hub.db, hub.box).get(grant_id)).refreshes_in_flight == 0
