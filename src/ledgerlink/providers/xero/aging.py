"""Organisation-wide aged receivables/payables summaries, which Xero itself does not offer.

Xero only ages one contact per report call (`AgedReceivablesByContact`), so a summary over
every contact the obvious way costs a call per contact. Here it costs one invoices list and
one credit-notes list per 1000 records (both fetched concurrently), and is computed from:

- invoices of the side (ACCREC or ACCPAY) that were open at `as_at`: AUTHORISED ones, plus
  PAID ones whose FullyPaidOnDate is after `as_at` (so a past `date` sees invoices that were
  settled later — Xero's `where` filters on any element, so these come in the same pages).
  This alone is the summary the specification defines (the default);
- with `net_credit_notes`, also credit notes of the side with credit left at `as_at`, as
  negative amounts aged by their date (they reduce what the contact owes, as in Xero's own
  aged reports; a contact with only credit then owes a negative amount, invoice_count 0).
  Without it the credit notes are still fetched: their allocations date the credit applied
  to an invoice, which a past `as_at` needs.

As-at reconstruction is exact from the documents' own dated records: what is due now
(AmountDue, RemainingCredit) plus every payment, refund and credit allocation dated after
`as_at` (invoices carry `Payments[]`, credit notes `Allocations[]` and `Payments[]`; paged
lists include them). Invoices and credit notes dated after `as_at` are left out. Overpayments
and prepayments applied to invoices count by their own date; unapplied overpayments and
prepayments are not part of the summary (they would cost two more lists).

Days overdue are counted from DueDate (an invoice) or Date (a credit note) to `as_at`:
current (not yet due), 1-30, 31-60, 61-90, 90+. Amounts are in base currency (a foreign
document's amount divided by its CurrencyRate, to the cent, as Xero's aged reports do).
`as_at` defaults to today in UTC from the injected clock; pass `date` for the organisation's
local day. JSON output carries amounts as strings with exactly two decimals ("1234.50"): exact,
and what JSON numbers cannot promise once a reader parses them as floats.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import BaseModel, field_serializer
from pydantic import Field as PydanticField

from ledgerlink.http.clock import Clock, SystemClock
from ledgerlink.inputs import LedgerDate
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.queries import QuerySpec, register_query
from ledgerlink.providers.xero.query_params import Flag, QueryParams, spellings
from ledgerlink.providers.xero.reports_params import parse_params
from ledgerlink.providers.xero.where import Where, where
from ledgerlink.providers.xero.wire import money, parse_date

__all__ = [
    "BUCKETS", "AgedSummary", "AgingTotals", "ContactAging", "Side", "XeroAgedSummaryParams",
    "aged_payables_summary", "aged_receivables_summary", "aged_summary", "bucket_of",
    "credit_note_filter", "invoice_filter", "register", "summarize",
]

Side = Literal["receivables", "payables"]
INVOICE_TYPE: dict[Side, str] = {"receivables": "ACCREC", "payables": "ACCPAY"}
CREDIT_TYPE: dict[Side, str] = {"receivables": "ACCRECCREDIT", "payables": "ACCPAYCREDIT"}
BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "days_90_plus")
OPEN = frozenset({"AUTHORISED", "PAID"})
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def _cents(value: Decimal) -> Decimal:
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded if rounded else ZERO  # never "-0.00"


# ---- inputs and outputs ---------------------------------------------------------------------
class XeroAgedSummaryParams(QueryParams):
    """xero_aged_receivables_summary / xero_aged_payables_summary: the day to age at (also
    spelled `as_at`, `asAt`, `as_at_date`, `asAtDate`; today when absent) and whether to net
    off unapplied credit notes."""

    # LedgerDate like every other date parameter: 0001-01-01 was aged (a 200 over every
    # invoice) where the reports refuse it with a 422.
    date: LedgerDate | None = PydanticField(
        default=None, validation_alias=spellings("date", "as_at", "as_at_date"))
    net_credit_notes: Flag = PydanticField(
        default=False, description="false (the default): open AUTHORISED invoices only, as the "
        "specification defines the summary. true: also subtract the credit each unapplied "
        "credit note still holds, as Xero's own aged reports do (a contact may then owe a "
        "negative amount, with invoice_count 0)")


class _Amounts(BaseModel):
    @field_serializer("*", when_used="json")
    def _money(self, value: Any) -> Any:
        return f"{_cents(value):.2f}" if isinstance(value, Decimal) else value


class AgingTotals(_Amounts):
    """The organisation's totals per bucket."""

    total: Decimal = ZERO
    current: Decimal = ZERO
    days_1_30: Decimal = ZERO
    days_31_60: Decimal = ZERO
    days_61_90: Decimal = ZERO
    days_90_plus: Decimal = ZERO


