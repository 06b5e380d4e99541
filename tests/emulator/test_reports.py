"""Reports from the emulated ledger, pinned against hand-computed books and the spec's schema."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal as D
from functools import cache
from typing import Any

import jsonschema
import pytest
import yaml

from ledgerlink.emulator.core.clock import Clock
from ledgerlink.emulator.core.ids import IdGen
from ledgerlink.emulator.xero import wire
from ledgerlink.emulator.xero.errors import BadRequest
from ledgerlink.emulator.xero.ledger import balances, financial_year_start, journal_lines
from ledgerlink.emulator.xero.models.base import Org, Record
from ledgerlink.emulator.xero.reports import (
    aged_payables_by_contact,
    aged_receivables_by_contact,
    aging_buckets,
    balance_sheet,
    outstanding_as_at,
    profit_and_loss,
    trial_balance,
)
from ledgerlink.emulator.xero.reports_aged import bucket_of
from tests.xero_openapi import spec_file

CHART = [  # code, name, type, class, system account
    ("090", "Bank", "BANK", "ASSET", None),
    ("610", "Accounts Receivable", "CURRENT", "ASSET", "DEBTORS"),
    ("800", "Accounts Payable", "CURRLIAB", "LIABILITY", "CREDITORS"),
    ("820", "GST", "CURRLIAB", "LIABILITY", "GST"),
    ("200", "Sales", "REVENUE", "REVENUE", None),
    ("300", "Purchases", "DIRECTCOSTS", "EXPENSE", None),
    ("469", "Rent", "OVERHEADS", "EXPENSE", None),
    ("960", "Retained Earnings", "EQUITY", "EQUITY", "RETAINEDEARNINGS"),
    ("860", "Rounding", "CURRLIAB", "LIABILITY", "ROUNDING"),
]


# ---- building books by hand -----------------------------------------------------------------
def new_org(year_end_month: int | None = 3) -> Org:
    org = Org(tenant_id="t-1", name="Demo Co", clock=Clock(datetime(2026, 11, 21, 12, tzinfo=UTC)),
              ids=IdGen(1))
    if year_end_month:
        org.info.update(FinancialYearEndDay=31, FinancialYearEndMonth=year_end_month)
    for code, name, kind, cls, system in CHART:
        acc: Record = {"AccountID": org.new_id(), "Code": code, "Name": name, "Type": kind,
                       "Class": cls, "Status": "ACTIVE", "TaxType": "NONE",
                       "UpdatedDateUTC": org.now()}
        if system:
            acc["SystemAccount"] = system
        org.accounts[acc["AccountID"]] = acc
    for name in ("Acme", "Beta", "Supplies Ltd"):
        cid = org.new_id()
        org.contacts[cid] = {"ContactID": cid, "Name": name, "ContactStatus": "ACTIVE"}
    return org


def contact(org: Org, name: str) -> dict[str, str]:
    c = next(c for c in org.contacts.values() if c["Name"] == name)
    return {"ContactID": c["ContactID"], "Name": name}


def document(org: Org, kind: str, number: str, who: str, day: date, due: date | None,
             lines: list[tuple[str, str, str]], amount_types: str = "Exclusive",
             status: str = "AUTHORISED", total_tax: str | None = None) -> Record:
    """An invoice, bill or credit note; lines are (account code, LineAmount, TaxAmount)."""
    items: list[Record] = [
        {"LineItemID": org.new_id(), "AccountCode": code, "LineAmount": D(amount),
         "TaxAmount": D(tax), "Quantity": D(1), "UnitAmount": D(amount)}
        for code, amount, tax in lines]
    tax = D(total_tax) if total_tax else sum((i["TaxAmount"] for i in items), D("0.00"))
    gross = sum((i["LineAmount"] for i in items), D("0.00"))
    sub = gross - sum((i["TaxAmount"] for i in items), D(0)) if amount_types == "Inclusive" \
        else gross
    total = gross if amount_types == "Inclusive" else sub + tax
    doc: Record = {"Type": kind, "Contact": contact(org, who), "Date": day, "DueDate": due,
                   "Status": status, "LineAmountTypes": amount_types, "LineItems": items,
                   "SubTotal": sub, "TotalTax": tax, "Total": total, "Payments": [],
                   "CurrencyCode": "NZD", "UpdatedDateUTC": org.now()}
    if kind.endswith("CREDIT"):
        doc.update(CreditNoteID=org.new_id(), CreditNoteNumber=number, RemainingCredit=total,
                   Allocations=[])
        org.credit_notes[doc["CreditNoteID"]] = doc
    else:
        doc.update(InvoiceID=org.new_id(), InvoiceNumber=number, AmountDue=total,
                   AmountPaid=D("0.00"), AmountCredited=D("0.00"), CreditNotes=[])
        org.invoices[doc["InvoiceID"]] = doc
    return doc


def pay(org: Org, doc: Record, day: date, amount: str, status: str = "AUTHORISED") -> Record:
    """A payment as the model layer records it on both the payment and the document."""
    bank = org.account_by_code("090")
    assert bank is not None
    kinds = {"ACCREC": "ACCRECPAYMENT", "ACCPAY": "ACCPAYPAYMENT",
             "ACCRECCREDIT": "ARCREDITPAYMENT", "ACCPAYCREDIT": "APCREDITPAYMENT"}
    payment: Record = {"PaymentID": org.new_id(), "Date": day, "Amount": D(amount),
                       "Status": status, "PaymentType": kinds[doc["Type"]],
                       "Account": {"AccountID": bank["AccountID"], "Code": "090"}}
    ref = ("CreditNote", "CreditNoteID") if "CreditNoteID" in doc else ("Invoice", "InvoiceID")
    payment[ref[0]] = {ref[1]: doc[ref[1]], "Type": doc["Type"], "Contact": doc["Contact"]}
    org.payments[payment["PaymentID"]] = payment
    doc["Payments"].append({"PaymentID": payment["PaymentID"], "Date": day, "Amount": D(amount)})
    if status == "AUTHORISED" and "InvoiceID" in doc:
        doc["AmountPaid"] += D(amount)
        doc["AmountDue"] -= D(amount)
        if not doc["AmountDue"]:
            doc.update(Status="PAID", FullyPaidOnDate=day)
    return payment


def allocate(org: Org, note: Record, invoice: Record, day: date, amount: str) -> None:
    note["Allocations"].append({"AllocationID": org.new_id(), "Amount": D(amount), "Date": day,
                                "Invoice": {"InvoiceID": invoice["InvoiceID"]}})
    note["RemainingCredit"] -= D(amount)
    invoice["CreditNotes"].append({"CreditNoteID": note["CreditNoteID"], "Date": day,
                                   "AppliedAmount": D(amount)})
    invoice["AmountCredited"] += D(amount)
    invoice["AmountDue"] -= D(amount)


@pytest.fixture
def books() -> dict[str, Any]:
    return build_books()


def build_books() -> dict[str, Any]:
    """Two financial years (NZ, year ending 31 March) of sales, bills, payments and credit."""
    org = new_org()
    d: dict[str, Any] = {"org": org}
    d["inv_a"] = document(org, "ACCREC", "INV-A", "Acme", date(2026, 2, 10), date(2026, 3, 10),
                          [("200", "1000.00", "150.00")])
    pay(org, d["inv_a"], date(2026, 3, 5), "1150.00")
    d["bill_a"] = document(org, "ACCPAY", "BILL-A", "Supplies Ltd", date(2026, 3, 1),
                           date(2026, 3, 31), [("300", "400.00", "60.00")])
    pay(org, d["bill_a"], date(2026, 4, 15), "460.00")
    d["inv_b"] = document(org, "ACCREC", "INV-B", "Acme", date(2026, 10, 5), date(2026, 10, 20),
                          [("200", "500.00", "75.00")])
    pay(org, d["inv_b"], date(2026, 11, 1), "200.00")
    pay(org, d["inv_b"], date(2026, 11, 5), "100.00", status="DELETED")
    d["inv_c"] = document(org, "ACCREC", "INV-C", "Acme", date(2026, 11, 2), date(2026, 11, 30),
                          [("200", "230.00", "30.00")], amount_types="Inclusive")
    pay(org, d["inv_c"], date(2026, 11, 25), "230.00")  # after the as-at date of 21 Nov
    d["cn_1"] = document(org, "ACCRECCREDIT", "CN-1", "Acme", date(2026, 11, 10), None,
                         [("200", "100.00", "15.00")])
    allocate(org, d["cn_1"], d["inv_b"], date(2026, 11, 12), "50.00")
    d["bill_b"] = document(org, "ACCPAY", "BILL-B", "Supplies Ltd", date(2026, 11, 3),
                           date(2026, 12, 3), [("469", "1000.00", "150.00"),
                                               ("300", "100.00", "15.00")])
    # Tax worked on the total (2.61) rather than per line (1.30 + 1.30): 0.01 to Rounding.
    d["inv_f"] = document(org, "ACCREC", "INV-F", "Beta", date(2026, 11, 15), date(2026, 11, 15),
                          [("200", "10.00", "1.30"), ("200", "10.00", "1.30")],
                          amount_types="Inclusive", total_tax="2.61")
    document(org, "ACCREC", "INV-D", "Acme", date(2026, 11, 1), date(2026, 11, 2),
             [("200", "999.00", "0.00")], status="DRAFT")
    document(org, "ACCREC", "INV-E", "Acme", date(2026, 11, 1), date(2026, 11, 2),
             [("200", "888.00", "0.00")], status="VOIDED")
    return d


# ---- reading reports ------------------------------------------------------------------------
def all_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for r in report["Rows"]:
        out.append(r)
        out.extend(r.get("Rows", []))
    return out


def values(report: dict[str, Any], label: str) -> list[str]:
    """The cells after the label of the first row whose first cell is `label`."""
    for r in all_rows(report):
        cells = r.get("Cells") or []
        if cells and cells[0]["Value"] == label:
            return [c["Value"] for c in cells[1:]]
    raise AssertionError(f"no row {label!r}")


def money(report: dict[str, Any], label: str) -> list[D]:
    return [D(v) for v in values(report, label)]


def earnings(report: dict[str, Any]) -> D:
    """Current Year Earnings plus Retained Earnings (a row that would be all zero is left out)."""
    total = D(0)
    for label in ("Current Year Earnings", "Retained Earnings"):
        with contextlib.suppress(AssertionError):  # the row is absent when all zero
            total += sum(money(report, label))
    return total


def titles(report: dict[str, Any]) -> list[str]:
    return [r["Title"] for r in report["Rows"] if r["RowType"] == "Section"]


def acc_id(org: Org, code: str) -> str:
    acc = org.account_by_code(code)
    assert acc is not None
    return str(acc["AccountID"])


# ---- the spec's schema, made strict ---------------------------------------------------------
@cache
def report_schema() -> dict[str, Any]:
    """ReportWithRow with every $ref inlined and no property the spec does not name."""
    spec = spec_file("xero_accounting.yaml").read_text(encoding="utf-8")
    schemas = yaml.safe_load(spec)["components"]["schemas"]

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(schemas[node["$ref"].rsplit("/", 1)[-1]])
            out = {k: resolve(v) for k, v in node.items() if not k.startswith("x-")}
            if "properties" in out:
                out["additionalProperties"] = False
            return out
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return dict(resolve(schemas["ReportWithRow"]))


def conforms(report: dict[str, Any]) -> dict[str, Any]:
    """Validate the wire form against the spec and return it."""
    on_wire: dict[str, Any] = json.loads(wire.dumps(report))
    jsonschema.Draft7Validator(report_schema()).validate(on_wire)
    for r in all_rows(on_wire):
        assert r["RowType"] in ("Header", "Section", "Row", "SummaryRow")
        for nested in r.get("Rows", []):
            assert "Rows" not in nested  # sections nest one level only
    return on_wire


# ---- ledger ---------------------------------------------------------------------------------
def test_every_document_balances_and_only_approved_ones_post(books: dict[str, Any]) -> None:
    org = books["org"]
    lines = journal_lines(org)
    by_source: dict[str, D] = {}
    for ln in lines:
        by_source[ln.source_id] = by_source.get(ln.source_id, D(0)) + ln.amount
    assert by_source and all(total == 0 for total in by_source.values())
    posted = {ln.source_id for ln in lines}
    assert all(doc["InvoiceID"] not in posted for doc in org.invoices.values()
               if doc["Status"] in ("DRAFT", "VOIDED"))
    deleted = [p["PaymentID"] for p in org.payments.values() if p["Status"] == "DELETED"]
    assert deleted and deleted[0] not in posted
    rounding = [ln for ln in lines if ln.account_code == "860"]
    assert [(ln.amount, ln.source_id) for ln in rounding] == [(D("0.01"),
                                                               books["inv_f"]["InvoiceID"])]


def test_balances_between_dates(books: dict[str, Any]) -> None:
    org = books["org"]
    to_21 = balances(org, None, date(2026, 11, 21))
    assert to_21[acc_id(org, "090")] == D("890.00")  # 1150 - 460 + 200; 25 Nov not yet
    assert to_21[acc_id(org, "610")] == D("510.00")
    assert to_21[acc_id(org, "800")] == D("-1265.00")
    assert to_21[acc_id(org, "820")] == D("-17.61")
    assert sum(to_21.values()) == 0
    november = balances(org, date(2026, 11, 1), date(2026, 11, 30))
    assert november[acc_id(org, "200")] == D("-117.40")  # 200 + 17.40 - 100 credit note
    assert november[acc_id(org, "090")] == D("430.00")
    assert journal_lines(org, up_to=date(2026, 2, 9)) == []


def test_foreign_currency_posts_in_base_with_the_realised_difference() -> None:
    org = new_org()
    fx = {"AccountID": org.new_id(), "Code": "499", "Name": "Realised Currency Gains",
          "Type": "OVERHEADS", "Class": "EXPENSE", "Status": "ACTIVE",
          "SystemAccount": "REALISEDCURRENCYGAIN"}
    org.accounts[fx["AccountID"]] = fx
    invoice = document(org, "ACCREC", "USD-1", "Beta", date(2026, 11, 2), date(2026, 11, 30),
                       [("200", "100.00", "0.00")], amount_types="NoTax")
    invoice.update(CurrencyCode="USD", CurrencyRate=D("0.5"))  # USD 100 = NZD 200
    assert aging_buckets(org, {"ACCREC"}, date(2026, 11, 10))[0]["Current"] == D("200.00")
    pay(org, invoice, date(2026, 11, 20), "100.00")["CurrencyRate"] = D("0.625")  # NZD 160
    sums = balances(org, None, date(2026, 11, 30))
    assert sums[acc_id(org, "610")] == 0
    assert (sums[acc_id(org, "090")], sums[acc_id(org, "200")], sums[fx["AccountID"]]) == (
        D("160.00"), D("-200.00"), D("40.00"))
    assert money(profit_and_loss(org, {}), "Net Profit") == [D("160.00")]


def test_ageing_ties_to_the_control_accounts(books: dict[str, Any]) -> None:
    org = books["org"]
    for day in (date(2026, 3, 1), date(2026, 4, 10), date(2026, 11, 21), date(2026, 12, 31)):
        sums = balances(org, None, day)
        sales = aging_buckets(org, {"ACCREC", "ACCRECCREDIT"}, day)
        bills = aging_buckets(org, {"ACCPAY", "ACCPAYCREDIT"}, day)
        assert sum((b["Total"] for b in sales), D(0)) == sums.get(acc_id(org, "610"), 0)
        assert sum((b["Total"] for b in bills), D(0)) == -sums.get(acc_id(org, "800"), 0)


def test_financial_year_start_defaults_to_calendar_year() -> None:
    org = new_org(year_end_month=None)
    assert financial_year_start(org, date(2026, 11, 21)) == date(2026, 1, 1)
    assert financial_year_start(org, date(2026, 1, 1)) == date(2026, 1, 1)
    org.info.update(FinancialYearEndDay=31, FinancialYearEndMonth=3)
    assert financial_year_start(org, date(2026, 3, 31)) == date(2025, 4, 1)
    assert financial_year_start(org, date(2026, 4, 1)) == date(2026, 4, 1)


# ---- profit and loss ------------------------------------------------------------------------
def test_profit_and_loss_for_the_current_month(books: dict[str, Any]) -> None:
    org = books["org"]
    report = conforms(profit_and_loss(org, {}))
    assert report["ReportTitles"] == ["Profit & Loss", "Demo Co",
                                      "For the month ended 30 November 2026"]
    assert report["ReportDate"] == "21 November 2026"
    assert report["ReportType"] == "ProfitAndLoss"
    assert report["UpdatedDateUTC"].startswith("/Date(")
    assert values(report, "") == ["30 Nov 26"]
    assert titles(report) == ["Income", "Less Cost of Sales", "", "Less Operating Expenses", ""]
    assert money(report, "Sales") == [D("117.40")]
    assert money(report, "Total Income") == [D("117.40")]
    assert money(report, "Total Cost of Sales") == [D("100.00")]
    assert money(report, "Gross Profit") == [D("17.40")]
    assert money(report, "Rent") == [D("1000.00")]
    assert money(report, "Net Profit") == [D("-982.60")]
    sales = next(r for r in all_rows(report) if r.get("Cells", [{}])[0].get("Value") == "Sales")
    assert all(c["Attributes"] == [{"Value": acc_id(org, "200"), "Id": "account"}]
               for c in sales["Cells"])


def test_profit_and_loss_comparison_periods(books: dict[str, Any]) -> None:
    report = conforms(profit_and_loss(books["org"], {
        "FROMDATE": "2026-11-01", "toDate": "2026-11-30", "periods": "2", "timeframe": "MONTH"}))
    assert report["ReportTitles"][2] == "1 November 2026 to 30 November 2026"
    assert values(report, "") == ["30 Nov 26", "31 Oct 26", "30 Sep 26"]
    assert money(report, "Net Profit") == [D("-982.60"), D("500.00"), D("0.00")]
    assert money(report, "Sales") == [D("117.40"), D("500.00"), D("0.00")]


def test_year_profit_equals_the_change_in_equity_earnings(books: dict[str, Any]) -> None:
    org = books["org"]
    year = profit_and_loss(org, {"fromDate": "2026-04-01", "toDate": "2027-03-31"})
    assert money(year, "Net Profit") == [D("-482.60")]
    before = balance_sheet(org, {"date": "2026-03-31"})
    after = balance_sheet(org, {"date": "2027-03-31"})
    assert earnings(after) - earnings(before) == D("-482.60")
    assert money(profit_and_loss(org, {"fromDate": "2025-04-01", "toDate": "2026-03-31"}),
                 "Net Profit") == [D("600.00")]


# ---- balance sheet --------------------------------------------------------------------------
def test_balance_sheet_by_hand(books: dict[str, Any]) -> None:
    org = books["org"]
    report = conforms(balance_sheet(org, {}))
    assert report["ReportTitles"] == ["Balance Sheet", "Demo Co", "As at 21 November 2026"]
    assert values(report, "") == ["21 Nov 2026"]
    assert titles(report) == ["Assets", "Bank", "Current Assets", "", "Liabilities",
                              "Current Liabilities", "", "", "Equity"]
    assert money(report, "Bank") == [D("890.00")]
    assert money(report, "Accounts Receivable") == [D("510.00")]
    assert money(report, "Total Assets") == [D("1400.00")]
    assert money(report, "Accounts Payable") == [D("1265.00")]
    assert money(report, "GST") == [D("17.61")]
    assert money(report, "Rounding") == [D("-0.01")]
    assert money(report, "Total Liabilities") == [D("1282.60")]
    assert money(report, "Net Assets") == [D("117.40")]
    assert money(report, "Current Year Earnings") == [D("-482.60")]
    assert money(report, "Retained Earnings") == [D("600.00")]
    assert money(report, "Total Equity") == [D("117.40")]
    cye = next(r for r in all_rows(report)
               if r.get("Cells", [{}])[0].get("Value") == "Current Year Earnings")
    assert cye["Cells"][1]["Attributes"][1:] == [{"Value": "4/1/2026", "Id": "fromDate"},
                                                 {"Value": "11/21/2026", "Id": "toDate"}]


@pytest.mark.parametrize("as_at", ["2026-02-09", "2026-02-10", "2026-03-31", "2026-04-01",
                                   "2026-04-15", "2026-11-21", "2026-11-30", "2027-04-01"])
def test_balance_sheet_balances_on_any_date(books: dict[str, Any], as_at: str) -> None:
    report = conforms(balance_sheet(books["org"], {"date": as_at, "periods": "3",
                                                   "timeframe": "QUARTER"}))
    assets, liabilities = money(report, "Total Assets"), money(report, "Total Liabilities")
    assert len(assets) == 4
    net = [a - b for a, b in zip(assets, liabilities, strict=True)]
    assert money(report, "Net Assets") == net
    assert money(report, "Total Equity") == net


def test_balance_sheet_across_the_year_end(books: dict[str, Any]) -> None:
    org = books["org"]
    march = balance_sheet(org, {"date": "2026-03-31"})
    assert money(march, "Current Year Earnings") == [D("600.00")]
    assert money(march, "Net Assets") == [D("600.00")]  # bank 1150 - AP 460 - GST 90
    april = balance_sheet(org, {"date": "2026-04-01", "periods": "1", "timeframe": "MONTH"})
    assert values(april, "") == ["1 Apr 2026", "1 Mar 2026"]
    assert money(april, "Retained Earnings") == [D("600.00"), D("0.00")]
    assert money(april, "Current Year Earnings") == [D("0.00"), D("600.00")]
    assert money(april, "Total Equity") == [D("600.00"), D("600.00")]
    month_ends = balance_sheet(org, {"date": "2026-03-31", "periods": "1"})
    assert values(month_ends, "") == ["31 Mar 2026", "28 Feb 2026"]


# ---- trial balance --------------------------------------------------------------------------
def test_trial_balance_by_hand(books: dict[str, Any]) -> None:
    report = conforms(trial_balance(books["org"], {}))
    assert report["ReportTitles"] == ["Trial Balance", "Demo Co", "As at 21 November 2026"]
    assert values(report, "Account") == ["Debit", "Credit", "YTD Debit", "YTD Credit"]
    assert titles(report) == ["Revenue", "Expenses", "Assets", "Liabilities", "Equity", ""]
    assert values(report, "Sales (200)") == ["", "117.40", "", "617.40"]
    assert values(report, "Purchases (300)") == ["100.00", "", "100.00", ""]
    assert values(report, "Accounts Receivable (610)") == ["", "65.00", "510.00", ""]
    assert values(report, "GST (820)") == ["147.39", "", "", "17.61"]
    assert values(report, "Retained Earnings (960)") == ["", "0.00", "", "600.00"]
    assert values(report, "Total") == ["1447.40", "1447.40", "2500.01", "2500.01"]


@pytest.mark.parametrize("as_at", ["2026-03-05", "2026-04-01", "2026-11-30", "2027-06-30"])
def test_trial_balance_debits_equal_credits(books: dict[str, Any], as_at: str) -> None:
    total = values(conforms(trial_balance(books["org"], {"date": as_at})), "Total")
    assert total[0] == total[1] and total[2] == total[3]


# ---- aged reports ---------------------------------------------------------------------------
def test_aged_receivables_ignore_payments_after_the_date(books: dict[str, Any]) -> None:
    org = books["org"]
    acme = contact(org, "Acme")["ContactID"]
    report = conforms(aged_receivables_by_contact(org, {"contactID": acme, "date": "2026-11-21"}))
    assert report["ReportTitles"] == ["Invoices", "Acme", "From 10 February 2026 to 21 November "
                                      "2026", "Showing payments to 21 November 2026"]
    assert values(report, "Date") == ["Number", "Due Date", "", "Total", "Paid", "Credited", "Due"]
    assert values(report, "2026-02-10T00:00:00") == ["Opening Balance", "", "", "", "", "",
                                                     "0.00"]
    assert values(report, "2026-10-05T00:00:00") == ["INV-B", "2026-10-20T00:00:00",
                                                     "32 days overdue", "575.00", "200.00",
                                                     "50.00", "325.00"]
    assert values(report, "2026-11-02T00:00:00") == ["INV-C", "2026-11-30T00:00:00", "",
                                                     "230.00", "0.00", "0.00", "230.00"]
    assert values(report, "2026-11-10T00:00:00") == ["CN-1", "", "", "-115.00", "0.00",
                                                     "-50.00", "-65.00"]
    assert values(report, "Total") == ["", "", "", "690.00", "200.00", "0.00", "490.00"]
    assert values(report, "Closing Balance") == ["", "", "", "690.00", "200.00", "0.00",
                                                 "490.00"]
    inv_b = books["inv_b"]["InvoiceID"]
    row = next(r for r in all_rows(report) if r.get("Cells", [{}])[0].get("Value")
               == "2026-10-05T00:00:00")
    assert all(c["Attributes"] == [{"Value": inv_b, "Id": "invoiceID"}] for c in row["Cells"])


def test_aged_receivables_later_date_and_opening_balance(books: dict[str, Any]) -> None:
    org = books["org"]
    acme = contact(org, "Acme")["ContactID"]
    later = aged_receivables_by_contact(org, {"contactId": acme, "date": "2026-11-30"})
    assert values(later, "Closing Balance")[-1] == "260.00"  # INV-C paid on 25 Nov
    assert values(later, "2026-10-05T00:00:00")[2] == "41 days overdue"
    opened = conforms(aged_receivables_by_contact(
        org, {"contactId": acme, "date": "2026-11-21", "fromDate": "2026-11-01"}))
    assert values(opened, "2026-11-01T00:00:00")[-1] == "325.00"
    assert values(opened, "Total") == ["", "", "", "115.00", "0.00", "-50.00", "165.00"]
    assert values(opened, "Closing Balance")[-1] == "490.00"


def test_aged_payables(books: dict[str, Any]) -> None:
    org = books["org"]
    supplier = contact(org, "Supplies Ltd")["ContactID"]
    report = conforms(aged_payables_by_contact(org, {"contactId": supplier, "date": "2026-04-10",
                                                     "fromDate": "2026-01-01"}))
    assert report["ReportType"] == "AgedPayablesByContact"
    assert values(report, "Date")[0] == "Reference"
    assert values(report, "2026-03-01T00:00:00") == ["BILL-A", "2026-03-31T00:00:00",
                                                     "10 days overdue", "460.00", "0.00",
                                                     "0.00", "460.00"]
    assert values(report, "Closing Balance")[-1] == "460.00"
    now = aged_payables_by_contact(org, {"contactId": supplier})
    assert values(now, "Closing Balance")[-1] == "1265.00"
    assert outstanding_as_at(org, books["bill_a"], date(2026, 4, 15)) == 0


def test_aging_buckets_of_the_books(books: dict[str, Any]) -> None:
    org = books["org"]
    buckets = aging_buckets(org, {"ACCREC", "ACCRECCREDIT"}, date(2026, 11, 21))
    assert [(b["Name"], b["Current"], b["1-30"], b["31-60"], b["Total"]) for b in buckets] == [
        ("Acme", D("230.00"), D("-65.00"), D("325.00"), D("490.00")),
        ("Beta", D("0.00"), D("20.00"), D("0.00"), D("20.00")),
    ]


def test_aging_bucket_boundaries() -> None:
    org = new_org()
    as_at = date(2026, 11, 21)
    for days, amount in [(0, "1"), (1, "2"), (30, "4"), (31, "8"), (60, "16"), (61, "32"),
                         (90, "64"), (91, "128")]:
        due = date.fromordinal(as_at.toordinal() - days)
        document(org, "ACCREC", f"D{days}", "Beta", date(2026, 1, 1), due,
                 [("200", amount, "0")], amount_types="NoTax")
    [beta] = aging_buckets(org, {"ACCREC"}, as_at)
    assert [beta[k] for k in ("Current", "1-30", "31-60", "61-90", "90+", "Total")] == [
        D(1), D(6), D(24), D(96), D(128), D(255)]
    assert [bucket_of(n) for n in (-5, 0, 1, 30, 31, 60, 61, 90, 91)] == [
        "Current", "Current", "1-30", "1-30", "31-60", "31-60", "61-90", "61-90", "90+"]


# ---- bad parameters -------------------------------------------------------------------------
@pytest.mark.parametrize(("report", "params", "message"), [
    (profit_and_loss, {"periods": "0"}, "between 1 and 12"),
    (profit_and_loss, {"periods": "13"}, "between 1 and 12"),
    (profit_and_loss, {"periods": "two"}, "whole number"),
    (profit_and_loss, {"timeframe": "WEEK"}, "MONTH, QUARTER or YEAR"),
    (profit_and_loss, {"fromDate": "2026-13-01"}, "not a valid date"),
    (profit_and_loss, {"fromDate": "2026-11-30", "toDate": "2026-11-01"}, "after toDate"),
    (balance_sheet, {"date": "yesterday"}, "not a valid date"),
    (balance_sheet, {"standardLayout": "maybe"}, "true or false"),
    (trial_balance, {"paymentsOnly": "perhaps"}, "true or false"),
    (aged_receivables_by_contact, {}, "contactId parameter is required"),
    (aged_payables_by_contact, {"contactId": "not-a-guid"}, "not a valid GUID"),
])
def test_bad_parameters_are_refused(report: Any, params: dict[str, str], message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        report(new_org(), params)
    assert message in caught.value.message
    assert caught.value.status == 400


def test_empty_org_reports_conform() -> None:
    org = new_org()
    for make in (profit_and_loss, balance_sheet, trial_balance):
        conforms(make(org, {}))
    acme = contact(org, "Acme")["ContactID"]
    report = conforms(aged_receivables_by_contact(org, {"contactId": acme}))
    assert values(report, "Closing Balance")[-1] == "0.00"
    assert money(profit_and_loss(org, {}), "Net Profit") == [D("0.00")]
