"""Ageing and the financial reports over HTTP, on a hand-built organisation with known sums."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerlink.emulator.core.server import RunningEmulator
from tests.emulator.http.support import (
    amount,
    api_client,
    contact,
    invoice,
    labelled,
    new_tenant,
    ok,
    pay,
    report_rows,
    sale,
    set_clock,
    values,
)

TODAY = date(2026, 6, 15)  # the emulator clock; the financial year ends on 31 March
D = Decimal


@dataclass
class Books:
    """The hand-built organisation: its API client and the documents in it."""

    api: httpx.Client
    customer: str
    numbers: dict[str, str]  # letter -> InvoiceNumber


@pytest.fixture(scope="module")
def books(emulator: RunningEmulator, ctl: httpx.Client,
          info: dict[str, Any]) -> Iterator[Books]:
    """Five sales invoices in five ageing buckets, a credit note, a bill and three payments.

    Postings (sales at 15% GST, exclusive):
      E 2026-01-01 500 + 75 = 575, due 2026-01-31            (135 days overdue: 90+)
      D 2026-03-01 400 + 60 = 460, due 2026-03-31, paid 60 on 2026-04-10 (76 days: 61-90)
      C 2026-04-01 300 + 45 = 345, due 2026-04-30, credited 57.50 on 2026-06-12 (46: 31-60)
      B 2026-05-01 200 + 30 = 230, due 2026-05-31, paid 30 on 2026-06-20 (15 days: 1-30)
      A 2026-06-01 100 + 15 = 115, due 2026-06-30            (not yet due: Current)
      credit note 2026-06-10 50 + 7.50 = 57.50, fully allocated to C
      bill 2026-02-01 purchases 1000 + 150 = 1150, due 2026-03-01, paid 400 on 2026-02-15
    """
    set_clock(ctl, datetime(2026, 6, 15, 10, 0, tzinfo=UTC))
    tenant_id, token = new_tenant(ctl, info["client_id"], name="Ageing Books Ltd")
    with api_client(emulator, token["access_token"], tenant_id) as api:
        customer = contact(api, "Ageing Customer")
        supplier = contact(api, "Timber Supplier")
        plan = {"E": (500, "2026-01-01", "2026-01-31"), "D": (400, "2026-03-01", "2026-03-31"),
                "C": (300, "2026-04-01", "2026-04-30"), "B": (200, "2026-05-01", "2026-05-31"),
                "A": (100, "2026-06-01", "2026-06-30")}
        ids, numbers = {}, {}
        for letter, (net, when, due) in plan.items():
            inv = invoice(api, customer, [sale(net)], Date=when, DueDate=due)
            ids[letter], numbers[letter] = inv["InvoiceID"], inv["InvoiceNumber"]
        ok(pay(api, ids["D"], 60.00, date(2026, 4, 10)))
        ok(pay(api, ids["B"], 30.00, date(2026, 6, 20)))
        note = ok(api.put("/CreditNotes", json={"CreditNotes": [{
            "Type": "ACCRECCREDIT", "Contact": {"ContactID": customer}, "Status": "AUTHORISED",
            "Date": "2026-06-10", "LineItems": [sale(50)]}]}))["CreditNotes"][0]
        ok(api.put(f"/CreditNotes/{note['CreditNoteID']}/Allocations", json={"Allocations": [
            {"Amount": 57.50, "Date": "2026-06-12", "Invoice": {"InvoiceID": ids["C"]}}]}))
        bill = invoice(api, supplier, [sale(1000, account="300", tax="INPUT2")],
                       inv_type="ACCPAY", Date="2026-02-01", DueDate="2026-03-01")
        ok(pay(api, bill["InvoiceID"], 400.00, date(2026, 2, 15)))
        yield Books(api, customer, numbers)
    ctl.post("/_emulator/clock", json={"reset": True})


def report(books: Books, name: str, **params: str) -> dict[str, Any]:
    """GET /Reports/{name} and return the single report."""
    reports = ok(books.api.get(f"/Reports/{name}", params=params))["Reports"]
    assert len(reports) == 1
    result: dict[str, Any] = reports[0]
    return result


# ---- aged receivables -----------------------------------------------------------------------
def test_aged_receivables_rows_land_in_their_buckets(books: Books) -> None:
    aged = report(books, "AgedReceivablesByContact", contactId=books.customer,
                  date=TODAY.isoformat())
    assert aged["ReportTitles"] == ["Invoices", "Ageing Customer",
                                    "From 1 January 2026 to 15 June 2026",
                                    "Showing payments to 15 June 2026"]
    header = values(aged["Rows"][0])
    assert header == ["Date", "Number", "Due Date", "", "Total", "Paid", "Credited", "Due"]
    body = [values(r) for t, r in report_rows(aged) if r["RowType"] == "Row"
            and values(r)[1] != "Opening Balance"]
    n = books.numbers
    # Days overdue on 15 June: E 28+31+30+31+15 = 135 (90+), D 30+31+15 = 76 (61-90),
    # C 31+15 = 46 (31-60), B 15 (1-30), A due 30 June (Current, no text).
    # B's 30.00 is dated 20 June, after the report date, so it does not count yet.
    assert body == [
        ["2026-01-01T00:00:00", n["E"], "2026-01-31T00:00:00", "135 days overdue",
         "575.00", "0.00", "0.00", "575.00"],
        ["2026-03-01T00:00:00", n["D"], "2026-03-31T00:00:00", "76 days overdue",
         "460.00", "60.00", "0.00", "400.00"],
        ["2026-04-01T00:00:00", n["C"], "2026-04-30T00:00:00", "46 days overdue",
         "345.00", "0.00", "57.50", "287.50"],
        ["2026-05-01T00:00:00", n["B"], "2026-05-31T00:00:00", "15 days overdue",
         "230.00", "0.00", "0.00", "230.00"],
        ["2026-06-01T00:00:00", n["A"], "2026-06-30T00:00:00", "",
         "115.00", "0.00", "0.00", "115.00"],
    ]
    # Totals: 575+460+345+230+115 = 1725.00; paid 60.00; credited 57.50;
    # due 1725.00 - 60.00 - 57.50 = 1607.50; the fully used credit note is not listed.
    assert labelled(aged, "Total")[-4:] == ["1725.00", "60.00", "57.50", "1607.50"]
    opening = [values(r) for _, r in report_rows(aged) if values(r)[1:2] == ["Opening Balance"]]
    assert opening == [["2026-01-01T00:00:00", "Opening Balance", "", "", "", "", "", "0.00"]]
    assert labelled(aged, "Closing Balance")[-4:] == ["1725.00", "60.00", "57.50", "1607.50"]
    invoice_ids = {a["Value"] for _, r in report_rows(aged) if r["RowType"] == "Row"
                   for a in r["Cells"][0].get("Attributes", []) if a["Id"] == "invoiceID"}
    assert len(invoice_ids) == 5


def test_aged_receivables_counts_payments_up_to_the_report_date(books: Books) -> None:
    aged = report(books, "AgedReceivablesByContact", contactId=books.customer,
                  date="2026-06-20")
    b_row = labelled(aged, "2026-05-01T00:00:00")
    # On 20 June B is 20 days overdue and its 30.00 counts: 230.00 - 30.00 = 200.00 due.
    assert b_row == [books.numbers["B"], "2026-05-31T00:00:00", "20 days overdue",
                     "230.00", "30.00", "0.00", "200.00"]
    assert labelled(aged, "Total")[-1] == "1577.50"  # 1607.50 - 30.00


def test_aged_receivables_needs_a_contact(books: Books) -> None:
    response = books.api.get("/Reports/AgedReceivablesByContact")
    assert response.status_code == 400


def test_a_balance_sheet_at_year_one_is_a_bad_request(books: Books) -> None:
    response = books.api.get("/Reports/BalanceSheet", params={"date": "0001-01-01"})
    assert response.status_code == 400, response.text  # not a 500 that clients retry
    assert response.json()["Type"] == "ValidationException"


# ---- balance sheet, trial balance, profit and loss --------------------------------------------
def equity_rows(sheet: dict[str, Any]) -> Decimal:
    """Current Year Earnings plus Retained Earnings, read from the Equity section."""
    total = D("0.00")
    for title, row in report_rows(sheet):
        cells = values(row)
        if title == "Equity" and cells[0] in ("Current Year Earnings", "Retained Earnings"):
            total += amount(cells[1])
    return total


def balance(books: Books, as_at: str) -> dict[str, Any]:
    """The balance sheet as at a date, checked to balance from its own rows."""
    sheet = report(books, "BalanceSheet", date=as_at)
    assets = amount(labelled(sheet, "Total Assets")[0])
    liabilities = amount(labelled(sheet, "Total Liabilities")[0])
    equity = amount(labelled(sheet, "Total Equity")[0])
    assert assets - liabilities == equity
    assert amount(labelled(sheet, "Net Assets")[0]) == equity
    assert equity_rows(sheet) == equity  # no capital accounts in these books
    return sheet


def test_balance_sheet_balances_with_hand_computed_figures(books: Books) -> None:
    sheet = balance(books, TODAY.isoformat())
    # Receivables: 1725.00 invoiced - 60.00 paid - 57.50 credit note = 1607.50.
    assert labelled(sheet, "Accounts Receivable") == ["1607.50"]
    # Bank: -400.00 to the supplier + 60.00 from the customer (the 20 June 30.00 is later).
    assert labelled(sheet, "Business Bank Account") == ["-340.00"]
    assert labelled(sheet, "Total Assets") == ["1267.50"]  # 1607.50 - 340.00
    # Payables: 1150.00 - 400.00 = 750.00. GST: output 75+60+45+30+15-7.50 = 217.50 less
    # input 150.00 = 67.50. Liabilities 817.50.
    assert labelled(sheet, "Accounts Payable") == ["750.00"]
    assert labelled(sheet, "GST") == ["67.50"]
    assert labelled(sheet, "Total Liabilities") == ["817.50"]
    # Year to 31 March 2026: sales 900 - purchases 1000 = -100 retained.
    # From 1 April: sales 300 + 200 + 100 - 50 credited = 550 current year earnings.
    assert labelled(sheet, "Current Year Earnings") == ["550.00"]
    assert labelled(sheet, "Retained Earnings") == ["-100.00"]
    assert labelled(sheet, "Total Equity") == ["450.00"]


def test_trial_balance_debits_equal_credits(books: Books) -> None:
    tb = report(books, "TrialBalance", date=TODAY.isoformat())
    debit, credit, ytd_debit, ytd_credit = (amount(v) for v in labelled(tb, "Total"))
    # YTD: debits AR 1607.50 + Retained Earnings 100.00 = 1707.50;
    # credits Sales 550.00 + Bank 340.00 + AP 750.00 + GST 67.50 = 1707.50.
    assert ytd_debit == ytd_credit == D("1707.50")
    # June's movement: invoice A (+115 AR) and the credit note (-57.50 AR) = 57.50 each side.
    assert debit == credit == D("57.50")
    rows = [values(r) for _, r in report_rows(tb) if r["RowType"] == "Row"]
    assert sum(amount(r[3]) for r in rows) == ytd_debit
    assert sum(amount(r[4]) for r in rows) == ytd_credit


@pytest.mark.parametrize(("start", "before", "expected"), [
    ("2026-04-01", "2026-03-31", D("550.00")),  # within one financial year
    ("2026-02-01", "2026-01-31", D("-50.00")),  # across the 31 March year end
])
def test_profit_equals_the_change_in_equity(books: Books, start: str, before: str,
                                            expected: Decimal) -> None:
    pnl = report(books, "ProfitAndLoss", fromDate=start, toDate=TODAY.isoformat())
    net = amount(labelled(pnl, "Net Profit")[0])
    assert net == expected
    opening = equity_rows(balance(books, before))
    closing = equity_rows(balance(books, TODAY.isoformat()))
    assert closing - opening == net
