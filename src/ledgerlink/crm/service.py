"""CRM logic: customers, CRM contacts, products, email configurations, and what actions read.

Services take validated field values (dicts from the schemas), check references, never
commit. Deals and deal products live in `service_deals` and are re-exported here, so callers
(the invoice actions) import everything from `ledgerlink.crm.service`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.crm import repository
from ledgerlink.crm.common import apply, plain, reference, require
from ledgerlink.crm.service_deals import (
    add_deal_product,
    create_deal,
    delete_deal,
    delete_deals,
    get_deal,
    get_deal_context,
    get_deal_product,
    list_deal_products,
    list_deals,
    remove_deal_product,
    set_deal_xero_invoice,
    update_deal,
    update_deal_product,
)
from ledgerlink.crm.types import USAGE_BASED, is_usage_based
from ledgerlink.crm.views import DealContext, DealLine, DealView
from ledgerlink.db.models.crm import (
    CrmContact,
    Customer,
    Deal,
    DealProduct,
    EmailConfiguration,
    Product,
)
from ledgerlink.errors import (
    ConflictError,
    ConflictingInputError,
    RecordConflictError,
    UnknownReferenceError,
)

__all__ = [
    "USAGE_BASED", "DealContext", "DealLine", "DealView", "add_deal_product",
    "create_crm_contact", "create_customer", "create_deal", "create_email_configuration",
    "create_product", "delete_crm_contact", "delete_customer", "delete_deal", "delete_product",
    "get_crm_contact", "get_customer", "get_deal", "get_deal_context",
    "get_deal_product", "get_default_email_configuration", "get_email_configuration",
    "get_product", "get_products", "is_usage_based", "list_crm_contacts", "list_customers",
    "list_deal_products", "list_deals", "list_email_configurations", "list_products",
    "remove_deal_product", "set_crm_contact_xero_contact", "set_customer_xero_contact",
    "set_deal_xero_invoice", "update_crm_contact", "update_customer", "update_deal",
    "update_deal_product", "update_email_configuration", "update_product",
]

# --- customers -------------------------------------------------------------------------------


async def create_customer(session: AsyncSession, values: Mapping[str, Any]) -> Customer:
    """A new customer."""
    return await repository.add(session, Customer(**plain(values)))


async def get_customer(session: AsyncSession, customer_id: str | uuid.UUID) -> Customer:
    """A customer, or RecordNotFoundError."""
    return await require(session, Customer, customer_id, "customer")


async def list_customers(session: AsyncSession, *, search: str | None = None,
                         email: str | None = None, xero_contact_id: str | None = None,
                         limit: int = 50, offset: int = 0) -> tuple[list[Customer], int]:
    """A page of customers (search matches name or email) and how many match."""
    where: list[ColumnElement[bool]] = []
    if search:
        where.append(repository.contains([Customer.name, Customer.email], search))
    if email is not None:
        where.append(Customer.email == email)
    if xero_contact_id is not None:
        where.append(Customer.xero_contact_id == xero_contact_id)
    return await repository.page(session, Customer, where, limit, offset)


async def update_customer(session: AsyncSession, customer_id: str | uuid.UUID,
                          changes: Mapping[str, Any]) -> Customer:
    """Change a customer's fields (only those given)."""
    customer = await get_customer(session, customer_id)
    apply(customer, plain(changes))
    await repository.flush(session)
    return customer


async def set_customer_xero_contact(session: AsyncSession, customer_id: str | uuid.UUID,
                                    xero_contact_id: str | uuid.UUID | None) -> Customer:
    """Link a customer to its Xero contact (or unlink with None)."""
    return await update_customer(session, customer_id, {"xero_contact_id": xero_contact_id})


async def delete_customer(session: AsyncSession, customer_id: str | uuid.UUID,
                          cascade: bool = False) -> None:
    """Delete a customer (e.g. a data-retention request): the row and its personal data go.

    A customer owns its deals and CRM contacts: while it has any, the delete is refused (409
    naming them) unless `cascade`, which deletes them too (deals with their lines; other
    deals that had one of those contacts as primary contact lose that link). The Xero
    contact it was linked to is not touched: the link is ours, the contact Xero's.
    """
    customer = await get_customer(session, customer_id)
    if cascade:
        await delete_deals(session, await repository.ids_where(session, Deal.customer_id,
                                                               customer.id))
        contact_ids = await repository.ids_where(session, CrmContact.customer_id, customer.id)
        await repository.unlink(session, Deal.primary_contact_id, contact_ids)
        await repository.delete_where(session, CrmContact.id, contact_ids)
    else:
        await _refuse_with_dependants(session, customer)
    await repository.delete(session, customer)


