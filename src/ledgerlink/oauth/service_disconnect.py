"""Disconnecting an integration: tell Xero, forget its tokens, keep everything else.

The integration becomes `disconnected` and keeps its id, configuration, automations and
history; connecting its organisation again (any of the three kinds) revives it in place.
Xero is told first, without any write held open; then the integration is updated and, when
no other integration shares its grant, the grant and its tokens are deleted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ledgerlink.db.base import utcnow
from ledgerlink.errors import LedgerlinkError
from ledgerlink.http.auth import ConnectionKind
from ledgerlink.hub import Hub
from ledgerlink.integrations import service as integrations
from ledgerlink.integrations.xero_access import provider_for
from ledgerlink.oauth import repository
from ledgerlink.oauth.linking import forget_grants
from ledgerlink.oauth.schemas import Disconnected

log = logging.getLogger("ledgerlink.oauth")
REASON = "Disconnected in ledgerlink: connect the organisation again to resume"


@dataclass
class _AtXero:
    """What Xero was told."""

    removed: bool = False
    revoked: bool = False
    note: str | None = None


async def disconnect(hub: Hub, integration_id: str) -> Disconnected:
    """Revoke and remove at Xero what only this integration uses; mark it disconnected."""
    async with hub.db.session() as session:
        integration = await integrations.get_integration(session, integration_id)
        if integration.status == "disconnected":
            return Disconnected(integration_id=integration.id, status=integration.status,
                                disconnected_at=integration.disconnected_at,
                                xero_connection_removed=False, token_revoked=False,
                                note="It was already disconnected.")
        grant, tenant_id = integration.grant, integration.tenant_id
        grant_id = integration.grant_id
        shared = bool(grant_id) and await repository.others_on_grant(
            session, grant_id or "", integration.id) > 0
        kind = grant.kind if grant is not None else None
        client_id = grant.client_id if grant is not None else None
        secret = hub.box.decrypt(grant.client_secret_enc) if grant is not None else None
    told = _AtXero(note="Nothing to tell Xero: it has no stored connection.")
    if grant_id and kind == ConnectionKind.OAUTH_AUTHORIZATION_CODE.value:
        told = await _tell_xero(hub, grant_id, client_id, secret, tenant_id, shared)
    elif grant_id:
        # A custom connection or a personal access token: forgetting the credentials ends
        # the hub's access; their connection at Xero belongs to whoever authorised them.
        told = _AtXero(note="Its credentials were forgotten; Xero keeps the custom connection "
                            "or token itself (revoke it there if it is no longer needed).")
    async with hub.db.session() as session:
        integration = await integrations.get_integration(session, integration_id)
        integration.status, integration.status_reason = "disconnected", REASON
        integration.disconnected_at = utcnow()
        integration.grant, integration.grant_id = None, None
        await session.flush()
        dropped = await repository.drop_unused_grants(session, [grant_id] if grant_id else [])
        answer = Disconnected(integration_id=integration.id, status=integration.status,
                              disconnected_at=integration.disconnected_at,
                              xero_connection_removed=told.removed, token_revoked=told.revoked,
                              note=told.note)
    forget_grants(hub, dropped)
    integrations.forget_lookup(hub, integration_id)
    log.info("integration %s disconnected (Xero connection removed: %s, token revoked: %s)",
             integration_id, told.removed, told.revoked)
    return answer


async def _tell_xero(hub: Hub, grant_id: str, client_id: str | None, secret: str | None,
                     tenant_id: str, shared: bool) -> _AtXero:
    """DELETE the organisation's connection; revoke the refresh token when nothing else needs
    it. A revocation drops every connection of the same Xero user to the app, so it is only
    sent when the grant serves no other integration and that user has no connection left."""
    provider = provider_for(hub, client_id, secret)
    told = _AtXero()
    try:
        access = await provider.tokens.access_token(grant_id)
        listed = await provider.oauth.connections(access)
        mine = [c for c in listed if c.tenant_id == tenant_id]
        for conn in mine:
            await provider.oauth.disconnect(access, conn.id)
        told.removed = bool(mine)  # False: Xero no longer listed it
        left = [c for c in listed if c.tenant_id != tenant_id]
        if shared:
            told.note = "The token was kept: other integrations use the same consent."
        elif left:
            told.note = (f"The token was not revoked: the same Xero user still connects "
                         f"{len(left)} other organisation(s) to this app, and a revocation "
                         "would disconnect them too; it was forgotten instead.")
        else:
            stored = await provider.store.get(grant_id)
            refresh = stored.tokens.refresh_token if stored.tokens else None
            if refresh:
                await provider.oauth.revoke(refresh)
                told.revoked = True
    except LedgerlinkError as exc:  # the person still wants it disconnected here
        log.warning("could not tell Xero about disconnecting grant %s: %s", grant_id, exc.code)
        told.note = (f"Xero could not be told ({exc.code}): remove the connection in Xero's "
                     "connected apps if it is still listed there.")
    return told
