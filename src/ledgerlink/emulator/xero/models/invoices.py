"""Invoices and bills: creation, updates and Xero's status lifecycle, delete and void rules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from ledgerlink.emulator.xero.errors import NotFound
from ledgerlink.emulator.xero.models import contacts as contacts_model
from ledgerlink.emulator.xero.models.base import (
    ElementError,
    Org,
    Record,
    day,
    dec,
    find_key,
    flag,
    text,
)
from ledgerlink.emulator.xero.models.lines import (
    apply_totals,
    line_amount_types,
    parse_lines,
    require_accounts,
)
from ledgerlink.emulator.xero.models.settlement import settle_invoice
from ledgerlink.emulator.xero.wire import date_string, parse_guid

TYPES = {"ACCREC", "ACCPAY"}
CREATE_STATUSES = {"DRAFT", "SUBMITTED", "AUTHORISED"}
EDITABLE = {"DRAFT", "SUBMITTED", "AUTHORISED"}
ALWAYS_EDITABLE = {"SentToContact", "ExpectedPaymentDate", "PlannedPaymentDate", "Reference",
                   "InvoiceID", "Status", "Url", "BrandingThemeID"}
NOT_VALID = "Invoice not of valid status for modification"
CONTACT_REQUIRED = ("The Contact must contain at least 1 of the following elements to identify "
                    "the contact: Name, ContactID, ContactNumber")
DEFAULT_TERMS_DAYS = 30


def resolve_contact(org: Org, raw: Any) -> Record:
    """Find the document's contact by id, number or name; a new name creates the contact."""
    if not isinstance(raw, dict) or not any(find_key(raw, k) for k in
                                            ("ContactID", "ContactNumber", "Name")):
        raise ElementError(CONTACT_REQUIRED)
    found = contacts_model.find_contact(org, raw)
    if found is not None:
        return found
    if find_key(raw, "ContactID"):
        raise ElementError(f"Contact with ContactID {find_key(raw, 'ContactID')} could not be "
                           "found")
    if not find_key(raw, "Name"):
        raise ElementError(CONTACT_REQUIRED)
    return contacts_model.create_contact(org, raw)


def find_invoice(org: Org, key: str) -> Record | None:
    """An invoice by InvoiceID (any GUID form) or by InvoiceNumber."""
    ident = parse_guid(key)
    if ident:
        return org.invoices.get(ident)
    return next((i for i in org.invoices.values() if i.get("InvoiceNumber") == key and
                 i["Status"] != "DELETED"), None) or next(
        (i for i in org.invoices.values() if i.get("InvoiceNumber") == key), None)


def get_invoice(org: Org, key: str) -> Record:
    """GET /Invoices/{InvoiceID} (an InvoiceNumber works too)."""
    invoice = find_invoice(org, key)
    if invoice is None:
        raise NotFound()
    return invoice


def _number(org: Org, invoice: Record, element: Record) -> None:
    number = text(find_key(element, "InvoiceNumber"), "InvoiceNumber", 255)
    if number:
        if invoice["Type"] == "ACCREC" and any(
                i.get("InvoiceNumber") == number and i["InvoiceID"] != invoice["InvoiceID"]
                and i["Type"] == "ACCREC" and i["Status"] != "DELETED"
                for i in org.invoices.values()):
            raise ElementError("Invoice # must be unique.")
        invoice["InvoiceNumber"] = number
    elif invoice["Type"] == "ACCREC" and not invoice.get("InvoiceNumber"):
        candidate = org.next_number(str(org.info.get("InvoicePrefix") or "INV-"))
        while any(i.get("InvoiceNumber") == candidate for i in org.invoices.values()):
            candidate = org.next_number(str(org.info.get("InvoicePrefix") or "INV-"))
        invoice["InvoiceNumber"] = candidate


def _dates(org: Org, invoice: Record, element: Record) -> None:
    when = day(find_key(element, "Date"), "Date")
    if when is not None or "Date" not in invoice:
        invoice["Date"] = when or org.today()
    due = day(find_key(element, "DueDate"), "DueDate")
    if due is not None:
        invoice["DueDate"] = due
    if invoice.get("DueDate") and invoice["DueDate"] < invoice["Date"]:
        raise ElementError("Due Date cannot be earlier than the invoice date.")
    for field in ("ExpectedPaymentDate", "PlannedPaymentDate"):
        value = day(find_key(element, field), field)
        if value is not None:
            invoice[field] = value


