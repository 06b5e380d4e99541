"""The Trial Balance: each account's month and year-to-date debit or credit, which must agree."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ledgerlink.emulator.xero.ledger import (
    NIL_ACCOUNT,
    ZERO,
    account_class,
    as_money,
    financial_year_start,
    is_pnl,
    journal_lines,
    profit,
    sum_by_account,
)
from ledgerlink.emulator.xero.models.base import Org, Record
from ledgerlink.emulator.xero.reports_base import (
    Params,
    Row,
    attr,
    cell,
    header,
    long_date,
    report,
    report_order,
    section,
    summary,
    us_date,
)

TB_SECTIONS = (("REVENUE", "Revenue"), ("EXPENSE", "Expenses"), ("ASSET", "Assets"),
               ("LIABILITY", "Liabilities"), ("EQUITY", "Equity"))
Amounts = tuple[Decimal, Decimal]  # (month, year to date), debit positive


def _pair(amount: Decimal, debit_natural: bool) -> list[str]:
    """A debit-positive amount as (Debit, Credit) cells; zero sits on the natural side."""
    if amount > 0 or (amount == 0 and debit_natural):
        return [as_money(amount), ""]
    return ["", as_money(-amount)]


def _tb_row(label: str, account_id: str, amounts: Amounts, debit_natural: bool,
            extra: list[dict[str, str]] | None = None) -> Row:
    tag = attr("account", account_id)
    values = _pair(amounts[0], debit_natural) + _pair(amounts[1], debit_natural)
    cells = [cell(label, [tag])] + [cell(v, [tag, *(extra or [])]) for v in values]
    return {"RowType": "Row", "Cells": cells}


def _label(account: Record) -> str:
    code = account.get("Code")
    name = str(account.get("Name") or "")
    return f"{name} ({code})" if code else name


def _amounts(org: Org, as_at: date) -> tuple[dict[str, Amounts], Decimal, date]:
    """Per account (month, YTD) movement, prior years' profit, and the previous year's end."""
    year_start = financial_year_start(org, as_at)
    lines = journal_lines(org, as_at)
    month = sum_by_account(lines, as_at.replace(day=1), as_at)
    this_year = sum_by_account(lines, year_start, as_at)
    to_date = sum_by_account(lines, None, as_at)
    earlier = profit(org, sum_by_account(lines, None, year_start - timedelta(days=1)))
    out: dict[str, Amounts] = {}
    for account_id in to_date.keys() | month.keys():
        acc = org.accounts.get(account_id)
        if acc is None:
            continue
        ytd = this_year if is_pnl(acc) else to_date
        out[account_id] = (month.get(account_id, ZERO), ytd.get(account_id, ZERO))
    return out, earlier, year_start - timedelta(days=1)


def _sections(org: Org, amounts: dict[str, Amounts], earlier: Decimal,
              prior_end: date) -> tuple[list[Row], list[Decimal]]:
    """The five class sections and the column totals (debit, credit, YTD debit, YTD credit)."""
    retained = org.account_by_type("RETAINEDEARNINGS")
    retained_id = str(retained["AccountID"]) if retained else NIL_ACCOUNT
    month, ytd = amounts.get(retained_id, (ZERO, ZERO))
    # Earlier years' profit sits in Retained Earnings (a credit), with no closing journal.
    amounts = {**amounts, retained_id: (month, ytd - earlier)}
    names = {retained_id: retained or {"AccountID": NIL_ACCOUNT, "Name": "Retained Earnings",
                                       "Class": "EQUITY"}}
    totals = [ZERO] * 4
    rows: list[Row] = []
    for cls, title in TB_SECTIONS:
        members: list[Row] = []
        accounts = [org.accounts.get(i) or names[i] for i in amounts
                    if i in org.accounts or i in names]
        for acc in sorted(accounts, key=report_order):
            values = amounts[acc["AccountID"]]
            if account_class(acc) != cls or not any(values):
                continue
            natural = cls in ("ASSET", "EXPENSE")
            extra = ([attr("fromDate", ""), attr("toDate", us_date(prior_end))]
                     if acc["AccountID"] == retained_id else None)
            members.append(_tb_row(_label(acc), str(acc["AccountID"]), values, natural, extra))
            for i, value in enumerate(values):
                totals[2 * i + (0 if value > 0 else 1)] += abs(value)
        if members:
            rows.append(section(title, members))
    return rows, totals


def trial_balance(org: Org, params: Mapping[str, str]) -> dict[str, Any]:
    """GET /Reports/TrialBalance: the month's movement and year-to-date balance per account."""
    p = Params(params)
    as_at = p.date("date") or org.today()
    p.flag("paymentsOnly")  # accepted; accrual basis only
    amounts, earlier, prior_end = _amounts(org, as_at)
    body, totals = _sections(org, amounts, earlier, prior_end)
    rows = [header(["Account", "Debit", "Credit", "YTD Debit", "YTD Credit"]), *body,
            section("", [summary(["Total", *(as_money(t) for t in totals)])])]
    titles = ["Trial Balance", org.name, f"As at {long_date(as_at)}"]
    return report(org, "TrialBalance", "Trial Balance", titles, rows)
