"""Reports as typed tables: hand-written odd layouts, and the emulator's real reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest

from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.emulator.xero import ledger
from ledgerlink.errors import InputError, ProviderError
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.reports import (
    AgedByContactParams,
    BalanceSheetParams,
    ProfitAndLossParams,
    TrialBalanceParams,
    aged_receivables_by_contact,
    balance_sheet,
    cell_value,
    day_of,
    parse_report,
    profit_and_loss,
    trial_balance,
)
from ledgerlink.providers.xero.reports_params import parse_params

from .conftest import RequestLog

pytestmark = pytest.mark.timeout(30)
ACC1 = "5040915e-8ce7-4177-8d08-fde416232f18"
ACC2 = "6f7e5d6c-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
GUID = "2d7e1b7c-8f7c-4e0e-9c1a-1f3b5d7e9a11"


def cells(*values: Any, account: str | None = None) -> list[dict[str, Any]]:
    attrs = [{"Value": account, "Id": "account"}] if account else None
    return [{"Value": v, **({"Attributes": attrs} if attrs else {})} for v in values]


def spec_balance_sheet() -> dict[str, Any]:
    """Xero's documented BalanceSheet example, comparison column included."""
    return {"ReportID": "BalanceSheet", "ReportName": "Balance Sheet",
            "ReportType": "BalanceSheet",
            "ReportTitles": ["Balance Sheet", "Demo Org", "As at 30 April 2019"],
            "ReportDate": "12 April 2019", "UpdatedDateUTC": "/Date(1555099412778)/",
            "Fields": [],
            "Rows": [
                {"RowType": "Header", "Cells": cells("", "30 Apr 2019", "30 Apr 2018")},
                {"RowType": "Section", "Title": "Assets", "Rows": []},
                {"RowType": "Section", "Title": "Bank", "Rows": [
                    {"RowType": "Row", "Cells": cells("My Big Bank", "2146.37", "-150.00",
                                                      account=ACC1)},
                    {"RowType": "Row", "Cells": cells("Petty Cash", "", "10.00",
                                                      account=ACC2)},
                    {"RowType": "SummaryRow", "Cells": cells("Total Bank", "2146.37",
                                                             "-140.00")}]},
                {"RowType": "Section", "Title": "", "Rows": [
                    {"RowType": "SummaryRow", "Cells": cells("Total Assets", "2146.37",
                                                             "-140.00")}]},
                {"RowType": "Section", "Title": "", "Rows": [
                    {"RowType": "Row", "Cells": cells("Net Assets", "2146.37", "-140.00")}]},
            ]}


# ---- parsing, offline ----------------------------------------------------------------------
def test_documented_balance_sheet_parses_into_sections_columns_and_totals() -> None:
    table = parse_report({"Reports": [spec_balance_sheet()]})
    assert (table.name, table.type, table.date) == ("Balance Sheet", "BalanceSheet",
                                                    dt.date(2019, 4, 12))
    assert table.titles[1] == "Demo Org"
    assert [(c.label, c.date) for c in table.columns] == [
        ("30 Apr 2019", dt.date(2019, 4, 30)), ("30 Apr 2018", dt.date(2018, 4, 30))]
    assert [s.title for s in table.sections] == ["Assets", "Bank", "", ""]
    assert table.sections[0].rows == [] and table.sections[0].summary is None
    bank = table.sections[1]
    assert bank.rows[0].account_id == ACC1
    assert bank.rows[0].values == [Decimal("2146.37"), Decimal("-150.00")]
    assert bank.rows[1].values == [None, Decimal("10.00")]  # "" is no value, not zero
    assert bank.summary is bank.rows[2] and bank.summary.kind == "summary"
    assert table.sections[2].summary is not None  # a section holding only a SummaryRow
    assert table.totals == {"Total Bank": [Decimal("2146.37"), Decimal("-140.00")],
                            "Total Assets": [Decimal("2146.37"), Decimal("-140.00")],
                            "Net Assets": [Decimal("2146.37"), Decimal("-140.00")]}
    assert table.value("net assets", "30 Apr 2018") == Decimal("-140.00")
    assert table.value("Total Assets", "2019-04-30") == Decimal("2146.37")
    assert table.value("My Big Bank", -1) == Decimal("-150.00")
    assert table.find_account(ACC2.upper()) is bank.rows[1]
    assert table.raw["ReportID"] == "BalanceSheet"


