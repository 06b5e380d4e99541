"""The base and the strict value types of the query parameters, so that the OpenAPI schema and the
server agree on every input: what one refuses, the other refuses too.

Each parameter may have several spellings (`date_from`, `dateFrom`, `from_date`, `fromDate`):
every one of them is a declared property of the schema. Two spellings of one parameter with the
same value are that value; with different values they are refused as `conflicting_input` (a
rule JSON Schema cannot say); a spelling whose value is itself invalid is reported as such.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AliasChoices,
    AliasGenerator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic.config import JsonDict, JsonValue
from pydantic_core import PydanticCustomError

from ledgerlink.errors import conflicting_input
from ledgerlink.inputs import SINGLE_LINE
from ledgerlink.providers.xero.actions_base import camel
from ledgerlink.providers.xero.models_base import InvoiceStatus

__all__ = ["Count", "DateRange", "Flag", "Guid", "Page", "QueryParams", "Search", "Statuses",
           "exact", "spellings", "statuses_field"]


def spellings(*names: str) -> AliasChoices:
    """Each name, its camelCase and Xero's `ID` suffix (`trackingOptionID1`), in that order."""
    found: list[str] = []
    for name in names:
        lower = camel(name)
        found += [name, lower, lower.replace("Id", "ID")]
    return AliasChoices(*dict.fromkeys(found))


# ---- strict values --------------------------------------------------------------------------
# Bodies arrive as decoded JSON and pydantic's lax mode would turn 0 into False, "2" into 2,
# "bank" into BANK: values the schema forbids. These types take what it allows (dates are
# ledgerlink.inputs.LedgerDate: YYYY-MM-DD strings from 1900 to 2100).
Flag = Annotated[bool, Strict()]


def _whole(value: Any) -> Any:
    # JSON Schema's integer is any whole number, 3.0 included; a string or a boolean is not.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("int_type", "must be a whole number, e.g. 3")
    return value


Count = Annotated[int, Field(ge=1, le=12), BeforeValidator(_whole)]
# Xero's pages hold 100 rows: 100,000 pages are ten million records, more than any ledger.
Page = Annotated[int, Field(ge=1, le=100_000), BeforeValidator(_whole)]

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _guid(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str) and _GUID.fullmatch(value):
        return value.lower()
    raise PydanticCustomError("uuid_parsing",
                              "must be a GUID, e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6")


Guid = Annotated[str, BeforeValidator(_guid), WithJsonSchema({
    "type": "string", "format": "uuid", "examples": ["3fa85f64-5717-4562-b3fc-2c963f66afa6"]})]
"""A Xero id (ContactID, TrackingOptionID): a GUID with hyphens, kept in lower case."""

# Xero's searchTerm goes into the URL: a 66,000-character one made the URL too long to send.
Search = Annotated[str, StringConstraints(min_length=1, max_length=200), SINGLE_LINE]


def _expected(values: list[str]) -> str:
    quoted = [repr(v) for v in values]
    return ", ".join(quoted[:-1]) + f" or {quoted[-1]}" if len(quoted) > 1 else quoted[0]


def exact(enum: type[StrEnum]) -> BeforeValidator:
    """Only the enum's own values: its case-insensitive lookup would take `bank` for BANK,
    which the schema's `enum` forbids."""
    values = [member.value for member in enum]

    def check(value: Any) -> Any:
        if isinstance(value, enum) or (isinstance(value, str) and value in values):
            return value
        raise PydanticCustomError("enum", "Input should be {expected}",
                                  {"expected": _expected(values)})

    return BeforeValidator(check)


def _csv(value: Any) -> Any:
    return value.split(",") if isinstance(value, str) else value


_STATUS = "(?:" + "|".join(s.value for s in InvoiceStatus) + ")"
STATUSES_PATTERN = f"^{_STATUS}(?:,{_STATUS})*$"


