"""Disconnecting and reconnecting: Xero told, tokens forgotten, id and configuration kept."""

from __future__ import annotations

import httpx
from pydantic import SecretStr
from sqlalchemy import select

from ledgerlink.auth.scopes import Scope
from ledgerlink.db.models.integrations import IntegrationConfiguration, ProviderGrant
from ledgerlink.http.auth import ConnectionStatus
from ledgerlink.hub import Hub
from ledgerlink.integrations import service as integrations
from ledgerlink.integrations.tokens import DbTokenStore
from ledgerlink.oauth import service
from ledgerlink.oauth.schemas import AwaitingChoice, Connected, PatConnection
from ledgerlink.oauth.service_direct import connect_pat
from ledgerlink.oauth.service_disconnect import disconnect
from tests.hub_fixtures import KeyMaker, bearer
from tests.oauth.conftest import Xero
from tests.oauth.test_authorization_code import organisation_name
from tests.oauth.test_direct import stored


async def connect(hub: Hub, xero: Xero, tenants: list[str],
                  integration_id: str | None = None) -> Connected:
    """The authorization-code flow for these organisations (all chosen when offered)."""
    started = await service.start(hub, browser_session="b", integration_id=integration_id)
    params = await xero.consent(started.authorize_url, tenants)
    outcome = await service.handle_callback(hub, browser_session="b", params=params)
    if isinstance(outcome, AwaitingChoice):
        outcome = await service.complete(hub, authorization_id=outcome.authorization_id,
                                         browser_session="b", tenant_ids=tenants)
    assert isinstance(outcome, Connected), outcome
    return outcome


async def test_disconnect_then_reconnect_keeps_the_id_and_configuration(
        hub: Hub, xero: Xero, client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    tenant, app = xero.info["tenant_id"], xero.info["client_id"]
    [made] = (await connect(hub, xero, [tenant])).integrations
    async with hub.db.session() as session:
        session.add(IntegrationConfiguration(integration_id=made.id,
                                             data={"account": {"sales_code": "200"}}))

    gone = await disconnect(hub, made.id)
    assert (gone.status, gone.xero_connection_removed, gone.token_revoked) == (
        "disconnected", True, True)
    assert gone.disconnected_at is not None
    calls = await xero.identity_calls(app)
    assert calls["deleteConnection"] == 1 and calls["revokeToken"] == 1
    assert app not in xero.connected_apps(tenant)
    assert await stored(hub) == (1, 0)  # the integration stays; its tokens are gone
    async with hub.db.session() as session:
        row = await integrations.get_integration(session, made.id)
        assert (row.status, row.grant_id) == ("disconnected", None)
        config = await session.get(IntegrationConfiguration, made.id)
        assert config is not None and config.data == {"account": {"sales_code": "200"}}

    key = bearer(await make_key(Scope.INTEGRATIONS_READ))
    refused = await client.post(f"/api/v1/integrations/{made.id}/query", headers=key,
                                json={"query_type": "xero_tax_rates", "params": {}})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "integration_not_active"
    again = await disconnect(hub, made.id)  # nothing more to do
    assert not again.xero_connection_removed and again.status == "disconnected"

    [back] = (await connect(hub, xero, [tenant], integration_id=made.id)).integrations
    assert (back.id, back.status, back.revived) == (made.id, "active", True)
    async with hub.db.session() as session:
        config = await session.get(IntegrationConfiguration, made.id)
        assert config is not None and config.data == {"account": {"sales_code": "200"}}
        row = await integrations.get_integration(session, made.id)
        assert row.disconnected_at is None and row.status_reason is None
    assert await organisation_name(hub, made.id) == xero.info["tenant_name"]


async def test_disconnecting_one_of_a_consent_leaves_the_other_working(hub: Hub,
                                                                        xero: Xero) -> None:
    first, second = xero.info["tenant_id"], await xero.new_tenant("Second Ltd")
    app = xero.info["client_id"]
    made = {i.tenant_id: i.id for i in (await connect(hub, xero, [first, second])).integrations}

    gone = await disconnect(hub, made[first])
    # Shared grant: the connection goes, the token stays for the other organisation.
    assert (gone.xero_connection_removed, gone.token_revoked) == (True, False)
    assert app not in xero.connected_apps(first) and app in xero.connected_apps(second)
    assert await organisation_name(hub, made[second]) == "Second Ltd"
    async with hub.db.session() as session:
        assert len((await session.execute(select(ProviderGrant))).all()) == 1

    last = await disconnect(hub, made[second])
    assert (last.xero_connection_removed, last.token_revoked) == (True, True)
    assert await stored(hub) == (2, 0)


async def test_a_token_is_not_revoked_while_the_same_user_connects_another_organisation(
        hub: Hub, xero: Xero) -> None:
    first, second = xero.info["tenant_id"], await xero.new_tenant("Second Ltd")
    app = xero.info["client_id"]
    [one] = (await connect(hub, xero, [first])).integrations
    [two] = (await connect(hub, xero, [second])).integrations  # a consent of its own

    gone = await disconnect(hub, one.id)
    # Revoking would make Xero drop the user's other connection too: forgotten instead.
    assert (gone.xero_connection_removed, gone.token_revoked) == (True, False)
    assert gone.note and "would disconnect them too" in gone.note
    assert app in xero.connected_apps(second)
    assert await organisation_name(hub, two.id) == "Second Ltd"
    assert await stored(hub) == (2, 1)


async def test_disconnecting_a_pat_integration_forgets_the_token(hub: Hub, xero: Xero) -> None:
    pat = await xero.pat(xero.info["tenant_id"])
    [made] = (await connect_pat(hub, PatConnection(
        tenant_id=xero.info["tenant_id"], token=SecretStr(pat["token"])))).integrations
    gone = await disconnect(hub, made.id)
    assert (gone.status, gone.xero_connection_removed, gone.token_revoked) == (
        "disconnected", False, False)
    assert await stored(hub) == (1, 0)
    [back] = (await connect(hub, xero, [xero.info["tenant_id"]])).integrations
    assert (back.id, back.connection_kind) == (made.id, "oauth_authorization_code")


async def test_disconnect_after_needs_reauth_still_forgets_everything(hub: Hub,
                                                                     xero: Xero) -> None:
    [made] = (await connect(hub, xero, [xero.info["tenant_id"]])).integrations
    async with hub.db.session() as session:
        grant_id = (await integrations.get_integration(session, made.id)).grant_id
    assert grant_id is not None
    await DbTokenStore(hub.db, hub.box).set_status(grant_id, ConnectionStatus.NEEDS_REAUTH,
                                                   "invalid_grant")
    gone = await disconnect(hub, made.id)
    assert (gone.status, gone.xero_connection_removed, gone.token_revoked) == (
        "disconnected", False, False)
    assert gone.note and "needs_reauth" in gone.note
    assert await stored(hub) == (1, 0)
