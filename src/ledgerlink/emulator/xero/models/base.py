"""The organisation's in-memory state, its undo log for atomic batches, and shared helpers."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledgerlink.emulator.core.clock import Clock
from ledgerlink.emulator.core.ids import IdGen
from ledgerlink.emulator.xero import wire
from ledgerlink.emulator.xero.errors import ValidationException

Record = dict[str, Any]
EventSink = Callable[[str, str, str, str, dict[str, Any] | None], None]
"""(tenant_id, event_category, event_type, resource_id, extra data) -> None"""

COLLECTIONS = (
    "accounts", "contacts", "items", "tax_rates", "invoices", "payments", "credit_notes",
    "repeating_invoices", "currencies", "allocations",
)


class ElementError(Exception):
    """A validation failure of one element of a batch; the batch decides how to report it."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


@dataclass
class Org:
    """One Xero organisation (tenant): its settings, records, history and attachments."""

    tenant_id: str
    name: str
    clock: Clock
    ids: IdGen
    country: str = "NZ"
    base_currency: str = "NZD"
    short_code: str = "!demo"
    info: Record = field(default_factory=dict)
    accounts: dict[str, Record] = field(default_factory=dict)
    contacts: dict[str, Record] = field(default_factory=dict)
    items: dict[str, Record] = field(default_factory=dict)
    tax_rates: dict[str, Record] = field(default_factory=dict)  # keyed by TaxType
    invoices: dict[str, Record] = field(default_factory=dict)  # ACCREC and ACCPAY
    payments: dict[str, Record] = field(default_factory=dict)
    credit_notes: dict[str, Record] = field(default_factory=dict)
    repeating_invoices: dict[str, Record] = field(default_factory=dict)
    currencies: dict[str, Record] = field(default_factory=dict)
    allocations: dict[str, Record] = field(default_factory=dict)
    history: dict[str, list[Record]] = field(default_factory=dict)
    attachments: dict[str, list[Record]] = field(default_factory=dict)
    attachment_bytes: dict[str, bytes] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)
    outbox: list[Record] = field(default_factory=list)  # invoices "emailed" by Xero
    events: EventSink | None = None
    _undo: list[tuple[str, str, Record | None]] | None = None
    _pending_events: list[tuple[str, str, str, dict[str, Any] | None]] = field(
        default_factory=list)

    # ---- time and ids -------------------------------------------------------------------
    def now(self) -> datetime:
        """The emulator's current UTC time."""
        return self.clock.now()

    def today(self) -> date:
        """The emulator's current date."""
        return self.clock.today()

    def new_id(self) -> str:
        """A fresh deterministic GUID."""
        return self.ids.guid()

    def next_number(self, prefix: str, width: int = 4) -> str:
        """The next document number for a prefix, e.g. INV-0001."""
        n = self.sequences.get(prefix, 0) + 1
        self.sequences[prefix] = n
        return f"{prefix}{n:0{width}d}"

    # ---- writes with an undo log so a summarised batch is all-or-nothing ----------------
    def coll(self, name: str) -> dict[str, Record]:
        """A collection by name."""
        value: dict[str, Record] = getattr(self, name)
        return value

    def put(self, collection: str, key: str, record: Record) -> Record:
        """Store a record, remembering what it replaced."""
        coll = self.coll(collection)
        if self._undo is not None:
            prior = coll.get(key)
            self._undo.append((collection, key, copy.deepcopy(prior) if prior else None))
        coll[key] = record
        return record

    def remember(self, collection: str, key: str) -> None:
        """Snapshot a record before mutating it in place."""
        if self._undo is not None:
            prior = self.coll(collection).get(key)
            self._undo.append((collection, key, copy.deepcopy(prior) if prior else None))

    def begin(self) -> None:
        """Start recording writes so they can be rolled back."""
        self._undo = []
        self._pending_events = []

    def rollback(self) -> None:
        """Undo every write since begin(), newest first, and drop pending events."""
        for collection, key, prior in reversed(self._undo or []):
            coll = self.coll(collection)
            if prior is None:
                coll.pop(key, None)
            else:
                coll[key] = prior
        self._undo = None
        self._pending_events = []

    def commit(self) -> None:
        """Keep the writes and release the events they raised."""
        self._undo = None
        pending, self._pending_events = self._pending_events, []
        for event in pending:
            self._deliver(*event)

    # ---- events and history -------------------------------------------------------------
    def emit(self, category: str, event_type: str, resource_id: str,
             data: dict[str, Any] | None = None) -> None:
        """Raise a webhook event (held back until the batch commits)."""
        if self._undo is not None:
            self._pending_events.append((category, event_type, resource_id, data))
        else:
            self._deliver(category, event_type, resource_id, data)

    def _deliver(self, category: str, event_type: str, resource_id: str,
                 data: dict[str, Any] | None) -> None:
        if self.events is not None:
            self.events(self.tenant_id, category, event_type, resource_id, data)

    def add_history(self, resource_id: str, changes: str, details: str,
                    user: str = "System Generated") -> Record:
        """Append a history record for a resource."""
        entry = {"Changes": changes, "DateUTC": self.now(), "User": user, "Details": details}
        self.history.setdefault(resource_id, []).append(entry)
        return entry

    def tax_rate(self, tax_type: str | None) -> Record | None:
        """A tax rate by its TaxType, case-insensitively."""
        if not tax_type:
            return None
        rate = self.tax_rates.get(tax_type)
        if rate is None:
            rate = next((r for k, r in self.tax_rates.items() if k.upper() == tax_type.upper()),
                        None)
        return rate

    def account_by_code(self, code: str | None) -> Record | None:
        """An account by its Code (case-insensitive)."""
        if not code:
            return None
        wanted = str(code).strip().upper()
        return next((a for a in self.accounts.values()
                     if str(a.get("Code", "")).upper() == wanted and a.get("Status") != "DELETED"),
                    None)

    def account_by_type(self, *system: str) -> Record | None:
        """A system account (e.g. DEBTORS, CREDITORS, GST, RETAINEDEARNINGS)."""
        return next((a for a in self.accounts.values() if a.get("SystemAccount") in system), None)


