"""Emailing a Xero invoice: not at all, through Xero's own Email endpoint, or branded over SMTP.

`send_invoice_email` is what the invoice actions call after writing the invoice;
`check_email_ready` (and `recipients.check_recipient`) let them refuse (422) an email that
cannot be sent before they write anything to Xero: no SMTP server, no email configuration, a
bad template (the action's or the configuration's), an unknown CRM contact or one without an
address. Email mode "xero" lives in xero_mode.py. Templates are checked and rendered in a
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
from ledgerlink.email.recipients import recipient as find_recipient
from ledgerlink.email.schemas import EmailOutcome, EmailParams
from ledgerlink.email.smtp import SmtpConfig, send_message
from ledgerlink.email.templates import (
    check_template,
    render_body,
    render_layout,
    render_subject,
)
from ledgerlink.email.xero_mode import send_with_xero
from ledgerlink.errors import ConflictingInputError, InputError, LedgerlinkError, ProviderError
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
    saved configuration's template is named by its own field. The recipient is checked by
    `check_recipient`.
    """
    if params.email_mode != "trustpager":
        return
    _, branding = await _branding(session, hub, prefix)
    subject, body = _templates(params, branding, prefix)
    await asyncio.to_thread(_check_templates, subject, body)


def _check_templates(subject: _Source, body: _Source) -> None:
    # A template the sandbox refuses fits the schema (it is text): a rule no schema can say.
    try:
        check_template(subject.text, subject.field, subject=True)
        check_template(body.text, body.field)
    except InputError as exc:
        raise ConflictingInputError(exc.message, field=exc.field,
                                    details=exc.details) from None


async def send_invoice_email(session: AsyncSession, hub: Hub, *, integration: Integration,
                             client: XeroClient, invoice: dict[str, Any],
                             deal_context: DealContext | None, params: EmailParams,
                             operation_id: str | None = None,
                             prefix: str = "") -> EmailOutcome:
    """Email the invoice as `params.email_mode` says; the outcome never holds a secret.

    `invoice` is the Xero invoice as the API returned it. `operation_id` names this send for
    Xero's Idempotency-Key (a retried call with the same id is not emailed twice by Xero).
    `prefix` goes before the names of the caller's fields in a refusal.
    """
    if params.email_mode == "none":
        return EmailOutcome(mode="none", sent=False)
    invoice_id = _invoice_id(invoice)
    operation = operation_id or uuid.uuid4().hex
    if params.email_mode == "xero":
        log.info("integration %s: Xero emails invoice %s", integration.id, invoice_id)
        return await send_with_xero(session, client, invoice, invoice_id, deal_context, params,
                                    operation, prefix)
    return await _send_branded(session, hub, integration, client, invoice, invoice_id,
                               deal_context, params, operation, prefix)


def _invoice_id(invoice: dict[str, Any]) -> str:
    invoice_id = invoice.get("InvoiceID")
    if not isinstance(invoice_id, str) or not invoice_id:
        raise ProviderError("The invoice to email has no InvoiceID")
    return invoice_id


# ---- email_mode "trustpager" -----------------------------------------------------------------

async def _branding(session: AsyncSession, hub: Hub,
                    prefix: str = "") -> tuple[SmtpConfig, Branding]:
    field = f"{prefix}email_mode"
    smtp = SmtpConfig.from_settings(hub.settings)
    if smtp is None:
        raise ConflictingInputError(f"{field}: {NO_SMTP}" if prefix else NO_SMTP, field=field)
    record = await crm_service.get_default_email_configuration(session)
    if record is None:
        raise ConflictingInputError(f"{field}: {NO_CONFIGURATION}" if prefix
                                    else NO_CONFIGURATION, field=field)
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
                        operation: str, prefix: str) -> EmailOutcome:
    smtp, branding = await _branding(session, hub, prefix)
    subject_src, body_src = _templates(params, branding, prefix)
    # Fail before any call to Xero.
    await asyncio.to_thread(_check_templates, subject_src, body_src)
    recipient = await find_recipient(session, client, invoice, deal_context, params,
                                     prefix=prefix)
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
                        recipients=[recipient.email], subject=str(message["Subject"]),
                        message_id=str(message["Message-ID"]),
                        pay_url=pay_url, attached_pdf=pdf is not None)


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
