"""Credit notes and their allocation against invoices of the same contact and side."""

from __future__ import annotations

from decimal import Decimal

from ledgerlink.emulator.xero.arithmetic import round2
from ledgerlink.emulator.xero.errors import NotFound
from ledgerlink.emulator.xero.models import contacts as contacts_model
from ledgerlink.emulator.xero.models.base import ElementError, Org, Record, day, dec, find_key, text
from ledgerlink.emulator.xero.models.invoices import find_invoice, resolve_contact
from ledgerlink.emulator.xero.models.lines import (
    apply_totals,
    line_amount_types,
    parse_lines,
    require_accounts,
)
from ledgerlink.emulator.xero.models.settlement import settle_credit_note, settle_invoice
from ledgerlink.emulator.xero.wire import date_string, parse_guid

TYPES = {"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"}
NOT_VALID = "Credit note not of valid status for modification"


def find_credit_note(org: Org, key: str) -> Record | None:
    """A credit note by id or number."""
    ident = parse_guid(key)
    if ident:
        return org.credit_notes.get(ident)
    return next((c for c in org.credit_notes.values() if c.get("CreditNoteNumber") == key), None)


def get_credit_note(org: Org, key: str) -> Record:
    """GET /CreditNotes/{CreditNoteID}."""
    note = find_credit_note(org, key)
    if note is None:
        raise NotFound()
    return note


def _emit(org: Org, note: Record, event_type: str) -> None:
    org.emit("CREDITNOTE", event_type, note["CreditNoteID"],
             {"Type": note["Type"], "Status": note["Status"]})


def _set_status(org: Org, note: Record, status: str) -> None:
    current = note["Status"]
    if status == current:
        return
    allowed = {"DRAFT": {"SUBMITTED", "AUTHORISED", "DELETED"},
               "SUBMITTED": {"DRAFT", "AUTHORISED", "DELETED"},
               "AUTHORISED": {"VOIDED"}}
    if status not in allowed.get(current, set()):
        raise ElementError(NOT_VALID)
    if status == "AUTHORISED":
        require_accounts(note)
    if status == "VOIDED" and (note.get("Allocations") or note.get("Payments")):
        raise ElementError("This credit note has allocations or refunds. Remove them first.")
    note["Status"] = status
    if status == "AUTHORISED":
        note["RemainingCredit"] = note["Total"]
    if status in ("VOIDED", "DELETED"):
        note["RemainingCredit"] = Decimal("0.00")
    org.add_history(note["CreditNoteID"], status.title(), f"Credit note {status.lower()}.")


def _content(org: Org, note: Record, element: Record, unitdp: int) -> None:
    if find_key(element, "Contact") is not None:
        contact = resolve_contact(org, find_key(element, "Contact"))
        note["Contact"] = contacts_model.contact_ref(contact)
    lat = line_amount_types(element, note.get("LineAmountTypes", "Exclusive"))
    raw = find_key(element, "LineItems")
    if raw is not None:
        lines, results = parse_lines(org, raw, note["Type"], lat, unitdp, note.get("LineItems"))
        note["LineItems"], note["LineAmountTypes"] = lines, lat
        apply_totals(note, results, lat)
    when = day(find_key(element, "Date"), "Date")
    if when is not None:
        note["Date"] = when
    for field, limit in (("Reference", 255), ("CreditNoteNumber", 255)):
        value = find_key(element, field)
        if value is not None:
            note[field] = text(value, field, limit)


def create_credit_note(org: Org, element: Record, unitdp: int = 2) -> Record:
    """PUT /CreditNotes element."""
    note_type = str(find_key(element, "Type") or "").upper()
    if note_type not in TYPES:
        raise ElementError("Credit note Type must be ACCRECCREDIT or ACCPAYCREDIT.")
    if find_key(element, "Contact") is None:
        raise ElementError("A credit note needs a Contact.")
    status = str(find_key(element, "Status") or "DRAFT").upper()
    if status not in ("DRAFT", "SUBMITTED", "AUTHORISED"):
        raise ElementError(f"A credit note cannot be created with status {status}.")
    zero = Decimal("0.00")
    note: Record = {"CreditNoteID": org.new_id(), "Type": note_type, "Status": "DRAFT",
                    "Date": org.today(), "LineAmountTypes": "Exclusive", "LineItems": [],
                    "SubTotal": zero, "TotalTax": zero, "Total": zero, "RemainingCredit": zero,
                    "Allocations": [], "Payments": [], "CurrencyCode": org.base_currency,
                    "CurrencyRate": Decimal("1.000000"), "HasAttachments": False,
                    "HasErrors": False, "Reference": ""}
    _content(org, note, element, unitdp)
    if not note.get("CreditNoteNumber") and note_type == "ACCRECCREDIT":
        note["CreditNoteNumber"] = org.next_number("CN-")
    note.setdefault("CreditNoteNumber", "")
    org.put("credit_notes", note["CreditNoteID"], note)
    _set_status(org, note, status)
    note["UpdatedDateUTC"] = org.now()
    contacts_model.mark_role(org, note["Contact"]["ContactID"], note_type)
    _emit(org, note, "CREATE")
    return note


