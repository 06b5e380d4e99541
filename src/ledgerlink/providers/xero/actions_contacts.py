"""Actions on contacts: create, update, archive, read, list and history."""

from __future__ import annotations

from pydantic import Field

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
    write,
)
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.models_inputs import ContactInput
from ledgerlink.providers.xero.models_records import Contact, HistoryRecord

__all__ = [
    "ContactId", "CreateContact", "ListContacts", "UpdateContact", "WriteContactId",
    "archive_contact", "create_contact", "get_contact", "get_contact_history", "list_contacts",
    "update_contact",
]


class ContactId(ReadParams):
    """One contact by its ContactID (or ContactNumber)."""

    contact_id: str = Field(min_length=1)


class WriteContactId(WriteParams):
    """A write on one contact by its ContactID."""

    contact_id: str = accepting("contact_id", min_length=1)


class CreateContact(WriteParams, ContactInput):
    """A new contact; the name is required and unique among active contacts."""

    name: str = Field(min_length=1, max_length=255)


class UpdateContact(WriteParams, ContactInput):
    """Fields to change on a contact (only those given are sent)."""

    contact_id: str = accepting("contact_id", min_length=1)


class ListContacts(PagedListParams):
    """Contacts, optionally searched (name, number, email) and with archived ones."""

    search_term: str | None = None
    include_archived: bool = False
    ids: StrList | None = None


def _path(contact_id: str) -> str:
    return f"/Contacts/{segment(contact_id)}"


@action("create_contact", write=True)
async def create_contact(client: XeroClient, params: CreateContact) -> Contact:
    """Create a contact."""
    body = await write(client, "create_contact", params.operation_id,
                       "PUT", "/Contacts", {"Contacts": [params.to_xero()]})
    return first(body, "Contacts", Contact)


@action("update_contact", write=True)
async def update_contact(client: XeroClient, params: UpdateContact) -> Contact:
    """Update a contact by id."""
    body = await write(client, "update_contact", params.operation_id,
                       "POST", _path(params.contact_id), {"Contacts": [params.to_xero()]})
    return first(body, "Contacts", Contact)


@action("archive_contact", write=True)
async def archive_contact(client: XeroClient, params: WriteContactId) -> Contact:
    """Archive a contact (ContactStatus ARCHIVED); it and its documents are kept."""
    body = await write(client, "archive_contact", params.operation_id,
                       "POST", _path(params.contact_id),
                       {"Contacts": [{"ContactStatus": "ARCHIVED"}]})
    return first(body, "Contacts", Contact)


@action("get_contact", write=False)
async def get_contact(client: XeroClient, params: ContactId) -> Contact:
    """One contact by id or number."""
    body = await client.get(_path(params.contact_id), operation="get_contact")
    return first(body, "Contacts", Contact)


@action("list_contacts", write=False)
async def list_contacts(client: XeroClient, params: ListContacts) -> list[Contact]:
    """Every contact (all pages of 1000), or one page when `page` is given."""
    query = {"searchTerm": params.search_term, "includeArchived": flag(params.include_archived),
             "IDs": csv(params.ids)}
    return await list_records(client, "Contacts", "list_contacts", params, Contact, query=query)


@action("get_contact_history", write=False)
async def get_contact_history(client: XeroClient, params: ContactId) -> list[HistoryRecord]:
    """A contact's history and notes, newest first."""
    body = await client.get(f"{_path(params.contact_id)}/History",
                            operation="get_contact_history")
    return many(body.get("HistoryRecords"), HistoryRecord)
