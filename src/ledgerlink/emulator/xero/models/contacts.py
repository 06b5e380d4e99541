"""Contacts: create, update, archive, search and the contact rules Xero enforces."""

from __future__ import annotations

from typing import Any

from ledgerlink.emulator.xero.errors import NotFound
from ledgerlink.emulator.xero.models.base import ElementError, Org, Record, find_key, text
from ledgerlink.emulator.xero.wire import parse_guid

STRING_FIELDS = {
    "ContactNumber": 50, "AccountNumber": 50, "FirstName": 255, "LastName": 255,
    "CompanyNumber": 50, "EmailAddress": 255, "BankAccountDetails": 255, "TaxNumber": 50,
    "AccountsReceivableTaxType": 50, "AccountsPayableTaxType": 50, "DefaultCurrency": 3,
    "Website": 255, "SalesDefaultAccountCode": 10, "PurchasesDefaultAccountCode": 10,
    "SalesDefaultLineAmountType": 20, "PurchasesDefaultLineAmountType": 20,
}
LIST_FIELDS = ("Addresses", "Phones", "ContactPersons")
ADDRESS_TYPES = {"POBOX", "STREET"}
PHONE_TYPES = {"DEFAULT", "DDI", "MOBILE", "FAX", "OFFICE"}
SUMMARY_DROP = ("Addresses", "Phones", "ContactPersons", "ContactGroups", "PaymentTerms",
                "Balances", "BrandingTheme")
STATUSES = {"ACTIVE", "ARCHIVED", "GDPRREQUEST"}


def name_taken(org: Org, name: str, except_id: str | None = None) -> bool:
    """Names are unique among active contacts, case-insensitively."""
    wanted = name.strip().lower()
    return any(c["ContactID"] != except_id and c.get("ContactStatus") == "ACTIVE"
               and c["Name"].strip().lower() == wanted for c in org.contacts.values())


def find_contact(org: Org, ref: Any) -> Record | None:
    """A contact by ContactID (any GUID form), else ContactNumber, else exact Name."""
    if not isinstance(ref, dict):
        return None
    contact_id = parse_guid(find_key(ref, "ContactID"))
    if contact_id:
        return org.contacts.get(contact_id)
    number = find_key(ref, "ContactNumber")
    if number:
        found = by_number(org, str(number))
        if found:
            return found
    name = find_key(ref, "Name")
    if name:
        wanted = str(name).strip().lower()
        active = [c for c in org.contacts.values() if c["Name"].strip().lower() == wanted]
        active.sort(key=lambda c: c.get("ContactStatus") != "ACTIVE")
        return active[0] if active else None
    return None


def by_number(org: Org, number: str) -> Record | None:
    """A contact by its ContactNumber."""
    return next((c for c in org.contacts.values() if c.get("ContactNumber") == number), None)


def _list_field(name: str, value: Any) -> list[Record]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ElementError(f"{name} must be a list of objects")
    kinds = {"Addresses": ("AddressType", ADDRESS_TYPES), "Phones": ("PhoneType", PHONE_TYPES)}
    if name in kinds:
        key, allowed = kinds[name]
        for v in value:
            kind = str(v.get(key, "")).upper()
            if kind not in allowed:
                raise ElementError(f"{key} '{v.get(key)}' is not valid")
            v[key] = kind
    return [dict(v) for v in value]


def _apply(org: Org, contact: Record, element: Record) -> None:
    name = find_key(element, "Name")
    if name is not None:
        name = text(name, "Name", 255)
        if not name or not name.strip():
            raise ElementError("The contact name must be specified.")
        if name_taken(org, name, contact.get("ContactID")):
            raise ElementError(f"The contact name {name} is already assigned to another "
                               "contact. The contact name must be unique across all active "
                               "contacts.")
        contact["Name"] = name
    for field, limit in STRING_FIELDS.items():
        value = find_key(element, field)
        if value is not None:
            contact[field] = text(value, field, limit)
    number = contact.get("ContactNumber")
    if number and any(c.get("ContactNumber") == number and c["ContactID"] !=
                      contact.get("ContactID") for c in org.contacts.values()):
        raise ElementError(f"The contact number {number} is already assigned to another contact.")
    for field in LIST_FIELDS:
        value = find_key(element, field)
        if value is not None:
            contact[field] = _list_field(field, value)
    status = find_key(element, "ContactStatus")
    if status is not None:
        _set_status(org, contact, str(status).upper())


