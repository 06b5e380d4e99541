"""Foundations of the typed Xero records: Xero-named aliases, wire types, the spec's enums."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from ledgerlink.providers.xero.wire import money, parse_date, parse_msdate

__all__ = [
    "AccountClass",
    "AccountStatus",
    "AccountType",
    "AddressType",
    "CaseInsensitiveEnum",
    "ContactStatus",
    "CreditNoteType",
    "DefaultLineAmountType",
    "DueDateType",
    "InvoiceStatus",
    "InvoiceType",
    "LineAmountTypes",
    "Money",
    "OptMoney",
    "PaymentStatus",
    "PaymentType",
    "PhoneType",
    "RepeatingInvoiceStatus",
    "ScheduleUnit",
    "TaxRateStatus",
    "Timeframe",
    "XeroBody",
    "XeroDate",
    "XeroDateTime",
    "XeroInput",
    "XeroModel",
    "xero_name",
]

# Words whose Xero spelling is not simply capitalised (AccountID, UpdatedDateUTC, IncludePDF…).
_SPECIAL_WORDS = {"id": "ID", "ids": "IDs", "utc": "UTC", "pdf": "PDF", "cis": "CIS",
                  "cogs": "COGS"}


def xero_name(field: str) -> str:
    """The Xero property for a snake_case attribute: `updated_date_utc` → `UpdatedDateUTC`."""
    return "".join(_SPECIAL_WORDS.get(word, word[:1].upper() + word[1:])
                   for word in field.split("_"))


def _opt_money(value: object) -> Decimal | None:
    return None if value is None or value == "" else money(value)


# Parsed at the edge: /Date(ms+zzzz)/, ISO strings and date/datetime objects all arrive typed.
XeroDate = Annotated[date | None, BeforeValidator(parse_date)]
XeroDateTime = Annotated[datetime | None, BeforeValidator(parse_msdate)]
Money = Annotated[Decimal, BeforeValidator(money)]
OptMoney = Annotated[Decimal | None, BeforeValidator(_opt_money)]


class XeroModel(BaseModel):
    """A record as Xero answers it: Xero names as aliases, unknown properties kept as given.

    `extra="allow"` keeps whatever Xero adds that we do not model (nothing is silently
    dropped); `populate_by_name` lets Python code use the snake_case attribute names.
    """

    model_config = ConfigDict(alias_generator=xero_name, populate_by_name=True, extra="allow")

    def to_xero(self) -> dict[str, Any]:
        """Xero's JSON shape, for `wire.dumps` (exact Decimals, ISO dates); absent fields out."""
        return self.model_dump(by_alias=True, exclude_none=True)


class XeroInput(BaseModel):
    """Part of a write body: Xero names as aliases, unknown fields refused (typos never pass).

    Serialise with `to_xero()`, not `model_dump(mode="json")`: JSON mode turns Decimal into a
    string, while `XeroClient.write` encodes the Python values itself (`wire.dumps`) — Decimal
    as an exact JSON number, date as YYYY-MM-DD, aware datetimes as UTC.
    """

    model_config = ConfigDict(alias_generator=xero_name, populate_by_name=True, extra="forbid")

    def to_xero(self) -> dict[str, Any]:
        """The element Xero expects (Decimal and date values kept for `wire.dumps`)."""
        return self.model_dump(by_alias=True, exclude_none=True)


class XeroBody(XeroInput):
    """A top-level write body, with `additional_fields` for Xero properties not typed here."""

    additional_fields: dict[str, Any] | None = Field(
        default=None, validation_alias=AliasChoices("additional_fields", "additionalFields"),
        exclude=True,
        description="More Xero properties, sent as given (Xero names); never typed fields.")

    @model_validator(mode="after")
    def _no_shadowing(self) -> Self:
        extra = self.additional_fields or {}
        typed = {xero_name(name) for name, value in self if value is not None}
        clash = sorted(set(extra) & typed)
        if clash:
            raise ValueError(f"additional_fields repeats typed fields: {', '.join(clash)}")
        return self

    def to_xero(self) -> dict[str, Any]:
        """The element Xero expects, with the additional fields merged in."""
        return {**(self.additional_fields or {}), **super().to_xero()}


