"""Fixtures of the action tests: the hub (SQLite and PostgreSQL) and the emulator on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerlink.api.app import create_app
from ledgerlink.auth.scopes import Scope
from ledgerlink.config import Settings
from ledgerlink.crm import service as crm
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, running
from ledgerlink.hub import Hub
from tests.hub_fixtures import (  # noqa: F401
    KeyMaker,
    base_settings,
    bearer,
    client,
    connect_emulator,
    database_url,
    hub,
    make_key,
    postgres_database,
    with_emulator_app,
)


@pytest.fixture(scope="session")
def emulator() -> Iterator[RunningEmulator]:
    """One emulator for the session; `xero` resets it to the demo organisation per test."""
    with running(EmulatorConfig(seed="demo")) as handle:
        yield handle


@dataclass
class Xero:
    """The emulator as a test sees it: its control plane and the demo organisation's state."""

    handle: RunningEmulator
    control: httpx.AsyncClient

    @property
    def info(self) -> dict[str, Any]:
        """The demo app and organisation."""
        return self.handle.emulator.info()

    @property
    def org(self) -> Any:
        """The demo organisation's state (read it, never write it)."""
        org = self.handle.emulator.default_org
        assert org is not None
        return org

    def contacts_named(self, name: str) -> list[dict[str, Any]]:
        """Every contact with this name (any case)."""
        return [c for c in self.org.contacts.values()
                if c["Name"].strip().casefold() == name.strip().casefold()]

    async def refreshes(self) -> int:
        """Refresh-token grants the demo app asked for since the last reset."""
        body = (await self.control.get("/_emulator/calls")).json()
        by_client: dict[str, dict[str, int]] = body["identity"]["by_client"]
        return by_client.get(self.info["client_id"], {}).get("token:refresh_token", 0)

    async def calls(self) -> dict[str, int]:
        """Calls per operation on the demo organisation since the last reset."""
        body = (await self.control.get("/_emulator/calls")).json()
        by_tenant: dict[str, dict[str, int]] = body["by_tenant"]
        return by_tenant.get(self.info["tenant_id"], {})


@pytest.fixture
async def xero(emulator: RunningEmulator) -> AsyncIterator[Xero]:
    """The emulator, reset to the seeded demo organisation."""
    async with httpx.AsyncClient(base_url=emulator.base_url) as control:
        (await control.post("/_emulator/reset", json={"seed": "demo"})).raise_for_status()
        yield Xero(emulator, control)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, emulator: RunningEmulator) -> Settings:  # noqa: F811
    """The test hub's settings with the emulator's demo app as Xero app."""
    return with_emulator_app(base_settings(database_url, tmp_path), emulator)


@pytest.fixture
async def integration_id(hub: Hub, xero: Xero) -> str:  # noqa: F811
    """The demo organisation connected from a real consent's tokens and /connections."""
    return await connect_emulator(hub, xero.handle)


@pytest.fixture
async def api(hub: Hub, make_key: KeyMaker) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    """The hub's API with an integrations:write key."""
    secret = await make_key(Scope.INTEGRATIONS_WRITE)
    transport = httpx.ASGITransport(app=create_app(hub=hub))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test",
                                 headers=bearer(secret)) as http:
        yield http


class Actions:
    """POST /action on the connected integration."""

    def __init__(self, api: httpx.AsyncClient, integration_id: str) -> None:
        self.api = api
        self.integration_id = integration_id

    async def __call__(self, action_type: str, key: str | None = None,
                       data: dict[str, Any] | None = None, **params: Any) -> httpx.Response:
        body: dict[str, Any] = {"action_type": action_type, "params": params}
        if data is not None:
            body["data"] = data
        headers = {"Idempotency-Key": key} if key else {}
        return await self.api.post(f"/api/v1/integrations/{self.integration_id}/action",
                                   json=body, headers=headers)


@pytest.fixture
def act(api: httpx.AsyncClient, integration_id: str) -> Actions:
    """Run actions on the demo organisation."""
    return Actions(api, integration_id)


class Crm:
    """CRM records made through the CRM service (what the actions read)."""

    def __init__(self, the_hub: Hub) -> None:
        self.hub = the_hub

    async def customer(self, name: str, **values: Any) -> str:
        """A customer's id."""
        async with self.hub.db.session() as session:
            return (await crm.create_customer(session, {"name": name, **values})).id

    async def contact(self, first_name: str, **values: Any) -> str:
        """A CRM contact's id."""
        async with self.hub.db.session() as session:
            return (await crm.create_crm_contact(session,
                                                 {"first_name": first_name, **values})).id

    async def product(self, name: str, price: str, **values: Any) -> str:
        """A product's id."""
        async with self.hub.db.session() as session:
            return (await crm.create_product(session, {
                "name": name, "unit_price": Decimal(price), **values})).id

    async def deal(self, title: str, lines: list[tuple[str, str]] | None = None,
                   **values: Any) -> tuple[str, list[str]]:
        """A deal with (product id, quantity) lines: its id and its deal product ids."""
        async with self.hub.db.session() as session:
            deal = (await crm.create_deal(session, {"title": title, **values})).deal
            line_ids = [(await crm.add_deal_product(session, deal.id, {
                "product_id": product_id, "quantity": Decimal(quantity)})).id
                for product_id, quantity in lines or []]
        return deal.id, line_ids

    async def xero_contact_of(self, customer_id: str | None = None,
                              crm_contact_id: str | None = None) -> str | None:
        """The Xero contact a customer (or CRM contact) is linked to."""
        async with self.hub.db.session() as session:
            if customer_id:
                return (await crm.get_customer(session, customer_id)).xero_contact_id
            return (await crm.get_crm_contact(session, str(crm_contact_id))).xero_contact_id

    async def xero_invoice_of(self, deal_id: str) -> str | None:
        """The Xero invoice a deal is linked to."""
        async with self.hub.db.session() as session:
            return (await crm.get_deal(session, deal_id)).deal.xero_invoice_id


@pytest.fixture
def records(hub: Hub) -> Crm:  # noqa: F811
    """Make CRM records."""
    return Crm(hub)
