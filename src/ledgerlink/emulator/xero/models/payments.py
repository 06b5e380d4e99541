"""Payments against invoices and credit notes, and their reversal (Status DELETED)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerlink.emulator.xero.arithmetic import round2
from ledgerlink.emulator.xero.errors import NotFound
from ledgerlink.emulator.xero.models.accounts import account_ref
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
from ledgerlink.emulator.xero.models.invoices import find_invoice
from ledgerlink.emulator.xero.models.settlement import settle_credit_note, settle_invoice
from ledgerlink.emulator.xero.wire import parse_guid

PAYMENT_TYPES = {"ACCREC": "ACCRECPAYMENT", "ACCPAY": "ACCPAYPAYMENT",
                 "ACCRECCREDIT": "ARCREDITPAYMENT", "ACCPAYCREDIT": "APCREDITPAYMENT"}
EXCEEDS = "Payment amount exceeds the amount outstanding on this document"


def _document(org: Org, element: Record) -> tuple[str, Record]:
    inv_ref = find_key(element, "Invoice")
    if isinstance(inv_ref, dict):
        key = find_key(inv_ref, "InvoiceID") or find_key(inv_ref, "InvoiceNumber")
        invoice = find_invoice(org, str(key)) if key else None
        if invoice is None:
            raise ElementError("Invoice could not be found")
        return "invoice", invoice
    note_ref = find_key(element, "CreditNote")
    if isinstance(note_ref, dict):
        key = find_key(note_ref, "CreditNoteID") or find_key(note_ref, "CreditNoteNumber")
        from ledgerlink.emulator.xero.models.creditnotes import find_credit_note

        note = find_credit_note(org, str(key)) if key else None
        if note is None:
            raise ElementError("Credit note could not be found")
        return "credit_note", note
    raise ElementError("A payment must reference an Invoice or a CreditNote "
                       "(by ID or number).")


def _account(org: Org, raw: Any) -> Record:
    acc = account_ref(raw, org)
    if acc is None:
        raise ElementError("Account could not be found. Provide Account.AccountID or "
                           "Account.Code.")
    if acc["Type"] != "BANK" and not acc.get("EnablePaymentsToAccount"):
        raise ElementError("Payments can only be made to a bank account or an account with "
                           "EnablePaymentsToAccount set.")
    return acc


def create_payment(org: Org, element: Record) -> Record:
    """Apply a payment to an approved invoice, bill or credit note."""
    kind, doc = _document(org, element)
    account = _account(org, find_key(element, "Account"))
    amount = dec(find_key(element, "Amount"), "Amount")
    if amount is None or amount <= 0:
        raise ElementError("Payment Amount must be greater than zero.")
    amount = round2(amount)
    if doc["Status"] != "AUTHORISED":
        raise ElementError("Payment can only be made against an approved (AUTHORISED) document.")
    outstanding = doc["AmountDue"] if kind == "invoice" else doc["RemainingCredit"]
    if amount > outstanding:
        raise ElementError(EXCEEDS)
    when = day(find_key(element, "Date"), "Date") or org.today()
    payment: Record = {
        "PaymentID": org.new_id(), "Date": when, "Amount": amount,
        "BankAmount": amount, "CurrencyRate": dec(find_key(element, "CurrencyRate"),
                                                   "CurrencyRate") or Decimal("1.000000"),
        "Reference": text(find_key(element, "Reference"), "Reference", 255) or "",
        "IsReconciled": flag(find_key(element, "IsReconciled"), "IsReconciled"),
        "Status": "AUTHORISED", "PaymentType": PAYMENT_TYPES[doc["Type"]],
        "Account": {"AccountID": account["AccountID"], "Code": account["Code"]},
        "HasAccount": True, "HasValidationErrors": False, "UpdatedDateUTC": org.now(),
    }
    entry = {"PaymentID": payment["PaymentID"], "Date": when, "Amount": amount,
             "Reference": payment["Reference"], "CurrencyRate": payment["CurrencyRate"],
             "HasAccount": True, "HasValidationErrors": False}
    _link(org, kind, doc, payment, entry)
    org.put("payments", payment["PaymentID"], payment)
    org.add_history(payment["PaymentID"], "Created", f"Payment of {amount} created.")
    return payment


def _link(org: Org, kind: str, doc: Record, payment: Record, entry: Record) -> None:
    if kind == "invoice":
        org.remember("invoices", doc["InvoiceID"])
        payment["Invoice"] = {"InvoiceID": doc["InvoiceID"], "InvoiceNumber":
                              doc.get("InvoiceNumber", ""), "Type": doc["Type"],
                              "Contact": dict(doc["Contact"]), "CurrencyCode":
                              doc["CurrencyCode"]}
        doc["Payments"] = [*doc.get("Payments", []), entry]
        settle_invoice(org, doc)
        doc["UpdatedDateUTC"] = org.now()
        org.add_history(doc["InvoiceID"], "Payment Received" if doc["Type"] == "ACCREC"
                        else "Payment Made", f"Payment of {payment['Amount']} applied.")
        org.emit("INVOICE", "UPDATE", doc["InvoiceID"])
    else:
        org.remember("credit_notes", doc["CreditNoteID"])
        payment["CreditNote"] = {"CreditNoteID": doc["CreditNoteID"], "CreditNoteNumber":
                                 doc.get("CreditNoteNumber", ""), "Type": doc["Type"],
                                 "Contact": dict(doc["Contact"])}
        doc["Payments"] = [*doc.get("Payments", []), entry]
        settle_credit_note(org, doc)
        doc["UpdatedDateUTC"] = org.now()


def get_payment(org: Org, payment_id: str) -> Record:
    """GET /Payments/{PaymentID}."""
    payment = org.payments.get(parse_guid(payment_id) or "")
    if payment is None:
        raise NotFound()
    return payment


def reverse_payment(org: Org, payment_id: str, element: Record) -> Record:
    """POST /Payments/{id} with Status DELETED: the document's amounts are restored."""
    payment = get_payment(org, payment_id)
    status = str(find_key(element, "Status") or "DELETED").upper()
    if status != "DELETED":
        raise ElementError("Payments cannot be edited; only Status DELETED is accepted.")
    if payment["Status"] == "DELETED":
        raise ElementError("This payment has already been deleted.")
    org.remember("payments", payment["PaymentID"])
    payment["Status"] = "DELETED"
    payment["UpdatedDateUTC"] = org.now()
    if "Invoice" in payment:
        doc = org.invoices[payment["Invoice"]["InvoiceID"]]
        org.remember("invoices", doc["InvoiceID"])
        doc["Payments"] = [p for p in doc["Payments"] if p["PaymentID"] != payment["PaymentID"]]
        settle_invoice(org, doc)
        doc["UpdatedDateUTC"] = org.now()
        org.add_history(doc["InvoiceID"], "Payment Deleted",
                        f"Payment of {payment['Amount']} deleted.")
        org.emit("INVOICE", "UPDATE", doc["InvoiceID"])
    else:
        note = org.credit_notes[payment["CreditNote"]["CreditNoteID"]]
        org.remember("credit_notes", note["CreditNoteID"])
        note["Payments"] = [p for p in note["Payments"]
                            if p["PaymentID"] != payment["PaymentID"]]
        settle_credit_note(org, note)
    org.add_history(payment["PaymentID"], "Deleted", "Payment deleted.")
    return payment
