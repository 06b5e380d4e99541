"""Typed, escaping builders for Xero's `where` filters and `order` clauses."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ledgerlink.errors import InputError
from ledgerlink.inputs import control_problem
from ledgerlink.providers.xero.wire import parse_msdate

MAX_VALUE = 500  # characters of one string in a filter
_PATH = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$", re.ASCII)
Op = Literal["==", "!=", ">", ">=", "<", "<=", "contains", "startswith", "endswith",
             "Contains", "StartsWith", "EndsWith"]
_COMPARISONS = ("==", "!=", ">", ">=", "<", "<=")
_METHODS = {"contains": "Contains", "startswith": "StartsWith", "endswith": "EndsWith"}


class Guid:
    """A GUID value for `where`: rendered `Guid("…")`; validated on construction."""

    __slots__ = ("value",)

    def __init__(self, value: str | uuid.UUID) -> None:
        try:
            self.value = str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except ValueError:
            raise InputError(f"{value!r} is not a GUID") from None

    def __repr__(self) -> str:
        return f"Guid({self.value!r})"


Value = str | int | Decimal | bool | date | datetime | uuid.UUID | Guid | None


def _path(name: str) -> str:
    if not isinstance(name, str) or not _PATH.match(name):
        raise InputError(f"{name!r} is not a Xero field name", field="where")
    return name


def _string(text: str) -> str:
    # The filter travels in the URL: a bounded, one-line value (a control character would be
    # sent to Xero as it is, and a huge one makes the URL too long to send at all).
    problem = control_problem(text)
    if problem is not None:
        raise InputError(f"a filter value {problem}", field="where")
    if len(text) > MAX_VALUE:
        raise InputError(f"a filter value is {len(text)} characters; at most {MAX_VALUE}",
                         field="where")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal(value: Value) -> str:
    """One value as a `where` literal: quoted and escaped strings, Guid(), DateTime(), null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Guid):
        return f'Guid("{value.value}")'
    if isinstance(value, uuid.UUID):
        return f'Guid("{value}")'
    if isinstance(value, datetime):
        utc = parse_msdate(value)
        assert utc is not None
        if utc.time() == datetime.min.time():
            return f"DateTime({utc.year},{utc.month:02d},{utc.day:02d})"
        return (f"DateTime({utc.year},{utc.month:02d},{utc.day:02d},{utc.hour:02d},"
                f"{utc.minute:02d},{utc.second:02d})")
    if isinstance(value, date):
        return f"DateTime({value.year},{value.month:02d},{value.day:02d})"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InputError(f"{value} cannot be used in a filter", field="where")
        return format(value, "f")
    if isinstance(value, str):
        return _string(value)
    raise InputError(f"a {type(value).__name__} cannot be used in a filter", field="where")


class Where:
    """A `where` expression; combine with `&` (AND) and `|` (OR); `str()` gives the wire text."""

    __slots__ = ("joiner", "text")

    def __init__(self, text: str, joiner: str | None = None) -> None:
        self.text = text
        self.joiner = joiner  # the top-level operator, so composition knows when to bracket

    def _part(self, joiner: str) -> str:
        return self.text if self.joiner in (None, joiner) else f"({self.text})"

    def _join(self, other: Where, joiner: str) -> Where:
        if not isinstance(other, Where):
            return NotImplemented
        return Where(f"{self._part(joiner)} {joiner} {other._part(joiner)}", joiner)

    def __and__(self, other: Where) -> Where:
        return self._join(other, "AND")

    def __or__(self, other: Where) -> Where:
        return self._join(other, "OR")

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Where({self.text!r})"


def where(field: str, op: Op, value: Value) -> Where:
    """One typed condition, e.g. `where("Contact.ContactID", "==", Guid(id))`."""
    path = _path(field)
    method = _METHODS.get(op.lower()) if isinstance(op, str) else None
    if method is not None:
        if not isinstance(value, str):
            raise InputError(f"{method} needs a string value", field="where")
        return Where(f"{path}.{method}({_string(value)})")
    if op not in _COMPARISONS:
        raise InputError(f"{op!r} is not a where operator", field="where")
    if value is None and op not in ("==", "!="):
        raise InputError("null can only be compared with == or !=", field="where")
    return Where(f"{path}{op}{literal(value)}")


def all_of(*clauses: Where | None, **equals: Value) -> Where | None:
    """AND of the clauses (None skipped) and of `Field=value` equalities; None if empty."""
    parts = [c for c in clauses if c is not None]
    parts += [where(name, "==", value) for name, value in equals.items()]
    return _fold(parts, "AND")


def any_of(*clauses: Where | None) -> Where | None:
    """OR of the clauses (None skipped); None if empty."""
    return _fold([c for c in clauses if c is not None], "OR")


def _fold(parts: list[Where], joiner: str) -> Where | None:
    if not parts:
        return None
    result = parts[0]
    for part in parts[1:]:
        result = result._join(part, joiner)
    return result


class Field:
    """A field to filter on: `Field("Status").eq("PAID") & Field("Total").gt(Decimal(100))`."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = _path(path)

    def eq(self, value: Value) -> Where:
        """Field == value (None gives `==null`)."""
        return where(self.path, "==", value)

    def ne(self, value: Value) -> Where:
        """Field != value."""
        return where(self.path, "!=", value)

    def gt(self, value: Value) -> Where:
        """Field > value."""
        return where(self.path, ">", value)

    def ge(self, value: Value) -> Where:
        """Field >= value."""
        return where(self.path, ">=", value)

    def lt(self, value: Value) -> Where:
        """Field < value."""
        return where(self.path, "<", value)

    def le(self, value: Value) -> Where:
        """Field <= value."""
        return where(self.path, "<=", value)

    def contains(self, text: str) -> Where:
        """Field.Contains("text") (Xero matches case-insensitively)."""
        return where(self.path, "contains", text)

    def startswith(self, text: str) -> Where:
        """Field.StartsWith("text")."""
        return where(self.path, "startswith", text)

    def endswith(self, text: str) -> Where:
        """Field.EndsWith("text")."""
        return where(self.path, "endswith", text)

    def is_in(self, values: Iterable[Value]) -> Where:
        """Field equal to any of the values (prefer IDs/Statuses parameters where they exist)."""
        result = any_of(*(self.eq(v) for v in values))
        if result is None:
            raise InputError(f"is_in on {self.path} needs at least one value", field="where")
        return result


def order_by(*terms: str | tuple[str, Literal["ASC", "DESC"]]) -> str:
    """An `order` value: `order_by("Name", ("Date", "DESC"))` gives `Name ASC, Date DESC`."""
    out = []
    for term in terms:
        name, direction = (term, "ASC") if isinstance(term, str) else term
        if direction not in ("ASC", "DESC"):
            raise InputError(f"{direction!r} is not ASC or DESC", field="order")
        out.append(f"{_path(name)} {direction}")
    if not out:
        raise InputError("order_by needs at least one field", field="order")
    return ", ".join(out)
