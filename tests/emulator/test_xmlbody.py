"""XML request bodies, checked against the exact bytes pyxero 0.9.5 puts on the wire."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
import requests
from xero.manager import Manager
from xero.paymentmanager import PaymentManager
from xero.utils import OBJECT_NAMES

from ledgerlink.emulator.xero.xmlbody import (
    LIST_FIELDS,
    MAX_DEPTH,
    XmlBodyError,
    parse_xml_body,
    pluralise,
    singularise,
)

CREDS = SimpleNamespace(
    base_url="http://sandbox.invalid", user_agent="ledgerlink-tests", oauth=None
)
CONTACT_ID = "7cc5d0b5-1f0e-4a8b-9a3b-0c58a6d2d1f1"


@dataclass
class Wire:
    """What pyxero handed to `requests`: one entry per call."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    @property
    def body(self) -> bytes:
        data = self.calls[-1]["data"]
        assert isinstance(data, bytes)
        return data


class _Response:
    status_code = 200
    headers: ClassVar[dict[str, str]] = {"content-type": "application/json; charset=utf-8"}
    text = json.dumps({"Status": "OK"})


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    captured = Wire()

    def send(method: str) -> Any:
        def fake(uri: str, **kwargs: Any) -> _Response:
            captured.calls.append({"method": method, "uri": uri, **kwargs})
            return _Response()

        return fake

    for method in ("put", "post"):
        monkeypatch.setattr(requests, method, send(method))
    return captured


# --- real pyxero bodies ---------------------------------------------------------------------

INVOICE: dict[str, Any] = {
    "Type": "ACCREC",
    "Contact": {"ContactID": CONTACT_ID},
    "Date": date(2024, 3, 1),
    "DueDate": date(2024, 3, 31),
    "LineAmountTypes": "Exclusive",
    "Reference": "Café & <Co>",
    "Status": "AUTHORISED",
    "SentToContact": True,
    "UpdatedDateUTC": "dropped by pyxero",
    "LineItems": [
        {
            "Description": "Widget",
            "Quantity": Decimal("2"),
            "UnitAmount": Decimal("45.45"),
            "AccountCode": "200",
            "TaxType": "OUTPUT2",
            "Tracking": [{"Name": "Region", "Option": "North"}],
        },
        {"Description": "Consulting", "Quantity": 1.5, "UnitAmount": 100, "DiscountRate": 10},
    ],
}

INVOICE_PARSED: dict[str, Any] = {
    "Type": "ACCREC",
    "Contact": {"ContactID": CONTACT_ID},
    "Date": "2024-03-01T00:00:00",
    "DueDate": "2024-03-31T00:00:00",
    "LineAmountTypes": "Exclusive",
    "Reference": "Café & <Co>",
    "Status": "AUTHORISED",
    "SentToContact": "true",
    "LineItems": [
        {
            "Description": "Widget",
            "Quantity": "2",
            "UnitAmount": "45.45",
            "AccountCode": "200",
            "TaxType": "OUTPUT2",
            "Tracking": [{"Name": "Region", "Option": "North"}],
        },
        {"Description": "Consulting", "Quantity": "1.5", "UnitAmount": "100", "DiscountRate": "10"},
    ],
}


def test_invoice_with_line_items_and_contact(wire: Wire) -> None:
    Manager("Invoices", CREDS).put(INVOICE)
    call = wire.calls[-1]
    assert call["method"] == "put"
    assert call["uri"] == "http://sandbox.invalid/api.xro/2.0/Invoices"
    assert call["headers"]["Content-Type"] == "application/xml"
    assert wire.body.startswith(b"<Invoice><Type>ACCREC</Type><Contact><ContactID>")
    assert b"<LineItems><LineItem>" in wire.body
    assert b"<Tracking><TrackingCategory>" in wire.body
    assert parse_xml_body(wire.body) == {"Invoices": [INVOICE_PARSED]}


def test_invoice_list_uses_plural_root(wire: Wire) -> None:
    second = {"Type": "ACCPAY", "Contact": {"Name": "Supplier"}, "LineItems": []}
    Manager("Invoices", CREDS).save([INVOICE, second])
    assert wire.calls[-1]["method"] == "post"
    assert wire.body.startswith(b"<Invoices><Invoice>")
    parsed = parse_xml_body(wire.body)
    assert parsed == {
        "Invoices": [
            INVOICE_PARSED,
            {"Type": "ACCPAY", "Contact": {"Name": "Supplier"}, "LineItems": []},
        ]
    }


