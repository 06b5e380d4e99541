"""Routes for Accounts, TaxRates, Currencies and the Organisation."""

from __future__ import annotations

from typing import Any

from ledgerlink.emulator.core.router import Router
from ledgerlink.emulator.xero.call import Call
from ledgerlink.emulator.xero.errors import BadRequest
from ledgerlink.emulator.xero.models import accounts, settings
from ledgerlink.emulator.xero.models.base import Record
from ledgerlink.emulator.xero.routes.common import modified_since, one, where_order
from ledgerlink.emulator.xero.routes.writes import (
    add_document_routes,
    guid_or_key,
    single_or_raise,
    write_batch,
)

SCOPE = "accounting.settings"


async def get_accounts(call: Call) -> dict[str, Any]:
    records = where_order(call, modified_since(call, accounts.list_accounts(call.org)),
                          "Account")
    return call.ok("Accounts", records)


async def create_account(call: Call) -> dict[str, Any]:
    body = call.body()
    element = body if isinstance(body, dict) and "Accounts" not in body else \
        call.elements("Accounts")[0]
    if not isinstance(element, dict):
        raise BadRequest("The body must be an Account object")
    record = single_or_raise(call, lambda: accounts.create_account(call.org, element), element)
    return one(call, "Accounts", record)


async def get_account(call: Call) -> dict[str, Any]:
    return one(call, "Accounts", accounts.get_account(call.org, guid_or_key(call.params[
        "AccountID"])))


async def update_account(call: Call) -> dict[str, Any]:
    element = call.elements("Accounts")[0]
    key = guid_or_key(call.params["AccountID"])
    record = single_or_raise(call, lambda: accounts.update_account(call.org, key, element),
                             element)
    return one(call, "Accounts", record)


async def delete_account(call: Call) -> dict[str, Any]:
    key = guid_or_key(call.params["AccountID"])
    record = single_or_raise(call, lambda: accounts.delete_account(call.org, key), {})
    return one(call, "Accounts", record)


async def get_tax_rates(call: Call) -> dict[str, Any]:
    records = where_order(call, list(call.org.tax_rates.values()), "TaxRate", "Name ASC")
    tax_type = call.q("TaxType")
    if tax_type:
        records = [r for r in records if r["TaxType"].upper() == tax_type.upper()]
    return call.ok("TaxRates", records)


async def get_tax_rate(call: Call) -> dict[str, Any]:
    return one(call, "TaxRates", settings.get_tax_rate(call.org, call.params["TaxType"]))


async def create_tax_rates(call: Call) -> dict[str, Any]:
    return write_batch(call, "TaxRates", lambda e: settings.create_tax_rate(call.org, e))


async def update_tax_rate(call: Call) -> dict[str, Any]:
    return write_batch(call, "TaxRates", lambda e: settings.update_tax_rate(call.org, e))


async def get_currencies(call: Call) -> dict[str, Any]:
    base = {"Code": call.org.base_currency, "Description": call.org.info.get(
        "BaseCurrencyDescription", call.org.base_currency)}
    records: list[Record] = [base, *[c for k, c in sorted(call.org.currencies.items())
                                     if k != call.org.base_currency]]
    return call.ok("Currencies", where_order(call, records, "Currency"))


async def create_currency(call: Call) -> dict[str, Any]:
    return write_batch(call, "Currencies", lambda e: settings.create_currency(call.org, e))


async def get_organisations(call: Call) -> dict[str, Any]:
    return call.ok("Organisations", [settings.organisation(call.org)])


async def get_organisation_actions(call: Call) -> dict[str, Any]:
    return call.ok("Actions", settings.organisation_actions())


def _account(call: Call, key: str) -> Record:
    return accounts.get_account(call.org, guid_or_key(key))


def router() -> Router:
    """Settings routes."""
    r = Router()
    r.add("GET", "/Accounts", get_accounts, "getAccounts", scope=SCOPE)
    r.add("PUT", "/Accounts", create_account, "createAccount", scope=SCOPE)
    r.add("GET", "/Accounts/{AccountID}", get_account, "getAccount", scope=SCOPE)
    r.add("POST", "/Accounts/{AccountID}", update_account, "updateAccount", scope=SCOPE)
    r.add("DELETE", "/Accounts/{AccountID}", delete_account, "deleteAccount", scope=SCOPE)
    add_document_routes(r, "Accounts", _account, SCOPE, history=False)
    r.add("GET", "/TaxRates", get_tax_rates, "getTaxRates", scope=SCOPE)
    r.add("PUT", "/TaxRates", create_tax_rates, "createTaxRates", scope=SCOPE)
    r.add("POST", "/TaxRates", update_tax_rate, "updateTaxRate", scope=SCOPE)
    r.add("GET", "/TaxRates/{TaxType}", get_tax_rate, "getTaxRateByTaxType", scope=SCOPE)
    r.add("GET", "/Currencies", get_currencies, "getCurrencies", scope=SCOPE)
    r.add("PUT", "/Currencies", create_currency, "createCurrency", scope=SCOPE)
    r.add("GET", "/Organisation", get_organisations, "getOrganisations", scope=SCOPE)
    r.add("GET", "/Organisations", get_organisations, "getOrganisations", scope=SCOPE)
    r.add("GET", "/Organisation/Actions", get_organisation_actions, "getOrganisationActions",
          scope=SCOPE)
    return r
