"""Request and response shapes of the /api/v1/integrations routes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field
from pydantic.config import JsonDict

from ledgerlink import examples as ex
from ledgerlink.inputs import check_json
from ledgerlink.providers.xero.aging import XeroAgedSummaryParams
from ledgerlink.providers.xero.queries import (
    XeroAccountsParams,
    XeroAgedByContactParams,
    XeroBalanceSheetParams,
    XeroContactDetailParams,
    XeroContactsParams,
    XeroInvoicesByContactParams,
    XeroInvoicesParams,
    XeroProfitAndLossParams,
    XeroTaxRatesParams,
)

IntegrationStatus = Literal["active", "needs_reauth", "disconnected", "error"]


class Tenant(BaseModel):
    """The provider organisation an integration is bound to."""

    id: str = Field(description="The provider's tenant id (Xero: the organisation's tenantId)")
    name: str | None = None
    type: str = "ORGANISATION"


_INTEGRATION: JsonDict = {
    "id": "0b5a4f7e-2f0c-4d3e-9d54-1c2b3a4d5e6f", "platform": "xero",
    "name": "Harbourside Joinery Ltd", "status": "active", "status_reason": None,
    "tenant": {"id": ex.TENANT_ID,
               "name": "Harbourside Joinery Ltd", "type": "ORGANISATION"},
    "connection_kind": "oauth_authorization_code",
    "connected_at": "2026-11-21T09:00:00Z", "disconnected_at": None,
    "created_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-21T09:00:00Z"}


class IntegrationOut(BaseModel):
    """One integration: a connected organisation of one platform."""

    model_config = ConfigDict(json_schema_extra={"examples": [_INTEGRATION]})

    id: str
    platform: str
    name: str
    status: IntegrationStatus
    status_reason: str | None = None
    tenant: Tenant
    connection_kind: str
    connected_at: datetime | None = None
    disconnected_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class IntegrationList(BaseModel):
    """Every integration."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [_INTEGRATION]}]})

    data: list[IntegrationOut]


class IntegrationEnvelope(BaseModel):
    """One integration."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"data": _INTEGRATION}]})

    data: IntegrationOut


# ---- queries: one branch per query type, told apart by `query_type` -------------------------
class _Query(BaseModel):
    """A read-only query: `query_type` names it, `params` are its parameters."""

    model_config = ConfigDict(extra="forbid")


def _example(query_type: str, params: JsonDict) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [{"query_type": query_type,
                                                       "params": params}]})


def _bounded(data: Any) -> Any:
    # Before the tag is even looked for: a body of 100,000 unknown keys is one error, not
    # 100,000 of them (nor a missing tag), and no text holds a control character.
    return check_json(_Query, data)


# Records of the demo organisation, so every example runs against `make demo`.
_CONTACT = ex.XERO_CONTACT_ID
_SUPPLIER = ex.XERO_SUPPLIER_ID


class XeroContactsQuery(_Query):
    """xero_contacts: every active contact, or one page of 100; `search` matches names,
    numbers and emails."""

    model_config = _example("xero_contacts", {"search": "Aroha", "page": 1})
    query_type: Literal["xero_contacts"]
    params: XeroContactsParams = Field(default_factory=XeroContactsParams)


class XeroContactDetailQuery(_Query):
    """xero_contact_detail: one contact with addresses, phones and balances."""

    model_config = _example("xero_contact_detail", {"contact_id": _CONTACT})
    query_type: Literal["xero_contact_detail"]
    params: XeroContactDetailParams


class XeroAccountsQuery(_Query):
    """xero_accounts: the chart of accounts, optionally of one type."""

    model_config = _example("xero_accounts", {"type": "BANK"})
    query_type: Literal["xero_accounts"]
    params: XeroAccountsParams = Field(default_factory=XeroAccountsParams)


class XeroTaxRatesQuery(_Query):
    """xero_tax_rates: the tax rates, optionally of one status."""

    model_config = _example("xero_tax_rates", {"status": "ACTIVE"})
    query_type: Literal["xero_tax_rates"]
    params: XeroTaxRatesParams = Field(default_factory=XeroTaxRatesParams)


class XeroInvoicesQuery(_Query):
    """xero_invoices: invoices by status and invoice date (an inclusive range)."""

    model_config = _example("xero_invoices", {"statuses": ["AUTHORISED"],
                                              "date_from": "2026-01-01", "date_to": "2026-06-30"})
    query_type: Literal["xero_invoices"]
    params: XeroInvoicesParams = Field(default_factory=XeroInvoicesParams)


class XeroInvoicesByContactQuery(_Query):
    """xero_invoices_by_contact: one contact's invoices, optionally by status."""

    model_config = _example("xero_invoices_by_contact", {"contact_id": _CONTACT,
                                                         "statuses": "AUTHORISED,PAID"})
    query_type: Literal["xero_invoices_by_contact"]
    params: XeroInvoicesByContactParams


