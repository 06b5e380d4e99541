"""Deleting CRM records (data-retention requests): the rows really go; dependants are handled."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from ledgerlink.db.models.crm import CrmContact, Customer, Deal, DealProduct, Product
from ledgerlink.hub import Hub
from tests.crm.fixtures import Crm


async def rows(hub: Hub, model: Any, **where: str) -> int:
    """How many rows of `model` the database holds (matching `where`)."""
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    async with hub.db.session() as session:
        return int(await session.scalar(query) or 0)


async def test_unknown_ids_are_404_on_every_delete(client: httpx.AsyncClient,
                                                   writer: dict[str, str]) -> None:
    for path in ("customers", "crm-contacts", "products", "deals"):
        answer = await client.delete(f"/api/v1/{path}/{uuid.uuid4()}", headers=writer)
        assert answer.status_code == 404, path
        assert answer.json()["error"]["code"] == "not_found"
        bad = await client.delete(f"/api/v1/{path}/not-a-uuid", headers=writer)
        assert bad.status_code == 422, path


async def test_a_customer_with_nothing_depending_on_it_goes(
        client: httpx.AsyncClient, crm: Crm, writer: dict[str, str], hub: Hub) -> None:
    customer = await crm.customer(email="jane@acme.example", phone="+61 400 000 000",
                                  xero_contact_id=str(uuid.uuid4()))
    url = f"/api/v1/customers/{customer['id']}"
    answer = await client.delete(url, headers=writer)
    assert answer.status_code == 204 and answer.content == b""
    assert (await client.get(url, headers=writer)).status_code == 404
    assert await rows(hub, Customer) == 0  # the row itself, with its personal data
    assert (await client.delete(url, headers=writer)).status_code == 404


async def test_a_customer_with_deals_and_contacts_is_refused_naming_them(
        client: httpx.AsyncClient, crm: Crm, writer: dict[str, str], hub: Hub) -> None:
    customer = await crm.customer()
    deal = await crm.deal(customer_id=customer["id"])
    person = await crm.contact(customer_id=customer["id"])
    answer = await client.delete(f"/api/v1/customers/{customer['id']}", headers=writer)
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "conflict" and error["field"] == "cascade"
    assert error["details"] == {"deal_count": 1, "deal_ids": [deal["id"]],
                                "crm_contact_count": 1, "crm_contact_ids": [person["id"]]}
    assert await rows(hub, Customer) == 1 and await rows(hub, Deal) == 1


async def test_cascade_deletes_the_customer_its_deals_lines_and_contacts(
        client: httpx.AsyncClient, crm: Crm, writer: dict[str, str], hub: Hub) -> None:
    customer = await crm.customer(name="Jane Citizen", email="jane@citizen.example")
    person = await crm.contact(customer_id=customer["id"], email="jane@citizen.example")
    product = await crm.product()
    deal = await crm.deal(customer_id=customer["id"], primary_contact_id=person["id"])
    await crm.line(deal["id"], product_id=product["id"], quantity="2")
    # Another customer's deal that named Jane as its addressee keeps existing, without her.
    other = await crm.customer(name="Other Ltd")
    kept = await crm.deal(customer_id=other["id"], primary_contact_id=person["id"])

    answer = await client.delete(f"/api/v1/customers/{customer['id']}?cascade=true",
                                 headers=writer)
    assert answer.status_code == 204
    assert await rows(hub, Customer, id=customer["id"]) == 0
    assert await rows(hub, CrmContact) == 0
    assert await rows(hub, Deal, id=deal["id"]) == 0
    assert await rows(hub, DealProduct) == 0
    assert await rows(hub, Product) == 1  # products are not the customer's
    left = (await client.get(f"/api/v1/deals/{kept['id']}", headers=writer)).json()
    assert left["primary_contact_id"] is None and left["customer_id"] == other["id"]


async def test_a_contact_goes_and_its_deals_stay_without_it(
        client: httpx.AsyncClient, crm: Crm, writer: dict[str, str], hub: Hub) -> None:
    customer = await crm.customer()
    person = await crm.contact(customer_id=customer["id"], email="jane@acme.example")
    deal = await crm.deal(customer_id=customer["id"], primary_contact_id=person["id"])
    url = f"/api/v1/crm-contacts/{person['id']}"
    assert (await client.delete(url, headers=writer)).status_code == 204
    assert (await client.get(url, headers=writer)).status_code == 404
    assert await rows(hub, CrmContact) == 0
    left = (await client.get(f"/api/v1/deals/{deal['id']}", headers=writer)).json()
    assert left["primary_contact_id"] is None and left["customer_id"] == customer["id"]
    assert (await client.delete(url, headers=writer)).status_code == 404


async def test_a_deal_goes_with_its_lines_and_the_products_stay(
        client: httpx.AsyncClient, crm: Crm, writer: dict[str, str], hub: Hub) -> None:
    product = await crm.product()
    deal = await crm.deal()
    await crm.line(deal["id"], product_id=product["id"])
    await crm.line(deal["id"], product_id=product["id"], quantity="3")
    other = await crm.deal(title="Other")
    await crm.line(other["id"], product_id=product["id"])
    assert (await client.delete(f"/api/v1/deals/{deal['id']}", headers=writer)).status_code \
        == 204
    assert (await client.get(f"/api/v1/deals/{deal['id']}", headers=writer)).status_code == 404
    assert await rows(hub, DealProduct, deal_id=deal["id"]) == 0
    assert await rows(hub, DealProduct, deal_id=other["id"]) == 1
    assert await rows(hub, Product) == 1


async def test_a_product_in_use_is_refused_then_goes_once_unused(
        client: httpx.AsyncClient, crm: Crm, writer: dict[str, str], hub: Hub) -> None:
    product = await crm.product()
    deal = await crm.deal()
    line = await crm.line(deal["id"], product_id=product["id"])
    url = f"/api/v1/products/{product['id']}"
    refused = await client.delete(url, headers=writer)
    assert refused.status_code == 409
    details = refused.json()["error"]["details"]
    assert details == {"deal_product_count": 1, "deal_product_ids": [line["id"]],
                       "deal_ids": [deal["id"]]}
    removed = await client.delete(f"/api/v1/deals/{deal['id']}/products/{line['id']}",
                                  headers=writer)
    assert removed.status_code == 204
    assert (await client.delete(url, headers=writer)).status_code == 204
    assert await rows(hub, Product) == 0


async def test_deleting_needs_crm_write(client: httpx.AsyncClient, crm: Crm,
                                        reader: dict[str, str], hub: Hub) -> None:
    customer = await crm.customer()
    answer = await client.delete(f"/api/v1/customers/{customer['id']}", headers=reader)
    assert answer.status_code == 403
    assert await rows(hub, Customer) == 1
