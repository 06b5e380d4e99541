"""Deals and their products: references checked, value computed, context for invoice actions."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.crm import repository
from ledgerlink.crm.common import apply, not_found, plain, reference, require
from ledgerlink.crm.views import DealContext, DealLine, DealView
from ledgerlink.db.models.crm import CrmContact, Customer, Deal, DealProduct, Product
from ledgerlink.errors import ConflictingInputError, UnknownReferenceError

# --- deals -----------------------------------------------------------------------------------


async def _check_deal_references(session: AsyncSession, values: Mapping[str, Any]) -> None:
    if "customer_id" in values:
        await reference(session, Customer, values["customer_id"], "customer_id", "customer")
    if "primary_contact_id" in values:
        await reference(session, CrmContact, values["primary_contact_id"],
                        "primary_contact_id", "CRM contact")


async def _view(session: AsyncSession, deal: Deal) -> DealView:
    lines = await repository.lines_of(session, [deal.id])
    return DealView(deal, [DealLine(dp, product) for dp, product in lines])


async def create_deal(session: AsyncSession, values: Mapping[str, Any]) -> DealView:
    """A new deal (without products; add them under /deals/{id}/products)."""
    data = plain(values)
    await _check_deal_references(session, data)
    deal = await repository.add(session, Deal(**data))
    return DealView(deal, [])


async def get_deal(session: AsyncSession, deal_id: str | uuid.UUID) -> DealView:
    """A deal with its lines and value."""
    deal = await require(session, Deal, deal_id, "deal")
    return await _view(session, deal)


async def list_deals(session: AsyncSession, *, customer_id: str | None = None,
                     primary_contact_id: str | None = None, stage: str | None = None,
                     search: str | None = None, limit: int = 50,
                     offset: int = 0) -> tuple[list[DealView], int]:
    """A page of deals with their lines, and how many match."""
    where: list[ColumnElement[bool]] = []
    if customer_id is not None:
        where.append(Deal.customer_id == customer_id)
    if primary_contact_id is not None:
        where.append(Deal.primary_contact_id == primary_contact_id)
    if stage is not None:
        where.append(Deal.stage == stage)
    if search:
        where.append(repository.contains([Deal.title, Deal.reference], search))
    deals, total = await repository.page(session, Deal, where, limit, offset)
    grouped: dict[str, list[DealLine]] = {deal.id: [] for deal in deals}
    for dp, product in await repository.lines_of(session, list(grouped)):
        grouped[dp.deal_id].append(DealLine(dp, product))
    return [DealView(deal, grouped[deal.id]) for deal in deals], total


async def update_deal(session: AsyncSession, deal_id: str | uuid.UUID,
                      changes: Mapping[str, Any]) -> DealView:
    """Change a deal's fields (only those given)."""
    deal = await require(session, Deal, deal_id, "deal")
    data = plain(changes)
    await _check_deal_references(session, data)
    apply(deal, data)
    await repository.flush(session)
    return await _view(session, deal)


async def delete_deal(session: AsyncSession, deal_id: str | uuid.UUID) -> None:
    """Delete a deal and its products (the lines; the products themselves stay).

    The Xero invoice it may be linked to is not touched: the link is ours, the invoice Xero's.
    """
    deal = await require(session, Deal, deal_id, "deal")
    await delete_deals(session, [deal.id])


async def delete_deals(session: AsyncSession, deal_ids: list[str]) -> None:
    """Delete these deals with their lines (named here rather than left to ON DELETE CASCADE,
    so the service says what goes)."""
    await repository.delete_where(session, DealProduct.deal_id, deal_ids)
    await repository.delete_where(session, Deal.id, deal_ids)


async def set_deal_xero_invoice(session: AsyncSession, deal_id: str | uuid.UUID,
                                xero_invoice_id: str | uuid.UUID | None) -> Deal:
    """Link a deal to the Xero invoice raised for it."""
    deal = await require(session, Deal, deal_id, "deal")
    deal.xero_invoice_id = str(xero_invoice_id) if xero_invoice_id is not None else None
    await repository.flush(session)
    return deal


async def get_deal_context(session: AsyncSession, deal_id: str | uuid.UUID) -> DealContext:
    """The deal, its customer, its primary contact and its lines joined with their products.

    Raises RecordNotFoundError (404, field "id") when the deal does not exist.
    """
    deal = await require(session, Deal, deal_id, "deal")
    view = await _view(session, deal)
    customer = (await repository.get(session, Customer, deal.customer_id)
                if deal.customer_id else None)
    contact = (await repository.get(session, CrmContact, deal.primary_contact_id)
               if deal.primary_contact_id else None)
    return DealContext(deal, view.deal_products, customer=customer, primary_contact=contact)


# --- deal products ---------------------------------------------------------------------------


async def _active_product(session: AsyncSession, product_id: str) -> Product:
    product = await repository.get(session, Product, product_id)
    if product is None:
        raise UnknownReferenceError(f"product_id: no product with id {product_id}",
                                    field="product_id", details={"product_id": product_id})
    if not product.is_active:  # a valid id, refused for the product's state
        raise ConflictingInputError(f"product_id: product {product_id} is inactive",
                                    field="product_id", details={"product_id": product_id})
    return product


async def _line(session: AsyncSession, deal_id: str | uuid.UUID,
                line_id: str | uuid.UUID) -> tuple[DealProduct, Product]:
    await require(session, Deal, deal_id, "deal")
    found = await repository.lines_of(session, [str(deal_id)], [str(line_id)])
    if not found:
        raise not_found("deal product on this deal", line_id)
    return found[0]


async def add_deal_product(session: AsyncSession, deal_id: str | uuid.UUID,
                           values: Mapping[str, Any]) -> DealLine:
    """Add a product to a deal; the product must exist and be active."""
    deal = await require(session, Deal, deal_id, "deal")
    data = plain(values)
    product = await _active_product(session, data["product_id"])
    row = await repository.add(session, DealProduct(deal_id=deal.id, **data))
    return DealLine(row, product)


async def list_deal_products(session: AsyncSession, deal_id: str | uuid.UUID, *,
                             limit: int = 50, offset: int = 0) -> tuple[list[DealLine], int]:
    """A page of a deal's products, and how many it has."""
    deal = await require(session, Deal, deal_id, "deal")
    rows, total = await repository.page(session, DealProduct, [DealProduct.deal_id == deal.id],
                                        limit, offset)
    products = await repository.products_by_ids(session, list({r.product_id for r in rows}))
    return [DealLine(row, products[row.product_id]) for row in rows], total


async def get_deal_product(session: AsyncSession, deal_id: str | uuid.UUID,
                           line_id: str | uuid.UUID) -> DealLine:
    """One product of a deal."""
    row, product = await _line(session, deal_id, line_id)
    return DealLine(row, product)


async def update_deal_product(session: AsyncSession, deal_id: str | uuid.UUID,
                              line_id: str | uuid.UUID,
                              changes: Mapping[str, Any]) -> DealLine:
    """Change a deal product (only the fields given); a new product must exist and be active."""
    row, product = await _line(session, deal_id, line_id)
    data = plain(changes)
    if "product_id" in data and data["product_id"] != row.product_id:
        product = await _active_product(session, data["product_id"])
    apply(row, data)
    await repository.flush(session)
    return DealLine(row, product)


async def remove_deal_product(session: AsyncSession, deal_id: str | uuid.UUID,
                              line_id: str | uuid.UUID) -> None:
    """Take a product off a deal."""
    row, _ = await _line(session, deal_id, line_id)
    await repository.delete(session, row)
