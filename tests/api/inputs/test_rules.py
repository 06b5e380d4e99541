"""The shared input rules (ledgerlink.inputs, ledgerlink.api.ids) on their own, without a hub."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

import pytest
from pydantic import TypeAdapter, ValidationError

from ledgerlink.api.ids import RecordId
from ledgerlink.crm.types import NonNegativeMoney, Percent, Quantity
from ledgerlink.inputs import (
    MAX_NODES,
    MULTI_LINE,
    CurrencyCode,
    LedgerDate,
    control_problem,
    shape_problem,
    text,
    text_problem,
)

Line = TypeAdapter(Annotated[str, *text(10)])
Text = TypeAdapter(Annotated[str, MULTI_LINE])


def _refused(adapter: TypeAdapter[Any], value: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    return str(caught.value.errors()[0]["type"])


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028", "\u202a",
                                  "\u202e", "\u2066", "\u2069"])
def test_control_and_bidi_characters_are_refused_everywhere(char: str) -> None:
    assert _refused(Line, f"a{char}b") == "control_character"
    assert _refused(Text, f"a{char}b") == "control_character"


def test_lone_surrogates_are_refused() -> None:
    # pydantic's str refuses them itself; free-form values (action params) are walked here.
    assert _refused(Line, "a\ud800") == "string_unicode"
    found = text_problem({"a": ["\udfff"]})
    assert found is not None and found[0] == ("a", "0")


def test_line_breaks_are_text_only_in_multi_line_fields() -> None:
    for char in "\n\r\t":
        assert _refused(Line, f"a{char}b") == "control_character"
        assert Text.validate_python(f"a{char}b") == f"a{char}b"
    # Surrounding spaces are stripped, and the length bounds the text as sent (the issue: a
    # 300-character name passed a 255 maximum because it was stripped first).
    assert Line.validate_python("  Acme  ") == "Acme"
    assert _refused(Line, "x" * 11) == "string_too_long"
    assert _refused(Line, " " * 9 + "xy") == "string_too_long"
    # Letters of every script, emoji joiners and Persian's zero-width non-joiner are text.
    for word in ("Ōtautahi", "مرحبا", "👩\u200d💻", "می\u200cخواهم"):
        assert Text.validate_python(word) == word


def test_the_message_names_the_character_and_where_it_is() -> None:
    assert control_problem("ab\u202ecd") == (
        "must not contain control or bidirectional-override characters or line breaks: "
        "found U+202E (RIGHT-TO-LEFT OVERRIDE) at character 3")
    assert control_problem("a\x07", multiline=True) == (
        "must not contain control or bidirectional-override characters: found U+0007 at "
        "character 2")


@pytest.mark.parametrize("adapter", [TypeAdapter(NonNegativeMoney), TypeAdapter(Quantity),
                                     TypeAdapter(Percent)])
def test_decimals_are_read_from_ascii_digits_only(adapter: TypeAdapter[Any]) -> None:
    # Only what the published pattern admits: digits, an optional point and decimals.
    for value in ("١٢", "۱۲", "１２", "1_2", " 12", "12 ", "1,2", "NaN", "Infinity", "", "+3",
                  ".5", "1e1", "-1", "1."):
        assert _refused(adapter, value) == "decimal_parsing", value
    for value, expected in (("12", "12"), ("1.5", "1.5"), ("07", "7"), (7, "7"),
                            (2.5, "2.5")):
        assert adapter.validate_python(value) == Decimal(expected)


def test_currency_codes_are_iso_4217() -> None:
    adapter = TypeAdapter(CurrencyCode)
    assert adapter.validate_python("nzd") == "NZD"
    for code in ("ZZZ", "ABC", "NZ", "NZDD", "ＮＺＤ", " nzd "):
        assert _refused(adapter, code) == "currency_code", code


def test_ledger_dates_run_from_1900_to_2100() -> None:
    adapter = TypeAdapter(LedgerDate)
    assert adapter.validate_python("1900-01-01") == dt.date(1900, 1, 1)
    assert adapter.validate_python("2100-12-31") == dt.date(2100, 12, 31)
    for day in ("0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"):
        assert _refused(adapter, day) == "date_range", day


def test_record_ids_are_canonical_uuids() -> None:
    adapter = TypeAdapter(RecordId)
    canonical = "6c1f5a0e-2b7d-4e3a-9c8f-1d2e3f4a5b6c"
    assert adapter.validate_python(canonical.upper()) == canonical
    # Only the form `format: uuid` states: pydantic's UUID also read these three.
    for bad in ("\x00", "", "nope", canonical + "0", canonical[:-1] + "g", "٦" * 32,
                canonical.replace("-", ""), "{" + canonical + "}", "urn:uuid:" + canonical):
        assert _refused(adapter, bad) == "uuid_parsing", bad


def test_shape_is_bounded_by_counts() -> None:
    assert shape_problem({"a": [1, {"b": "c"}]}) is None
    assert shape_problem({str(i): 0 for i in range(101)}) == ((), "has 101 keys; at most 100 "
                                                                  "are accepted")
    deep: Any = 0
    for _ in range(17):
        deep = [deep]
    found = shape_problem({"x": deep})
    assert found is not None and found[0][0] == "x" and "nested" in found[1]
    found = shape_problem({"x": list(range(MAX_NODES + 1))})
    assert found == (("x",), f"has {MAX_NODES + 1} items; at most {MAX_NODES} are accepted")
    found = shape_problem([[0] * 100 for _ in range(101)])
    assert found == ((), f"holds more than {MAX_NODES} values")


def test_text_problems_are_found_however_deep_and_in_keys() -> None:
    assert text_problem({"a": ["fine\nline", {"b": "ok"}]}) is None
    found = text_problem({"a": [{"b": "ok"}, {"c": "x\x07"}]})
    assert found is not None and found[0] == ("a", "1", "c")
    found = text_problem({"a": {"k\u202e": 1}})
    assert found is not None and found[0] == ("a", "k\u202e")
