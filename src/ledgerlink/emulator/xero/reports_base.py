"""Shared pieces of the reports: query parameters, Xero's date wording and row builders."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date
from typing import Any

from ledgerlink.emulator.xero import wire
from ledgerlink.emulator.xero.errors import BadRequest
from ledgerlink.emulator.xero.models.base import Org, Record

Row = dict[str, Any]
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
TIMEFRAMES = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}


# ---- query parameters -----------------------------------------------------------------------
class Params:
    """Query parameters read case-insensitively, each parsed or refused with a clear 400."""

    def __init__(self, raw: Mapping[str, str]) -> None:
        self._values = {str(k).lower(): str(v) for k, v in raw.items() if v is not None}

    def text(self, name: str) -> str | None:
        """A trimmed value, None when absent or blank."""
        value = self._values.get(name.lower(), "").strip()
        return value or None

    def date(self, name: str) -> date | None:
        """A date parameter (YYYY-MM-DD, or any form Xero's clients send)."""
        value = self.text(name)
        if value is None:
            return None
        try:
            return wire.parse_date(value)
        except (ValueError, AssertionError, OverflowError):
            raise BadRequest(f"The {name} parameter '{value}' is not a valid date "
                             "(expected YYYY-MM-DD)") from None

    def flag(self, name: str) -> bool:
        """A boolean parameter (true/false/1/0); absent means false."""
        try:
            return wire.parse_bool(self.text(name))
        except ValueError:
            raise BadRequest(f"The {name} parameter must be true or false") from None

    def periods(self) -> int:
        """How many comparison periods to add (0 when absent), 1 to 12 when given."""
        value = self.text("periods")
        if value is None:
            return 0
        try:
            periods = int(value)
        except ValueError:
            raise BadRequest(f"The periods parameter '{value}' is not a whole number") from None
        if not 1 <= periods <= 12:
            raise BadRequest("The periods parameter must be between 1 and 12")
        return periods

    def timeframe(self) -> int:
        """Months per comparison period: MONTH 1, QUARTER 3, YEAR 12 (MONTH by default)."""
        value = self.text("timeframe")
        if value is None:
            return 1
        months = TIMEFRAMES.get(value.upper())
        if months is None:
            raise BadRequest(f"The timeframe parameter '{value}' must be MONTH, QUARTER or YEAR")
        return months

    def contact_id(self) -> str:
        """The required contactId, as a normalised GUID."""
        value = self.text("contactId")
        if value is None:
            raise BadRequest("The contactId parameter is required")
        guid = wire.parse_guid(value)
        if guid is None:
            raise BadRequest(f"The contactId parameter '{value}' is not a valid GUID")
        return guid


# ---- dates ----------------------------------------------------------------------------------
def month_end(d: date) -> date:
    """The last day of d's month."""
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def shift_months(d: date, months: int) -> date:
    """d moved by whole months; a month end stays a month end (31 Mar -> 28 Feb)."""
    year, index = divmod(d.month - 1 + months, 12)
    last = calendar.monthrange(year + d.year, index + 1)[1]
    day = last if d == month_end(d) else min(d.day, last)
    return date(year + d.year, index + 1, day)


def long_date(d: date) -> str:
    """'30 November 2026', as titles and ReportDate read."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def short_date(d: date, full_year: bool = True) -> str:
    """'30 Nov 2026' (balance sheet headers) or '30 Nov 26' (profit and loss headers)."""
    year = str(d.year) if full_year else f"{d.year % 100:02d}"
    return f"{d.day} {MONTHS[d.month - 1][:3]} {year}"


def us_date(d: date) -> str:
    """'4/30/2019', the form of the fromDate/toDate cell attributes."""
    return f"{d.month}/{d.day}/{d.year}"


def cell_date(d: date) -> str:
    """'2019-04-23T00:00:00', the form of date cells."""
    return wire.date_string(d)


# ---- rows -----------------------------------------------------------------------------------
def cell(value: str, attributes: list[dict[str, str]] | None = None) -> Row:
    """One cell; values are always strings."""
    out: Row = {"Value": value}
    if attributes:
        out["Attributes"] = attributes
    return out


def attr(attr_id: str, value: str) -> dict[str, str]:
    """A cell attribute, e.g. ('account', AccountID)."""
    return {"Value": value, "Id": attr_id}


def header(values: list[str]) -> Row:
    """The Header row naming the columns."""
    return {"RowType": "Header", "Cells": [cell(v) for v in values]}


def row(values: list[str], attributes: list[dict[str, str]] | None = None) -> Row:
    """A plain Row; the same attributes go on every cell."""
    return {"RowType": "Row", "Cells": [cell(v, attributes) for v in values]}


def summary(values: list[str]) -> Row:
    """A SummaryRow (totals)."""
    return {"RowType": "SummaryRow", "Cells": [cell(v) for v in values]}


def section(title: str, rows: list[Row]) -> Row:
    """A Section holding one level of rows."""
    return {"RowType": "Section", "Title": title, "Rows": rows}


def account_row(account: Record, values: list[str], label: str | None = None) -> Row:
    """An account's row, every cell tagged with its AccountID as Xero does."""
    name = label if label is not None else str(account.get("Name") or "")
    return row([name, *values], [attr("account", str(account["AccountID"]))])


def report(org: Org, report_type: str, name: str, titles: list[str], rows: list[Row]) -> Row:
    """The report object (an element of `Reports`)."""
    return {
        "ReportID": report_type,
        "ReportName": name,
        "ReportType": report_type,
        "ReportTitles": titles,
        "ReportDate": long_date(org.today()),
        "UpdatedDateUTC": org.now(),
        "Fields": [],
        "Rows": rows,
    }


def report_order(account: Record) -> tuple[str, str]:
    """Reports list accounts alphabetically by name (then code), as Xero's examples do."""
    return str(account.get("Name") or "").lower(), str(account.get("Code") or "")
