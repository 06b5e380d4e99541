"""CRM fixtures: API keys with CRM scopes, and a helper that creates records through the API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerlink.auth.scopes import Scope
from tests.hub_fixtures import KeyMaker, bearer


@pytest.fixture
async def writer(make_key: KeyMaker) -> dict[str, str]:
    """Headers of a key with crm:write (which implies crm:read)."""
    return bearer(await make_key(Scope.CRM_WRITE))


@pytest.fixture
async def reader(make_key: KeyMaker) -> dict[str, str]:
    """Headers of a key with crm:read only."""
    return bearer(await make_key(Scope.CRM_READ))


class Crm:
    """Creates CRM records through the API and returns their JSON (asserting 201)."""

    def __init__(self, http: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.http = http
        self.headers = headers

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(f"/api/v1/{path}", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    async def customer(self, **fields: Any) -> dict[str, Any]:
        return await self.post("customers", {"name": "Acme Pty Ltd", **fields})

    async def contact(self, **fields: Any) -> dict[str, Any]:
        return await self.post("crm-contacts", {"first_name": "Jane", **fields})

    async def product(self, **fields: Any) -> dict[str, Any]:
        return await self.post("products", {"name": "Consulting", "unit_price": "100.00",
                                            **fields})

    async def deal(self, **fields: Any) -> dict[str, Any]:
        return await self.post("deals", {"title": "Website", **fields})

    async def line(self, deal_id: str, **fields: Any) -> dict[str, Any]:
        return await self.post(f"deals/{deal_id}/products", fields)

    async def email_configuration(self, **fields: Any) -> dict[str, Any]:
        return await self.post("email-configurations", {
            "name": "Invoices", "from_email": "billing@acme.example", **fields})


@pytest.fixture
def crm(client: httpx.AsyncClient, writer: dict[str, str]) -> Crm:
    """A helper that creates records with a crm:write key."""
    return Crm(client, writer)
