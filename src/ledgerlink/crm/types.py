"""Field types shared by the CRM schemas: money, quantities, emails, colours, templates, pages.

Merge templates (email subjects and bodies) get the email module's whole check when they are
saved: a bad one is a 422 naming its field, never a failed email after an invoice is written.

Money is a Decimal inside ledgerlink and a string with exactly 2 decimal places on the wire
("1250.00"); input accepts a JSON number or a string, refusing more than 2 decimal places.
Quantities accept up to 4 decimal places and are returned as plain decimal strings ("1.5").
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    PlainSerializer,
    StringConstraints,
    TypeAdapter,
    field_validator,
)
from pydantic_core import PydanticCustomError

from ledgerlink.email.template_rules import MAX_BODY, MAX_SUBJECT
from ledgerlink.email.templates import template_problem
from ledgerlink.inputs import ASCII_DIGITS, SINGLE_LINE, BoundedBody, CurrencyCode, multi_line


def money_text(value: Decimal) -> str:
    """Money on the wire: exactly 2 decimal places."""
    return f"{value.quantize(Decimal('0.01')):f}"


def quantity_text(value: Decimal) -> str:
    """A quantity on the wire: no exponent, no trailing zeros ("2", "1.5")."""
    text = f"{value.normalize():f}"
    return text if text != "-0" else "0"


_EMAIL = re.compile(r"^[^@\s\"(),:;<>\[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def _check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("not a valid email address (expected name@example.com)")
    return value


def _check_url(value: str) -> str:
    TypeAdapter(HttpUrl).validate_python(value)
    return value


def _check_subject(value: str) -> str:
    return _checked(value, subject=True)


def _check_body(value: str) -> str:
    return _checked(value, subject=False)


def _checked(value: str, *, subject: bool) -> str:
    """The full merge-template check (syntax, known tags, size, a sample render) on save."""
    problem = template_problem(value, subject=subject)
    if problem is not None:
        raise PydanticCustomError("merge_template", "{problem}", {"problem": problem})
    return value


# ASCII_DIGITS comes after each Field: a constraint placed outside a validator is not pushed
# into the schema (see ledgerlink.inputs), so NonNegativeMoney repeats Money's constraints.
_MONEY_EXAMPLE = Field(json_schema_extra={"examples": ["1250.00"]})
Money = Annotated[
    Decimal, Field(max_digits=15, decimal_places=2, allow_inf_nan=False), ASCII_DIGITS,
    _MONEY_EXAMPLE, PlainSerializer(money_text, return_type=str, when_used="json"),
]
NonNegativeMoney = Annotated[
    Decimal, Field(ge=0, max_digits=15, decimal_places=2, allow_inf_nan=False), ASCII_DIGITS,
    _MONEY_EXAMPLE, PlainSerializer(money_text, return_type=str, when_used="json"),
]
# Computed amounts (line amounts, deal values) may exceed what a single input may hold.
MoneyOut = Annotated[Decimal, Field(json_schema_extra={"examples": ["1250.00"]}),
                     PlainSerializer(money_text, return_type=str, when_used="json")]
Quantity = Annotated[
    Decimal,
    Field(gt=0, max_digits=15, decimal_places=4, allow_inf_nan=False), ASCII_DIGITS,
    Field(json_schema_extra={"examples": ["1.5"]}),
    PlainSerializer(quantity_text, return_type=str, when_used="json"),
]
Percent = Annotated[
    Decimal,
    Field(ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False), ASCII_DIGITS,
    Field(json_schema_extra={"examples": ["10.00"]}),
    PlainSerializer(money_text, return_type=str, when_used="json"),
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=254), SINGLE_LINE,
    AfterValidator(_check_email),
    Field(json_schema_extra={"format": "email"}),
]
# One-line texts (names, cities, codes) are sent to Xero as they are: no control characters.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
                 SINGLE_LINE]
Text255 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255), SINGLE_LINE]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50), SINGLE_LINE]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50), SINGLE_LINE]
Currency = CurrencyCode
HexColor = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^#[0-9A-Fa-f]{6}$")]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2048), SINGLE_LINE,
                AfterValidator(_check_url), Field(json_schema_extra={"format": "uri"})]
SubjectTemplate = Annotated[str, StringConstraints(max_length=MAX_SUBJECT),
                           AfterValidator(_check_subject)]
BodyTemplate = Annotated[str, StringConstraints(max_length=MAX_BODY), AfterValidator(_check_body)]
Template = BodyTemplate


class Input(BoundedBody):
    """Base of request bodies: bounded in keys and depth; no text holds a control character
    (NUL cannot even be stored by PostgreSQL); one-line fields refuse line breaks too.

    Unknown fields are refused, never dropped: a misspelt or unsupported field (`currency`
    on a customer) would otherwise be answered 201 and silently lost.
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_controls(cls, value: Any) -> Any:
        return multi_line(value)


def reject_null(*fields: str) -> Any:
    """A validator for PATCH bodies: these fields may be omitted but not set to null."""

    def check(cls: type[BaseModel], value: Any) -> Any:
        if value is None:
            raise ValueError("may be omitted but not null")
        return value

    return field_validator(*fields)(check)


class Pagination(BaseModel):
    """Where a page sits: `total` records match, this page starts at `offset`."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"total": 42, "limit": 20, "offset": 20}]})

    total: int = Field(description="How many records match the filters")
    limit: int = Field(description="The page size asked for")
    offset: int = Field(description="How many matching records precede this page")


def page_config(item: type[BaseModel]) -> ConfigDict:
    """A page's OpenAPI example: one page holding the item's first example."""
    extra = item.model_config.get("json_schema_extra")
    examples = extra.get("examples") if isinstance(extra, dict) else None
    first = list(examples[:1]) if isinstance(examples, list) else []
    return ConfigDict(json_schema_extra={"examples": [
        {"data": first, "pagination": {"total": len(first), "limit": 50, "offset": 0}}]})


USAGE_BASED = "Usage-Based"


def is_usage_based(category: str | None) -> bool:
    """Whether a product category is "Usage-Based" (spelling of case, space and hyphen aside)."""
    if not category:
        return False
    return re.sub(r"[^a-z]", "", category.casefold()) == "usagebased"
