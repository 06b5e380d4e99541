"""Invoice email through the API against the emulator: approval for the email, and email_mode
"xero" reaching the chosen recipient through the Xero contact's people (IncludeInEmails)."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerlink.hub import Hub
from ledgerlink.integrations.service import get_integration
from ledgerlink.integrations.xero_access import client_for
from ledgerlink.providers.xero.actions import UpdateContact, update_contact
from ledgerlink.providers.xero.models import ContactPersonInput
from tests.integrations.conftest import Actions, Crm, Xero

AROHA = "aroha@goldenbay.example"


async def _deal(records: Crm, customer: str, person_email: str | None = AROHA) -> str:
    """A deal billed to `customer` whose primary contact is Aroha (with `person_email`)."""
    customer_id = await records.customer(customer)
    person = await records.contact("Aroha", last_name="Paki", email=person_email,
                                   customer_id=customer_id)
    product = await records.product("Room hire", "240.00", account_code="200",
                                    tax_type="OUTPUT2")
    deal_id, _ = await records.deal("Conference", [(product, "2")], customer_id=customer_id,
                                    primary_contact_id=person)
    return deal_id


def _sent(xero: Xero, invoice_id: str) -> list[dict[str, Any]]:
    return [m for m in xero.org.outbox if m["InvoiceID"] == invoice_id]


async def test_an_email_without_a_status_approves_and_reaches_the_primary_contact(
        act: Actions, xero: Xero, records: Crm) -> None:
    seeded = xero.contacts_named("Golden Bay Motel")[0]
    assert seeded["EmailAddress"] != AROHA and not seeded.get("ContactPersons")
    deal_id = await _deal(records, "Golden Bay Motel")
    answer = await act("xero_create_invoice", deal_id=deal_id, email_mode="xero")
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert data["status"] == "AUTHORISED" and data["approved_for_email"] is True
    email = data["email"]
    assert email["sent"] is True and email["recipient"] == AROHA
    assert email["xero_contact_change"] == "contact_person_added"
    assert email["recipients"] == [seeded["EmailAddress"], AROHA]
    person = {"FirstName": "Aroha", "LastName": "Paki", "EmailAddress": AROHA,
              "IncludeInEmails": True}
    assert xero.org.contacts[seeded["ContactID"]]["ContactPersons"] == [person]
    [mail] = _sent(xero, data["invoice_id"])
    assert mail["Recipients"] == [seeded["EmailAddress"], AROHA]
    assert xero.org.invoices[data["invoice_id"]]["SentToContact"] is True
    # The next invoice finds Aroha included already: nothing changes on the contact.
    again = (await act("xero_create_invoice", deal_id=deal_id, email_mode="xero")).json()
    assert again["data"]["email"]["xero_contact_change"] is None
    assert again["data"]["email"]["recipients"] == [seeded["EmailAddress"], AROHA]
    assert xero.org.contacts[seeded["ContactID"]]["ContactPersons"] == [person]
    # Without an email the default stays DRAFT.
    quiet = (await act("xero_create_invoice", deal_id=deal_id)).json()["data"]
    assert quiet["status"] == "DRAFT" and quiet["approved_for_email"] is False


@pytest.mark.parametrize("email_mode", ["xero", "trustpager"])
async def test_an_explicit_draft_with_an_email_is_refused_before_xero(
        act: Actions, xero: Xero, records: Crm, email_mode: str) -> None:
    deal_id = await _deal(records, "Golden Bay Motel")
    calls, invoices = await xero.calls(), len(xero.org.invoices)
    answer = await act("xero_create_invoice", deal_id=deal_id, status="DRAFT",
                       email_mode=email_mode)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("conflicting_input", "params.status")
    assert "DRAFT" in error["message"] and "leave status out" in error["message"]
    assert await xero.calls() == calls and len(xero.org.invoices) == invoices


@pytest.mark.parametrize(("option", "value"), [
    ("email_subject", "Invoice {{xero.invoice_number}}"), ("email_body", "Hi there"),
    ("email_attach_pdf", False)])
async def test_options_xeros_endpoint_cannot_honour_are_refused(
        act: Actions, xero: Xero, records: Crm, option: str, value: Any) -> None:
    deal_id = await _deal(records, "Golden Bay Motel")
    calls = await xero.calls()
    answer = await act("xero_create_invoice", deal_id=deal_id, email_mode="xero",
                       **{option: value})
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("conflicting_input", f"params.{option}")
    assert "Xero's own Email endpoint, which takes no options" in error["message"]
    assert "email_mode 'trustpager'" in error["message"]
    assert await xero.calls() == calls


async def test_an_update_email_approves_a_draft(act: Actions, xero: Xero,
                                               records: Crm) -> None:
    deal_id = await _deal(records, "Golden Bay Motel")
    draft = (await act("xero_create_invoice", deal_id=deal_id)).json()["data"]
    assert draft["status"] == "DRAFT"
    answer = await act("xero_update_invoice", invoice_id=draft["invoice_id"],
                       email_mode="xero", email_recipient_source="xero_contact")
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert (data["status"], data["approved_for_email"]) == ("AUTHORISED", True)
    assert data["email"]["sent"] is True and len(_sent(xero, draft["invoice_id"])) == 1
    refused = await act("xero_update_invoice", invoice_id=draft["invoice_id"],
                        status="VOIDED", email_mode="xero")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "conflicting_input"


async def test_a_known_person_is_included_and_a_contact_without_email_gets_one(
        act: Actions, xero: Xero, records: Crm, hub: Hub, integration_id: str) -> None:
    seeded = xero.contacts_named("Golden Bay Motel")[0]
    async with hub.db.session() as session:  # Aroha is known at Xero, not included
        integration = await get_integration(session, integration_id)
        await update_contact(client_for(hub, integration), UpdateContact(
            operation_id="test-person", contact_id=seeded["ContactID"], contact_persons=[
                ContactPersonInput(first_name="Aroha", email_address=AROHA.upper(),
                                   include_in_emails=False)]))
    deal_id = await _deal(records, "Golden Bay Motel")
    data = (await act("xero_create_invoice", deal_id=deal_id, email_mode="xero")).json()["data"]
    assert data["email"]["xero_contact_change"] == "contact_person_included"
    persons = xero.org.contacts[seeded["ContactID"]]["ContactPersons"]
    assert [(p["EmailAddress"], p["IncludeInEmails"]) for p in persons] == \
        [(AROHA.upper(), True)]
    # A contact without an address: Xero adds no people to it, so the address is set.
    made = (await act("xero_create_contact", name="Kōwhai Kitchens")).json()["data"]
    assert not xero.org.contacts[made["contact_id"]].get("EmailAddress")
    other = await _deal(records, "Kōwhai Kitchens", person_email=None)
    answer = await act("xero_create_invoice", deal_id=other, email_mode="xero",
                       email_recipient="ap@kowhai.example")
    assert answer.status_code == 200, answer.text
    email = answer.json()["data"]["email"]
    assert email["xero_contact_change"] == "email_address_set"
    assert email["recipients"] == ["ap@kowhai.example"]
    assert xero.org.contacts[made["contact_id"]]["EmailAddress"] == "ap@kowhai.example"
    [mail] = _sent(xero, answer.json()["data"]["invoice_id"])
    assert mail["To"] == "ap@kowhai.example"
