"""Routes for Contacts and Items."""

from __future__ import annotations

from typing import Any

from ledgerlink.emulator.core.router import Router
from ledgerlink.emulator.xero.call import Call
from ledgerlink.emulator.xero.errors import NotFound
from ledgerlink.emulator.xero.models import contacts, items
from ledgerlink.emulator.xero.models.base import Record
from ledgerlink.emulator.xero.routes.common import (
    ids_filter,
    modified_since,
    one,
    paged,
    where_order,
)
from ledgerlink.emulator.xero.routes.writes import add_document_routes, write_batch, write_one

CONTACTS = "accounting.contacts"
SETTINGS = "accounting.settings"


async def get_contacts(call: Call) -> dict[str, Any]:
    records = list(call.org.contacts.values())
    if not call.flag("includeArchived") and not call.q("IDs"):
        records = [c for c in records if c.get("ContactStatus") != "ARCHIVED"]
    records = ids_filter(call, records, "IDs", "ContactID")
    term = call.q("searchTerm")
    if term:
        records = [c for c in records if contacts.matches_search(c, term)]
    records = where_order(call, modified_since(call, records), "Contact", "Name ASC")
    present = contacts.summary if call.flag("summaryOnly") else _plain
    return paged(call, "Contacts", records, present)


def _plain(record: Record) -> Record:
    return record


async def get_contact(call: Call) -> dict[str, Any]:
    return one(call, "Contacts", contacts.get_contact(call.org, call.params["ContactID"]))


async def create_contacts(call: Call) -> dict[str, Any]:
    return write_batch(call, "Contacts", lambda e: contacts.create_contact(call.org, e))


async def update_or_create_contacts(call: Call) -> dict[str, Any]:
    return write_batch(call, "Contacts", lambda e: contacts.upsert_contact(call.org, e))


async def update_contact(call: Call) -> dict[str, Any]:
    contact_id = contacts.get_contact(call.org, call.params["ContactID"])["ContactID"]
    return write_one(call, "Contacts", lambda e: contacts.upsert_contact(call.org, e, contact_id))


async def get_contact_cis(call: Call) -> dict[str, Any]:
    contacts.get_contact(call.org, call.params["ContactID"])
    return call.ok("CISSettings", [])


async def get_items(call: Call) -> dict[str, Any]:
    records = where_order(call, modified_since(call, list(call.org.items.values())), "Item",
                          "Code ASC")
    unitdp = call.unitdp
    return call.ok("Items", [items.present_item(i, unitdp) for i in records])


async def get_item(call: Call) -> dict[str, Any]:
    item = items.get_item(call.org, call.params["ItemID"])
    return one(call, "Items", items.present_item(item, call.unitdp))


async def create_items(call: Call) -> dict[str, Any]:
    unitdp = call.unitdp
    return write_batch(call, "Items", lambda e: items.create_item(call.org, e),
                       lambda r: items.present_item(r, unitdp))


async def update_or_create_items(call: Call) -> dict[str, Any]:
    unitdp = call.unitdp
    return write_batch(call, "Items", lambda e: items.upsert_item(call.org, e),
                       lambda r: items.present_item(r, unitdp))


async def update_item(call: Call) -> dict[str, Any]:
    item_id = items.get_item(call.org, call.params["ItemID"])["ItemID"]
    unitdp = call.unitdp
    return write_one(call, "Items", lambda e: items.upsert_item(call.org, e, item_id),
                     lambda r: items.present_item(r, unitdp))


async def delete_item(call: Call) -> None:
    items.delete_item(call.org, call.params["ItemID"])


def _contact(call: Call, key: str) -> Record:
    return contacts.get_contact(call.org, key)


def _item(call: Call, key: str) -> Record:
    item = items.find_item(call.org, key)
    if item is None:
        raise NotFound()
    return item


def router() -> Router:
    """Contact and item routes."""
    r = Router()
    r.add("GET", "/Contacts", get_contacts, "getContacts", scope=CONTACTS)
    r.add("PUT", "/Contacts", create_contacts, "createContacts", scope=CONTACTS)
    r.add("POST", "/Contacts", update_or_create_contacts, "updateOrCreateContacts",
          scope=CONTACTS)
    r.add("GET", "/Contacts/{ContactID}", get_contact, "getContact", scope=CONTACTS)
    r.add("POST", "/Contacts/{ContactID}", update_contact, "updateContact", scope=CONTACTS)
    r.add("GET", "/Contacts/{ContactID}/CISSettings", get_contact_cis, "getContactCISSettings",
          scope=CONTACTS)
    add_document_routes(r, "Contacts", _contact, CONTACTS)
    r.add("GET", "/Items", get_items, "getItems", scope=SETTINGS)
    r.add("PUT", "/Items", create_items, "createItems", scope=SETTINGS)
    r.add("POST", "/Items", update_or_create_items, "updateOrCreateItems", scope=SETTINGS)
    r.add("GET", "/Items/{ItemID}", get_item, "getItem", scope=SETTINGS)
    r.add("POST", "/Items/{ItemID}", update_item, "updateItem", scope=SETTINGS)
    r.add("DELETE", "/Items/{ItemID}", delete_item, "deleteItem", scope=SETTINGS)
    add_document_routes(r, "Items", _item, SETTINGS, attachments=False)
    return r
