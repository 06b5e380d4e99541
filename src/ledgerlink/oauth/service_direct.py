"""Connecting without a browser consent: a custom connection, or a pasted personal access token.

Both try the credentials at Xero before anything is stored, so a wrong secret or a dead token
is refused with nothing kept. Like the other connect flows these own their transactions: no
write is held open across a call to Xero.
"""

from __future__ import annotations

import logging
import time

from ledgerlink.errors import (
    AuthError,
    ConflictingInputError,
    ForbiddenError,
)
from ledgerlink.http.auth import ConnectionKind, TokenSet
from ledgerlink.hub import Hub
from ledgerlink.integrations import service as integrations
from ledgerlink.oauth.linking import link
from ledgerlink.oauth.schemas import Connected, CustomConnection, PatConnection
from ledgerlink.oauth.xero import app_oauth, organisation_with_token
from ledgerlink.providers.xero.oauth import XeroConnection

log = logging.getLogger("ledgerlink.oauth")


async def _check_reconnect(hub: Hub, integration_id: str | None, tenant_id: str,
                           field: str) -> None:
    """A reconnect must name the integration's own organisation: nothing is ever moved."""
    if integration_id is None:
        return
    async with hub.db.session() as session:
        integration = await integrations.get_integration(session, integration_id)
    if integration.tenant_id != tenant_id:
        raise ConflictingInputError(
            f"Integration {integration_id} is for organisation {integration.tenant_id}, not "
            f"{tenant_id}; an integration is never moved to another organisation (connect "
            "that one as a new integration instead)", field=field)


async def connect_custom(hub: Hub, request: CustomConnection, *,
                         integration_id: str | None = None) -> Connected:
    """A custom connection: its client-credentials token and its one organisation."""
    secret = request.client_secret.get_secret_value()
    oauth = app_oauth(hub, request.client_id, secret)
    try:
        tokens = await oauth.client_credentials()
        found = await oauth.connections(tokens.access_token)
    except AuthError as exc:
        log.warning("Xero refused the custom connection of client id %s (%s)",
                    request.client_id, exc.details.get("oauth_error") or exc.code)
        raise
    finally:
        await oauth.aclose()
    if len(found) != 1:
        what = "no organisation yet" if not found else f"{len(found)} organisations"
        raise ConflictingInputError(
            f"This custom connection is authorised for {what}; a custom connection acts for "
            "exactly one. Authorise it for its organisation in Xero first.", field="client_id")
    await _check_reconnect(hub, integration_id, found[0].tenant_id, "client_id")
    async with hub.db.session() as session:
        connected = await link(session, hub, tokens, found,
                               ConnectionKind.OAUTH_CLIENT_CREDENTIALS,
                               client_id=request.client_id, client_secret=secret)
    log.info("custom connection %s connected integration %s", request.client_id,
             connected.integrations[0].id)
    return connected


async def connect_pat(hub: Hub, request: PatConnection, *,
                      integration_id: str | None = None) -> Connected:
    """A personal access token for its organisation: stored encrypted, used as a bearer,
    never refreshed; when Xero later answers 401 the integration needs a new token."""
    token, tenant_id = request.token.get_secret_value(), request.tenant_id
    await _check_reconnect(hub, integration_id, tenant_id, "tenant_id")
    try:
        organisation = await organisation_with_token(hub, token, tenant_id)
    except ForbiddenError as exc:
        raise ConflictingInputError(
            f"This personal access token may not act for organisation {tenant_id}: check "
            "the organisation id it was generated for", field="tenant_id") from exc
    except AuthError as exc:
        log.warning("Xero refused a pasted personal access token for tenant %s", tenant_id)
        raise AuthError("Xero refused this personal access token (401): check that it was "
                        "copied whole and has not expired or been revoked", field="token",
                        provider_status=exc.provider_status) from exc
    name = organisation.get("Name")
    connection = XeroConnection(id="", tenantId=tenant_id, tenantType="ORGANISATION",
                                tenantName=name if isinstance(name, str) else None)
    # expires_at 0: a static token is never refreshed, whatever its age; a 401 ends it.
    tokens = TokenSet(token, None, expires_at=0.0, refreshed_at=time.time())
    async with hub.db.session() as session:
        connected = await link(session, hub, tokens, [connection], ConnectionKind.STATIC_TOKEN)
    log.info("personal access token connected integration %s", connected.integrations[0].id)
    return connected