class CaseInsensitiveEnum(StrEnum):
    """A string enum that also accepts its values in any letter case (`month` → MONTH)."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            folded = value.strip().lower()
            for member in cls:
                if member.value.lower() == folded:
                    return member
        return None


class AccountType(CaseInsensitiveEnum):
    """Account types: the spec's list plus the payroll types Xero's docs add (AU, NZ)."""

    BANK = "BANK"
    CURRENT = "CURRENT"
    CURRLIAB = "CURRLIAB"
    DEPRECIATN = "DEPRECIATN"
    DIRECTCOSTS = "DIRECTCOSTS"
    EQUITY = "EQUITY"
    EXPENSE = "EXPENSE"
    FIXED = "FIXED"
    INVENTORY = "INVENTORY"
    LIABILITY = "LIABILITY"
    NONCURRENT = "NONCURRENT"
    OTHERINCOME = "OTHERINCOME"
    OVERHEADS = "OVERHEADS"
    PREPAYMENT = "PREPAYMENT"
    REVENUE = "REVENUE"
    SALES = "SALES"
    TERMLIAB = "TERMLIAB"
    PAYG = "PAYG"
    PAYGLIABILITY = "PAYGLIABILITY"
    SUPERANNUATIONEXPENSE = "SUPERANNUATIONEXPENSE"
    SUPERANNUATIONLIABILITY = "SUPERANNUATIONLIABILITY"
    WAGESEXPENSE = "WAGESEXPENSE"
    WAGESPAYABLELIABILITY = "WAGESPAYABLELIABILITY"


class AccountStatus(CaseInsensitiveEnum):
    """Account.Status."""

    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"
    DELETED = "DELETED"


class AccountClass(CaseInsensitiveEnum):
    """Account.Class (read-only, follows from Type)."""

    ASSET = "ASSET"
    EQUITY = "EQUITY"
    EXPENSE = "EXPENSE"
    LIABILITY = "LIABILITY"
    REVENUE = "REVENUE"


class ContactStatus(CaseInsensitiveEnum):
    """Contact.ContactStatus."""

    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"
    GDPRREQUEST = "GDPRREQUEST"


class AddressType(CaseInsensitiveEnum):
    """Address.AddressType."""

    POBOX = "POBOX"
    STREET = "STREET"


class PhoneType(CaseInsensitiveEnum):
    """Phone.PhoneType."""

    DEFAULT = "DEFAULT"
    DDI = "DDI"
    MOBILE = "MOBILE"
    FAX = "FAX"
    OFFICE = "OFFICE"


class DefaultLineAmountType(CaseInsensitiveEnum):
    """Contact.SalesDefaultLineAmountType / PurchasesDefaultLineAmountType."""

    INCLUSIVE = "INCLUSIVE"
    EXCLUSIVE = "EXCLUSIVE"
    NONE = "NONE"


class InvoiceType(CaseInsensitiveEnum):
    """Invoice.Type (ACCREC a sale, ACCPAY a bill; the rest appear on related documents)."""

    ACCPAY = "ACCPAY"
    ACCPAYCREDIT = "ACCPAYCREDIT"
    APOVERPAYMENT = "APOVERPAYMENT"
    APPREPAYMENT = "APPREPAYMENT"
    ACCREC = "ACCREC"
    ACCRECCREDIT = "ACCRECCREDIT"
    AROVERPAYMENT = "AROVERPAYMENT"
    ARPREPAYMENT = "ARPREPAYMENT"


class InvoiceStatus(CaseInsensitiveEnum):
    """Invoice.Status (and CreditNote.Status)."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    DELETED = "DELETED"
    AUTHORISED = "AUTHORISED"
    PAID = "PAID"
    VOIDED = "VOIDED"


class LineAmountTypes(CaseInsensitiveEnum):
    """Whether line amounts include tax."""

    EXCLUSIVE = "Exclusive"
    INCLUSIVE = "Inclusive"
    NOTAX = "NoTax"


class CreditNoteType(CaseInsensitiveEnum):
    """CreditNote.Type."""

    ACCPAYCREDIT = "ACCPAYCREDIT"
    ACCRECCREDIT = "ACCRECCREDIT"


class PaymentStatus(CaseInsensitiveEnum):
    """Payment.Status (DELETED is a reversed payment)."""

    AUTHORISED = "AUTHORISED"
    DELETED = "DELETED"


class PaymentType(CaseInsensitiveEnum):
    """Payment.PaymentType (read-only, follows from the document paid)."""

    ACCRECPAYMENT = "ACCRECPAYMENT"
    ACCPAYPAYMENT = "ACCPAYPAYMENT"
    ARCREDITPAYMENT = "ARCREDITPAYMENT"
    APCREDITPAYMENT = "APCREDITPAYMENT"
    AROVERPAYMENTPAYMENT = "AROVERPAYMENTPAYMENT"
    ARPREPAYMENTPAYMENT = "ARPREPAYMENTPAYMENT"
    APPREPAYMENTPAYMENT = "APPREPAYMENTPAYMENT"
    APOVERPAYMENTPAYMENT = "APOVERPAYMENTPAYMENT"


class RepeatingInvoiceStatus(CaseInsensitiveEnum):
    """RepeatingInvoice.Status."""

    DRAFT = "DRAFT"
    AUTHORISED = "AUTHORISED"
    DELETED = "DELETED"


class ScheduleUnit(CaseInsensitiveEnum):
    """Schedule.Unit."""

    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


class DueDateType(CaseInsensitiveEnum):
    """Schedule.DueDateType."""

    DAYSAFTERBILLDATE = "DAYSAFTERBILLDATE"
    DAYSAFTERBILLMONTH = "DAYSAFTERBILLMONTH"
    DAYSAFTERINVOICEDATE = "DAYSAFTERINVOICEDATE"
    DAYSAFTERINVOICEMONTH = "DAYSAFTERINVOICEMONTH"
    OFCURRENTMONTH = "OFCURRENTMONTH"
    OFFOLLOWINGMONTH = "OFFOLLOWINGMONTH"


class TaxRateStatus(CaseInsensitiveEnum):
    """TaxRate.Status."""

    ACTIVE = "ACTIVE"
    DELETED = "DELETED"
    ARCHIVED = "ARCHIVED"
    PENDING = "PENDING"


class Timeframe(CaseInsensitiveEnum):
    """A report's comparison period size."""

    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"
