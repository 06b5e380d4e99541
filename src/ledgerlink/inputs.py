"""Input rules every request shares: text without control characters, decimals of ASCII digits,
ISO 4217 currency codes, dates a ledger can hold, and a bound on a body's keys and nesting.

The validators here are pydantic markers meant to sit last in an `Annotated` type, after the
constraints (`Annotated[str, StringConstraints(max_length=255), SINGLE_LINE]`): a constraint
placed outside a validator is no longer pushed into the schema (pydantic then checks it after the
validator and leaks it into the JSON schema under its Python name).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Annotated, Any

import iso4217
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

# Refused anywhere: C0 and C1 controls and DEL (NUL cannot even be stored by PostgreSQL; BEL, ESC
# and friends corrupt terminals and logs), lone surrogates (not encodable as UTF-8), the Unicode
# line and paragraph separators, and the bidirectional embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069) that make text display other than it reads ("Trojan Source").
_ANYWHERE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_MULTI_LINE = re.compile(f"[{_ANYWHERE}]")  # tab, line feed and carriage return allowed
_SINGLE_LINE = re.compile(f"[{_ANYWHERE}\t\n\r]")


def control_problem(text: str, *, multiline: bool = False) -> str | None:
    """Why `text` is refused (the first forbidden character and where it is), or None."""
    found = (_MULTI_LINE if multiline else _SINGLE_LINE).search(text)
    if found is None:
        return None
    char = found.group()
    name = unicodedata.name(char, "") if not 0xD800 <= ord(char) <= 0xDFFF else ""
    label = f"U+{ord(char):04X}" + (f" ({name})" if name else "")
    kind = "control or bidirectional-override characters" + ("" if multiline else
                                                             " or line breaks")
    return f"must not contain {kind}: found {label} at character {found.start() + 1}"


def _text_error(problem: str) -> PydanticCustomError:
    return PydanticCustomError("control_character", "{problem}", {"problem": problem})


def _single_line(value: Any) -> Any:
    problem = control_problem(value) if isinstance(value, str) else None
    if problem is not None:
        raise _text_error(problem)
    return value


def multi_line(value: Any) -> Any:
    """Refuse a string with a control character other than tab and line breaks."""
    problem = control_problem(value, multiline=True) if isinstance(value, str) else None
    if problem is not None:
        raise _text_error(problem)
    return value


SINGLE_LINE = AfterValidator(_single_line)
"""Names, references, codes: no control characters, no line breaks."""
MULTI_LINE = AfterValidator(multi_line)
"""Descriptions, email bodies: tab and line breaks allowed, other control characters not."""


# ---- decimals --------------------------------------------------------------------------------
# Python's Decimal (and so pydantic's) reads any Unicode digit: "١٢٣" (Arabic-Indic) became 123.
# A decimal string on the wire is ASCII: optional sign, digits, optional fraction and exponent.
_ASCII_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _ascii_number(value: Any) -> Any:
    if isinstance(value, str) and not _ASCII_NUMBER.fullmatch(value):
        raise PydanticCustomError(
            "decimal_parsing", "must be a decimal number written with the ASCII digits 0-9, "
            "e.g. \"1250.00\"")
    return value


ASCII_DIGITS = BeforeValidator(_ascii_number)
"""Refuses decimal strings in other scripts' digits; place it after the Field constraints."""


# ---- currencies ------------------------------------------------------------------------------
# The `iso4217` package ships the ISO 4217 maintenance agency's own table (dated; updated with
# each amendment), so a retired or invented code such as ZZZ is refused.
CURRENCY_CODES: frozenset[str] = frozenset(c.value for c in iso4217.Currency)


def _currency(value: str) -> str:
    if value not in CURRENCY_CODES:
        raise PydanticCustomError("currency_code", "'{code}' is not an ISO 4217 currency code "
                                  "(e.g. NZD, AUD, USD, EUR, GBP)", {"code": value})
    return value


CurrencyCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$"),
    AfterValidator(_currency)]
"""An ISO 4217 code in any letter case, stored upper-case."""


