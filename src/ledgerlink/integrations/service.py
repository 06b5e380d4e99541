"""Integrations: listing, connecting organisations after consent, and read-only queries."""

from __future__ import annotations

import time
from typing import Any

import pydantic
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.db.base import utcnow
from ledgerlink.db.models.integrations import Integration, ProviderGrant
from ledgerlink.errors import InputError, IntegrationNotActiveError, RecordNotFoundError
from ledgerlink.http.auth import ConnectionKind, TokenSet
from ledgerlink.hub import Hub
from ledgerlink.integrations import repository
from ledgerlink.providers.xero.oauth import XeroConnection


async def list_integrations(session: AsyncSession) -> list[Integration]:
    """Every integration."""
    return await repository.list_integrations(session)


async def get_integration(session: AsyncSession, integration_id: str) -> Integration:
    """One integration, or a 404 naming the id."""
    integration = await repository.get_integration(session, integration_id)
    if integration is None:
        raise RecordNotFoundError(f"No integration has id {integration_id}", field="id")
    return integration


def require_usable(integration: Integration, what: str) -> None:
    """Queries and actions need an active integration; anything else is a clear 409."""
    if integration.status == "active":
        return
    refused = ("its personal access token" if integration.connection_kind == "static_token"
               else "its stored refresh token")
    again = (f"on /console/integrations/{integration.id}/reconnect or with `ledgerlink connect "
             f"xero --reconnect {integration.id}` (its configuration and data are kept)")
    hints = {"needs_reauth": f"Xero refused {refused}: reconnect it {again}.",
             "disconnected": f"It was disconnected; connect it again {again}.",
             "error": "It is in an error state: " + (integration.status_reason or "see logs.")}
    raise IntegrationNotActiveError(
        f"Integration {integration.id} is {integration.status}, so {what} cannot run. "
        f"{hints.get(integration.status, '')}".strip(), details={"status": integration.status})


async def connect_xero(session: AsyncSession, hub: Hub, tokens: TokenSet,
                       connections: list[XeroConnection], *, kind: ConnectionKind,
                       client_id: str | None = None, client_secret: str | None = None,
                       auth_event_id: str | None = None) -> list[Integration]:
    """Store a consent's tokens and make (or revive) one integration per organisation."""
    if not connections:
        raise InputError("The consent connected no organisation", field="connections")
    grant = await repository.add_grant(session, ProviderGrant(
        platform="xero", kind=kind.value, status="active",
        client_id=client_id or hub.settings.xero_client_id,
        client_secret_enc=hub.box.encrypt(client_secret),
        access_token_enc=hub.box.encrypt(tokens.access_token),
        refresh_token_enc=hub.box.encrypt(tokens.refresh_token),
        token_type=tokens.token_type, expires_at=tokens.expires_at,
        refreshed_at=tokens.refreshed_at, scopes=list(tokens.scopes),
        auth_event_id=auth_event_id))
    out = []
    for conn in connections:
        integration = await repository.by_tenant(session, "xero", conn.tenant_id)
        if integration is None:
            integration = await repository.add_integration(session, Integration(
                platform="xero", name=conn.tenant_name or conn.tenant_id, status="active",
                grant_id=grant.id, tenant_id=conn.tenant_id, tenant_name=conn.tenant_name,
                tenant_type=conn.tenant_type, connection_kind=kind.value,
                connected_at=utcnow()))
        else:  # reconnecting keeps the integration's id, configuration and history
            integration.grant_id = grant.id
            integration.status, integration.status_reason = "active", None
            integration.tenant_name = conn.tenant_name or integration.tenant_name
            integration.connection_kind = kind.value
            integration.connected_at, integration.disconnected_at = utcnow(), None
        out.append(integration)
        forget_lookup(hub, integration.id)
    await session.flush()
    return out


def forget_lookup(hub: Hub, integration_id: str | None = None) -> None:
    """Drop the remembered row of one integration (or of all) used by queries."""
    if integration_id is None:
        hub.query_lookups.clear()
    else:
        hub.query_lookups.pop(integration_id, None)


async def integration_for_query(session: AsyncSession, hub: Hub,
                                integration_id: str) -> Integration:
    """The integration a query runs on, remembered briefly while it is active.

    Queries only read: a status change made by another process is seen at most
    `hub.query_lookup_seconds` late; this process's own changes (connect_xero) drop the entry
    at once.
    """
    ttl, lookups = hub.query_lookup_seconds, hub.query_lookups
    now = time.monotonic()
    remembered = lookups.get(integration_id)
    if remembered is not None and remembered[1] > now:
        return remembered[0]
    integration = await get_integration(session, integration_id)
    if ttl > 0 and integration.status == "active":
        # Out of the session, fully loaded: a rollback of this request cannot expire it.
        session.expunge(integration)
        if integration.grant is not None:
            session.expunge(integration.grant)
        if len(lookups) >= 1000:
            lookups.clear()
        lookups[integration_id] = (integration, now + ttl)
    else:
        lookups.pop(integration_id, None)
    return integration


async def run_query(session: AsyncSession, hub: Hub, integration_id: str, query_type: str,
                    params: pydantic.BaseModel) -> Any:
    """Run a read-only query on an integration; `params` were validated against the query
    type's own model (the request's tagged union), so only the integration is checked here."""
    from ledgerlink.integrations.xero_access import client_for
    from ledgerlink.providers.xero.queries import run_query as provider_query

    integration = await integration_for_query(session, hub, integration_id)
    require_usable(integration, "a query")
    client = client_for(hub, integration)
    return await provider_query(client, query_type, params)
