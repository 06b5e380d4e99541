"""Actions on the chart of accounts and on items: create, update, archive, delete, read, notes."""

from __future__ import annotations

from pydantic import Field

from ledgerlink.providers.xero.actions_base import (
    Deleted,
    ListParams,
    ReadParams,
    WriteParams,
    accepting,
    action,
    first,
    list_records,
    many,
    segment,
    write,
)
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.models_base import AccountType
from ledgerlink.providers.xero.models_inputs import AccountInput, ItemInput
from ledgerlink.providers.xero.models_records import Account, HistoryRecord, Item

__all__ = [
    "AccountId", "AddNoteToItem", "CreateAccount", "CreateItem", "ItemId", "UpdateAccount",
    "UpdateItem", "WriteAccountId", "WriteItemId", "add_note_to_item", "archive_account",
    "create_account", "create_item", "delete_account", "delete_item", "get_account", "get_item",
    "get_item_history", "list_accounts", "list_items", "update_account", "update_item",
]

MAX_NOTE = 2500  # Xero's limit on a history note's Details


# ---- accounts -------------------------------------------------------------------------------
class AccountId(ReadParams):
    """One account by its AccountID."""

    account_id: str = Field(min_length=1)


class WriteAccountId(WriteParams):
    """A write on one account by its AccountID."""

    account_id: str = accepting("account_id", min_length=1)


class CreateAccount(WriteParams, AccountInput):
    """A new account: code, name and type are required (BANK accounts want a number too)."""

    code: str = Field(min_length=1, max_length=10)
    name: str = Field(min_length=1, max_length=150)
    type: AccountType


class UpdateAccount(WriteParams, AccountInput):
    """Fields to change on an account (only those given are sent)."""

    account_id: str = accepting("account_id", min_length=1)


def _account_path(account_id: str) -> str:
    return f"/Accounts/{segment(account_id)}"


@action("create_account", write=True)
async def create_account(client: XeroClient, params: CreateAccount) -> Account:
    """Create an account (PUT /Accounts takes the account unwrapped)."""
    body = await write(client, "create_account", params.operation_id,
                       "PUT", "/Accounts", params.to_xero())
    return first(body, "Accounts", Account)


@action("update_account", write=True)
async def update_account(client: XeroClient, params: UpdateAccount) -> Account:
    """Change an account's code, name, type, tax type, description and the like."""
    body = await write(client, "update_account", params.operation_id,
                       "POST", _account_path(params.account_id), {"Accounts": [params.to_xero()]})
    return first(body, "Accounts", Account)


@action("archive_account", write=True)
async def archive_account(client: XeroClient, params: WriteAccountId) -> Account:
    """Archive an account (Status ARCHIVED); system accounts cannot be archived."""
    body = await write(client, "archive_account", params.operation_id,
                       "POST", _account_path(params.account_id),
                       {"Accounts": [{"Status": "ARCHIVED"}]})
    return first(body, "Accounts", Account)


@action("delete_account", write=True)
async def delete_account(client: XeroClient, params: WriteAccountId) -> Account:
    """Delete an account; Xero refuses (ValidationError) once it has transactions."""
    body = await write(client, "delete_account", params.operation_id,
                       "DELETE", _account_path(params.account_id), None)
    return first(body, "Accounts", Account)


@action("get_account", write=False)
async def get_account(client: XeroClient, params: AccountId) -> Account:
    """One account by id."""
    body = await client.get(_account_path(params.account_id), operation="get_account")
    return first(body, "Accounts", Account)


@action("list_accounts", write=False)
async def list_accounts(client: XeroClient, params: ListParams) -> list[Account]:
    """The chart of accounts (Xero answers it in one call: Accounts do not page)."""
    return await list_records(client, "Accounts", "list_accounts", params, Account, paged=False)


# ---- items ----------------------------------------------------------------------------------
class ItemId(ReadParams):
    """One item by its ItemID (or its Code)."""

    item_id: str = Field(min_length=1)


class WriteItemId(WriteParams):
    """A write on one item by its ItemID."""

    item_id: str = accepting("item_id", min_length=1)


class CreateItem(WriteParams, ItemInput):
    """A new item; Code is required and unique."""


class UpdateItem(WriteParams, ItemInput):
    """Fields to change on an item; Xero wants its Code on every update."""

    item_id: str = accepting("item_id", min_length=1)


class AddNoteToItem(WriteParams):
    """A note for an item's history."""

    item_id: str = accepting("item_id", min_length=1)
    notes: str = accepting("notes", min_length=1, max_length=MAX_NOTE)


def _item_path(item_id: str) -> str:
    return f"/Items/{segment(item_id)}"


@action("create_item", write=True)
async def create_item(client: XeroClient, params: CreateItem) -> Item:
    """Create an item."""
    body = await write(client, "create_item", params.operation_id,
                       "PUT", "/Items", {"Items": [params.to_xero()]})
    return first(body, "Items", Item)


@action("update_item", write=True)
async def update_item(client: XeroClient, params: UpdateItem) -> Item:
    """Update an item by id."""
    body = await write(client, "update_item", params.operation_id,
                       "POST", _item_path(params.item_id), {"Items": [params.to_xero()]})
    return first(body, "Items", Item)


@action("delete_item", write=True)
async def delete_item(client: XeroClient, params: WriteItemId) -> Deleted:
    """Delete an item (Xero answers 204 with no body)."""
    await write(client, "delete_item", params.operation_id,
                "DELETE", _item_path(params.item_id), None)
    return Deleted(id=params.item_id)


@action("get_item", write=False)
async def get_item(client: XeroClient, params: ItemId) -> Item:
    """One item by id or code."""
    body = await client.get(_item_path(params.item_id), operation="get_item")
    return first(body, "Items", Item)


@action("list_items", write=False)
async def list_items(client: XeroClient, params: ListParams) -> list[Item]:
    """Every item (Items do not page)."""
    return await list_records(client, "Items", "list_items", params, Item, paged=False)


@action("get_item_history", write=False)
async def get_item_history(client: XeroClient, params: ItemId) -> list[HistoryRecord]:
    """An item's history and notes, newest first."""
    body = await client.get(f"{_item_path(params.item_id)}/History",
                            operation="get_item_history")
    return many(body.get("HistoryRecords"), HistoryRecord)


@action("add_note_to_item", write=True)
async def add_note_to_item(client: XeroClient, params: AddNoteToItem) -> list[HistoryRecord]:
    """Add a note to an item's history."""
    body = await write(client, "add_note_to_item", params.operation_id,
                       "PUT", f"{_item_path(params.item_id)}/History",
                       {"HistoryRecords": [{"Details": params.notes}]})
    return many(body.get("HistoryRecords"), HistoryRecord)
