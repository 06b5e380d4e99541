"""xero-python against the emulator: organisation, accounts, tax rates, items and contacts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from xero_python.accounting.models import (
    Account,
    Accounts,
    AccountType,
    Contact,
    Contacts,
    HistoryRecord,
    HistoryRecords,
    Item,
    Items,
    Purchase,
    TaxComponent,
    TaxRate,
    TaxRates,
)
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from ledgerlink.emulator.core.server import RunningEmulator
from tests.conformance.xero_python_support import Sdk

pytestmark = pytest.mark.conformance
MISSING = "00000000-0000-0000-0000-0000000000aa"






@pytest.fixture(autouse=True)
def fresh_limits(emulator: RunningEmulator) -> None:
    """Each test starts with empty rate windows (a test stays under 60 calls a minute)."""
    emulator.emulator.limiter.reset()


def test_organisation_and_actions(sdk: Sdk, tenant: str) -> None:
    org = sdk.accounting.get_organisations(tenant).organisations[0]
    assert org.name == "Harbourside Joinery Ltd"
    assert org.organisation_id and org.short_code
    assert org.base_currency.value == "NZD" and org.country_code.value == "NZ"
    assert isinstance(org.created_date_utc, datetime) and org.created_date_utc.tzinfo
    actions = sdk.accounting.get_organisation_actions(tenant).actions
    names = {a.name: a.status for a in actions}
    assert names and set(names.values()) <= {"ALLOWED", "NOT-ALLOWED"}
    assert names.get("CreateContacts") == "ALLOWED"


def test_accounts_lifecycle(sdk: Sdk, tenant: str) -> None:
    api = sdk.accounting
    every = api.get_accounts(tenant).accounts
    codes = {a.code for a in every}
    assert {"090", "200", "300"} <= codes
    revenue = api.get_accounts(tenant, where='Type=="REVENUE"', order="Code ASC").accounts
    assert revenue and all(a.type == AccountType.REVENUE for a in revenue)
    assert [a.code for a in revenue] == sorted(a.code for a in revenue)

    made = api.create_account(tenant, Account(code="4711", name="Conformance Sales",
                                              type=AccountType.REVENUE,
                                              tax_type="OUTPUT2")).accounts[0]
    assert made.account_id and made.status == "ACTIVE" and made.tax_type == "OUTPUT2"
    assert isinstance(made.updated_date_utc, datetime)
    fetched = api.get_account(tenant, made.account_id).accounts[0]
    assert (fetched.code, fetched.name, fetched.type) == ("4711", "Conformance Sales",
                                                          AccountType.REVENUE)
    renamed = api.update_account(tenant, made.account_id, Accounts(accounts=[Account(
        name="Conformance Sales (renamed)", description="renamed by xero-python")])).accounts[0]
    assert renamed.name == "Conformance Sales (renamed)"
    assert renamed.description == "renamed by xero-python"
    archived = api.update_account(tenant, made.account_id,
                                  Accounts(accounts=[Account(status="ARCHIVED")])).accounts[0]
    assert archived.status == "ARCHIVED"

    with pytest.raises(AccountingBadRequestException) as dup:
        api.create_account(tenant, Account(code="200", name="Clash", type=AccountType.REVENUE))
    assert "code" in dup.value.reason.lower()

    spare = api.create_account(tenant, Account(code="4712", name="Spare Expense",
                                               type=AccountType.EXPENSE)).accounts[0]
    deleted = api.delete_account(tenant, spare.account_id).accounts[0]
    assert deleted.status == "DELETED"
    with pytest.raises(NotFoundException):
        api.get_account(tenant, spare.account_id)


def test_tax_rates(sdk: Sdk, tenant: str) -> None:
    api = sdk.accounting
    active = api.get_tax_rates(tenant, where='Status=="ACTIVE"').tax_rates
    by_type = {t.tax_type: t for t in active}
    assert {"OUTPUT2", "INPUT2"} <= set(by_type)
    assert all(t.status == "ACTIVE" for t in active)
    gst = by_type["OUTPUT2"]
    assert Decimal(str(gst.effective_rate)) == Decimal("15")
    assert gst.tax_components and Decimal(str(gst.tax_components[0].rate)) == Decimal("15")

    made = api.create_tax_rates(tenant, TaxRates(tax_rates=[TaxRate(
        name="Conformance Levy", report_tax_type="OUTPUT",
        tax_components=[TaxComponent(name="Levy", rate=2.5, is_compound=False,
                                     is_non_recoverable=False)])])).tax_rates[0]
    assert made.tax_type and made.tax_type.startswith("TAX")
    assert Decimal(str(made.effective_rate)) == Decimal("2.5") and made.status == "ACTIVE"
    one = api.get_tax_rate_by_tax_type(tenant, made.tax_type).tax_rates
    assert [t.name for t in one] == ["Conformance Levy"]


def test_items(sdk: Sdk, tenant: str) -> None:
    api = sdk.accounting
    seeded = api.get_items(tenant).items
    assert len(seeded) == 20 and all(i.item_id and i.code for i in seeded)

    made = api.create_items(tenant, Items(items=[Item(
        code="CONF-1", name="Conformance widget", description="Sold by the test",
        sales_details=Purchase(unit_price=12.5, account_code="200", tax_type="OUTPUT2"),
        purchase_details=Purchase(unit_price=7.25, account_code="300"))])).items[0]
    assert made.item_id and made.is_sold and made.is_purchased
    assert made.sales_details.unit_price == Decimal("12.5")
    upserted = api.update_or_create_items(tenant, Items(items=[
        Item(code="CONF-1", name="Conformance widget v2"),
        Item(code="CONF-2", name="Second conformance widget")])).items
    assert [i.code for i in upserted] == ["CONF-1", "CONF-2"]
    assert upserted[0].item_id == made.item_id  # matched on Code, not duplicated
    assert upserted[0].name == "Conformance widget v2"

    updated = api.update_item(tenant, made.item_id, Items(items=[Item(
        code="CONF-1", description="Changed description")])).items[0]
    assert updated.description == "Changed description"
    fetched = api.get_item(tenant, made.item_id).items[0]
    assert (fetched.name, fetched.description) == ("Conformance widget v2", "Changed description")
    assert [i.code for i in api.get_items(tenant, where='Code=="CONF-2"').items] == ["CONF-2"]
    history = api.get_item_history(tenant, made.item_id).history_records
    assert history and all(isinstance(h.date_utc, datetime) for h in history)

    api.delete_item(tenant, upserted[1].item_id)
    with pytest.raises(NotFoundException):
        api.get_item(tenant, upserted[1].item_id)
    assert len(api.get_items(tenant).items) == 21


def test_contacts_queries(sdk: Sdk, tenant: str) -> None:
    api = sdk.accounting
    page = api.get_contacts(tenant, page=1).contacts
    assert len(page) >= 50 and all(c.contact_status == "ACTIVE" for c in page)
    assert api.get_contacts(tenant, page=2).contacts == []
    target = page[7]
    word = target.name.split()[0]
    found = api.get_contacts(tenant, search_term=word.lower()).contacts
    assert target.contact_id in {c.contact_id for c in found}
    assert all(word.lower() in (c.name + " " + (c.email_address or "")).lower() or
               word.lower() in f"{c.first_name} {c.last_name} {c.contact_number}".lower()
               for c in found)
    picked = api.get_contacts(tenant, i_ds=[page[0].contact_id, page[3].contact_id]).contacts
    assert {c.contact_id for c in picked} == {page[0].contact_id, page[3].contact_id}
    suppliers = api.get_contacts(tenant, where="IsSupplier==true", order="Name DESC").contacts
    assert suppliers and all(c.is_supplier for c in suppliers)
    assert [c.name for c in suppliers] == sorted((c.name for c in suppliers), reverse=True)
    fetched = api.get_contact(tenant, target.contact_id).contacts[0]
    assert fetched.name == target.name and isinstance(fetched.updated_date_utc, datetime)
    with pytest.raises(NotFoundException):
        api.get_contact(tenant, MISSING)


def test_contacts_writes(sdk: Sdk, tenant: str) -> None:
    api = sdk.accounting
    before = datetime.now(UTC) - timedelta(seconds=5)
    made = api.create_contacts(tenant, Contacts(contacts=[Contact(
        name="Conformance Customer Ltd", first_name="Aroha", last_name="Ngata",
        email_address="aroha@example.com")])).contacts[0]
    assert made.contact_id and made.contact_status == "ACTIVE"
    assert made.updated_date_utc >= before.replace(microsecond=0)
    recent = api.get_contacts(tenant, if_modified_since=before).contacts
    assert made.contact_id in {c.contact_id for c in recent}
    assert len(recent) < 50  # the seeded contacts were last changed long before

    updated = api.update_contact(tenant, made.contact_id, Contacts(contacts=[Contact(
        email_address="accounts@conformance.example")])).contacts[0]
    assert updated.email_address == "accounts@conformance.example"
    assert updated.name == "Conformance Customer Ltd"

    api.create_contact_history(tenant, made.contact_id, HistoryRecords(history_records=[
        HistoryRecord(details="Called about the overdue invoice")]))
    history = api.get_contact_history(tenant, made.contact_id).history_records
    assert "Called about the overdue invoice" in [h.details for h in history]
    assert all(isinstance(h.date_utc, datetime) for h in history)

    archived = api.update_contact(tenant, made.contact_id, Contacts(contacts=[Contact(
        contact_status="ARCHIVED")])).contacts[0]
    assert archived.contact_status == "ARCHIVED"
    plain = {c.contact_id for c in api.get_contacts(tenant).contacts}
    with_archived = api.get_contacts(tenant, include_archived=True).contacts
    assert made.contact_id not in plain
    assert made.contact_id in {c.contact_id for c in with_archived}

    with pytest.raises(AccountingBadRequestException) as caught:
        api.create_contacts(tenant, Contacts(contacts=[Contact(first_name="No name")]))
    assert caught.value.reason  # the first validation message, as the SDK extracts it
    assert Path(sdk.api_client.configuration.temp_folder_path).is_dir()
