"""Actions on invoices: create, update, read, list, delete, void, email, online link and notes."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from ledgerlink.providers.xero.actions_base import (
    PagedListParams,
    ReadParams,
    StrList,
    WriteParams,
    accepting,
    action,
    csv,
    first,
    flag,
    list_records,
    many,
    segment,
    split_csv,
    write,
)
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.models_base import (
    InvoiceStatus,
    LineAmountTypes,
    OptMoney,
    XeroBody,
    XeroDate,
    XeroModel,
)
from ledgerlink.providers.xero.models_documents import Invoice
from ledgerlink.providers.xero.models_inputs import (
    ContactRef,
    InvoiceInput,
    LineItemInput,
    NewInvoiceStatus,
)
from ledgerlink.providers.xero.models_records import HistoryRecord, OnlineInvoice

__all__ = [
    "AddNoteToInvoice", "CreateInvoice", "InvoiceChanges", "InvoiceId", "InvoiceSent",
    "ListInvoices", "UpdateInvoice", "WriteInvoiceId", "add_note_to_invoice", "create_invoice",
    "delete_invoice", "get_invoice", "get_invoice_history", "get_online_invoice", "list_invoices",
    "send_invoice",
    "update_invoice", "void_invoice",
]

MAX_NOTE = 2500


class InvoiceId(ReadParams):
    """One invoice by its InvoiceID (or InvoiceNumber)."""

    invoice_id: str = Field(min_length=1)


class WriteInvoiceId(WriteParams):
    """A write on one invoice by its InvoiceID."""

    invoice_id: str = accepting("invoice_id", min_length=1)


class CreateInvoice(WriteParams, InvoiceInput):
    """A new sales invoice or bill (DRAFT unless a status is given)."""


class InvoiceChanges(XeroBody):
    """The properties an update may change (Xero refuses line changes once paid)."""

    contact: ContactRef | None = None
    line_items: list[LineItemInput] | None = None
    date: XeroDate = None
    due_date: XeroDate = None
    line_amount_types: LineAmountTypes | None = None
    invoice_number: str | None = Field(default=None, max_length=255)
    reference: str | None = Field(default=None, max_length=255)
    branding_theme_id: str | None = None
    url: str | None = None
    currency_code: str | None = Field(default=None, min_length=3, max_length=3)
    currency_rate: OptMoney = None
    status: NewInvoiceStatus | None = None
    sent_to_contact: bool | None = None
    expected_payment_date: XeroDate = None
    planned_payment_date: XeroDate = None


class UpdateInvoice(WriteParams, InvoiceChanges):
    """Fields to change on an invoice (only those given are sent)."""

    invoice_id: str = accepting("invoice_id", min_length=1)


class AddNoteToInvoice(WriteParams):
    """A note for an invoice's history."""

    invoice_id: str = accepting("invoice_id", min_length=1)
    notes: str = accepting("notes", min_length=1, max_length=MAX_NOTE)


class ListInvoices(PagedListParams):
    """Invoices filtered the ways Xero filters best (csv lists or JSON lists)."""

    statuses: Annotated[list[InvoiceStatus], BeforeValidator(split_csv)] | None = None
    contact_ids: StrList | None = None
    ids: StrList | None = None
    invoice_numbers: StrList | None = None
    search_term: str | None = None
    include_archived: bool = False
    summary_only: bool | None = None


class InvoiceSent(XeroModel):
    """Xero accepted the invoice for emailing (it answers 204 with no body)."""

    invoice_id: str
    sent: bool = True


def _path(invoice_id: str) -> str:
    return f"/Invoices/{segment(invoice_id)}"


@action("create_invoice", write=True)
async def create_invoice(client: XeroClient, params: CreateInvoice) -> Invoice:
    """Create an invoice; Xero computes line amounts, tax and totals."""
    body = await write(client, "create_invoice", params.operation_id,
                       "PUT", "/Invoices", {"Invoices": [params.to_xero()]})
    return first(body, "Invoices", Invoice)


