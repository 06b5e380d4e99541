"""An invoice action with email_mode trustpager, end to end: Xero, then a real SMTP server."""

from __future__ import annotations

import asyncio
import email
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any, TypeVar

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from ledgerlink.api.app import create_app
from ledgerlink.auth.scopes import Scope
from ledgerlink.crm import service as crm
from ledgerlink.emulator.core.server import free_port
from ledgerlink.hub import Hub
from tests.hub_fixtures import KeyMaker, bearer
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


# --- templates are checked, bounded and rendered off the event loop (issue 7, items 1-2) ---

Z94 = "Z" * 94
# Under 500 characters, this template grew the hub by 1.4 GB in 10 s and froze it.
RUNAWAY = (f"{{{{ xero.total|replace('','{Z94}')|replace('Z','{Z94}')"
           f"|replace('Z','{Z94}')|replace('Z','{Z94}') }}}}")
LOOPS = ("{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}"
         "{% endfor %}")
T = TypeVar("T")


async def _billable_deal(hub: Hub, records: Crm, **config: Any) -> str:
    """A default email configuration and a deal whose primary contact has an email."""
    async with hub.db.session() as session:
        await crm.create_email_configuration(session, {
            "name": "Invoices", "from_email": "billing@harbourside.example",
            "company_name": "Harbourside Joinery", "is_default": True, **config})
    person = await records.contact("Kiri", email="kiri@islandbay.example")
    customer = await records.customer("Island Bay Physio")
    product = await records.product("Treatment table", "980.00", account_code="200",
                                    tax_type="OUTPUT2")
    deal_id, _ = await records.deal("Clinic fit-out", [(product, "1")], customer_id=customer,
                                    primary_contact_id=person)
    return deal_id


async def _while_ticking(work: Awaitable[T]) -> tuple[T, int]:
    """`work`'s result, and how often another task ran on the event loop meanwhile."""
    ticks = 0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    try:
        return await work, ticks
    finally:
        done.set()
        await ticker


async def _written(xero: Xero) -> tuple[int, int, int | None]:
    """Invoices and contacts in the organisation, and invoice writes the emulator saw."""
    return (len(xero.org.invoices), len(xero.org.contacts),
            (await xero.calls()).get("createInvoices"))


async def test_a_runaway_template_is_refused_while_the_hub_serves(
        act: Actions, api: httpx.AsyncClient, xero: Xero, hub: Hub, records: Crm,
        mailbox: Mailbox) -> None:
    deal_id = await _billable_deal(hub, records)
    before = await _written(xero)
    for name, source in (("email_body", RUNAWAY), ("email_subject", RUNAWAY[:120] + " }}"),
                         ("email_body", LOOPS)):
        template: dict[str, Any] = {name: source}
        answer, health = await asyncio.gather(
            act("xero_create_invoice", deal_id=deal_id, status="AUTHORISED",
                email_mode="trustpager", **template),
            api.get("/health"))
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["field"] == f"params.{name}"
        assert health.status_code == 200
    (answer, ticks) = await _while_ticking(act(
        "xero_create_invoice", deal_id=deal_id, status="AUTHORISED", email_mode="trustpager",
        email_body=RUNAWAY))
    assert answer.status_code == 422 and "could produce up to" in answer.text
    assert ticks > 0  # the event loop kept serving other tasks during the request
    assert await _written(xero) == before  # nothing reached Xero
    assert mailbox.messages == []


@pytest.mark.parametrize("name", ["email_subject", "email_body"])
async def test_a_bad_template_is_a_422_before_xero_is_written(
        act: Actions, xero: Xero, hub: Hub, records: Crm, mailbox: Mailbox,
        name: str) -> None:
    deal_id = await _billable_deal(hub, records)
    before = await _written(xero)
    for source, words in (("{{ ''.__class__.__mro__ }}", "'__mro__'"),
                          ("{{ xero.nope }}", "{{xero.nope}}"), ("{{", "syntax error")):
        template: dict[str, Any] = {name: source}
        answer = await act("xero_create_invoice", deal_id=deal_id, status="AUTHORISED",
                           email_mode="trustpager", **template)
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["field"] == f"params.{name}" and words in error["message"]
    invoice_id = next(iter(xero.org.invoices))
    nope: dict[str, Any] = {name: "{{ xero.nope }}"}
    update = await act("xero_update_invoice", invoice_id=invoice_id, reference="Changed",
                       email_mode="trustpager", deal_id=deal_id, **nope)
    assert update.status_code == 422 and update.json()["error"]["field"] == f"params.{name}"
    assert await _written(xero) == before
    assert xero.org.invoices[invoice_id].get("Reference") != "Changed"
    assert mailbox.messages == []


async def test_a_bad_saved_template_is_refused_before_xero_is_written(
        act: Actions, xero: Xero, hub: Hub, records: Crm, mailbox: Mailbox) -> None:
    # Saved before templates were checked on save (the service takes it as given).
    deal_id = await _billable_deal(hub, records, body_template="Hi {{ contact.nope }}")
    before = await _written(xero)
    answer = await act("xero_create_invoice", deal_id=deal_id, status="AUTHORISED",
                       email_mode="trustpager")
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["field"] == "email_configuration.body_template"
    assert "{{contact.nope}}" in error["message"]
    assert await _written(xero) == before and mailbox.messages == []
    # The action's own body replaces the saved one: then it is sent.
    sent = await act("xero_create_invoice", deal_id=deal_id, status="AUTHORISED",
                     email_mode="trustpager", email_body="Hi {{contact.first_name}}")
    assert sent.status_code == 200 and sent.json()["data"]["email"]["sent"] is True
    assert len(mailbox.messages) == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"subject_template": "{{ ''.__class__.__mro__ }}"}, "subject_template"),
    ({"subject_template": "Invoice\n{{xero.invoice_number}}"}, "subject_template"),
    ({"body_template": "{{ xero.nope }}"}, "body_template"),
    ({"body_template": "{{"}, "body_template"),
    ({"body_template": RUNAWAY}, "body_template"),
])
async def test_a_bad_template_is_refused_when_the_configuration_is_saved(
        hub: Hub, make_key: KeyMaker, body: dict[str, str], field: str) -> None:
    secret = await make_key(Scope.CRM_WRITE)
    transport = httpx.ASGITransport(app=create_app(hub=hub))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test",
                                 headers=bearer(secret)) as http:
        base = {"name": "Invoices", "from_email": "billing@harbourside.example"}
        created = await http.post("/api/v1/email-configurations", json={**base, **body})
        assert created.status_code == 422, created.text
        assert created.json()["error"]["field"] == field
        good = await http.post("/api/v1/email-configurations", json=base)
        assert good.status_code == 201, good.text
        changed = await http.patch(f"/api/v1/email-configurations/{good.json()['id']}",
                                   json=body)
        assert changed.status_code == 422 and changed.json()["error"]["field"] == field
        listed = await http.get("/api/v1/email-configurations")
        assert listed.status_code == 200
        assert [c.get(field) for c in listed.json()["data"]] == [None]
