"""The Xero query types of the integrations API: strict parameters, one registry, one dispatcher.

Each query type has one parameters model (`XeroInvoicesParams`…), named as the OpenAPI component
it becomes. Parameters accept snake_case and camelCase (`date_from` / `dateFrom`, `contact_id` /
`contactId`; see `query_params`); unknown names and bad values fail with a pydantic
ValidationError that names the field and, for enumerations, the allowed values. Reports come
back as Xero's own structure (`Reports[0]`); typed report tables live in `reports.py`, the
organisation-wide aged summaries in `aging.py`, which register themselves here with
`register_query`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field

from ledgerlink.errors import InputError, ProviderError
from ledgerlink.inputs import LedgerDate
from ledgerlink.providers.xero.actions_base import ListParams, list_records
from ledgerlink.providers.xero.actions_contacts import (
    ContactId,
    ListContacts,
    get_contact,
    list_contacts,
)
from ledgerlink.providers.xero.actions_invoices import ListInvoices, list_invoices
from ledgerlink.providers.xero.actions_settings import list_accounts
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.models_base import AccountType, TaxRateStatus, Timeframe
from ledgerlink.providers.xero.models_documents import Invoice
from ledgerlink.providers.xero.models_records import Account, Contact, TaxRate
from ledgerlink.providers.xero.query_params import (
    Count,
    DateRange,
    Flag,
    Guid,
    Page,
    QueryParams,
    Search,
    Statuses,
    exact,
    spellings,
    statuses_field,
)
from ledgerlink.providers.xero.where import Field as XeroField
from ledgerlink.providers.xero.where import all_of

__all__ = [
    "QUERIES", "QueryParams", "QuerySpec", "XeroAccountsParams", "XeroAgedByContactParams",
    "XeroBalanceSheetParams", "XeroContactDetailParams", "XeroContactsParams",
    "XeroInvoicesByContactParams", "XeroInvoicesParams", "XeroProfitAndLossParams",
    "XeroTaxRatesParams", "register_query", "run_query", "xero_accounts", "xero_aged_payables",
    "xero_aged_receivables", "xero_balance_sheet", "xero_contact_detail", "xero_contacts",
    "xero_invoices", "xero_invoices_by_contact", "xero_profit_and_loss", "xero_tax_rates",
]

XERO_PAGE = 100  # a `page` parameter means Xero's own page of 100
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


class XeroContactsParams(QueryParams):
    """xero_contacts: every active contact, or Xero's page `page`; `search` over names/emails."""

    page: Page | None = None
    search: Search | None = None


class XeroContactDetailParams(QueryParams):
    """xero_contact_detail: one contact."""

    contact_id: Guid


class XeroAccountsParams(QueryParams):
    """xero_accounts: the chart of accounts, optionally of one type."""

    type: Annotated[AccountType, exact(AccountType)] | None = None


class XeroTaxRatesParams(QueryParams):
    """xero_tax_rates: tax rates, optionally of one status."""

    status: Annotated[TaxRateStatus, exact(TaxRateStatus)] | None = None


class XeroInvoicesParams(DateRange):
    """xero_invoices: invoices by status and invoice date range (inclusive)."""

    page: Page | None = None
    statuses: Statuses | None = statuses_field()
    date_from: LedgerDate | None = Field(default=None,
                                         validation_alias=spellings("date_from", "from_date"))
    date_to: LedgerDate | None = Field(default=None,
                                       validation_alias=spellings("date_to", "to_date"))


class XeroInvoicesByContactParams(QueryParams):
    """xero_invoices_by_contact: one contact's invoices."""

    contact_id: Guid
    statuses: Statuses | None = statuses_field()


class _Periods(DateRange):
    periods: Count | None = None
    timeframe: Annotated[Timeframe, exact(Timeframe)] | None = None


