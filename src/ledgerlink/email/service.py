"""Emailing a Xero invoice: not at all, through Xero's own Email endpoint, or branded over SMTP.

`send_invoice_email` is what the invoice actions call after writing the invoice;
`check_email_ready` lets them refuse (422) a branded email that cannot be sent before they
write anything to Xero: no SMTP server, no email configuration, a bad template (the action's
or the configuration's), an unknown CRM contact. Templates are checked and rendered in a
worker thread: both are bounded (see templates.py), and the event loop never waits on them.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.crm import service as crm_service
from ledgerlink.crm.views import DealContext
from ledgerlink.db.models.integrations import Integration
from ledgerlink.email.merge import Branding, Recipient, merge_context
from ledgerlink.email.schemas import EmailOutcome, EmailParams
from ledgerlink.email.smtp import SmtpConfig, send_message
from ledgerlink.email.templates import (
    check_template,
    render_body,
    render_layout,
    render_subject,
)
from ledgerlink.errors import (
    InputError,
    LedgerlinkError,
    NotFoundError,
    ProviderError,
    RecordNotFoundError,
)
from ledgerlink.http.idempotency import idempotency_key
from ledgerlink.hub import Hub
from ledgerlink.providers.xero.actions_base import segment
from ledgerlink.providers.xero.client import XeroClient

log = logging.getLogger("ledgerlink.email")

DEFAULT_SUBJECT = "Invoice {{xero.invoice_number}} from {{company.name}}"
DEFAULT_BODY = (
    "{% if contact.first_name %}Hi {{contact.first_name}},{% else %}Hello,{% endif %}\n\n"
    "Please find invoice {{xero.invoice_number}} for {{xero.amount_due}}"
    "{% if xero.due_date %}, due on {{xero.due_date}}{% endif %}.\n\n"
    "{% if xero.pay_url %}You can view and pay it online: {{xero.pay_url}}\n\n{% endif %}"
    "Thank you for your business,\n{{company.name}}")
NO_CONFIGURATION = (
    "email_mode 'trustpager' needs a default email configuration (sender, reply-to, "
    "branding): create one with POST /api/v1/email-configurations "
    '{"name": "Invoices", "from_email": "billing@yourcompany.example", "is_default": true}, '
    "or use email_mode 'xero' or 'none'")
NO_SMTP = (
    "email_mode 'trustpager' sends over SMTP, and no SMTP server is configured: set "
    "LEDGERLINK_SMTP_HOST (and LEDGERLINK_SMTP_PORT, _USERNAME, _PASSWORD, _STARTTLS; "
    "Postmark's SMTP works), or use email_mode 'xero' or 'none'")


@dataclass(frozen=True)
class _Source:
    """A template and the field a problem in it is reported on."""

    text: str
    field: str


async def check_email_ready(session: AsyncSession, hub: Hub, params: EmailParams, *,
                            prefix: str = "") -> None:
    """Raise the 422 a branded send would hit, before anything is written or sent.

    `prefix` is put before the names of the caller's fields ("params." for an action); a
    saved configuration's template is named by its own field.
    """
    if params.email_mode != "trustpager":
        return
    _, branding = await _branding(session, hub, prefix)
    subject, body = _templates(params, branding, prefix)
    await asyncio.to_thread(_check_templates, subject, body)
    if params.email_recipient_source == "secondary_contact":
        field = f"{prefix}email_recipient_contact_id"
        contact_id = _contact_id(params)
        try:
            await crm_service.get_crm_contact(session, contact_id)
        except RecordNotFoundError:
            raise InputError(f"{field}: no CRM contact with id {contact_id}",
                             field=field) from None


def _contact_id(params: EmailParams) -> str:
    """email_recipient_contact_id as stored: canonical UUID text when it is a UUID."""
    value = params.email_recipient_contact_id or ""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value  # no CRM contact has it: the lookup says so


def _check_templates(subject: _Source, body: _Source) -> None:
    check_template(subject.text, subject.field, subject=True)
    check_template(body.text, body.field)


async def send_invoice_email(session: AsyncSession, hub: Hub, *, integration: Integration,
                             client: XeroClient, invoice: dict[str, Any],
                             deal_context: DealContext | None, params: EmailParams,
                             operation_id: str | None = None) -> EmailOutcome:
    """Email the invoice as `params.email_mode` says; the outcome never holds a secret.

    `invoice` is the Xero invoice as the API returned it. `operation_id` names this send for
    Xero's Idempotency-Key (a retried call with the same id is not emailed twice by Xero).
    """
    if params.email_mode == "none":
        return EmailOutcome(mode="none", sent=False)
    invoice_id = _invoice_id(invoice)
    operation = operation_id or uuid.uuid4().hex
    if params.email_mode == "xero":
        return await _send_with_xero(integration, client, invoice, invoice_id, operation)
    return await _send_branded(session, hub, integration, client, invoice, invoice_id,
                               deal_context, params, operation)


def _invoice_id(invoice: dict[str, Any]) -> str:
    invoice_id = invoice.get("InvoiceID")
    if not isinstance(invoice_id, str) or not invoice_id:
        raise ProviderError("The invoice to email has no InvoiceID")
    return invoice_id


# ---- email_mode "xero" -----------------------------------------------------------------------

async def _send_with_xero(integration: Integration, client: XeroClient, invoice: dict[str, Any],
                          invoice_id: str, operation: str) -> EmailOutcome:
    # Xero's refusals (not approved, contact without an email) surface as Xero phrased them.
    await client.write("POST", f"/Invoices/{segment(invoice_id)}/Email", {},
                       operation="email_invoice",
                       idempotency_key=idempotency_key("email", "xero", client.tenant_id,
                                                       invoice_id, operation))
    contact = await _xero_contact(client, invoice)
    address = str(contact.get("EmailAddress") or "") or None
    log.info("invoice %s of integration %s emailed by Xero to %s", invoice_id, integration.id,
             address)
    return EmailOutcome(mode="xero", sent=True, recipient=address, attached_pdf=False)


async def _xero_contact(client: XeroClient, invoice: dict[str, Any]) -> dict[str, Any]:
    summary = invoice.get("Contact")
    contact_id = summary.get("ContactID") if isinstance(summary, dict) else None
    if not contact_id:
        raise ProviderError("The invoice has no Contact.ContactID")
    body = await client.get(f"/Contacts/{segment(str(contact_id))}", operation="get_contact")
    contacts = body.get("Contacts")
    if not isinstance(contacts, list) or not contacts or not isinstance(contacts[0], dict):
        raise ProviderError(f"Xero answered no contact for ContactID {contact_id}")
    return contacts[0]


# ---- email_mode "trustpager" -----------------------------------------------------------------

async def _branding(session: AsyncSession, hub: Hub,
                    prefix: str = "") -> tuple[SmtpConfig, Branding]:
    field = f"{prefix}email_mode"
    smtp = SmtpConfig.from_settings(hub.settings)
    if smtp is None:
        raise InputError(f"{field}: {NO_SMTP}" if prefix else NO_SMTP, field=field)
    record = await crm_service.get_default_email_configuration(session)
    if record is None:
        raise InputError(f"{field}: {NO_CONFIGURATION}" if prefix else NO_CONFIGURATION,
                         field=field)
    return smtp, Branding.of(record)


def _templates(params: EmailParams, branding: Branding,
               prefix: str = "") -> tuple[_Source, _Source]:
    """The subject and body templates: the action's, else the configuration's, else ours.

    A configuration saved before templates were checked on save may hold a bad one: its
    problem is reported on the configuration's field.
    """
    if params.email_subject is not None:
        subject = _Source(params.email_subject, f"{prefix}email_subject")
    elif branding.subject_template:
        subject = _Source(branding.subject_template, "email_configuration.subject_template")
    else:
        subject = _Source(DEFAULT_SUBJECT, f"{prefix}email_subject")
    if params.email_body is not None:
        body = _Source(params.email_body, f"{prefix}email_body")
    elif branding.body_template:
        body = _Source(branding.body_template, "email_configuration.body_template")
    else:
        body = _Source(DEFAULT_BODY, f"{prefix}email_body")
    return subject, body


@dataclass(frozen=True)
class _Composed:
    """The rendered subject and both bodies of a branded email."""

    subject: str
    text: str
    html: str


def _compose(subject_src: _Source, body_src: _Source, context: dict[str, dict[str, str]],
             branding: Branding, pay_url: str | None, attached_pdf: bool) -> _Composed:
    """Render the email (CPU work, bounded: run in a worker thread)."""
    subject = render_subject(subject_src.text, context, subject_src.field)
    body_text, body_html = render_body(body_src.text, context, body_src.field)
    xero = context["xero"]
    html = render_layout(
        "invoice_email.html", subject=subject, body=body_html, brand_color=branding.color,
        logo_url=branding.logo, company_name=branding.company,
        invoice_number=xero["invoice_number"], due_date=xero["due_date"],
        amount_due=xero["amount_due"], pay_url=pay_url, attached_pdf=attached_pdf,
        reply_to=branding.reply_to)
    return _Composed(subject, _text_part(body_text, xero, pay_url), html)


async def _send_branded(session: AsyncSession, hub: Hub, integration: Integration,
                        client: XeroClient, invoice: dict[str, Any], invoice_id: str,
                        deal_context: DealContext | None, params: EmailParams,
                        operation: str) -> EmailOutcome:
    smtp, branding = await _branding(session, hub)
    subject_src, body_src = _templates(params, branding)
    # Fail before any call to Xero.
    await asyncio.to_thread(_check_templates, subject_src, body_src)
    recipient = await _recipient(session, client, invoice, deal_context, params)
    pay_url = await _pay_url(client, invoice_id)
    pdf = None
    if params.email_attach_pdf:
        pdf = await client.get_bytes(f"/Invoices/{segment(invoice_id)}",
                                     operation="get_invoice_pdf", accept="application/pdf")
    context = merge_context(invoice, pay_url=pay_url, recipient=recipient, branding=branding,
                            deal_context=deal_context)
    email = await asyncio.to_thread(_compose, subject_src, body_src, context, branding,
                                    pay_url, pdf is not None)
    message = _message(branding, recipient, email.subject, email.text, email.html, pdf,
                       context["xero"]["invoice_number"] or invoice_id)
    await send_message(smtp, message)
    log.info("invoice %s of integration %s emailed (branded) to %s as %s", invoice_id,
             integration.id, recipient.email, message["Message-ID"])
    await _mark_sent(client, invoice_id, operation)
    return EmailOutcome(mode="trustpager", sent=True, recipient=recipient.email,
                        subject=str(message["Subject"]), message_id=str(message["Message-ID"]),
                        pay_url=pay_url, attached_pdf=pdf is not None)


async def _recipient(session: AsyncSession, client: XeroClient, invoice: dict[str, Any],
                     deal_context: DealContext | None, params: EmailParams) -> Recipient:
    """The override address, else the address of the chosen source (422 when it has none)."""
    if params.email_recipient:
        try:  # the names still come from the source when it knows them
            person = await _from_source(session, client, invoice, deal_context, params)
        except (InputError, NotFoundError, RecordNotFoundError):
            person = None
        first, last = (person.first_name, person.last_name) if person else ("", "")
        return Recipient(params.email_recipient, first, last)
    person = await _from_source(session, client, invoice, deal_context, params)
    if not person.email:
        raise InputError(f"email_recipient_source '{params.email_recipient_source}': "
                         f"{_who(person, params)} has no email address; add one, choose "
                         "another email_recipient_source, or pass email_recipient",
                         field="email_recipient_source")
    return person


def _who(person: Recipient, params: EmailParams) -> str:
    names = {"primary_contact": "the deal's primary contact",
             "xero_contact": "the invoice's Xero contact",
             "secondary_contact": f"CRM contact {params.email_recipient_contact_id}"}
    label = names[params.email_recipient_source]
    return f"{label} ({person.name})" if person.name else label


async def _from_source(session: AsyncSession, client: XeroClient, invoice: dict[str, Any],
                       deal_context: DealContext | None, params: EmailParams) -> Recipient:
    source = params.email_recipient_source
    if source == "xero_contact":
        contact = await _xero_contact(client, invoice)
        first = str(contact.get("FirstName") or "")
        last = str(contact.get("LastName") or "")
        if not first and not last:
            first = str(contact.get("Name") or "")
        return Recipient(str(contact.get("EmailAddress") or ""), first, last)
    if source == "secondary_contact":
        contact_id = _contact_id(params)
        try:
            crm_contact = await crm_service.get_crm_contact(session, contact_id)
        except RecordNotFoundError:
            raise InputError(f"email_recipient_contact_id: no CRM contact with id {contact_id}",
                             field="email_recipient_contact_id") from None
    else:
        if deal_context is None:
            raise InputError("email_recipient_source 'primary_contact' needs a deal, and this "
                             "action has none: pass email_recipient or choose 'xero_contact'",
                             field="email_recipient_source")
        if deal_context.primary_contact is None:
            raise InputError(f"email_recipient_source 'primary_contact': deal "
                             f"{deal_context.deal.id} has no primary contact; set one, pass "
                             "email_recipient or choose another source",
                             field="email_recipient_source")
        crm_contact = deal_context.primary_contact
    return Recipient(crm_contact.email or "", crm_contact.first_name or "",
                     crm_contact.last_name or "")


async def _pay_url(client: XeroClient, invoice_id: str) -> str | None:
    # Xero refuses drafts here ("only available for approved sales invoices"): that surfaces.
    body = await client.get(f"/Invoices/{segment(invoice_id)}/OnlineInvoice",
                            operation="get_online_invoice")
    items = body.get("OnlineInvoices")
    if isinstance(items, list) and items and isinstance(items[0], dict):
        url = str(items[0].get("OnlineInvoiceUrl") or "")
        # It becomes an href: only a web address, never e.g. a javascript: URL.
        return url if url.startswith(("https://", "http://")) else None
    return None


def _text_part(body: str, xero: dict[str, str], pay_url: str | None) -> str:
    lines = [body, "", f"Invoice: {xero['invoice_number']}"]
    if xero["due_date"]:
        lines.append(f"Due date: {xero['due_date']}")
    lines.append(f"Amount due: {xero['amount_due']}")
    if pay_url:
        lines.append(f"Pay now: {pay_url}")
    return "\n".join(lines) + "\n"


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _message(branding: Branding, recipient: Recipient, subject: str, text: str, html: str,
             pdf: bytes | None, number: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr((_one_line(branding.from_name or branding.company),
                                  branding.from_email))
    message["To"] = formataddr((_one_line(recipient.name), recipient.email))
    if branding.reply_to:
        message["Reply-To"] = branding.reply_to
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=branding.from_email.rpartition("@")[2])
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if pdf is not None:
        name = re.sub(r"[^\w.\- ]", "_", f"Invoice {number}")[:100]
        message.add_attachment(pdf, maintype="application", subtype="pdf",
                               filename=f"{name}.pdf")
    return message


async def _mark_sent(client: XeroClient, invoice_id: str, operation: str) -> None:
    """Tell Xero the invoice was sent (SentToContact), as its own Email endpoint would."""
    try:
        await client.write("POST", f"/Invoices/{segment(invoice_id)}",
                           {"Invoices": [{"InvoiceID": invoice_id, "SentToContact": True}]},
                           operation="mark_invoice_sent",
                           idempotency_key=idempotency_key("email", "sent", client.tenant_id,
                                                           invoice_id, operation))
    except LedgerlinkError as exc:  # the email went out; a missing flag must not undo that
        log.warning("invoice %s was emailed but Xero did not mark it sent: %s", invoice_id,
                    exc.message)
