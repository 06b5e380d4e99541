"""How the hub reaches Xero: one provider per app, sharing the database token store and budget."""

from __future__ import annotations

from ledgerlink.db.models.integrations import Integration
from ledgerlink.errors import ConfigurationError
from ledgerlink.http.budget import MemoryBudget, Priority, RateBudget, XeroLimits
from ledgerlink.hub import Hub
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.provider import XeroAppSettings, XeroProvider


def _budget(hub: Hub) -> RateBudget:
    if hub.xero_budget is None:
        if hub.settings.redis_url:
            from ledgerlink.http.budget_redis import RedisBudget

            hub.xero_budget = RedisBudget(hub.settings.redis_url, XeroLimits(), None)
        else:
            hub.xero_budget = MemoryBudget(XeroLimits())
    return hub.xero_budget


def app_settings(hub: Hub, client_id: str | None = None,
                 client_secret: str | None = None) -> XeroAppSettings:
    """The Xero app of the hub (or of a grant with its own custom-connection credentials)."""
    settings = hub.settings
    cid = client_id or settings.xero_client_id
    if not cid:
        raise ConfigurationError("No Xero app is configured: set LEDGERLINK_XERO_CLIENT_ID and "
                                 "LEDGERLINK_XERO_CLIENT_SECRET", field="xero_client_id")
    secret = client_secret
    if secret is None and cid == settings.xero_client_id and settings.xero_client_secret:
        secret = settings.xero_client_secret.get_secret_value()
    return XeroAppSettings(cid, secret, api_url=settings.xero_api_url,
                           identity_base_url=settings.xero_identity_url)


def provider_for(hub: Hub, client_id: str | None = None,
                 client_secret: str | None = None) -> XeroProvider:
    """The (cached) provider of one Xero app."""
    from ledgerlink.integrations.call_log import call_log
    from ledgerlink.integrations.tokens import DbTokenStore

    app = app_settings(hub, client_id, client_secret)
    provider = hub.xero_providers.get(app.client_id)
    if provider is None:
        # Every API attempt lands in the activity log (integrations.call_log), off the
        # request path.
        provider = XeroProvider(app, store=DbTokenStore(hub.db, hub.box), budget=_budget(hub),
                                observer=call_log(hub).observer("xero"))
        hub.xero_providers[app.client_id] = provider
    return provider


def client_for(hub: Hub, integration: Integration,
               priority: Priority = Priority.INTERACTIVE) -> XeroClient:
    """A client bound to this integration's organisation and grant."""
    grant = integration.grant
    if grant is None or integration.grant_id is None:
        raise ConfigurationError(f"Integration {integration.id} has no stored connection")
    secret = hub.box.decrypt(grant.client_secret_enc) if grant.client_secret_enc else None
    provider = provider_for(hub, grant.client_id, secret)
    return provider.client(integration.grant_id, integration.tenant_id, priority)