def test_contact_with_addresses_phones_and_nested_objects(wire: Wire) -> None:
    contact = {
        "Name": "ABC Ltd",
        "EmailAddress": "",
        "IsCustomer": True,
        "IsSupplier": False,
        "Addresses": [
            {"AddressType": "POBOX", "AddressLine1": "PO Box 1", "City": "Wellington"},
            {"AddressType": "STREET", "City": ""},
        ],
        "Phones": [
            {"PhoneType": "DEFAULT", "PhoneNumber": "847-1294", "PhoneAreaCode": "(626)"},
            {"PhoneType": "MOBILE", "PhoneNumber": ""},
        ],
        "ContactPersons": [{"FirstName": "Kat", "IncludeInEmails": True}],
        "ContactGroups": [],
        "PaymentTerms": {"Bills": {"Day": 15, "Type": "OFCURRENTMONTH"}},
        "SalesDetails": {"AccountCode": "200"},
    }
    Manager("Contacts", CREDS).put(contact)
    assert b"<Addresses><Address>" in wire.body
    assert b"<Phones><Phone>" in wire.body
    assert parse_xml_body(wire.body) == {
        "Contacts": [
            {
                "Name": "ABC Ltd",
                "EmailAddress": "",
                "IsCustomer": "true",
                "IsSupplier": "false",
                "Addresses": [
                    {"AddressType": "POBOX", "AddressLine1": "PO Box 1", "City": "Wellington"},
                    {"AddressType": "STREET", "City": ""},
                ],
                "Phones": [
                    {"PhoneType": "DEFAULT", "PhoneNumber": "847-1294", "PhoneAreaCode": "(626)"},
                    {"PhoneType": "MOBILE", "PhoneNumber": ""},
                ],
                "ContactPersons": [{"FirstName": "Kat", "IncludeInEmails": "true"}],
                "ContactGroups": [],
                "PaymentTerms": {"Bills": {"Day": "15", "Type": "OFCURRENTMONTH"}},
                "SalesDetails": {"AccountCode": "200"},
            }
        ]
    }


def test_payment_deletion(wire: Wire) -> None:
    PaymentManager("Payments", CREDS).delete("b26fd49a-cbae-470a-a8f8-bcbc119e0379")
    call = wire.calls[-1]
    assert call["method"] == "post"
    assert call["uri"].endswith("/Payments/b26fd49a-cbae-470a-a8f8-bcbc119e0379")
    assert wire.body == b"<Payment><Status>DELETED</Status></Payment>"
    assert parse_xml_body(wire.body) == {"Payments": [{"Status": "DELETED"}]}


def test_payment_creation(wire: Wire) -> None:
    payment = {
        "Invoice": {"InvoiceID": "inv-1"},
        "Account": {"Code": "090"},
        "Date": date(2024, 4, 2),
        "Amount": Decimal("100.00"),
        "Reference": "",
    }
    PaymentManager("Payments", CREDS).put(payment)
    assert parse_xml_body(wire.body) == {
        "Payments": [
            {
                "Invoice": {"InvoiceID": "inv-1"},
                "Account": {"Code": "090"},
                "Date": "2024-04-02T00:00:00",
                "Amount": "100.00",
                "Reference": "",
            }
        ]
    }


def test_history_note(wire: Wire) -> None:
    Manager("Invoices", CREDS).put_history("inv-1", "Called the customer")
    assert wire.calls[-1]["uri"].endswith("/Invoices/inv-1/history")
    assert parse_xml_body(wire.body) == {"HistoryRecords": [{"Details": "Called the customer"}]}


def test_credit_note_allocation(wire: Wire) -> None:
    allocation = {"Invoice": {"InvoiceID": "inv-1"}, "Amount": Decimal("10.00")}
    Manager("CreditNotes", CREDS).put_allocation("cn-1", allocation)
    assert parse_xml_body(wire.body) == {
        "Allocations": [{"Invoice": {"InvoiceID": "inv-1"}, "AppliedAmount": "10.00"}]
    }


