"""Request, parameter and result shapes of POST /api/v1/integrations/{id}/action."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ledgerlink.crm.types import Email, money_text
from ledgerlink.email.schemas import EmailOutcome, EmailParams
from ledgerlink.inputs import SINGLE_LINE, CurrencyCode, LedgerDate, check_json, check_text
from ledgerlink.providers.xero.models_base import CaseInsensitiveEnum, LineAmountTypes
from ledgerlink.providers.xero.models_inputs import LineItemInput

# Every text here may reach Xero as it is: one line, no control characters (ledgerlink.inputs).
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
               SINGLE_LINE]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
                 SINGLE_LINE]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50), SINGLE_LINE]
Reference = Annotated[str, StringConstraints(max_length=255), SINGLE_LINE]
InvoiceNumber = Annotated[str, StringConstraints(min_length=1, max_length=255), SINGLE_LINE]
AccountCode = Annotated[str, StringConstraints(min_length=1, max_length=10), SINGLE_LINE]
TaxType = Annotated[str, StringConstraints(min_length=1, max_length=50), SINGLE_LINE]
MAX_IDS = 500  # products on one repeating invoice: each is a lookup
MoneyOut = Annotated[Decimal, PlainSerializer(money_text, return_type=str, when_used="json")]
EXAMPLE_DEAL = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
EXAMPLE_CONTACT = "565acaa9-e7f3-4fbf-80c3-16b081ddae10"
EXAMPLE_INVOICE = "9b9ba9e5-e907-4b4e-8210-54d7bb9ed2d6"


def field_problem(field: str, message: str) -> PydanticCustomError:
    """A model-level error that still names its field (the error mapping reads `ctx.field`)."""
    return PydanticCustomError("action_params", "{field}: {message}",
                               {"field": field, "message": message})


class ActionRequest(BaseModel):
    """An action: its type, its parameters, and (for automations) the trigger's data."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"action_type": "xero_create_invoice",
         "params": {"deal_id": EXAMPLE_DEAL, "status": "AUTHORISED", "due_date": "2026-12-20",
                    "email_mode": "trustpager"}},
        {"action_type": "xero_create_contact", "params": {"customer_id": EXAMPLE_DEAL}},
        {"action_type": "xero_update_invoice",
         "params": {"invoice_id": EXAMPLE_INVOICE, "status": "AUTHORISED"}},
        {"action_type": "xero_create_repeating_invoice",
         "params": {"contact_id": EXAMPLE_CONTACT, "schedule_period": 1,
                    "schedule_unit": "MONTHLY", "account_code": "200", "tax_type": "OUTPUT2",
                    "product_ids": [EXAMPLE_DEAL]}}]})

    action_type: Annotated[str, StringConstraints(max_length=100), SINGLE_LINE] = Field(
        description="xero_create_contact, xero_create_invoice, xero_create_contact_and_invoice "
        "(alias of xero_create_invoice), xero_update_invoice or xero_create_repeating_invoice")
    params: dict[str, Any] = Field(default_factory=dict, description="Action-specific "
                                   "parameters (see each action type)")
    data: dict[str, Any] | None = Field(
        default=None, description='The trigger\'s context, e.g. {"deal": {"id": "…"}}: a deal '
        "named there stands in for params.deal_id")

    # Before validation: a body of 100,000 unknown keys is one error, not 100,000 of them.
    _checked = model_validator(mode="before")(check_json)


# ---- parameters ------------------------------------------------------------------------------
class ActionParams(BaseModel):
    """Parameters of one action type: unknown names are refused, naming them; no text holds a
    control character, however deeply nested (line item descriptions, email fields)."""

    model_config = ConfigDict(extra="forbid")

    _text = model_validator(mode="before")(check_text)


