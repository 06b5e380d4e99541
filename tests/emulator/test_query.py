"""Tests for the Xero `where` / `order` query engine of the emulator."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from ledgerlink.emulator.xero.query import (
    QueryParseError,
    compile_where,
    get_path,
    parse_order,
    sort_records,
)

UTC = dt.UTC
ACME_ID = "3e776c4b-ea9e-4bb1-96be-6b0c7a71a37f"
BETA_ID = "9a0c4c1e-5d2b-4f7e-8a1b-2c3d4e5f6a7b"

INV_ACME: dict[str, Any] = {
    "InvoiceID": "11111111-1111-1111-1111-111111111111",
    "Type": "ACCREC",
    "Status": "DRAFT",
    "Contact": {"ContactID": ACME_ID, "Name": "Acme Ltd"},
    "Date": dt.date(2024, 1, 5),
    "Total": Decimal("230.00"),
    "UpdatedDateUTC": dt.datetime(2024, 1, 5, 10, 30, tzinfo=UTC),
    "IsSold": True,
    "Name": "Acme Widgets",
    "Reference": "PO-1",
}
INV_BETA: dict[str, Any] = {
    "InvoiceID": "22222222-2222-2222-2222-222222222222",
    "Type": "ACCPAY",
    "Status": "AUTHORISED",
    "Contact": {"ContactID": BETA_ID, "Name": 'Beta "Quoted" Co'},
    "Date": dt.date(2023, 12, 31),
    "Total": Decimal("100.50"),
    "UpdatedDateUTC": dt.datetime(2024, 2, 1, 0, 0, tzinfo=UTC),
    "IsSold": False,
    "Name": "beta gadgets",
    "Reference": None,
}
INV_GAMMA: dict[str, Any] = {
    "InvoiceID": "33333333-3333-3333-3333-333333333333",
    "Type": "ACCREC",
    "Status": "PAID",
    "Contact": {"ContactID": ACME_ID, "Name": "Acme Ltd"},
    "Date": dt.date(2024, 3, 1),
    "Total": Decimal("99.99"),
    "UpdatedDateUTC": dt.datetime(2024, 3, 1, 23, 59, tzinfo=UTC),
    "IsSold": True,
    "Name": "Gamma",
    # no "Reference" key at all: must behave as null
}
RECORDS = [INV_ACME, INV_BETA, INV_GAMMA]


def matching(where: str, records: list[dict[str, Any]] = RECORDS) -> list[str]:
    predicate = compile_where(where)
    return [str(r["Name"]) for r in records if predicate(r)]


# --------------------------------------------------------------------------- comparisons


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ('Type=="ACCREC"', ["Acme Widgets", "Gamma"]),
        ('Type!="ACCREC"', ["beta gadgets"]),
        ('Type="ACCPAY"', ["beta gadgets"]),  # single '=' is equality
        ('Status=="authorised"', ["beta gadgets"]),  # enum strings compare case-insensitively
        ('Name=="ACME WIDGETS"', ["Acme Widgets"]),
        ('Name > "b"', ["beta gadgets", "Gamma"]),
        ('Name < "b"', ["Acme Widgets"]),
        ('Name >= "beta gadgets"', ["beta gadgets", "Gamma"]),
        ('Name <= "BETA GADGETS"', ["Acme Widgets", "beta gadgets"]),
        ('"ACCPAY" == Type', ["beta gadgets"]),  # literal on the left
    ],
)
def test_string_comparisons(where: str, expected: list[str]) -> None:
    assert matching(where) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Total>=100.50", ["Acme Widgets", "beta gadgets"]),
        ("Total>100.50", ["Acme Widgets"]),
        ("Total==230", ["Acme Widgets"]),  # Decimal("230.00") equals 230 exactly
        ("Total!=230", ["beta gadgets", "Gamma"]),
        ("Total<100", ["Gamma"]),
        ("Total<=99.99", ["Gamma"]),
        ("Total>-2.5", ["Acme Widgets", "beta gadgets", "Gamma"]),
        ('Total>"100"', ["Acme Widgets", "beta gadgets"]),  # pyxero quotes numbers
    ],
)
def test_decimal_comparisons(where: str, expected: list[str]) -> None:
    assert matching(where) == expected


def test_decimal_comparison_is_exact_not_float() -> None:
    record = {"Name": "x", "Total": Decimal("0.3")}
    assert compile_where("Total==0.3")(record)
    assert not compile_where("Total==0.30000000000000004")(record)
    assert compile_where("Total==0.1")({"Total": 0.1})  # a float field goes through str()
    assert compile_where("Qty==3")({"Qty": 3})  # plain ints too


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("IsSold==true", ["Acme Widgets", "Gamma"]),
        ("IsSold==TRUE", ["Acme Widgets", "Gamma"]),
        ("IsSold==False", ["beta gadgets"]),
        ("IsSold!=true", ["beta gadgets"]),
        ("IsSold", ["Acme Widgets", "Gamma"]),  # bare boolean field
        ("!IsSold", ["beta gadgets"]),
        ('IsSold=="true"', ["Acme Widgets", "Gamma"]),
    ],
)
def test_booleans(where: str, expected: list[str]) -> None:
    assert matching(where) == expected


def test_bool_is_not_a_number() -> None:
    assert not compile_where("IsSold==1")(INV_ACME)
    assert compile_where("IsSold!=1")(INV_ACME)


# --------------------------------------------------------------------------- null handling


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Reference==null", ["beta gadgets", "Gamma"]),  # None value and missing key
        ("Reference!=null", ["Acme Widgets"]),
        ("Reference==NULL", ["beta gadgets", "Gamma"]),
        ('Reference=="PO-1"', ["Acme Widgets"]),
        ('Reference!="PO-1"', ["beta gadgets", "Gamma"]),
        ('Reference>"A"', ["Acme Widgets"]),  # ordering against null is never true
        ("Missing.Deeply.Nested==null", ["Acme Widgets", "beta gadgets", "Gamma"]),
        ('Reference.Contains("P")', ["Acme Widgets"]),
    ],
)
def test_null_checks(where: str, expected: list[str]) -> None:
    assert matching(where) == expected


# --------------------------------------------------------------------------- boolean logic


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ('Type=="ACCREC" AND Status=="PAID"', ["Gamma"]),
        ('Type=="ACCREC" && Status=="PAID"', ["Gamma"]),
        ('Type=="ACCREC" and Status=="PAID"', ["Gamma"]),
        ('Status=="DRAFT" OR Status=="PAID"', ["Acme Widgets", "Gamma"]),
        ('Status=="DRAFT"||Status=="PAID"', ["Acme Widgets", "Gamma"]),
        ('Status=="DRAFT" or Status=="PAID"', ["Acme Widgets", "Gamma"]),
        ('NOT Type=="ACCREC"', ["beta gadgets"]),
        ('not (Type=="ACCREC" || IsSold==false)', []),
        ('!(Status=="PAID")', ["Acme Widgets", "beta gadgets"]),
    ],
)
def test_logical_operators(where: str, expected: list[str]) -> None:
    assert matching(where) == expected


def test_and_binds_tighter_than_or() -> None:
    # Read as: DRAFT OR (ACCPAY AND PAID) -> only the DRAFT one.
    assert matching('Status=="DRAFT" OR Type=="ACCPAY" AND Status=="PAID"') == ["Acme Widgets"]
    # Read as: (ACCPAY AND AUTHORISED) OR PAID.
    assert matching('Type=="ACCPAY" && Status=="AUTHORISED" || Status=="PAID"') == [
        "beta gadgets",
        "Gamma",
    ]


def test_parentheses_override_precedence() -> None:
    where = '(Status=="DRAFT" OR Type=="ACCPAY") AND Total>100'
    assert matching(where) == ["Acme Widgets", "beta gadgets"]
    assert matching('((Type=="ACCREC") && (IsSold==true)) && Total < 100') == ["Gamma"]


def test_long_and_chain_does_not_recurse() -> None:
    where = " && ".join(['Type=="ACCREC"'] * 5000)
    assert matching(where) == ["Acme Widgets", "Gamma"]


# --------------------------------------------------------------------------- string methods


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ('Name.Contains("widg")', ["Acme Widgets"]),
        ('Name.contains("GADGET")', ["beta gadgets"]),  # case-insensitive match
        ('Name.StartsWith("gam")', ["Gamma"]),
        ('Name.startswith("ACME")', ["Acme Widgets"]),
        ('Name.EndsWith("GETS")', ["Acme Widgets", "beta gadgets"]),
        ('Name.endswith("s")', ["Acme Widgets", "beta gadgets"]),
        ('Name.tolower()=="acme widgets"', ["Acme Widgets"]),  # as pyxero writes it
        ('Name.ToUpper()=="GAMMA"', ["Gamma"]),
        ('Name.tolower().contains("acme")', ["Acme Widgets"]),  # pyxero chained form
        ('Name.ToLower().StartsWith("BETA")', ["beta gadgets"]),
        ('Name.Contains("widg") == true', ["Acme Widgets"]),
        ('!Name.Contains("a")', []),
        ('Contact.Name.Contains("\\"quoted\\"")', ["beta gadgets"]),  # escaped quotes
    ],
)
def test_string_methods(where: str, expected: list[str]) -> None:
    assert matching(where) == expected


def test_contains_on_non_string_field() -> None:
    assert compile_where('Total.Contains("230")')(INV_ACME)
    assert compile_where('Date.StartsWith("2024-01")')(INV_ACME)


# --------------------------------------------------------------------------- GUIDs and paths


@pytest.mark.parametrize(
    "literal",
    [
        f'Guid("{ACME_ID}")',
        f'GUID("{ACME_ID.upper()}")',
        f'guid("{ACME_ID.replace("-", "")}")',  # without hyphens
    ],
)
def test_guid_literals(literal: str) -> None:
    assert matching(f"Contact.ContactID=={literal}") == ["Acme Widgets", "Gamma"]
    assert matching(f"Contact.ContactID!={literal}") == ["beta gadgets"]


def test_guid_field_stored_without_hyphens_or_as_uuid() -> None:
    predicate = compile_where(f'ContactID==Guid("{ACME_ID}")')
    assert predicate({"ContactID": ACME_ID.replace("-", "").upper()})
    assert predicate({"ContactID": uuid.UUID(ACME_ID)})
    assert not predicate({"ContactID": BETA_ID})
    assert not predicate({"ContactID": None})


def test_nested_paths_and_case_insensitive_keys() -> None:
    assert matching('Contact.Name=="acme ltd"') == ["Acme Widgets", "Gamma"]
    assert matching('contact.name=="ACME LTD"') == ["Acme Widgets", "Gamma"]
    assert matching('TYPE=="accpay"') == ["beta gadgets"]


def test_get_path() -> None:
    assert get_path(INV_ACME, "Contact.Name") == "Acme Ltd"
    assert get_path(INV_ACME, "contact.contactid") == ACME_ID
    assert get_path(INV_ACME, "Total") == Decimal("230.00")
    assert get_path(INV_ACME, "Contact.Missing") is None
    assert get_path(INV_ACME, "Name.Deeper") is None  # walking into a string
    assert get_path({"Lines": [1, 2]}, "Lines.0") is None  # lists are not indexed


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Date>=DateTime(2024,01,01)", ["Acme Widgets", "Gamma"]),
        ("Date<DateTime(2024,1,1)", ["beta gadgets"]),
        ("Date==DateTime(2024,1,5)", ["Acme Widgets"]),  # date field = midnight UTC
        ("Date == DateTime(2024, 1, 5, 0, 0, 0)", ["Acme Widgets"]),
        ("Date<DateTime(2024,1,5,12,30,0)", ["Acme Widgets", "beta gadgets"]),
        ("Date>DateTimeOffset(2024,2,1)", ["Gamma"]),
        ('Date>=DateTime.Parse("2024-01-05")', ["Acme Widgets", "Gamma"]),
        ("UpdatedDateUTC>=DateTime(2024,2,1)", ["beta gadgets", "Gamma"]),
        ("UpdatedDateUTC>DateTime(2024,1,5,10,30,0)", ["beta gadgets", "Gamma"]),
        ("UpdatedDateUTC==DateTime(2024,1,5,10,30,0)", ["Acme Widgets"]),
        ("UpdatedDateUTC>2024-01-05T10:30:00", ["beta gadgets", "Gamma"]),  # pyxero bare ISO
        ("UpdatedDateUTC<2024-01-05T11:30:00+01:00", []),  # offsets are honoured
        ('Date=="2024-01-05"', ["Acme Widgets"]),
    ],
)
def test_date_comparisons(where: str, expected: list[str]) -> None:
    assert matching(where) == expected


def test_naive_record_datetime_is_treated_as_utc() -> None:
    record = {"UpdatedDateUTC": dt.datetime(2024, 1, 1, 12, 0)}
    assert compile_where("UpdatedDateUTC==DateTime(2024,1,1,12,0,0)")(record)


def test_type_mismatch_does_not_crash() -> None:
    assert not compile_where('Total=="abc"')(INV_ACME)
    assert compile_where('Total!="abc"')(INV_ACME)
    assert not compile_where("Date>10")(INV_ACME)
    assert not compile_where("Contact>5")(INV_ACME)
    assert not compile_where('Total>"nan"')({"Total": Decimal("NaN")})


def test_blank_expression_matches_everything() -> None:
    assert matching("   ") == ["Acme Widgets", "beta gadgets", "Gamma"]


def test_where_strings_generated_by_pyxero() -> None:
    manager_module = pytest.importorskip("xero.manager")
    manager = manager_module.Manager("Invoices", SimpleNamespace(base_url="https://x.invalid"))
    _, params, *_ = manager._filter(
        Contact_ContactID=ACME_ID,
        Name__tolower="acme widgets",
        Total__gt=100,
        Date__gte=dt.date(2024, 1, 1),
        UpdatedDateUTC__lt=dt.datetime(2024, 2, 1),
        Reference__isnull=False,
        IsSold=True,
    )
    assert matching(params["where"]) == ["Acme Widgets"]
    _, params, *_ = manager._filter(Name__contains="gad", Status__ne="PAID")
    assert matching(params["where"]) == ["beta gadgets"]


# --------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("where", "position"),
    [
        ('Name=="abc', 6),  # unterminated string
        ('Name=="a" AND', 13),  # dangling operator
        ('(Name=="a"', 10),  # missing ')'
        ('Name=="a")', 9),  # stray ')'
        ('Name=="a" Type=="b"', 10),  # missing AND/OR
        ("Total>=", 7),
        ("Total >= 10abc", 9),  # bad number
        ("Name # 3", 5),
        ('Name.Frobnicate("x")', 5),  # unknown method
        ("Name.Contains()", 5),  # wrong arity
        ('Name.ToLower("x")', 5),
        ('Name.ToLower().Length=="x"', 15),  # property after a method call
        ('Guid("not-a-guid")==Id', 5),
        ("DateTime(2024,13,1)==Date", 0),
        ("DateTime(2024)==Date", 0),
        ("DateTime(2024,1,1.5)==Date", 0),
        ("Date==2024-02-30T00:00:00", 6),
        ("Name.Contains(Type)", 14),  # arguments must be literals
        ("Contact.==1", 8),
    ],
)
def test_syntax_errors_report_position(where: str, position: int) -> None:
    with pytest.raises(QueryParseError) as info:
        compile_where(where)
    assert info.value.position == position
    assert f"position {position}" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(QueryParseError, match="nested too deeply"):
        compile_where("(" * 10_000 + "IsSold" + ")" * 10_000)
    with pytest.raises(QueryParseError, match="nested too deeply"):
        compile_where("!" * 10_000 + "IsSold")


# --------------------------------------------------------------------------- ordering


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("Name", [("Name", False)]),
        ("Name ASC, Date DESC", [("Name", False), ("Date", True)]),
        ("  UpdatedDateUTC desc ", [("UpdatedDateUTC", True)]),
        ("Contact.Name asc,Total", [("Contact.Name", False), ("Total", False)]),
        ("", []),
    ],
)
def test_parse_order(order: str, expected: list[tuple[str, bool]]) -> None:
    assert parse_order(order) == expected


@pytest.mark.parametrize(
    ("order", "position"),
    [("Name SIDEWAYS", 0), ("Name, , Date", 6), ("Name;DROP", 0), ("Name ASC, 1x", 10)],
)
def test_parse_order_rejects_junk(order: str, position: int) -> None:
    with pytest.raises(QueryParseError) as info:
        parse_order(order)
    assert info.value.position == position


def names(records: Sequence[Mapping[str, Any]]) -> list[str]:
    return [str(r["Name"]) for r in records]


def test_sort_single_key_case_insensitive() -> None:
    assert names(sort_records(RECORDS, parse_order("Name"))) == [
        "Acme Widgets",
        "beta gadgets",
        "Gamma",
    ]
    assert names(sort_records(RECORDS, parse_order("Name DESC"))) == [
        "Gamma",
        "beta gadgets",
        "Acme Widgets",
    ]


def test_sort_multi_key_and_stable() -> None:
    rows: list[dict[str, Any]] = [
        {"Name": "a", "Type": "ACCREC", "Total": Decimal("5")},
        {"Name": "b", "Type": "ACCPAY", "Total": Decimal("5")},
        {"Name": "c", "Type": "accrec", "Total": Decimal("9")},
        {"Name": "d", "Type": "ACCPAY", "Total": Decimal("5")},
        {"Name": "e", "Type": "ACCREC", "Total": Decimal("5")},
    ]
    assert names(sort_records(rows, parse_order("Type ASC, Total DESC"))) == [
        "b",
        "d",
        "c",
        "a",
        "e",
    ]
    # Equal keys keep input order even when sorted descending.
    assert names(sort_records(rows, parse_order("Total DESC"))) == ["c", "a", "b", "d", "e"]
    assert names(sort_records(rows, [])) == ["a", "b", "c", "d", "e"]


def test_sort_nulls_first_ascending_and_last_descending() -> None:
    rows: list[dict[str, Any]] = [
        {"Name": "x", "Ref": "b"},
        {"Name": "y"},
        {"Name": "z", "Ref": None},
    ]
    assert names(sort_records(rows, parse_order("Ref"))) == ["y", "z", "x"]
    assert names(sort_records(rows, parse_order("Ref DESC"))) == ["x", "y", "z"]


def test_sort_mixed_types_and_dates_does_not_crash() -> None:
    rows: list[dict[str, Any]] = [
        {"Name": "str", "V": "abc"},
        {"Name": "dec", "V": Decimal("2")},
        {"Name": "int", "V": 1},
        {"Name": "bool", "V": True},
        {"Name": "date", "V": dt.date(2024, 1, 2)},
        {"Name": "dt", "V": dt.datetime(2024, 1, 1, 12, tzinfo=UTC)},
        {"Name": "dict", "V": {"a": 1}},
        {"Name": "nan", "V": Decimal("NaN")},
        {"Name": "none", "V": None},
    ]
    assert names(sort_records(rows, parse_order("V"))) == [
        "none",
        "bool",
        "int",
        "dec",
        "dt",
        "date",
        "str",
        "nan",
        "dict",
    ]


def test_sort_by_nested_path_and_date() -> None:
    ordered = sort_records(RECORDS, parse_order("Contact.Name DESC, Date DESC"))
    assert names(ordered) == ["beta gadgets", "Gamma", "Acme Widgets"]
    assert names(sort_records(RECORDS, parse_order("date"))) == [
        "beta gadgets",
        "Acme Widgets",
        "Gamma",
    ]
