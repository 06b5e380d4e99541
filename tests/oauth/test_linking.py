"""connect_xero and link: one integration per organisation, revived in place, never moved."""

from __future__ import annotations

from sqlalchemy import func, select

from ledgerlink.db.models.integrations import ProviderGrant
from ledgerlink.http.auth import ConnectionKind, TokenSet
from ledgerlink.hub import Hub
from ledgerlink.integrations import service as integrations
from ledgerlink.oauth.linking import link
from ledgerlink.providers.xero.oauth import XeroConnection

A = "11111111-1111-4111-8111-111111111111"
B = "22222222-2222-4222-8222-222222222222"
CODE = ConnectionKind.OAUTH_AUTHORIZATION_CODE


def org(tenant_id: str, name: str) -> XeroConnection:
    return XeroConnection(id=tenant_id[::-1], tenantId=tenant_id, tenantType="ORGANISATION",
                          tenantName=name)


def tokens(label: str) -> TokenSet:
    return TokenSet(f"access-{label}", f"refresh-{label}", 2e9, ("accounting.contacts",))


async def test_a_later_consent_never_moves_an_integration_to_another_organisation(
        hub: Hub) -> None:
    async with hub.db.session() as session:
        [first] = await integrations.connect_xero(session, hub, tokens("1"), [org(A, "Acme")],
                                                  kind=CODE)
        first_id = first.id
    async with hub.db.session() as session:  # a consent for another organisation only
        [second] = await integrations.connect_xero(session, hub, tokens("2"),
                                                   [org(B, "Beta")], kind=CODE)
        assert second.id != first_id and second.tenant_id == B
    async with hub.db.session() as session:
        rows = {i.id: i.tenant_id for i in await integrations.list_integrations(session)}
    assert rows == {first_id: A, second.id: B}


async def test_link_revives_in_place_and_drops_the_grant_left_unused(hub: Hub) -> None:
    async with hub.db.session() as session:
        made = await link(session, hub, tokens("1"), [org(A, "Acme"), org(B, "Beta")], CODE)
    ids = {i.tenant_id: i.id for i in made.integrations}
    assert not any(i.revived for i in made.integrations)
    async with hub.db.session() as session:
        again = await link(session, hub, tokens("2"), [org(A, "Acme Renamed")], CODE)
    [revived] = again.integrations
    assert (revived.id, revived.revived, revived.name) == (ids[A], True, "Acme")
    async with hub.db.session() as session:
        rows = {i.tenant_id: i for i in await integrations.list_integrations(session)}
        # B still uses the first grant, so it stays; A moved to the second one.
        assert rows[A].grant_id != rows[B].grant_id
        assert rows[A].tenant_name == "Acme Renamed"
    async with hub.db.session() as session:
        await link(session, hub, tokens("3"), [org(B, "Beta")], CODE)
    async with hub.db.session() as session:
        grants = (await session.execute(select(func.count()).select_from(ProviderGrant))).scalar()
    assert grants == 2  # the first grant, used by nobody now, went with its tokens
