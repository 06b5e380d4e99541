"""An invoice action with email_mode trustpager, end to end: Xero, then a real SMTP server."""

from __future__ import annotations

import email
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from ledgerlink.crm import service as crm
from ledgerlink.emulator.core.server import free_port
from ledgerlink.hub import Hub
from tests.integrations.conftest import Actions, Crm, Xero


@dataclass
class Mailbox:
    """What the local SMTP server received."""

    messages: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session,  # aiosmtpd's hook name
                          envelope: Envelope) -> str:
        """Keep the message."""
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox(hub: Hub) -> Iterator[Mailbox]:
    """A real SMTP server on loopback, configured as the hub's outgoing mail."""
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    hub.settings = hub.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port,
                                                   "smtp_timeout": 5.0})
    try:
        yield box
    finally:
        controller.stop()


async def test_branded_invoice_email(act: Actions, xero: Xero, hub: Hub, records: Crm,
                                     mailbox: Mailbox) -> None:
    async with hub.db.session() as session:
        await crm.create_email_configuration(session, {
            "name": "Invoices", "from_email": "billing@harbourside.example",
            "company_name": "Harbourside Joinery", "is_default": True})
    person = await records.contact("Kiri", last_name="Parata", email="kiri@islandbay.example")
    customer = await records.customer("Island Bay Physio")
    product = await records.product("Treatment table", "980.00", account_code="200",
                                    tax_type="OUTPUT2")
    deal_id, _ = await records.deal("Clinic fit-out", [(product, "1")], customer_id=customer,
                                    primary_contact_id=person)
    answer = await act("xero_create_invoice", deal_id=deal_id, status="AUTHORISED",
                       email_mode="trustpager",
                       email_subject="Invoice {{xero.invoice_number}} from {{company.name}}",
                       email_body="Hi {{contact.first_name}}, {{xero.total}} is due "
                                  "{{xero.due_date}}.")
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    outcome = data["email"]
    assert outcome["sent"] is True and outcome["recipient"] == "kiri@islandbay.example"
    assert outcome["subject"] == f"Invoice {data['invoice_number']} from Harbourside Joinery"
    assert outcome["attached_pdf"] is True and outcome["pay_url"]
    [envelope] = mailbox.messages
    assert envelope.rcpt_tos == ["kiri@islandbay.example"]
    content = envelope.content or b""
    raw = content if isinstance(content, bytes) else content.encode()
    message: Message = email.message_from_bytes(raw)
    assert message["Subject"] == outcome["subject"]
    parts = list(message.walk())
    assert any(p.get_content_type() == "application/pdf" for p in parts)
    text = next(p for p in parts if p.get_content_type() == "text/plain")
    payload = text.get_payload(decode=True)
    assert isinstance(payload, bytes)
    body = payload.decode("utf-8")
    assert body.startswith("Hi Kiri, NZD 1,127.00 is due") and outcome["pay_url"] in body
    assert xero.org.invoices[data["invoice_id"]]["SentToContact"] is True
    accounts = await records.contact("Sam", email="accounts@islandbay.example",
                                     customer_id=customer)
    again = await act("xero_update_invoice", invoice_id=data["invoice_id"], deal_id=deal_id,
                      email_mode="trustpager", email_recipient_source="secondary_contact",
                      email_recipient_contact_id=accounts, email_attach_pdf=False)
    assert again.status_code == 200, again.text
    assert again.json()["data"]["email"]["recipient"] == "accounts@islandbay.example"
    second = mailbox.messages[1]
    assert second.rcpt_tos == ["accounts@islandbay.example"]
    raw_second = second.content if isinstance(second.content, bytes) else b""
    assert b"application/pdf" not in raw_second
    unknown = await act("xero_update_invoice", invoice_id=data["invoice_id"],
                        email_mode="trustpager", email_recipient_source="secondary_contact",
                        email_recipient_contact_id="00000000-0000-0000-0000-0000000000ee")
    assert unknown.status_code == 422
    assert unknown.json()["error"]["field"] == "params.email_recipient_contact_id"
    assert len(mailbox.messages) == 2
