"""Wire formats: /Date()/ parsing, Decimal money and JSON, and `where` text the emulator obeys."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx2
import pytest

from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.errors import InputError
from ledgerlink.providers.xero.where import Field, Guid, all_of, any_of, literal, order_by, where
from ledgerlink.providers.xero.wire import (
    dumps,
    format_if_modified_since,
    loads,
    money,
    parse_date,
    parse_msdate,
    parse_record,
)

pytestmark = pytest.mark.timeout(60)

STAMP = datetime(2019, 2, 21, 23, 59, 9, 320000, tzinfo=UTC)


# ---- dates ----------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", [
    "/Date(1550793549320+0000)/",
    "\\/Date(1550793549320+0000)\\/",  # as Xero writes it inside JSON
    "/Date(1550793549320)/",
    "/Date(1550793549320+1300)/",  # the offset names a zone; the milliseconds are UTC
    "/Date(1550793549320-0530)/",
    " /Date(1550793549320+0000)/ ",
    "2019-02-21T23:59:09.320Z",
    "2019-02-21T23:59:09.320000+00:00",
    "2019-02-22T12:59:09.32+13:00",
    "2019-02-21T23:59:09.3200000",  # identity-service style: 7 digits, no zone (UTC)
])
def test_parse_msdate_gives_aware_utc(raw: str) -> None:
    parsed = parse_msdate(raw)
    assert parsed == STAMP
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


def test_parse_msdate_edges() -> None:
    assert parse_msdate(None) is None
    assert parse_msdate("") is None
    assert parse_msdate("/Date(-86400000+0000)/") == datetime(1969, 12, 31, tzinfo=UTC)
    assert parse_msdate("2024-01-31") == datetime(2024, 1, 31, tzinfo=UTC)
    assert parse_msdate(datetime(2024, 1, 31, 10)) == datetime(2024, 1, 31, 10, tzinfo=UTC)
    aware = datetime(2024, 1, 31, 23, tzinfo=timezone(timedelta(hours=-2)))
    assert parse_msdate(aware) == datetime(2024, 2, 1, 1, tzinfo=UTC)
    assert parse_msdate(date(2024, 1, 31)) == datetime(2024, 1, 31, tzinfo=UTC)
    for bad in ("/Date(abc)/", "yesterday", "/Date(123", 12345):
        with pytest.raises(ValueError):
            parse_msdate(bad)


def test_parse_date() -> None:
    assert parse_date("/Date(1551916800000+0000)/") == date(2019, 3, 7)  # spec example
    assert parse_date("\\/Date(1551916800000)\\/") == date(2019, 3, 7)
    # 2019-03-06 12:00 UTC is already the 7th in a +13:00 zone; the offset names that zone.
    noon = int(datetime(2019, 3, 6, 12, tzinfo=UTC).timestamp() * 1000)
    assert parse_date(f"/Date({noon}+1300)/") == date(2019, 3, 7)
    assert parse_date(f"/Date({noon}+0000)/") == date(2019, 3, 6)
    assert parse_date("2019-03-07T00:00:00") == date(2019, 3, 7)  # DateString
    assert parse_date("2019-03-07") == date(2019, 3, 7)
    assert parse_date(None) is None and parse_date("") is None
    assert parse_date(datetime(2019, 3, 7, 5, tzinfo=UTC)) == date(2019, 3, 7)
    with pytest.raises(ValueError):
        parse_date("2019-13-45")


def test_if_modified_since_is_iso_utc_with_milliseconds() -> None:
    local = datetime(2024, 1, 31, 23, 30, 5, 123456, tzinfo=timezone(timedelta(hours=13)))
    assert format_if_modified_since(local) == "2024-01-31T10:30:05.123Z"
    with pytest.raises(InputError):
        format_if_modified_since(datetime(2024, 1, 31))


# ---- money and JSON -------------------------------------------------------------------------
def test_money_is_decimal_and_never_guessed() -> None:
    assert money("148062.76") == Decimal("148062.76")
    assert money(Decimal("1.0000")) == Decimal("1.0000")
    assert money(10) == Decimal(10)
    assert money(0.1) == Decimal("0.1")  # through the shortest repr, not the binary expansion
    for bad in (None, True, "abc", "NaN", "Infinity", [1], "١٢٣", "1٢3.00"):
        with pytest.raises(ValueError):
            money(bad)


def test_loads_and_dumps_keep_decimals_exact() -> None:
    body = loads(b'{"Total": 0.1, "Tax": 0.2, "Qty": 3, "Rate": 1.000000}')
    assert body["Total"] + body["Tax"] == Decimal("0.3")
    assert isinstance(body["Rate"], Decimal) and body["Qty"] == 3
    out = dumps({"Amount": Decimal("12345678901234567890.12"), "Name": 'a "q" \\ é',
                 "Date": date(2024, 1, 31), "When": datetime(2024, 1, 31, 9, tzinfo=UTC),
                 "Id": uuid.UUID(int=1), "Lines": [{"UnitAmount": Decimal("1.2500")}],
                 "Flag": True, "None": None})
    assert b'"Amount":12345678901234567890.12' in out
    assert b'"UnitAmount":1.2500' in out
    again = loads(out)
    assert again["Amount"] == Decimal("12345678901234567890.12")
    assert again["Name"] == 'a "q" \\ é'
    assert again["Date"] == "2024-01-31" and again["When"] == "2024-01-31T09:00:00"
    assert again["Id"] == "00000000-0000-0000-0000-000000000001"
    with pytest.raises(InputError):
        dumps({"When": datetime(2024, 1, 31)})  # naive: which zone?
    with pytest.raises(InputError):
        dumps({"Total": Decimal("NaN")})


def test_parse_record_converts_dates_and_amounts() -> None:
    raw = loads(b'{"InvoiceID": "x", "Date": "/Date(1551916800000+0000)/",'
                b' "DueDate": "\\/Date(1552521600000+0000)\\/",'
                b' "UpdatedDateUTC": "/Date(1550793549320+0000)/", "Total": 100,'
                b' "AmountDue": 12.5, "Reference": "/Date(x)/ is not a date",'
                b' "Contact": {"UpdatedDateUTC": "/Date(1550793549320)/", "Name": "A"},'
                b' "LineItems": [{"Quantity": 2, "UnitAmount": "1.50", "LineAmount": 3}],'
                b' "Payments": [], "HasErrors": false, "Number": 7}')
    record = parse_record(raw)
    assert record["Date"] == date(2019, 3, 7) and record["DueDate"] == date(2019, 3, 14)
    assert record["UpdatedDateUTC"] == STAMP
    assert record["Contact"]["UpdatedDateUTC"] == STAMP
    assert record["Total"] == Decimal(100) and isinstance(record["Total"], Decimal)
    assert record["AmountDue"] == Decimal("12.5")
    line = record["LineItems"][0]
    assert line == {"Quantity": Decimal(2), "UnitAmount": Decimal("1.50"),
                    "LineAmount": Decimal(3)}
    assert record["Reference"] == "/Date(x)/ is not a date"
    assert record["Number"] == 7 and record["HasErrors"] is False
    assert raw["Date"] == "/Date(1551916800000+0000)/"  # the input is not modified


# ---- where text -----------------------------------------------------------------------------
def test_literals() -> None:
    assert literal('He said "hi" \\o/') == '"He said \\"hi\\" \\\\o/"'
    guid = "AE2AB026-0B53-4E7C-BA65-F0407A6E75F5"
    assert literal(Guid(guid)) == f'Guid("{guid.lower()}")'
    assert literal(uuid.UUID(guid)) == f'Guid("{guid.lower()}")'
    assert literal(date(2024, 1, 31)) == "DateTime(2024,01,31)"
    assert literal(datetime(2024, 1, 31, tzinfo=UTC)) == "DateTime(2024,01,31)"
    noon_nz = datetime(2024, 2, 1, 1, 2, 3, tzinfo=timezone(timedelta(hours=13)))
    assert literal(noon_nz) == "DateTime(2024,01,31,12,02,03)"
    assert literal(True) == "true" and literal(False) == "false"
    assert literal(None) == "null"
    assert literal(42) == "42" and literal(Decimal("-1.50")) == "-1.50"
    with pytest.raises(InputError):
        Guid("not-a-guid")
    with pytest.raises(InputError):
        literal(1.5)  # type: ignore[arg-type]  # floats are not money


def test_where_builder_and_composition() -> None:
    status = where("Status", "==", "AUTHORISED")
    contact = Field("Contact.ContactID").eq(Guid(uuid.UUID(int=5)))
    since = Field("Date").ge(date(2024, 1, 1))
    assert str(status & contact & since) == (
        'Status=="AUTHORISED" AND Contact.ContactID==Guid("00000000-0000-0000-0000-000000000005")'
        " AND Date>=DateTime(2024,01,01)")
    either = where("Status", "==", "PAID") | where("Status", "==", "VOIDED")
    assert str(either & since) == \
        '(Status=="PAID" OR Status=="VOIDED") AND Date>=DateTime(2024,01,01)'
    assert str(since | (status & since)) == (
        'Date>=DateTime(2024,01,01) OR (Status=="AUTHORISED" AND Date>=DateTime(2024,01,01))')
    assert str(Field("Name").contains('a"b')) == 'Name.Contains("a\\"b")'
    assert str(where("Name", "StartsWith", "Ac")) == 'Name.StartsWith("Ac")'
    assert str(Field("Name").endswith("Ltd")) == 'Name.EndsWith("Ltd")'
    assert str(Field("Reference").eq(None)) == "Reference==null"
    assert str(Field("IsSupplier").ne(True)) == "IsSupplier!=true"
    assert str(Field("Total").gt(Decimal("100.00"))) == "Total>100.00"
    assert str(Field("Status").is_in(["PAID", "DRAFT"])) == 'Status=="PAID" OR Status=="DRAFT"'
    combined = all_of(None, status, Type="ACCREC")
    assert combined is not None and str(combined) == 'Status=="AUTHORISED" AND Type=="ACCREC"'
    assert all_of() is None and any_of(None) is None
    assert order_by("Name", ("Date", "DESC")) == "Name ASC, Date DESC"


@pytest.mark.parametrize("bad", [
    lambda: where('Name=="x" OR 1', "==", 1),  # a field name cannot smuggle an expression
    lambda: where("Name", "===", "x"),  # type: ignore[arg-type]
    lambda: where("Total", ">", None),
    lambda: where("Name", "contains", 5),
    lambda: Field("Name; drop"),
    lambda: order_by("Name DESC --"),
    lambda: order_by(("Name", "SIDEWAYS")),  # type: ignore[arg-type]
    lambda: Field("Status").is_in([]),
])
def test_where_refuses_bad_input(bad: Any) -> None:
    with pytest.raises(InputError):
        bad()


# ---- the emulator filters with what the builder produces ------------------------------------
TRICKY = ['Acme "Quoted" Ltd', 'Back\\slash & Co', 'Ends with quote"', 'Plain Joinery Supplies']


def _api(emulator: RunningEmulator, token: str, tenant: str) -> httpx2.Client:
    return httpx2.Client(base_url=emulator.api_url, timeout=10.0, trust_env=False, headers={
        "Authorization": f"Bearer {token}", "xero-tenant-id": tenant,
        "Accept": "application/json"})


def _names(client: httpx2.Client, resource: str, clause: Any, **params: str) -> list[str]:
    response = client.get(f"/{resource}", params={"where": str(clause), **params})
    assert response.status_code == 200, response.text
    key = "Name" if resource == "Contacts" else "InvoiceID"
    return sorted(r[key] for r in loads(response.content)[resource])


def test_emulator_obeys_built_filters(emulator: RunningEmulator, token: str,
                                      info: dict[str, Any]) -> None:
    with _api(emulator, token, info["tenant_id"]) as api:
        created = api.put("/Contacts", content=dumps({"Contacts": [{"Name": n} for n in TRICKY]}),
                          headers={"Content-Type": "application/json"})
        assert created.status_code == 200, created.text
        ids = {c["Name"]: c["ContactID"] for c in loads(created.content)["Contacts"]}

        assert _names(api, "Contacts", Field("Name").eq(TRICKY[0])) == [TRICKY[0]]
        assert _names(api, "Contacts", Field("Name").eq(TRICKY[1])) == [TRICKY[1]]
        quoted = Field("Name").contains('"')
        assert _names(api, "Contacts", quoted) == sorted([TRICKY[0], TRICKY[2]])
        assert _names(api, "Contacts", Field("Name").endswith('quote"')) == [TRICKY[2]]
        assert _names(api, "Contacts", Field("Name").startswith("back\\")) == [TRICKY[1]]
        assert _names(api, "Contacts", Field("ContactID").eq(Guid(ids[TRICKY[3]]))) == [TRICKY[3]]
        either = Field("Name").eq(TRICKY[0]) | Field("Name").eq(TRICKY[1])
        assert _names(api, "Contacts", either) == sorted(TRICKY[:2])
        assert _names(api, "Contacts", either & Field("Name").contains("quoted")) == [TRICKY[0]]
        # An injection attempt is just a name that matches nothing.
        assert _names(api, "Contacts", Field("Name").eq('x" OR Name!="x')) == []

        org = emulator.emulator.default_org
        assert org is not None
        invoices = [i for i in org.invoices.values() if i["Status"] != "DELETED"]
        dates = sorted(i["Date"] for i in invoices)
        start = dates[len(dates) // 2]
        clause = Field("Status").eq("AUTHORISED") & Field("Date").ge(start) & \
            Field("Type").eq("ACCREC")
        expected = sorted(i["InvoiceID"] for i in invoices if i["Status"] == "AUTHORISED"
                          and i["Date"] >= start and i["Type"] == "ACCREC")
        assert expected and _names(api, "Invoices", clause) == expected
        contact_id = invoices[0]["Contact"]["ContactID"]
        by_contact = Field("Contact.ContactID").eq(Guid(contact_id)) & \
            Field("AmountDue").gt(Decimal("0.00"))
        expected = sorted(i["InvoiceID"] for i in invoices
                          if i["Contact"]["ContactID"] == contact_id and i["AmountDue"] > 0)
        assert _names(api, "Invoices", by_contact) == expected
        paid_or_void = Field("Status").is_in(["PAID", "VOIDED"])
        expected = sorted(i["InvoiceID"] for i in invoices if i["Status"] in ("PAID", "VOIDED"))
        assert expected and _names(api, "Invoices", paid_or_void) == expected
        ordered = api.get("/Invoices", params={"order": order_by(("Total", "DESC"))})
        totals = [r["Total"] for r in loads(ordered.content)["Invoices"]]
        assert totals == sorted(totals, reverse=True)
