"""The service functions the invoice actions call, on records created through the API."""

from __future__ import annotations

import uuid
from decimal import Decimal

import httpx
import pytest

from ledgerlink.crm import service
from ledgerlink.errors import InputError, RecordNotFoundError
from ledgerlink.hub import Hub
from tests.crm.fixtures import Crm

XERO_CONTACT = "0b3a7a3e-1d7e-4a52-9c52-6d1a0f3b5e21"
XERO_INVOICE = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"


async def test_get_deal_context(hub: Hub, crm: Crm) -> None:
    customer = await crm.customer(name="Acme", email="accounts@acme.example")
    contact = await crm.contact(first_name="Jane", email="jane@acme.example",
                                customer_id=customer["id"])
    hosting = await crm.product(name="Hosting", unit_price="50.00", account_code="200",
                                tax_type="OUTPUT", category="Subscription")
    metered = await crm.product(name="API calls", unit_price="0.10", category="usage based")
    deal = await crm.deal(customer_id=customer["id"], primary_contact_id=contact["id"],
                          currency="NZD")
    await crm.line(deal["id"], product_id=hosting["id"], quantity=2, discount_rate="12.5")
    await crm.line(deal["id"], product_id=metered["id"], quantity=1000, unit_price="0.08")

    async with hub.db.session() as session:
        context = await service.get_deal_context(session, deal["id"])

    assert context.deal.id == deal["id"]
    assert context.deal.currency == "NZD"
    assert context.customer is not None and context.customer.email == "accounts@acme.example"
    assert context.primary_contact is not None and context.primary_contact.first_name == "Jane"
    first, second = context.deal_products
    assert first.product.name == "Hosting"
    assert (first.quantity, first.effective_unit_price) == (Decimal("2"), Decimal("50.00"))
    assert first.line_amount == Decimal("87.50")
    assert (first.account_code, first.tax_type, first.is_usage_based) == ("200", "OUTPUT", False)
    assert first.effective_description == "Hosting"
    assert second.is_usage_based is True  # "usage based" spelled loosely still counts
    assert second.effective_unit_price == Decimal("0.08")
    assert second.line_amount == Decimal("80.00")
    assert context.value == Decimal("167.50")


async def test_get_deal_context_without_links_and_missing(hub: Hub, crm: Crm) -> None:
    deal = await crm.deal()
    async with hub.db.session() as session:
        context = await service.get_deal_context(session, deal["id"])
        assert context.customer is None and context.primary_contact is None
        assert context.deal_products == [] and context.value == Decimal("0.00")
        with pytest.raises(RecordNotFoundError) as caught:
            await service.get_deal_context(session, uuid.uuid4())
    assert caught.value.status == 404


async def test_get_products(hub: Hub, crm: Crm) -> None:
    a = await crm.product(name="A")
    b = await crm.product(name="B", category="Usage-Based")
    async with hub.db.session() as session:
        products = await service.get_products(session, [b["id"], a["id"], uuid.UUID(b["id"])])
        assert [p.name for p in products] == ["B", "A", "B"]
        assert service.is_usage_based(products[0].category)
        ghost = str(uuid.uuid4())
        with pytest.raises(InputError) as caught:
            await service.get_products(session, [a["id"], ghost])
    assert caught.value.field == "product_ids"
    assert caught.value.details == {"missing": [ghost]}


async def test_get_crm_contact_and_default_email(hub: Hub, crm: Crm) -> None:
    contact = await crm.contact(first_name="Sam", email="sam@example.com")
    async with hub.db.session() as session:
        assert (await service.get_crm_contact(session, contact["id"])).email == "sam@example.com"
        with pytest.raises(RecordNotFoundError):
            await service.get_crm_contact(session, str(uuid.uuid4()))
        assert await service.get_default_email_configuration(session) is None

    await crm.email_configuration(name="First")
    await crm.email_configuration(name="Branded", is_default=True, company_name="Acme")
    async with hub.db.session() as session:
        config = await service.get_default_email_configuration(session)
    assert config is not None and config.name == "Branded" and config.company_name == "Acme"


async def test_set_xero_links(hub: Hub, crm: Crm, client: httpx.AsyncClient,
                              writer: dict[str, str]) -> None:
    customer = await crm.customer()
    contact = await crm.contact()
    deal = await crm.deal()
    async with hub.db.session() as session:
        await service.set_customer_xero_contact(session, customer["id"], XERO_CONTACT)
        await service.set_crm_contact_xero_contact(session, contact["id"],
                                                   uuid.UUID(XERO_CONTACT))
        await service.set_deal_xero_invoice(session, deal["id"], XERO_INVOICE)

    async def field(path: str, name: str) -> str | None:
        response = await client.get(f"/api/v1/{path}", headers=writer)
        value: str | None = response.json()[name]
        return value

    assert await field(f"customers/{customer['id']}", "xero_contact_id") == XERO_CONTACT
    assert await field(f"crm-contacts/{contact['id']}", "xero_contact_id") == XERO_CONTACT
    assert await field(f"deals/{deal['id']}", "xero_invoice_id") == XERO_INVOICE
    async with hub.db.session() as session:
        with pytest.raises(RecordNotFoundError):
            await service.set_customer_xero_contact(session, str(uuid.uuid4()), XERO_CONTACT)
