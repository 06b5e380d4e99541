"""CRM rows for the email tests, made through the CRM service (as the API would)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledgerlink.crm import service as crm_service
from ledgerlink.crm.views import DealContext
from ledgerlink.hub import Hub

CONFIG: dict[str, Any] = {
    "name": "Invoices", "from_email": "billing@acme.example", "from_name": "Acme Billing",
    "reply_to": "accounts@acme.example", "company_name": "Acme Joinery Ltd",
    "brand_color": "#0B5FFF", "logo_url": "https://acme.example/logo.png", "is_default": True,
}


@dataclass
class Crm:
    """The ids of one customer, two contacts and a deal."""

    deal_id: str
    primary_id: str
    secondary_id: str
    config_id: str | None


async def make_crm(hub: Hub, *, config: dict[str, Any] | None = CONFIG,
                   primary_email: str | None = "jo.bloggs@kauri.example",
                   with_primary: bool = True) -> Crm:
    """A default email configuration (unless None), a customer, contacts and a deal."""
    async with hub.db.session() as session:
        config_id = None
        if config is not None:
            row = await crm_service.create_email_configuration(session, config)
            config_id = row.id
        customer = await crm_service.create_customer(session, {"name": "Kauri Joinery Ltd"})
        primary = await crm_service.create_crm_contact(session, {
            "first_name": "Jo", "last_name": "Bloggs", "email": primary_email,
            "customer_id": customer.id})
        secondary = await crm_service.create_crm_contact(session, {
            "first_name": "Mere", "last_name": "Tane", "email": "mere@kauri.example",
            "customer_id": customer.id})
        deal = await crm_service.create_deal(session, {
            "title": "Kitchen refit", "customer_id": customer.id,
            "primary_contact_id": primary.id if with_primary else None,
            "reference": "PO-7"})
        return Crm(deal.deal.id, primary.id, secondary.id, config_id)


async def deal_context(hub: Hub, deal_id: str) -> DealContext:
    """The deal as the invoice actions read it."""
    async with hub.db.session() as session:
        return await crm_service.get_deal_context(session, deal_id)
