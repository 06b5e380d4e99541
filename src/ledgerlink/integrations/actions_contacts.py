"""Contact resolution: reuse the linked, then a matching, Xero contact; create one only if none.

Never a duplicate: the stored link is tried first, then Xero is searched by contact number,
exact name and email; only then is a contact created. Two resolutions of the same name in one
process queue on a lock; across processes Xero's own rule (names are unique among active
contacts) refuses the second create, and that answer sends us back to the search.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

from ledgerlink.crm import service as crm
from ledgerlink.db.models.crm import CrmContact, Customer
from ledgerlink.errors import NotFoundError, ValidationError
from ledgerlink.integrations.actions_context import ActionContext, crm_record
from ledgerlink.integrations.actions_results import ContactResult
from ledgerlink.integrations.actions_schemas import CreateContactParams
from ledgerlink.providers.xero.actions import (
    ContactId,
    CreateContact,
    ListContacts,
    create_contact,
    get_contact,
    list_contacts,
)
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.models import Contact, ContactStatus
from ledgerlink.providers.xero.where import Where, any_of, where

Kind = Literal["customer", "crm_contact", "explicit"]
# Field names of Xero's "already assigned to another contact" refusals.
_CLASH_FIELDS = ("Name", "ContactNumber")


@dataclass
class ContactSource:
    """Who the Xero contact is for, and what it should hold if it must be created."""

    kind: Kind
    name: str
    record_id: str | None = None
    linked_id: str | None = None  # the record's stored xero_contact_id
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    contact_number: str | None = None
    phone: str | None = None
    tax_number: str | None = None
    address: dict[str, str] | None = None


@dataclass
class Resolved:
    """The Xero contact to use, whether we created it, and how an existing one was found."""

    contact: Contact
    created: bool
    matched_by: str | None
    source: ContactSource

    @property
    def contact_id(self) -> str:
        """The Xero ContactID."""
        return str(self.contact.contact_id)

    def result(self) -> ContactResult:
        """The action result of a contact resolution."""
        contact = self.contact
        return ContactResult(
            contact_id=self.contact_id, name=contact.name, email_address=contact.email_address,
            contact_number=contact.contact_number,
            contact_status=contact.contact_status.value if contact.contact_status else None,
            contact_created=self.created, matched_by=self.matched_by,
            customer_id=self.source.record_id if self.source.kind == "customer" else None,
            crm_contact_id=self.source.record_id if self.source.kind == "crm_contact" else None)


def from_customer(customer: Customer, person: CrmContact | None = None) -> ContactSource:
    """A customer (its primary contact, if known, supplies the person's names and email)."""
    address = {k: v for k, v in {
        "address_line1": customer.address_line1, "address_line2": customer.address_line2,
        "city": customer.city, "region": customer.region, "postal_code": customer.postal_code,
        "country": customer.country}.items() if v}
    return ContactSource(
        "customer", customer.name, customer.id, customer.xero_contact_id,
        email=customer.email or (person.email if person else None),
        first_name=person.first_name if person else None,
        last_name=person.last_name if person else None, phone=customer.phone,
        tax_number=customer.tax_number, address=address or None)


def from_crm_contact(person: CrmContact) -> ContactSource:
    """A CRM contact (a person billed directly)."""
    name = " ".join(p for p in (person.first_name, person.last_name) if p).strip()
    return ContactSource("crm_contact", name or person.first_name, person.id,
                         person.xero_contact_id, email=person.email,
                         first_name=person.first_name, last_name=person.last_name,
                         phone=person.phone)


def from_fields(params: CreateContactParams) -> ContactSource:
    """Explicit fields of xero_create_contact."""
    return ContactSource("explicit", str(params.name), email=params.email,
                         first_name=params.first_name, last_name=params.last_name,
                         contact_number=params.contact_number, phone=params.phone,
                         tax_number=params.tax_number)


def _lock(ctx: ActionContext, source: ContactSource) -> asyncio.Lock:
    locks = ctx.hub.contact_locks
    key = (ctx.client.tenant_id, _folded(source.name))
    lock = locks.get(key)
    if lock is None:
        lock = asyncio.Lock()
        locks[key] = lock
    return lock


async def resolve(ctx: ActionContext, source: ContactSource) -> Resolved:
    """The Xero contact for `source`: linked, found, or created; the CRM record linked to it."""
    async with _lock(ctx, source):
        resolved = await _resolve(ctx, source)
    if source.record_id and source.linked_id != resolved.contact_id:
        _link_later(ctx, source, resolved.contact_id)
    return resolved


async def _resolve(ctx: ActionContext, source: ContactSource) -> Resolved:
    client = ctx.client
    if source.linked_id:
        linked = await _usable(client, source.linked_id)
        if linked is not None:
            return Resolved(linked, False, "link", source)
    found = await find_existing(client, source)
    if found is not None:
        return Resolved(found[0], False, found[1], source)
    try:
        created = await create_contact(client, CreateContact.model_validate(
            _new_contact(source, ctx.operation("contact"))))
    except ValidationError as exc:
        if exc.field not in _CLASH_FIELDS:
            raise
        # Someone (another process, a person in Xero) created it since we searched.
        found = await find_existing(client, source, broad=True)
        if found is None:
            raise
        return Resolved(found[0], False, found[1], source)
    return Resolved(created, True, None, source)


async def _usable(client: XeroClient, contact_id: str) -> Contact | None:
    """The linked contact if it still exists and is active (archived ones cannot be billed)."""
    try:
        contact = await get_contact(client, ContactId(contact_id=contact_id))
    except (NotFoundError, ValidationError):  # gone, or a link that is not a ContactID
        return None
    if contact.contact_status not in (None, ContactStatus.ACTIVE):
        return None
    return contact


async def find_existing(client: XeroClient, source: ContactSource, *,
                        broad: bool = False) -> tuple[Contact, str] | None:
    """An active Xero contact with the same contact number, else name, else email.

    `broad` also searches by name (searchTerm), for when Xero called the name taken but an
    exact `where` did not find it (spacing or case that Xero folds and `==` does not).
    """
    # (how it matched, Xero property, attribute of Contact, our value), in order of trust
    tests = [("contact_number", "ContactNumber", "contact_number", source.contact_number),
             ("name", "Name", "name", source.name),
             ("email", "EmailAddress", "email_address", source.email)]
    clauses: list[Where | None] = [where(prop, "==", value) for _, prop, _, value in tests
                                   if value]
    condition = any_of(*clauses)
    if condition is None:
        return None
    candidates = await list_contacts(client, ListContacts(where=str(condition)))
    if broad:
        candidates += await list_contacts(client, ListContacts(search_term=source.name.strip()))
    active = [c for c in candidates if c.contact_status in (None, ContactStatus.ACTIVE)]
    for label, _, attribute, value in tests:
        wanted = _folded(value)
        match = next((c for c in active
                      if wanted and _folded(getattr(c, attribute)) == wanted), None)
        if match is not None:
            return match, label
    return None


def _folded(value: object) -> str:
    """A name, number or email compared as Xero compares them: case and spacing aside."""
    return " ".join(str(value or "").split()).casefold()


def _new_contact(source: ContactSource, operation_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "operation_id": operation_id, "name": source.name, "email_address": source.email,
        "first_name": source.first_name, "last_name": source.last_name,
        "contact_number": source.contact_number, "tax_number": source.tax_number}
    if source.phone:
        body["phones"] = [{"phone_type": "DEFAULT", "phone_number": source.phone}]
    if source.address:
        body["addresses"] = [{"address_type": "STREET", **source.address}]
    return {k: v for k, v in body.items() if v is not None}


def _link_later(ctx: ActionContext, source: ContactSource, contact_id: str) -> None:
    record_id = str(source.record_id)
    if source.kind == "customer":
        async def link(session: Any) -> None:
            await crm.set_customer_xero_contact(session, record_id, contact_id)
    else:
        async def link(session: Any) -> None:
            await crm.set_crm_contact_xero_contact(session, record_id, contact_id)
    ctx.defer(link)


async def create_contact_action(ctx: ActionContext, params: CreateContactParams) -> ContactResult:
    """xero_create_contact: from a CRM customer, a CRM contact, or explicit fields."""
    if params.customer_id:
        customer = await crm_record(crm.get_customer(ctx.session, params.customer_id),
                                    "params.customer_id")
        source = from_customer(customer)
    elif params.crm_contact_id:
        person = await crm_record(crm.get_crm_contact(ctx.session, params.crm_contact_id),
                                  "params.crm_contact_id")
        source = from_crm_contact(person)
    else:
        source = from_fields(params)
    return (await resolve(ctx, source)).result()
