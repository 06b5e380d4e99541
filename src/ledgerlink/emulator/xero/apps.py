"""Registered Xero apps: client credentials, redirect URIs, webhook URL and signing key."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class XeroApp:
    """An app as Xero's developer portal holds it."""

    client_id: str
    client_secret: str
    name: str
    redirect_uris: list[str] = field(default_factory=list)
    webhook_url: str | None = None
    webhook_key: str = ""
    custom_org_id: str | None = None  # set for a custom connection (client credentials)
    webhook_status: str = "OK"  # OK, ITR_FAILED, DISABLED

    def public(self) -> dict[str, object]:
        """What the control plane returns about an app (it is the developer's own secret)."""
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "name": self.name,
            "redirect_uris": self.redirect_uris,
            "webhook_url": self.webhook_url,
            "webhook_key": self.webhook_key,
            "custom_connection_tenant_id": self.custom_org_id,
            "webhook_status": self.webhook_status,
        }