def test_tax_rate_components(wire: Wire) -> None:
    rate = {
        "Name": "GST + PST",
        "TaxComponents": [
            {"Name": "GST", "Rate": Decimal("5.0000"), "IsCompound": False},
            {"Name": "PST", "Rate": Decimal("7.0000"), "IsCompound": True},
        ],
    }
    Manager("TaxRates", CREDS).put(rate)
    assert parse_xml_body(wire.body) == {
        "TaxRates": [
            {
                "Name": "GST + PST",
                "TaxComponents": [
                    {"Name": "GST", "Rate": "5.0000", "IsCompound": "False"},
                    {"Name": "PST", "Rate": "7.0000", "IsCompound": "True"},
                ],
            }
        ]
    }


def test_pyxero_flattened_list_is_regrouped(wire: Wire) -> None:
    # "Options" is missing from pyxero's OBJECT_NAMES, so it writes the items' fields inline.
    category = {"Name": "Region", "Options": [{"Name": "North"}, {"Name": "South"}]}
    Manager("TrackingCategories", CREDS).put(category)
    assert b"<Options><Name>North</Name><Name>South</Name></Options>" in wire.body
    assert parse_xml_body(wire.body) == {
        "TrackingCategories": [
            {"Name": "Region", "Options": [{"Name": "North"}, {"Name": "South"}]}
        ]
    }


def test_flattened_allocations_inside_an_object() -> None:
    body = (
        b"<CreditNote><Allocations><Invoice><InvoiceID>a</InvoiceID></Invoice><Amount>1</Amount>"
        b"<Invoice><InvoiceID>b</InvoiceID></Invoice><Amount>2</Amount></Allocations>"
        b"<ValidationErrors><Message>x</Message></ValidationErrors></CreditNote>"
    )
    assert parse_xml_body(body) == {
        "CreditNotes": [
            {
                "Allocations": [
                    {"Invoice": {"InvoiceID": "a"}, "Amount": "1"},
                    {"Invoice": {"InvoiceID": "b"}, "Amount": "2"},
                ],
                "ValidationErrors": [{"Message": "x"}],
            }
        ]
    }


def test_unit_price_4dps_body_is_unchanged(wire: Wire) -> None:
    Manager("Items", CREDS, unit_price_4dps=True).put(
        {"Code": "W1", "SalesDetails": {"UnitPrice": Decimal("1.2345")}, "IsSold": True}
    )
    assert wire.calls[-1]["params"] == {"unitdp": 4}
    assert parse_xml_body(wire.body) == {
        "Items": [{"Code": "W1", "SalesDetails": {"UnitPrice": "1.2345"}, "IsSold": "true"}]
    }


# --- hand-written bodies -----------------------------------------------------------------------


def test_declaration_whitespace_and_str_input() -> None:
    body = """<?xml version="1.0" encoding="UTF-8"?>
    <Contacts>
      <Contact>
        <Name> Kiwi  Ltd </Name>
        <Phones>
          <Phone><PhoneType>DEFAULT</PhoneType></Phone>
        </Phones>
      </Contact>
    </Contacts>
    """
    expected = {"Contacts": [{"Name": " Kiwi  Ltd ", "Phones": [{"PhoneType": "DEFAULT"}]}]}
    assert parse_xml_body(body.encode()) == expected
    assert parse_xml_body(body.split("?>", 1)[1]) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<Invoices/>", {"Invoices": []}),
        (b"<Invoice/>", {"Invoices": [{}]}),
        (b"<Currency><Code>NZD</Code></Currency>", {"Currencies": [{"Code": "NZD"}]}),
        (b"<Invoices><Invoice/></Invoices>", {"Invoices": [{}]}),
        (
            b"<Invoice><LineItems/><Status/><EmailAddress/><Details></Details></Invoice>",
            {"Invoices": [{"LineItems": [], "Status": "", "EmailAddress": "", "Details": ""}]},
        ),
        (
            b"<Invoice><LineItems><LineItem/></LineItems><Tracking></Tracking></Invoice>",
            {"Invoices": [{"LineItems": [{}], "Tracking": []}]},
        ),
        (
            b'<x:Payment xmlns:x="urn:x"><x:Status>DELETED</x:Status></x:Payment>',
            {"Payments": [{"Status": "DELETED"}]},
        ),
        (
            b"<ContactGroup><Name>VIP</Name><Contacts><Contact><ContactID>c</ContactID>"
            b"</Contact></Contacts></ContactGroup>",
            {"ContactGroups": [{"Name": "VIP", "Contacts": [{"ContactID": "c"}]}]},
        ),
        (
            b"<Invoice><Balances><AccountsReceivable><Outstanding>1</Outstanding>"
            b"</AccountsReceivable></Balances></Invoice>",
            {"Invoices": [{"Balances": {"AccountsReceivable": {"Outstanding": "1"}}}]},
        ),
    ],
)
def test_shapes(body: bytes, expected: dict[str, Any]) -> None:
    assert parse_xml_body(body) == expected


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<Invoice><Type>ACCREC</Invoice>", "Malformed"),
        (b"not xml at all", "Malformed"),
        (b"<Invoice></Invoice><Invoice/>", "Malformed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;">]><Invoice><Reference>&b;</Reference></Invoice>',
            "refused",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b"<Invoice><Reference>&e;</Reference></Invoice>",
            "refused",
        ),
        (b"<Invoice>text</Invoice>", "not text"),
        (b"<Invoice>text<Type>A</Type></Invoice>", "mixes text"),
        (b"<Invoice><Type>A</Type>tail</Invoice>", "mixes text"),
        (b"<Invoice><Type>A</Type><Type>B</Type></Invoice>", "more than once"),
        (b"<Invoices><Contact/></Invoices>", "only <Invoice>"),
        (b"<Invoice><LineItems><LineItem/><Foo/></LineItems></Invoice>", "mixes <LineItem>"),
    ],
)
def test_errors(body: bytes, message: str) -> None:
    with pytest.raises(XmlBodyError, match=message):
        parse_xml_body(body)


