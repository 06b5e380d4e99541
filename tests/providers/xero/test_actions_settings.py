"""Account and item actions against the emulator over loopback HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError as ParamsError

from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.errors import NotFoundError, ValidationError
from ledgerlink.providers.xero.actions import (
    AccountId,
    AddNoteToItem,
    CreateAccount,
    CreateItem,
    ItemId,
    ListParams,
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
from ledgerlink.providers.xero.models import AccountStatus, AccountType, ItemDetailsInput
from tests.providers.xero.conftest import RequestLog

pytestmark = pytest.mark.timeout(30)


def _account_id(emulator: RunningEmulator, code: str) -> str:
    org = emulator.emulator.default_org
    return next(a["AccountID"] for a in org.accounts.values() if a.get("Code") == code)


# ---- accounts -------------------------------------------------------------------------------
async def test_account_lifecycle(xero: XeroClient, emulator: RunningEmulator) -> None:
    created = await create_account(xero, CreateAccount(
        operation_id="acc-1", code="271", name="Grants", type=AccountType.OTHERINCOME,
        description="Government grants"))
    assert created.account_id and created.code == "271" and created.class_ == "REVENUE"
    assert created.status is AccountStatus.ACTIVE and created.tax_type == "OUTPUT2"
    assert created.updated_date_utc is not None and created.updated_date_utc.tzinfo is UTC

    fetched = await get_account(xero, AccountId(account_id=created.account_id))
    assert fetched.name == "Grants" and fetched.description == "Government grants"

    renamed = await update_account(xero, UpdateAccount(
        operation_id="acc-2", account_id=created.account_id, name="Grants & Subsidies",
        tax_type="NONE"))
    assert renamed.name == "Grants & Subsidies" and renamed.tax_type == "NONE"
    assert renamed.code == "271"  # untouched fields stay

    archived = await archive_account(xero, WriteAccountId(operation_id="acc-3",
                                                          account_id=created.account_id))
    assert archived.status is AccountStatus.ARCHIVED

    deleted = await delete_account(xero, WriteAccountId(operation_id="acc-4",
                                                        account_id=created.account_id))
    assert deleted.status is AccountStatus.DELETED
    with pytest.raises(NotFoundError):
        await get_account(xero, AccountId(account_id=created.account_id))


async def test_same_operation_id_creates_one_account(xero: XeroClient,
                                                    emulator: RunningEmulator) -> None:
    params = CreateAccount(operation_id="one-account", code="272", name="Royalties",
                           type="revenue")
    first = await create_account(xero, params)
    again = await create_account(xero, params)
    assert first.account_id == again.account_id
    named = [a for a in emulator.emulator.default_org.accounts.values()
             if a.get("Name") == "Royalties"]
    assert len(named) == 1


async def test_account_rules_surface_as_validation_errors(xero: XeroClient,
                                                          emulator: RunningEmulator) -> None:
    with pytest.raises(ValidationError) as caught:  # Sales has invoices posted to it
        await delete_account(xero, WriteAccountId(operation_id="del-sales",
                                                  account_id=_account_id(emulator, "200")))
    assert "has transactions" in caught.value.problems[0].message
    with pytest.raises(ValidationError) as caught:  # a system account cannot be archived
        await archive_account(xero, WriteAccountId(operation_id="arch-ar",
                                                   account_id=_account_id(emulator, "610")))
    assert "System accounts" in caught.value.message
    with pytest.raises(ValidationError) as caught:  # codes are unique
        await create_account(xero, CreateAccount(operation_id="dup", code="200",
                                                 name="Sales again", type="REVENUE"))
    assert caught.value.problems[0].field == "Code"


def test_account_params_are_checked_before_any_call() -> None:
    with pytest.raises(ParamsError) as caught:
        CreateAccount.model_validate({"operationId": "x", "Code": "1", "Name": "n",
                                      "Type": "BANKISH"})
    (error,) = caught.value.errors()
    assert error["loc"] == ("Type",) and "'BANK'" in error["msg"]
    with pytest.raises(ParamsError) as caught:
        CreateAccount.model_validate({"code": "1", "name": "n", "type": "BANK"})
    assert caught.value.errors()[0]["loc"] == ("operation_id",)


async def test_list_accounts_filters(xero: XeroClient, emulator: RunningEmulator,
                                     request_log: RequestLog) -> None:
    everything = await list_accounts(xero, ListParams())
    assert len(everything) == len(emulator.emulator.default_org.accounts)
    banks = await list_accounts(xero, ListParams(where='Type=="BANK"', order="Code DESC"))
    assert [a.code for a in banks] == ["091", "090"]
    assert all(a.type is AccountType.BANK for a in banks)
    later = datetime.now(UTC) + timedelta(days=3650)
    assert await list_accounts(xero, ListParams(modified_after=later)) == []
    seen = request_log.api()
    assert "page=" not in seen[0].query  # Accounts do not page: one call, no paging params
    assert "if-modified-since" in seen[-1].headers


# ---- items ----------------------------------------------------------------------------------
async def test_item_lifecycle_and_notes(xero: XeroClient) -> None:
    item = await create_item(xero, CreateItem(
        operation_id="item-1", code="GATE-CEDAR", name="Cedar gate", is_sold=True,
        is_purchased=True, description="Cedar garden gate",
        sales_details=ItemDetailsInput(unit_price=Decimal("640.50"), account_code="200",
                                       tax_type="OUTPUT2"),
        purchase_details=ItemDetailsInput(unit_price=Decimal("310"), account_code="300")))
    assert item.item_id and item.code == "GATE-CEDAR"
    assert item.sales_details and item.sales_details.unit_price == Decimal("640.50")
    assert item.purchase_details and item.purchase_details.account_code == "300"

    got = await get_item(xero, ItemId(item_id=item.item_id))
    assert got.name == "Cedar gate"
    updated = await update_item(xero, UpdateItem(
        operation_id="item-2", item_id=item.item_id, code="GATE-CEDAR",
        name="Cedar gate, large", sales_details=ItemDetailsInput(unit_price="699.00")))
    assert updated.name == "Cedar gate, large"
    assert updated.sales_details and updated.sales_details.unit_price == Decimal("699.00")

    notes = await add_note_to_item(xero, AddNoteToItem(
        operation_id="item-note", item_id=item.item_id, notes="Price rise from March"))
    assert [n.details for n in notes] == ["Price rise from March"]
    history = await get_item_history(xero, ItemId(item_id=item.item_id))
    assert history[0].details == "Price rise from March" and history[0].changes == "Note"
    assert history[0].date_utc is not None and history[0].date_utc.tzinfo is UTC

    listed = await list_items(xero, ListParams(where='Code=="GATE-CEDAR"'))
    assert [i.item_id for i in listed] == [item.item_id]
    assert len(await list_items(xero, ListParams())) == 21  # the 20 seeded and this one

    gone = await delete_item(xero, WriteItemId(operation_id="item-del", item_id=item.item_id))
    assert gone.id == item.item_id and gone.status == "DELETED"
    with pytest.raises(NotFoundError):
        await get_item(xero, ItemId(item_id=item.item_id))


async def test_duplicate_item_code_names_the_field(xero: XeroClient) -> None:
    with pytest.raises(ValidationError) as caught:
        await create_item(xero, CreateItem(operation_id="dup-item", code="DOOR-OAK"))
    assert caught.value.problems[0].field == "Code"
    assert "DOOR-OAK" in caught.value.message


def test_note_params_are_bounded() -> None:
    with pytest.raises(ParamsError) as caught:
        AddNoteToItem.model_validate({"operationId": "n", "itemId": "i", "notes": ""})
    assert caught.value.errors()[0]["loc"] == ("notes",)
    with pytest.raises(ParamsError):
        AddNoteToItem(operation_id="n", item_id="i", notes="x" * 2501)
