"""The typed Xero models: Xero names, /Date()/ and Decimal at the edge, enums, extras, bodies."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from ledgerlink.providers.xero.models import (
    Account,
    AccountClass,
    AccountInput,
    AccountType,
    Address,
    AddressInput,
    Attachment,
    Contact,
    ContactInput,
    ContactRef,
    CreditNote,
    HistoryRecord,
    Invoice,
    InvoiceInput,
    InvoiceStatus,
    Item,
    ItemDetailsInput,
    ItemInput,
    LineAmountTypes,
    LineItemInput,
    OnlineInvoice,
    Payment,
    PaymentType,
    PhoneInput,
    RepeatingInvoice,
    ScheduleUnit,
    TaxRate,
    XeroConnection,
    xero_name,
)
from ledgerlink.providers.xero.wire import dumps

pytestmark = pytest.mark.timeout(10)

# Shapes copied from Xero's own examples (the Prismatic seed and the spec).
INVOICE: dict[str, Any] = {
    "Type": "ACCREC", "InvoiceID": "243216c5-369e-4056-ac67-05388f86dc81",
    "InvoiceNumber": "INV-0001", "Reference": "Ref", "Status": "PAID",
    "LineAmountTypes": "Exclusive", "CurrencyCode": "NZD", "CurrencyRate": Decimal("1.000000"),
    "Date": "/Date(1551916800000+0000)/", "DueDate": "/Date(1552521600000+0000)/",
    "DateString": "2019-03-07T00:00:00", "FullyPaidOnDate": "/Date(1552521600000+0000)/",
    "UpdatedDateUTC": "/Date(1552499488373+0000)/",
    "SubTotal": Decimal("200.00"), "TotalTax": Decimal("30.00"), "Total": Decimal("230.00"),
    "AmountDue": Decimal("0.00"), "AmountPaid": Decimal("230.00"), "AmountCredited": 0,
    "Contact": {"ContactID": "430fa14a-f945-44d3-9f97-5df5e28441b8", "Name": "Liam",
                "IsSupplier": "false", "IsCustomer": "true"},
    "LineItems": [{"LineItemID": "6f0d0d4a-0b8b-4b2b-9f5b-1b0e4e6f3a11", "Description": "Desk",
                   "Quantity": Decimal("2.0000"), "UnitAmount": Decimal("100.00"),
                   "TaxAmount": Decimal("30.00"), "LineAmount": Decimal("200.00"),
                   "AccountCode": "200", "TaxType": "OUTPUT2",
                   "Tracking": [{"Name": "Region", "Option": "North"}]}],
    "Payments": [{"PaymentID": "0a0ef7ee-7b91-46fa-8136-c4cc6991f6a1",
                  "Date": "/Date(1552521600000+0000)/", "Amount": Decimal("230.00")}],
    "CreditNotes": [], "HasAttachments": False, "BrandNewXeroField": {"x": 1},
}


def test_invoice_parses_dates_money_and_nested_records() -> None:
    invoice = Invoice.model_validate(INVOICE)
    assert invoice.type is not None and invoice.type == "ACCREC"
    assert invoice.status is InvoiceStatus.PAID
    assert invoice.date == date(2019, 3, 7) and invoice.due_date == date(2019, 3, 14)
    assert invoice.updated_date_utc == datetime(2019, 3, 13, 17, 51, 28, 373000, tzinfo=UTC)
    assert invoice.total == Decimal("230.00") and isinstance(invoice.amount_credited, Decimal)
    assert invoice.line_amount_types is LineAmountTypes.EXCLUSIVE
    assert invoice.contact is not None and invoice.contact.is_customer is True
    assert invoice.contact.is_supplier is False  # Xero's string "false" is still a boolean
    (line,) = invoice.line_items or []
    assert line.quantity == Decimal("2") and line.line_amount == Decimal("200.00")
    assert line.tracking and line.tracking[0].option == "North"
    (payment,) = invoice.payments or []
    assert payment.amount == Decimal("230.00") and payment.date == date(2019, 3, 14)


def test_unknown_properties_are_kept_and_dumped_back_under_their_names() -> None:
    invoice = Invoice.model_validate(INVOICE)
    assert invoice.model_extra == {"DateString": "2019-03-07T00:00:00",
                                   "BrandNewXeroField": {"x": 1}}
    dumped = invoice.model_dump(by_alias=True, mode="json", exclude_none=True)
    assert dumped["BrandNewXeroField"] == {"x": 1}
    assert dumped["InvoiceID"] == INVOICE["InvoiceID"] and dumped["Total"] == "230.00"
    assert dumped["Date"] == "2019-03-07"
    assert dumped["UpdatedDateUTC"] == "2019-03-13T17:51:28.373000Z"
    # and the typed record reads back from its own dump
    assert Invoice.model_validate(dumped).total == Decimal("230.00")


def test_snake_case_names_work_alongside_xero_names() -> None:
    by_name = Account(account_id="a1", code="200", type=AccountType.REVENUE)
    by_alias = Account.model_validate({"AccountID": "a1", "Code": "200", "Type": "REVENUE"})
    assert by_name == by_alias
    assert by_name.to_xero() == {"AccountID": "a1", "Code": "200", "Type": "REVENUE"}


@pytest.mark.parametrize(("field", "alias"), [
    ("account_id", "AccountID"), ("updated_date_utc", "UpdatedDateUTC"),
    ("include_pdf", "IncludePDF"), ("cis_deduction", "CISDeduction"),
    ("address_line1", "AddressLine1"), ("online_invoice_url", "OnlineInvoiceUrl"),
    ("tracking_option_id", "TrackingOptionID"), ("class_", "Class"), ("id", "ID"),
    ("cogs_account_code", "COGSAccountCode"), ("date_utc", "DateUTC"),
])
def test_xero_names(field: str, alias: str) -> None:
    assert xero_name(field) == alias


def test_seed_payloads_parse() -> None:
    account = Account.model_validate({"AccountID": "x", "Code": "200", "Name": "Example Account",
                                      "Status": "ARCHIVED", "Type": "REVENUE",
                                      "TaxType": "OUTPUT", "Class": "REVENUE"})
    assert account.class_ is AccountClass.REVENUE and account.status == "ARCHIVED"
    contact = Contact.model_validate({"ContactID": "c", "ContactStatus": "Active",
                                      "Name": "Example Contact", "IsSupplier": "false",
                                      "updatedDateUTC": "/Date(1637614988203+0000)/"})
    assert contact.contact_status == "ACTIVE"  # "Active" in the seed; case is not meaning
    assert contact.model_extra == {"updatedDateUTC": "/Date(1637614988203+0000)/"}
    item = Item.model_validate({
        "ItemID": "i", "Code": "ExampleThing", "UpdatedDateUTC": "/Date(1488338552390+0000)/",
        "PurchaseDetails": {"UnitPrice": 20, "AccountCode": "400", "TaxType": "NONE"},
        "SalesDetails": {"UnitPrice": Decimal("40.5"), "AccountCode": "200"},
        "IsTrackedAsInventory": False, "IsSold": True})
    assert item.sales_details and item.sales_details.unit_price == Decimal("40.5")
    assert item.purchase_details and item.purchase_details.unit_price == Decimal(20)
    assert item.updated_date_utc == datetime(2017, 3, 1, 3, 22, 32, 390000, tzinfo=UTC)
    history = HistoryRecord.model_validate({"Changes": "Edited", "DateUTCString":
                                            "2021-11-23T18:38:24",
                                            "DateUTC": "/Date(1637692704697+0000)/",
                                            "User": "System Generated", "Details": "d"})
    assert history.date_utc == datetime(2021, 11, 23, 18, 38, 24, 697000, tzinfo=UTC)
    payment = Payment.model_validate({"PaymentID": "p", "Date": "/Date(1638144000000+0000)/",
                                      "BankAmount": 80, "CurrencyRate": 1,
                                      "PaymentType": "ACCRECPAYMENT", "Status": "DELETED",
                                      "HasAccount": False})
    assert payment.payment_type is PaymentType.ACCRECPAYMENT
    assert payment.date == date(2021, 11, 29) and payment.bank_amount == Decimal(80)
    connection = XeroConnection.model_validate({
        "id": "e", "authEventId": "a", "tenantId": "t", "tenantType": "ORGANISATION",
        "tenantName": "Example", "createdDateUtc": "2019-12-07T18:46:19.5165400"})
    assert connection.tenant_id == "t" and connection.created is not None


def test_other_records_parse() -> None:
    rate = TaxRate.model_validate({"Name": "GST", "TaxType": "OUTPUT2", "Status": "ACTIVE",
                                   "TaxComponents": [{"Name": "GST", "Rate": Decimal("15.0000"),
                                                      "IsCompound": False}],
                                   "EffectiveRate": Decimal("15.0")})
    assert rate.tax_components and rate.tax_components[0].rate == Decimal("15")
    repeating = RepeatingInvoice.model_validate({
        "ID": "r", "RepeatingInvoiceID": "r", "Type": "ACCREC", "Status": "AUTHORISED",
        "IncludePDF": True, "Total": 304.75,
        "Schedule": {"Period": 1, "Unit": "MONTHLY", "DueDate": 20,
                     "DueDateType": "OFFOLLOWINGMONTH",
                     "StartDate": "/Date(1795824000000+0000)/"}})
    assert repeating.schedule and repeating.schedule.unit is ScheduleUnit.MONTHLY
    assert repeating.schedule.due_date == 20  # a day count here, not a date
    assert repeating.schedule.start_date == date(2026, 11, 28)
    assert repeating.total == Decimal("304.75") and repeating.include_pdf is True
    note = CreditNote.model_validate({
        "CreditNoteID": "n", "Type": "ACCRECCREDIT", "RemainingCredit": 0,
        "Allocations": [{"AllocationID": "a", "Amount": Decimal("33.43"),
                         "Date": "/Date(1763337600000+0000)/",
                         "Invoice": {"InvoiceID": "i", "InvoiceNumber": "INV-0053"}}]})
    assert note.allocations and note.allocations[0].invoice
    assert note.allocations[0].invoice.invoice_number == "INV-0053"
    attachment = Attachment.model_validate({"AttachmentID": "a", "FileName": "x.pdf",
                                            "MimeType": "application/pdf",
                                            "ContentLength": 3, "IncludeOnline": False})
    assert attachment.content_length == 3
    assert OnlineInvoice.model_validate({"OnlineInvoiceUrl": "https://in.xero.com/x"}) \
        .online_invoice_url == "https://in.xero.com/x"
    assert Address.model_validate({"AddressType": "pobox"}).address_type == "POBOX"


def test_bad_enum_values_name_the_field_and_the_allowed_values() -> None:
    with pytest.raises(ValidationError) as caught:
        Invoice.model_validate({"Status": "PENDING"})
    (error,) = caught.value.errors()
    assert error["loc"] == ("Status",)
    assert "'DRAFT'" in error["msg"] and "'VOIDED'" in error["msg"]
    with pytest.raises(ValidationError):
        Invoice.model_validate({"Total": "twelve"})


# ---- write bodies ---------------------------------------------------------------------------
def test_invoice_input_serialises_to_xero_json() -> None:
    body = InvoiceInput(
        type="accrec", contact=ContactRef(contact_id="c1"), date="2025-01-15",
        due_date=date(2025, 2, 14), line_amount_types="exclusive", reference="R-1",
        line_items=[LineItemInput(description="Oak door", quantity="2",
                                  unit_amount=Decimal("12.35"), account_code="200",
                                  tax_type="OUTPUT2")])
    element = body.to_xero()
    assert element["Date"] == date(2025, 1, 15)
    wire = json.loads(dumps(element))
    assert wire == {"Type": "ACCREC", "Contact": {"ContactID": "c1"}, "LineItems": [
        {"Description": "Oak door", "Quantity": 2, "UnitAmount": 12.35, "AccountCode": "200",
         "TaxType": "OUTPUT2"}], "Date": "2025-01-15", "DueDate": "2025-02-14",
        "LineAmountTypes": "Exclusive", "Reference": "R-1"}
    # Decimal goes out exactly: the bytes carry 12.35, never 12.349999…
    assert b'"UnitAmount":12.35' in dumps(element)


def test_inputs_accept_xero_names_and_refuse_typos() -> None:
    parsed = InvoiceInput.model_validate({
        "Type": "ACCPAY", "Contact": {"Name": "Timberland Supplies"},
        "DueDate": "/Date(1551916800000+0000)/",
        "LineItems": [{"Description": "Timber", "UnitAmount": "10.5"}]})
    assert parsed.due_date == date(2019, 3, 7)
    assert parsed.line_items[0].unit_amount == Decimal("10.5")
    with pytest.raises(ValidationError) as caught:
        InvoiceInput.model_validate({"Type": "ACCREC", "Contact": {"Name": "x"}, "Totl": 1})
    assert caught.value.errors()[0]["loc"] == ("Totl",)
    with pytest.raises(ValidationError) as caught:
        InvoiceInput.model_validate({"Type": "ACCRECCREDIT", "Contact": {"Name": "x"}})
    assert "'ACCREC' or 'ACCPAY'" in caught.value.errors()[0]["msg"]


def test_contact_ref_needs_an_identifier() -> None:
    with pytest.raises(ValidationError, match="ContactID, ContactNumber or Name"):
        ContactRef()


def test_additional_fields_are_merged_but_never_shadow_typed_ones() -> None:
    body = AccountInput(code="201", name="Sales 2", type=AccountType.REVENUE,
                        additional_fields={"ReportingCode": "REV.TRA"})
    assert body.to_xero() == {"ReportingCode": "REV.TRA", "Code": "201", "Name": "Sales 2",
                              "Type": AccountType.REVENUE}
    with pytest.raises(ValidationError, match="repeats typed fields: Name"):
        AccountInput(name="x", additional_fields={"Name": "y"})


def test_contact_and_item_inputs() -> None:
    contact = ContactInput(name="Acme", email_address="a@example.com",
                           addresses=[AddressInput(address_type="pobox", city="Nelson")],
                           phones=[PhoneInput(phone_number="555")])
    assert json.loads(dumps(contact.to_xero())) == {
        "Name": "Acme", "EmailAddress": "a@example.com",
        "Addresses": [{"AddressType": "POBOX", "City": "Nelson"}],
        "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "555"}]}
    item = ItemInput(code="X-1", sales_details=ItemDetailsInput(unit_price="50.69"))
    assert b'"UnitPrice":50.69' in dumps(item.to_xero())
    with pytest.raises(ValidationError) as caught:
        ItemInput(code="x" * 31)
    assert caught.value.errors()[0]["loc"] == ("code",)  # named as the caller named it
