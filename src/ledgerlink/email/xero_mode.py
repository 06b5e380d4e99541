"""email_mode "xero": Xero's own Email endpoint, after making the chosen recipient one of its.

Xero's `POST /Invoices/{id}/Email` takes no recipient: it emails the contact's EmailAddress and
every contact person marked IncludeInEmails. So the recipient that email_recipient_source (or
email_recipient) chooses is made one of those first: an existing contact person is included in
emails, or one is added; a contact without an EmailAddress gets the recipient's (Xero adds no
people to a contact that has none). The outcome says what was changed and who was emailed.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.crm.views import DealContext
from ledgerlink.email.merge import Recipient
from ledgerlink.email.recipients import recipient, xero_contact
from ledgerlink.email.schemas import EmailOutcome, EmailParams, XeroContactChange
from ledgerlink.errors import ConflictingInputError
from ledgerlink.http.idempotency import idempotency_key
from ledgerlink.providers.xero.actions import UpdateContact, update_contact
from ledgerlink.providers.xero.actions_base import segment
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.models import Contact, ContactPersonInput

log = logging.getLogger("ledgerlink.email")
MAX_CONTACT_PERSONS = 5  # Xero keeps at most five people on a contact


async def send_with_xero(session: AsyncSession, client: XeroClient, invoice: dict[str, Any],
                         invoice_id: str, deal_context: DealContext | None,
                         params: EmailParams, operation: str, prefix: str) -> EmailOutcome:
    """Include the chosen recipient on the Xero contact, then have Xero email the invoice."""
    contact = await xero_contact(client, invoice)
    chosen = await recipient(session, client, invoice, deal_context, params, prefix=prefix,
                             contact=contact) \
        if params.email_recipient or params.email_recipient_source != "xero_contact" \
        else None  # Xero's own refusal says it best when the contact has no address
    change = None
    if chosen is not None:
        contact, change = await _include(client, contact, chosen, f"{operation}:recipient",
                                          prefix)
    # Xero's refusals (not approved, contact without an email) surface as Xero phrased them.
    await client.write("POST", f"/Invoices/{segment(invoice_id)}/Email", {},
                       operation="email_invoice",
                       idempotency_key=idempotency_key("email", "xero", client.tenant_id,
                                                       invoice_id, operation))
    emailed = addresses(contact)
    log.info("invoice %s emailed by Xero to %s", invoice_id, ", ".join(emailed))
    return EmailOutcome(mode="xero", sent=True,
                        recipient=chosen.email if chosen else contact.email_address,
                        recipients=emailed, attached_pdf=False, xero_contact_change=change)


def addresses(contact: Contact) -> list[str]:
    """Whom Xero's Email endpoint writes to: the contact and its people IncludeInEmails."""
    found = [contact.email_address] if contact.email_address else []
    for person in contact.contact_persons or []:
        if person.include_in_emails and person.email_address \
                and _folded(person.email_address) not in map(_folded, found):
            found.append(person.email_address)
    return found


def _folded(address: str | None) -> str:
    return (address or "").strip().casefold()


async def _include(client: XeroClient, contact: Contact, chosen: Recipient, operation: str,
                   prefix: str) -> tuple[Contact, XeroContactChange | None]:
    """The contact once Xero's email reaches `chosen`, and what had to change for that."""
    wanted = _folded(chosen.email)
    if wanted in map(_folded, addresses(contact)):
        return contact, None
    contact_id = str(contact.contact_id)
    if not contact.email_address:
        changes = UpdateContact(operation_id=operation, contact_id=contact_id,
                                email_address=chosen.email)
        return await update_contact(client, changes), "email_address_set"
    # Xero replaces the whole list: every person is sent back, the chosen one included.
    people = [ContactPersonInput(first_name=p.first_name, last_name=p.last_name,
                                 email_address=p.email_address,
                                 include_in_emails=p.include_in_emails)
              for p in contact.contact_persons or []]
    known = next((p for p in people if _folded(p.email_address) == wanted), None)
    change: XeroContactChange
    if known is not None:
        known.include_in_emails, change = True, "contact_person_included"
    elif len(people) >= MAX_CONTACT_PERSONS:
        field = f"{prefix}email_recipient_source"
        raise ConflictingInputError(
            f"{field}: Xero emails only the contact {contact.name} and its "
            f"contact persons, and it already has {len(people)} (Xero's most) none of which "
            f"is {chosen.email}; include one of them in emails in Xero, choose "
            "email_recipient_source 'xero_contact', or use email_mode 'trustpager'",
            field=field)
    else:
        people.append(ContactPersonInput(first_name=chosen.first_name or None,
                                         last_name=chosen.last_name or None,
                                         email_address=chosen.email, include_in_emails=True))
        change = "contact_person_added"
    changes = UpdateContact(operation_id=operation, contact_id=contact_id,
                            contact_persons=people)
    return await update_contact(client, changes), change