def update_credit_note(org: Org, note: Record, element: Record, unitdp: int = 2) -> Record:
    """POST /CreditNotes/{id}: edit while draft, approve, void or delete."""
    org.remember("credit_notes", note["CreditNoteID"])
    content = any(k not in ("CreditNoteID", "Status", "Reference") for k in element)
    if content:
        if note["Status"] not in ("DRAFT", "SUBMITTED"):
            raise ElementError(NOT_VALID)
        _content(org, note, element, unitdp)
    status = find_key(element, "Status")
    if status:
        _set_status(org, note, str(status).upper())
    if note["Status"] in ("DRAFT", "SUBMITTED"):
        note["RemainingCredit"] = Decimal("0.00")
    note["UpdatedDateUTC"] = org.now()
    _emit(org, note, "UPDATE")
    return note


def upsert_credit_note(org: Org, element: Record, unitdp: int = 2,
                       note_id: str | None = None) -> Record:
    """POST semantics for credit notes."""
    key = note_id or find_key(element, "CreditNoteID")
    if key:
        note = find_credit_note(org, str(key))
        if note is None:
            raise ElementError(f"Credit note {key} could not be found")
        return update_credit_note(org, note, element, unitdp)
    return create_credit_note(org, element, unitdp)


def allocate(org: Org, note_key: str, element: Record) -> Record:
    """PUT /CreditNotes/{id}/Allocations element: apply credit to an invoice."""
    note = get_credit_note(org, note_key)
    ref = find_key(element, "Invoice")
    key = (find_key(ref, "InvoiceID") or find_key(ref, "InvoiceNumber")) \
        if isinstance(ref, dict) else None
    invoice = find_invoice(org, str(key)) if key else None
    if invoice is None:
        raise ElementError("Allocation needs an Invoice that exists (InvoiceID).")
    amount = dec(find_key(element, "Amount"), "Amount")
    if amount is None or amount <= 0:
        raise ElementError("Allocation Amount must be greater than zero.")
    amount = round2(amount)
    _check_allocation(note, invoice, amount)
    when = day(find_key(element, "Date"), "Date") or org.today()
    allocation: Record = {"AllocationID": org.new_id(), "Amount": amount, "Date": when,
                          "Invoice": {"InvoiceID": invoice["InvoiceID"],
                                      "InvoiceNumber": invoice.get("InvoiceNumber", "")},
                          "CreditNote": {"CreditNoteID": note["CreditNoteID"],
                                         "CreditNoteNumber": note.get("CreditNoteNumber", "")},
                          "IsDeleted": False}
    org.remember("credit_notes", note["CreditNoteID"])
    org.remember("invoices", invoice["InvoiceID"])
    note["Allocations"] = [*note["Allocations"], allocation]
    invoice["CreditNotes"] = [*invoice.get("CreditNotes", []), {
        "CreditNoteID": note["CreditNoteID"], "CreditNoteNumber": note.get("CreditNoteNumber"),
        "ID": note["CreditNoteID"], "AllocationID": allocation["AllocationID"],
        "AppliedAmount": amount, "Date": when, "Total": note["Total"]}]
    settle_credit_note(org, note)
    settle_invoice(org, invoice)
    invoice["UpdatedDateUTC"] = note["UpdatedDateUTC"] = org.now()
    org.put("allocations", allocation["AllocationID"], allocation)
    org.emit("INVOICE", "UPDATE", invoice["InvoiceID"])
    _emit(org, note, "UPDATE")
    return allocation


def _check_allocation(note: Record, invoice: Record, amount: Decimal) -> None:
    if note["Status"] != "AUTHORISED" or invoice["Status"] != "AUTHORISED":
        raise ElementError("Both the credit note and the invoice must be approved "
                           "(AUTHORISED) and not fully paid.")
    if TYPES[note["Type"]] != invoice["Type"]:
        raise ElementError("A sales credit note can only be allocated to a sales invoice, and "
                           "a purchase credit note to a bill.")
    if note["Contact"]["ContactID"] != invoice["Contact"]["ContactID"]:
        raise ElementError("The credit note and the invoice must belong to the same contact.")
    if amount > note["RemainingCredit"]:
        raise ElementError("The allocation amount exceeds the remaining credit.")
    if amount > invoice["AmountDue"]:
        raise ElementError("The allocation amount exceeds the amount due on the invoice.")


def delete_allocation(org: Org, note_key: str, allocation_id: str) -> Record:
    """DELETE /CreditNotes/{id}/Allocations/{AllocationID}: the credit returns."""
    note = get_credit_note(org, note_key)
    ident = parse_guid(allocation_id) or ""
    allocation: Record | None = next((a for a in note["Allocations"]
                                      if a["AllocationID"] == ident), None)
    if allocation is None:
        raise NotFound()
    invoice = org.invoices[allocation["Invoice"]["InvoiceID"]]
    note["Allocations"] = [a for a in note["Allocations"] if a["AllocationID"] != ident]
    invoice["CreditNotes"] = [c for c in invoice["CreditNotes"] if c.get("AllocationID") != ident]
    settle_credit_note(org, note)
    settle_invoice(org, invoice)
    allocation["IsDeleted"] = True
    org.allocations.pop(ident, None)
    invoice["UpdatedDateUTC"] = note["UpdatedDateUTC"] = org.now()
    return allocation


def present(note: Record) -> Record:
    """Wire form with companion date string."""
    out: Record = dict(note)
    out["DateString"] = date_string(note["Date"])
    return out