def _content(org: Org, invoice: Record, element: Record, unitdp: int) -> None:
    """Contact, lines, amounts types and references: only while the invoice is editable."""
    if find_key(element, "Contact") is not None:
        contact = resolve_contact(org, find_key(element, "Contact"))
        invoice["Contact"] = contacts_model.contact_ref(contact)
    lat = line_amount_types(element, invoice.get("LineAmountTypes", "Exclusive"))
    raw_lines = find_key(element, "LineItems")
    if raw_lines is not None or lat != invoice.get("LineAmountTypes"):
        source = raw_lines if raw_lines is not None else _as_raw(invoice.get("LineItems", []))
        lines, results = parse_lines(org, source, invoice["Type"], lat, unitdp,
                                     invoice.get("LineItems"))
        invoice["LineItems"] = lines
        invoice["LineAmountTypes"] = lat
        apply_totals(invoice, results, lat)
    currency = find_key(element, "CurrencyCode")
    if currency:
        code = str(currency).upper()
        if code != org.base_currency and code not in org.currencies:
            raise ElementError(f"The currency {code} is not enabled for this organisation.")
        invoice["CurrencyCode"] = code
    rate = dec(find_key(element, "CurrencyRate"), "CurrencyRate")
    if rate is not None:
        invoice["CurrencyRate"] = rate


def _as_raw(lines: list[Record]) -> list[Record]:
    return [{k: v for k, v in line.items() if k not in ("TaxAmount", "LineAmount")}
            for line in lines]


def _fields(invoice: Record, element: Record) -> None:
    for field, limit in (("Reference", 255), ("Url", 2000), ("BrandingThemeID", 36)):
        value = find_key(element, field)
        if value is not None:
            invoice[field] = text(value, field, limit)
    sent = find_key(element, "SentToContact")
    if sent is not None:
        invoice["SentToContact"] = flag(sent, "SentToContact")


def _content_change(element: Record) -> bool:
    return any(k not in ALWAYS_EDITABLE for k in element)


def set_status(org: Org, invoice: Record, status: str) -> None:
    """Move along Xero's lifecycle; PAID only ever follows from payments."""
    current = invoice["Status"]
    if status == current:
        return
    if status == "PAID":
        raise ElementError("An invoice cannot be set to PAID; apply payments instead.")
    if status == "DELETED":
        if current not in ("DRAFT", "SUBMITTED"):
            raise ElementError(NOT_VALID)
    elif status == "VOIDED":
        if current != "AUTHORISED":
            raise ElementError(NOT_VALID)
        if invoice.get("AmountPaid") or invoice.get("AmountCredited"):
            raise ElementError("This invoice has payments or credits applied. Remove them "
                               "before voiding the invoice.")
    elif status in ("DRAFT", "SUBMITTED"):
        if current not in ("DRAFT", "SUBMITTED"):
            raise ElementError(NOT_VALID)
    elif status == "AUTHORISED":
        if current not in ("DRAFT", "SUBMITTED"):
            raise ElementError(NOT_VALID)
        require_accounts(invoice)
        if invoice["Total"] < 0:
            raise ElementError("The total of an invoice cannot be negative.")
        invoice.setdefault("DueDate", invoice["Date"] + timedelta(days=DEFAULT_TERMS_DAYS))
    else:
        raise ElementError(f"Status '{status}' is not valid for an invoice.")
    invoice["Status"] = status
    if status in ("VOIDED", "DELETED"):
        invoice["AmountDue"] = Decimal("0.00")
    org.add_history(invoice["InvoiceID"], _verb(status), f"{_label(invoice)} {status.lower()}.")


def _verb(status: str) -> str:
    return {"AUTHORISED": "Approved", "SUBMITTED": "Submitted", "DELETED": "Deleted",
            "VOIDED": "Voided", "DRAFT": "Edited"}.get(status, "Updated")


def _label(invoice: Record) -> str:
    kind = "Invoice" if invoice["Type"] == "ACCREC" else "Bill"
    return f"{kind} {invoice.get('InvoiceNumber') or ''}".strip()


