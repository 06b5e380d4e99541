"""The Xero action catalogue: typed `async def action(client, params)` functions and ACTIONS.

Every action of the Prismatic Xero component (and a few more) takes a XeroClient (one
explicit tenant) and a pydantic params model, and returns typed records. Every write takes
the caller's `operation_id`; its Idempotency-Key is derived from it, so a retry or a restart
replays the first answer instead of writing twice. Xero's refusals surface unchanged as
`ledgerlink.errors.ValidationError` (per-field problems).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledgerlink.errors import InputError
from ledgerlink.providers.xero.actions_base import (
    ACTIONS,
    ActionSpec,
    Deleted,
    ListParams,
    PagedListParams,
    ReadParams,
    WriteParams,
)
from ledgerlink.providers.xero.actions_contacts import (
    ContactId,
    CreateContact,
    ListContacts,
    UpdateContact,
    WriteContactId,
    archive_contact,
    create_contact,
    get_contact,
    get_contact_history,
    list_contacts,
    update_contact,
)
from ledgerlink.providers.xero.actions_files import (
    AttachmentContent,
    AttachmentObject,
    AttachmentRef,
    CreateAttachment,
    GetAttachment,
    NoParams,
    RawRequest,
    RawResponse,
    create_attachment,
    get_attachment,
    list_attachments,
    list_connections,
    raw_request,
)
from ledgerlink.providers.xero.actions_invoices import (
    AddNoteToInvoice,
    CreateInvoice,
    InvoiceChanges,
    InvoiceId,
    InvoiceSent,
    ListInvoices,
    UpdateInvoice,
    WriteInvoiceId,
    add_note_to_invoice,
    create_invoice,
    delete_invoice,
    get_invoice,
    get_invoice_history,
    get_online_invoice,
    list_invoices,
    send_invoice,
    update_invoice,
    void_invoice,
)
from ledgerlink.providers.xero.actions_payments import (
    PayInvoice,
    PaymentId,
    WritePaymentId,
    get_payment,
    get_payment_history,
    list_payments,
    pay_invoice,
    reverse_payment,
)
from ledgerlink.providers.xero.actions_settings import (
    AccountId,
    AddNoteToItem,
    CreateAccount,
    CreateItem,
    ItemId,
    UpdateAccount,
    UpdateItem,
    WriteAccountId,
    WriteItemId,
    add_note_to_item,
    archive_account,
    create_account,
    create_item,
    delete_account,
    delete_item,
    get_account,
    get_item,
    get_item_history,
    list_accounts,
    list_items,
    update_account,
    update_item,
)
from ledgerlink.providers.xero.client import XeroClient

__all__ = [
    "ACTIONS", "AccountId", "ActionSpec", "AddNoteToInvoice", "AddNoteToItem",
    "AttachmentContent", "AttachmentObject", "AttachmentRef", "ContactId", "CreateAccount",
    "CreateAttachment", "CreateContact", "CreateInvoice", "CreateItem", "Deleted",
    "GetAttachment", "InvoiceChanges", "InvoiceId", "InvoiceSent", "ItemId", "ListContacts",
    "ListInvoices", "ListParams", "NoParams", "PagedListParams", "PayInvoice", "PaymentId",
    "RawRequest", "RawResponse", "ReadParams", "UpdateAccount", "UpdateContact",
    "UpdateInvoice", "UpdateItem", "WriteAccountId", "WriteContactId", "WriteInvoiceId",
    "WriteItemId", "WriteParams", "WritePaymentId", "action_spec", "add_note_to_invoice",
    "add_note_to_item", "archive_account", "archive_contact", "create_account",
    "create_attachment", "create_contact", "create_invoice", "create_item", "delete_account",
    "delete_invoice", "delete_item", "get_account", "get_attachment", "get_contact",
    "get_contact_history", "get_invoice", "get_invoice_history", "get_item",
    "get_item_history", "get_online_invoice", "get_payment", "get_payment_history",
    "list_accounts", "list_attachments", "list_connections", "list_contacts", "list_invoices",
    "list_items", "list_payments", "pay_invoice", "raw_request", "reverse_payment",
    "run_action", "send_invoice", "update_account", "update_contact", "update_invoice",
    "update_item", "void_invoice",
]

# Prismatic's keys (createInvoice) as well as ours (create_invoice) name an action.
_BY_KEY = {spec.key: spec for spec in ACTIONS.values()}


def action_spec(name: str) -> ActionSpec:
    """An action by name (`create_invoice`) or Prismatic key (`createInvoice`)."""
    spec = ACTIONS.get(name) or _BY_KEY.get(name)
    if spec is None:
        raise InputError(f"unknown Xero action {name!r}; allowed: {', '.join(sorted(ACTIONS))}",
                         field="action")
    return spec


async def run_action(client: XeroClient, name: str, params: Mapping[str, Any]) -> Any:
    """Validate `params` for the named action, run it, and return JSON-ready output."""
    spec = action_spec(name)
    return spec.dump(await spec(client, params))