# ---- dates -----------------------------------------------------------------------------------
# No Xero document states a date range. A ledger holds nothing before 1900 and plans nothing
# after 2100, while a year like 0001 or 20255 is always a typing error; and far dates broke the
# provider (0001-01-01 made the balance sheet fail with a 5xx that was retried for 19 s).
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)


def _in_range(value: dt.date) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError("date_range", "must be between {earliest} and {latest}",
                                  {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()})
    return value


LedgerDate = Annotated[dt.date, AfterValidator(_in_range),
                       WithJsonSchema({"type": "string", "format": "date",
                                       "description": f"{EARLIEST} to {LATEST}"})]
"""A calendar date between 1900-01-01 and 2100-12-31."""


# ---- shape and text of free-form JSON --------------------------------------------------------
MAX_KEYS = 100  # members of one object in a request body
MAX_DEPTH = 16  # objects and arrays nested inside one another
MAX_NODES = 10_000  # values in one request body
Path = tuple[str, ...]


def shape_problem(value: Any, *, max_keys: int = MAX_KEYS, max_depth: int = MAX_DEPTH,
                  max_nodes: int = MAX_NODES) -> tuple[Path, str] | None:
    """(path, why) when a JSON value has too many keys, values or levels, else None."""
    for count, (path, node) in enumerate(_walk(value), start=1):
        if count > max_nodes:
            return (), f"holds more than {max_nodes} values"
        if len(path) > max_depth:
            return path[:max_depth], f"is nested more than {max_depth} levels deep"
        if isinstance(node, Mapping) and len(node) > max_keys:
            return path, f"has {len(node)} keys; at most {max_keys} are accepted"
        if isinstance(node, list | tuple) and len(node) > max_nodes:
            return path, f"has {len(node)} items; at most {max_nodes} are accepted"
    return None


def text_problem(value: Any) -> tuple[Path, str] | None:
    """(path, why) for the first string or key holding a control character (tab and line
    breaks allowed: one-line fields refuse those through their types), else None."""
    for path, node in _walk(value):
        if isinstance(node, str):
            problem = control_problem(node, multiline=True)
            if problem is not None:
                return path, problem
        elif isinstance(node, Mapping):
            for key in node:
                problem = control_problem(str(key))
                if problem is not None:
                    return (*path, str(key)), f"a name {problem}"
    return None


def _walk(value: Any) -> Iterator[tuple[Path, Any]]:
    """Every value with its path, in document order, without recursion (no stack to exhaust)."""
    stack: list[tuple[Path, Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        yield path, node
        if isinstance(node, Mapping):
            items = [((*path, str(k)), v) for k, v in node.items()]
        elif isinstance(node, list | tuple):
            items = [((*path, str(i)), v) for i, v in enumerate(node)]
        else:
            continue
        stack.extend(reversed(items))


def _refusal(found: tuple[Path, str], kind: str) -> PydanticValidationError:
    # A ValidationError raised inside a validator keeps its own location, so the 422 names the
    # offending member (params.line_items.0.description) rather than the whole body.
    path, problem = found
    return PydanticValidationError.from_exception_data("request", [InitErrorDetails(
        type=PydanticCustomError(kind, "{problem}", {"problem": problem}), loc=path,
        input=None)])


def check_shape(cls: type, data: Any) -> Any:
    """A `model_validator(mode="before")`: refuse a body with too many keys, values or levels
    before validation, so 100,000 unknown keys cost one error instead of 100,000."""
    found = shape_problem(data)
    if found is not None:
        raise _refusal(found, "too_complex")
    return data


def check_json(cls: type, data: Any) -> Any:
    """`check_shape`, then `check_text` (one validator: pydantic runs "before" validators last
    defined first, and the text walk must not start on a body the shape check refuses)."""
    return check_text(cls, check_shape(cls, data))


def check_text(cls: type, data: Any) -> Any:
    """A `model_validator(mode="before")`: refuse control characters in every string of a body,
    however deeply nested (line items, email fields), naming where."""
    found = text_problem(data)
    if found is not None:
        raise _refusal(found, "control_character")
    return data


class BoundedBody(BaseModel):
    """Base of request bodies: too many keys, values or levels are refused before validation."""

    _shape = model_validator(mode="before")(check_shape)
