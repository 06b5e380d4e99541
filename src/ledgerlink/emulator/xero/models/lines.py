"""Line items of invoices, credit notes and repeating invoices: parsing, defaults and totals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerlink.emulator.xero.arithmetic import (
    LineResult,
    compute_line,
    compute_totals,
    normalise_line_amount_types,
    round4,
)
from ledgerlink.emulator.xero.models.base import ElementError, Org, Record, dec, find_key, text
from ledgerlink.emulator.xero.models.items import find_item
from ledgerlink.emulator.xero.models.settings import rate_percent
from ledgerlink.emulator.xero.wire import parse_guid

SALES_TYPES = {"ACCREC", "ACCRECCREDIT"}


def line_amount_types(element: Record, default: str = "Exclusive") -> str:
    """The document's LineAmountTypes, validated (Exclusive is Xero's default for invoices)."""
    raw = find_key(element, "LineAmountTypes")
    if raw is None or raw == "":
        return default
    try:
        return normalise_line_amount_types(str(raw))
    except ValueError:
        raise ElementError("LineAmountTypes must be Exclusive, Inclusive or NoTax") from None


def _item_defaults(org: Org, line: Record, raw: Record, doc_type: str) -> None:
    code = find_key(raw, "ItemCode")
    if not code:
        return
    item = find_item(org, str(code))
    if item is None:
        raise ElementError(f"Item code '{code}' is not valid")
    line["ItemCode"] = item["Code"]
    sales = doc_type in SALES_TYPES
    details = item.get("SalesDetails" if sales else "PurchaseDetails") or {}
    desc = item.get("Description" if sales else "PurchaseDescription") or item.get("Name")
    line.setdefault("Description", desc)
    if details.get("UnitPrice") is not None:
        line.setdefault("UnitAmount", details["UnitPrice"])
    if details.get("AccountCode"):
        line.setdefault("AccountCode", details["AccountCode"])
    if details.get("TaxType"):
        line.setdefault("TaxType", details["TaxType"])


def _account(org: Org, line: Record, raw: Record) -> None:
    account_id = parse_guid(find_key(raw, "AccountID"))
    code = find_key(raw, "AccountCode") or line.get("AccountCode")
    acc = org.accounts.get(account_id) if account_id else org.account_by_code(code)
    if (account_id or code) and (acc is None or acc.get("Status") != "ACTIVE"):
        raise ElementError(f"Account code '{code or account_id}' is not a valid code for this "
                           "document.")
    if acc is not None:
        line["AccountCode"] = acc["Code"]
        line["AccountID"] = acc["AccountID"]
        line.setdefault("TaxType", acc.get("TaxType") or "NONE")


def parse_line(org: Org, raw: Any, doc_type: str, lat: str, unitdp: int,
               prior: Record | None = None) -> tuple[Record, LineResult]:
    """One line item with defaults from its item and account, and its computed amounts."""
    if not isinstance(raw, dict):
        raise ElementError("Each line item must be an object")
    line: Record = {"LineItemID": (prior or {}).get("LineItemID") or org.new_id()}
    desc = find_key(raw, "Description")
    if desc is not None:
        line["Description"] = text(desc, "Description", 4000)
    qty = dec(find_key(raw, "Quantity"), "Quantity")
    unit = dec(find_key(raw, "UnitAmount"), "UnitAmount")
    if unit is not None:
        line["UnitAmount"] = unit
    _item_defaults(org, line, raw, doc_type)
    _account(org, line, raw)
    tax_type = find_key(raw, "TaxType")
    if tax_type:
        if str(tax_type).upper() != "NONE" and org.tax_rate(str(tax_type)) is None:
            raise ElementError(f"The TaxType code '{tax_type}' does not exist or cannot be used "
                               "with this type of transaction.")
        line["TaxType"] = str(tax_type)
    disc_rate = dec(find_key(raw, "DiscountRate"), "DiscountRate")
    disc_amount = dec(find_key(raw, "DiscountAmount"), "DiscountAmount")
    if (disc_rate or disc_amount) and doc_type not in SALES_TYPES:
        raise ElementError("Discounts are only allowed on sales documents.")
    tax_override = dec(find_key(raw, "TaxAmount"), "TaxAmount")
    given_amount = dec(find_key(raw, "LineAmount"), "LineAmount")
    unit_amount = line.get("UnitAmount")
    result = compute_line(qty, unit_amount, rate_percent(org, line.get("TaxType")), lat,
                          disc_rate, disc_amount, given_amount, tax_override, unitdp)
    line["Quantity"] = round4(qty if qty is not None else Decimal(1))
    if unit_amount is None:
        line["UnitAmount"] = result.line_amount
    line["UnitAmount"] = round4(Decimal(line["UnitAmount"]))
    line["LineAmount"] = result.line_amount
    line["TaxAmount"] = result.tax_amount
    line.setdefault("TaxType", "NONE")
    if disc_rate:
        line["DiscountRate"] = disc_rate
    if disc_amount:
        line["DiscountAmount"] = disc_amount
    tracking = find_key(raw, "Tracking")
    line["Tracking"] = tracking if isinstance(tracking, list) else []
    return line, result


def parse_lines(org: Org, raw: Any, doc_type: str, lat: str, unitdp: int,
                prior: list[Record] | None = None) -> tuple[list[Record], list[LineResult]]:
    """All line items of a document; an existing LineItemID keeps its identity."""
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        raise ElementError("LineItems must be a list")
    by_id = {line["LineItemID"]: line for line in (prior or [])}
    lines, results = [], []
    for entry in raw:
        prev = by_id.get(parse_guid(find_key(entry, "LineItemID")) or "") \
            if isinstance(entry, dict) else None
        line, result = parse_line(org, entry, doc_type, lat, unitdp, prev)
        lines.append(line)
        results.append(result)
    return lines, results


def apply_totals(doc: Record, results: list[LineResult], lat: str) -> None:
    """SubTotal, TotalTax, Total and TotalDiscount from the computed lines."""
    totals = compute_totals(results, lat)
    doc["SubTotal"] = totals.sub_total
    doc["TotalTax"] = totals.total_tax
    doc["Total"] = totals.total
    if totals.total_discount:
        doc["TotalDiscount"] = totals.total_discount
    else:
        doc.pop("TotalDiscount", None)
    doc["IsDiscounted"] = bool(totals.total_discount)


def results_of(doc: Record) -> list[LineResult]:
    """Recover line results from stored lines (to recompute totals after a type change)."""
    return [LineResult(line["LineAmount"], line["TaxAmount"], Decimal("0.00"))
            for line in doc.get("LineItems", [])]


def require_accounts(doc: Record) -> None:
    """An approved document needs an account on every line."""
    if not doc.get("LineItems"):
        raise ElementError("At least one line item is required to approve a document.")
    for line in doc["LineItems"]:
        if not line.get("AccountCode"):
            raise ElementError("Account code must be specified on every line item to approve "
                               "a document.")
