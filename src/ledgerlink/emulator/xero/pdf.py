"""Invoice and credit note PDFs rendered with fpdf2 from the stored document."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

from ledgerlink.emulator.xero.models.base import Org, Record


def _latin(value: Any) -> str:
    """fpdf2's core fonts are Latin-1; replace what they cannot draw rather than fail."""
    return str(value if value is not None else "").encode("latin-1", "replace").decode("latin-1")


def document_pdf(org: Org, doc: Record, title: str = "TAX INVOICE") -> bytes:
    """A one-page (or more) PDF of an invoice or credit note with lines and totals."""
    pdf = FPDF()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, _latin(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    number = doc.get("InvoiceNumber") or doc.get("CreditNoteNumber") or ""
    for label, value in (("From", org.name), ("To", doc["Contact"].get("Name")),
                         ("Number", number), ("Reference", doc.get("Reference")),
                         ("Date", doc.get("Date")), ("Due", doc.get("DueDate")),
                         ("Status", doc.get("Status"))):
        if value:
            pdf.cell(0, 6, _latin(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (90, 20, 25, 25, 30)
    pdf.set_font("Helvetica", "B", 10)
    for width, head in zip(widths, ("Description", "Qty", "Unit", "Tax", "Amount"),
                           strict=True):
        pdf.cell(width, 7, head, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 10)
    for line in doc.get("LineItems", []):
        cells = (str(line.get("Description") or "")[:50], line.get("Quantity"),
                 line.get("UnitAmount"), line.get("TaxAmount"), line.get("LineAmount"))
        for width, value in zip(widths, cells, strict=True):
            pdf.cell(width, 7, _latin(value), border=1)
        pdf.ln()
    pdf.ln(2)
    currency = doc.get("CurrencyCode", org.base_currency)
    for label, key in (("Subtotal", "SubTotal"), ("Total tax", "TotalTax"),
                       (f"Total {currency}", "Total"), ("Amount due", "AmountDue")):
        if key in doc:
            pdf.cell(160, 7, label, align="R")
            pdf.cell(30, 7, _latin(doc[key]), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
