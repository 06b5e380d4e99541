"""Organisations into integrations: each its own, revived in place, never moved; grants tidied."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.http.auth import ConnectionKind, TokenSet
from ledgerlink.hub import Hub
from ledgerlink.integrations import service as integrations
from ledgerlink.oauth import repository
from ledgerlink.oauth.schemas import Connected, ConnectedIntegration
from ledgerlink.providers.xero.oauth import XeroConnection


async def link(session: AsyncSession, hub: Hub, tokens: TokenSet,
               connections: list[XeroConnection], kind: ConnectionKind, *,
               client_id: str | None = None, client_secret: str | None = None,
               auth_event: str | None = None) -> Connected:
    """Store the tokens as one grant and make (or revive) one integration per organisation.

    An organisation's existing integration keeps its id, configuration and history and only
    changes grant; integrations are matched by organisation, so none is ever moved to another.
    A grant no integration uses any more is deleted with its tokens (never revoked: at Xero a
    revocation would drop the same user's other connections too).
    """
    tenant_ids = [c.tenant_id for c in connections]
    before = await repository.integrations_of_tenants(session, tenant_ids)
    # Read now: connect_xero changes these very objects.
    old_grants = [i.grant_id for i in before.values() if i.grant_id]
    made = await integrations.connect_xero(session, hub, tokens, connections, kind=kind,
                                           client_id=client_id, client_secret=client_secret,
                                           auth_event_id=auth_event)
    forget_grants(hub, await repository.drop_unused_grants(session, old_grants))
    return Connected(integrations=[ConnectedIntegration(
        id=i.id, name=i.name, tenant_id=i.tenant_id, tenant_name=i.tenant_name,
        status=i.status, connection_kind=i.connection_kind, revived=i.tenant_id in before)
        for i in made])


def forget_grants(hub: Hub, grant_ids: Iterable[str]) -> None:
    """Drop this process's cached token rows of deleted grants."""
    for grant_id in grant_ids:
        for provider in hub.xero_providers.values():
            provider.tokens.forget(grant_id)
