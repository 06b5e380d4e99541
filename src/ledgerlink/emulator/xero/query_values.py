"""Values inside `where` expressions: field lookup, literal coercion and comparison rules."""

from __future__ import annotations

import datetime as dt
import operator
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any


class GuidLiteral(str):
    """Marks a Guid("...") literal so both sides of a comparison are normalised as GUIDs."""

    __slots__ = ()


def get_path(record: Mapping[str, Any], path: str) -> Any:
    """Follow a dotted path (`Contact.Name`) through nested dicts; keys match case-insensitively.

    Anything missing along the way yields None, which is how Xero treats absent fields (null).
    """
    return lookup(record, tuple(path.split(".")))


def lookup(record: Mapping[str, Any], segments: tuple[str, ...]) -> Any:
    current: Any = record
    for segment in segments:
        if not isinstance(current, Mapping):
            return None
        if segment in current:  # fast path: clients usually send the canonical casing
            current = current[segment]
            continue
        folded = segment.casefold()
        for key, value in current.items():
            if isinstance(key, str) and key.casefold() == folded:
                current = value
                break
        else:
            return None
    return current


def normalise(value: Any) -> Any:
    """Map a record or literal value onto one type per kind so comparisons are well defined."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, float):
        return Decimal(str(value))  # via str so 0.1 stays 0.1 rather than its binary expansion
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        # Dates compare against DateTime literals as midnight UTC, the way Xero stores them.
        return dt.datetime.combine(value, dt.time(), dt.UTC)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Decimal):
        return "num"
    if isinstance(value, dt.datetime):
        return "time"
    if isinstance(value, str):
        return "str"
    return type(value).__name__


def parse_iso(text: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def from_text(text: str, kind: str) -> Any:
    """Read a string as `kind`; pyxero quotes numbers (`Total>"100"`), so this must be lenient."""
    if kind == "num":
        try:
            return Decimal(text.strip())
        except InvalidOperation:
            return None
    if kind == "time":
        return parse_iso(text)
    if kind == "bool" and text.strip().casefold() in ("true", "false"):
        return text.strip().casefold() == "true"
    return None


def guid_key(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value).casefold()


def comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Both values coerced to one comparable type, or None when they cannot be compared."""
    if isinstance(left, GuidLiteral) or isinstance(right, GuidLiteral):
        return guid_key(left), guid_key(right)
    left, right = normalise(left), normalise(right)
    left_kind, right_kind = kind_of(left), kind_of(right)
    if left_kind == right_kind == "str":
        return left.casefold(), right.casefold()  # Xero string matching is case-insensitive
    if left_kind == "str":
        left = from_text(left, right_kind)
    elif right_kind == "str":
        right = from_text(right, left_kind)
    if left is None or right is None or kind_of(left) != kind_of(right):
        return None
    return left, right


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}


def compare(left: Any, right: Any, op: str) -> bool:
    if left is None or right is None:
        # Null only equals null; ordering against null is never true (as in LINQ to Xero).
        both = left is None and right is None
        return both if op == "==" else (not both if op == "!=" else False)
    pair = comparable(left, right)
    if pair is None:
        return op == "!="
    try:
        return bool(_OPERATORS[op](*pair))
    except (TypeError, ArithmeticError):  # e.g. ordering two dicts, or a NaN Decimal
        return False


def as_text(value: Any) -> str:
    """Render a value as string methods see it (Contains on a number or date still works)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


CASE_MAPS: dict[str, Callable[[str], str]] = {
    "tolower": str.lower,
    "toupper": str.upper,
    "trim": str.strip,
}
STRING_TESTS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda haystack, needle: needle in haystack,
    "startswith": str.startswith,
    "endswith": str.endswith,
}
KEYWORD_VALUES: dict[str, Any] = {"true": True, "false": False, "null": None}