def create_invoice(org: Org, element: Record, unitdp: int = 2) -> Record:
    """PUT /Invoices element (and POST without an InvoiceID)."""
    inv_type = str(find_key(element, "Type") or "").upper()
    if inv_type not in TYPES:
        raise ElementError("Invoice Type must be ACCREC or ACCPAY.")
    status = str(find_key(element, "Status") or "DRAFT").upper()
    if status not in CREATE_STATUSES:
        raise ElementError(f"An invoice cannot be created with status {status}.")
    if find_key(element, "Contact") is None:
        raise ElementError(CONTACT_REQUIRED)
    invoice: Record = {
        "InvoiceID": org.new_id(), "Type": inv_type, "Status": "DRAFT",
        "LineAmountTypes": "Exclusive", "LineItems": [], "CurrencyCode": org.base_currency,
        "CurrencyRate": Decimal("1.000000"), "Payments": [], "CreditNotes": [],
        "Prepayments": [], "Overpayments": [], "AmountPaid": Decimal("0.00"),
        "AmountCredited": Decimal("0.00"), "HasAttachments": False, "SentToContact": False,
        "HasErrors": False, "IsDiscounted": False, "Reference": "",
        "SubTotal": Decimal("0.00"), "TotalTax": Decimal("0.00"), "Total": Decimal("0.00"),
    }
    _dates(org, invoice, element)
    _content(org, invoice, element, unitdp)
    _number(org, invoice, element)
    _fields(invoice, element)
    invoice["AmountDue"] = invoice["Total"]
    org.put("invoices", invoice["InvoiceID"], invoice)
    org.add_history(invoice["InvoiceID"], "Created", f"{_label(invoice)} created.")
    set_status(org, invoice, status)
    invoice["UpdatedDateUTC"] = org.now()
    contacts_model.mark_role(org, invoice["Contact"]["ContactID"], inv_type)
    org.emit("INVOICE", "CREATE", invoice["InvoiceID"])
    return invoice


def update_invoice(org: Org, invoice: Record, element: Record, unitdp: int = 2) -> Record:
    """POST /Invoices/{id} or a POST element that names an existing invoice."""
    org.remember("invoices", invoice["InvoiceID"])
    current = invoice["Status"]
    if current in ("PAID", "VOIDED", "DELETED"):
        status = str(find_key(element, "Status") or current).upper()
        if _content_change(element) or status != current:
            raise ElementError(NOT_VALID)
    elif _content_change(element):
        if current == "AUTHORISED" and (invoice["AmountPaid"] or invoice["AmountCredited"]):
            raise ElementError("This document cannot be edited as it has a payment or credit "
                               "note allocated to it.")
        new_type = find_key(element, "Type")
        if new_type and str(new_type).upper() != invoice["Type"]:
            raise ElementError("The Type of an existing invoice cannot be changed.")
        _dates(org, invoice, element)
        _content(org, invoice, element, unitdp)
        _number(org, invoice, element)
        if current == "AUTHORISED":
            require_accounts(invoice)
    else:
        _dates(org, invoice, element)
    _fields(invoice, element)
    settle_invoice(org, invoice) if invoice["Status"] in ("AUTHORISED", "PAID") else \
        invoice.__setitem__("AmountDue", invoice["Total"])
    status = find_key(element, "Status")
    if status:
        set_status(org, invoice, str(status).upper())
    invoice["UpdatedDateUTC"] = org.now()
    org.emit("INVOICE", "UPDATE", invoice["InvoiceID"])
    return invoice


def upsert_invoice(org: Org, element: Record, unitdp: int = 2,
                   invoice_id: str | None = None) -> Record:
    """POST semantics: update when InvoiceID (or an ACCREC InvoiceNumber) names one."""
    key = invoice_id or find_key(element, "InvoiceID")
    if key:
        found = find_invoice(org, str(key))
        if found is None:
            raise ElementError(f"Invoice with InvoiceID {key} could not be found")
        return update_invoice(org, found, element, unitdp)
    number = find_key(element, "InvoiceNumber")
    if number:
        found = next((i for i in org.invoices.values() if i.get("InvoiceNumber") == number
                      and i["Type"] == "ACCREC" and i["Status"] != "DELETED"), None)
        if found is not None and str(find_key(element, "Type") or "ACCREC").upper() == "ACCREC":
            return update_invoice(org, found, element, unitdp)
    return create_invoice(org, element, unitdp)


def present(invoice: Record, lines: bool = True, unitdp: int = 2) -> Record:
    """The wire form: companion date strings, line items only where Xero includes them."""
    out = dict(invoice)
    out["DateString"] = date_string(invoice["Date"])
    if invoice.get("DueDate"):
        out["DueDateString"] = date_string(invoice["DueDate"])
    if not lines:
        out.pop("LineItems", None)
    elif unitdp == 2:
        out["LineItems"] = [{**line, "UnitAmount": line["UnitAmount"].quantize(Decimal("0.01"))}
                            for line in invoice.get("LineItems", [])]
    return out


def matches_search(invoice: Record, term: str) -> bool:
    """searchTerm over InvoiceNumber and Reference, case-insensitive."""
    needle = term.lower()
    return needle in str(invoice.get("InvoiceNumber") or "").lower() or \
        needle in str(invoice.get("Reference") or "").lower()
