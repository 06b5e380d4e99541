"""Custom connections and personal access tokens against the emulator; 401 → needs_reauth."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr
from pydantic import ValidationError as SchemaError
from sqlalchemy import func, select

from ledgerlink.auth.scopes import Scope
from ledgerlink.db.models.integrations import Integration, ProviderGrant
from ledgerlink.errors import AuthError, ConflictingInputError
from ledgerlink.http.auth import STATIC_TOKEN_REJECTED
from ledgerlink.hub import Hub
from ledgerlink.oauth.schemas import CustomConnection, PatConnection
from ledgerlink.oauth.service_direct import connect_custom, connect_pat
from tests.hub_fixtures import KeyMaker, bearer
from tests.oauth.conftest import Xero
from tests.oauth.test_authorization_code import organisation_name


async def stored(hub: Hub) -> tuple[int, int]:
    """How many integrations and grants the hub holds."""
    async with hub.db.session() as session:
        counts = [(await session.execute(select(func.count()).select_from(m))).scalar()
                  for m in (Integration, ProviderGrant)]
    return int(counts[0] or 0), int(counts[1] or 0)


async def test_custom_connection_refuses_a_wrong_secret_and_keeps_nothing(
        hub: Hub, xero: Xero, caplog: pytest.LogCaptureFixture) -> None:
    client_id = xero.info["custom_client_id"]
    with pytest.raises(AuthError, match="client id and secret"):
        await connect_custom(hub, CustomConnection(client_id=client_id,
                                                   client_secret=SecretStr("wrong-secret")))
    assert await stored(hub) == (0, 0)
    assert "wrong-secret" not in caplog.text

    done = await connect_custom(hub, CustomConnection(
        client_id=client_id, client_secret=SecretStr(xero.info["custom_client_secret"])))
    [made] = done.integrations
    assert (made.tenant_id, made.connection_kind) == (xero.info["tenant_id"],
                                                      "oauth_client_credentials")
    assert await organisation_name(hub, made.id) == xero.info["tenant_name"]
    assert "custom_client_secret" not in done.model_dump_json()
    assert xero.info["custom_client_secret"] not in done.model_dump_json()


async def test_pat_connects_queries_and_needs_reauth_once_revoked(
        hub: Hub, xero: Xero, client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    tenant = xero.info["tenant_id"]
    pat = await xero.pat(tenant)
    done = await connect_pat(hub, PatConnection(tenant_id=tenant.upper(),
                                                token=SecretStr(pat["token"])))
    [made] = done.integrations
    assert (made.tenant_id, made.tenant_name, made.connection_kind) == (
        tenant, xero.info["tenant_name"], "static_token")

    key = bearer(await make_key(Scope.INTEGRATIONS_READ))
    query = {"query_type": "xero_tax_rates", "params": {}}
    path = f"/api/v1/integrations/{made.id}/query"
    answer = await client.post(path, json=query, headers=key)
    assert answer.status_code == 200, answer.text

    revoked = await xero.control.delete(f"/_emulator/pat/{pat['id']}")
    assert revoked.status_code == 200
    answer = await client.post(path, json=query, headers=key)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "needs_reauth"
    one = (await client.get(f"/api/v1/integrations/{made.id}", headers=key)).json()["data"]
    assert (one["status"], one["status_reason"]) == ("needs_reauth", STATIC_TOKEN_REJECTED)
    hub.query_lookups.clear()
    answer = await client.post(path, json=query, headers=key)
    assert answer.status_code == 409 and "personal access token" in answer.text
    assert pat["token"] not in answer.text

    # Pasting a new token reconnects the same integration.
    fresh = await xero.pat(tenant)
    again = await connect_pat(hub, PatConnection(tenant_id=tenant, token=SecretStr(
        fresh["token"])), integration_id=made.id)
    assert [(i.id, i.status, i.revived) for i in again.integrations] == [
        (made.id, "active", True)]
    assert await stored(hub) == (1, 1)  # the dead token's grant is gone
    hub.query_lookups.clear()
    assert (await client.post(path, json=query, headers=key)).status_code == 200


async def test_pat_refusals_keep_nothing(hub: Hub, xero: Xero) -> None:
    tenant, other = xero.info["tenant_id"], await xero.new_tenant("Other Ltd")
    pat = await xero.pat(tenant)
    with pytest.raises(ConflictingInputError) as wrong_org:
        await connect_pat(hub, PatConnection(tenant_id=other, token=SecretStr(pat["token"])))
    assert wrong_org.value.field == "tenant_id"
    with pytest.raises(AuthError, match="personal access token") as dead:
        await connect_pat(hub, PatConnection(tenant_id=tenant,
                                             token=SecretStr("xpat_" + "0" * 40)))
    assert dead.value.field == "token"
    assert await stored(hub) == (0, 0)

    done = await connect_pat(hub, PatConnection(tenant_id=tenant, token=SecretStr(pat["token"])))
    other_pat = await xero.pat(other)
    with pytest.raises(ConflictingInputError, match="never moved"):
        await connect_pat(hub, PatConnection(tenant_id=other, token=SecretStr(
            other_pat["token"])), integration_id=done.integrations[0].id)
    assert await stored(hub) == (1, 1)
    for bad in ({"tenant_id": "not-a-guid", "token": "x" * 20},
                {"tenant_id": tenant, "token": "short"},
                {"tenant_id": tenant, "token": "x" * 20, "name": "extra"}):
        with pytest.raises(SchemaError):
            PatConnection.model_validate(bad)