class XeroProfitAndLossParams(_Periods):
    """xero_profit_and_loss: Xero's P&L report."""

    from_date: LedgerDate | None = None
    to_date: LedgerDate | None = None
    tracking_category_id: Guid | None = None
    tracking_option_id: Guid | None = None
    standard_layout: Flag | None = None
    payments_only: Flag | None = None


class XeroBalanceSheetParams(_Periods):
    """xero_balance_sheet: Xero's balance sheet report, as at `date`."""

    date: LedgerDate | None = None
    tracking_option_id_1: Guid | None = None
    tracking_option_id_2: Guid | None = None
    standard_layout: Flag | None = None
    payments_only: Flag | None = None


class XeroAgedByContactParams(_Periods):
    """xero_aged_receivables / xero_aged_payables: Xero's per-contact aged report."""

    contact_id: Guid
    date: LedgerDate | None = None
    from_date: LedgerDate | None = None
    to_date: LedgerDate | None = None


@dataclass(frozen=True)
class QuerySpec:
    """A query type: its parameters model and the function that answers it."""

    params: type[BaseModel]
    run: Callable[[XeroClient, Any], Awaitable[Any]]
    description: str = ""


QUERIES: dict[str, QuerySpec] = {}


def register_query(name: str, spec: QuerySpec) -> None:
    """Add a query type (reports.py and aging.py add theirs); a name is registered once."""
    existing = QUERIES.get(name)
    if existing is not None and existing != spec:
        raise ValueError(f"query type {name!r} is already registered")
    QUERIES[name] = spec


async def run_query(client: XeroClient, query_type: str,
                    params: BaseModel | Mapping[str, Any] | None) -> dict[str, Any] | list[Any]:
    """Run `query_type` with `params` (its validated model, or a mapping to validate) and
    return JSON-ready data (Xero's names).

    Unknown types raise InputError listing the allowed ones; bad parameters raise pydantic's
    ValidationError naming each field.
    """
    spec = QUERIES.get(query_type)
    if spec is None:
        raise InputError(f"unknown query type {query_type!r}; allowed: "
                         f"{', '.join(sorted(QUERIES))}", field="query_type")
    if isinstance(params, spec.params):
        model = params
    elif isinstance(params, BaseModel):
        raise TypeError(f"{query_type} takes {spec.params.__name__}, not "
                        f"{type(params).__name__}")
    else:
        model = spec.params.model_validate(dict(params or {}))
    result = _jsonable(await spec.run(client, model))
    if not isinstance(result, dict | list):
        raise ProviderError(f"query {query_type} answered a {type(result).__name__}")
    return result


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _query(name: str, params: type[BaseModel]) -> Callable[[F], F]:
    def register(fn: F) -> F:
        doc = (fn.__doc__ or "").strip().splitlines()
        register_query(name, QuerySpec(params, fn, doc[0] if doc else ""))
        return fn

    return register


