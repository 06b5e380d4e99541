"""Organisation settings resources: TaxRates, Currencies and the Organisation itself."""

from __future__ import annotations

from decimal import Decimal

from ledgerlink.emulator.xero.arithmetic import effective_rate
from ledgerlink.emulator.xero.errors import NotFound
from ledgerlink.emulator.xero.models.base import (
    ElementError,
    Org,
    Record,
    dec,
    find_key,
    flag,
    text,
)

TAX_STATUSES = {"ACTIVE", "DELETED", "ARCHIVED", "PENDING"}
ORG_ACTIONS = (
    "UseMulticurrency", "CreateBankTransactions", "CreateInvoices", "CreateContacts",
    "CreatePayments", "CreateCreditNotes", "ViewReports", "CreateItems",
)


def _components(element: Record) -> list[Record]:
    raw = find_key(element, "TaxComponents")
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        raise ElementError("A tax rate needs at least one TaxComponent.")
    out = []
    for comp in raw:
        if not isinstance(comp, dict):
            raise ElementError("TaxComponents must be objects")
        rate = dec(find_key(comp, "Rate"), "Rate")
        if rate is None or rate < 0:
            raise ElementError("Each TaxComponent needs a Rate of zero or more.")
        out.append({"Name": text(find_key(comp, "Name"), "Name", 50) or "Tax",
                    "Rate": rate.quantize(Decimal("0.0001")),
                    "IsCompound": flag(find_key(comp, "IsCompound"), "IsCompound"),
                    "IsNonRecoverable": flag(find_key(comp, "IsNonRecoverable"),
                                             "IsNonRecoverable")})
    return out


def _finish(rate: Record) -> None:
    eff = effective_rate(rate["TaxComponents"])
    rate["EffectiveRate"] = eff
    rate["DisplayTaxRate"] = eff


def new_tax_rate(org: Org, name: str, tax_type: str, rate: Decimal,
                 report_tax_type: str = "OUTPUT") -> Record:
    """A tax rate record (used by the seed for system rates such as OUTPUT2 and INPUT2)."""
    record: Record = {
        "Name": name, "TaxType": tax_type, "ReportTaxType": report_tax_type, "Status": "ACTIVE",
        "TaxComponents": [{"Name": "Tax", "Rate": rate.quantize(Decimal("0.0001")),
                           "IsCompound": False, "IsNonRecoverable": False}],
        "CanApplyToAssets": True, "CanApplyToEquity": True, "CanApplyToExpenses": True,
        "CanApplyToLiabilities": True, "CanApplyToRevenue": True,
    }
    _finish(record)
    return org.put("tax_rates", tax_type, record)


def create_tax_rate(org: Org, element: Record) -> Record:
    """PUT /TaxRates element: a new custom rate gets the next TAXnnn type."""
    name = text(find_key(element, "Name"), "Name", 50)
    if not name:
        raise ElementError("Name is required for a tax rate.")
    if any(r["Name"].lower() == name.lower() and r["Status"] != "DELETED"
           for r in org.tax_rates.values()):
        raise ElementError(f"A tax rate with the name '{name}' already exists.")
    components = _components(element)
    if not components:
        raise ElementError("A tax rate needs at least one TaxComponent.")
    tax_type = org.next_number("TAX", 3)
    while tax_type in org.tax_rates:
        tax_type = org.next_number("TAX", 3)
    report = text(find_key(element, "ReportTaxType"), "ReportTaxType", 50) or "OUTPUT"
    record = new_tax_rate(org, name, tax_type, Decimal(0), report)
    record["TaxComponents"] = components
    _finish(record)
    return record


def update_tax_rate(org: Org, element: Record) -> Record:
    """POST /TaxRates element: matched by TaxType, else by Name; may change name, rate, status."""
    tax_type = find_key(element, "TaxType")
    record = org.tax_rate(str(tax_type)) if tax_type else None
    name = text(find_key(element, "Name"), "Name", 50)
    if record is None and name:
        record = next((r for r in org.tax_rates.values() if r["Name"].lower() == name.lower()),
                      None)
    if record is None:
        if tax_type:
            raise ElementError(f"The tax rate '{tax_type}' does not exist.")
        return create_tax_rate(org, element)
    org.remember("tax_rates", record["TaxType"])
    if name:
        record["Name"] = name
    components = _components(element)
    if components:
        record["TaxComponents"] = components
        _finish(record)
    status = find_key(element, "Status")
    if status is not None:
        status = str(status).upper()
        if status not in TAX_STATUSES:
            raise ElementError(f"Status '{status}' is not valid for a tax rate.")
        record["Status"] = status
    return record


def get_tax_rate(org: Org, tax_type: str) -> Record:
    """GET /TaxRates/{TaxType}."""
    record = org.tax_rate(tax_type)
    if record is None:
        raise NotFound()
    return record


def rate_percent(org: Org, tax_type: str | None) -> Decimal:
    """The effective percentage of a tax type; NONE and unknown types are zero."""
    record = org.tax_rate(tax_type)
    if record is None:
        return Decimal(0)
    return Decimal(record["EffectiveRate"])


def create_currency(org: Org, element: Record) -> Record:
    """PUT /Currencies: enable a currency by its ISO code."""
    code = str(find_key(element, "Code") or "").upper()
    if len(code) != 3 or not code.isalpha():
        raise ElementError("Code must be a three-letter ISO currency code.")
    record = org.currencies.get(code) or {"Code": code,
                                          "Description": text(find_key(element, "Description"),
                                                              "Description", 100) or code}
    return org.put("currencies", code, record)


def organisation(org: Org) -> Record:
    """GET /Organisation: the organisation record with its current settings."""
    info = dict(org.info)
    info.setdefault("OrganisationID", org.tenant_id)
    info["Name"] = org.name
    info.setdefault("LegalName", org.name)
    info.setdefault("BaseCurrency", org.base_currency)
    info.setdefault("CountryCode", org.country)
    info.setdefault("ShortCode", org.short_code)
    return info


def organisation_actions() -> list[Record]:
    """GET /Organisation/Actions: what this app may do (everything, in the emulator)."""
    return [{"Name": name, "Status": "ALLOWED"} for name in ORG_ACTIONS]
