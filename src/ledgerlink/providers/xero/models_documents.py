"""Typed Xero documents as read: invoices, lines, payments, credit notes, repeating invoices."""

from __future__ import annotations

from typing import Any

from ledgerlink.providers.xero.models_base import (
    CreditNoteType,
    DueDateType,
    InvoiceStatus,
    InvoiceType,
    LineAmountTypes,
    OptMoney,
    PaymentStatus,
    PaymentType,
    RepeatingInvoiceStatus,
    ScheduleUnit,
    XeroDate,
    XeroDateTime,
    XeroModel,
)
from ledgerlink.providers.xero.models_records import (
    Account,
    Attachment,
    Contact,
    ValidationMessage,
)

__all__ = [
    "Allocation", "CreditNote", "Invoice", "LineItem", "LineItemTracking", "Payment",
    "RepeatingInvoice", "Schedule",
]


class LineItemTracking(XeroModel):
    """A tracking option on a line (at most two per line)."""

    tracking_category_id: str | None = None
    tracking_option_id: str | None = None
    name: str | None = None
    option: str | None = None


class LineItem(XeroModel):
    """One line of an invoice, credit note or repeating invoice."""

    line_item_id: str | None = None
    description: str | None = None
    quantity: OptMoney = None
    unit_amount: OptMoney = None
    item_code: str | None = None
    account_code: str | None = None
    account_id: str | None = None
    tax_type: str | None = None
    tax_amount: OptMoney = None
    line_amount: OptMoney = None
    discount_rate: OptMoney = None
    discount_amount: OptMoney = None
    tracking: list[LineItemTracking] | None = None
    item: dict[str, Any] | None = None
    repeating_invoice_id: str | None = None


class _Document(XeroModel):
    """What invoices and credit notes share."""

    contact: Contact | None = None
    date: XeroDate = None
    due_date: XeroDate = None
    status: InvoiceStatus | None = None
    line_amount_types: LineAmountTypes | None = None
    line_items: list[LineItem] | None = None
    sub_total: OptMoney = None
    total_tax: OptMoney = None
    total: OptMoney = None
    cis_deduction: OptMoney = None
    cis_rate: OptMoney = None
    currency_code: str | None = None
    currency_rate: OptMoney = None
    fully_paid_on_date: XeroDate = None
    reference: str | None = None
    branding_theme_id: str | None = None
    sent_to_contact: bool | None = None
    has_attachments: bool | None = None
    has_errors: bool | None = None
    status_attribute_string: str | None = None
    updated_date_utc: XeroDateTime = None
    validation_errors: list[ValidationMessage] | None = None
    warnings: list[ValidationMessage] | None = None


class Invoice(_Document):
    """A sales invoice (ACCREC) or bill (ACCPAY), or the summary of one nested elsewhere."""

    invoice_id: str | None = None
    type: InvoiceType | None = None
    invoice_number: str | None = None
    url: str | None = None
    expected_payment_date: XeroDate = None
    planned_payment_date: XeroDate = None
    total_discount: OptMoney = None
    repeating_invoice_id: str | None = None
    is_discounted: bool | None = None
    amount_due: OptMoney = None
    amount_paid: OptMoney = None
    amount_credited: OptMoney = None
    payments: list[Payment] | None = None
    credit_notes: list[CreditNote] | None = None
    prepayments: list[dict[str, Any]] | None = None
    overpayments: list[dict[str, Any]] | None = None
    attachments: list[Attachment] | None = None


class Allocation(XeroModel):
    """Part of a credit note (or prepayment/overpayment) applied to an invoice."""

    allocation_id: str | None = None
    invoice: Invoice | None = None
    credit_note: CreditNote | None = None
    amount: OptMoney = None
    date: XeroDate = None
    is_deleted: bool | None = None


class CreditNote(_Document):
    """A credit note (ACCRECCREDIT to a customer, ACCPAYCREDIT from a supplier)."""

    credit_note_id: str | None = None
    credit_note_number: str | None = None
    type: CreditNoteType | None = None
    remaining_credit: OptMoney = None
    applied_amount: OptMoney = None
    allocations: list[Allocation] | None = None
    payments: list[Payment] | None = None


class Payment(XeroModel):
    """A payment of an invoice or credit note (or its summary nested in one)."""

    payment_id: str | None = None
    invoice: Invoice | None = None
    credit_note: CreditNote | None = None
    prepayment: dict[str, Any] | None = None
    overpayment: dict[str, Any] | None = None
    invoice_number: str | None = None
    credit_note_number: str | None = None
    account: Account | None = None
    code: str | None = None
    date: XeroDate = None
    currency_rate: OptMoney = None
    amount: OptMoney = None
    bank_amount: OptMoney = None
    reference: str | None = None
    is_reconciled: bool | None = None
    status: PaymentStatus | None = None
    payment_type: PaymentType | None = None
    batch_payment_id: str | None = None
    bank_account_number: str | None = None
    particulars: str | None = None
    details: str | None = None
    has_account: bool | None = None
    has_validation_errors: bool | None = None
    status_attribute_string: str | None = None
    updated_date_utc: XeroDateTime = None
    validation_errors: list[ValidationMessage] | None = None
    warnings: list[ValidationMessage] | None = None


class Schedule(XeroModel):
    """When a repeating invoice recurs. `due_date` here is a day count, not a date."""

    period: int | None = None
    unit: ScheduleUnit | None = None
    due_date: int | None = None
    due_date_type: DueDateType | None = None
    start_date: XeroDate = None
    next_scheduled_date: XeroDate = None
    end_date: XeroDate = None


class RepeatingInvoice(XeroModel):
    """A repeating invoice template."""

    repeating_invoice_id: str | None = None
    id: str | None = None
    type: InvoiceType | None = None
    contact: Contact | None = None
    schedule: Schedule | None = None
    line_items: list[LineItem] | None = None
    line_amount_types: LineAmountTypes | None = None
    reference: str | None = None
    branding_theme_id: str | None = None
    currency_code: str | None = None
    status: RepeatingInvoiceStatus | None = None
    sub_total: OptMoney = None
    total_tax: OptMoney = None
    total: OptMoney = None
    has_attachments: bool | None = None
    attachments: list[Attachment] | None = None
    approved_for_sending: bool | None = None
    send_copy: bool | None = None
    mark_as_sent: bool | None = None
    include_pdf: bool | None = None


for _model in (Invoice, Allocation, CreditNote, Payment):
    _model.model_rebuild()
