"""The whole emulated Xero: apps, organisations, identity, limits, faults, webhooks, call counts."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ledgerlink.emulator.core.clock import Clock
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.faults import FaultInjector
from ledgerlink.emulator.core.ids import IdGen
from ledgerlink.emulator.core.limits import RateLimiter
from ledgerlink.emulator.xero.apps import XeroApp
from ledgerlink.emulator.xero.idempotency import IdempotencyStore
from ledgerlink.emulator.xero.identity import IdentityService
from ledgerlink.emulator.xero.models.base import Org
from ledgerlink.emulator.xero.webhooks import WebhookService

DEMO_CLIENT_ID = "LEDGERLINKDEMOAPP0000000000000001"


class Emulator:
    """State of one emulated Xero; `reset()` returns it to its seeded start."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.clock = Clock()
        self.ids = IdGen(self.config.random_seed)
        self.apps: dict[str, XeroApp] = {}
        self.orgs: dict[str, Org] = {}
        self.calls: Counter[tuple[str, str]] = Counter()
        self.limiter = RateLimiter(self.config, self.clock)
        self.faults = FaultInjector(self.config.random_seed)
        self.idempotency = IdempotencyStore(self.clock, self.config.idempotency_ttl)
        self.identity = IdentityService(self)
        self.webhooks = WebhookService(self)
        self.default_app: XeroApp | None = None
        self.default_org: Org | None = None
        self.custom_app: XeroApp | None = None
        self.reset()

    # ---- lifecycle ------------------------------------------------------------------------
    def reset(self, seed: str | None = None) -> None:
        """Drop every app, organisation, token and counter and seed afresh."""
        from ledgerlink.emulator.xero.seed import seed_emulator

        self.ids.reseed(self.config.random_seed)
        self.apps.clear()
        self.orgs.clear()
        self.calls.clear()
        self.limiter.reset()
        self.faults.reset()
        self.idempotency.reset()
        self.identity.reset()
        self.webhooks.reset()
        seed_emulator(self, seed or self.config.seed)

    # ---- registry -------------------------------------------------------------------------
    def register_app(self, name: str = "ledgerlink-app", redirect_uris: list[str] | None = None,
                     webhook_url: str | None = None, custom_org_id: str | None = None,
                     client_id: str | None = None, client_secret: str | None = None,
                     webhook_key: str | None = None) -> XeroApp:
        """Register an app as the developer portal would; ids come from the seeded generator."""
        app = XeroApp(
            client_id=client_id or self.ids.hex(16).upper(),
            client_secret=client_secret or self.ids.token(48),
            name=name,
            redirect_uris=list(redirect_uris or []),
            webhook_url=webhook_url,
            webhook_key=webhook_key or self.ids.token(88, "abcdefghijklmnopqrstuvwxyzABCDEF"
                                                        "GHIJKLMNOPQRSTUVWXYZ0123456789+/"),
            custom_org_id=custom_org_id,
        )
        self.apps[app.client_id] = app
        return app

    def create_org(self, name: str, country: str = "NZ", seed: str = "empty",
                   tenant_id: str | None = None) -> Org:
        """Create an organisation, optionally filled from a named seed."""
        from ledgerlink.emulator.xero.seed import seed_org

        org = Org(tenant_id=tenant_id or self.ids.guid(), name=name, clock=self.clock,
                  ids=self.ids, country=country)
        seed_org(org, seed)
        org.events = self.webhooks.record  # after seeding: seed data raises no webhooks
        self.orgs[org.tenant_id] = org
        return org

    def info(self) -> dict[str, Any]:
        """The seeded app and organisation, as printed on start and at /_emulator/info."""
        app, org = self.default_app, self.default_org
        return {
            "base_url": self.config.base_url,
            "client_id": app.client_id if app else None,
            "client_secret": app.client_secret if app else None,
            "tenant_id": org.tenant_id if org else None,
            "tenant_name": org.name if org else None,
            "webhook_key": app.webhook_key if app else None,
            "redirect_uris": app.redirect_uris if app else [],
            "custom_client_id": self.custom_app.client_id if self.custom_app else None,
            "custom_client_secret": self.custom_app.client_secret if self.custom_app else None,
            "token_url": f"{self.config.base_url}/connect/token",
            "authorize_url": f"{self.config.base_url}/identity/connect/authorize",
            "api_url": f"{self.config.base_url}/api.xro/2.0",
        }
