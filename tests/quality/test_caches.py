"""The hot-path caches the overhead bench asked for stay correct: API keys and query lookups."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import update

from ledgerlink.auth import service as auth_service
from ledgerlink.auth.scopes import Scope
from ledgerlink.db.models.auth import ApiKey
from ledgerlink.db.models.integrations import Integration
from ledgerlink.hub import Hub
from tests.hub_fixtures import KeyMaker, bearer


async def _key_id(hub: Hub, name: str) -> str:
    async with hub.db.session() as session:
        keys = await auth_service.list_keys(session)
        return next(k.id for k in keys if k.name == name)


async def test_revoking_a_key_here_refuses_it_at_once(client: httpx.AsyncClient, hub: Hub,
                                                     make_key: KeyMaker) -> None:
    secret = await make_key(Scope.INTEGRATIONS_READ, name="soon revoked")
    assert (await client.get("/api/v1/integrations", headers=bearer(secret))).status_code == 200
    async with hub.db.session() as session:
        await auth_service.revoke_key(session, await _key_id(hub, "soon revoked"))
    assert (await client.get("/api/v1/integrations", headers=bearer(secret))).status_code == 401


async def test_a_revocation_elsewhere_is_seen_within_the_cache_window(
        client: httpx.AsyncClient, hub: Hub, make_key: KeyMaker,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth_service, "CACHE_SECONDS", 0.05)
    secret = await make_key(Scope.INTEGRATIONS_READ, name="revoked by the CLI")
    assert (await client.get("/api/v1/integrations", headers=bearer(secret))).status_code == 200
    async with hub.db.session() as session:  # as another process would: straight to the table
        await session.execute(update(ApiKey).where(ApiKey.name == "revoked by the CLI")
                              .values(revoked_at=ApiKey.created_at))
    await asyncio.sleep(0.1)
    assert (await client.get("/api/v1/integrations", headers=bearer(secret))).status_code == 401


async def _set_status(hub: Hub, integration_id: str, status: str) -> None:
    async with hub.db.session() as session:  # as another process would
        await session.execute(update(Integration).where(Integration.id == integration_id)
                              .values(status=status))


async def test_query_lookups_are_brief_and_only_of_active_integrations(
        client: httpx.AsyncClient, hub: Hub, make_key: KeyMaker, integration_id: str) -> None:
    hub.query_lookup_seconds = 0.05
    headers = bearer(await make_key(Scope.INTEGRATIONS_READ))
    url = f"/api/v1/integrations/{integration_id}/query"
    body = {"query_type": "xero_tax_rates"}
    assert (await client.post(url, json=body, headers=headers)).status_code == 200
    await _set_status(hub, integration_id, "needs_reauth")
    await asyncio.sleep(0.1)
    refused = await client.post(url, json=body, headers=headers)
    assert refused.status_code == 409 and "needs_reauth" in refused.json()["error"]["message"]
    await _set_status(hub, integration_id, "active")  # a non-active row was not remembered
    assert (await client.post(url, json=body, headers=headers)).status_code == 200


async def test_a_failed_query_leaves_the_remembered_integration_usable(
        client: httpx.AsyncClient, make_key: KeyMaker, integration_id: str) -> None:
    headers = bearer(await make_key(Scope.INTEGRATIONS_READ))
    url = f"/api/v1/integrations/{integration_id}/query"
    # The first request loads (and remembers) the integration, then fails: its rollback must
    # not spoil the remembered row for the next ones.
    for body, status in (({"query_type": "xero_everything"}, 422),
                         ({"query_type": "xero_tax_rates"}, 200),
                         ({"query_type": "xero_accounts", "params": {"type": "NOPE"}}, 422),
                         ({"query_type": "xero_tax_rates"}, 200)):
        answer = await client.post(url, json=body, headers=headers)
        assert answer.status_code == status, (body, answer.text)