async def _refuse_with_dependants(session: AsyncSession, customer: Customer) -> None:
    """409 naming the customer's deals and CRM contacts, when it has any."""
    deals, deal_count = await repository.referring(session, Deal.customer_id, customer.id)
    people, people_count = await repository.referring(session, CrmContact.customer_id,
                                                      customer.id)
    if deal_count or people_count:
        raise RecordConflictError(
            f"Customer {customer.id} has {deal_count} deal(s) and {people_count} CRM "
            "contact(s): delete them first, or send cascade=true to delete them with it",
            field="cascade", details={"deal_count": deal_count, "deal_ids": deals,
                                      "crm_contact_count": people_count,
                                      "crm_contact_ids": people})


# --- CRM contacts ----------------------------------------------------------------------------


async def create_crm_contact(session: AsyncSession, values: Mapping[str, Any]) -> CrmContact:
    """A new CRM contact; its customer, if named, must exist."""
    data = plain(values)
    await reference(session, Customer, data.get("customer_id"), "customer_id", "customer")
    return await repository.add(session, CrmContact(**data))


async def get_crm_contact(session: AsyncSession, contact_id: str | uuid.UUID) -> CrmContact:
    """A CRM contact, or RecordNotFoundError (404, field "id")."""
    return await require(session, CrmContact, contact_id, "CRM contact")


async def list_crm_contacts(session: AsyncSession, *, customer_id: str | None = None,
                            search: str | None = None, email: str | None = None,
                            xero_contact_id: str | None = None, limit: int = 50,
                            offset: int = 0) -> tuple[list[CrmContact], int]:
    """A page of contacts (search matches names and email) and how many match."""
    where: list[ColumnElement[bool]] = []
    if customer_id is not None:
        where.append(CrmContact.customer_id == customer_id)
    if search:
        where.append(repository.contains(
            [CrmContact.first_name, CrmContact.last_name, CrmContact.email], search))
    if email is not None:
        where.append(CrmContact.email == email)
    if xero_contact_id is not None:
        where.append(CrmContact.xero_contact_id == xero_contact_id)
    return await repository.page(session, CrmContact, where, limit, offset)


async def update_crm_contact(session: AsyncSession, contact_id: str | uuid.UUID,
                             changes: Mapping[str, Any]) -> CrmContact:
    """Change a contact's fields (only those given); a new customer must exist."""
    contact = await get_crm_contact(session, contact_id)
    data = plain(changes)
    if "customer_id" in data:
        await reference(session, Customer, data["customer_id"], "customer_id", "customer")
    apply(contact, data)
    await repository.flush(session)
    return contact


async def set_crm_contact_xero_contact(session: AsyncSession, contact_id: str | uuid.UUID,
                                       xero_contact_id: str | uuid.UUID | None) -> CrmContact:
    """Link a CRM contact to its Xero contact (or unlink with None)."""
    return await update_crm_contact(session, contact_id, {"xero_contact_id": xero_contact_id})


async def delete_crm_contact(session: AsyncSession, contact_id: str | uuid.UUID) -> None:
    """Delete a CRM contact (e.g. a data-retention request): the row and its personal data go.

    Deals that had this person as primary contact stay, without one (a deal belongs to its
    customer; the contact is only its addressee). The linked Xero contact is not touched.
    """
    contact = await get_crm_contact(session, contact_id)
    await repository.unlink(session, Deal.primary_contact_id, [contact.id])
    await repository.delete(session, contact)


# --- products --------------------------------------------------------------------------------


async def create_product(session: AsyncSession, values: Mapping[str, Any]) -> Product:
    """A new product."""
    return await repository.add(session, Product(**plain(values)))


async def get_product(session: AsyncSession, product_id: str | uuid.UUID) -> Product:
    """A product, or RecordNotFoundError."""
    return await require(session, Product, product_id, "product")


async def get_products(session: AsyncSession,
                       product_ids: Sequence[str | uuid.UUID]) -> list[Product]:
    """The products with these ids, in the order given.

    Raises UnknownReferenceError (422, field "product_ids", details.missing) naming any
    unknown id.
    """
    ids = [str(value) for value in product_ids]
    found = await repository.products_by_ids(session, list(dict.fromkeys(ids)))
    missing = [value for value in dict.fromkeys(ids) if value not in found]
    if missing:
        raise UnknownReferenceError(f"product_ids: no product with id {', '.join(missing)}",
                                    field="product_ids", details={"missing": missing})
    return [found[value] for value in ids]


