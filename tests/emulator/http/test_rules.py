"""Xero's business rules over HTTP: tax and totals, the invoice lifecycle, payments and credits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.emulator.http.support import (
    contact,
    get_invoice,
    invoice,
    money,
    ms_date,
    ok,
    pay,
    sale,
)

NOT_VALID = "Invoice not of valid status for modification"
EXCEEDS = "Payment amount exceeds the amount outstanding on this document"


def first_error(data: dict[str, Any]) -> str:
    """Elements[0].ValidationErrors[0].Message, as xero-python and pyxero surface it."""
    assert data["Type"] == "ValidationException"
    assert data["ErrorNumber"] == 10
    return str(data["Elements"][0]["ValidationErrors"][0]["Message"])


def update(api: httpx.Client, invoice_id: str, **fields: Any) -> httpx.Response:
    """POST /Invoices/{id} with the wrapped body xero-python sends."""
    return api.post(f"/Invoices/{invoice_id}", json={"Invoices": [fields]})


# ---- tax, totals and discounts --------------------------------------------------------------
def test_exclusive_tax_is_rounded_per_line(api: httpx.Client) -> None:
    cid = contact(api, "Rounding Per Line Ltd")
    inv = invoice(api, cid, [sale(45.45), sale(45.45)], status="DRAFT")
    # Each line: 45.45 x 15% = 6.8175 -> 6.82 (half-up, per line).
    # TotalTax = 6.82 + 6.82 = 13.64 (the sum of the rounded lines).
    # SubTotal = 45.45 + 45.45 = 90.90; Total = 90.90 + 13.64 = 104.54.
    assert [money(li["TaxAmount"]) for li in inv["LineItems"]] == [Decimal("6.82")] * 2
    assert [money(li["LineAmount"]) for li in inv["LineItems"]] == [Decimal("45.45")] * 2
    assert money(inv["SubTotal"]) == Decimal("90.90")
    assert money(inv["TotalTax"]) == Decimal("13.64")
    assert money(inv["Total"]) == Decimal("104.54")
    assert money(inv["AmountDue"]) == Decimal("104.54")
    assert inv["LineAmountTypes"] == "Exclusive"


def test_per_line_rounding_differs_from_rounding_the_total(api: httpx.Client) -> None:
    cid = contact(api, "Three Small Lines Ltd")
    inv = invoice(api, cid, [sale(0.10)] * 3, status="DRAFT")
    # Each line: 0.10 x 15% = 0.015 -> 0.02, so TotalTax = 0.06; tax on the 0.30 subtotal
    # would have been 0.045 -> 0.05. Total = 0.30 + 0.06 = 0.36.
    assert money(inv["TotalTax"]) == Decimal("0.06")
    assert money(inv["Total"]) == Decimal("0.36")


def test_inclusive_amounts_back_the_tax_out_of_each_line(api: httpx.Client) -> None:
    cid = contact(api, "Inclusive Supplier Ltd")
    inv = invoice(api, cid, [sale(89.00, account="300", tax="INPUT2"),
                             sale(95.50, account="300", tax="INPUT2")],
                  status="DRAFT", inv_type="ACCPAY", LineAmountTypes="Inclusive")
    # 89.00 x 15/115 = 11.6087 -> 11.61; 95.50 x 15/115 = 12.4565 -> 12.46 (live data agrees).
    # TotalTax = 24.07; Total = 89.00 + 95.50 = 184.50; SubTotal = 184.50 - 24.07 = 160.43.
    assert [money(li["TaxAmount"]) for li in inv["LineItems"]] == [Decimal("11.61"),
                                                                   Decimal("12.46")]
    assert money(inv["TotalTax"]) == Decimal("24.07")
    assert money(inv["SubTotal"]) == Decimal("160.43")
    assert money(inv["Total"]) == Decimal("184.50")
    assert inv["LineAmountTypes"] == "Inclusive"


def test_no_tax_invoices_carry_no_tax(api: httpx.Client) -> None:
    cid = contact(api, "No Tax Ltd")
    inv = invoice(api, cid, [sale(33.33, quantity=2), sale(10.00)], status="DRAFT",
                  LineAmountTypes="NoTax")
    # 2 x 33.33 = 66.66; + 10.00 = 76.66; no tax, so Total = SubTotal = 76.66.
    assert [money(li["TaxAmount"]) for li in inv["LineItems"]] == [Decimal("0.00")] * 2
    assert money(inv["SubTotal"]) == Decimal("76.66")
    assert money(inv["TotalTax"]) == Decimal("0.00")
    assert money(inv["Total"]) == Decimal("76.66")


def test_discounts_reduce_the_line_before_tax(api: httpx.Client) -> None:
    cid = contact(api, "Discounted Ltd")
    inv = invoice(api, cid, [sale(19.99, quantity=3, DiscountRate=10),
                             sale(50.00, quantity=2, DiscountAmount=7.50)],
                  status="DRAFT", Total=999.99)
    # Line 1: 3 x 19.99 = 59.97; less 10% = 53.973 -> 53.97; tax 53.97 x 15% = 8.0955 -> 8.10.
    # Line 2: 2 x 50.00 = 100.00; less 7.50 = 92.50; tax 92.50 x 15% = 13.875 -> 13.88.
    # SubTotal = 53.97 + 92.50 = 146.47; TotalTax = 8.10 + 13.88 = 21.98;
    # Total = 168.45 (the client's 999.99 is ignored); TotalDiscount = 6.00 + 7.50 = 13.50.
    assert [money(li["LineAmount"]) for li in inv["LineItems"]] == [Decimal("53.97"),
                                                                    Decimal("92.50")]
    assert [money(li["TaxAmount"]) for li in inv["LineItems"]] == [Decimal("8.10"),
                                                                   Decimal("13.88")]
    assert money(inv["SubTotal"]) == Decimal("146.47")
    assert money(inv["TotalTax"]) == Decimal("21.98")
    assert money(inv["Total"]) == Decimal("168.45")
    assert money(inv["TotalDiscount"]) == Decimal("13.50")
    assert inv["IsDiscounted"] is True


def test_discounts_are_refused_on_bills(api: httpx.Client) -> None:
    cid = contact(api, "Discount Bill Supplier")
    response = api.put("/Invoices", json={"Invoices": [{
        "Type": "ACCPAY", "Contact": {"ContactID": cid},
        "LineItems": [sale(10.00, account="300", tax="INPUT2", DiscountRate=5)]}]})
    assert response.status_code == 400
    assert "Discounts" in first_error(ok(response, 400))


def test_amount_due_follows_partial_payments(api: httpx.Client) -> None:
    cid = contact(api, "Part Payer Ltd")
    inv = invoice(api, cid, [sale(45.45), sale(45.45)], Date="2025-03-01",
                  DueDate="2025-03-31")
    ok(pay(api, inv["InvoiceID"], 50.00, date(2025, 3, 5)))
    after = get_invoice(api, inv["InvoiceID"])
    # AmountDue = Total - AmountPaid - AmountCredited = 104.54 - 50.00 - 0 = 54.54.
    assert money(after["AmountPaid"]) == Decimal("50.00")
    assert money(after["AmountDue"]) == Decimal("54.54")
    assert after["Status"] == "AUTHORISED"
    assert len(after["Payments"]) == 1


# ---- lifecycle ------------------------------------------------------------------------------
def test_draft_to_submitted_to_authorised(api: httpx.Client) -> None:
    cid = contact(api, "Lifecycle Ltd")
    inv = invoice(api, cid, [sale(100.00)], status="DRAFT")
    assert inv["Status"] == "DRAFT"
    submitted = ok(update(api, inv["InvoiceID"], Status="SUBMITTED"))["Invoices"][0]
    assert submitted["Status"] == "SUBMITTED"
    approved = ok(update(api, inv["InvoiceID"], Status="AUTHORISED"))["Invoices"][0]
    assert approved["Status"] == "AUTHORISED"
    assert money(approved["AmountDue"]) == Decimal("115.00")
    back = update(api, inv["InvoiceID"], Status="DRAFT")
    assert first_error(ok(back, 400)) == NOT_VALID
    assert get_invoice(api, inv["InvoiceID"])["Status"] == "AUTHORISED"


@pytest.mark.parametrize("start", ["DRAFT", "SUBMITTED"])
def test_delete_is_allowed_from_draft_and_submitted(api: httpx.Client, start: str) -> None:
    cid = contact(api, f"Deletable {start} Ltd")
    inv = invoice(api, cid, [sale(20.00)], status=start)
    deleted = ok(update(api, inv["InvoiceID"], Status="DELETED"))["Invoices"][0]
    assert deleted["Status"] == "DELETED"
    assert money(deleted["AmountDue"]) == Decimal("0.00")


def test_delete_is_refused_once_authorised(api: httpx.Client) -> None:
    cid = contact(api, "Not Deletable Ltd")
    inv = invoice(api, cid, [sale(20.00)])
    assert first_error(ok(update(api, inv["InvoiceID"], Status="DELETED"), 400)) == NOT_VALID
    assert get_invoice(api, inv["InvoiceID"])["Status"] == "AUTHORISED"


@pytest.mark.parametrize("start", ["DRAFT", "SUBMITTED"])
def test_void_is_refused_before_approval(api: httpx.Client, start: str) -> None:
    cid = contact(api, f"Not Voidable {start} Ltd")
    inv = invoice(api, cid, [sale(20.00)], status=start)
    assert first_error(ok(update(api, inv["InvoiceID"], Status="VOIDED"), 400)) == NOT_VALID


def test_void_needs_the_payments_removed_first(api: httpx.Client) -> None:
    cid = contact(api, "Void After Reversal Ltd")
    inv = invoice(api, cid, [sale(20.00)], Date="2025-03-01", DueDate="2025-03-31")
    payment = ok(pay(api, inv["InvoiceID"], 5.00, date(2025, 3, 2)))["Payments"][0]
    refused = update(api, inv["InvoiceID"], Status="VOIDED")
    assert refused.status_code == 400
    assert first_error(ok(refused, 400))
    assert get_invoice(api, inv["InvoiceID"])["Status"] == "AUTHORISED"
    ok(api.post(f"/Payments/{payment['PaymentID']}", json={"Status": "DELETED"}))
    voided = ok(update(api, inv["InvoiceID"], Status="VOIDED"))["Invoices"][0]
    assert voided["Status"] == "VOIDED"
    assert money(voided["AmountDue"]) == Decimal("0.00")


@pytest.mark.parametrize("final", ["VOIDED", "DELETED", "PAID"])
def test_closed_invoices_refuse_line_changes(api: httpx.Client, final: str) -> None:
    cid = contact(api, f"Closed {final} Ltd")
    start = "DRAFT" if final == "DELETED" else "AUTHORISED"
    inv = invoice(api, cid, [sale(10.00)], status=start, Date="2025-03-01",
                  DueDate="2025-03-31")
    if final == "PAID":
        ok(pay(api, inv["InvoiceID"], 11.50, date(2025, 3, 3)))
    else:
        ok(update(api, inv["InvoiceID"], Status=final))
    refused = update(api, inv["InvoiceID"], LineItems=[sale(99.00)])
    assert first_error(ok(refused, 400)) == NOT_VALID
    assert money(get_invoice(api, inv["InvoiceID"])["SubTotal"]) == Decimal("10.00")


# ---- payments -------------------------------------------------------------------------------
def test_two_payments_in_full_make_it_paid(api: httpx.Client) -> None:
    cid = contact(api, "Pays In Two Ltd")
    inv = invoice(api, cid, [sale(45.45), sale(45.45)], Date="2025-03-01",
                  DueDate="2025-03-31")
    first = ok(pay(api, inv["InvoiceID"], 60.00, date(2025, 3, 10)))["Payments"][0]
    assert first["Status"] == "AUTHORISED"
    assert first["PaymentType"] == "ACCRECPAYMENT"
    assert get_invoice(api, inv["InvoiceID"])["Status"] == "AUTHORISED"
    # 104.54 - 60.00 = 44.54 is what the second payment must be to settle it.
    ok(pay(api, inv["InvoiceID"], 44.54, date(2025, 3, 20)))
    paid = get_invoice(api, inv["InvoiceID"])
    assert paid["Status"] == "PAID"
    assert money(paid["AmountDue"]) == Decimal("0.00")
    assert money(paid["AmountPaid"]) == Decimal("104.54")
    assert paid["FullyPaidOnDate"] == ms_date(date(2025, 3, 20))
    assert len(paid["Payments"]) == 2


def test_over_payment_is_refused_and_nothing_changes(api: httpx.Client) -> None:
    cid = contact(api, "Over Payer Ltd")
    inv = invoice(api, cid, [sale(45.45), sale(45.45)], Date="2025-03-01",
                  DueDate="2025-03-31")
    before = len(ok(api.get("/Payments"))["Payments"])
    refused = pay(api, inv["InvoiceID"], 104.55, date(2025, 3, 10))
    assert first_error(ok(refused, 400)) == EXCEEDS
    after = get_invoice(api, inv["InvoiceID"])
    assert money(after["AmountDue"]) == Decimal("104.54")
    assert after["Payments"] == []
    assert len(ok(api.get("/Payments"))["Payments"]) == before


def test_payment_on_a_draft_is_refused(api: httpx.Client) -> None:
    cid = contact(api, "Draft Payee Ltd")
    inv = invoice(api, cid, [sale(10.00)], status="DRAFT")
    assert pay(api, inv["InvoiceID"], 1.00).status_code == 400


REVERSALS: dict[str, tuple[str, bytes]] = {
    "unwrapped json": ("application/json", b'{"Status": "DELETED"}'),
    "wrapped json": ("application/json", b'{"Payments": [{"Status": "DELETED"}]}'),
    "pyxero xml": ("application/xml", b"<Payment><Status>DELETED</Status></Payment>"),
}


@pytest.mark.parametrize("form", list(REVERSALS))
def test_payment_reversal_restores_the_invoice(api: httpx.Client, form: str) -> None:
    cid = contact(api, f"Reversal {form} Ltd")
    inv = invoice(api, cid, [sale(100.00)], Date="2025-03-01", DueDate="2025-03-31")
    payment = ok(pay(api, inv["InvoiceID"], 115.00, date(2025, 3, 4)))["Payments"][0]
    assert get_invoice(api, inv["InvoiceID"])["Status"] == "PAID"
    ctype, raw = REVERSALS[form]
    reversed_ = ok(api.post(f"/Payments/{payment['PaymentID']}", content=raw,
                            headers={"Content-Type": ctype}))["Payments"][0]
    assert reversed_["Status"] == "DELETED"
    assert reversed_["PaymentID"] == payment["PaymentID"]
    restored = get_invoice(api, inv["InvoiceID"])
    assert restored["Status"] == "AUTHORISED"
    assert money(restored["AmountDue"]) == Decimal("115.00")
    assert money(restored["AmountPaid"]) == Decimal("0.00")
    assert "FullyPaidOnDate" not in restored
    assert restored["Payments"] == []
    again = api.post(f"/Payments/{payment['PaymentID']}", json={"Status": "DELETED"})
    assert again.status_code == 400


def test_credit_note_allocation_reduces_amount_due_and_remaining_credit(
        api: httpx.Client) -> None:
    cid = contact(api, "Credited Customer Ltd")
    inv = invoice(api, cid, [sale(45.45), sale(45.45)], Date="2025-03-01",
                  DueDate="2025-03-31")
    note = ok(api.put("/CreditNotes", json={"CreditNotes": [{
        "Type": "ACCRECCREDIT", "Contact": {"ContactID": cid}, "Status": "AUTHORISED",
        "Date": "2025-03-05", "LineItems": [sale(20.00)]}]}))["CreditNotes"][0]
    # 20.00 + 15% = 23.00 of credit.
    assert money(note["Total"]) == Decimal("23.00")
    assert money(note["RemainingCredit"]) == Decimal("23.00")
    allocation = {"Amount": 15.00, "Date": "2025-03-06",
                  "Invoice": {"InvoiceID": inv["InvoiceID"]}}
    ok(api.put(f"/CreditNotes/{note['CreditNoteID']}/Allocations",
               json={"Allocations": [allocation]}))
    after = get_invoice(api, inv["InvoiceID"])
    # 104.54 - 15.00 credited = 89.54 due; the note keeps 23.00 - 15.00 = 8.00.
    assert money(after["AmountCredited"]) == Decimal("15.00")
    assert money(after["AmountDue"]) == Decimal("89.54")
    assert after["Status"] == "AUTHORISED"
    left = ok(api.get(f"/CreditNotes/{note['CreditNoteID']}"))["CreditNotes"][0]
    assert money(left["RemainingCredit"]) == Decimal("8.00")
    too_much = api.put(f"/CreditNotes/{note['CreditNoteID']}/Allocations",
                       json={"Allocations": [{**allocation, "Amount": 8.01}]})
    assert too_much.status_code == 400
    assert money(get_invoice(api, inv["InvoiceID"])["AmountDue"]) == Decimal("89.54")


# ---- uniqueness -----------------------------------------------------------------------------
def test_sales_invoice_numbers_are_unique_but_bill_numbers_need_not_be(
        api: httpx.Client) -> None:
    cid = contact(api, "Numbered Ltd")
    invoice(api, cid, [sale(1.00)], status="DRAFT", InvoiceNumber="HB-100")
    clash = api.put("/Invoices", json={"Invoices": [{
        "Type": "ACCREC", "Contact": {"ContactID": cid}, "InvoiceNumber": "HB-100",
        "LineItems": [sale(2.00)]}]})
    assert first_error(ok(clash, 400)) == "Invoice # must be unique."
    bills = [invoice(api, cid, [sale(3.00, account="300", tax="INPUT2")], status="DRAFT",
                     inv_type="ACCPAY", InvoiceNumber="SUP-7") for _ in range(2)]
    assert bills[0]["InvoiceID"] != bills[1]["InvoiceID"]


def test_contact_names_are_unique(api: httpx.Client) -> None:
    contact(api, "Only One Of Me Ltd")
    clash = api.put("/Contacts", json={"Contacts": [{"Name": "Only One Of Me Ltd"}]})
    assert first_error(ok(clash, 400)) == (
        "The contact name Only One Of Me Ltd is already assigned to another contact. "
        "The contact name must be unique across all active contacts.")


# ---- batches --------------------------------------------------------------------------------
def names_like(api: httpx.Client, term: str) -> list[str]:
    """Names of the contacts matching a search term."""
    return sorted(c["Name"] for c in ok(api.get("/Contacts", params={"searchTerm": term}))
                  ["Contacts"])


def test_summarize_errors_false_saves_the_good_elements(api: httpx.Client) -> None:
    contact(api, "Batch Taken")
    elements = [{"Name": "Batch Alpha"}, {"Name": "Batch Taken"}, {"Name": "Batch Omega"}]
    data = ok(api.put("/Contacts", params={"summarizeErrors": "false"},
                      json={"Contacts": elements}))
    statuses = [c["StatusAttributeString"] for c in data["Contacts"]]
    assert statuses == ["OK", "ERROR", "OK"]
    bad = data["Contacts"][1]
    assert bad["HasValidationErrors"] is True
    assert "already assigned" in bad["ValidationErrors"][0]["Message"]
    assert all("ValidationErrors" not in c or not c["ValidationErrors"]
               for c in (data["Contacts"][0], data["Contacts"][2]))
    assert names_like(api, "Batch ") == ["Batch Alpha", "Batch Omega", "Batch Taken"]


def test_summarised_batch_is_all_or_nothing(api: httpx.Client) -> None:
    contact(api, "Summary Taken")
    elements = [{"Name": "Summary Good"}, {"Name": "Summary Taken"}]
    refused = api.put("/Contacts", json={"Contacts": elements})
    data = ok(refused, 400)
    assert data["Type"] == "ValidationException"
    assert data["Message"] == "A validation exception occurred"
    assert [e["Name"] for e in data["Elements"]] == ["Summary Taken"]
    assert "already assigned" in first_error(data)
    assert names_like(api, "Summary ") == ["Summary Taken"]


def test_summarize_errors_false_on_invoices(api: httpx.Client) -> None:
    cid = contact(api, "Invoice Batch Ltd")
    good = {"Type": "ACCREC", "Contact": {"ContactID": cid}, "LineItems": [sale(5.00)],
            "InvoiceNumber": "BATCH-1"}
    bad = {**good, "InvoiceNumber": "BATCH-1", "LineItems": [sale(6.00)]}
    data = ok(api.put("/Invoices", params={"summarizeErrors": "False"},
                      json={"Invoices": [good, bad]}))
    assert [i["StatusAttributeString"] for i in data["Invoices"]] == ["OK", "ERROR"]
    assert data["Invoices"][1]["ValidationErrors"][0]["Message"] == "Invoice # must be unique."
    listed = ok(api.get("/Invoices", params={"InvoiceNumbers": "BATCH-1"}))["Invoices"]
    assert [money(i["Total"]) for i in listed] == [Decimal("5.75")]
