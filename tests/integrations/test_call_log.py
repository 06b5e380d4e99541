"""The activity log: real provider calls against the emulator are recorded off the request path,
bounded per organisation, free of secrets, and a failing log never fails a call."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ledgerlink.db.engine import Database
from ledgerlink.db.models.activity import ProviderCall
from ledgerlink.errors import LedgerlinkError
from ledgerlink.http.observer import CallRecord
from ledgerlink.hub import Hub
from ledgerlink.integrations import call_log as activity
from ledgerlink.integrations import service as integrations
from ledgerlink.integrations.call_log import CallLog, call_log
from ledgerlink.integrations.tokens import DbTokenStore
from ledgerlink.integrations.xero_access import client_for
from ledgerlink.providers.xero.client import XeroClient
from tests.integrations.conftest import Xero

NEEDLE = "Needle Personal Data Ltd"


async def _client(hub: Hub, integration_id: str) -> XeroClient:
    async with hub.db.session() as session:
        integration = await integrations.get_integration(session, integration_id)
    return client_for(hub, integration)


async def _rows(hub: Hub) -> list[ProviderCall]:
    async with hub.db.session() as session:
        result = await session.execute(select(ProviderCall).order_by(ProviderCall.id))
        return list(result.scalars())


def _record(tenant: str, n: int, *, at: float | None = None,
            day: int | None = None) -> CallRecord:
    return CallRecord(connection_id="grant-1", app_id="app", tenant_id=tenant,
                      operation=f"op_{n}", method="GET", attempt=1, status=200, error=None,
                      duration_ms=n, at=time.time() if at is None else at, day_remaining=day)


async def test_real_calls_are_recorded_with_status_duration_and_budget_left(
        hub: Hub, xero: Xero, integration_id: str) -> None:
    client = await _client(hub, integration_id)
    await client.get("/Contacts", operation="list_contacts",
                     params={"where": f'Name=="{NEEDLE}"'})
    await client.get("/Organisation", operation="get_organisation")
    with pytest.raises(LedgerlinkError):
        await client.get("/Invoices/00000000-0000-0000-0000-000000000001",
                         operation="get_invoice")
    log = call_log(hub)
    assert log.pending == 3  # queued on the call path, not yet written
    await log.flush()

    rows = await _rows(hub)
    assert [(r.operation, r.method, r.status, r.attempt) for r in rows] == [
        ("list_contacts", "GET", 200, 1), ("get_organisation", "GET", 200, 1),
        ("get_invoice", "GET", 404, 1)]
    async with hub.db.session() as session:
        integration = await integrations.get_integration(session, integration_id)
    for row in rows:
        assert (row.platform, row.tenant_id) == ("xero", xero.info["tenant_id"])
        assert row.grant_id == integration.grant_id
        assert row.error is None and row.duration_ms >= 0
        assert abs(row.at.timestamp() - time.time()) < 60
        assert row.minute_remaining is not None
    # Xero's X-DayLimit-Remaining, one less after each call the emulator counted.
    days = [r.day_remaining for r in rows]
    assert all(d is not None and 0 < d < 5000 for d in days)
    assert days[0] is not None and days[1] == days[0] - 1


async def test_nothing_secret_or_personal_is_stored(hub: Hub, xero: Xero,
                                                    integration_id: str) -> None:
    client = await _client(hub, integration_id)
    await client.get("/Contacts", operation="list_contacts",
                     params={"where": f'Name=="{NEEDLE}"', "page": 7})
    await call_log(hub).flush()
    async with hub.db.session() as session:
        integration = await integrations.get_integration(session, integration_id)
    assert integration.grant_id is not None
    tokens = (await DbTokenStore(hub.db, hub.box).get(integration.grant_id)).tokens
    assert tokens is not None
    secrets = [tokens.access_token, tokens.refresh_token or "", xero.info["client_secret"],
               NEEDLE, "Needle", "where", "page=", "?", "/Contacts", "Bearer", "api.xro"]
    rows = await _rows(hub)
    assert len(rows) == 1
    stored = " ".join(str(getattr(rows[0], c.key)) for c in ProviderCall.__table__.columns)
    for secret in secrets:
        assert secret and secret not in stored, secret


async def test_each_organisation_keeps_only_its_latest_calls(hub: Hub) -> None:
    log = CallLog(hub.db, keep=5, batch_size=4, flush_delay=60)
    for n in range(12):
        log.record("xero", _record("tenant-a", n))
    for n in range(3):
        log.record("xero", _record("tenant-b", n))
    await log.flush()
    for n in range(12, 14):  # a second flush prunes again
        log.record("xero", _record("tenant-a", n))
    await log.aclose()
    async with hub.db.session() as session:
        a = await activity.recent_calls(session, "xero", "tenant-a", limit=50)
        b = await activity.recent_calls(session, "xero", "tenant-b", limit=50)
        total = await session.scalar(select(func.count()).select_from(ProviderCall))
    assert [r.operation for r in a] == [f"op_{n}" for n in (13, 12, 11, 10, 9)]
    assert [r.operation for r in b] == ["op_2", "op_1", "op_0"]
    assert total == 8


async def test_the_background_flusher_writes_by_itself_and_close_writes_the_rest(
        hub: Hub) -> None:
    log = CallLog(hub.db, flush_delay=0.01)
    log.record("xero", _record("t", 1))
    for _ in range(200):  # the flusher runs on its own; no flush() is called
        if await _rows(hub):
            break
        await asyncio.sleep(0.01)
    assert [r.operation for r in await _rows(hub)] == ["op_1"]

    slow = CallLog(hub.db, flush_delay=3600)
    hub.call_log = slow
    slow.record("xero", _record("t", 2))
    await hub.close()  # cancels the hour-long wait and writes what is queued
    slow.record("xero", _record("t", 3))  # after close: ignored
    reopened = Database(hub.db.url)
    try:
        async with reopened.session() as session:
            ops = (await session.execute(select(ProviderCall.operation)
                                         .order_by(ProviderCall.id))).scalars().all()
    finally:
        await reopened.dispose()
    assert ops == ["op_1", "op_2"]


async def test_a_broken_log_database_never_fails_a_call(
        hub: Hub, xero: Xero, integration_id: str, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    broken = Database(f"sqlite+aiosqlite:///{tmp_path / 'no-tables.db'}")  # no schema
    hub.call_log = CallLog(broken, flush_delay=0)
    try:
        client = await _client(hub, integration_id)
        with caplog.at_level(logging.WARNING, "ledgerlink.activity"):
            body = await client.get("/Organisation", operation="get_organisation")
            assert body["Organisations"]
            await asyncio.sleep(0.05)  # the flusher fails in the background
            await hub.call_log.flush()
        assert hub.call_log.dropped == 1
        assert "could not store 1 provider call record(s)" in caplog.text
    finally:
        with contextlib.suppress(Exception):
            await hub.call_log.aclose()
        await broken.dispose()


async def test_todays_budget_is_the_latest_answer_of_today(hub: Hub) -> None:
    now = datetime.now(UTC)
    midnight = activity.start_of_day(now)
    yesterday = (midnight - timedelta(minutes=5)).timestamp()

    def today(share: float) -> float:  # an instant between midnight and now
        return (midnight + (now - midnight) * share).timestamp()

    log = CallLog(hub.db, flush_delay=60)
    log.record("xero", _record("old", 1, at=yesterday, day=12))
    log.record("xero", _record("busy", 1, at=yesterday, day=100))
    log.record("xero", _record("busy", 2, at=today(0.5), day=4990))
    log.record("xero", _record("busy", 3, at=today(0.7), day=4989))
    log.record("xero", _record("busy", 4, at=today(0.9), day=None))  # no header
    await log.aclose()
    async with hub.db.session() as session:
        budgets: dict[Any, int] = dict(await activity.budgets_today(session, now))
        one = await activity.budgets_today(session, now, ("xero", "busy"))
    assert budgets == {("xero", "busy"): 4989}  # "old" called only yesterday: unknown today
    assert dict(one) == {("xero", "busy"): 4989}
