"""Routes for Payments, CreditNotes (with allocations) and RepeatingInvoices."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ledgerlink.emulator.core.router import Router
from ledgerlink.emulator.xero.call import Call
from ledgerlink.emulator.xero.errors import BadRequest
from ledgerlink.emulator.xero.models import creditnotes, payments, repeating
from ledgerlink.emulator.xero.models.base import Record
from ledgerlink.emulator.xero.pdf import document_pdf
from ledgerlink.emulator.xero.routes.common import modified_since, one, paged, where_order
from ledgerlink.emulator.xero.routes.writes import (
    add_document_routes,
    single_or_raise,
    write_batch,
    write_one,
)

SCOPE = "accounting.transactions|accounting.payments"
INVOICES = "accounting.transactions|accounting.invoices"


async def get_payments(call: Call) -> dict[str, Any]:
    records = where_order(call, modified_since(call, list(call.org.payments.values())),
                          "Payment", "UpdatedDateUTC ASC")
    return paged(call, "Payments", records, lambda r: r)


async def get_payment(call: Call) -> dict[str, Any]:
    return one(call, "Payments", payments.get_payment(call.org, call.params["PaymentID"]))


async def create_payments(call: Call) -> dict[str, Any]:
    return write_batch(call, "Payments", lambda e: payments.create_payment(call.org, e))


async def create_payment(call: Call) -> dict[str, Any]:
    return write_one(call, "Payments", lambda e: payments.create_payment(call.org, e))


async def delete_payment(call: Call) -> dict[str, Any]:
    body = call.body()
    element: Any = body
    if isinstance(body, dict):
        wrapped = next((v for k, v in body.items() if k.lower() == "payments"), None)
        if isinstance(wrapped, list) and wrapped:
            element = wrapped[0]
    if not isinstance(element, dict):
        raise BadRequest("The body must be {\"Status\": \"DELETED\"}")
    pid = call.params["PaymentID"]
    record = single_or_raise(call, lambda: payments.reverse_payment(call.org, pid, element),
                             element)
    return one(call, "Payments", record)


async def get_credit_notes(call: Call) -> dict[str, Any]:
    records = where_order(call, modified_since(call, list(call.org.credit_notes.values())),
                          "CreditNote", "UpdatedDateUTC ASC")
    return paged(call, "CreditNotes", records, creditnotes.present)


async def get_credit_note(call: Call) -> Any:
    note = creditnotes.get_credit_note(call.org, call.params["CreditNoteID"])
    if call.accepts("application/pdf"):
        return Response(document_pdf(call.org, note, "CREDIT NOTE"),
                        media_type="application/pdf")
    return one(call, "CreditNotes", note, creditnotes.present)


async def get_credit_note_pdf(call: Call) -> Response:
    note = creditnotes.get_credit_note(call.org, call.params["CreditNoteID"])
    return Response(document_pdf(call.org, note, "CREDIT NOTE"), media_type="application/pdf")


async def create_credit_notes(call: Call) -> dict[str, Any]:
    unitdp = call.unitdp
    return write_batch(call, "CreditNotes",
                       lambda e: creditnotes.create_credit_note(call.org, e, unitdp),
                       creditnotes.present)


async def update_or_create_credit_notes(call: Call) -> dict[str, Any]:
    unitdp = call.unitdp
    return write_batch(call, "CreditNotes",
                       lambda e: creditnotes.upsert_credit_note(call.org, e, unitdp),
                       creditnotes.present)


async def update_credit_note(call: Call) -> dict[str, Any]:
    unitdp = call.unitdp
    note_id = creditnotes.get_credit_note(call.org, call.params["CreditNoteID"])["CreditNoteID"]
    return write_one(call, "CreditNotes",
                     lambda e: creditnotes.upsert_credit_note(call.org, e, unitdp, note_id),
                     creditnotes.present)


async def create_allocation(call: Call) -> dict[str, Any]:
    key = call.params["CreditNoteID"]
    creditnotes.get_credit_note(call.org, key)
    return write_batch(call, "Allocations", lambda e: creditnotes.allocate(call.org, key, e))


async def delete_allocation(call: Call) -> dict[str, Any]:
    key, allocation_id = call.params["CreditNoteID"], call.params["AllocationID"]
    record = single_or_raise(call, lambda: creditnotes.delete_allocation(call.org, key,
                                                                         allocation_id), {})
    return call.ok("Allocations", [record])


async def get_repeating_invoices(call: Call) -> dict[str, Any]:
    records = where_order(call, repeating.listed(call.org), "RepeatingInvoice")
    return call.ok("RepeatingInvoices", records)


async def get_repeating_invoice(call: Call) -> dict[str, Any]:
    return one(call, "RepeatingInvoices",
               repeating.get_repeating_invoice(call.org, call.params["RepeatingInvoiceID"]))


async def create_repeating_invoices(call: Call) -> dict[str, Any]:
    unitdp = call.unitdp
    return write_batch(call, "RepeatingInvoices",
                       lambda e: repeating.create_repeating_invoice(call.org, e, unitdp))


async def update_or_create_repeating_invoices(call: Call) -> dict[str, Any]:
    unitdp = call.unitdp
    return write_batch(call, "RepeatingInvoices",
                       lambda e: repeating.delete_or_create(call.org, e, unitdp))


async def update_repeating_invoice(call: Call) -> dict[str, Any]:
    key = call.params["RepeatingInvoiceID"]
    repeating.get_repeating_invoice(call.org, key)
    return write_one(call, "RepeatingInvoices",
                     lambda e: repeating.delete_or_create(call.org, e, 2, key))


def _payment(call: Call, key: str) -> Record:
    return payments.get_payment(call.org, key)


def _note(call: Call, key: str) -> Record:
    return creditnotes.get_credit_note(call.org, key)


def _repeating(call: Call, key: str) -> Record:
    return repeating.get_repeating_invoice(call.org, key)


def router() -> Router:
    """Payment, credit note and repeating invoice routes."""
    r = Router()
    r.add("GET", "/Payments", get_payments, "getPayments", scope=SCOPE)
    r.add("PUT", "/Payments", create_payments, "createPayments", scope=SCOPE)
    r.add("POST", "/Payments", create_payment, "createPayment", scope=SCOPE)
    r.add("GET", "/Payments/{PaymentID}", get_payment, "getPayment", scope=SCOPE)
    r.add("POST", "/Payments/{PaymentID}", delete_payment, "deletePayment", scope=SCOPE)
    add_document_routes(r, "Payments", _payment, SCOPE, attachments=False)
    r.add("GET", "/CreditNotes", get_credit_notes, "getCreditNotes", scope=INVOICES)
    r.add("PUT", "/CreditNotes", create_credit_notes, "createCreditNotes", scope=INVOICES)
    r.add("POST", "/CreditNotes", update_or_create_credit_notes, "updateOrCreateCreditNotes",
          scope=INVOICES)
    r.add("GET", "/CreditNotes/{CreditNoteID}", get_credit_note, "getCreditNote", scope=INVOICES)
    r.add("POST", "/CreditNotes/{CreditNoteID}", update_credit_note, "updateCreditNote",
          scope=INVOICES)
    r.add("GET", "/CreditNotes/{CreditNoteID}/pdf", get_credit_note_pdf, "getCreditNoteAsPdf",
          scope=INVOICES)
    r.add("PUT", "/CreditNotes/{CreditNoteID}/Allocations", create_allocation,
          "createCreditNoteAllocation", scope=INVOICES)
    r.add("DELETE", "/CreditNotes/{CreditNoteID}/Allocations/{AllocationID}", delete_allocation,
          "deleteCreditNoteAllocations", scope=INVOICES)
    add_document_routes(r, "CreditNotes", _note, INVOICES)
    r.add("GET", "/RepeatingInvoices", get_repeating_invoices, "getRepeatingInvoices",
          scope=INVOICES)
    r.add("PUT", "/RepeatingInvoices", create_repeating_invoices, "createRepeatingInvoices",
          scope=INVOICES)
    r.add("POST", "/RepeatingInvoices", update_or_create_repeating_invoices,
          "updateOrCreateRepeatingInvoices", scope=INVOICES)
    r.add("GET", "/RepeatingInvoices/{RepeatingInvoiceID}", get_repeating_invoice,
          "getRepeatingInvoice", scope=INVOICES)
    r.add("POST", "/RepeatingInvoices/{RepeatingInvoiceID}", update_repeating_invoice,
          "updateRepeatingInvoice", scope=INVOICES)
    add_document_routes(r, "RepeatingInvoices", _repeating, INVOICES)
    return r