def _or_csv(schema: JsonDict) -> None:
    """The list may also come as one comma-separated string, as Xero's `Statuses` does."""
    text: JsonDict = {"type": "string", "pattern": STATUSES_PATTERN,
                      "description": "comma-separated, e.g. AUTHORISED,PAID"}
    options = schema.get("anyOf")
    if isinstance(options, list):
        options.insert(len(options) - 1 if {"type": "null"} in options else len(options), text)
    else:
        array: JsonDict = {k: schema.pop(k) for k in ("type", "items") if k in schema}
        schema["anyOf"] = [array, text]


Statuses = Annotated[list[Annotated[InvoiceStatus, exact(InvoiceStatus)]], BeforeValidator(_csv)]
"""Invoice statuses as a list (["AUTHORISED", "PAID"]) or a string ("AUTHORISED,PAID"); declare
the field with `statuses_field()` so that the schema says both."""


def statuses_field() -> Any:
    """An optional Statuses field whose schema also allows the comma-separated string."""
    return Field(default=None, json_schema_extra=_or_csv)


# ---- the base -------------------------------------------------------------------------------
def _choices(model: type[BaseModel], name: str) -> list[str]:
    alias = model.model_fields[name].validation_alias
    if isinstance(alias, AliasChoices):
        return [c for c in alias.choices if isinstance(c, str)]
    return [alias if isinstance(alias, str) else name]


def _declare_spellings(schema: JsonDict, model: type[BaseModel]) -> None:
    """Every accepted spelling as a property of its own; a required parameter in any one of
    its spellings (an `anyOf` inside `allOf`, which client generators read as plain optional
    properties while validators enforce it)."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return
    listed = schema.get("required")
    required = [r for r in listed if isinstance(r, str)] if isinstance(listed, list) else []
    declared: JsonDict = {}
    either: list[JsonValue] = []
    for key, prop in properties.items():
        if not isinstance(prop, dict):
            continue
        names = next((_choices(model, f) for f in model.model_fields
                      if _choices(model, f)[0] == key), [key])
        declared[key] = prop
        for other in names[1:]:
            declared[other] = {k: v for k, v in prop.items() if k not in ("title", "default")} | {
                "description": f"Another spelling of `{key}`"}
        if key in required and len(names) > 1:
            required.remove(key)
            either.append({"anyOf": [{"required": [n]} for n in names]})
    schema["properties"] = declared
    if required:
        schema["required"] = list(required)
    else:
        schema.pop("required", None)
    if either:
        schema["allOf"] = list(either)


@functools.cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    return TypeAdapter(model.model_fields[name].rebuild_annotation())


def _valid(model: type[BaseModel], name: str, value: Any) -> tuple[bool, Any]:
    try:
        return True, _adapter(model, name).validate_python(value)
    except PydanticValidationError:
        return False, None


class QueryParams(BaseModel):
    """Base of every query's parameters: every spelling accepted, anything else refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True,
                              alias_generator=AliasGenerator(validation_alias=spellings),
                              json_schema_extra=_declare_spellings)

    @model_validator(mode="before")
    @classmethod
    def _one_spelling(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        out = dict(data)
        for name in cls.model_fields:
            given = [n for n in _choices(cls, name) if n in out]
            if len(given) < 2:
                continue
            checked = [(n, *_valid(cls, name, out[n])) for n in given]
            invalid = [n for n, ok, _ in checked if not ok]
            # A spelling whose own value is wrong is reported as that (the schema forbids it);
            # only valid values can conflict.
            keep = invalid[0] if invalid else given[0]
            if not invalid and len({repr(v) for _, _, v in checked}) > 1:
                raise conflicting_input(name, f"given as {', '.join(given)} with different "
                                        "values; send one")
            for other in given:
                if other != keep:
                    del out[other]
        return out


class DateRange(QueryParams):
    """A start no later than its end, when both are given (`date_from`/`date_to` or
    `from_date`/`to_date`)."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        for start_name, end_name in (("date_from", "date_to"), ("from_date", "to_date")):
            start, end = getattr(self, start_name, None), getattr(self, end_name, None)
            if start is not None and end is not None and start > end:
                raise conflicting_input(start_name, f"the start date {start} is after the end "
                                        f"date {end}")
        return self
