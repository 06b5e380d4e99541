"""XeroProvider end to end against the emulator over loopback: reads, writes, refresh, tenants."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from ledgerlink.errors import ConfigurationError, ForbiddenError
from ledgerlink.http.auth import ConnectionKind, ConnectionStatus, MemoryTokenStore
from ledgerlink.http.budget import MemoryBudget, XeroLimits
from ledgerlink.http.idempotency import idempotency_key
from ledgerlink.http.retry import RetryPolicy
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.provider import XeroAppSettings, XeroProvider
from tests.http.test_auth import Env, open_env
from tests.providers.xero.test_oauth import consent

pytestmark = pytest.mark.timeout(60)

AUTH_CODE = ConnectionKind.OAUTH_AUTHORIZATION_CODE
TTL = 600
# Pacing is tested in tests/http; here the budget only has to stay out of the way.
GENEROUS = XeroLimits(per_minute=100_000, per_day=1_000_000, app_per_minute=1_000_000)


@dataclass
class ProviderEnv:
    """An emulator on loopback (with its tap) and a XeroProvider for one of its apps."""

    env: Env
    provider: XeroProvider
    store: MemoryTokenStore

    @property
    def tenant_id(self) -> str:
        """The demo organisation."""
        tenant: str = self.env.info["tenant_id"]
        return tenant

    def org(self, tenant_id: str | None = None) -> Any:
        """The emulator's state of one organisation."""
        return self.env.handle.emulator.orgs[tenant_id or self.tenant_id]


def make_provider(env: Env, store: MemoryTokenStore, client_id: str | None = None,
                  client_secret: str | None = None) -> XeroProvider:
    """A provider for an app of the emulator, on our clock (linked to the emulator's)."""
    settings = XeroAppSettings.for_emulator(env.handle.base_url,
                                            client_id or env.info["client_id"],
                                            client_secret or env.info["client_secret"])
    return XeroProvider(settings, store=store, clock=env.clock,
                        budget=MemoryBudget(GENEROUS, env.clock),
                        retry=RetryPolicy(wait_initial=0.01, wait_jitter=0.01, clock=env.clock))


@contextlib.asynccontextmanager
async def provider_env(**config: Any) -> AsyncIterator[ProviderEnv]:
    """A fresh demo emulator and a provider of its seeded web app with no connections yet."""
    async with open_env(**config) as env:
        store = MemoryTokenStore()
        provider = make_provider(env, store)
        try:
            yield ProviderEnv(env, provider, store)
        finally:
            await provider.aclose()


def invoice(reference: str, contact: str = "Provider Test Customer") -> dict[str, Any]:
    """An approved sales invoice for a contact named (created on first use)."""
    return {"Type": "ACCREC", "Contact": {"Name": contact}, "Reference": reference,
            "Date": "2025-03-01", "DueDate": "2025-03-31", "Status": "AUTHORISED",
            "LineItems": [{"Description": reference, "Quantity": Decimal("1"),
                           "UnitAmount": Decimal("99.95"), "AccountCode": "200"}]}


def references(org: Any) -> list[str]:
    """The Reference of every invoice an organisation holds."""
    return [str(i.get("Reference") or "") for i in org.invoices.values()]


# ---- reads and writes ------------------------------------------------------------------------
async def test_a_read_pages_every_record_through_the_provider() -> None:
    async with provider_env() as pe:
        await pe.store.put("conn-1", AUTH_CODE, await pe.env.connect())
        xero = pe.provider.client("conn-1", pe.tenant_id)

        organisation = await xero.get("/Organisation", operation="organisation")
        contacts = await xero.list_all("Contacts", operation="contacts", page_size=20)

        assert organisation["Organisations"][0]["OrganisationID"] == pe.tenant_id
        assert {c["ContactID"] for c in contacts} == set(pe.org().contacts)
        assert len(contacts) == len(pe.org().contacts) > 20  # it paged past the first page
        # One HTTP client per connection, shared by every tenant client handed out for it.
        assert pe.provider.client("conn-1", pe.tenant_id).http is xero.http


async def test_a_write_with_an_idempotency_key_is_applied_once() -> None:
    async with provider_env() as pe:
        await pe.store.put("conn-1", AUTH_CODE, await pe.env.connect())
        xero = pe.provider.client("conn-1", pe.tenant_id)
        before = len(pe.org().invoices)
        key = idempotency_key("test-provider", "export-42")
        body = {"Invoices": [invoice("provider-write-1")]}

        first = await xero.write("PUT", "/Invoices", body, operation="createInvoices",
                                 idempotency_key=key)
        again = await xero.write("PUT", "/Invoices", body, operation="createInvoices",
                                 idempotency_key=key)  # a retry after, say, a lost answer

        created = first["Invoices"][0]
        assert created["InvoiceID"] == again["Invoices"][0]["InvoiceID"]
        assert created["Total"] == Decimal("114.94")  # money parsed as Decimal, 15% GST
        assert len(pe.org().invoices) == before + 1
        assert references(pe.org()).count("provider-write-1") == 1


