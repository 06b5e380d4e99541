"""`where` and `order` Xero cannot parse or type: 400 QueryParseException, never an empty 200."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest

from ledgerlink.providers.xero.aging import credit_note_filter, invoice_filter
from ledgerlink.providers.xero.where import Field, Guid, any_of, order_by
from tests.emulator.http.support import contact, invoice, ok, sale

GUID = "aed3707a-aaaa-bbbb-cccc-2c90376dfb94"


def query_error(api: httpx.Client, path: str, **params: str) -> str:
    """The Message of the QueryParseException a list answers with."""
    response = api.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.json() == {"ErrorNumber": 16, "Type": "QueryParseException",
                               "Message": response.json()["Message"]}
    return str(response.json()["Message"])


@pytest.mark.parametrize(("path", "model"), [
    ("/Invoices", "Invoice"), ("/Contacts", "Contact"), ("/Items", "Item"),
    ("/Accounts", "Account"), ("/Payments", "Payment"), ("/CreditNotes", "CreditNote"),
    ("/TaxRates", "TaxRate"), ("/RepeatingInvoices", "RepeatingInvoice"),
    ("/Currencies", "Currency")])
def test_unknown_field_names_the_type(api: httpx.Client, path: str, model: str) -> None:
    # Issue 7 #10: this was a 200 with an empty list.
    message = query_error(api, path, where='Foo=="x"')
    assert message == f"No property or field 'Foo' exists in type '{model}'"


@pytest.mark.parametrize(("path", "where", "message"), [
    ("/Invoices", 'Contact.Foo=="x"', "No property or field 'Foo' exists in type 'Contact'"),
    # Quoted from live answers in public client issues:
    ("/Contacts", f'Contact.ContactID==GUID("{GUID}")',
     "No property or field 'Contact' exists in type 'Contact'"),
    ("/CreditNotes", f"Contact={GUID}",
     "No property or field 'aed3707a' exists in type 'CreditNote'"),
    ("/Invoices", 'LineItems.Description=="x"',
     "No property or field 'Description' exists in type 'LineItem[]'"),
])
def test_unknown_nested_fields(api: httpx.Client, path: str, where: str, message: str) -> None:
    assert query_error(api, path, where=where) == message


@pytest.mark.parametrize(("path", "where", "types"), [
    ("/Items", 'IsSold=="True"', ("==", "Boolean?", "String")),  # verified wording
    ("/Invoices", 'Total=="abc"', ("==", "Decimal?", "String")),
    ("/Invoices", 'Total>"100"', (">", "Decimal?", "String")),  # a string is never a number
    ("/Contacts", f'ContactID=="{GUID}"', ("==", "Guid", "String")),  # verified wording
    ("/Invoices", 'Date>="2024-01-01"', (">=", "DateTime?", "String")),
    ("/Accounts", "Code==200", ("==", "String", "Int32")),
    ("/CreditNotes", f'Contact=="{GUID}"', ("==", "Contact", "String")),
    ("/Items", "IsSold>true", (">", "Boolean?", "Boolean")),
    ("/Payments", "Amount==true", ("==", "Decimal?", "Boolean")),
    ("/Invoices", f'Date==Guid("{GUID}")', ("==", "DateTime?", "Guid")),
])
def test_type_mismatch(api: httpx.Client, path: str, where: str,
                       types: tuple[str, str, str]) -> None:
    op, left, right = types
    assert query_error(api, path, where=where) == (
        f"Operator '{op}' incompatible with operand types '{left}' and '{right}'")


@pytest.mark.parametrize(("path", "where", "message"), [
    ("/Invoices", 'Status!="DELETED" AND ()', "Expression expected"),  # verified wording
    ("/Invoices", "Total>=", "Expression expected"),
    ("/Contacts", 'Name=="unclosed', "Unterminated string literal"),
    ("/Contacts", 'Name=="a")', "Syntax error"),
    ("/Contacts", "Name # 3", "Syntax error '#'"),
    ("/Contacts", '(Name=="a"', "')' or operator expected"),
    ("/Invoices", 'Total.Contains("1")', "No applicable method 'Contains' exists in type "
                                         "'Decimal?'"),
    ("/Contacts", 'Name.Frobnicate("x")', "No applicable method 'Frobnicate' exists in type "
                                          "'String'"),
    ("/Contacts", "Name", "Expression of type 'Boolean' expected"),
])
def test_syntax_errors_are_query_parse_exceptions(api: httpx.Client, path: str, where: str,
                                                  message: str) -> None:
    # Issue 7 #10: a syntax error was a ValidationException.
    assert query_error(api, path, where=where) == message


@pytest.mark.parametrize(("path", "order", "message"), [
    ("/Invoices", "Nope DESC", "No property or field 'Nope' exists in type 'Invoice'"),
    ("/Invoices", "Date DESC, Contact.Nope", "No property or field 'Nope' exists in type "
                                            "'Contact'"),
    ("/Contacts", "Name SIDEWAYS", "Syntax error"),
    ("/Contacts", "Name, , Date", "Expression expected"),
])
def test_bad_order(api: httpx.Client, path: str, order: str, message: str) -> None:
    # Issue 7 #10: an unknown order field was a 200, unsorted.
    assert query_error(api, path, order=order) == message


def test_bad_where_with_a_good_order_and_no_records(api: httpx.Client) -> None:
    assert ok(api.get("/RepeatingInvoices"))["RepeatingInvoices"] == []
    assert query_error(api, "/RepeatingInvoices", where='Foo==1', order="Total") == (
        "No property or field 'Foo' exists in type 'RepeatingInvoice'")


def test_the_hubs_own_queries_still_parse(api: httpx.Client) -> None:
    cid = contact(api, "Hub Queries Ltd")
    made = invoice(api, cid, [sale(10)], Date="2024-01-05", DueDate="2024-02-05")
    day = dt.date(2024, 3, 1)
    for side in ("receivables", "payables"):
        ok(api.get("/Invoices", params={"Statuses": "AUTHORISED,PAID",
                                        "where": str(invoice_filter(side, day))}))
        ok(api.get("/CreditNotes", params={"where": str(credit_note_filter(side, day))}))
    found = any_of(Field("ContactNumber").eq("N-1"), Field("Name").eq("Hub Queries Ltd"),
                   Field("EmailAddress").eq("a@example.com"))
    assert [c["ContactID"] for c in ok(api.get("/Contacts", params={
        "where": str(found)}))["Contacts"]] == [cid]
    by_contact = Field("Contact.ContactID").eq(Guid(uuid.UUID(cid))) & \
        Field("Date").ge(dt.date(2024, 1, 1)) & Field("Total").gt(5)
    listed = ok(api.get("/Invoices", params={"where": str(by_contact),
                                             "order": order_by(("Total", "DESC"), "Date")}))
    assert [i["InvoiceID"] for i in listed["Invoices"]] == [made["InvoiceID"]]
    ok(api.get("/Accounts", params={"where": str(Field("Type").eq("BANK")),
                                    "order": "Code DESC"}))
    ok(api.get("/TaxRates", params={"where": str(Field("Status").eq("ACTIVE"))}))
    ok(api.get("/Payments", params={"where": str(Field("Invoice.InvoiceID").eq(
        Guid(made["InvoiceID"])))}))


@pytest.mark.parametrize(("path", "where"), [
    ("/Items", "IsSold==true"),
    ("/Items", "isSold"),  # names are matched ignoring case, as Dynamic LINQ does
    ("/Items", 'SalesDetails.AccountCode=="200"'),
    ("/Invoices", 'status!="DELETED" AND Date >= DateTime.Parse("2022-06-01T00:00:00")'),
    ("/Invoices", "UpdatedDateUTC>2024-01-05T10:30:00"),  # pyxero's bare ISO timestamps
    ("/Invoices", 'Contact.Name.ToLower().Contains("hub") && AmountDue>0.5 && Reference==null'),
    ("/Contacts", "IsCustomer==true OR IsSupplier==false"),
    ("/Payments", f'Invoice.Contact.ContactID==Guid("{GUID}")'),
    ("/Currencies", 'Code=="NZD"'),
])
def test_well_typed_forms_are_answered(api: httpx.Client, path: str, where: str) -> None:
    ok(api.get(path, params={"where": where}))