@action("update_invoice", write=True)
async def update_invoice(client: XeroClient, params: UpdateInvoice) -> Invoice:
    """Update an invoice by id (e.g. approve it with status AUTHORISED)."""
    return await _post(client, "update_invoice", params, params.invoice_id, params.to_xero())


async def _post(client: XeroClient, name: str, params: WriteParams, invoice_id: str,
                element: dict[str, object]) -> Invoice:
    body = await write(client, name, params.operation_id,
                       "POST", _path(invoice_id), {"Invoices": [element]})
    return first(body, "Invoices", Invoice)


@action("delete_invoice", write=True)
async def delete_invoice(client: XeroClient, params: WriteInvoiceId) -> Invoice:
    """Delete a DRAFT or SUBMITTED invoice (Status DELETED); Xero refuses any other status."""
    return await _post(client, "delete_invoice", params, params.invoice_id,
                       {"Status": InvoiceStatus.DELETED})


@action("void_invoice", write=True)
async def void_invoice(client: XeroClient, params: WriteInvoiceId) -> Invoice:
    """Void an AUTHORISED invoice without payments (Status VOIDED); Xero refuses otherwise."""
    return await _post(client, "void_invoice", params, params.invoice_id,
                       {"Status": InvoiceStatus.VOIDED})


@action("send_invoice", write=True)
async def send_invoice(client: XeroClient, params: WriteInvoiceId) -> InvoiceSent:
    """Email an approved sales invoice to its contact (POST /Invoices/{id}/Email)."""
    await write(client, "send_invoice", params.operation_id,
                "POST", f"{_path(params.invoice_id)}/Email", {})
    return InvoiceSent(invoice_id=params.invoice_id)


@action("get_invoice", write=False)
async def get_invoice(client: XeroClient, params: InvoiceId) -> Invoice:
    """One invoice, with its lines, payments and credit notes."""
    body = await client.get(_path(params.invoice_id), operation="get_invoice")
    return first(body, "Invoices", Invoice)


@action("list_invoices", write=False)
async def list_invoices(client: XeroClient, params: ListInvoices) -> list[Invoice]:
    """Every matching invoice (all pages of 1000, with lines), or one page when asked."""
    query = {"Statuses": csv([s.value for s in params.statuses or []]),
             "ContactIDs": csv(params.contact_ids), "IDs": csv(params.ids),
             "InvoiceNumbers": csv(params.invoice_numbers), "searchTerm": params.search_term,
             "includeArchived": flag(params.include_archived),
             "summaryOnly": flag(params.summary_only)}
    return await list_records(client, "Invoices", "list_invoices", params, Invoice, query=query)


@action("get_online_invoice", write=False)
async def get_online_invoice(client: XeroClient, params: InvoiceId) -> OnlineInvoice:
    """The customer-facing link of an approved sales invoice."""
    body = await client.get(f"{_path(params.invoice_id)}/OnlineInvoice",
                            operation="get_online_invoice")
    return first(body, "OnlineInvoices", OnlineInvoice)


@action("get_invoice_history", write=False)
async def get_invoice_history(client: XeroClient, params: InvoiceId) -> list[HistoryRecord]:
    """An invoice's history and notes, newest first."""
    body = await client.get(f"{_path(params.invoice_id)}/History",
                            operation="get_invoice_history")
    return many(body.get("HistoryRecords"), HistoryRecord)


@action("add_note_to_invoice", write=True)
async def add_note_to_invoice(client: XeroClient,
                              params: AddNoteToInvoice) -> list[HistoryRecord]:
    """Add a note to an invoice's history."""
    body = await write(client, "add_note_to_invoice", params.operation_id,
                       "PUT", f"{_path(params.invoice_id)}/History",
                       {"HistoryRecords": [{"Details": params.notes}]})
    return many(body.get("HistoryRecords"), HistoryRecord)