# ---- tokens ----------------------------------------------------------------------------------
async def test_an_expired_token_is_refreshed_transparently() -> None:
    async with provider_env(access_token_ttl=TTL, refresh_grace_seconds=0) as pe:
        first = await pe.env.connect()
        await pe.store.put("conn-1", AUTH_CODE, first)
        xero = pe.provider.client("conn-1", pe.tenant_id)
        assert (await xero.get("/Organisation", operation="organisation"))["Organisations"]
        await pe.env.advance(TTL + 1)  # expired for Xero and for us

        answer = await xero.get("/Organisation", operation="organisation")

        assert answer["Organisations"][0]["OrganisationID"] == pe.tenant_id
        assert pe.env.tap.grants("refresh_token") == 1 and not pe.env.tap.token_failures()
        assert 401 not in pe.env.tap.statuses("/Organisation")  # refreshed before sending
        row = await pe.store.get("conn-1")
        assert row.status is ConnectionStatus.ACTIVE and row.tokens is not None
        assert row.tokens.access_token != first.access_token
        assert row.tokens.refresh_token not in (None, first.refresh_token)  # rotated, saved


async def test_a_token_xero_already_expired_is_refreshed_on_the_401() -> None:
    async with provider_env(access_token_ttl=TTL) as pe:
        await pe.store.put("conn-1", AUTH_CODE, await pe.env.connect())
        xero = pe.provider.client("conn-1", pe.tenant_id)
        pe.env.clock.lag = -(TTL + 60)  # we believe the token is fresh; Xero does not
        await pe.env.advance(TTL + 60)

        contacts = await xero.list_all("Contacts", operation="contacts")

        assert len(contacts) == len(pe.org().contacts)
        assert pe.env.tap.statuses("/Contacts") == [401, 200]
        assert pe.env.tap.grants("refresh_token") == 1


async def test_client_credentials_connection_of_the_custom_app() -> None:
    async with open_env(access_token_ttl=TTL) as env:
        store = MemoryTokenStore()
        await store.put("custom", ConnectionKind.OAUTH_CLIENT_CREDENTIALS, None)
        provider = make_provider(env, store, env.info["custom_client_id"],
                                 env.info["custom_client_secret"])
        stranger = env.handle.emulator.create_org("Not The Custom Org Ltd").tenant_id
        try:
            xero = provider.client("custom", env.info["tenant_id"])
            key = idempotency_key("test-provider", "custom-1")
            result = await xero.batch("Invoices", [invoice("custom-connection-1")],
                                      operation="createInvoices", idempotency_prefix=key)
            await env.advance(TTL + 1)  # a custom connection has no refresh token …
            organisation = await xero.get("/Organisation", operation="organisation")

            # … so it simply asked for a new token with the client credentials grant.
            assert env.tap.grants("client_credentials") == 2
            assert env.tap.grants("refresh_token", status=None) == 0
            assert [r.status for r in result] == ["created"]
            assert organisation["Organisations"][0]["OrganisationID"] == env.info["tenant_id"]
            org = env.handle.emulator.orgs[env.info["tenant_id"]]
            assert references(org).count("custom-connection-1") == 1
            row = await store.get("custom")
            assert row.tokens is not None and row.tokens.refresh_token is None

            # A custom connection covers one organisation; naming another is refused.
            with pytest.raises(ForbiddenError):
                await provider.client("custom", stranger).write(
                    "PUT", "/Invoices", {"Invoices": [invoice("misdirected")]},
                    operation="createInvoices", idempotency_key=idempotency_key("x", "y"))
            assert "misdirected" not in references(env.handle.emulator.orgs[stranger])
        finally:
            await provider.aclose()


# ---- tenants ---------------------------------------------------------------------------------
async def test_one_consent_to_two_organisations_writes_each_only_to_its_own() -> None:
    async with provider_env() as pe:
        emulator = pe.env.handle.emulator
        second = emulator.create_org("Kauri Second Ltd").tenant_id
        first = pe.tenant_id
        oauth = pe.provider.oauth
        # The real browser flow through the provider's own OAuth client, ticking both orgs.
        verifier, _ = oauth.new_pkce()
        state, redirect = oauth.new_state(), pe.env.info["redirect_uris"][0]
        callback = await consent(pe.env, oauth, state, verifier, redirect)
        query = parse_qs(urlsplit(callback).query)
        assert query["state"] == [state]
        tokens = await oauth.exchange_code(query["code"][0], redirect, verifier)
        await pe.store.put("conn-both", AUTH_CODE, tokens)
        tenants = {c.tenant_id for c in await oauth.connections(tokens.access_token)}
        assert tenants == {first, second}
        before = {t: len(emulator.orgs[t].invoices) for t in tenants}

        # Neither "the first tenant" nor an empty one: every client names its organisation.
        with pytest.raises(ConfigurationError):
            XeroClient(pe.provider.http_for("conn-both"), tenant_id="",
                       app_id=pe.env.info["client_id"])
        results = {}
        for tenant in (first, second):
            xero = pe.provider.client("conn-both", tenant)
            items = [invoice(f"{tenant}:{n}") for n in range(3)]
            results[tenant] = await xero.batch("Invoices", items, operation="createInvoices",
                                               idempotency_prefix=f"two-orgs:{tenant}")

        for tenant, other in ((first, second), (second, first)):
            org = emulator.orgs[tenant]
            assert [r.status for r in results[tenant]] == ["created"] * 3
            assert len(org.invoices) == before[tenant] + 3
            mine = sorted(r for r in references(org) if r.startswith(f"{tenant}:"))
            assert mine == [f"{tenant}:{n}" for n in range(3)]
            assert not any(r.startswith(f"{other}:") for r in references(org))
            assert {r.record["InvoiceID"] for r in results[tenant] if r.record} <= \
                set(org.invoices)
        # Both clients spent the one connection's single token pair: no second consent.
        assert pe.env.tap.grants("authorization_code") == 1