class ContactAging(_Amounts):
    """One contact's outstanding, per bucket; invoice_count counts its open invoices."""

    contact_id: str
    contact_name: str
    total_outstanding: Decimal = ZERO
    current: Decimal = ZERO
    days_1_30: Decimal = ZERO
    days_31_60: Decimal = ZERO
    days_61_90: Decimal = ZERO
    days_90_plus: Decimal = ZERO
    invoice_count: int = 0


class AgedSummary(BaseModel):
    """The summary in the query API's shape; `to_json()` gives its JSON form."""

    as_at: dt.date
    net_credit_notes: bool = False
    totals: AgingTotals
    contacts: list[ContactAging]

    def to_json(self) -> dict[str, Any]:
        """`{as_at, net_credit_notes, totals, contacts}`, amounts as two-decimal strings."""
        return self.model_dump(mode="json")


# ---- ageing ---------------------------------------------------------------------------------
def bucket_of(days_overdue: int) -> str:
    """current (not yet overdue), days_1_30, days_31_60, days_61_90 or days_90_plus."""
    if days_overdue <= 0:
        return "current"
    if days_overdue <= 30:
        return "days_1_30"
    if days_overdue <= 60:
        return "days_31_60"
    if days_overdue <= 90:
        return "days_61_90"
    return "days_90_plus"


def _day(value: object) -> dt.date | None:
    try:
        return parse_date(value)
    except ValueError:
        return None


def _amount(value: object) -> Decimal:
    return ZERO if value is None or value == "" else money(value)


def _after(record: Mapping[str, Any], as_at: dt.date, fallback: object = None) -> bool:
    """Whether a dated record (payment, allocation) happened after `as_at`; undated: no."""
    when = _day(record.get("Date") or fallback)
    return when is not None and when > as_at


def _live(record: Mapping[str, Any]) -> bool:
    return not record.get("IsDeleted") and str(record.get("Status") or "AUTHORISED").upper() \
        not in ("DELETED", "VOIDED")


def _to_base(amount: Decimal, doc: Mapping[str, Any]) -> Decimal:
    rate = _amount(doc.get("CurrencyRate")) or Decimal(1)
    return amount if rate in (Decimal(1), ZERO) else _cents(amount / rate)


def _allocations_to(note: Mapping[str, Any], invoice_id: str) -> Iterable[Mapping[str, Any]]:
    for alloc in note.get("Allocations") or []:
        target = (alloc.get("Invoice") or {}).get("InvoiceID")
        if _live(alloc) and str(target).lower() == invoice_id.lower():
            yield alloc


def invoice_due(invoice: Mapping[str, Any], as_at: dt.date,
                notes: Mapping[str, Mapping[str, Any]]) -> Decimal:
    """What the invoice still owed at the end of `as_at`, in its own currency.

    `notes` are the credit notes fetched alongside, by id: their allocations carry the date
    each credit was applied. A credit note not among them was used up by `as_at`.
    """
    if "AmountDue" in invoice:
        due = _amount(invoice["AmountDue"])
    else:
        due = _amount(invoice.get("Total")) - _amount(invoice.get("AmountPaid")) \
            - _amount(invoice.get("AmountCredited"))
    invoice_id = str(invoice.get("InvoiceID") or "")
    later = sum((_amount(p.get("Amount")) for p in invoice.get("Payments") or []
                 if _live(p) and _after(p, as_at)), ZERO)
    seen: set[str] = set()
    for entry in invoice.get("CreditNotes") or []:
        note_id = str(entry.get("CreditNoteID") or "").lower()
        note = notes.get(note_id)
        if note is None:
            later += _amount(entry.get("AppliedAmount")) if _after(entry, as_at) else ZERO
        elif note_id not in seen:
            seen.add(note_id)
            later += sum((_amount(a.get("Amount")) for a in _allocations_to(note, invoice_id)
                          if _after(a, as_at, note.get("Date"))), ZERO)
    for key in ("Prepayments", "Overpayments"):
        for entry in invoice.get(key) or []:
            later += _amount(entry.get("AppliedAmount")) if _after(entry, as_at) else ZERO
    return due + later