class CreateContactParams(ActionParams):
    """A Xero contact from a CRM customer, a CRM contact, or explicit fields.

    An existing Xero contact (the stored link, else one with the same name, email or contact
    number) is reused rather than duplicated; the CRM record is linked to it.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"customer_id": EXAMPLE_DEAL}, {"crm_contact_id": EXAMPLE_DEAL},
        {"name": "Harbourside Joinery Ltd", "email": "accounts@harbourside.example",
         "contact_number": "HJ-001"}]})

    customer_id: Id | None = Field(default=None, description="crm_customers.id")
    crm_contact_id: Id | None = Field(default=None, description="crm_contacts.id")
    name: Text | None = Field(default=None, description="Contact name (explicit fields)")
    first_name: Text | None = None
    last_name: Text | None = None
    email: Email | None = None
    contact_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                     max_length=50), SINGLE_LINE] | None = None
    phone: Short | None = None
    tax_number: Short | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        sources = [n for n in ("customer_id", "crm_contact_id", "name")
                   if getattr(self, n) is not None]
        if len(sources) != 1:
            raise field_problem("customer_id", "give exactly one of customer_id, "
                                "crm_contact_id or name (explicit fields)"
                                + (f"; got {', '.join(sources)}" if sources else ""))
        return self


class NewInvoiceStatus(CaseInsensitiveEnum):
    """The statuses an invoice action may create an invoice in."""

    DRAFT = "DRAFT"
    AUTHORISED = "AUTHORISED"


class InvoiceEmail(EmailParams, ActionParams):
    """The email fields every invoice action takes (email_mode none by default)."""

    model_config = ConfigDict(extra="forbid")


class CreateInvoiceParams(InvoiceEmail):
    """A Xero sales invoice from a deal; its contact is found or created automatically."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"deal_id": EXAMPLE_DEAL},
        {"deal_id": EXAMPLE_DEAL, "status": "AUTHORISED", "due_date": "2026-12-20",
         "reference": "PO 4471", "line_amount_types": "Exclusive", "email_mode": "xero"}]})

    deal_id: Id | None = Field(default=None, description="crm_deals.id (or data.deal.id)")
    status: NewInvoiceStatus = Field(default=NewInvoiceStatus.DRAFT)
    date: LedgerDate | None = Field(default=None, description="Invoice date (Xero: today)")
    due_date: LedgerDate | None = None
    reference: Reference | None = Field(
        default=None, description="Default: the deal's reference")
    invoice_number: InvoiceNumber | None = Field(
        default=None, description="Default: Xero's next number")
    line_amount_types: LineAmountTypes | None = None
    currency_code: CurrencyCode | None = Field(
        default=None, description="ISO 4217; default: the deal's currency, else the org's")
    account_code: AccountCode | None = Field(
        default=None, description="For lines whose product has no account code")
    tax_type: TaxType | None = Field(
        default=None, description="For lines whose product has no tax type")
    branding_theme_id: Id | None = None

    @model_validator(mode="after")
    def _emailable(self) -> Self:
        if self.email_mode != "none" and self.status != NewInvoiceStatus.AUTHORISED:
            raise field_problem("email_mode", "Xero neither emails nor shares a DRAFT invoice:"
                                " set status AUTHORISED to email it")
        return self


class InvoiceStatusChange(CaseInsensitiveEnum):
    """The statuses an update may ask for (PAID follows payments and is never set)."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    AUTHORISED = "AUTHORISED"
    DELETED = "DELETED"
    VOIDED = "VOIDED"


INVOICE_CHANGES = ("status", "date", "due_date", "reference", "invoice_number",
                   "line_amount_types", "line_items", "expected_payment_date",
                   "planned_payment_date", "branding_theme_id")


class UpdateInvoiceParams(InvoiceEmail):
    """Changes to an existing Xero invoice (Xero's status rules apply), and/or emailing it."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"invoice_id": EXAMPLE_INVOICE, "status": "AUTHORISED", "due_date": "2026-12-20"},
        {"invoice_id": EXAMPLE_INVOICE, "email_mode": "trustpager", "deal_id": EXAMPLE_DEAL}]})

    invoice_id: Id = Field(description="The Xero InvoiceID (or InvoiceNumber)")
    deal_id: Id | None = Field(default=None, description="The deal, for email merge tags and "
                               "the primary contact recipient")
    status: InvoiceStatusChange | None = Field(
        default=None, description="Xero decides which changes are allowed (e.g. an AUTHORISED "
        "invoice cannot go back to DRAFT; DELETED is for drafts, VOIDED for approved ones)")
    date: LedgerDate | None = None
    due_date: LedgerDate | None = None
    reference: Reference | None = None
    invoice_number: InvoiceNumber | None = None
    line_amount_types: LineAmountTypes | None = None
    line_items: list[LineItemInput] | None = Field(
        default=None, description="Replacement lines (Xero replaces all lines)")
    expected_payment_date: LedgerDate | None = None
    planned_payment_date: LedgerDate | None = None
    branding_theme_id: Id | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.email_mode == "none" and not any(getattr(self, name) is not None
                                                 for name in INVOICE_CHANGES):
            raise field_problem("invoice_id", "nothing to do: give a field to change ("
                                + ", ".join(INVOICE_CHANGES) + ") or an email_mode")
        return self


