"""The Xero calls of the connect flows: the apps' OAuth clients, a token's first call, clean-up."""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable
from typing import Any

import httpx2

from ledgerlink.errors import ProviderError
from ledgerlink.http.client import ProviderHttp
from ledgerlink.hub import Hub
from ledgerlink.integrations.xero_access import app_settings, provider_for
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.oauth import XeroConnection, XeroOAuth

log = logging.getLogger("ledgerlink.oauth")


def hub_oauth(hub: Hub) -> XeroOAuth:
    """The OAuth client of the hub's own Xero app (authorize, code exchange, connections)."""
    return provider_for(hub).oauth


def app_oauth(hub: Hub, client_id: str, client_secret: str) -> XeroOAuth:
    """A short-lived OAuth client for another app (a custom connection being tried out).

    Not the cached provider of that client id: credentials that turn out wrong must not be
    remembered for the next attempt. The caller closes it.
    """
    app = app_settings(hub, client_id, client_secret)
    if app.identity_base_url:
        return XeroOAuth.for_base_url(app.identity_base_url, client_id, client_secret,
                                      timeout=app.timeout)
    return XeroOAuth(client_id, client_secret, timeout=app.timeout)


class _Bearer(httpx2.Auth):
    """A fixed bearer token: a personal access token's first call, before it is stored."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request,
                                                              httpx2.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


async def organisation_with_token(hub: Hub, token: str, tenant_id: str) -> dict[str, Any]:
    """GET /Organisation for one tenant with a raw access token (AuthError on a 401,
    ForbiddenError when the token may not act for that tenant); the organisation record."""
    provider = provider_for(hub)
    settings = provider.settings
    async with ProviderHttp(settings.api_url, auth=_Bearer(token), budget=provider.budget,
                            retry=provider.retry, transport=provider.transport,
                            timeout=settings.timeout, tenant_header="xero-tenant-id") as http:
        client = XeroClient(http, tenant_id=tenant_id, app_id=settings.client_id)
        body = await client.get("/Organisation", operation="getOrganisation")
    found = body.get("Organisations") or [{}]
    first = found[0] if isinstance(found, list) and found else {}
    return first if isinstance(first, dict) else {}


async def remove_connections(oauth: XeroOAuth, access_token: str,
                             connections: Iterable[XeroConnection]) -> list[str]:
    """DELETE /connections/{id} for each; the tenant ids removed. Best effort: a failure is
    logged (the access stays unused at Xero) and never undoes what the person connected."""
    removed = []
    for conn in connections:
        if not conn.id:
            continue
        try:
            await oauth.disconnect(access_token, conn.id)
        except ProviderError as exc:
            log.warning("could not remove the Xero connection of tenant %s: %s",
                        conn.tenant_id, exc.code)
            continue
        removed.append(conn.tenant_id)
    return removed
