"""Who an invoice email goes to: an override address, the deal's primary contact, a CRM contact
or the invoice's Xero contact; and the refusals (422) when that person has no address."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.crm import service as crm_service
from ledgerlink.crm.views import DealContext
from ledgerlink.email.merge import Recipient
from ledgerlink.email.schemas import EmailParams
from ledgerlink.errors import (
    ConflictingInputError,
    NotFoundError,
    ProviderError,
    RecordNotFoundError,
    UnknownReferenceError,
)
from ledgerlink.providers.xero.actions import ContactId, get_contact
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.models import Contact


async def check_recipient(session: AsyncSession, params: EmailParams,
                          deal_context: DealContext | None, *, prefix: str = "") -> None:
    """Refuse, before anything is written to Xero, a recipient the CRM cannot supply.

    The Xero contact (source xero_contact) is only known at Xero: its address is checked when
    the email is sent. `prefix` goes before the field names ("params." for an action).
    """
    if params.email_mode == "none" or params.email_recipient \
            or params.email_recipient_source == "xero_contact":
        return
    person = await _crm_person(session, params, deal_context, prefix)
    if not person.email:
        raise _no_address(person, params, prefix)


async def recipient(session: AsyncSession, client: XeroClient, invoice: dict[str, Any],
                    deal_context: DealContext | None, params: EmailParams, *,
                    prefix: str = "", contact: Contact | None = None) -> Recipient:
    """The override address, else the address of the chosen source (422 when it has none).

    `contact` is the invoice's Xero contact when the caller has read it already.
    """
    if params.email_recipient:
        try:  # the names still come from the source when it knows them
            person = await _from_source(session, client, invoice, deal_context, params,
                                        prefix, contact)
        except (ConflictingInputError, UnknownReferenceError, NotFoundError):
            person = None
        first, last = (person.first_name, person.last_name) if person else ("", "")
        return Recipient(params.email_recipient, first, last)
    person = await _from_source(session, client, invoice, deal_context, params, prefix,
                                contact)
    if not person.email:
        raise _no_address(person, params, prefix)
    return person


async def xero_contact(client: XeroClient, invoice: dict[str, Any]) -> Contact:
    """The invoice's Xero contact, in full (its contact persons included)."""
    summary = invoice.get("Contact")
    contact_id = summary.get("ContactID") if isinstance(summary, dict) else None
    if not contact_id:
        raise ProviderError("The invoice has no Contact.ContactID")
    return await get_contact(client, ContactId(contact_id=str(contact_id)))


def _no_address(person: Recipient, params: EmailParams, prefix: str) -> ConflictingInputError:
    field = f"{prefix}email_recipient_source"
    return ConflictingInputError(
        f"{field} '{params.email_recipient_source}': {_who(person, params)} has no email "
        "address; add one, choose another email_recipient_source, or pass email_recipient",
        field=field)


def _who(person: Recipient, params: EmailParams) -> str:
    names = {"primary_contact": "the deal's primary contact",
             "xero_contact": "the invoice's Xero contact",
             "secondary_contact": f"CRM contact {params.email_recipient_contact_id}"}
    label = names[params.email_recipient_source]
    return f"{label} ({person.name})" if person.name else label


async def _from_source(session: AsyncSession, client: XeroClient, invoice: dict[str, Any],
                       deal_context: DealContext | None, params: EmailParams, prefix: str,
                       contact: Contact | None) -> Recipient:
    if params.email_recipient_source != "xero_contact":
        return await _crm_person(session, params, deal_context, prefix)
    found = contact or await xero_contact(client, invoice)
    first, last = found.first_name or "", found.last_name or ""
    if not first and not last:
        first = found.name or ""
    return Recipient(found.email_address or "", first, last)


async def _crm_person(session: AsyncSession, params: EmailParams,
                      deal_context: DealContext | None, prefix: str) -> Recipient:
    """The CRM contact of source primary_contact or secondary_contact."""
    if params.email_recipient_source == "secondary_contact":
        field = f"{prefix}email_recipient_contact_id"
        contact_id = str(params.email_recipient_contact_id)
        try:
            person = await crm_service.get_crm_contact(session, contact_id)
        except RecordNotFoundError:
            raise UnknownReferenceError(f"{field}: no CRM contact with id {contact_id}",
                                        field=field, details={"id": contact_id}) from None
    else:
        field = f"{prefix}email_recipient_source"
        if deal_context is None:
            raise ConflictingInputError(
                f"{field} 'primary_contact' needs a deal, and this action has none: give "
                f"{prefix}deal_id, pass email_recipient or choose 'xero_contact'", field=field)
        if deal_context.primary_contact is None:
            raise ConflictingInputError(
                f"{field} 'primary_contact': deal {deal_context.deal.id} has no primary "
                "contact; set one, pass email_recipient or choose another source",
                field=field)
        person = deal_context.primary_contact
    return Recipient(person.email or "", person.first_name or "", person.last_name or "")
