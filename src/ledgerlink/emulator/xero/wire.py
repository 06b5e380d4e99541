"""Xero's wire conventions: /Date(ms+zzzz)/ dates, numbers, booleans and the response envelope."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

MSDATE_RE = re.compile(r"^/Date\((-?\d+)([+-]\d{2,4})?\)/$")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TWO_DP = Decimal("0.01")
FOUR_DP = Decimal("0.0001")


def ms_of(value: date | datetime) -> int:
    """Milliseconds since the epoch; a date counts as UTC midnight."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0), tzinfo=UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int((value - EPOCH) / timedelta(milliseconds=1))


def msdate(value: date | datetime, offset: bool = True) -> str:
    """Render Xero's `/Date(ms+0000)/` (without the offset for envelope timestamps)."""
    return f"/Date({ms_of(value)}{'+0000' if offset else ''})/"


def date_string(value: date | datetime) -> str:
    """The companion `DateString` form, `YYYY-MM-DDT00:00:00`."""
    d = value.date() if isinstance(value, datetime) else value
    return f"{d.isoformat()}T00:00:00"


def iso_no_zone(value: datetime, digits: int = 7) -> str:
    """Identity-service timestamps: ISO without a zone, with `digits` fractional digits."""
    value = value.astimezone(UTC)
    frac = f"{value.microsecond:06d}".ljust(digits, "0")[:digits]
    return value.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if digits else "")


def parse_datetime(value: Any) -> datetime | None:
    """Accept `/Date(ms±zzzz)/`, ISO-8601 (with or without zone) and RFC-1123; UTC-aware out."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    text = str(value).strip().strip('"').replace("\\/", "/")
    match = MSDATE_RE.match(text)
    if match:
        return EPOCH + timedelta(milliseconds=int(match.group(1)))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).astimezone(UTC)
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"unrecognised date '{value}'") from None


def parse_date(value: Any) -> date | None:
    """A calendar date from any accepted date or timestamp form (the offset is honoured)."""
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = str(value).strip().replace("\\/", "/")
    match = MSDATE_RE.match(text)
    if match:
        stamp = EPOCH + timedelta(milliseconds=int(match.group(1)))
        zone = match.group(2)
        if zone:
            zone = zone.ljust(5, "0")
            sign = -1 if zone[0] == "-" else 1
            delta = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
            stamp = stamp.astimezone(timezone(sign * delta))
        return stamp.date()
    parsed = parse_datetime(text)
    assert parsed is not None
    return parsed.date() if parsed.tzinfo is None else parsed.replace(tzinfo=None).date()


def parse_bool(value: Any, default: bool = False) -> bool:
    """Booleans as clients send them: True/true/1 and False/false/0."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"'{value}' is not a boolean")


def parse_decimal(value: Any) -> Decimal | None:
    """Money and quantities as Decimal, never float."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"'{value}' is not a number") from None


def parse_guid(value: Any) -> str | None:
    """A GUID with or without hyphens, lower-cased and hyphenated; None if it is not one."""
    if value is None:
        return None
    try:
        return str(uuid.UUID(str(value).strip().strip("{}")))
    except ValueError:
        return None


def csv_values(value: str | None) -> list[str]:
    """A comma-separated query parameter as a list of trimmed, non-empty values."""
    if not value:
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


def to_wire(value: Any) -> Any:
    """Convert internal values (Decimal, date, datetime) into JSON-ready Xero values."""
    if isinstance(value, Mapping):
        return {k: to_wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return msdate(value)
    return value


def dumps(payload: Any) -> bytes:
    """Serialise a wire payload compactly as UTF-8 JSON."""
    return json.dumps(to_wire(payload), separators=(",", ":"), ensure_ascii=False).encode()


def envelope(
    request_id: str,
    now: datetime,
    provider: str,
    key: str | None = None,
    items: list[Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The accounting response envelope: Id, Status, ProviderName, DateTimeUTC, then the body."""
    body: dict[str, Any] = {
        "Id": request_id,
        "Status": "OK",
        "ProviderName": provider,
        "DateTimeUTC": msdate(now, offset=False),
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    if key is not None:
        body[key] = items if items is not None else []
    return body