def credit_left(note: Mapping[str, Any], as_at: dt.date) -> Decimal:
    """The credit a credit note still had at the end of `as_at`, in its own currency."""
    if "RemainingCredit" in note:
        left = _amount(note["RemainingCredit"])
    else:
        left = _amount(note.get("Total")) - _amount(note.get("AppliedAmount"))
    for alloc in note.get("Allocations") or []:
        if _live(alloc) and _after(alloc, as_at, note.get("Date")):
            left += _amount(alloc.get("Amount"))
    for refund in note.get("Payments") or []:
        if _live(refund) and _after(refund, as_at):
            left += _amount(refund.get("Amount"))
    return left


@dataclass
class _Open:
    """One document's contribution to a contact: signed base amount, days overdue."""

    contact_id: str
    contact_name: str
    amount: Decimal
    days: int
    invoice: bool


def _open_documents(invoices: Sequence[Mapping[str, Any]],
                    credit_notes: Sequence[Mapping[str, Any]], as_at: dt.date,
                    side: Side, net_credit_notes: bool) -> Iterable[_Open]:
    # The credit notes date their allocations (an invoice's past balance needs them) even when
    # their own unapplied credit is not netted off.
    notes = {str(n.get("CreditNoteID") or "").lower(): n for n in credit_notes}
    netted = credit_notes if net_credit_notes else []
    for doc, is_invoice in [*((i, True) for i in invoices), *((n, False) for n in netted)]:
        kind = INVOICE_TYPE[side] if is_invoice else CREDIT_TYPE[side]
        dated = _day(doc.get("Date"))
        # Checked here too: correct even where a filter was not applied upstream.
        if str(doc.get("Type") or kind) != kind or str(doc.get("Status")) not in OPEN \
                or (dated is not None and dated > as_at):
            continue
        left = invoice_due(doc, as_at, notes) if is_invoice else -credit_left(doc, as_at)
        if not left:
            continue
        ages_from = _day(doc.get("DueDate")) if is_invoice else None
        ages_from = ages_from or dated or as_at
        contact = doc.get("Contact") or {}
        yield _Open(str(contact.get("ContactID") or ""), str(contact.get("Name") or ""),
                    _to_base(left, doc), (as_at - ages_from).days, is_invoice)


def summarize(invoices: Sequence[Mapping[str, Any]], credit_notes: Sequence[Mapping[str, Any]],
              as_at: dt.date, side: Side = "receivables", *,
              net_credit_notes: bool = False) -> AgedSummary:
    """The summary from raw Xero invoices and credit notes (as their lists return them): open
    invoices only, or less unapplied credit notes with `net_credit_notes`."""
    contacts: dict[str, ContactAging] = {}
    for doc in _open_documents(invoices, credit_notes, as_at, side, net_credit_notes):
        entry = contacts.get(doc.contact_id)
        if entry is None:
            entry = contacts[doc.contact_id] = ContactAging(contact_id=doc.contact_id,
                                                            contact_name=doc.contact_name)
        bucket = bucket_of(doc.days)
        setattr(entry, bucket, getattr(entry, bucket) + doc.amount)
        entry.total_outstanding += doc.amount
        entry.invoice_count += 1 if doc.invoice else 0
        if not entry.contact_name and doc.contact_name:
            entry.contact_name = doc.contact_name
    rows = sorted(contacts.values(), key=lambda c: (-c.total_outstanding,
                                                    c.contact_name.casefold(), c.contact_id))
    totals = AgingTotals()
    for row in rows:
        totals.total += row.total_outstanding
        for bucket in BUCKETS:
            setattr(totals, bucket, getattr(totals, bucket) + getattr(row, bucket))
    for model in (totals, *rows):
        for name, value in model:
            if isinstance(value, Decimal):
                setattr(model, name, _cents(value))
    return AgedSummary(as_at=as_at, net_credit_notes=net_credit_notes, totals=totals,
                       contacts=rows)


