"""Input values every request shares, published in the OpenAPI schema exactly as enforced:
strict booleans in query strings, UUIDs, decimals of ASCII digits, ISO 4217 currency codes and
dates a ledger can hold (re-exported by `ledgerlink.inputs`)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import iso4217
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema


@dataclass(frozen=True)
class SchemaPattern:
    """Publishes a `pattern` that a validator of the same type enforces (not pydantic)."""

    pattern: str

    def __get_pydantic_json_schema__(self, schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        target = handler.resolve_ref_schema(json_schema)
        if "pattern" in target:  # two rules on one string: both must hold
            target.setdefault("allOf", []).append({"pattern": self.pattern})
        else:
            target["pattern"] = self.pattern
        return json_schema


@dataclass(frozen=True)
class Matches:
    """Refuses text the anchored `pattern` does not match (pydantic error `kind`, `message`) and
    publishes that pattern: one rule, with a message in words rather than the regex."""

    pattern: str
    kind: str
    message: str

    def __get_pydantic_core_schema__(self, source: Any,
                                     handler: GetCoreSchemaHandler) -> CoreSchema:
        compiled = re.compile(self.pattern)

        def check(value: Any) -> Any:
            # fullmatch: `$` would let a search end before a final line break.
            if isinstance(value, str) and not compiled.fullmatch(value):
                raise PydanticCustomError(self.kind, self.message)
            return value

        return core_schema.no_info_after_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return SchemaPattern(self.pattern).__get_pydantic_json_schema__(schema, handler)


class SchemaExtra:
    """Adds keywords (`format`, `examples`) to a type's JSON schema. Unlike a `Field`'s
    json_schema_extra it composes with a field's own (`omittable()` drops its default)."""

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(self, schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        handler.resolve_ref_schema(json_schema).update(self.keywords)
        return json_schema


# ---- booleans and ids ------------------------------------------------------------------------
def _query_bool(value: Any) -> Any:
    # JSON booleans arrive as bool; a query string only as the words the schema's boolean has.
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise PydanticCustomError("bool_type", "must be true or false")


QueryBool = Annotated[bool, BeforeValidator(_query_bool)]
"""A boolean query parameter: `true` or `false` only (not 1, 0, yes, on ...)."""

UUID_EXAMPLE = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
# RFC 4122's hyphenated form, the only one JSON Schema's `format: uuid` admits (pydantic's UUID
# also read braces, `urn:uuid:` and 32 bare digits, which the schema refused).
_UUID_TEXT = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
                        r"[0-9A-Fa-f]{12}")


def canonical_id(value: Any) -> str:
    """The lower-case form of a hyphenated UUID; a pydantic error naming the problem otherwise."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str) or not _UUID_TEXT.fullmatch(value):
        raise PydanticCustomError("uuid_parsing", "Input should be a UUID of 32 hex digits in "
                                  "groups of 8-4-4-4-12, e.g. {example}",
                                  {"example": UUID_EXAMPLE})
    return value.lower()


Uuid = Annotated[str, BeforeValidator(canonical_id),
                 WithJsonSchema({"type": "string", "format": "uuid"})]
"""A UUID (8-4-4-4-12 hex digits, any letter case), kept in its canonical lower-case form."""


# ---- decimals --------------------------------------------------------------------------------
# Python's Decimal (and so pydantic's) reads any Unicode digit ("١٢٣" became 123), exponents
# and signs. A decimal string on the wire is plain ASCII digits, with the places the type allows.
def decimal(*, whole: int, places: int, minimum: int = 0, above_minimum: bool = False,
            maximum: int | None = None, pattern: str | None = None) -> tuple[Any, ...]:
    """The rules of a decimal read from a JSON number or a string, for
    `Annotated[Decimal, *decimal(whole=13, places=2)]`; the schema states both forms' limits.

    A number must lie in the range and be a multiple of 10^-places; a string must match the
    pattern (by default `whole` digits at most and `places` decimals at most, no sign).
    """
    step = Decimal(1).scaleb(-places)
    top = Decimal(maximum) if maximum is not None else Decimal(10) ** whole - step
    text_rule = pattern or rf"^[0-9]{{1,{whole}}}(\.[0-9]{{1,{places}}})?$"
    compiled = re.compile(text_rule)

    def from_text(value: Any) -> Any:
        if isinstance(value, str) and not compiled.fullmatch(value):
            raise PydanticCustomError(
                "decimal_parsing", "must be a decimal number of ASCII digits 0-9 with at most "
                "{places} decimal places (pattern {pattern}), e.g. \"12.50\"",
                {"places": places, "pattern": text_rule})
        return value

    bound = {"exclusiveMinimum" if above_minimum else "minimum": minimum}
    number = {"type": "number", **bound, "maximum": float(top), "multipleOf": float(step)}
    low = Decimal(minimum)
    limits = Field(max_digits=whole + places, decimal_places=places, allow_inf_nan=False,
                   gt=low if above_minimum else None, ge=None if above_minimum else low, le=top)
    return (limits, BeforeValidator(from_text),
            WithJsonSchema({"anyOf": [number, {"type": "string", "pattern": text_rule}]},
                           mode="validation"))


# ---- currencies ------------------------------------------------------------------------------
# The `iso4217` package ships the ISO 4217 maintenance agency's own table (dated; updated with
# each amendment), so a retired or invented code such as ZZZ is refused.
CURRENCY_CODES: frozenset[str] = frozenset(c.value for c in iso4217.Currency)
CURRENCY_PATTERN = "^(" + "|".join("".join(f"[{c}{c.lower()}]" for c in code)
                                   for code in sorted(CURRENCY_CODES)) + ")$"


def _currency(value: str) -> str:
    if not re.fullmatch("[A-Za-z]{3}", value) or value.upper() not in CURRENCY_CODES:
        raise PydanticCustomError("currency_code", "'{code}' is not an ISO 4217 currency code "
                                  "(e.g. NZD, AUD, USD, EUR, GBP)", {"code": value})
    return value.upper()


CurrencyCode = Annotated[str, AfterValidator(_currency), SchemaPattern(CURRENCY_PATTERN)]
"""An ISO 4217 code in any letter case, stored upper-case."""


# ---- dates -----------------------------------------------------------------------------------
# No Xero document states a date range. A ledger holds nothing before 1900 and plans nothing
# after 2100, while a year like 0001 or 20255 is always a typing error; and far dates broke the
# provider (0001-01-01 made the balance sheet fail with a 5xx that was retried for 19 s).
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_PATTERN = r"^(19[0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"


def _date_text(value: Any) -> Any:
    # A date is a YYYY-MM-DD string on the wire: pydantic would also read 0 (1970-01-01), unix
    # times and datetimes. Date objects come only from our own code.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _DATE_TEXT.fullmatch(value):
        raise PydanticCustomError("date_type", "must be a date written YYYY-MM-DD, e.g. "
                                  "2025-06-30")
    return value


def _in_range(value: dt.date) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError("date_range", "must be between {earliest} and {latest}",
                                  {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()})
    return value


LedgerDate = Annotated[dt.date, BeforeValidator(_date_text), AfterValidator(_in_range),
                       WithJsonSchema({"type": "string", "format": "date",
                                       "pattern": DATE_PATTERN,
                                       "description": f"{EARLIEST} to {LATEST}"})]
"""A calendar date between 1900-01-01 and 2100-12-31, written YYYY-MM-DD."""
