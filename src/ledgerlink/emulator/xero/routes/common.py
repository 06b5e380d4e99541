"""Shared list semantics: If-Modified-Since, where, order, IDs, searchTerm and paging."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from ledgerlink.emulator.xero import wire
from ledgerlink.emulator.xero.call import Call
from ledgerlink.emulator.xero.errors import BadRequest, QueryParseException
from ledgerlink.emulator.xero.models.base import Record
from ledgerlink.emulator.xero.query import (
    QueryParseError,
    compile_where,
    parse_order,
    sort_records,
)
from ledgerlink.emulator.xero.query_schema import resource

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
Present = Callable[[Record], Record]


def modified_since(call: Call, records: Iterable[Record]) -> list[Record]:
    """Keep records changed after the If-Modified-Since instant (any of three formats)."""
    raw = call.request.headers.get("if-modified-since")
    items = list(records)
    if not raw:
        return items
    try:
        since = wire.parse_datetime(raw)
    except ValueError:
        raise BadRequest(f"If-Modified-Since '{raw}' is not a date Xero understands") from None
    if since is None:
        return items
    # Compare at the wire's millisecond precision: a client that sends back the newest
    # UpdatedDateUTC it saw must not get that record again.
    floor = wire.ms_of(since)
    return [r for r in items if r.get("UpdatedDateUTC") and wire.ms_of(r["UpdatedDateUTC"]) > floor]


def where_order(call: Call, records: list[Record], model: str,
                default_order: str | None = None) -> list[Record]:
    """Apply `where` and `order`, checked against the fields of `model` (e.g. "Invoice")."""
    where, order = call.q("where"), call.q("order") or default_order
    root = resource(model)
    try:
        # Both are checked before any record is read: Xero refuses a bad query on an empty list.
        predicate = compile_where(where, root) if where else None
        terms = parse_order(order, root) if order else []
    except QueryParseError as exc:
        raise QueryParseException(exc.message) from None
    if predicate is not None:
        records = [r for r in records if predicate(r)]
    return sort_records(records, terms) if terms else records


def ids_filter(call: Call, records: list[Record], param: str, field: str) -> list[Record]:
    """csv GUID filters such as IDs and ContactIDs (hyphens optional)."""
    raw = wire.csv_values(call.q(param))
    if not raw:
        return records
    wanted = set()
    for value in raw:
        guid = wire.parse_guid(value)
        if guid is None:
            raise BadRequest(f"'{value}' in {param} is not a valid GUID")
        wanted.add(guid)
    path = field.split(".")
    return [r for r in records if _dig(r, path) in wanted]


def _dig(record: Record, path: list[str]) -> Any:
    value: Any = record
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def paged(call: Call, key: str, records: list[Record], present: Present,
          pageable: bool = True) -> dict[str, Any]:
    """The envelope, one page of it when `page` is given (pageSize up to 1000)."""
    page = call.integer("page", None, 1, None) if pageable else None
    if page is None:
        return call.ok(key, [present(r) for r in records])
    size = call.integer("pageSize", DEFAULT_PAGE_SIZE, 1, None) or DEFAULT_PAGE_SIZE
    size = min(size, MAX_PAGE_SIZE)
    start = (page - 1) * size
    chunk = records[start:start + size]
    pagination = {"page": page, "pageSize": size, "pageCount": math.ceil(len(records) / size),
                  "itemCount": len(records)}
    return call.ok(key, [present(r) for r in chunk], pagination=pagination)


def one(call: Call, key: str, record: Record, present: Present | None = None) -> dict[str, Any]:
    """A single record still comes back as a one-element list."""
    return call.ok(key, [present(record) if present else record])
