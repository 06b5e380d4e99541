"""The general ledger behind the reports: double-entry journal lines derived from documents."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgerlink.emulator.xero.errors import BadRequest
from ledgerlink.emulator.xero.models.accounts import CLASS_OF_TYPE
from ledgerlink.emulator.xero.models.base import Org, Record

ZERO = Decimal("0.00")
ONE = Decimal(1)
CENT = Decimal("0.01")
POSTED = frozenset({"AUTHORISED", "PAID"})
PNL_CLASSES = frozenset({"REVENUE", "EXPENSE"})
NIL_ACCOUNT = "00000000-0000-0000-0000-000000000000"

# Which side of the control account a document hits: +1 debit, -1 credit.
_DOC_SIGN = {"ACCREC": 1, "ACCPAYCREDIT": 1, "ACCPAY": -1, "ACCRECCREDIT": -1}
_CONTROL = {"ACCREC": "DEBTORS", "ACCRECCREDIT": "DEBTORS",
            "ACCPAY": "CREDITORS", "ACCPAYCREDIT": "CREDITORS"}
# Payment type -> (control account, sign of the bank side).
_PAYMENT = {"ACCRECPAYMENT": ("DEBTORS", 1), "APCREDITPAYMENT": ("CREDITORS", 1),
            "ACCPAYPAYMENT": ("CREDITORS", -1), "ARCREDITPAYMENT": ("DEBTORS", -1)}


@dataclass(frozen=True, slots=True)
class JournalLine:
    """One posting: debit amounts are positive, credits negative."""

    date: date
    account_id: str
    account_code: str
    amount: Decimal
    source_type: str
    source_id: str
    contact_id: str | None


# ---- account helpers ------------------------------------------------------------------------
def account_class(account: Record) -> str:
    """The account's Class, falling back on the class its Type implies."""
    cls = account.get("Class")
    if cls:
        return str(cls)
    return CLASS_OF_TYPE.get(str(account.get("Type", "")).upper(), "ASSET")


def is_pnl(account: Record) -> bool:
    """Whether the account belongs on the profit and loss (and resets at year end)."""
    return account_class(account) in PNL_CLASSES


def _system_key(org: Org, system: str) -> tuple[str, str]:
    """(id, code) of a system account; a stable placeholder when the chart lacks it."""
    acc = org.account_by_type(system)
    if acc is None:
        return f"system:{system}", ""
    return str(acc["AccountID"]), str(acc.get("Code") or "")


def _line_account(org: Org, line: Record) -> tuple[str, str]:
    """(id, code) of a line's account: by AccountID first, then by Code."""
    account_id = line.get("AccountID")
    if account_id and account_id in org.accounts:
        return str(account_id), str(org.accounts[account_id].get("Code") or "")
    acc = org.account_by_code(line.get("AccountCode"))
    if acc is not None:
        return str(acc["AccountID"]), str(acc.get("Code") or "")
    code = str(line.get("AccountCode") or "")
    return f"code:{code}", code


# ---- financial year -------------------------------------------------------------------------
def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def year_end_of(org: Org) -> tuple[int, int]:
    """(day, month) of the financial year end; 31 December when the org does not say."""
    try:
        day = int(org.info.get("FinancialYearEndDay") or 31)
        month = int(org.info.get("FinancialYearEndMonth") or 12)
    except (TypeError, ValueError):
        return 31, 12
    if not 1 <= month <= 12:
        return 31, 12
    return max(1, min(day, 31)), month


def financial_year_start(org: Org, on: date) -> date:
    """The first day of the financial year that contains `on`."""
    if on.year < 2:  # its financial year would start in year 0, which no calendar has
        raise BadRequest(f"The date {on.isoformat()} is outside the range Xero reports on")
    day, month = year_end_of(org)
    end = _clamped(on.year, month, day)
    if on > end:
        return end + timedelta(days=1)
    return _clamped(on.year - 1, month, day) + timedelta(days=1)


# ---- currency -------------------------------------------------------------------------------
def rate_of(org: Org, doc: Record | None) -> Decimal:
    """Units of the document's currency per unit of base currency (1 for base documents)."""
    if not doc or doc.get("CurrencyCode") in (None, "", org.base_currency):
        return ONE
    rate = Decimal(doc.get("CurrencyRate") or 1)
    return rate if rate > 0 else ONE


def to_base(amount: Decimal, rate: Decimal) -> Decimal:
    """An amount in base currency, to the cent."""
    if rate == ONE:
        return amount
    return (amount / rate).quantize(CENT, rounding=ROUND_HALF_UP)


# ---- posting rules --------------------------------------------------------------------------
def _net(line: Record, amount_types: str) -> Decimal:
    """A line's amount before tax (Inclusive line amounts carry their tax)."""
    amount = Decimal(line.get("LineAmount") or 0)
    if amount_types == "Inclusive":
        amount -= Decimal(line.get("TaxAmount") or 0)
    return amount


def _contact_id(doc: Record) -> str | None:
    contact = doc.get("Contact") or {}
    return contact.get("ContactID") if isinstance(contact, dict) else None