def test_odd_layouts_loose_rows_unknown_types_extra_columns_nesting() -> None:
    report = {"ReportName": "Custom", "ReportType": "Custom", "ReportDate": "not a date",
              "Rows": [
                  {"RowType": "Row", "Cells": cells("Loose one", "1.50")},
                  {"RowType": "Header", "Cells": cells("", "Jan 2024")},
                  {"RowType": "Row", "Cells": cells("Loose two", "(1,234.50)", "x", "7")},
                  {"RowType": "Section", "Title": "Outer", "Rows": [
                      {"RowType": "Row", "Cells": cells("Before", 3)},
                      {"RowType": "Section", "Title": "Inner", "Rows": [
                          {"RowType": "Row", "Cells": [{"Value": "Deep", "Attributes": [
                              {"id": "ACCOUNT", "value": ACC1}]}, {"Value": "2"}]}]},
                      {"RowType": "Row", "Cells": cells("After", "4")},
                      {"RowType": "Footnote", "Cells": cells("Unknown type", "n/a")},
                  ]},
                  {"RowType": "Section", "Title": "", "Rows": [
                      {"RowType": "SummaryRow", "Cells": cells("Grand Total", "10")}]},
                  {"RowType": "Mystery"},  # no cells, no rows: nothing to show
                  "not even an object",
              ]}
    table = parse_report(report)
    assert table.date is None
    # Widest row: 4 cells -> 3 value columns; missing header texts stay blank.
    assert [c.label for c in table.columns] == ["Jan 2024", "", ""]
    assert [s.title for s in table.sections] == ["", "Outer", "Inner", "Outer", ""]
    loose = table.sections[0].rows
    assert [r.label for r in loose] == ["Loose one", "Loose two"]
    assert loose[0].values == [Decimal("1.50"), None, None]
    assert loose[1].values == [Decimal("-1234.50"), "x", Decimal("7")]
    assert table.find("Before") is not None and table.value("Before") == Decimal(3)
    deep = table.find("deep")
    assert deep is not None and deep.account_id == ACC1
    unknown = table.find("Unknown type")
    assert unknown is not None and (unknown.kind, unknown.row_type) == ("row", "Footnote")
    assert unknown.values[0] == "n/a"
    assert table.totals["Grand Total"] == [Decimal(10), Decimal(0), Decimal(0)]
    records = table.to_records()
    assert len(records) == 7
    assert records[1] == {"section": "", "label": "Loose two", "kind": "row",
                          "account_id": None, "invoice_id": None, "Jan 2024": "-1234.50",
                          "column_2": "x", "column_3": "7"}
    with pytest.raises(KeyError):
        table.value("No such row")
    with pytest.raises(KeyError):
        table.value("Before", "No such column")
    with pytest.raises(IndexError):
        table.value("Before", 3)


def test_aged_layout_keeps_the_date_column_and_reads_invoice_ids() -> None:
    inv = {"Value": "a1b2c3d4-0000-4000-8000-000000000001", "Id": "invoiceID"}

    def invoice_row(*values: str) -> dict[str, Any]:
        return {"RowType": "Row", "Cells": [{"Value": v, "Attributes": [inv]} for v in values]}

    report = {"ReportName": "Aged Receivables By Contact",
              "ReportType": "AgedReceivablesByContact",
              "Rows": [
                  {"RowType": "Header", "Cells": cells("Date", "Number", "Due Date", "",
                                                       "Total", "Paid", "Credited", "Due")},
                  {"RowType": "Section", "Title": "", "Rows": [
                      {"RowType": "Row", "Cells": cells("2024-01-01T00:00:00",
                                                        "Opening Balance", "", "", "", "",
                                                        "", "0.00")}]},
                  {"RowType": "Section", "Title": "", "Rows": [
                      invoice_row("2024-02-01T00:00:00", "1042", "2024-03-01T00:00:00",
                                  "12 days overdue", "100.00", "40.00", "0.00", "60.00"),
                      {"RowType": "SummaryRow", "Cells": cells("Total", "", "", "", "100.00",
                                                               "40.00", "0.00", "60.00")}]},
                  {"RowType": "Section", "Title": "", "Rows": [
                      {"RowType": "SummaryRow", "Cells": cells(
                          "Closing Balance", "", "", "", "100.00", "40.00", "0.00", "60.00")}]},
              ]}
    table = parse_report(report)
    assert [c.label for c in table.columns][:2] == ["Date", "Number"]
    row = table.find("1042")  # an invoice number stays text in the Number column
    assert row is not None and row.invoice_id == inv["Value"]
    assert row.values[:4] == ["2024-02-01T00:00:00", "1042", "2024-03-01T00:00:00",
                              "12 days overdue"]
    assert table.value("Opening Balance", "Due") == Decimal("0.00")
    assert table.value("Closing Balance", "Due") == Decimal("60.00")
    assert table.totals["Closing Balance"][table.column_index("Paid")] == Decimal("40.00")


