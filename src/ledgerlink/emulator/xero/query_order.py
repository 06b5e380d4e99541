"""Xero `order` clauses: parsed (and checked against a resource's fields) and applied."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from ledgerlink.emulator.xero.query_schema import QType, member
from ledgerlink.emulator.xero.query_values import as_text, lookup, normalise

_R = TypeVar("_R", bound=Mapping[str, Any])


class QueryParseError(ValueError):
    """A `where` or `order` Xero would refuse; `message` is what its QueryParseException says.

    `position` is a 0-based character offset, kept for people reading the emulator's errors.
    """

    def __init__(self, message: str, position: int, expression: str) -> None:
        super().__init__(f"{message} at position {position} in {expression!r}")
        self.message = message
        self.position = position
        self.expression = expression


_ORDER_TERM = re.compile(
    r"\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?:\s+(ASC|DESC))?\s*\Z", re.IGNORECASE
)


def parse_order(order: str, root: QType | None = None) -> list[tuple[str, bool]]:
    """Parse `Name ASC, Date DESC` into [(path, descending)]; direction defaults to ASC.

    With `root`, every path must name fields of that type (as Xero checks them).
    """
    if not order.strip():
        return []
    terms: list[tuple[str, bool]] = []
    offset = 0
    for part in order.split(","):
        match = _ORDER_TERM.match(part)
        position = offset + len(part) - len(part.lstrip())
        if match is None:
            message = "Expression expected" if not part.strip() else "Syntax error"
            raise QueryParseError(message, position, order)
        if root is not None:
            _check_path(match.group(1), root, position, order)
        terms.append((match.group(1), (match.group(2) or "").upper() == "DESC"))
        offset += len(part) + 1
    return terms


def _check_path(path: str, root: QType, position: int, order: str) -> None:
    current = root
    for name in path.split("."):
        found = member(current, name)
        if isinstance(found, str):
            raise QueryParseError(found, position, order)
        current = found
        position += len(name) + 1


def _sort_key(value: Any) -> tuple[int, Any]:
    """Rank by kind first so mixed types never compare directly (None first, strings late)."""
    value = normalise(value)
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, Decimal) and not value.is_nan():
        return (2, value)
    if isinstance(value, dt.datetime):
        return (3, value)
    if isinstance(value, str):
        return (4, value.casefold())
    return (5, as_text(value))


def _key_for(path: str) -> Callable[[Mapping[str, Any]], tuple[int, Any]]:
    segments = tuple(path.split("."))
    return lambda record: _sort_key(lookup(record, segments))


def sort_records(records: Sequence[_R], order: Sequence[tuple[str, bool]]) -> list[_R]:
    """Return records sorted by `order` (from parse_order); ties keep their input order."""
    result = list(records)
    # Sorting least-significant key first relies on stability to build a multi-key order;
    # Python keeps ties in input order even with reverse=True, so mixed ASC/DESC stays stable.
    for path, descending in reversed(order):
        result.sort(key=_key_for(path), reverse=descending)
    return result
