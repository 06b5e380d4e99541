"""Routes for the computed reports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ledgerlink.emulator.core.router import Router
from ledgerlink.emulator.xero import reports, reports_aged, reports_tb
from ledgerlink.emulator.xero.call import Call
from ledgerlink.emulator.xero.models.base import Org

SCOPE = ("accounting.reports.read|accounting.reports.profitandloss.read|"
         "accounting.reports.balancesheet.read|accounting.reports.trialbalance.read|"
         "accounting.reports.aged.read")
Builder = Callable[[Org, Mapping[str, str]], dict[str, Any]]


def _handler(build: Builder) -> Callable[[Call], Any]:
    async def handler(call: Call) -> dict[str, Any]:
        params = dict(call.request.query_params)
        return call.ok("Reports", [build(call.org, params)])

    return handler


def router() -> Router:
    """Report routes (GET only)."""
    r = Router()
    for path, build, operation in (
        ("/Reports/ProfitAndLoss", reports.profit_and_loss, "getReportProfitAndLoss"),
        ("/Reports/BalanceSheet", reports.balance_sheet, "getReportBalanceSheet"),
        ("/Reports/TrialBalance", reports_tb.trial_balance, "getReportTrialBalance"),
        ("/Reports/AgedReceivablesByContact", reports_aged.aged_receivables_by_contact,
         "getReportAgedReceivablesByContact"),
        ("/Reports/AgedPayablesByContact", reports_aged.aged_payables_by_contact,
         "getReportAgedPayablesByContact"),
    ):
        r.add("GET", path, _handler(build), operation, scope=SCOPE)
    return r
