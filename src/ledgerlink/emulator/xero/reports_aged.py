"""Aged receivables and payables: what each document still owed as at a date, and its ageing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from ledgerlink.emulator.xero.errors import BadRequest
from ledgerlink.emulator.xero.ledger import POSTED, ZERO, as_money, rate_of, to_base
from ledgerlink.emulator.xero.models.base import Org, Record
from ledgerlink.emulator.xero.reports_base import (
    Params,
    Row,
    attr,
    cell_date,
    header,
    long_date,
    report,
    row,
    section,
    summary,
)

BUCKETS = ("Current", "1-30", "31-60", "61-90", "90+")
CREDIT_TYPES = {"ACCREC": "ACCRECCREDIT", "ACCPAY": "ACCPAYCREDIT"}


# ---- what a document owed on a date ---------------------------------------------------------
def _is_credit(doc: Record) -> bool:
    return "CreditNoteID" in doc


def _on_or_before(when: Any, as_at: date) -> bool:
    return isinstance(when, date) and when <= as_at


def _paid(org: Org, doc: Record, as_at: date) -> Decimal:
    """Live payments (refunds, for a credit note) dated on or before `as_at`."""
    ref_key, id_key = ("CreditNote", "CreditNoteID") if _is_credit(doc) else ("Invoice",
                                                                             "InvoiceID")
    doc_id = doc[id_key]
    total = ZERO
    for payment in org.payments.values():
        if ((payment.get(ref_key) or {}).get(id_key) == doc_id
                and payment.get("Status", "AUTHORISED") == "AUTHORISED"
                and _on_or_before(payment.get("Date"), as_at)):
            total += Decimal(payment.get("Amount") or 0)
    # A payment the document lists but the payments collection does not know still counts.
    for listed in doc.get("Payments") or []:
        if listed.get("PaymentID") not in org.payments and _on_or_before(listed.get("Date"),
                                                                          as_at):
            total += Decimal(listed.get("Amount") or 0)
    return total


def _allocations(org: Org) -> Iterable[tuple[Record, Record | None]]:
    """Every credit allocation once, with the credit note it came from (when known)."""
    seen: set[str] = set()
    for note in org.credit_notes.values():
        for alloc in note.get("Allocations") or []:
            seen.add(str(alloc.get("AllocationID")))
            yield alloc, note
    for alloc in org.allocations.values():
        if str(alloc.get("AllocationID")) not in seen and not alloc.get("IsDeleted"):
            note_id = (alloc.get("CreditNote") or {}).get("CreditNoteID")
            yield alloc, org.credit_notes.get(note_id) if note_id else None


def _credited(org: Org, doc: Record, as_at: date) -> Decimal:
    """Credit allocated to (from, for a credit note) the document on or before `as_at`."""
    total = ZERO
    for alloc, note in _allocations(org):
        if note is not None and note.get("Status") not in POSTED:
            continue
        if _is_credit(doc):
            hit = note is not None and note.get("CreditNoteID") == doc["CreditNoteID"]
        else:
            hit = (alloc.get("Invoice") or {}).get("InvoiceID") == doc["InvoiceID"]
        when = alloc.get("Date") or (note or {}).get("Date")
        if hit and _on_or_before(when, as_at):
            total += Decimal(alloc.get("Amount") or 0)
    if not _is_credit(doc):
        # Credits the invoice lists whose credit note record we cannot see.
        for listed in doc.get("CreditNotes") or []:
            if (listed.get("CreditNoteID") not in org.credit_notes
                    and _on_or_before(listed.get("Date") or doc.get("Date"), as_at)):
                total += Decimal(listed.get("AppliedAmount") or 0)
    return total


def settlement(org: Org, doc: Record, as_at: date) -> tuple[Decimal, Decimal, Decimal]:
    """(paid, credited, due) of an invoice or credit note as it stood at the end of `as_at`."""
    if doc.get("Status") not in POSTED or not _on_or_before(doc.get("Date"), as_at):
        return ZERO, ZERO, ZERO
    paid, credited = _paid(org, doc, as_at), _credited(org, doc, as_at)
    return paid, credited, Decimal(doc.get("Total") or 0) - paid - credited


def outstanding_as_at(org: Org, doc: Record, as_at: date) -> Decimal:
    """What the document still owed (a credit note: had left to use) at the end of `as_at`,
    in the document's own currency."""
    return settlement(org, doc, as_at)[2]


def _base_due(org: Org, doc: Record, as_at: date) -> Decimal:
    """What the document owed as at a date, in base currency; credit notes negative."""
    due = to_base(outstanding_as_at(org, doc, as_at), rate_of(org, doc))
    return -due if _is_credit(doc) else due


# ---- ageing ---------------------------------------------------------------------------------
def days_overdue(doc: Record, as_at: date) -> int:
    """Days past the due date (a credit note ages from its date); zero or less is not due."""
    due = doc.get("DueDate") or doc.get("Date")
    return (as_at - due).days if isinstance(due, date) else 0


def bucket_of(days: int) -> str:
    """Current (not yet overdue), 1-30, 31-60, 61-90 or 90+ days overdue."""
    if days <= 0:
        return "Current"
    if days <= 30:
        return "1-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"


def _documents(org: Org, types: set[str]) -> list[Record]:
    """Posted invoices and credit notes of the given Types (e.g. ACCREC, ACCRECCREDIT)."""
    docs = [d for d in (*org.invoices.values(), *org.credit_notes.values())
            if d.get("Type") in types and d.get("Status") in POSTED]
    return sorted(docs, key=lambda d: (d["Date"], str(_number(d))))


