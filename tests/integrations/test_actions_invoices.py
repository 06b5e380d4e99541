"""xero_create_invoice (and its alias) from a deal, xero_update_invoice, and their email modes."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from ledgerlink.emulator.xero.models.invoices import NOT_VALID
from tests.integrations.conftest import Actions, Crm, Xero


async def _deal(records: Crm, customer_id: str | None = None,
                contact_id: str | None = None) -> str:
    door = await records.product("Solid oak door", "1450.00", code="DOOR-OAK",
                                 account_code="200", tax_type="OUTPUT2")
    labour = await records.product("Installation", "85.00", account_code="200",
                                   tax_type="OUTPUT2", description="Installation (per hour)")
    deal_id, _ = await records.deal("Front doors", [(door, "2"), (labour, "3")],
                                    customer_id=customer_id, primary_contact_id=contact_id,
                                    reference="PO 4471")
    return deal_id


async def test_invoice_from_deal_reuses_the_customers_xero_contact(
        act: Actions, xero: Xero, records: Crm) -> None:
    seeded = xero.contacts_named("Bayview Builders")[0]
    customer_id = await records.customer("Bayview Builders")
    deal_id = await _deal(records, customer_id)
    before = len(xero.org.contacts)
    answer = await act("xero_create_invoice", deal_id=deal_id, status="AUTHORISED",
                       due_date="2026-12-20")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["action_type"] == "xero_create_invoice" and body["action_run_id"]
    data = body["data"]
    # 2 × 1450.00 + 3 × 85.00 = 3155.00; GST 15% = 473.25
    assert (data["sub_total"], data["total_tax"], data["total"], data["amount_due"]) == \
        ("3155.00", "473.25", "3628.25", "3628.25")
    assert data["status"] == "AUTHORISED" and data["type"] == "ACCREC"
    assert data["invoice_number"] and data["reference"] == "PO 4471"
    assert data["due_date"] == "2026-12-20" and data["deal_id"] == deal_id
    assert data["contact_id"] == seeded["ContactID"] and data["contact_created"] is False
    assert data["email"]["mode"] == "none" and data["email"]["sent"] is False
    assert len(xero.org.contacts) == before
    stored = xero.org.invoices[data["invoice_id"]]
    assert [(line["Description"], Decimal(str(line["Quantity"])))
            for line in stored["LineItems"]] == [("Solid oak door", Decimal(2)),
                                                 ("Installation (per hour)", Decimal(3))]
    assert await records.xero_contact_of(customer_id) == seeded["ContactID"]
    assert await records.xero_invoice_of(deal_id) == data["invoice_id"]


async def test_alias_creates_the_contact_once(act: Actions, xero: Xero, records: Crm) -> None:
    customer_id = await records.customer("Kererū Cabinetry", email="hello@kereru.example",
                                         city="Nelson")
    person = await records.contact("Ana", last_name="Rewi", customer_id=customer_id)
    deal_id = await _deal(records, customer_id, person)
    before = len(xero.org.contacts)
    first = (await act("xero_create_contact_and_invoice", deal_id=deal_id)).json()["data"]
    assert first["contact_created"] is True and first["status"] == "DRAFT"
    created = xero.org.contacts[first["contact_id"]]
    assert created["Name"] == "Kererū Cabinetry" and created["FirstName"] == "Ana"
    assert created["EmailAddress"] == "hello@kereru.example"
    second = (await act("xero_create_invoice", data={"deal": {"id": deal_id}})).json()["data"]
    assert second["contact_id"] == first["contact_id"] and second["contact_created"] is False
    assert second["invoice_id"] != first["invoice_id"]
    assert len(xero.org.contacts) == before + 1
    assert await records.xero_contact_of(customer_id) == first["contact_id"]


async def test_deal_without_customer_bills_its_primary_contact(act: Actions, xero: Xero,
                                                               records: Crm) -> None:
    person = await records.contact("Tama", last_name="Ngata", email="tama@ngata.example")
    deal_id = await _deal(records, contact_id=person)
    data = (await act("xero_create_invoice", deal_id=deal_id)).json()["data"]
    assert data["contact_created"] is True and data["contact_name"] == "Tama Ngata"
    assert await records.xero_contact_of(crm_contact_id=person) == data["contact_id"]


async def test_two_concurrent_invoices_share_one_new_contact(act: Actions, xero: Xero,
                                                             records: Crm) -> None:
    customer_id = await records.customer("Totara Timber Co")
    deal_id = await _deal(records, customer_id)
    before = len(xero.org.contacts)
    answers = await asyncio.gather(*(act("xero_create_invoice", deal_id=deal_id)
                                     for _ in range(2)))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    data = [a.json()["data"] for a in answers]
    assert data[0]["contact_id"] == data[1]["contact_id"]
    assert sorted(d["contact_created"] for d in data) == [False, True]
    assert len(xero.contacts_named("Totara Timber Co")) == 1
    assert len(xero.org.contacts) == before + 1


async def test_deal_problems_are_422(act: Actions, records: Crm) -> None:
    missing = await act("xero_create_invoice")
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "params.deal_id"
    assert missing.json()["error"]["code"] == "conflicting_input"  # nor data.deal.id
    unknown = await act("xero_create_invoice", deal_id="00000000-0000-0000-0000-00000000beef")
    assert unknown.status_code == 422 and "no deal" in unknown.json()["error"]["message"].lower()
    assert unknown.json()["error"]["code"] == "unknown_reference"
    empty, _ = await records.deal("Nothing yet",
                                  customer_id=await records.customer("Empty Deal Ltd"))
    answer = await act("xero_create_invoice", deal_id=empty)
    assert answer.status_code == 422 and "no products" in answer.json()["error"]["message"]
    nobody = await _deal(records)
    answer = await act("xero_create_invoice", deal_id=nobody)
    assert answer.status_code == 422 and "neither a customer" in answer.json()["error"]["message"]
    bad = await act("xero_create_invoice", deal_id=nobody, status="PAID")
    error = bad.json()["error"]
    assert bad.status_code == 422 and error["field"] == "params.status"
    assert "DRAFT" in error["message"] and "AUTHORISED" in error["message"]


async def test_update_invoice_and_xeros_status_rules(act: Actions, xero: Xero,
                                                     records: Crm) -> None:
    deal_id = await _deal(records, await records.customer("Driftwood Cafe"))
    draft = (await act("xero_create_invoice", deal_id=deal_id)).json()["data"]
    approved = await act("xero_update_invoice", invoice_id=draft["invoice_id"],
                         status="AUTHORISED", due_date="2027-01-15", reference="Updated")
    assert approved.status_code == 200, approved.text
    data = approved.json()["data"]
    assert (data["status"], data["due_date"], data["reference"]) == \
        ("AUTHORISED", "2027-01-15", "Updated")
    assert data["contact_created"] is None
    back = await act("xero_update_invoice", invoice_id=draft["invoice_id"], status="DRAFT")
    assert back.status_code == 422
    assert back.json()["error"]["message"] == NOT_VALID  # Xero's own words
    assert xero.org.invoices[draft["invoice_id"]]["Status"] == "AUTHORISED"
    voided = (await act("xero_update_invoice", invoice_id=draft["invoice_id"],
                        status="VOIDED")).json()["data"]
    assert voided["status"] == "VOIDED"
    unknown = await act("xero_update_invoice",
                        invoice_id="00000000-0000-0000-0000-00000000f00d", status="AUTHORISED")
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "params.invoice_id"
    nothing = await act("xero_update_invoice", invoice_id=draft["invoice_id"])
    assert nothing.status_code == 422 and "nothing to do" in nothing.json()["error"]["message"]


async def test_email_modes(act: Actions, xero: Xero, records: Crm) -> None:
    seeded = xero.contacts_named("Golden Bay Motel")[0]
    deal_id = await _deal(records, await records.customer("Golden Bay Motel"))
    sent = await act("xero_create_invoice", deal_id=deal_id, status="AUTHORISED",
                     email_mode="xero", email_recipient_source="xero_contact")
    assert sent.status_code == 200, sent.text
    email = sent.json()["data"]["email"]
    assert email["mode"] == "xero" and email["sent"] is True
    assert email["recipient"] == seeded["EmailAddress"]
    assert email["recipients"] == [seeded["EmailAddress"]]
    assert email["xero_contact_change"] is None
    assert sent.json()["data"]["approved_for_email"] is False  # the status was given
    assert (await xero.calls()).get("emailInvoice") == 1
    resent = await act("xero_update_invoice", invoice_id=sent.json()["data"]["invoice_id"],
                       email_mode="xero", email_recipient_source="xero_contact")
    assert resent.status_code == 200 and resent.json()["data"]["email"]["sent"] is True
    # The deal has no primary contact, the default source: refused before anything is written.
    invoices = (await xero.calls()).get("createInvoices")
    nobody = await act("xero_create_invoice", deal_id=deal_id, email_mode="xero")
    assert nobody.status_code == 422, nobody.text
    assert nobody.json()["error"]["field"] == "params.email_recipient_source"
    assert "no primary contact" in nobody.json()["error"]["message"]
    branded = await act("xero_create_invoice", deal_id=deal_id, status="AUTHORISED",
                        email_mode="trustpager")
    assert branded.status_code == 422, branded.text
    assert branded.json()["error"]["field"] == "params.email_mode"
    assert (await xero.calls()).get("createInvoices") == invoices  # refused before writing


async def test_update_replaces_the_lines(act: Actions, xero: Xero, records: Crm) -> None:
    deal_id = await _deal(records, await records.customer("Driftwood Cafe"))
    draft = (await act("xero_create_invoice", deal_id=deal_id)).json()["data"]
    answer = await act("xero_update_invoice", invoice_id=draft["invoice_id"], line_items=[
        {"description": "Site visit\nand measure", "quantity": "2", "unit_amount": "60.00",
         "account_code": "200", "tax_type": "OUTPUT2", "discount_rate": 10}])
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["sub_total"] == "108.00"
    [line] = xero.org.invoices[draft["invoice_id"]]["LineItems"]
    assert line["Description"] == "Site visit\nand measure"
    bad = await act("xero_update_invoice", invoice_id=draft["invoice_id"],
                    line_items=[{"Description": "Xero's spelling is not ours"}])
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "params.line_items.0.Description"
