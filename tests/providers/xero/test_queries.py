"""The integrations API's Xero query types, validated and run against the emulator."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic import ValidationError as ParamsError

from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.errors import InputError
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.queries import QUERIES, QuerySpec, register_query, run_query
from ledgerlink.providers.xero.wire import parse_date
from tests.providers.xero.conftest import RequestLog

pytestmark = pytest.mark.timeout(30)
SEED_TYPES = {"xero_contacts", "xero_contact_detail", "xero_accounts", "xero_tax_rates",
              "xero_invoices", "xero_invoices_by_contact", "xero_profit_and_loss",
              "xero_balance_sheet", "xero_aged_receivables", "xero_aged_payables"}


def _org(emulator: RunningEmulator) -> Any:
    return emulator.emulator.default_org


def _contact_with(emulator: RunningEmulator, kind: str) -> str:
    return next(i["Contact"]["ContactID"] for i in _org(emulator).invoices.values()
                if i["Type"] == kind and i["Status"] == "AUTHORISED")


OPTION_1 = "1f0c2b6e-5a4d-4c3b-9e8f-7a6b5c4d3e2f"
OPTION_2 = "8a7b6c5d-4e3f-4a1b-8c9d-0e1f2a3b4c5d"


def _errors(caught: pytest.ExceptionInfo[ParamsError]) -> dict[tuple[Any, ...], str]:
    return {tuple(e["loc"]): e["msg"] for e in caught.value.errors()}


def _types(caught: pytest.ExceptionInfo[ParamsError]) -> set[str]:
    return {e["type"] for e in caught.value.errors()}


def test_every_seed_query_type_is_registered() -> None:
    assert set(QUERIES) >= SEED_TYPES


async def test_contacts(xero: XeroClient, request_log: RequestLog) -> None:
    everyone = await run_query(xero, "xero_contacts", {})
    assert isinstance(everyone, list) and len(everyone) == 50
    assert json.loads(json.dumps(everyone)) == everyone  # JSON-ready, Xero's names
    assert {"ContactID", "Name", "ContactStatus"} <= set(everyone[0])
    first_page = await run_query(xero, "xero_contacts", {"page": 1})
    assert len(first_page) == 50
    assert "page=1" in request_log.api()[-1].query
    found = await run_query(xero, "xero_contacts", {"search": "PAINTS"})
    assert [c["Name"] for c in found] == ["Allied Paints"]


async def test_contact_detail(xero: XeroClient, emulator: RunningEmulator) -> None:
    contact_id = next(iter(_org(emulator).contacts))
    detail = await run_query(xero, "xero_contact_detail", {"contactId": contact_id.upper()})
    assert isinstance(detail, dict) and detail["ContactID"] == contact_id
    assert detail["Addresses"] and detail["Phones"]
    with pytest.raises(ParamsError) as caught:
        await run_query(xero, "xero_contact_detail", {"contact_id": "C0001"})
    assert "must be a GUID" in _errors(caught)[("contact_id",)]
    with pytest.raises(ParamsError) as caught:
        await run_query(xero, "xero_contact_detail", {})
    assert ("contact_id",) in _errors(caught)


async def test_accounts_and_tax_rates(xero: XeroClient, emulator: RunningEmulator) -> None:
    banks = await run_query(xero, "xero_accounts", {"type": "BANK"})
    assert [a["Code"] for a in banks] == ["090", "091"]
    with pytest.raises(ParamsError) as caught:  # the schema's enum is exact: so is the server
        await run_query(xero, "xero_accounts", {"type": "bank"})
    assert "'BANK'" in _errors(caught)[("type",)]
    every = await run_query(xero, "xero_accounts", {})
    assert len(every) == len(_org(emulator).accounts)
    with pytest.raises(ParamsError) as caught:
        await run_query(xero, "xero_accounts", {"type": "MONEY"})
    message = _errors(caught)[("type",)]
    assert "'BANK'" in message and "'REVENUE'" in message

    active = await run_query(xero, "xero_tax_rates", {"status": "ACTIVE"})
    assert {r["TaxType"] for r in active} == set(_org(emulator).tax_rates)
    assert Decimal(active[0]["EffectiveRate"]) >= 0
    assert await run_query(xero, "xero_tax_rates", {"status": "DELETED"}) == []
    with pytest.raises(ParamsError) as caught:
        await run_query(xero, "xero_tax_rates", {"status": "LIVE"})
    assert "'ACTIVE', 'DELETED', 'ARCHIVED' or 'PENDING'" in _errors(caught)[("status",)]


async def test_invoices_by_status_and_date(xero: XeroClient, emulator: RunningEmulator) -> None:
    org = _org(emulator)
    start, end = date(2025, 6, 1), date(2025, 8, 31)
    expected = {i["InvoiceID"] for i in org.invoices.values()
                if i["Status"] in ("AUTHORISED", "PAID") and start <= i["Date"] <= end}
    assert expected  # the demo org has invoices in the window
    for params in ({"statuses": "AUTHORISED,PAID", "date_from": "2025-06-01",
                    "date_to": "2025-08-31"},
                   {"statuses": ["AUTHORISED", "PAID"], "dateFrom": "2025-06-01",
                    "dateTo": "2025-08-31"},
                   {"statuses": ["AUTHORISED", "PAID"], "from_date": "2025-06-01",
                    "to_date": "2025-08-31"},
                   {"statuses": "AUTHORISED,PAID", "fromDate": "2025-06-01",
                    "toDate": "2025-08-31", "date_to": "2025-08-31"}):
        found = await run_query(xero, "xero_invoices", params)
        assert {i["InvoiceID"] for i in found} == expected
        assert all(start <= (parse_date(i["Date"]) or start) <= end for i in found)
    page = await run_query(xero, "xero_invoices", {"page": 2})
    assert len(page) == 100
    with pytest.raises(ParamsError) as caught:
        await run_query(xero, "xero_invoices", {"statuses": "PAID,OVERDUE"})
    assert "'DRAFT'" in _errors(caught)[("statuses", 1)]
    with pytest.raises(ParamsError) as caught:
        await run_query(xero, "xero_invoices", {"statuses": ["authorised"]})
    assert ("statuses", 0) in _errors(caught)
    with pytest.raises(ParamsError, match="after the end date") as caught:
        await run_query(xero, "xero_invoices", {"fromDate": "2025-09-01",
                                                "dateTo": "2025-08-01"})
    assert _types(caught) == {"conflicting_input"}
    with pytest.raises(ParamsError) as caught:
        await run_query(xero, "xero_invoices", {"date_from": "2025-02-30"})
    assert ("date_from",) in _errors(caught)
    for day in (0, 20250101, "2025-01-01T00:00:00", " 2025-01-01"):  # the schema: YYYY-MM-DD
        with pytest.raises(ParamsError) as caught:
            await run_query(xero, "xero_invoices", {"from_date": day})
        assert ("from_date",) in _errors(caught), day


async def test_invoices_by_contact(xero: XeroClient, emulator: RunningEmulator) -> None:
    contact_id = _contact_with(emulator, "ACCREC")
    theirs = {i["InvoiceID"] for i in _org(emulator).invoices.values()
              if i["Contact"]["ContactID"] == contact_id and i["Status"] != "DELETED"}
    found = await run_query(xero, "xero_invoices_by_contact", {"contactId": contact_id})
    assert {i["InvoiceID"] for i in found} == theirs
    owing = await run_query(xero, "xero_invoices_by_contact",
                            {"contact_id": contact_id, "statuses": "AUTHORISED"})
    assert owing and all(i["Status"] == "AUTHORISED" for i in owing)


async def test_profit_and_loss_takes_both_spellings(xero: XeroClient,
                                                    request_log: RequestLog) -> None:
    snake = await run_query(xero, "xero_profit_and_loss", {
        "from_date": "2025-01-01", "to_date": "2025-03-31", "periods": 2,
        "timeframe": "QUARTER", "standard_layout": True, "payments_only": False})
    sent = request_log.api()[-1].query
    for part in ("fromDate=2025-01-01", "toDate=2025-03-31", "periods=2", "timeframe=QUARTER",
                 "standardLayout=true", "paymentsOnly=false"):
        assert part in sent
    camel = await run_query(xero, "xero_profit_and_loss", {
        "fromDate": "2025-01-01", "toDate": "2025-03-31", "periods": 2,
        "timeframe": "QUARTER", "standardLayout": True, "paymentsOnly": False})
    assert isinstance(snake, dict) and snake["ReportType"] == "ProfitAndLoss"
    assert snake["Rows"] == camel["Rows"] and snake["ReportTitles"] == camel["ReportTitles"]
    header = snake["Rows"][0]
    assert header["RowType"] == "Header" and len(header["Cells"]) == 4  # label + 3 periods
    json.dumps(snake)  # the raw report is JSON as it stands


async def test_report_parameter_errors_name_field_and_values(xero: XeroClient) -> None:
    with pytest.raises(ParamsError) as caught:
        await run_query(xero, "xero_profit_and_loss", {"timeframe": "WEEK", "periods": 13,
                                                       "colour": "red"})
    errors = _errors(caught)
    assert errors[("timeframe",)] == "Input should be 'MONTH', 'QUARTER' or 'YEAR'"
    assert "12" in errors[("periods",)]
    assert errors[("colour",)] == "Extra inputs are not permitted"
    with pytest.raises(ParamsError, match="from_date, fromDate with different") as caught:
        await run_query(xero, "xero_profit_and_loss", {"from_date": "2025-01-01",
                                                       "fromDate": "2025-02-01"})
    assert _types(caught) == {"conflicting_input"}
    # Strict, as the schema: no "2" for 2, no 0 or "true" for a boolean, no "quarter".
    for wrong in ({"periods": "2"}, {"standardLayout": "true"}, {"payments_only": 0},
                  {"timeframe": "quarter"}, {"standard_layout": 1}):
        with pytest.raises(ParamsError) as caught:
            await run_query(xero, "xero_profit_and_loss", wrong)
        assert set(_errors(caught)) == {(next(iter(wrong)),)}, wrong
    same = await run_query(xero, "xero_profit_and_loss", {"from_date": "2025-01-01",
                                                          "fromDate": "2025-01-01"})
    assert isinstance(same, dict)


async def test_balance_sheet(xero: XeroClient, request_log: RequestLog) -> None:
    report = await run_query(xero, "xero_balance_sheet", {
        "date": "2025-06-30", "periods": 2, "timeframe": "MONTH",
        "trackingOptionID1": OPTION_1, "tracking_option_id_2": OPTION_2.upper()})
    assert isinstance(report, dict) and report["ReportType"] == "BalanceSheet"
    assert report["ReportTitles"][-1] == "As at 30 June 2025"
    assert len(report["Rows"][0]["Cells"]) == 4  # label + the date + 2 earlier periods
    sent = request_log.api()[-1].query
    assert f"trackingOptionID1={OPTION_1}" in sent and f"trackingOptionID2={OPTION_2}" in sent
    with pytest.raises(ParamsError) as caught:  # Xero's tracking ids are GUIDs
        await run_query(xero, "xero_balance_sheet", {"trackingOptionID1": "opt-1"})
    assert "must be a GUID" in _errors(caught)[("trackingOptionID1",)]
    with pytest.raises(ParamsError) as caught:
        await run_query(xero, "xero_balance_sheet", {"from_date": "2025-01-01"})
    assert ("from_date",) in _errors(caught)  # the balance sheet is as at one date


async def test_aged_reports_by_contact(xero: XeroClient, emulator: RunningEmulator) -> None:
    customer = _contact_with(emulator, "ACCREC")
    name = _org(emulator).contacts[customer]["Name"]
    report = await run_query(xero, "xero_aged_receivables", {
        "contactId": customer, "date": "2026-06-30", "fromDate": "2024-01-01",
        "to_date": "2026-06-30"})
    assert isinstance(report, dict) and report["ReportType"] == "AgedReceivablesByContact"
    assert report["ReportTitles"][1] == name
    supplier = _contact_with(emulator, "ACCPAY")
    payables = await run_query(xero, "xero_aged_payables", {"contact_id": supplier})
    assert isinstance(payables, dict) and payables["ReportType"] == "AgedPayablesByContact"
    assert payables["ReportTitles"][1] == _org(emulator).contacts[supplier]["Name"]
    with pytest.raises(ParamsError) as caught:
        await run_query(xero, "xero_aged_receivables", {"date": "2026-06-30"})
    assert _errors(caught)[("contact_id",)] == "Field required"


async def test_unknown_query_type_lists_the_allowed_ones(xero: XeroClient) -> None:
    with pytest.raises(InputError) as caught:
        await run_query(xero, "xero_everything", {})
    assert caught.value.field == "query_type"
    assert "xero_contacts" in caught.value.message
    assert "xero_aged_payables" in caught.value.message


async def test_other_modules_register_their_queries(xero: XeroClient) -> None:
    class Echo(BaseModel):
        word: str

    async def echo(client: XeroClient, params: Echo) -> dict[str, Any]:
        return {"tenant": client.tenant_id, "word": params.word}

    spec = QuerySpec(Echo, echo, "echo a word")
    register_query("test_echo", spec)
    try:
        register_query("test_echo", spec)  # the same spec again is harmless
        assert await run_query(xero, "test_echo", {"word": "hi"}) == {
            "tenant": xero.tenant_id, "word": "hi"}
        with pytest.raises(ValueError, match="already registered"):
            register_query("test_echo", QuerySpec(Echo, echo, "another"))
    finally:
        QUERIES.pop("test_echo", None)
