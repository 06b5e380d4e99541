"""The demo's example CRM records: made with the ids the published examples name, once."""

from __future__ import annotations

from sqlalchemy import func, select

from ledgerlink import examples as ex
from ledgerlink.crm import service
from ledgerlink.crm.examples import seed_example_records
from ledgerlink.db.models.crm import CrmContact, Customer, Deal, DealProduct, Product
from ledgerlink.hub import Hub


async def _counts(hub: Hub) -> list[int]:
    async with hub.db.session() as session:
        return [int(await session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Customer, CrmContact, Product, Deal, DealProduct)]


async def test_the_records_have_the_example_ids_and_make_an_invoiceable_deal(hub: Hub) -> None:
    async with hub.db.session() as session:
        await seed_example_records(session)
    async with hub.db.session() as session:
        deal = await service.get_deal_context(session, ex.DEAL_ID)
        secondary = await service.get_crm_contact(session, ex.SECONDARY_CONTACT_ID)
        plan = await service.get_product(session, ex.PLAN_PRODUCT_ID)
    assert deal.customer is not None and deal.customer.id == ex.CUSTOMER_ID
    assert deal.customer.xero_contact_id == ex.XERO_CONTACT_ID
    assert deal.primary_contact is not None and deal.primary_contact.id == ex.CRM_CONTACT_ID
    assert deal.primary_contact.email and secondary.email
    assert secondary.customer_id == ex.CUSTOMER_ID
    [line] = deal.deal_products
    assert (line.deal_product.id, line.product.id) == (ex.DEAL_PRODUCT_ID, ex.PRODUCT_ID)
    assert plan.is_active and not service.is_usage_based(plan.category)
    assert await _counts(hub) == [1, 2, 2, 1, 1]


async def test_seeding_again_keeps_what_exists_and_makes_what_is_missing(hub: Hub) -> None:
    async with hub.db.session() as session:
        await seed_example_records(session)
    async with hub.db.session() as session:
        await service.update_customer(session, ex.CUSTOMER_ID, {"name": "Renamed"})
        await service.delete_deal(session, ex.DEAL_ID)
    async with hub.db.session() as session:
        await seed_example_records(session)
    async with hub.db.session() as session:
        customer = await service.get_customer(session, ex.CUSTOMER_ID)
        deal = await service.get_deal(session, ex.DEAL_ID)
    assert customer.name == "Renamed"  # a record the user changed stays as they left it
    assert [line.deal_product.id for line in deal.deal_products] == [ex.DEAL_PRODUCT_ID]
    assert await _counts(hub) == [1, 2, 2, 1, 1]
