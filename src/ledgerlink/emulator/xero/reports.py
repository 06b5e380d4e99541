"""Profit and Loss and Balance Sheet from the ledger; re-exports the other reports too."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ledgerlink.emulator.xero.errors import BadRequest
from ledgerlink.emulator.xero.ledger import (
    NIL_ACCOUNT,
    ZERO,
    JournalLine,
    account_class,
    as_money,
    financial_year_start,
    journal_lines,
    profit,
    signed,
    sum_by_account,
)
from ledgerlink.emulator.xero.models.base import Org, Record
from ledgerlink.emulator.xero.reports_aged import (
    aged_payables_by_contact,
    aged_receivables_by_contact,
    aging_buckets,
    outstanding_as_at,
)
from ledgerlink.emulator.xero.reports_base import (
    Params,
    Row,
    account_row,
    attr,
    cell,
    header,
    long_date,
    month_end,
    report,
    report_order,
    row,
    section,
    shift_months,
    short_date,
    summary,
    us_date,
)
from ledgerlink.emulator.xero.reports_tb import trial_balance

__all__ = [
    "aged_payables_by_contact", "aged_receivables_by_contact", "aging_buckets", "balance_sheet",
    "outstanding_as_at", "profit_and_loss", "trial_balance",
]

Sums = dict[str, Decimal]
Grouper = Callable[[Record], str | None]


# ---- shared: group accounts into titled sections --------------------------------------------
def _grouped_rows(org: Org, sums: list[Sums], group_of: Grouper,
                  ) -> dict[str, list[tuple[Record, list[Decimal]]]]:
    """Accounts with a non-zero amount in any column, by group, each in its natural sign."""
    groups: dict[str, list[tuple[Record, list[Decimal]]]] = {}
    ids = {key for column in sums for key in column}
    for account in sorted((org.accounts[i] for i in ids if i in org.accounts), key=report_order):
        group = group_of(account)
        if group is None:
            continue
        values = [signed(account, column.get(account["AccountID"], ZERO)) for column in sums]
        if any(values):
            groups.setdefault(group, []).append((account, values))
    return groups


def _section(title: str, total_label: str, members: list[tuple[Record, list[Decimal]]],
             columns: int) -> tuple[Row, list[Decimal]]:
    """A titled section of account rows closed by its total, and that total per column."""
    totals = [sum((values[i] for _, values in members), ZERO) for i in range(columns)]
    rows = [account_row(acc, [as_money(v) for v in values]) for acc, values in members]
    rows.append(summary([total_label, *(as_money(t) for t in totals)]))
    return section(title, rows), totals


def _line(label: str, values: list[Decimal]) -> Row:
    """A single untitled section holding one computed row (Gross Profit, Net Assets, …)."""
    return section("", [row([label, *(as_money(v) for v in values)])])


def _minus(a: list[Decimal], b: list[Decimal]) -> list[Decimal]:
    return [x - y for x, y in zip(a, b, strict=True)]


# ---- profit and loss ------------------------------------------------------------------------
PNL_SECTIONS = (
    ("income", "Income", "Total Income"),
    ("cos", "Less Cost of Sales", "Total Cost of Sales"),
    ("other", "Plus Other Income", "Total Other Income"),
    ("opex", "Less Operating Expenses", "Total Operating Expenses"),
)


def pnl_group(account: Record) -> str | None:
    """Which P&L section an account falls in; None for balance sheet accounts."""
    cls, kind = account_class(account), str(account.get("Type", "")).upper()
    if cls == "REVENUE":
        return "other" if kind == "OTHERINCOME" else "income"
    if cls == "EXPENSE":
        return "cos" if kind == "DIRECTCOSTS" else "opex"
    return None


def _pnl_range(org: Org, params: Params) -> tuple[date, date, bool]:
    """(from, to, whether the caller chose them); the current month by default."""
    start, end = params.date("fromDate"), params.date("toDate")
    chosen = start is not None or end is not None
    if start is None:
        start = (end or org.today()).replace(day=1)
    if end is None:
        end = month_end(start)
    if start > end:
        raise BadRequest("The fromDate parameter must not be after toDate")
    return start, end, chosen


def _pnl_rows(sums: list[Sums], groups: dict[str, list[tuple[Record, list[Decimal]]]],
              ) -> list[Row]:
    """The P&L body: the sections with their totals, Gross Profit and Net Profit."""
    n = len(sums)
    blocks: dict[str, Row] = {}
    totals: dict[str, list[Decimal]] = {}
    for key, title, total_label in PNL_SECTIONS:
        blocks[key], totals[key] = _section(title, total_label, groups.get(key, []), n)
    gross = _minus(totals["income"], totals["cos"])
    net = _minus([g + o for g, o in zip(gross, totals["other"], strict=True)], totals["opex"])
    # Income and Operating Expenses always show; the optional sections only when used.
    rows = [blocks["income"]]
    if "cos" in groups:
        rows.append(blocks["cos"])
    rows.append(_line("Gross Profit", gross))
    if "other" in groups:
        rows.append(blocks["other"])
    rows += [blocks["opex"], _line("Net Profit", net)]
    return rows


def profit_and_loss(org: Org, params: Mapping[str, str]) -> dict[str, Any]:
    """GET /Reports/ProfitAndLoss: income less costs over a range, with comparison periods."""
    p = Params(params)
    start, end, chosen = _pnl_range(org, p)
    periods, step = p.periods(), p.timeframe()
    p.flag("standardLayout")
    p.flag("paymentsOnly")  # accepted; the emulator reports on the accrual basis only
    ranges = [(shift_months(start, -k * step), shift_months(end, -k * step))
              for k in range(periods + 1)]
    lines = journal_lines(org, end)
    sums = [sum_by_account(lines, a, b) for a, b in ranges]
    rows = [header(["", *(short_date(b, full_year=False) for _, b in ranges)])]
    rows += _pnl_rows(sums, _grouped_rows(org, sums, pnl_group))
    period = (f"{long_date(start)} to {long_date(end)}" if chosen
              else f"For the month ended {long_date(end)}")
    titles = ["Profit & Loss", org.name, period]
    return report(org, "ProfitAndLoss", "Profit and Loss", titles, rows)


# ---- balance sheet --------------------------------------------------------------------------
ASSET_SECTIONS = ("Bank", "Current Assets", "Fixed Assets", "Non-current Assets")
LIABILITY_SECTIONS = ("Current Liabilities", "Non-Current Liabilities")


def bs_group(account: Record) -> str | None:
    """Which balance sheet section an account falls in; None for P&L accounts."""
    cls, kind = account_class(account), str(account.get("Type", "")).upper()
    if cls == "ASSET":
        return {"BANK": "Bank", "FIXED": "Fixed Assets",
                "NONCURRENT": "Non-current Assets"}.get(kind, "Current Assets")
    if cls == "LIABILITY":
        if account.get("SystemAccount") in ("GST", "CREDITORS"):
            return "Current Liabilities"
        if kind in ("TERMLIAB", "NONCURRENT"):
            return "Non-Current Liabilities"
        return "Current Liabilities"
    if cls == "EQUITY":
        return "Equity"
    return None


def _earnings(org: Org, lines: list[JournalLine], as_at: date) -> tuple[Decimal, Decimal, date]:
    """(current year earnings, profit of all earlier years, last day of the previous year)."""
    year_start = financial_year_start(org, as_at)
    prior_end = year_start - timedelta(days=1)
    current = profit(org, sum_by_account(lines, year_start, as_at))
    earlier = profit(org, sum_by_account(lines, None, prior_end))
    return current, earlier, prior_end


def _dated_row(label: str, account_id: str, values: list[Decimal],
               spans: list[tuple[str, str]]) -> Row:
    """An equity row whose value cells also say which dates they cover."""
    tag = attr("account", account_id)
    cells = [cell(label, [tag])]
    cells += [cell(as_money(v), [tag, attr("fromDate", a), attr("toDate", b)])
              for v, (a, b) in zip(values, spans, strict=True)]
    return {"RowType": "Row", "Cells": cells}


def _equity_section(org: Org, lines: list[JournalLine], dates: list[date],
                    members: list[tuple[Record, list[Decimal]]]) -> tuple[Row, list[Decimal]]:
    """Current Year Earnings, then the equity accounts by name; Retained Earnings carries every
    earlier year's profit on top of its own balance, so the sheet balances without a year-end
    closing journal."""
    earnings = [_earnings(org, lines, d) for d in dates]
    current = [c for c, _, _ in earnings]
    retained = org.account_by_type("RETAINEDEARNINGS")
    retained_id = str(retained["AccountID"]) if retained else NIL_ACCOUNT
    own = next((values for acc, values in members if acc["AccountID"] == retained_id),
               [ZERO] * len(dates))
    carried = [e + o for (_, e, _), o in zip(earnings, own, strict=True)]
    entries: list[tuple[tuple[str, str], Row]] = []
    totals = [c + r for c, r in zip(current, carried, strict=True)]
    for acc, values in members:
        if acc["AccountID"] != retained_id:
            entries.append((report_order(acc), account_row(acc, [as_money(v) for v in values])))
            totals = [t + v for t, v in zip(totals, values, strict=True)]
    if any(carried):
        label = str(retained.get("Name") or "") if retained else "Retained Earnings"
        spans = [("", us_date(prior_end)) for _, _, prior_end in earnings]
        entries.append(((label.lower(), ""), _dated_row(label, retained_id, carried, spans)))
    rows: list[Row] = []
    if any(current):
        spans = [(us_date(financial_year_start(org, d)), us_date(d)) for d in dates]
        rows.append(_dated_row("Current Year Earnings", NIL_ACCOUNT, current, spans))
    rows.extend(r for _, r in sorted(entries, key=lambda e: e[0]))
    rows.append(summary(["Total Equity", *(as_money(t) for t in totals)]))
    return section("Equity", rows), totals


def _bs_dates(org: Org, p: Params) -> list[date]:
    as_at = p.date("date") or org.today()
    periods, step = p.periods(), p.timeframe()
    return [shift_months(as_at, -k * step) for k in range(periods + 1)]


def balance_sheet(org: Org, params: Mapping[str, str]) -> dict[str, Any]:
    """GET /Reports/BalanceSheet: assets, liabilities and equity as at a date (and earlier ones)."""
    p = Params(params)
    dates = _bs_dates(org, p)
    p.flag("standardLayout")
    p.flag("paymentsOnly")  # accepted; accrual basis only
    lines = journal_lines(org, dates[0])
    sums = [sum_by_account(lines, None, d) for d in dates]
    groups = _grouped_rows(org, sums, bs_group)
    n = len(dates)
    rows: list[Row] = [header(["", *(short_date(d) for d in dates)])]
    side_totals: list[list[Decimal]] = []
    for side, kinds in (("Assets", ASSET_SECTIONS), ("Liabilities", LIABILITY_SECTIONS)):
        rows.append(section(side, []))
        total = [ZERO] * n
        for title in kinds:
            if title in groups:
                block, sub = _section(title, f"Total {title}", groups[title], n)
                rows.append(block)
                total = [t + s for t, s in zip(total, sub, strict=True)]
        rows.append(section("", [summary([f"Total {side}", *(as_money(t) for t in total)])]))
        side_totals.append(total)
    rows.append(_line("Net Assets", _minus(side_totals[0], side_totals[1])))
    equity, _ = _equity_section(org, lines, dates, groups.get("Equity", []))
    rows.append(equity)
    titles = ["Balance Sheet", org.name, f"As at {long_date(dates[0])}"]
    return report(org, "BalanceSheet", "Balance Sheet", titles, rows)
