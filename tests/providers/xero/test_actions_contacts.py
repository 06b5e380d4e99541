"""Contact actions against the emulator over loopback HTTP."""

from __future__ import annotations

import pytest
from pydantic import ValidationError as ParamsError

from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.errors import ConflictError, ValidationError
from ledgerlink.providers.xero.actions import (
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
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.models import AddressInput, ContactStatus, PhoneInput
from tests.providers.xero.conftest import RequestLog

pytestmark = pytest.mark.timeout(30)


def _new(operation_id: str, name: str, **fields: object) -> CreateContact:
    return CreateContact.model_validate({"operation_id": operation_id, "name": name, **fields})


async def test_contact_lifecycle(xero: XeroClient) -> None:
    created = await create_contact(xero, CreateContact(
        operation_id="c-1", name="Privet Joinery", first_name="Vernon", last_name="Dursley",
        email_address="vernon@privet.example", tax_number="12-345-678",
        default_currency="NZD",
        addresses=[AddressInput(address_type="STREET", address_line1="4 Privet Drive",
                                city="Nelson", postal_code="7010", country="New Zealand")],
        phones=[PhoneInput(phone_type="MOBILE", phone_number="5550101",
                           phone_area_code="021")]))
    assert created.contact_id and created.contact_status is ContactStatus.ACTIVE
    assert created.addresses and created.addresses[0].address_line1 == "4 Privet Drive"
    assert created.phones and created.phones[0].phone_type == "MOBILE"

    got = await get_contact(xero, ContactId(contact_id=created.contact_id))
    assert got.email_address == "vernon@privet.example" and got.tax_number == "12-345-678"

    changed = await update_contact(xero, UpdateContact(
        operation_id="c-2", contact_id=created.contact_id, email_address="v@privet.example"))
    assert changed.email_address == "v@privet.example" and changed.name == "Privet Joinery"

    archived = await archive_contact(xero, WriteContactId(operation_id="c-3",
                                                          contact_id=created.contact_id))
    assert archived.contact_status is ContactStatus.ARCHIVED

    history = await get_contact_history(xero, ContactId(contact_id=created.contact_id))
    assert history and all(h.date_utc is not None for h in history)
    assert history[0].date_utc >= history[-1].date_utc  # type: ignore[operator]


async def test_repeated_create_with_one_operation_id_makes_one_contact(
        xero: XeroClient, emulator: RunningEmulator) -> None:
    params = _new("same-op", "Once Only Ltd", email_address="once@example.com")
    first = await create_contact(xero, params)
    second = await create_contact(xero, params)
    assert first.contact_id == second.contact_id
    org = emulator.emulator.default_org
    assert [c["Name"] for c in org.contacts.values()].count("Once Only Ltd") == 1
    # another operation is another write: Xero refuses the duplicate name
    with pytest.raises(ValidationError) as caught:
        await create_contact(xero, _new("other-op", "Once Only Ltd"))
    assert caught.value.problems[0].field == "Name"
    # the same operation id with a different body is a conflict, never a silent second write
    with pytest.raises(ConflictError):
        await create_contact(xero, _new("same-op", "Twice Ltd"))


async def test_list_contacts_pages_and_filters(xero: XeroClient,
                                               request_log: RequestLog) -> None:
    everyone = await list_contacts(xero, ListContacts())
    assert len(everyone) == 50 and len({c.contact_id for c in everyone}) == 50
    (call,) = request_log.api()
    assert "pageSize=1000" in call.query

    page = await list_contacts(xero, ListContacts(page=2, page_size=20))
    assert [c.contact_id for c in page] == [c.contact_id for c in everyone[20:40]]

    found = await list_contacts(xero, ListContacts(search_term="bakery"))
    assert [c.name for c in found] == ["Tui Street Bakery"]

    some = [c.contact_id or "" for c in everyone[:3]]
    by_ids = await list_contacts(xero, ListContacts.model_validate({"IDs": ",".join(some)}))
    assert sorted(c.contact_id or "" for c in by_ids) == sorted(some)

    extra = await create_contact(xero, _new("new", "Short Lived Ltd"))
    assert len(await list_contacts(xero, ListContacts())) == 51
    await archive_contact(xero, WriteContactId(operation_id="arch",
                                               contact_id=extra.contact_id or ""))
    assert len(await list_contacts(xero, ListContacts())) == 50
    with_archived = await list_contacts(xero, ListContacts(include_archived=True))
    assert len(with_archived) == 51


async def test_archiving_a_contact_with_open_invoices_is_refused(
        xero: XeroClient, emulator: RunningEmulator) -> None:
    org = emulator.emulator.default_org
    owing = next(i["Contact"]["ContactID"] for i in org.invoices.values()
                 if i["Status"] == "AUTHORISED")
    with pytest.raises(ValidationError, match="outstanding"):
        await archive_contact(xero, WriteContactId(operation_id="arch", contact_id=owing))
    assert org.contacts[owing]["ContactStatus"] == "ACTIVE"


def test_contact_params() -> None:
    with pytest.raises(ParamsError) as caught:
        CreateContact.model_validate({"operation_id": "x", "Name": "n",
                                      "Addresses": [{"AddressType": "MOON"}]})
    error = caught.value.errors()[0]
    assert error["loc"] == ("Addresses", 0, "AddressType")
    assert "'POBOX' or 'STREET'" in error["msg"]
    with pytest.raises(ParamsError):
        CreateContact.model_validate({"operation_id": "x"})  # a new contact needs a name
    with pytest.raises(ParamsError) as caught:
        ListContacts.model_validate({"pageSize": 5000})
    assert caught.value.errors()[0]["loc"] == ("pageSize",)
