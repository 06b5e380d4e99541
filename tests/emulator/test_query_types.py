"""Type checks of `where`/`order` against a resource's fields, on strings real clients build."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from ledgerlink.emulator.xero.query import QueryParseError, compile_where, parse_order
from ledgerlink.emulator.xero.query_schema import resource

ACME_ID = "3e776c4b-ea9e-4bb1-96be-6b0c7a71a37f"


def pyxero_where(manager_name: str, **filters: Any) -> str:
    """The `where` pyxero 0.9.5 sends for `xero.<manager>.filter(**filters)`."""
    manager_module = pytest.importorskip("xero.manager")
    manager = manager_module.Manager(manager_name, SimpleNamespace(base_url="https://x.invalid"))
    _, params, *_ = manager._filter(**filters)
    return str(params["where"])


def test_pyxero_typed_filters_parse() -> None:
    where = pyxero_where("Invoices", Contact_ContactID=ACME_ID, Date__gte=dt.date(2024, 1, 1),
                         UpdatedDateUTC__lt=dt.datetime(2024, 2, 1), Reference__isnull=False,
                         Status="AUTHORISED", SentToContact=True,
                         Contact_Name__contains="acme")
    predicate = compile_where(where, resource("Invoice"))
    assert predicate({"Contact": {"ContactID": ACME_ID, "Name": "Acme"}, "Reference": "R",
                      "Date": dt.date(2024, 1, 5), "Status": "AUTHORISED",
                      "SentToContact": True,
                      "UpdatedDateUTC": dt.datetime(2024, 1, 9, tzinfo=dt.UTC)})


def test_pyxero_booleans_parse() -> None:
    # Older pyxero quoted IsSold (`IsSold=="True"`), which Xero refused (pyxero issue #217).
    where = pyxero_where("Items", IsSold=True)
    assert where == "IsSold==true"
    assert compile_where(where, resource("Item"))({"IsSold": True})


def test_pyxero_quoted_numbers_are_refused_as_xero_refuses_quoted_booleans() -> None:
    where = pyxero_where("Invoices", Total__gt=100)
    with pytest.raises(QueryParseError) as info:
        compile_where(where, resource("Invoice"))
    assert info.value.message == (
        "Operator '>' incompatible with operand types 'Decimal?' and 'String'")


@pytest.mark.parametrize(("where", "position"), [
    ('Foo=="x"', 0),
    ('Status=="PAID" && Contact.Nope==1', 26),
    ('Total == "abc"', 6),
    ('Contact=aed3707a-aaaa', 8),  # the unknown name comes first, the bad '-' later
])
def test_typed_errors_report_position(where: str, position: int) -> None:
    with pytest.raises(QueryParseError) as info:
        compile_where(where, resource("Invoice"))
    assert info.value.position == position


def test_without_a_resource_the_engine_stays_lenient() -> None:
    assert compile_where('Foo=="x"')({"Foo": "X"})
    assert compile_where('Total>"100"')({"Total": 230})
    assert parse_order("Nope DESC") == [("Nope", True)]
    with pytest.raises(QueryParseError, match="No property or field 'Nope' exists in type"):
        parse_order("Name, Nope DESC", resource("Contact"))


def test_unknown_resource_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        resource("Nothing")
