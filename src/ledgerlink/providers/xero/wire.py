"""Xero's wire formats at the edge: /Date()/ values, Decimal money, JSON and records."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from ledgerlink.errors import InputError

__all__ = [
    "DATE_FIELDS",
    "MONEY_FIELDS",
    "dumps",
    "format_if_modified_since",
    "loads",
    "money",
    "parse_date",
    "parse_msdate",
    "parse_record",
]

# `\/Date(…)\/` is how Xero escapes it inside JSON; a JSON parser already unescapes it, but
# values copied from logs or raw bodies may still carry the backslashes.
_MSDATE = re.compile(r"^\\?/Date\((-?\d+)([+-]\d{2}(?::?\d{2})?)?\)\\?/$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Properties the spec marks `x-is-msdate` (a calendar date, sent as UTC midnight); every other
# /Date()/ value (UpdatedDateUTC, CreatedDateUTC, DateUTC) is an instant.
DATE_FIELDS = frozenset({
    "Date", "DeliveryDate", "DueDate", "EndDate", "EndOfYearLockDate", "ExpectedArrivalDate",
    "ExpectedPaymentDate", "ExpiryDate", "FullyPaidOnDate", "JournalDate", "NextScheduledDate",
    "PaymentDueDate", "Period", "PeriodLockDate", "PlannedPaymentDate", "ReportingDate",
    "StartDate",
})
# Properties the spec types `number` (amounts, rates, quantities): always Decimal, never float.
MONEY_FIELDS = frozenset({
    "Amount", "AmountCredited", "AmountDue", "AmountPaid", "AppliedAmount", "Balance",
    "BankAmount", "CISDeduction", "CISRate", "CurrencyRate", "Discount", "DiscountAmount",
    "DiscountRate", "DisplayTaxRate", "EffectiveRate", "ExemptAmount", "GrossAmount",
    "LineAmount", "NetAmount", "NonTaxableAmount", "Outstanding", "Overdue", "Quantity",
    "QuantityOnHand", "Rate", "RemainingCredit", "TaxAmount", "TaxPercentage", "TaxableAmount",
    "Total", "TotalAmount", "TotalCostPool", "TotalDiscount", "TotalTax", "UnitAmount",
    "UnitPrice",
})


# ---- dates ----------------------------------------------------------------------------------
def _offset(text: str | None) -> timezone | None:
    if not text:
        return None
    digits = text[1:].replace(":", "").ljust(4, "0")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))
    return timezone(-delta if text[0] == "-" else delta)


def _iso(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a Xero date: {text!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_msdate(value: object) -> datetime | None:
    """An aware UTC datetime from `/Date(ms±hhmm)/`, its escaped form, ISO-8601 or a datetime.

    The milliseconds are UTC already; the optional offset only names the local zone. ISO
    values without a zone are UTC (as Xero's `…DateUTCString` and identity timestamps are).
    None and "" give None; anything else unreadable raises ValueError.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, str):
        raise ValueError(f"not a Xero date: {value!r}")
    text = value.strip()
    match = _MSDATE.match(text)
    if match:
        return _EPOCH + timedelta(milliseconds=int(match.group(1)))
    return _iso(text).astimezone(UTC)


def parse_date(value: object) -> date | None:
    """A calendar date from a /Date()/ value (in its own offset), an ISO date or timestamp."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"not a Xero date: {value!r}")
    text = value.strip()
    match = _MSDATE.match(text)
    if match:
        instant = _EPOCH + timedelta(milliseconds=int(match.group(1)))
        zone = _offset(match.group(2))
        return (instant.astimezone(zone) if zone else instant).date()
    # `2019-03-07T00:00:00` (DateString) names the local date: no zone conversion.
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not a Xero date: {value!r}") from None
    return _iso(text).date()


def format_if_modified_since(when: datetime) -> str:
    """ISO-8601 UTC with milliseconds, the precision of Xero's UpdatedDateUTC."""
    if when.tzinfo is None:
        raise InputError("If-Modified-Since needs a timezone-aware datetime",
                         field="if_modified_since")
    utc = when.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + f".{utc.microsecond // 1000:03d}Z"


# ---- money ----------------------------------------------------------------------------------
def money(value: object) -> Decimal:
    """A Decimal from a JSON number, string or Decimal; a float goes through its shortest repr.

    None, booleans and non-finite or unreadable values raise ValueError: money is never guessed.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, str) and not value.isascii():
        # Decimal reads any script's digits ("١٢٣" is 123): an amount is written in ASCII.
        raise ValueError(f"not an amount: {value!r} (use the digits 0-9)")
    elif isinstance(value, int | float | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"not an amount: {value!r}") from None
    else:
        raise ValueError(f"not an amount: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return result


# ---- JSON -----------------------------------------------------------------------------------
def loads(raw: bytes | str) -> Any:
    """Parse a Xero JSON body with every non-integer number as Decimal."""
    return json.loads(raw, parse_float=Decimal)


def dumps(value: Any) -> bytes:
    """Serialise a request body; Decimal goes out as an exact JSON number (json cannot)."""
    return _encode(value).encode("utf-8")


def _encode(value: Any) -> str:
    if value is None or isinstance(value, bool | int | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InputError(f"{value} is not a number Xero accepts")
        return format(value, "f")
    if isinstance(value, float):
        return _encode(money(value))
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(k), ensure_ascii=False)}:{_encode(v)}"
                 for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    if isinstance(value, datetime):
        # Xero reads `YYYY-MM-DDTHH:MM:SS` as given; send the UTC wall time.
        if value.tzinfo is None:
            raise InputError("datetimes sent to Xero must be timezone-aware")
        utc = value.astimezone(UTC)
        return json.dumps(utc.strftime("%Y-%m-%dT%H:%M:%S"))
    if isinstance(value, date):
        return json.dumps(value.isoformat())
    if isinstance(value, uuid.UUID):
        return json.dumps(str(value))
    raise InputError(f"cannot send a {type(value).__name__} to Xero")


# ---- records --------------------------------------------------------------------------------
def parse_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a raw Xero record with /Date()/ strings parsed and known amounts as Decimal.

    Date-only properties (DATE_FIELDS) become `date`; every other /Date()/ value an aware UTC
    datetime. Nested records and lists are converted too.
    """
    return {key: _convert(key, value) for key, value in record.items()}


def _convert(key: str, value: Any) -> Any:
    if isinstance(value, Mapping):
        return parse_record(value)
    if isinstance(value, list):
        return [_convert(key, v) for v in value]
    if isinstance(value, str) and _MSDATE.match(value.strip()):
        return parse_date(value) if key in DATE_FIELDS else parse_msdate(value)
    if key in MONEY_FIELDS and isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            return money(value)
        except ValueError:
            return value  # not ours to judge here; the typed layer reports it with context
    return value

