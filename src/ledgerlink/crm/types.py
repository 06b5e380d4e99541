"""Field types shared by the CRM schemas: money, quantities, emails, colours, templates, pages.

Merge templates (email subjects and bodies) get the email module's whole check when they are
saved: a bad one is a 422 naming its field, never a failed email after an invoice is written.

Money is a Decimal inside ledgerlink and a string with exactly 2 decimal places on the wire
("1250.00"); input accepts a JSON number (a multiple of 0.01) or a string of digits with at
most 2 decimal places. Quantities accept up to 4 decimal places and are returned as plain
decimal strings ("1.5"). The schema states each limit, and the server enforces exactly those.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from ledgerlink.email.template_rules import MAX_BODY, MAX_SUBJECT
from ledgerlink.email.templates import template_problem
from ledgerlink.errors import conflicting_input
from ledgerlink.inputs import (
    BoundedBody,
    CurrencyCode,
    Matches,
    SchemaExtra,
    decimal,
    text,
)


def money_text(value: Decimal) -> str:
    """Money on the wire: exactly 2 decimal places."""
    return f"{value.quantize(Decimal('0.01')):f}"


def quantity_text(value: Decimal) -> str:
    """A quantity on the wire: no exponent, no trailing zeros ("2", "1.5")."""
    text = f"{value.normalize():f}"
    return text if text != "-0" else "0"


# --- decimals: a JSON number or a string of ASCII digits, each form with its limits stated ----
MONEY_OUT = r"^-?[0-9]+\.[0-9]{2}$"
QUANTITY_OUT = r"^-?[0-9]+(\.[0-9]+)?$"


def _out(pattern: str, example: str, serializer: Any) -> tuple[Any, ...]:
    """How a decimal is answered: a string (the serializer's), with its pattern and example."""
    return (SchemaExtra(examples=[example]),
            PlainSerializer(serializer, return_type=str, when_used="json"),
            WithJsonSchema({"type": "string", "pattern": pattern, "examples": [example]},
                           mode="serialization"))


NonNegativeMoney = Annotated[Decimal, *decimal(whole=13, places=2),
                             *_out(MONEY_OUT, "1250.00", money_text)]
# Computed amounts (line amounts, deal values) may exceed what a single input may hold.
MoneyOut = Annotated[Decimal, *_out(MONEY_OUT, "1250.00", money_text)]
# More than 0: the string form refuses every spelling of zero.
Quantity = Annotated[
    Decimal, *decimal(whole=11, places=4, above_minimum=True,
            pattern=r"^(?!0+(\.0+)?$)[0-9]{1,11}(\.[0-9]{1,4})?$"),
    *_out(QUANTITY_OUT, "1.5", quantity_text)]
Percent = Annotated[
    Decimal, *decimal(whole=3, places=2, maximum=100,
            pattern=r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$"),
    *_out(MONEY_OUT, "10.00", money_text)]

# --- text ------------------------------------------------------------------------------------
# An address as RFC 5321 writes it without quoting: a dot-atom of at most 64 characters, then a
# host name of labels (1-63 letters, digits and inner hyphens) with at least one dot. Every
# address of this shape is also a valid JSON-schema `email`, so the two rules never disagree.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^(?=[^@]{{1,64}}@){_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+$"
# An http(s) URL of RFC 3986 characters only (non-ASCII must be percent-encoded).
_PCHAR = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})"
_PORT = r"(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
URL_PATTERN = (rf"^https?://{_LABEL}(?:\.{_LABEL})*(?::{_PORT})?(?:/{_PCHAR}*)?"
               rf"(?:\?(?:{_PCHAR}|\?)*)?(?:#(?:{_PCHAR}|\?)*)?$")
Email = Annotated[str, StringConstraints(min_length=3, max_length=254),
                  Matches(EMAIL_PATTERN, "email", "not a valid email address (expected "
                          "name@example.com)"), SchemaExtra(format="email")]
Url = Annotated[str, StringConstraints(max_length=2048),
                Matches(URL_PATTERN, "url", "not a valid http(s) URL (expected "
                        "https://example.com/logo.png; other characters percent-encoded)"),
                SchemaExtra(format="uri")]
# One-line texts (names, cities, codes) are sent to Xero as they are: no control characters.
Name = Annotated[str, *text(255, min_length=1)]
Text255 = Annotated[str, *text(255)]
Short = Annotated[str, *text(50)]
Phone = Annotated[str, *text(50)]
Currency = CurrencyCode
HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
SubjectTemplate = Annotated[str, *text(MAX_SUBJECT, strip=False)]
BodyTemplate = Annotated[str, *text(MAX_BODY, multiline=True, strip=False)]


def template_conflict(model: BaseModel) -> None:
    """The merge-template check (syntax, known tags, size, a sample render) when saved: a rule
    no schema can state, so a bad template is a `conflicting_input` naming its field."""
    for name, subject in (("subject_template", True), ("body_template", False)):
        source = getattr(model, name, None)
        problem = template_problem(source, subject=subject) if source is not None else None
        if problem is not None:
            raise conflicting_input(name, problem)


class Input(BoundedBody):
    """Base of request bodies: bounded in keys and depth; every text type refuses control
    characters (NUL cannot even be stored by PostgreSQL), one-line ones line breaks too.

    Unknown fields are refused, never dropped: a misspelt or unsupported field (`currency`
    on a customer) would otherwise be answered 201 and silently lost.
    """

    model_config = ConfigDict(extra="forbid")


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