def test_error_is_a_value_error() -> None:
    assert issubclass(XmlBodyError, ValueError)
    with pytest.raises(ValueError):
        parse_xml_body(b"<")


def test_depth_is_limited() -> None:
    ok_depth = MAX_DEPTH - 2
    ok = b"<Invoice>" + b"<A>" * ok_depth + b"x" + b"</A>" * ok_depth + b"</Invoice>"
    assert parse_xml_body(ok)["Invoices"][0]["A"]["A"]
    deep = b"<Invoice>" + b"<A>" * 5000 + b"</A>" * 5000 + b"</Invoice>"
    with pytest.raises(XmlBodyError, match="deeper"):
        parse_xml_body(deep)


# --- names ------------------------------------------------------------------------------------

NAMED = {
    "Invoice": "Invoices",
    "Contact": "Contacts",
    "Payment": "Payments",
    "Item": "Items",
    "Account": "Accounts",
    "CreditNote": "CreditNotes",
    "TaxRate": "TaxRates",
    "RepeatingInvoice": "RepeatingInvoices",
    "HistoryRecord": "HistoryRecords",
    "Allocation": "Allocations",
    "ContactGroup": "ContactGroups",
    "ManualJournal": "ManualJournals",
    "BankTransaction": "BankTransactions",
    "Currency": "Currencies",
    "TrackingCategory": "TrackingCategories",
    "Address": "Addresses",
    "Status": "Statuses",
    "Key": "Keys",
}


@pytest.mark.parametrize(("one", "many"), sorted(NAMED.items()))
def test_pluralise_and_singularise(one: str, many: str) -> None:
    assert pluralise(one) == many
    assert singularise(many) == one
    assert singularise(one) == one


@pytest.mark.parametrize(("many", "one"), sorted(OBJECT_NAMES.items()))
def test_singularise_agrees_with_pyxero(many: str, one: str) -> None:
    assert singularise(many) == one
    if many not in {"Organisation", "Inbox", "Tracking"}:  # not regular plurals
        assert pluralise(one) == many


@pytest.mark.parametrize("name", ["EmailAddress", "Status", "Organisation", "IsSupplier", ""])
def test_singular_names_stay_put(name: str) -> None:
    assert singularise(name) == name


def test_accounting_containers_are_known_list_fields() -> None:
    accounting = set(OBJECT_NAMES) - {"Organisation", "Inbox", "Associations", "Files", "Folders"}
    payroll_or_projects = {
        name for name in accounting if name.endswith("Lines") and name != "JournalLines"
    } | {"LeaveBalances", "PayRuns", "PayrollCalendars", "Projects", "SuperMemberships"}
    assert accounting - payroll_or_projects - LIST_FIELDS == {"BankAccounts"}
    assert {"LineItems", "Tracking", "Allocations", "Options", "HistoryRecords"} <= LIST_FIELDS
