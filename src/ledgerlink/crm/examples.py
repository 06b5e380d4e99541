"""The demo's CRM records the published request examples name, made with their fixed ids."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink import examples as ex
from ledgerlink.crm import repository, service
from ledgerlink.crm.schemas import CrmContactCreate, CustomerCreate, ProductCreate
from ledgerlink.crm.schemas_deals import DealCreate, DealProductCreate
from ledgerlink.db.models.crm import CrmContact, Customer, Deal, DealProduct, Product

# The customer is the demo organisation's Xero contact Aroha Interiors (the same name, email
# and address), so an invoice from the deal goes to an existing contact, never a new one.
CUSTOMER: dict[str, Any] = {
    "name": "Aroha Interiors", "email": "daniel@arohainteriors.co.nz",
    "phone": "+64 4 585 9052", "address_line1": "151 Colombo Street", "city": "Tauranga",
    "region": "Bay of Plenty", "postal_code": "3110", "country": "New Zealand",
    "xero_contact_id": ex.XERO_CONTACT_ID}
PRIMARY_CONTACT: dict[str, Any] = {
    "first_name": "Daniel", "last_name": "Tane", "email": "daniel@arohainteriors.co.nz",
    "phone": "+64 21 881 2248", "customer_id": ex.CUSTOMER_ID,
    "xero_contact_id": ex.XERO_CONTACT_ID}
SECONDARY_CONTACT: dict[str, Any] = {
    "first_name": "Mere", "last_name": "Walker", "email": "accounts@arohainteriors.co.nz",
    "customer_id": ex.CUSTOMER_ID}
PRODUCT: dict[str, Any] = {
    "name": "Kitchen cabinet module", "code": "KIT-CAB", "unit_price": "640.00",
    "description": "Kitchen cabinet module, built and fitted", "category": "Joinery",
    "account_code": "200", "tax_type": "OUTPUT2"}
PLAN_PRODUCT: dict[str, Any] = {
    "name": "Joinery care plan (month)", "code": "CARE-PLAN", "unit_price": "85.00",
    "description": "Monthly inspection and oiling", "category": "Service",
    "account_code": "200", "tax_type": "OUTPUT2"}
DEAL: dict[str, Any] = {
    "title": "Aroha Interiors showroom fit-out", "customer_id": ex.CUSTOMER_ID,
    "primary_contact_id": ex.CRM_CONTACT_ID, "currency": "NZD", "stage": "proposal",
    "reference": "PO 4471"}
DEAL_PRODUCT: dict[str, Any] = {"product_id": ex.PRODUCT_ID, "quantity": "3"}


def _fields(schema: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """The values as the API would hand them to the service (validated, typed)."""
    return schema.model_validate(values).model_dump(exclude_unset=True)


async def seed_example_records(session: AsyncSession) -> None:
    """Create the example customer, CRM contacts, products, deal and deal product with the ids
    of `ledgerlink.examples`, skipping any that exist (so a reused demo database keeps its
    records, edited or not); the caller commits."""
    if await repository.get(session, Customer, ex.CUSTOMER_ID) is None:
        await service.create_customer(
            session, {"id": ex.CUSTOMER_ID, **_fields(CustomerCreate, CUSTOMER)})
    for contact_id, contact in ((ex.CRM_CONTACT_ID, PRIMARY_CONTACT),
                                (ex.SECONDARY_CONTACT_ID, SECONDARY_CONTACT)):
        if await repository.get(session, CrmContact, contact_id) is None:
            await service.create_crm_contact(
                session, {"id": contact_id, **_fields(CrmContactCreate, contact)})
    for product_id, product in ((ex.PRODUCT_ID, PRODUCT), (ex.PLAN_PRODUCT_ID, PLAN_PRODUCT)):
        if await repository.get(session, Product, product_id) is None:
            await service.create_product(
                session, {"id": product_id, **_fields(ProductCreate, product)})
    if await repository.get(session, Deal, ex.DEAL_ID) is None:
        await service.create_deal(session, {"id": ex.DEAL_ID, **_fields(DealCreate, DEAL)})
    if await repository.get(session, DealProduct, ex.DEAL_PRODUCT_ID) is None:
        await service.add_deal_product(session, ex.DEAL_ID, {
            "id": ex.DEAL_PRODUCT_ID, **_fields(DealProductCreate, DEAL_PRODUCT)})
