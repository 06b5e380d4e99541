"""Action runs: Idempotency-Keys belong to their API key, runs are readable by id, owners
keep their runs alive while they execute."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from ledgerlink.auth.scopes import Scope
from ledgerlink.db.base import utcnow
from ledgerlink.db.models.integrations import ActionRun
from ledgerlink.hub import Hub
from ledgerlink.integrations import actions
from ledgerlink.integrations import actions_repository as runs
from tests.hub_fixtures import KeyMaker, bearer
from tests.integrations.conftest import Actions, Xero

CONTACT: dict[str, Any] = {"name": "Kōwhai Kitchens", "email": "hello@kowhai.example"}


def _contacts(xero: Xero, name: str) -> list[dict[str, Any]]:
    return [c for c in xero.org.contacts.values() if c["Name"] == name]


async def test_an_idempotency_key_belongs_to_its_api_key(
        act: Actions, api: httpx.AsyncClient, integration_id: str, make_key: KeyMaker,
        xero: Xero) -> None:
    first = await act("xero_create_contact", key="shared-key", **CONTACT)
    assert first.status_code == 200, first.text
    other = bearer(await make_key(Scope.INTEGRATIONS_WRITE, name="other app"))
    url = f"/api/v1/integrations/{integration_id}/action"
    theirs = await api.post(url, headers={**other, "Idempotency-Key": "shared-key"}, json={
        "action_type": "xero_create_contact", "params": {"name": "Rimu Roofing"}})
    # Not the first caller's stored answer, and not a 409 for "another body" either.
    assert theirs.status_code == 200, theirs.text
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.json()["data"]["name"] == "Rimu Roofing"
    again = await act("xero_create_contact", key="shared-key", **CONTACT)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(_contacts(xero, "Rimu Roofing")) == 1 and len(_contacts(xero, CONTACT["name"])) == 1


async def test_a_run_is_readable_by_id(act: Actions, api: httpx.AsyncClient,
                                       integration_id: str, hub: Hub) -> None:
    done = await act("xero_create_contact", key="read-me", **CONTACT)
    run_id = done.json()["action_run_id"]
    got = await api.get(f"/api/v1/integrations/{integration_id}/actions/{run_id}")
    assert got.status_code == 200, got.text
    run = got.json()
    assert run["status"] == "succeeded" and run["status_code"] == 200
    assert run["result"] == done.json() and run["error"] is None
    assert run["idempotency_key"] == "read-me" and run["action_type"] == "xero_create_contact"
    refused = await act("xero_update_invoice", invoice_id="00000000-0000-4000-8000-0000000000aa",
                        reference="nope")
    assert refused.status_code == 422, refused.text
    failed_id = refused.json()["error"]["details"]["action_run_id"]
    failed = (await api.get(f"/api/v1/integrations/{integration_id}/actions/{failed_id}")).json()
    assert failed["status"] == "failed" and failed["status_code"] == 422
    assert failed["error"]["code"] == refused.json()["error"]["code"]
    missing = await api.get(f"/api/v1/integrations/{integration_id}/actions/"
                            "00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


async def test_the_owner_keeps_its_run_alive_and_stops_when_it_ends(
        hub: Hub, integration_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions, "HEARTBEAT_SECONDS", 0.01)
    old = utcnow() - actions.STALE_AFTER * 2
    run = ActionRun(integration_id=integration_id, caller_id="key:x", idempotency_key="alive",
                    action_type="xero_create_contact", request_hash="h", status="running",
                    updated_at=old, lease_id="lease-a")
    async with hub.db.session() as session:
        session.add(run)
    beating = asyncio.create_task(actions._keep_alive(hub, run.id, "lease-a"))
    try:
        for _ in range(500):  # bounded: a touch comes within a few heartbeats
            await asyncio.sleep(0.01)
            async with hub.db.session() as session:
                seen = (await session.execute(select(ActionRun.updated_at).where(
                    ActionRun.id == run.id))).scalar_one()
            if seen > old:
                break
        assert seen > old, "the running run was never touched"
        async with hub.db.session() as session:
            await session.execute(update(ActionRun).where(ActionRun.id == run.id).values(
                status="succeeded"))
        for _ in range(500):
            if beating.done():
                break
            await asyncio.sleep(0.01)
        assert beating.done() and beating.exception() is None
    finally:
        beating.cancel()


async def test_an_owner_whose_run_was_taken_over_stores_nothing(hub: Hub,
                                                               integration_id: str) -> None:
    run = ActionRun(integration_id=integration_id, caller_id="key:x", idempotency_key="moved",
                    action_type="xero_create_contact", request_hash="h", status="running",
                    updated_at=utcnow() - actions.STALE_AFTER * 2, lease_id="lease-old")
    async with hub.db.session() as session:
        session.add(run)
    async with hub.db.session() as session:
        new_lease = await runs.take_over(session, run.id, run.updated_at)
        late = await runs.take_over(session, run.id, run.updated_at)  # a twin, too late
    assert new_lease is not None and late is None
    async with hub.db.session() as session:
        assert not await runs.touch(session, run.id, "lease-old")
        assert not await runs.finish(session, run.id, "lease-old", "failed", None,
                                     {"code": "stale"})
        assert await runs.touch(session, run.id, new_lease)
        assert await runs.finish(session, run.id, new_lease, "succeeded",
                                 {"status_code": 200, "body": {}}, None)
    async with hub.db.session() as session:
        stored = await session.get(ActionRun, run.id)
    assert stored is not None and stored.status == "succeeded" and stored.error is None
