"""The shared input types accept exactly what their published JSON schema accepts.

The referee is jsonschema-rs with the options schemathesis uses (ECMA-style patterns, formats
asserted): whatever it calls valid, the server must accept, and whatever it refuses, the
server must refuse too. Values are drawn both at random (from an alphabet rich in the
characters the rules are about) and from the patterns themselves.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from schemathesis.core.jsonschema import FANCY_REGEX_OPTIONS

from ledgerlink.automations.schemas import Day, Minutes
from ledgerlink.crm.types import Email, NonNegativeMoney, Percent, Quantity, Url
from ledgerlink.inputs import (
    MULTI_LINE,
    SINGLE_LINE,
    CurrencyCode,
    LedgerDate,
    QueryBool,
    Uuid,
    text,
)

TYPES: dict[str, Any] = {
    "single line": Annotated[str, SINGLE_LINE],
    "multi line": Annotated[str, MULTI_LINE],
    "name": Annotated[str, *text(12, min_length=1)],
    "optional text": Annotated[str, *text(12)],
    "multi-line name": Annotated[str, *text(12, min_length=1, multiline=True)],
    "email": Email, "url": Url, "currency": CurrencyCode, "date": LedgerDate, "uuid": Uuid,
    "day": Day, "money": NonNegativeMoney, "quantity": Quantity, "percent": Percent,
    "minutes": Minutes,
}
# Controls, separators, bidi overrides, spaces of several kinds, and the characters of emails,
# URLs, dates, decimals and UUIDs.
ALPHABET = ("\x00\x07\t\n\r\x0b\x1f\x7f\x85\xa0\u2028\u202e\u2066\u3000\u200b \u00e9\u0661"
            "aAzZfF09-.:/@#?%_+eE{}" + "MONDAYmonday")


def _accepts(adapter: TypeAdapter[Any], value: Any) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


def _referee(name: str) -> tuple[TypeAdapter[Any], Any]:
    adapter: TypeAdapter[Any] = TypeAdapter(TYPES[name])
    schema = adapter.json_schema()
    validator = jsonschema_rs.Draft202012Validator(schema, validate_formats=True,
                                                   pattern_options=FANCY_REGEX_OPTIONS)
    return adapter, validator


def _patterns(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        found = [schema["pattern"]] if isinstance(schema.get("pattern"), str) else []
        return found + [p for value in schema.values() for p in _patterns(value)]
    if isinstance(schema, list):
        return [p for value in schema for p in _patterns(value)]
    return []


def _values(name: str) -> st.SearchStrategy[Any]:
    schema = TypeAdapter(TYPES[name]).json_schema()
    drawn: list[st.SearchStrategy[Any]] = [st.text(alphabet=ALPHABET, max_size=20)]
    drawn += [st.from_regex(re.compile(p), fullmatch=True) for p in _patterns(schema)]
    drawn += [st.integers(-10, 2000), st.floats(allow_nan=False, allow_infinity=False),
              st.decimals(places=5, min_value=-1, max_value=200).map(float), st.booleans()]
    return st.one_of(drawn)


@pytest.mark.parametrize("name", sorted(TYPES))
def test_the_server_accepts_exactly_what_the_schema_states(name: str) -> None:
    adapter, validator = _referee(name)

    @settings(max_examples=400, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(value=_values(name))
    def agree(value: Any) -> None:
        assert _accepts(adapter, value) == validator.is_valid(value), (name, value)

    agree()


@pytest.mark.parametrize(("name", "value", "accepted"), [
    ("name", " " * 11 + "ab", False),  # 13 characters as sent, though 2 once stripped
    ("name", "\u3000 ", False),  # white space alone
    ("name", " a ", True),
    ("money", "0.07", True), ("money", 0.07, True), ("money", 0.001, False),
    ("money", "1e2", False), ("money", 1e13, False), ("money", -0.0, True),
    ("quantity", "0", False), ("quantity", "0.0000", False), ("quantity", 0.0001, True),
    ("percent", 100, True), ("percent", "100.01", False), ("percent", 100.01, False),
    ("minutes", 15.0, True), ("minutes", "15", False), ("minutes", True, False),
    ("date", 0, False), ("date", "1899-12-31", False), ("date", "2024-02-29", True),
    ("uuid", "{3fa85f64-5717-4562-b3fc-2c963f66afa6}", False),
    ("email", "x" * 65 + "@example.com", False), ("email", "a@b", False),
    ("url", "http://example.com:65536/", False), ("url", "mailto:a@b.co", False),
    ("day", "Monday", True), ("day", "28", True), ("day", "29", False),
    ("currency", "zzz", False), ("currency", "eur", True),
])
def test_the_issues_cases(name: str, value: Any, accepted: bool) -> None:
    adapter, validator = _referee(name)
    assert _accepts(adapter, value) is accepted
    assert validator.is_valid(value) is accepted


def test_query_booleans_are_the_words_true_and_false() -> None:
    # The issue: 0 was accepted as a boolean. A query string has words only, so these two.
    adapter: TypeAdapter[Any] = TypeAdapter(QueryBool)
    assert adapter.validate_python("true") is True and adapter.validate_python("false") is False
    for value in ("1", "0", "yes", "on", "True", "t", "", 0, 1):
        assert not _accepts(adapter, value), value


def test_decimals_keep_their_value() -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(NonNegativeMoney)
    assert adapter.validate_python("1250.5") == Decimal("1250.5")
    assert adapter.validate_python(0.07) == Decimal("0.07")