async def list_products(session: AsyncSession, *, category: str | None = None,
                        is_active: bool | None = None, code: str | None = None,
                        search: str | None = None, limit: int = 50,
                        offset: int = 0) -> tuple[list[Product], int]:
    """A page of products (search matches name, code and description) and how many match."""
    where: list[ColumnElement[bool]] = []
    if category is not None:
        where.append(Product.category == category)
    if is_active is not None:
        where.append(Product.is_active.is_(is_active))
    if code is not None:
        where.append(Product.code == code)
    if search:
        where.append(repository.contains([Product.name, Product.code, Product.description],
                                         search))
    return await repository.page(session, Product, where, limit, offset)


async def update_product(session: AsyncSession, product_id: str | uuid.UUID,
                         changes: Mapping[str, Any]) -> Product:
    """Change a product's fields (only those given)."""
    product = await get_product(session, product_id)
    apply(product, plain(changes))
    await repository.flush(session)
    return product


async def delete_product(session: AsyncSession, product_id: str | uuid.UUID) -> None:
    """Delete a product no deal uses; while deals do, a 409 names them.

    Removing it from under a deal would silently change the deal's value and its invoices:
    remove it from those deals first, or deactivate it (`is_active: false`) instead.
    """
    product = await get_product(session, product_id)
    lines, count = await repository.referring(session, DealProduct.product_id, product.id)
    if count:
        deals = await repository.deals_of_lines(session, lines)
        raise RecordConflictError(
            f"Product {product.id} is on {count} deal product(s): remove it from those deals "
            "first, or deactivate it (is_active: false) instead", field="id",
            details={"deal_product_count": count, "deal_product_ids": lines, "deal_ids": deals})
    await repository.delete(session, product)


# --- email configurations --------------------------------------------------------------------


async def _make_default(session: AsyncSession, config: EmailConfiguration) -> None:
    # Clear the old default first: the database allows one default row at a time.
    await repository.unset_default_email_configurations(session, keep=config.id)
    config.is_default = True
    try:
        await repository.flush(session)
    except IntegrityError:  # another request made its own default at the same moment
        raise ConflictError("Another email configuration became the default concurrently; "
                            "retry", field="is_default") from None


async def create_email_configuration(session: AsyncSession,
                                     values: Mapping[str, Any]) -> EmailConfiguration:
    """A new email configuration; it becomes the default if asked or if it is the first."""
    data = dict(plain(values))
    wants_default = bool(data.pop("is_default", False))
    config = await repository.add(session, EmailConfiguration(**data, is_default=False))
    if wants_default or await repository.default_email_configuration(session) is None:
        await _make_default(session, config)
    return config


async def get_email_configuration(session: AsyncSession,
                                  config_id: str | uuid.UUID) -> EmailConfiguration:
    """An email configuration, or RecordNotFoundError."""
    return await require(session, EmailConfiguration, config_id, "email configuration")


async def get_default_email_configuration(session: AsyncSession) -> EmailConfiguration | None:
    """The default email configuration (required by email_mode "trustpager"), or None."""
    return await repository.default_email_configuration(session)


async def list_email_configurations(session: AsyncSession, *, is_default: bool | None = None,
                                    limit: int = 50, offset: int = 0,
                                    ) -> tuple[list[EmailConfiguration], int]:
    """A page of email configurations and how many match."""
    where: list[ColumnElement[bool]] = []
    if is_default is not None:
        where.append(EmailConfiguration.is_default.is_(is_default))
    return await repository.page(session, EmailConfiguration, where, limit, offset)


async def update_email_configuration(session: AsyncSession, config_id: str | uuid.UUID,
                                     changes: Mapping[str, Any]) -> EmailConfiguration:
    """Change a configuration; `is_default: true` moves the default here.

    There is always exactly one default while any configuration exists, so `is_default:
    false` on the default is refused (make another one the default instead).
    """
    config = await get_email_configuration(session, config_id)
    data = dict(plain(changes))
    wants_default = data.pop("is_default", None)
    if wants_default is False and config.is_default:  # a valid value, refused for the state
        raise ConflictingInputError("is_default: this is the default email configuration; make "
                                    "another configuration the default instead",
                                    field="is_default")
    apply(config, data)
    await repository.flush(session)
    if wants_default and not config.is_default:
        await _make_default(session, config)
    return config
