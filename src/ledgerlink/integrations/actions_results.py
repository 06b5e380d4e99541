"""Result shapes of POST /api/v1/integrations/{id}/action: what each action did."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from ledgerlink.crm.types import money_text
from ledgerlink.email.schemas import EmailOutcome
from ledgerlink.integrations.actions_schemas import (
    EXAMPLE_CONTACT,
    EXAMPLE_DEAL,
    EXAMPLE_INVOICE,
    ActionTypeName,
)

MoneyOut = Annotated[Decimal, PlainSerializer(money_text, return_type=str, when_used="json")]


class ContactResult(BaseModel):
    """The Xero contact an action used or created, and the CRM record now linked to it."""

    contact_id: str
    name: str | None = None
    email_address: str | None = None
    contact_number: str | None = None
    contact_status: str | None = None
    contact_created: bool = Field(description="False when an existing Xero contact was reused")
    matched_by: str | None = Field(default=None, description="How an existing contact was "
                                   "found: link, contact_number, name or email")
    customer_id: str | None = None
    crm_contact_id: str | None = None


class InvoiceResult(BaseModel):
    """What Xero made of the invoice, and what happened to its email."""

    invoice_id: str
    invoice_number: str | None = None
    type: str | None = None
    status: str | None = None
    reference: str | None = None
    date: dt.date | None = None
    due_date: dt.date | None = None
    currency_code: str | None = None
    sub_total: MoneyOut | None = None
    total_tax: MoneyOut | None = None
    total: MoneyOut | None = None
    amount_due: MoneyOut | None = None
    contact_id: str | None = None
    contact_name: str | None = None
    contact_created: bool | None = Field(default=None, description="Whether resolving the "
                                         "contact created it (create actions only)")
    deal_id: str | None = None
    approved_for_email: bool = Field(
        default=False, description="The invoice was approved (AUTHORISED) because an email was "
        "asked for and no status was given: Xero emails only approved invoices")
    email: EmailOutcome | None = None
    email_error: dict[str, Any] | None = Field(
        default=None, description="Why the email failed (the invoice itself was saved)")


class ScheduleResult(BaseModel):
    """The schedule Xero stored (YEARLY appears as MONTHLY with period × 12)."""

    period: int | None = None
    unit: str | None = None
    due_date: int | None = None
    due_date_type: str | None = None
    start_date: dt.date | None = None
    next_scheduled_date: dt.date | None = None
    end_date: dt.date | None = None


class SkippedProduct(BaseModel):
    """A product left off the repeating invoice, and why."""

    product_id: str
    name: str
    reason: str


class RepeatingInvoiceResult(BaseModel):
    """The repeating invoice template Xero stored."""

    repeating_invoice_id: str
    status: str | None = None
    contact_id: str | None = None
    contact_name: str | None = None
    schedule: ScheduleResult
    approved_for_sending: bool | None = None
    mark_as_sent: bool | None = None
    sub_total: MoneyOut | None = None
    total_tax: MoneyOut | None = None
    total: MoneyOut | None = None
    line_count: int
    skipped_products: list[SkippedProduct] = Field(default_factory=list)


ActionData = InvoiceResult | RepeatingInvoiceResult | ContactResult


class ActionResult(BaseModel):
    """What an action did; a repeat with the same Idempotency-Key answers this again."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "action_type": "xero_create_invoice",
        "action_run_id": "2f0c4d3e-9d54-4c2b-8a4d-5e6f0b5a4f7e",
        "data": {"invoice_id": EXAMPLE_INVOICE, "invoice_number": "INV-0042",
                 "type": "ACCREC", "status": "AUTHORISED", "reference": "PO 4471",
                 "date": "2026-11-21", "due_date": "2026-12-20", "currency_code": "NZD",
                 "sub_total": "1000.00", "total_tax": "150.00", "total": "1150.00",
                 "amount_due": "1150.00", "contact_id": EXAMPLE_CONTACT,
                 "contact_name": "Harbourside Joinery Ltd", "contact_created": False,
                 "deal_id": EXAMPLE_DEAL, "approved_for_email": True,
                 "email": {"mode": "xero", "sent": True,
                           "recipient": "jo@harbourside.example",
                           "recipients": ["accounts@harbourside.example",
                                          "jo@harbourside.example"],
                           "subject": None, "message_id": None, "pay_url": None,
                           "attached_pdf": False,
                           "xero_contact_change": "contact_person_added"},
                 "email_error": None}}]})

    action_type: ActionTypeName
    action_run_id: str = Field(description="The stored run (its id also derives the Xero "
                               "Idempotency-Keys of the run's writes)")
    data: ActionData