class ScheduleUnit(CaseInsensitiveEnum):
    """A repeating invoice's unit; YEARLY becomes MONTHLY × 12 (Xero knows no years)."""

    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    YEARLY = "YEARLY"


class RepeatingInvoiceParams(ActionParams):
    """A repeating invoice template for a Xero contact from deal products or products."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"contact_id": EXAMPLE_CONTACT, "schedule_period": 1, "schedule_unit": "MONTHLY",
         "account_code": "200", "tax_type": "OUTPUT2", "product_ids": [EXAMPLE_DEAL]},
        {"contact_id": EXAMPLE_CONTACT, "schedule_period": 1, "schedule_unit": "YEARLY",
         "account_code": "200", "tax_type": "OUTPUT2", "approve_for_sending": False,
         "deal_id": EXAMPLE_DEAL, "deal_product_ids": [EXAMPLE_DEAL]}]})

    contact_id: Id = Field(description="The Xero ContactID to bill")
    schedule_period: int = Field(ge=1, le=1000, description="Every N units")
    schedule_unit: ScheduleUnit
    account_code: AccountCode
    tax_type: TaxType
    approve_for_sending: bool = Field(
        default=True, description="Xero emails each invoice to the contact; false creates "
        "them marked as sent without emailing")
    deal_product_ids: list[Id] | None = Field(
        default=None, min_length=1, max_length=MAX_IDS, description="crm_deal_products.id "
        "(needs params.deal_id or data.deal.id)")
    product_ids: list[Id] | None = Field(default=None, min_length=1, max_length=MAX_IDS,
                                         description="crm_products.id")
    deal_id: Id | None = Field(default=None, description="The deal of deal_product_ids")
    start_date: LedgerDate | None = Field(default=None,
                                          description="First invoice (Xero: today)")
    end_date: LedgerDate | None = None
    due_days: int | None = Field(default=None, ge=0, le=365,
                                 description="Days after the invoice date it falls due")
    reference: Reference | None = None
    line_amount_types: LineAmountTypes | None = None

    @model_validator(mode="after")
    def _one_list(self) -> Self:
        if (self.deal_product_ids is None) == (self.product_ids is None):
            given = "both were given" if self.product_ids is not None else "neither was given"
            raise field_problem("deal_product_ids", "provide exactly one of deal_product_ids "
                                f"and product_ids ({given})")
        return self


# ---- results ---------------------------------------------------------------------------------
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
                 "deal_id": EXAMPLE_DEAL,
                 "email": {"mode": "none", "sent": False, "recipient": None, "subject": None,
                           "message_id": None, "pay_url": None, "attached_pdf": False}}}]})

    action_type: str
    action_run_id: str = Field(description="The stored run (its id also derives the Xero "
                               "Idempotency-Keys of the run's writes)")
    data: ActionData


class ActionErrorDetail(BaseModel):
    """What went wrong: a machine-readable code, a message, the offending field."""

    code: str
    message: str
    field: str | None = None
    details: dict[str, Any] | None = None


class ActionErrorBody(BaseModel):
    """The error envelope of the action route."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"error": {"code": "invalid_input", "field": "params.schedule_unit",
                   "message": "params.schedule_unit: Input should be 'WEEKLY', 'MONTHLY' or "
                              "'YEARLY'"}},
        {"error": {"code": "provider_conflict", "field": "Idempotency-Key",
                   "message": "Idempotency-Key 'order-1001' was already used for a different "
                              "action request on this integration; use a new key for a new "
                              "request"}}]})

    error: ActionErrorDetail
