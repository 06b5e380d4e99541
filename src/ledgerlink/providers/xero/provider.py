"""Assembly of the Xero provider: one app's OAuth, token manager, budget and retry policy."""

from __future__ import annotations

from dataclasses import dataclass

import httpx2

from ledgerlink.http.auth import BearerAuth, TokenManager, TokenStore
from ledgerlink.http.budget import MemoryBudget, Priority, RateBudget, XeroLimits
from ledgerlink.http.client import ProviderHttp
from ledgerlink.http.clock import Clock, SystemClock
from ledgerlink.http.observer import CallObserver
from ledgerlink.http.retry import RetryPolicy
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.oauth import XeroOAuth, refresher_for

XERO_API_URL = "https://api.xero.com/api.xro/2.0"
XERO_IDENTITY_URL = "https://identity.xero.com"


@dataclass(frozen=True)
class XeroAppSettings:
    """One Xero app's credentials and where its endpoints live (Xero, or the emulator)."""

    client_id: str
    client_secret: str | None
    api_url: str = XERO_API_URL
    identity_base_url: str | None = None  # None: Xero's own identity and login hosts
    timeout: float = 30.0

    @classmethod
    def for_emulator(cls, base_url: str, client_id: str,
                     client_secret: str | None) -> XeroAppSettings:
        """Everything on one host, as the emulator serves it."""
        base = base_url.rstrip("/")
        return cls(client_id, client_secret, api_url=f"{base}/api.xro/2.0",
                   identity_base_url=base)


class XeroProvider:
    """Hands out tenant-explicit XeroClients that share one token manager and rate budget.

    One provider per Xero app per process; the store and the budget are what processes share.
    """

    def __init__(self, settings: XeroAppSettings, *, store: TokenStore,
                 budget: RateBudget | None = None, clock: Clock | None = None,
                 retry: RetryPolicy | None = None,
                 transport: httpx2.AsyncBaseTransport | None = None,
                 observer: CallObserver | None = None) -> None:
        self.settings = settings
        self.observer = observer  # told of every API attempt (see http.observer)
        self.clock: Clock = clock or SystemClock()
        self.store = store
        self.budget: RateBudget = budget or MemoryBudget(XeroLimits(), self.clock)
        self.retry = retry or RetryPolicy(clock=self.clock)
        self.transport = transport
        if settings.identity_base_url:
            self.oauth = XeroOAuth.for_base_url(settings.identity_base_url, settings.client_id,
                                                settings.client_secret, clock=self.clock)
        else:
            self.oauth = XeroOAuth(settings.client_id, settings.client_secret, clock=self.clock)
        self.tokens = TokenManager(store, refresher_for(self.oauth), self.clock)
        self._http: dict[str, ProviderHttp] = {}

    def http_for(self, connection_id: str) -> ProviderHttp:
        """The HTTP client of one connection (its bearer comes from the token manager)."""
        http = self._http.get(connection_id)
        if http is None:
            http = ProviderHttp(self.settings.api_url,
                                auth=BearerAuth(self.tokens, connection_id),
                                budget=self.budget, retry=self.retry, transport=self.transport,
                                timeout=self.settings.timeout, tenant_header="xero-tenant-id",
                                observer=self.observer, connection_id=connection_id)
            self._http[connection_id] = http
        return http

    def client(self, connection_id: str, tenant_id: str,
               priority: Priority = Priority.INTERACTIVE) -> XeroClient:
        """A client for one organisation of one connection; the tenant is always explicit."""
        return XeroClient(self.http_for(connection_id), tenant_id=tenant_id,
                          app_id=self.settings.client_id, priority=priority)

    async def aclose(self) -> None:
        """Close every HTTP client and the OAuth client."""
        for http in self._http.values():
            await http.aclose()
        self._http.clear()
        await self.oauth.aclose()