# ---- fetching -------------------------------------------------------------------------------
def _open_at(as_at: dt.date) -> Where:
    """Open at `as_at`: authorised now, or settled only after `as_at`."""
    return where("Status", "==", "AUTHORISED") | where("FullyPaidOnDate", ">", as_at)


def invoice_filter(side: Side, as_at: dt.date) -> Where:
    """The `where` of the invoices list (sent with Statuses=AUTHORISED,PAID)."""
    return where("Type", "==", INVOICE_TYPE[side]) & where("Date", "<=", as_at) & _open_at(as_at)


def credit_note_filter(side: Side, as_at: dt.date) -> Where:
    """The `where` of the credit notes list (CreditNotes has no Statuses parameter)."""
    posted = where("Status", "==", "AUTHORISED") | where("Status", "==", "PAID")
    return (where("Type", "==", CREDIT_TYPE[side]) & where("Date", "<=", as_at) & posted
            & _open_at(as_at))


def today(clock: Clock | None = None) -> dt.date:
    """Today in UTC by the given clock."""
    return dt.datetime.fromtimestamp((clock or SystemClock()).time(), tz=dt.UTC).date()


async def aged_summary(client: XeroClient, side: Side, as_at: dt.date | None = None, *,
                       net_credit_notes: bool = False,
                       clock: Clock | None = None) -> AgedSummary:
    """Fetch and compute the summary: one invoices and one credit-notes list per 1000 rows."""
    day = as_at or today(clock)
    invoices, notes = await asyncio.gather(
        client.list_all("Invoices", operation="getInvoices",
                        params={"Statuses": "AUTHORISED,PAID"}, where=invoice_filter(side, day)),
        client.list_all("CreditNotes", operation="getCreditNotes",
                        where=credit_note_filter(side, day)))
    return summarize(invoices, notes, day, side, net_credit_notes=net_credit_notes)


async def aged_receivables_summary(
        client: XeroClient, params: XeroAgedSummaryParams | Mapping[str, Any] | None = None, *,
        clock: Clock | None = None) -> AgedSummary:
    """What every customer owes, aged (open ACCREC invoices; less unapplied sales credit notes
    with `net_credit_notes`)."""
    parsed = parse_params(XeroAgedSummaryParams, params)
    return await aged_summary(client, "receivables", parsed.date,
                              net_credit_notes=parsed.net_credit_notes, clock=clock)


async def aged_payables_summary(
        client: XeroClient, params: XeroAgedSummaryParams | Mapping[str, Any] | None = None, *,
        clock: Clock | None = None) -> AgedSummary:
    """What is owed to every supplier, aged (open ACCPAY bills; less unapplied purchase credit
    notes with `net_credit_notes`)."""
    parsed = parse_params(XeroAgedSummaryParams, params)
    return await aged_summary(client, "payables", parsed.date,
                              net_credit_notes=parsed.net_credit_notes, clock=clock)


# ---- the query registry ---------------------------------------------------------------------
def register() -> None:
    """Add xero_aged_receivables_summary and xero_aged_payables_summary to the query registry
    (done on import; calling it again is harmless)."""
    register_query("xero_aged_receivables_summary", QuerySpec(
        XeroAgedSummaryParams, aged_receivables_summary,
        "Aged receivables of every contact: open AUTHORISED ACCREC invoices (with "
        "net_credit_notes, less unapplied sales credit notes)"))
    register_query("xero_aged_payables_summary", QuerySpec(
        XeroAgedSummaryParams, aged_payables_summary,
        "Aged payables of every contact: open AUTHORISED ACCPAY bills (with net_credit_notes, "
        "less unapplied purchase credit notes)"))


register()