def test_cells_and_dates() -> None:
    assert cell_value("") is None and cell_value("  ") is None and cell_value(None) is None
    assert cell_value("12.30") == Decimal("12.30") and cell_value(5) == Decimal(5)
    assert cell_value("1,000") == Decimal(1000) and cell_value("(2.5)") == Decimal("-2.5")
    assert cell_value("INV-1") == "INV-1" and cell_value("1.2.3") == "1.2.3"
    assert cell_value("42", text_column=True) == "42"
    assert day_of("30 Nov 26") == dt.date(2026, 11, 30)
    assert day_of("1 September 2024") == dt.date(2024, 9, 1)
    assert day_of("2024-02-29T00:00:00") == dt.date(2024, 2, 29)
    assert day_of("31 Feb 2024") is None and day_of("Debit") is None and day_of(None) is None


def test_report_without_reports_is_a_provider_error() -> None:
    with pytest.raises(ProviderError):
        parse_report({"Reports": []})


def test_parameters_snake_camel_and_xero_spellings() -> None:
    pnl = parse_params(ProfitAndLossParams, {
        "fromDate": "2024-01-01", "to_date": "2024-03-31", "periods": "2", "timeframe": "month",
        "tracking_category_id": GUID, "trackingOptionID": GUID, "tracking_option_id_2": GUID,
        "standardLayout": True, "payments_only": "false"})
    assert pnl.to_query() == {
        "fromDate": "2024-01-01", "toDate": "2024-03-31", "periods": "2", "timeframe": "MONTH",
        "trackingCategoryID": GUID, "trackingOptionID": GUID, "trackingOptionID2": GUID,
        "standardLayout": "true", "paymentsOnly": "false"}
    bs = parse_params(BalanceSheetParams, {"date": "2024-06-30", "tracking_option_id_1": GUID,
                                           "trackingOptionId2": GUID})
    assert bs.to_query() == {"date": "2024-06-30", "trackingOptionID1": GUID,
                             "trackingOptionID2": GUID}
    aged = parse_params(AgedByContactParams, {"contact_id": GUID, "fromDate": "2024-01-01",
                                              "periods": 3, "timeframe": "QUARTER"})
    assert aged.to_query() == {"contactId": GUID, "fromDate": "2024-01-01"}
    assert parse_params(TrialBalanceParams, None).to_query() == {}
    for bad in ({"periods": 13}, {"timeframe": "WEEK"}, {"from_date": "2024-02-01",
                                                          "to_date": "2024-01-01"},
                {"tracking_option_id": "nope"}, {"fromdate_typo": "2024-01-01"}):
        with pytest.raises(InputError):
            parse_params(ProfitAndLossParams, bad)
    with pytest.raises(InputError) as missing:
        parse_params(AgedByContactParams, {"date": "2024-01-01"})
    assert missing.value.field == "contact_id"


# ---- the emulator's reports over loopback --------------------------------------------------
def _last_query(log: RequestLog, path_end: str) -> dict[str, list[str]]:
    seen = [r for r in log.api() if r.path.endswith(path_end)]
    assert seen, f"no request to {path_end}"
    return parse_qs(seen[-1].query)


