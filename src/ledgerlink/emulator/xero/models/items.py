"""Items (price list): create, update, delete, with unique codes and price details."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerlink.emulator.xero.arithmetic import round2, round4
from ledgerlink.emulator.xero.errors import NotFound
from ledgerlink.emulator.xero.models.base import (
    ElementError,
    Org,
    Record,
    dec,
    find_key,
    flag,
    text,
)
from ledgerlink.emulator.xero.wire import parse_guid


def find_item(org: Org, code_or_id: str) -> Record | None:
    """An item by ItemID or by Code (case-insensitive)."""
    ident = parse_guid(code_or_id)
    if ident and ident in org.items:
        return org.items[ident]
    wanted = code_or_id.strip().upper()
    return next((i for i in org.items.values() if i["Code"].upper() == wanted), None)


def _details(org: Org, raw: Any, name: str) -> Record:
    if not isinstance(raw, dict):
        raise ElementError(f"{name} must be an object")
    out: Record = {}
    price = dec(find_key(raw, "UnitPrice"), f"{name}.UnitPrice")
    if price is not None:
        out["UnitPrice"] = round4(price)
    for field in ("AccountCode", "COGSAccountCode"):
        code = find_key(raw, field)
        if code:
            if org.account_by_code(str(code)) is None:
                raise ElementError(f"Account code '{code}' is not a valid code for this "
                                   "document.")
            out[field] = str(code)
    tax = find_key(raw, "TaxType")
    if tax:
        if org.tax_rate(str(tax)) is None:
            raise ElementError(f"The TaxType code '{tax}' does not exist or cannot be used.")
        out["TaxType"] = str(tax)
    return out


def _apply(org: Org, item: Record, element: Record) -> None:
    code = find_key(element, "Code")
    if code is not None:
        code = text(code, "Code", 30)
        if not code:
            raise ElementError("Item Code must be specified.")
        clash = find_item(org, code)
        if clash is not None and clash["ItemID"] != item.get("ItemID"):
            raise ElementError(f"Price List Item with Code '{code}' already exists")
        item["Code"] = code
    for field, limit in (("Name", 50), ("Description", 4000), ("PurchaseDescription", 4000),
                         ("InventoryAssetAccountCode", 10)):
        value = find_key(element, field)
        if value is not None:
            item[field] = text(value, field, limit)
    for field in ("IsSold", "IsPurchased"):
        value = find_key(element, field)
        if value is not None:
            item[field] = flag(value, field, True)
    for field in ("SalesDetails", "PurchaseDetails"):
        value = find_key(element, field)
        if value is not None:
            item[field] = _details(org, value, field)
    if item.get("InventoryAssetAccountCode"):
        item["IsTrackedAsInventory"] = True


def create_item(org: Org, element: Record) -> Record:
    """PUT /Items element (or POST without a matching ItemID/Code)."""
    if not find_key(element, "Code"):
        raise ElementError("Item Code must be specified.")
    item: Record = {"ItemID": org.new_id(), "IsSold": True, "IsPurchased": True,
                    "IsTrackedAsInventory": False, "SalesDetails": {}, "PurchaseDetails": {}}
    _apply(org, item, element)
    item.setdefault("Name", item["Code"])
    if item["IsTrackedAsInventory"]:
        item.setdefault("QuantityOnHand", Decimal("0.0000"))
        item.setdefault("TotalCostPool", Decimal("0.00"))
    item["UpdatedDateUTC"] = org.now()
    org.put("items", item["ItemID"], item)
    org.add_history(item["ItemID"], "Created", f"Item {item['Code']} created.")
    return item


def update_item(org: Org, item: Record, element: Record) -> Record:
    """Change an item's fields."""
    org.remember("items", item["ItemID"])
    _apply(org, item, element)
    item["UpdatedDateUTC"] = org.now()
    org.add_history(item["ItemID"], "Updated", f"Item {item['Code']} updated.")
    return item


def upsert_item(org: Org, element: Record, item_id: str | None = None) -> Record:
    """POST /Items element: update by ItemID (or by Code), else create."""
    if item_id:
        return update_item(org, get_item(org, item_id), element)
    raw_id = find_key(element, "ItemID")
    if raw_id:
        found = org.items.get(parse_guid(raw_id) or "")
        if found is None:
            raise ElementError(f"Item with ItemID {raw_id} could not be found")
        return update_item(org, found, element)
    code = find_key(element, "Code")
    existing = find_item(org, str(code)) if code else None
    if existing is not None:
        return update_item(org, existing, element)
    return create_item(org, element)


def get_item(org: Org, key: str) -> Record:
    """GET /Items/{ItemID} (Xero also accepts the item code)."""
    item = find_item(org, key)
    if item is None:
        raise NotFound()
    return item


def delete_item(org: Org, key: str) -> None:
    """DELETE /Items/{ItemID}: answered with 204."""
    item = get_item(org, key)
    org.put("items", item["ItemID"], item)
    del org.items[item["ItemID"]]


def present_item(item: Record, unitdp: int) -> Record:
    """Unit prices at 2 dp unless the caller asked for unitdp=4."""
    out = dict(item)
    for field in ("SalesDetails", "PurchaseDetails"):
        details = dict(out.get(field) or {})
        if "UnitPrice" in details and unitdp == 2:
            details["UnitPrice"] = round2(details["UnitPrice"])
        out[field] = details
    return out