def _on(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


async def _report(client: XeroClient, name: str, query: Mapping[str, Any]) -> dict[str, Any]:
    params = {k: (v.isoformat() if isinstance(v, dt.date) else str(v))
              for k, v in query.items() if v is not None}
    body = await client.get(f"/Reports/{name}", operation=f"report_{name}", params=params)
    reports = body.get("Reports")
    if not isinstance(reports, list) or not reports or not isinstance(reports[0], dict):
        raise ProviderError(f"Xero's {name} answer has no report")
    return reports[0]


# ---- the queries ----------------------------------------------------------------------------
@_query("xero_contacts", XeroContactsParams)
async def xero_contacts(client: XeroClient, q: XeroContactsParams) -> list[Contact]:
    """Contacts, searched by name, number or email; every page unless `page` is given."""
    return await list_contacts(client, ListContacts(search_term=q.search, page=q.page,
                                                    page_size=XERO_PAGE))


@_query("xero_contact_detail", XeroContactDetailParams)
async def xero_contact_detail(client: XeroClient, q: XeroContactDetailParams) -> Contact:
    """One contact with addresses, phones and balances."""
    return await get_contact(client, ContactId(contact_id=q.contact_id))


@_query("xero_accounts", XeroAccountsParams)
async def xero_accounts(client: XeroClient, q: XeroAccountsParams) -> list[Account]:
    """The chart of accounts, optionally of one Type."""
    where = XeroField("Type").eq(q.type.value) if q.type else None
    return await list_accounts(client, ListParams(where=str(where) if where else None))


@_query("xero_tax_rates", XeroTaxRatesParams)
async def xero_tax_rates(client: XeroClient, q: XeroTaxRatesParams) -> list[TaxRate]:
    """Tax rates, optionally of one Status."""
    where = XeroField("Status").eq(q.status.value) if q.status else None
    return await list_records(client, "TaxRates", "xero_tax_rates",
                              ListParams(where=str(where) if where else None), TaxRate,
                              paged=False)


@_query("xero_invoices", XeroInvoicesParams)
async def xero_invoices(client: XeroClient, q: XeroInvoicesParams) -> list[Invoice]:
    """Invoices by status and invoice date (inclusive range); every page unless `page`."""
    where = all_of(XeroField("Date").ge(q.date_from) if q.date_from else None,
                   XeroField("Date").le(q.date_to) if q.date_to else None)
    return await list_invoices(client, ListInvoices(
        statuses=q.statuses, page=q.page, page_size=XERO_PAGE,
        where=str(where) if where else None))


@_query("xero_invoices_by_contact", XeroInvoicesByContactParams)
async def xero_invoices_by_contact(client: XeroClient,
                                   q: XeroInvoicesByContactParams) -> list[Invoice]:
    """Every invoice of one contact, optionally by status."""
    return await list_invoices(client, ListInvoices(contact_ids=[q.contact_id],
                                                    statuses=q.statuses))


@_query("xero_profit_and_loss", XeroProfitAndLossParams)
async def xero_profit_and_loss(client: XeroClient, q: XeroProfitAndLossParams) -> dict[str, Any]:
    """Xero's ProfitAndLoss report, as Xero structures it."""
    return await _report(client, "ProfitAndLoss", {
        "fromDate": q.from_date, "toDate": q.to_date, "periods": q.periods,
        "timeframe": q.timeframe.value if q.timeframe else None,
        "trackingCategoryID": q.tracking_category_id, "trackingOptionID": q.tracking_option_id,
        "standardLayout": _on(q.standard_layout), "paymentsOnly": _on(q.payments_only)})


@_query("xero_balance_sheet", XeroBalanceSheetParams)
async def xero_balance_sheet(client: XeroClient, q: XeroBalanceSheetParams) -> dict[str, Any]:
    """Xero's BalanceSheet report, as Xero structures it."""
    return await _report(client, "BalanceSheet", {
        "date": q.date, "periods": q.periods,
        "timeframe": q.timeframe.value if q.timeframe else None,
        "trackingOptionID1": q.tracking_option_id_1, "trackingOptionID2": q.tracking_option_id_2,
        "standardLayout": _on(q.standard_layout), "paymentsOnly": _on(q.payments_only)})


def _aged(q: XeroAgedByContactParams) -> dict[str, Any]:
    return {"contactId": q.contact_id, "date": q.date, "fromDate": q.from_date,
            "toDate": q.to_date, "periods": q.periods,
            "timeframe": q.timeframe.value if q.timeframe else None}


@_query("xero_aged_receivables", XeroAgedByContactParams)
async def xero_aged_receivables(client: XeroClient, q: XeroAgedByContactParams) -> dict[str, Any]:
    """Xero's AgedReceivablesByContact report for one contact."""
    return await _report(client, "AgedReceivablesByContact", _aged(q))


@_query("xero_aged_payables", XeroAgedByContactParams)
async def xero_aged_payables(client: XeroClient, q: XeroAgedByContactParams) -> dict[str, Any]:
    """Xero's AgedPayablesByContact report for one contact."""
    return await _report(client, "AgedPayablesByContact", _aged(q))