async def test_profit_and_loss_net_profit_matches_the_ledger(
        xero: XeroClient, emulator: RunningEmulator, request_log: RequestLog) -> None:
    org = emulator.emulator.default_org
    assert org is not None
    table = await profit_and_loss(xero, {"from_date": "2026-01-01", "toDate": "2026-03-31",
                                         "periods": 2, "timeframe": "QUARTER",
                                         "tracking_option_id": GUID,
                                         "trackingOptionID2": GUID})
    query = _last_query(request_log, "/Reports/ProfitAndLoss")
    assert query["fromDate"] == ["2026-01-01"] and query["toDate"] == ["2026-03-31"]
    assert query["trackingOptionID"] == [GUID] and query["trackingOptionID2"] == [GUID]
    assert "trackingOptionID1" not in query
    assert [c.date for c in table.columns] == [dt.date(2026, 3, 31), dt.date(2025, 12, 31),
                                               dt.date(2025, 9, 30)]
    lines = ledger.journal_lines(org, dt.date(2026, 3, 31))
    starts = [dt.date(2026, 1, 1), dt.date(2025, 10, 1), dt.date(2025, 7, 1)]
    for index, (start, column) in enumerate(zip(starts, table.columns, strict=True)):
        expected = ledger.profit(org, ledger.sum_by_account(lines, start, column.date))
        assert table.value("Net Profit", index) == expected
        assert table.totals["Net Profit"][index] == expected
    gross = table.totals["Gross Profit"]
    assert gross == [i - c for i, c in zip(table.totals["Total Income"],
                                           table.totals["Total Cost of Sales"], strict=True)]
    sales = table.find("Sales")
    sales_id = next(a["AccountID"] for a in org.accounts.values() if a.get("Code") == "200")
    assert sales is not None and sales.account_id == sales_id
    assert table.raw["ReportType"] == "ProfitAndLoss"


async def test_balance_sheet_with_two_periods_has_three_dated_columns(
        xero: XeroClient, request_log: RequestLog) -> None:
    table = await balance_sheet(xero, {"date": "2026-06-30", "periods": 2,
                                       "tracking_option_id_1": GUID})
    query = _last_query(request_log, "/Reports/BalanceSheet")
    assert query["trackingOptionID1"] == [GUID] and "trackingOptionID" not in query
    assert [c.date for c in table.columns] == [dt.date(2026, 6, 30), dt.date(2026, 5, 31),
                                               dt.date(2026, 4, 30)]
    assets, liabilities = table.totals["Total Assets"], table.totals["Total Liabilities"]
    net = [a - b for a, b in zip(assets, liabilities, strict=True)]
    assert table.totals["Net Assets"] == net
    assert table.totals["Total Equity"] == net  # the sheet balances in every column
    bank = next(s for s in table.sections if s.title == "Bank")
    assert bank.summary is not None and all(r.account_id for r in bank.rows if r.kind == "row")
    records = table.to_records()
    assert {"30 Jun 2026", "31 May 2026", "30 Apr 2026"} <= set(records[0])


async def test_trial_balance_debits_equal_credits(xero: XeroClient) -> None:
    table = await trial_balance(xero, {"date": "2026-06-30"})
    assert [c.label for c in table.columns] == ["Debit", "Credit", "YTD Debit", "YTD Credit"]
    total = table.totals["Total"]
    assert total[0] == total[1] and total[2] == total[3]
    rows = [r for r in table.rows() if r.kind == "row"]
    assert rows and all(r.account_id for r in rows)
    assert sum((r.values[2] or Decimal(0) for r in rows), Decimal(0)) == total[2]  # type: ignore[operator]


async def test_aged_receivables_by_contact_rows_are_the_contacts_open_invoices(
        xero: XeroClient, request_log: RequestLog) -> None:
    invoices = await xero.list_all("Invoices", operation="getInvoices",
                                   params={"Statuses": "AUTHORISED"}, where='Type=="ACCREC"')
    contact_id = invoices[0]["Contact"]["ContactID"]
    table = await aged_receivables_by_contact(xero, {"contactID": contact_id})
    assert _last_query(request_log, "/Reports/AgedReceivablesByContact")["contactId"] == [
        contact_id]
    rows = [r for r in table.rows() if r.invoice_id]
    mine = {i["InvoiceID"]: i for i in invoices if i["Contact"]["ContactID"] == contact_id}
    assert {r.invoice_id for r in rows} == set(mine)
    due = table.column_index("Due")
    for row in rows:
        assert row.values[due] == mine[row.invoice_id]["AmountDue"]  # type: ignore[index]
    assert table.value("Closing Balance", "Due") == sum(
        (i["AmountDue"] for i in mine.values()), Decimal(0))
    with pytest.raises(InputError):
        await aged_receivables_by_contact(xero, {})
