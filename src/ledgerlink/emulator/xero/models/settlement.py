"""How payments and credit allocations move a document's AmountDue, status and paid date."""

from __future__ import annotations

from decimal import Decimal

from ledgerlink.emulator.xero.arithmetic import amount_due
from ledgerlink.emulator.xero.models.base import Org, Record

ZERO = Decimal("0.00")


def settle_invoice(org: Org, invoice: Record) -> None:
    """Recompute paid, credited and due amounts; PAID when nothing is due, back when reversed."""
    paid = sum((p["Amount"] for p in invoice.get("Payments", [])), ZERO)
    credited = sum((c["AppliedAmount"] for c in invoice.get("CreditNotes", [])), ZERO)
    invoice["AmountPaid"] = paid
    invoice["AmountCredited"] = credited
    invoice["AmountDue"] = amount_due(invoice["Total"], paid, credited)
    _status_after_settlement(org, invoice, "InvoiceID", "INVOICE")


def settle_credit_note(org: Org, note: Record) -> None:
    """RemainingCredit after allocations and refunds; PAID when fully used."""
    allocated = sum((a["Amount"] for a in note.get("Allocations", [])), ZERO)
    refunded = sum((p["Amount"] for p in note.get("Payments", [])), ZERO)
    note["RemainingCredit"] = note["Total"] - allocated - refunded
    note["AppliedAmount"] = allocated
    before = note["Status"]
    if before in ("AUTHORISED", "PAID"):
        note["Status"] = "PAID" if note["RemainingCredit"] == ZERO else "AUTHORISED"
        dates = [a["Date"] for a in note.get("Allocations", [])] + \
            [p["Date"] for p in note.get("Payments", [])]
        note["FullyPaidOnDate"] = max(dates) if note["Status"] == "PAID" and dates else None
    if note["Status"] != before:
        org.emit("CREDITNOTE", "UPDATE", note["CreditNoteID"],
                 {"Type": note["Type"], "Status": note["Status"]})


def _status_after_settlement(org: Org, doc: Record, id_field: str, category: str) -> None:
    before = doc["Status"]
    if before not in ("AUTHORISED", "PAID"):
        return
    if (doc["AmountDue"] == ZERO and doc["Total"] > ZERO) or (doc["Total"] == ZERO and
                                                           doc.get("Payments")):
        doc["Status"] = "PAID"
        dates = [p["Date"] for p in doc.get("Payments", [])] + \
            [c["Date"] for c in doc.get("CreditNotes", []) if c.get("Date")]
        doc["FullyPaidOnDate"] = max(dates) if dates else org.today()
    else:
        doc["Status"] = "AUTHORISED"
        doc["FullyPaidOnDate"] = None
    if doc["Status"] != before:
        org.add_history(doc[id_field], "Paid" if doc["Status"] == "PAID" else "Payment Reversed",
                        f"Status changed from {before} to {doc['Status']}.")