def _set_status(org: Org, contact: Record, status: str) -> None:
    if status not in STATUSES:
        raise ElementError(f"ContactStatus '{status}' is not valid")
    if status == "ARCHIVED" and contact.get("ContactStatus") != "ARCHIVED" and \
            has_outstanding(org, contact["ContactID"]):
        raise ElementError("This contact cannot be archived as it has outstanding "
                           "invoices, bills or credit notes.")
    if status == "ACTIVE" and contact.get("ContactStatus") == "ARCHIVED" and \
            name_taken(org, contact["Name"], contact["ContactID"]):
        raise ElementError(f"The contact name {contact['Name']} is already assigned to another "
                           "contact. The contact name must be unique across all active contacts.")
    contact["ContactStatus"] = status


def has_outstanding(org: Org, contact_id: str) -> bool:
    """Whether approved documents of this contact still have money owing."""
    for doc in (*org.invoices.values(), *org.credit_notes.values()):
        if doc["Contact"]["ContactID"] != contact_id or doc["Status"] != "AUTHORISED":
            continue
        if doc.get("AmountDue", doc.get("RemainingCredit", 0)):
            return True
    return False


def create_contact(org: Org, element: Record) -> Record:
    """Create a contact (PUT /Contacts element, or POST without an identifying id)."""
    if not find_key(element, "Name"):
        raise ElementError("The contact name must be specified.")
    contact: Record = {"ContactID": org.new_id(), "ContactStatus": "ACTIVE", "Addresses": [],
                       "Phones": [], "ContactPersons": [], "ContactGroups": [],
                       "IsSupplier": False,
                       "IsCustomer": False, "HasAttachments": False,
                       "HasValidationErrors": False}
    _apply(org, contact, element)
    contact["UpdatedDateUTC"] = org.now()
    org.put("contacts", contact["ContactID"], contact)
    org.add_history(contact["ContactID"], "Created", f"Contact {contact['Name']} created.")
    org.emit("CONTACT", "CREATE", contact["ContactID"])
    return contact


def update_contact(org: Org, contact: Record, element: Record) -> Record:
    """Change a contact's fields (including archiving through ContactStatus)."""
    org.remember("contacts", contact["ContactID"])
    _apply(org, contact, element)
    contact["UpdatedDateUTC"] = org.now()
    org.add_history(contact["ContactID"], "Updated", "Contact details updated.")
    org.emit("CONTACT", "UPDATE", contact["ContactID"])
    return contact


def upsert_contact(org: Org, element: Record, contact_id: str | None = None) -> Record:
    """POST /Contacts element: update when ContactID/ContactNumber identify one, else create."""
    if contact_id:
        return update_contact(org, get_contact(org, contact_id), element)
    ident = parse_guid(find_key(element, "ContactID"))
    if find_key(element, "ContactID") and not ident:
        raise ElementError("ContactID is not a valid GUID")
    if ident:
        existing = org.contacts.get(ident)
        if existing is None:
            raise ElementError(f"Contact with ContactID {ident} could not be found")
        return update_contact(org, existing, element)
    number = find_key(element, "ContactNumber")
    existing = by_number(org, str(number)) if number else None
    if existing:
        return update_contact(org, existing, element)
    return create_contact(org, element)


def get_contact(org: Org, key: str) -> Record:
    """GET /Contacts/{ContactID} or /Contacts/{ContactNumber}."""
    ident = parse_guid(key)
    contact = org.contacts.get(ident) if ident else by_number(org, key)
    if contact is None:
        raise NotFound()
    return contact


def mark_role(org: Org, contact_id: str, doc_type: str) -> None:
    """IsCustomer/IsSupplier follow the documents raised against the contact."""
    contact = org.contacts.get(contact_id)
    if contact is None:
        return
    if doc_type.startswith("ACCREC") and not contact.get("IsCustomer"):
        org.remember("contacts", contact_id)
        contact["IsCustomer"] = True
    if doc_type.startswith("ACCPAY") and not contact.get("IsSupplier"):
        org.remember("contacts", contact_id)
        contact["IsSupplier"] = True


def matches_search(contact: Record, term: str) -> bool:
    """searchTerm: case-insensitive over name, first/last name, number and email."""
    needle = term.lower()
    return any(needle in str(contact.get(f) or "").lower() for f in
               ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress"))


def summary(contact: Record) -> Record:
    """summaryOnly=true: the light form without addresses, phones and persons."""
    return {k: v for k, v in contact.items() if k not in SUMMARY_DROP}


def contact_ref(contact: Record) -> Record:
    """How documents embed their contact."""
    ref: Record = {"ContactID": contact["ContactID"], "Name": contact["Name"]}
    for field in ("ContactNumber", "EmailAddress", "FirstName", "LastName"):
        if contact.get(field):
            ref[field] = contact[field]
    ref["HasValidationErrors"] = False
    return ref