def _contact_name(org: Org, contact_id: str, docs: list[Record]) -> str:
    contact = org.contacts.get(contact_id)
    if contact is not None:
        return str(contact.get("Name") or "")
    return next((str(d["Contact"].get("Name") or "") for d in docs if d.get("Contact")), "")


def aging_buckets(org: Org, types: set[str], as_at: date) -> list[dict[str, Any]]:
    """Per contact, what was owed as at a date split by days overdue (credit notes negative).

    Each entry: ContactID, Name, then Decimal amounts (base currency) under Current, 1-30,
    31-60, 61-90, 90+ and Total. Contacts owing nothing are left out.
    """
    out: dict[str, dict[str, Any]] = {}
    for doc in _documents(org, types):
        amount = _base_due(org, doc, as_at)
        if not amount:
            continue
        contact = doc.get("Contact") or {}
        contact_id = str(contact.get("ContactID"))
        name = str(contact.get("Name") or "")
        entry = out.setdefault(contact_id, {"ContactID": contact_id, "Name": name,
                                            **dict.fromkeys(BUCKETS, ZERO), "Total": ZERO})
        entry[bucket_of(days_overdue(doc, as_at))] += amount
        entry["Total"] += amount
    for contact_id, entry in out.items():
        if contact_id in org.contacts:
            entry["Name"] = str(org.contacts[contact_id].get("Name") or entry["Name"])
    return sorted((e for e in out.values() if e["Total"] or any(e[b] for b in BUCKETS)),
                  key=lambda e: (str(e["Name"]).lower(), e["ContactID"]))


# ---- the by-contact reports -----------------------------------------------------------------
def _number(doc: Record) -> str:
    number = doc.get("CreditNoteNumber") if _is_credit(doc) else doc.get("InvoiceNumber")
    return str(number or "")


def _overdue_text(doc: Record, as_at: date) -> str:
    days = days_overdue(doc, as_at)
    if _is_credit(doc) or days <= 0:
        return ""
    return f"{days} day{'s' if days != 1 else ''} overdue"


def _document_row(org: Org, doc: Record, as_at: date) -> tuple[Row, list[Decimal]]:
    """An invoice row (a credit note's amounts negated) and its Total, Paid, Credited, Due,
    in base currency."""
    sign, rate = -1 if _is_credit(doc) else 1, rate_of(org, doc)
    paid, credited, _ = settlement(org, doc, as_at)
    total = Decimal(doc.get("Total") or 0)
    amounts = [sign * to_base(v, rate) for v in (total, paid, credited)]
    amounts.append(_base_due(org, doc, as_at))
    due_date = doc.get("DueDate")
    values = [cell_date(doc["Date"]), _number(doc),
              cell_date(due_date) if isinstance(due_date, date) and not _is_credit(doc) else "",
              _overdue_text(doc, as_at), *(as_money(a) for a in amounts)]
    doc_id = str(doc.get("CreditNoteID") if _is_credit(doc) else doc.get("InvoiceID"))
    return row(values, [attr("invoiceID", doc_id)]), amounts


def _aged(org: Org, params: Mapping[str, str], kind: str) -> dict[str, Any]:
    """Shared body of the receivables (ACCREC) and payables (ACCPAY) reports."""
    p = Params(params)
    contact_id = p.contact_id()
    as_at = p.date("date") or org.today()
    docs = [d for d in _documents(org, {kind, CREDIT_TYPES[kind]})
            if (d.get("Contact") or {}).get("ContactID") == contact_id]
    to_date = p.date("toDate") or as_at
    from_date = p.date("fromDate") or min([d["Date"] for d in docs] + [to_date])
    if from_date > to_date:
        raise BadRequest("The fromDate parameter must not be after toDate")
    opening = sum((_base_due(org, d, as_at) for d in docs if d["Date"] < from_date), ZERO)
    totals = [ZERO] * 4
    body: list[Row] = []
    for doc in docs:
        if from_date <= doc["Date"] <= to_date and outstanding_as_at(org, doc, as_at):
            line, amounts = _document_row(org, doc, as_at)
            body.append(line)
            totals = [t + a for t, a in zip(totals, amounts, strict=True)]
    blank = ["", "", ""]
    body.append(summary(["Total", *blank, *(as_money(t) for t in totals)]))
    closing = [*totals[:3], totals[3] + opening]
    rows = [
        header(["Date", "Number" if kind == "ACCREC" else "Reference", "Due Date", "", "Total",
                "Paid", "Credited", "Due"]),
        section("", [row([cell_date(from_date), "Opening Balance", *blank, "", "",
                          as_money(opening)])]),
        section("", body),
        section("", [summary(["Closing Balance", *blank, *(as_money(c) for c in closing)])]),
    ]
    titles = ["Invoices", _contact_name(org, contact_id, docs),
              f"From {long_date(from_date)} to {long_date(to_date)}",
              f"Showing payments to {long_date(as_at)}"]
    name, report_type = (("Aged Receivables By Contact", "AgedReceivablesByContact")
                         if kind == "ACCREC" else
                         ("Aged Payables By Contact", "AgedPayablesByContact"))
    return report(org, report_type, name, titles, rows)


def aged_receivables_by_contact(org: Org, params: Mapping[str, str]) -> dict[str, Any]:
    """GET /Reports/AgedReceivablesByContact: a customer's unpaid invoices as at a date."""
    return _aged(org, params, "ACCREC")


def aged_payables_by_contact(org: Org, params: Mapping[str, str]) -> dict[str, Any]:
    """GET /Reports/AgedPayablesByContact: what is owed to a supplier as at a date."""
    return _aged(org, params, "ACCPAY")
