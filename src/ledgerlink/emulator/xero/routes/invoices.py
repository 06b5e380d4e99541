"""Routes for Invoices: lists with Xero's filters, writes, PDF, email and online invoice."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ledgerlink.emulator.core.router import Router
from ledgerlink.emulator.xero import wire
from ledgerlink.emulator.xero.call import Call
from ledgerlink.emulator.xero.errors import ValidationException
from ledgerlink.emulator.xero.models import invoices
from ledgerlink.emulator.xero.models.base import Record
from ledgerlink.emulator.xero.pdf import document_pdf
from ledgerlink.emulator.xero.routes.common import ids_filter, modified_since, paged, where_order
from ledgerlink.emulator.xero.routes.writes import add_document_routes, write_batch, write_one

SCOPE = "accounting.transactions|accounting.invoices"


def _filtered(call: Call) -> list[Record]:
    records = list(call.org.invoices.values())
    records = ids_filter(call, records, "IDs", "InvoiceID")
    records = ids_filter(call, records, "ContactIDs", "Contact.ContactID")
    numbers = set(wire.csv_values(call.q("InvoiceNumbers")))
    if numbers:
        records = [r for r in records if r.get("InvoiceNumber") in numbers]
    statuses = {s.upper() for s in wire.csv_values(call.q("Statuses"))}
    if statuses:
        records = [r for r in records if r["Status"] in statuses]
    term = call.q("searchTerm")
    if term:
        records = [r for r in records if invoices.matches_search(r, term)]
    if not call.flag("includeArchived") and not statuses and not call.q("IDs"):
        records = [r for r in records if r["Status"] != "DELETED"]
    return where_order(call, modified_since(call, records), "Invoice", "UpdatedDateUTC ASC")


async def get_invoices(call: Call) -> dict[str, Any]:
    records = _filtered(call)
    summary = call.flag("summaryOnly")
    # Xero leaves line items out of unpaged multi-invoice lists unless IDs name them.
    with_lines = not summary and (call.q("page") is not None or bool(call.q("IDs")))
    unitdp = call.unitdp
    return paged(call, "Invoices", records,
                 lambda r: invoices.present(r, with_lines, unitdp))


async def get_invoice(call: Call) -> Any:
    invoice = invoices.get_invoice(call.org, call.params["InvoiceID"])
    if call.accepts("application/pdf"):
        return _pdf(call, invoice)
    return call.ok("Invoices", [invoices.present(invoice, True, call.unitdp)])


async def get_invoice_pdf(call: Call) -> Response:
    return _pdf(call, invoices.get_invoice(call.org, call.params["InvoiceID"]))


def _pdf(call: Call, invoice: Record) -> Response:
    title = "TAX INVOICE" if invoice["Type"] == "ACCREC" else "BILL"
    return Response(document_pdf(call.org, invoice, title), media_type="application/pdf")


async def create_invoices(call: Call) -> dict[str, Any]:
    unitdp = call.unitdp
    return write_batch(call, "Invoices", lambda e: invoices.create_invoice(call.org, e, unitdp),
                       lambda r: invoices.present(r, True, unitdp))


async def update_or_create_invoices(call: Call) -> dict[str, Any]:
    unitdp = call.unitdp
    return write_batch(call, "Invoices", lambda e: invoices.upsert_invoice(call.org, e, unitdp),
                       lambda r: invoices.present(r, True, unitdp))


async def update_invoice(call: Call) -> dict[str, Any]:
    unitdp = call.unitdp
    invoice_id = invoices.get_invoice(call.org, call.params["InvoiceID"])["InvoiceID"]
    return write_one(call, "Invoices",
                     lambda e: invoices.upsert_invoice(call.org, e, unitdp, invoice_id),
                     lambda r: invoices.present(r, True, unitdp))


def email_recipients(contact: Record) -> list[str]:
    """Whom Xero emails a document to: the contact's EmailAddress and every contact person
    marked IncludeInEmails (each address once)."""
    found = [str(contact["EmailAddress"])]
    for person in contact.get("ContactPersons") or []:
        address = str(person.get("EmailAddress") or "").strip()
        # JSON sends a boolean, an XML body the text "true".
        if str(person.get("IncludeInEmails")).lower() == "true" and address \
                and address.casefold() not in {a.casefold() for a in found}:
            found.append(address)
    return found


async def email_invoice(call: Call) -> None:
    invoice = invoices.get_invoice(call.org, call.params["InvoiceID"])
    contact = call.org.contacts.get(invoice["Contact"]["ContactID"], {})
    element = {"InvoiceID": invoice["InvoiceID"]}
    if invoice["Type"] != "ACCREC":
        raise ValidationException.single("Only sales invoices (ACCREC) can be emailed.", element)
    if invoice["Status"] not in ("SUBMITTED", "AUTHORISED", "PAID"):
        raise ValidationException.single("The invoice must be approved before it can be "
                                         "emailed.", element)
    if not contact.get("EmailAddress"):
        raise ValidationException.single("The contact does not have an email address.", element)
    recipients = email_recipients(contact)
    call.org.remember("invoices", invoice["InvoiceID"])
    invoice["SentToContact"] = True
    invoice["UpdatedDateUTC"] = call.org.now()
    call.org.add_history(invoice["InvoiceID"], "Sent",
                         f"Invoice emailed to {', '.join(recipients)}.")
    call.org.outbox.append(
        {"InvoiceID": invoice["InvoiceID"], "To": contact["EmailAddress"],
         "Recipients": recipients, "At": call.org.now().isoformat()})
    call.org.emit("INVOICE", "UPDATE", invoice["InvoiceID"])


async def get_online_invoice(call: Call) -> dict[str, Any]:
    invoice = invoices.get_invoice(call.org, call.params["InvoiceID"])
    if invoice["Type"] != "ACCREC" or invoice["Status"] in ("DRAFT", "DELETED"):
        raise ValidationException.single("An online invoice is only available for approved "
                                         "sales invoices.", {"InvoiceID": invoice["InvoiceID"]})
    url = f"{call.emulator.config.base_url}/online-invoice/{call.org.tenant_id}/" \
          f"{invoice['InvoiceID']}"
    return call.ok("OnlineInvoices", [{"OnlineInvoiceUrl": url}])


def _invoice(call: Call, key: str) -> Record:
    return invoices.get_invoice(call.org, key)


def router() -> Router:
    """Invoice routes."""
    r = Router()
    r.add("GET", "/Invoices", get_invoices, "getInvoices", scope=SCOPE)
    r.add("PUT", "/Invoices", create_invoices, "createInvoices", scope=SCOPE)
    r.add("POST", "/Invoices", update_or_create_invoices, "updateOrCreateInvoices", scope=SCOPE)
    r.add("GET", "/Invoices/{InvoiceID}", get_invoice, "getInvoice", scope=SCOPE)
    r.add("POST", "/Invoices/{InvoiceID}", update_invoice, "updateInvoice", scope=SCOPE)
    r.add("GET", "/Invoices/{InvoiceID}/pdf", get_invoice_pdf, "getInvoiceAsPdf", scope=SCOPE)
    r.add("POST", "/Invoices/{InvoiceID}/Email", email_invoice, "emailInvoice", scope=SCOPE)
    r.add("GET", "/Invoices/{InvoiceID}/OnlineInvoice", get_online_invoice, "getOnlineInvoice",
          scope=SCOPE)
    add_document_routes(r, "Invoices", _invoice, SCOPE)
    return r
