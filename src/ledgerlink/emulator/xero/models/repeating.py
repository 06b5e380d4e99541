"""Repeating invoice templates: schedule, totals, approval for sending, deletion."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ledgerlink.emulator.xero.errors import NotFound
from ledgerlink.emulator.xero.models import contacts as contacts_model
from ledgerlink.emulator.xero.models.base import (
    ElementError,
    Org,
    Record,
    day,
    find_key,
    flag,
    text,
)
from ledgerlink.emulator.xero.models.invoices import resolve_contact
from ledgerlink.emulator.xero.models.lines import (
    apply_totals,
    line_amount_types,
    parse_lines,
    require_accounts,
)
from ledgerlink.emulator.xero.wire import parse_guid

UNITS = {"WEEKLY", "MONTHLY"}
DUE_DATE_TYPES = {"DAYSAFTERBILLDATE", "DAYSAFTERBILLMONTH", "DAYSAFTERINVOICEDATE",
                  "DAYSAFTERINVOICEMONTH", "OFCURRENTMONTH", "OFFOLLOWINGMONTH"}
FLAGS = ("ApprovedForSending", "SendCopy", "MarkAsSent", "IncludePDF")


def add_period(start: date, unit: str, period: int) -> date:
    """The next run date: weeks, or months with the day clamped to the month's end."""
    if unit == "WEEKLY":
        return start + timedelta(weeks=period)
    month_index = start.month - 1 + period
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


def _schedule(org: Org, raw: Any) -> Record:
    if not isinstance(raw, dict):
        raise ElementError("A repeating invoice needs a Schedule.")
    try:
        period = int(find_key(raw, "Period") or 0)
    except (TypeError, ValueError):
        raise ElementError("Schedule Period must be a whole number.") from None
    if period < 1:
        raise ElementError("Schedule Period must be 1 or more.")
    unit = str(find_key(raw, "Unit") or "").upper()
    if unit not in UNITS:
        raise ElementError("Schedule Unit must be WEEKLY or MONTHLY.")
    due_type = str(find_key(raw, "DueDateType") or "DAYSAFTERINVOICEDATE").upper()
    if due_type not in DUE_DATE_TYPES:
        raise ElementError(f"Schedule DueDateType '{due_type}' is not valid.")
    try:
        due = int(find_key(raw, "DueDate") or 0)
    except (TypeError, ValueError):
        raise ElementError("Schedule DueDate must be a whole number of days.") from None
    start = day(find_key(raw, "StartDate"), "StartDate") or org.today()
    end = day(find_key(raw, "EndDate"), "EndDate")
    if end is not None and end < start:
        raise ElementError("Schedule EndDate cannot be before StartDate.")
    schedule: Record = {"Period": period, "Unit": unit, "DueDate": due, "DueDateType": due_type,
                        "StartDate": start, "NextScheduledDate": _next_run(org, start, unit,
                                                                           period)}
    if end is not None:
        schedule["EndDate"] = end
    return schedule


def _next_run(org: Org, start: date, unit: str, period: int) -> date:
    run = start
    while run < org.today():
        run = add_period(run, unit, period)
    return run


def create_repeating_invoice(org: Org, element: Record, unitdp: int = 2) -> Record:
    """PUT /RepeatingInvoices element."""
    kind = str(find_key(element, "Type") or "").upper()
    if kind not in ("ACCREC", "ACCPAY"):
        raise ElementError("Repeating invoice Type must be ACCREC or ACCPAY.")
    status = str(find_key(element, "Status") or "DRAFT").upper()
    if status not in ("DRAFT", "AUTHORISED"):
        raise ElementError("A repeating invoice is created as DRAFT or AUTHORISED.")
    contact = resolve_contact(org, find_key(element, "Contact"))
    lat = line_amount_types(element)
    lines, results = parse_lines(org, find_key(element, "LineItems") or [], kind, lat, unitdp)
    ident = org.new_id()
    record: Record = {"RepeatingInvoiceID": ident, "ID": ident, "Type": kind, "Status": status,
                      "Contact": contacts_model.contact_ref(contact), "LineItems": lines,
                      "LineAmountTypes": lat, "Schedule": _schedule(org, find_key(element,
                                                                                 "Schedule")),
                      "Reference": text(find_key(element, "Reference"), "Reference", 255) or "",
                      "CurrencyCode": org.base_currency, "HasAttachments": False}
    apply_totals(record, results, lat)
    record.pop("IsDiscounted", None)
    record.pop("TotalDiscount", None)
    for name in FLAGS:
        record[name] = flag(find_key(element, name), name)
    if record["ApprovedForSending"] and kind != "ACCREC":
        raise ElementError("Only sales repeating invoices can be approved for sending.")
    if status == "AUTHORISED":
        require_accounts(record)
    elif record["ApprovedForSending"]:
        raise ElementError("A repeating invoice must be AUTHORISED to be approved for sending.")
    org.put("repeating_invoices", ident, record)
    org.add_history(ident, "Created", "Repeating invoice template created.")
    return record


def get_repeating_invoice(org: Org, key: str) -> Record:
    """GET /RepeatingInvoices/{id}; deleted templates are gone."""
    record = org.repeating_invoices.get(parse_guid(key) or "")
    if record is None or record["Status"] == "DELETED":
        raise NotFound()
    return record


def delete_or_create(org: Org, element: Record, unitdp: int = 2,
                     key: str | None = None) -> Record:
    """POST /RepeatingInvoices[/{id}]: Status DELETED deletes; no id creates."""
    ident = key or find_key(element, "RepeatingInvoiceID") or find_key(element, "ID")
    if not ident:
        return create_repeating_invoice(org, element, unitdp)
    record = org.repeating_invoices.get(parse_guid(str(ident)) or "")
    if record is None or record["Status"] == "DELETED":
        raise ElementError(f"Repeating invoice {ident} could not be found")
    if str(find_key(element, "Status") or "").upper() != "DELETED":
        raise ElementError("An existing repeating invoice can only be deleted "
                           "(Status DELETED) through the API.")
    org.remember("repeating_invoices", record["RepeatingInvoiceID"])
    record["Status"] = "DELETED"
    org.add_history(record["RepeatingInvoiceID"], "Deleted", "Repeating invoice deleted.")
    return record


def listed(org: Org) -> list[Record]:
    """Templates that are not deleted."""
    return [r for r in org.repeating_invoices.values() if r["Status"] != "DELETED"]


ZERO = Decimal("0.00")