class XeroProfitAndLossQuery(_Query):
    """xero_profit_and_loss: Xero's Profit and Loss report, as Xero structures it."""

    model_config = _example("xero_profit_and_loss", {"fromDate": "2026-04-01",
                                                     "toDate": "2026-10-31", "periods": 2,
                                                     "timeframe": "MONTH"})
    query_type: Literal["xero_profit_and_loss"]
    params: XeroProfitAndLossParams = Field(default_factory=XeroProfitAndLossParams)


class XeroBalanceSheetQuery(_Query):
    """xero_balance_sheet: Xero's Balance Sheet report, as Xero structures it."""

    model_config = _example("xero_balance_sheet", {"date": "2026-06-30", "periods": 2,
                                                   "timeframe": "QUARTER"})
    query_type: Literal["xero_balance_sheet"]
    params: XeroBalanceSheetParams = Field(default_factory=XeroBalanceSheetParams)


class XeroAgedReceivablesQuery(_Query):
    """xero_aged_receivables: Xero's aged receivables report of one contact."""

    model_config = _example("xero_aged_receivables", {"contact_id": _CONTACT,
                                                      "date": "2026-11-21"})
    query_type: Literal["xero_aged_receivables"]
    params: XeroAgedByContactParams


class XeroAgedPayablesQuery(_Query):
    """xero_aged_payables: Xero's aged payables report of one contact."""

    model_config = _example("xero_aged_payables", {"contactId": _SUPPLIER})
    query_type: Literal["xero_aged_payables"]
    params: XeroAgedByContactParams


class XeroAgedReceivablesSummaryQuery(_Query):
    """xero_aged_receivables_summary: what every customer owes, aged, from the open
    AUTHORISED sales invoices (`net_credit_notes` also subtracts unapplied credit notes)."""

    model_config = _example("xero_aged_receivables_summary", {"date": "2026-11-21"})
    query_type: Literal["xero_aged_receivables_summary"]
    params: XeroAgedSummaryParams = Field(default_factory=XeroAgedSummaryParams)


class XeroAgedPayablesSummaryQuery(_Query):
    """xero_aged_payables_summary: what is owed to every supplier, aged, from the open
    AUTHORISED bills (`net_credit_notes` also subtracts unapplied credit notes)."""

    model_config = _example("xero_aged_payables_summary", {"as_at": "2026-11-21",
                                                           "net_credit_notes": True})
    query_type: Literal["xero_aged_payables_summary"]
    params: XeroAgedSummaryParams = Field(default_factory=XeroAgedSummaryParams)


QueryRequest = Annotated[
    XeroContactsQuery | XeroContactDetailQuery | XeroAccountsQuery | XeroTaxRatesQuery
    | XeroInvoicesQuery | XeroInvoicesByContactQuery | XeroProfitAndLossQuery
    | XeroBalanceSheetQuery | XeroAgedReceivablesQuery | XeroAgedPayablesQuery
    | XeroAgedReceivablesSummaryQuery | XeroAgedPayablesSummaryQuery,
    Discriminator("query_type"), BeforeValidator(_bounded)]
"""A query: one branch per query type, chosen by `query_type` (an unknown one is refused,
naming the allowed ones); each branch's `params` are validated by its own model."""


def branch_examples(branches: Iterable[type[BaseModel]]) -> list[dict[str, Any]]:
    """Every branch's examples: a tagged union's request examples in the published schema."""
    found: list[dict[str, Any]] = []
    for branch in branches:
        extra = branch.model_config.get("json_schema_extra")
        examples = extra.get("examples") if isinstance(extra, dict) else None
        if isinstance(examples, list):
            found += [e for e in examples if isinstance(e, dict)]
    return found


def query_examples() -> list[dict[str, Any]]:
    """Every query type's examples."""
    return branch_examples(get_args(get_args(QueryRequest)[0]))


class QueryResult(BaseModel):
    """What a query returned, in the provider's field names."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"query_type": "xero_tax_rates", "data": [
            {"Name": "GST on Income", "TaxType": "OUTPUT", "Status": "ACTIVE",
             "EffectiveRate": "15.0000", "ReportTaxType": "OUTPUT"}]},
        {"query_type": "xero_aged_receivables_summary", "data": {
            "as_at": "2026-11-21", "net_credit_notes": False,
            "totals": {"total": "1150.00", "current": "0.00", "days_1_30": "1150.00",
                       "days_31_60": "0.00", "days_61_90": "0.00", "days_90_plus": "0.00"},
            "contacts": [{"contact_id": ex.XERO_CONTACT_ID,
                          "contact_name": "Aroha Interiors", "total_outstanding": "1150.00",
                          "current": "0.00", "days_1_30": "1150.00", "days_31_60": "0.00",
                          "days_61_90": "0.00", "days_90_plus": "0.00",
                          "invoice_count": 1}]}}]})

    query_type: str
    data: Any