def batch(org: Org, elements: Iterable[Record], one: Callable[[Record], Record],
          summarize: bool, echo: Callable[[Record], Record] | None = None) -> list[Record]:
    """Apply `one` to each element, as Xero does for batch writes.

    With summarizeErrors=true any failing element fails the whole call with a 400 and nothing is
    kept; with false, good elements are saved and bad ones come back with ValidationErrors.
    """
    org.begin()
    results: list[Record] = []
    failed = False
    try:
        for element in elements:
            if not isinstance(element, dict):
                raise ElementError("Each element must be an object")
            try:
                record = one(element)
                results.append(with_status(record, "OK"))
            except ElementError as exc:
                failed = True
                results.append(error_element(echo(element) if echo else element, exc.messages))
    except BaseException:
        org.rollback()
        raise
    if failed and summarize:
        org.rollback()
        raise ValidationException([r for r in results if r.get("HasErrors")])
    org.commit()
    return results


def with_status(record: Record, status: str) -> Record:
    """A response copy of a record flagged OK for batch responses."""
    out = dict(record)
    out["StatusAttributeString"] = status
    return out


NUMBER_FIELDS = frozenset({
    "Quantity", "UnitAmount", "LineAmount", "TaxAmount", "DiscountRate", "DiscountAmount",
    "Amount", "BankAmount", "CurrencyRate", "SubTotal", "TotalTax", "Total", "AmountDue",
    "AmountPaid", "AmountCredited", "RemainingCredit", "Rate", "UnitPrice"})
BOOL_FIELDS = frozenset({
    "IsSold", "IsPurchased", "SentToContact", "IsReconciled", "IsCompound", "IsNonRecoverable",
    "EnablePaymentsToAccount", "ShowInExpenseClaims", "ApprovedForSending", "SendCopy",
    "MarkAsSent", "IncludePDF", "IsSupplier", "IsCustomer", "HasAttachments"})


def _echo_value(key: str, value: Any) -> Any:
    """Echoed input in the types the schema declares (XML and loose JSON send strings)."""
    if isinstance(value, dict):
        return {k: _echo_value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_echo_value(key, v) for v in value]
    if isinstance(value, str) and key in NUMBER_FIELDS:
        try:
            return Decimal(value)
        except ArithmeticError:
            return None
    if isinstance(value, str) and key in BOOL_FIELDS:
        try:
            return wire.parse_bool(value)
        except ValueError:
            return None
    return value


def error_element(element: Record, messages: list[str]) -> Record:
    """A submitted element echoed back with its validation errors."""
    out = {k: _echo_value(k, v) for k, v in element.items() if k != "ValidationErrors"}
    out["StatusAttributeString"] = "ERROR"
    out["HasErrors"] = True
    out["HasValidationErrors"] = True
    out["ValidationErrors"] = [{"Message": m} for m in messages]
    return out


def dec(value: Any, field_name: str) -> Decimal | None:
    """Coerce an incoming number, reporting the field when it is not one."""
    try:
        return wire.parse_decimal(value)
    except ValueError:
        raise ElementError(f"{field_name} must be a number") from None


def day(value: Any, field_name: str) -> date | None:
    """Coerce an incoming date in any of Xero's accepted forms."""
    try:
        return wire.parse_date(value)
    except (ValueError, AssertionError):
        raise ElementError(f"{field_name} is not a valid date") from None


def flag(value: Any, field_name: str, default: bool = False) -> bool:
    """Coerce an incoming boolean (True/true/1)."""
    try:
        return wire.parse_bool(value, default)
    except ValueError:
        raise ElementError(f"{field_name} must be true or false") from None


def text(value: Any, field_name: str, max_len: int | None = None) -> str | None:
    """Coerce an incoming string, enforcing Xero's maximum lengths."""
    if value is None:
        return None
    out = str(value)
    if max_len is not None and len(out) > max_len:
        raise ElementError(f"{field_name} must not be more than {max_len} characters long")
    return out


def find_key(element: Record, name: str) -> Any:
    """Read a field case-insensitively (XML and hand-written JSON vary the case)."""
    if name in element:
        return element[name]
    lower = name.lower()
    return next((v for k, v in element.items() if k.lower() == lower), None)
