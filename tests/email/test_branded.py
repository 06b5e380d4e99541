"""email_mode "trustpager": a branded email received by a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import logging
from email.message import EmailMessage, MIMEPart
from email.policy import default as default_policy
from typing import Any

import pytest

from ledgerlink.db.models.integrations import Integration
from ledgerlink.email.schemas import EmailOutcome, EmailParams
from ledgerlink.email.service import send_invoice_email
from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.hub import Hub
from ledgerlink.providers.xero.client import XeroClient
from tests.email.conftest import SMTP_PASSWORD, SMTP_USER, SmtpServer, XeroRecords
from tests.email.crm_rows import CONFIG, deal_context, make_crm

pytestmark = pytest.mark.timeout(30)


def _received(smtp: SmtpServer) -> tuple[list[str], EmailMessage]:
    assert len(smtp.mailbox.messages) == 1
    envelope = smtp.mailbox.messages[0]
    message = email.message_from_bytes(envelope.original_content or b"",
                                       policy=default_policy)
    assert isinstance(message, EmailMessage)
    return list(envelope.rcpt_tos), message


def _parts(message: EmailMessage) -> tuple[str, str, list[EmailMessage]]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    attachments = [p for p in message.iter_attachments() if isinstance(p, EmailMessage)]
    def lines(part: MIMEPart) -> str:
        return str(part.get_content()).replace("\r\n", "\n")

    return lines(text), lines(html), attachments


async def _online_url(xero: XeroClient, invoice_id: str) -> str:
    body = await xero.get(f"/Invoices/{invoice_id}/OnlineInvoice", operation="test")
    return str(body["OnlineInvoices"][0]["OnlineInvoiceUrl"])


async def _send(hub: Hub, integration: Integration, xero: XeroClient, invoice: dict[str, Any],
                deal_id: str | None, **params: Any) -> EmailOutcome:
    context = await deal_context(hub, deal_id) if deal_id else None
    async with hub.db.session() as session:
        return await send_invoice_email(
            session, hub, integration=integration, client=xero, invoice=invoice,
            deal_context=context, params=EmailParams(email_mode="trustpager", **params))


async def test_branded_email_with_merge_tags_pdf_and_pay_link(
        hub: Hub, integration: Integration, xero: XeroClient, records: XeroRecords,
        smtp_server: SmtpServer, emulator: RunningEmulator,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    crm = await make_crm(hub)
    contact = await records.contact()
    invoice = await records.invoice(contact["ContactID"])
    outcome = await _send(
        hub, integration, xero, invoice, crm.deal_id,
        email_subject="Invoice {{xero.invoice_number}} from {{company.name}}",
        email_body="Hi {{contact.first_name}},\n\nInvoice {{xero.invoice_number}} for "
                   "{{xero.total}} is due on {{xero.due_date}} ({{deal.title}}).\n\n"
                   "Pay here: {{xero.pay_url}}")
    number = invoice["InvoiceNumber"]
    pay_url = await _online_url(xero, invoice["InvoiceID"])

    recipients, message = _received(smtp_server)
    assert recipients == ["jo.bloggs@kauri.example"]
    assert message["To"] == "Jo Bloggs <jo.bloggs@kauri.example>"
    assert message["From"] == "Acme Billing <billing@acme.example>"
    assert message["Reply-To"] == "accounts@acme.example"
    assert message["Subject"] == f"Invoice {number} from Acme Joinery Ltd"
    text, html, attachments = _parts(message)
    sentence = f"Invoice {number} for NZD 1,380.00 is due on 15 December 2026 (Kitchen refit)."
    assert "Hi Jo," in text and sentence in text and f"Pay here: {pay_url}" in text
    assert f"Pay now: {pay_url}" in text
    assert "Hi Jo," in html and sentence in html
    assert f'href="{pay_url}"' in html and ">Pay now</a>" in html
    assert "#0B5FFF" in html and 'src="https://acme.example/logo.png"' in html
    assert len(attachments) == 1
    pdf = attachments[0]
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == f"Invoice {number}.pdf"
    assert bytes(pdf.get_content()).startswith(b"%PDF")

    assert outcome == EmailOutcome(
        mode="trustpager", sent=True, recipient="jo.bloggs@kauri.example",
        recipients=["jo.bloggs@kauri.example"],
        subject=f"Invoice {number} from Acme Joinery Ltd", message_id=message["Message-ID"],
        pay_url=pay_url, attached_pdf=True)
    assert pay_url.startswith(emulator.base_url)
    # We logged in to the SMTP server, and told Xero the invoice was sent.
    assert smtp_server.mailbox.logins == [SMTP_USER]
    org = emulator.emulator.orgs[xero.tenant_id]
    assert org.invoices[invoice["InvoiceID"]]["SentToContact"] is True
    assert not [o for o in org.outbox if o["InvoiceID"] == invoice["InvoiceID"]]
    # The SMTP password is nowhere: not in a log line, not in the outcome.
    assert caplog.records, "expected log lines to scan"
    assert SMTP_PASSWORD not in caplog.text
    assert all(SMTP_PASSWORD not in r.getMessage() for r in caplog.records)
    assert SMTP_PASSWORD not in outcome.model_dump_json()
    assert SMTP_PASSWORD not in repr(hub.settings)


async def test_templates_come_from_the_configuration(
        hub: Hub, integration: Integration, xero: XeroClient, records: XeroRecords,
        smtp_server: SmtpServer) -> None:
    config = {**CONFIG, "subject_template": "{{company.name}}: {{xero.invoice_number}}",
              "body_template": "<p>Kia ora {{contact.first_name}} &amp; team,</p>"
                               "<p>{{xero.amount_due}} by {{xero.due_date}}.</p>"}
    crm = await make_crm(hub, config=config)
    invoice = await records.invoice((await records.contact())["ContactID"])
    outcome = await _send(hub, integration, xero, invoice, crm.deal_id, email_attach_pdf=False)
    _, message = _received(smtp_server)
    assert message["Subject"] == f"Acme Joinery Ltd: {invoice['InvoiceNumber']}"
    text, html, attachments = _parts(message)
    assert "<p>Kia ora Jo &amp; team,</p><p>NZD 1,380.00 by 15 December 2026.</p>" in html
    assert "Kia ora Jo & team," in text and "NZD 1,380.00 by 15 December 2026." in text
    assert attachments == [] and outcome.attached_pdf is False


async def test_built_in_defaults(hub: Hub, integration: Integration, xero: XeroClient,
                                 records: XeroRecords, smtp_server: SmtpServer) -> None:
    crm = await make_crm(hub)
    invoice = await records.invoice((await records.contact())["ContactID"])
    await _send(hub, integration, xero, invoice, crm.deal_id)
    _, message = _received(smtp_server)
    number = invoice["InvoiceNumber"]
    assert message["Subject"] == f"Invoice {number} from Acme Joinery Ltd"
    text, _, _ = _parts(message)
    assert text.startswith(f"Hi Jo,\n\nPlease find invoice {number} for NZD 1,380.00, due on "
                           "15 December 2026.")
    assert text.rstrip().endswith(await _online_url(xero, invoice["InvoiceID"]))


async def test_recipient_from_the_xero_contact(
        hub: Hub, integration: Integration, xero: XeroClient, records: XeroRecords,
        smtp_server: SmtpServer) -> None:
    await make_crm(hub)
    contact = await records.contact("ap@harbour.example", first="Tama", last="Rewi")
    invoice = await records.invoice(contact["ContactID"])
    outcome = await _send(hub, integration, xero, invoice, None,
                          email_recipient_source="xero_contact",
                          email_subject="For {{contact.first_name}} {{contact.last_name}}")
    recipients, message = _received(smtp_server)
    assert recipients == ["ap@harbour.example"] and outcome.recipient == "ap@harbour.example"
    assert message["Subject"] == "For Tama Rewi"


async def test_recipient_from_a_secondary_crm_contact(
        hub: Hub, integration: Integration, xero: XeroClient, records: XeroRecords,
        smtp_server: SmtpServer) -> None:
    crm = await make_crm(hub)
    invoice = await records.invoice((await records.contact())["ContactID"])
    await _send(hub, integration, xero, invoice, crm.deal_id,
                email_recipient_source="secondary_contact",
                email_recipient_contact_id=crm.secondary_id,
                email_subject="Hi {{contact.first_name}}")
    recipients, message = _received(smtp_server)
    assert recipients == ["mere@kauri.example"] and message["Subject"] == "Hi Mere"


async def test_an_override_address_wins(
        hub: Hub, integration: Integration, xero: XeroClient, records: XeroRecords,
        smtp_server: SmtpServer) -> None:
    crm = await make_crm(hub)
    invoice = await records.invoice((await records.contact())["ContactID"])
    outcome = await _send(hub, integration, xero, invoice, crm.deal_id,
                          email_recipient="payables@elsewhere.example",
                          email_subject="Hi {{contact.first_name}}")
    recipients, message = _received(smtp_server)
    assert recipients == ["payables@elsewhere.example"]
    assert outcome.recipient == "payables@elsewhere.example"
    assert message["Subject"] == "Hi Jo"  # the names still come from the primary contact


async def test_mode_none_sends_nothing(hub: Hub, integration: Integration, xero: XeroClient,
                                       records: XeroRecords, smtp_server: SmtpServer,
                                       emulator: RunningEmulator) -> None:
    invoice = await records.invoice((await records.contact())["ContactID"])
    async with hub.db.session() as session:
        outcome = await send_invoice_email(session, hub, integration=integration, client=xero,
                                           invoice=invoice, deal_context=None,
                                           params=EmailParams())
    assert outcome == EmailOutcome(mode="none", sent=False)
    assert smtp_server.mailbox.messages == []
    org = emulator.emulator.orgs[xero.tenant_id]
    assert org.invoices[invoice["InvoiceID"]]["SentToContact"] is False
