"""email_mode "xero" against the emulator, and every refusal (422) before anything is sent."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import ValidationError as PydanticValidationError

from ledgerlink.db.models.integrations import Integration
from ledgerlink.email.schemas import EmailOutcome, EmailParams
from ledgerlink.email.service import check_email_ready, send_invoice_email
from ledgerlink.emulator.core.server import RunningEmulator, free_port
from ledgerlink.errors import (
    ConfigurationError,
    InputError,
    LedgerlinkError,
    TransportError,
    ValidationError,
)
from ledgerlink.hub import Hub
from ledgerlink.providers.xero.client import XeroClient
from tests.email.conftest import SMTP_PASSWORD, SmtpServer, XeroRecords
from tests.email.crm_rows import deal_context, make_crm

pytestmark = pytest.mark.timeout(30)


async def _send(hub: Hub, integration: Integration, xero: XeroClient, invoice: dict[str, Any],
                deal_id: str | None, **params: Any) -> EmailOutcome:
    context = await deal_context(hub, deal_id) if deal_id else None
    async with hub.db.session() as session:
        return await send_invoice_email(
            session, hub, integration=integration, client=xero, invoice=invoice,
            deal_context=context, params=EmailParams.model_validate(params))


async def _refused(hub: Hub, integration: Integration, xero: XeroClient,
                   invoice: dict[str, Any], deal_id: str | None,
                   **params: Any) -> LedgerlinkError:
    with pytest.raises(LedgerlinkError) as caught:
        await _send(hub, integration, xero, invoice, deal_id, **params)
    return caught.value


async def test_xero_mode_uses_xeros_email_endpoint(
        hub: Hub, integration: Integration, xero: XeroClient, records: XeroRecords,
        smtp_server: SmtpServer, emulator: RunningEmulator) -> None:
    contact = await records.contact("ap@totara.example")
    invoice = await records.invoice(contact["ContactID"])
    outcome = await _send(hub, integration, xero, invoice, None, email_mode="xero",
                          email_recipient_source="xero_contact")
    assert outcome == EmailOutcome(mode="xero", sent=True, recipient="ap@totara.example",
                                   recipients=["ap@totara.example"])
    org = emulator.emulator.orgs[xero.tenant_id]
    sent = [o for o in org.outbox if o["InvoiceID"] == invoice["InvoiceID"]]
    assert [o["To"] for o in sent] == ["ap@totara.example"]
    assert org.invoices[invoice["InvoiceID"]]["SentToContact"] is True
    assert smtp_server.mailbox.messages == []  # Xero sent it, not us
    # The deal's primary contact (the default source) is added to the Xero contact's people.
    crm = await make_crm(hub)
    again = await _send(hub, integration, xero, invoice, crm.deal_id, email_mode="xero")
    assert again.sent and again.recipient == "jo.bloggs@kauri.example"
    assert again.xero_contact_change == "contact_person_added"
    assert again.recipients == ["ap@totara.example", "jo.bloggs@kauri.example"]
    people = org.contacts[contact["ContactID"]]["ContactPersons"]
    assert [(p["EmailAddress"], p["IncludeInEmails"]) for p in people] == \
        [("jo.bloggs@kauri.example", True)]
    sent = [o for o in org.outbox if o["InvoiceID"] == invoice["InvoiceID"]]
    assert sent[-1]["Recipients"] == again.recipients


async def test_xero_mode_surfaces_xeros_refusals(
        hub: Hub, integration: Integration, xero: XeroClient, records: XeroRecords) -> None:
    draft = await records.invoice((await records.contact())["ContactID"], status="DRAFT")
    error = await _refused(hub, integration, xero, draft, None, email_mode="xero",
                           email_recipient_source="xero_contact")
    assert isinstance(error, ValidationError) and "approved" in error.message
    no_email = await records.invoice((await records.contact(email=None))["ContactID"])
    error = await _refused(hub, integration, xero, no_email, None, email_mode="xero",
                           email_recipient_source="xero_contact")
    assert isinstance(error, ValidationError) and "email address" in error.message


async def test_no_default_configuration(hub: Hub, integration: Integration, xero: XeroClient,
                                        records: XeroRecords, smtp_server: SmtpServer) -> None:
    crm = await make_crm(hub, config=None)
    invoice = await records.invoice((await records.contact())["ContactID"])
    error = await _refused(hub, integration, xero, invoice, crm.deal_id,
                           email_mode="trustpager")
    assert isinstance(error, InputError) and error.status == 422
    assert error.field == "email_mode"
    assert "default email configuration" in error.message
    assert "POST /api/v1/email-configurations" in error.message
    async with hub.db.session() as session:
        with pytest.raises(InputError, match="default email configuration"):
            await check_email_ready(session, hub, EmailParams(email_mode="trustpager"))
    assert smtp_server.mailbox.messages == []


async def test_no_smtp_server(hub: Hub, integration: Integration, xero: XeroClient,
                              records: XeroRecords) -> None:
    crm = await make_crm(hub)
    hub.settings = hub.settings.model_copy(update={"smtp_host": None})
    invoice = await records.invoice((await records.contact())["ContactID"])
    error = await _refused(hub, integration, xero, invoice, crm.deal_id,
                           email_mode="trustpager")
    assert isinstance(error, InputError) and error.field == "email_mode"
    assert "LEDGERLINK_SMTP_HOST" in error.message


@pytest.mark.parametrize(("case", "params", "field", "words"), [
    ("primary contact without email", {}, "email_recipient_source", "no email address"),
    ("deal without primary contact", {}, "email_recipient_source", "no primary contact"),
    ("no deal", {}, "email_recipient_source", "needs a deal"),
    ("xero contact without email", {"email_recipient_source": "xero_contact"},
     "email_recipient_source", "Xero contact"),
    ("unknown secondary contact", {"email_recipient_source": "secondary_contact",
                                   "email_recipient_contact_id":
                                       "00000000-0000-4000-8000-0000000000ee"},
     "email_recipient_contact_id", "no CRM contact"),
])
async def test_missing_recipient(hub: Hub, integration: Integration, xero: XeroClient,
                                 records: XeroRecords, smtp_server: SmtpServer, case: str,
                                 params: dict[str, Any], field: str, words: str) -> None:
    crm = await make_crm(hub, primary_email=None if case.startswith("primary") else "a@b.co",
                         with_primary=case != "deal without primary contact")
    xero_email = None if case.startswith("xero") else "ap@kauri.example"
    invoice = await records.invoice((await records.contact(xero_email))["ContactID"])
    deal_id = None if case == "no deal" else crm.deal_id
    error = await _refused(hub, integration, xero, invoice, deal_id, email_mode="trustpager",
                           **params)
    assert isinstance(error, InputError) and error.status == 422
    assert error.field == field and words in error.message
    assert smtp_server.mailbox.messages == []


@pytest.mark.parametrize(("params", "field", "words"), [
    ({"email_subject": "Invoice {{xero.number}}"}, "email_subject", "{{xero.number}}"),
    ({"email_body": "Hi {{ ''.__class__.__mro__ }}"}, "email_body", "'__mro__'"),
    ({"email_body": "{{ xero.items() }}"}, "email_body", "Call is not allowed"),
])
async def test_bad_templates(hub: Hub, integration: Integration, xero: XeroClient,
                             records: XeroRecords, smtp_server: SmtpServer,
                             params: dict[str, Any], field: str, words: str) -> None:
    crm = await make_crm(hub)
    invoice = await records.invoice((await records.contact())["ContactID"])
    error = await _refused(hub, integration, xero, invoice, crm.deal_id,
                           email_mode="trustpager", **params)
    assert isinstance(error, InputError) and error.field == field and words in error.message
    assert smtp_server.mailbox.messages == []
    async with hub.db.session() as session:
        with pytest.raises(InputError):
            await check_email_ready(session, hub, EmailParams.model_validate(
                {"email_mode": "trustpager", **params}))


def test_secondary_contact_without_id() -> None:
    with pytest.raises(PydanticValidationError) as caught:
        EmailParams(email_mode="trustpager", email_recipient_source="secondary_contact")
    [problem] = caught.value.errors()
    assert problem["type"] == "conflicting_input"
    assert (problem.get("ctx") or {})["field"] == "email_recipient_contact_id"


async def test_smtp_failures_keep_the_password_secret(
        hub: Hub, integration: Integration, xero: XeroClient, records: XeroRecords,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    crm = await make_crm(hub)
    invoice = await records.invoice((await records.contact())["ContactID"])
    hub.settings = hub.settings.model_copy(update={"smtp_username": "someone-else"})
    error = await _refused(hub, integration, xero, invoice, crm.deal_id,
                           email_mode="trustpager")
    assert isinstance(error, ConfigurationError) and "refused the login" in error.message
    hub.settings = hub.settings.model_copy(update={"smtp_port": free_port()})
    error2 = await _refused(hub, integration, xero, invoice, crm.deal_id,
                            email_mode="trustpager")
    assert isinstance(error2, TransportError) and "could not be reached" in error2.message
    for text in (error.message, str(error.to_dict()), error2.message, caplog.text):
        assert SMTP_PASSWORD not in text