def _document_lines(org: Org, doc: Record, source: str, id_key: str) -> list[JournalLine]:
    """Postings of an invoice, bill or credit note, balanced through ROUNDING if needed."""
    doc_type = str(doc.get("Type"))
    sign, rate = _DOC_SIGN[doc_type], rate_of(org, doc)
    when, source_id, contact = doc["Date"], str(doc[id_key]), _contact_id(doc)

    def post(key: tuple[str, str], amount: Decimal) -> JournalLine:
        return JournalLine(when, key[0], key[1], to_base(amount, rate), source, source_id,
                           contact)

    out = [post(_system_key(org, _CONTROL[doc_type]), sign * Decimal(doc.get("Total") or 0))]
    amount_types = str(doc.get("LineAmountTypes") or "Exclusive")
    for line in doc.get("LineItems") or []:
        out.append(post(_line_account(org, line), -sign * _net(line, amount_types)))
    out.append(post(_system_key(org, "GST"), -sign * Decimal(doc.get("TotalTax") or 0)))
    difference = sum((ln.amount for ln in out), ZERO)
    if difference:
        # Document-level rounding (tax on the total, currency conversion) must not unbalance
        # the ledger.
        key = _system_key(org, "ROUNDING")
        out.append(JournalLine(when, key[0], key[1], -difference, source, source_id, contact))
    return [ln for ln in out if ln.amount]


def _paid_document(org: Org, payment: Record) -> tuple[Record, Record | None]:
    """The payment's document reference and, when the org still has it, the document."""
    if payment.get("Invoice"):
        ref: Record = payment["Invoice"]
        return ref, org.invoices.get(str(ref.get("InvoiceID")))
    ref = payment.get("CreditNote") or {}
    return ref, org.credit_notes.get(str(ref.get("CreditNoteID")))


def _payment_lines(org: Org, payment: Record) -> list[JournalLine]:
    """Bank against the control account on the payment's date; a foreign document's control
    side stays at its own rate and the difference is a realised currency gain or loss."""
    control, bank_sign = _PAYMENT.get(str(payment.get("PaymentType")), ("DEBTORS", 1))
    ref, doc = _paid_document(org, payment)
    doc_rate = rate_of(org, doc)
    pay_rate = Decimal(payment.get("CurrencyRate") or 1)
    if pay_rate in (0, ONE) or doc_rate == ONE:
        pay_rate = doc_rate  # a base document, or no rate of its own: the document's rate
    account = payment.get("Account") or {}
    bank = _line_account(org, {"AccountID": account.get("AccountID"),
                               "AccountCode": account.get("Code")})
    amount = Decimal(payment.get("Amount") or 0) * bank_sign
    when, pid, contact = payment["Date"], str(payment["PaymentID"]), _contact_id(ref)
    out = [JournalLine(when, bank[0], bank[1], to_base(amount, pay_rate), "PAYMENT", pid,
                       contact),
           JournalLine(when, *_system_key(org, control), -to_base(amount, doc_rate), "PAYMENT",
                       pid, contact)]
    difference = out[0].amount + out[1].amount
    if difference:
        key = _system_key(org, "REALISEDCURRENCYGAIN")
        out.append(JournalLine(when, key[0], key[1], -difference, "PAYMENT", pid, contact))
    return out


def _invoice_source(doc: Record) -> str:
    return "ACCREC" if doc.get("Type") == "ACCREC" else "ACCPAY"


def journal_lines(org: Org, up_to: date | None = None) -> list[JournalLine]:
    """Every posting of the org's approved documents and live payments, dated up to `up_to`."""
    out: list[JournalLine] = []
    for inv in org.invoices.values():
        if inv.get("Status") in POSTED and inv.get("Type") in _DOC_SIGN:
            out.extend(_document_lines(org, inv, _invoice_source(inv), "InvoiceID"))
    for note in org.credit_notes.values():
        if note.get("Status") in POSTED and note.get("Type") in _DOC_SIGN:
            out.extend(_document_lines(org, note, str(note["Type"]), "CreditNoteID"))
    for payment in org.payments.values():
        if payment.get("Status", "AUTHORISED") == "AUTHORISED":
            out.extend(_payment_lines(org, payment))
    if up_to is not None:
        out = [ln for ln in out if ln.date <= up_to]
    out.sort(key=lambda ln: (ln.date, ln.source_type, ln.source_id))
    return out


def sum_by_account(lines: Iterable[JournalLine], from_date: date | None,
                   to_date: date | None) -> dict[str, Decimal]:
    """Net debit (positive) or credit (negative) per account over an inclusive date range."""
    out: dict[str, Decimal] = {}
    for ln in lines:
        if (from_date is None or ln.date >= from_date) and (to_date is None or ln.date <= to_date):
            out[ln.account_id] = out.get(ln.account_id, ZERO) + ln.amount
    return out


def balances(org: Org, from_date: date | None, to_date: date) -> dict[str, Decimal]:
    """Net movement per account id between two dates inclusive (from the start if None)."""
    return sum_by_account(journal_lines(org, to_date), from_date, to_date)


def profit(org: Org, sums: dict[str, Decimal]) -> Decimal:
    """Net profit (credit-positive) in a set of account sums: minus the P&L accounts' debits."""
    total = ZERO
    for account_id, amount in sums.items():
        acc = org.accounts.get(account_id)
        if acc is not None and is_pnl(acc):
            total -= amount
    return total


def signed(account: Record, amount: Decimal) -> Decimal:
    """A debit-positive amount in the account's natural sign (credit-positive for credits)."""
    return amount if account_class(account) in ("ASSET", "EXPENSE") else -amount


def as_money(value: Any) -> str:
    """Two-decimal string as report cells carry money."""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{amount if amount else ZERO:.2f}"  # never "-0.00"
