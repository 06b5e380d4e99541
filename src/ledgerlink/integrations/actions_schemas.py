"""Request shapes of POST /api/v1/integrations/{id}/action: one typed branch per action type.

The body is a union tagged by `action_type`, so the published schema names every action type
and its parameters, and FastAPI refuses an unknown type or a bad parameter (422
`invalid_input`) before the route runs. Rules between parameters, which no schema can say,
answer `conflicting_input` naming `params.<field>`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    TypeAdapter,
    model_validator,
)

from ledgerlink import examples as ex
from ledgerlink.automations.schemas import Mapping
from ledgerlink.crm.types import Email, Name, NonNegativeMoney, Percent, Quantity, Short
from ledgerlink.email.schemas import EmailParams
from ledgerlink.errors import conflicting_input
from ledgerlink.inputs import CurrencyCode, LedgerDate, Uuid, check_json, text
from ledgerlink.integrations.schemas import branch_examples

# Every text here may reach Xero as it is: one line (descriptions aside), no control
# characters, each rule published as the schema's pattern (ledgerlink.inputs).
Id = Annotated[str, *text(64, min_length=1)]
Reference = Annotated[str, *text(255, strip=False)]
InvoiceNumber = Annotated[str, *text(255, min_length=1)]
AccountCode = Annotated[str, *text(10, min_length=1)]
TaxType = Annotated[str, *text(50, min_length=1)]
LineAmountTypes = Literal["Exclusive", "Inclusive", "NoTax"]
MAX_IDS = 500  # products on one repeating invoice: each is a lookup
MAX_LINES = 500  # lines of one invoice
ActionTypeName = Literal["xero_create_contact", "xero_create_invoice",
                         "xero_create_contact_and_invoice", "xero_update_invoice",
                         "xero_create_repeating_invoice"]
# Ids in examples: records of the demo (CRM records it seeds, its Xero organisation's), so
# every example runs there as it is (tests/quality/test_examples_run.py).
EXAMPLE_DEAL = ex.DEAL_ID
EXAMPLE_CUSTOMER = ex.CUSTOMER_ID
EXAMPLE_CRM_CONTACT = ex.CRM_CONTACT_ID
EXAMPLE_SECONDARY_CONTACT = ex.SECONDARY_CONTACT_ID
EXAMPLE_PLAN_PRODUCT = ex.PLAN_PRODUCT_ID
EXAMPLE_DEAL_PRODUCT = ex.DEAL_PRODUCT_ID
EXAMPLE_CONTACT = ex.XERO_CONTACT_ID
EXAMPLE_INVOICE = ex.XERO_INVOICE_ID
EXAMPLE_DRAFT_INVOICE = ex.XERO_DRAFT_INVOICE_ID


# ---- parameters ------------------------------------------------------------------------------
class ActionParams(BaseModel):
    """Parameters of one action type: unknown names are refused, naming them."""

    model_config = ConfigDict(extra="forbid")


class CreateContactParams(ActionParams):
    """A Xero contact from a CRM customer, a CRM contact, or explicit fields.

    An existing Xero contact (the stored link, else one with the same name, email or contact
    number) is reused rather than duplicated; the CRM record is linked to it.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"customer_id": EXAMPLE_CUSTOMER}, {"crm_contact_id": EXAMPLE_CRM_CONTACT},
        {"name": "Harbourside Joinery Ltd", "email": "accounts@harbourside.example",
         "contact_number": "HJ-001"}]})

    customer_id: Uuid | None = Field(default=None, description="crm_customers.id")
    crm_contact_id: Uuid | None = Field(default=None, description="crm_contacts.id")
    name: Name | None = Field(default=None, description="Contact name (explicit fields)")
    first_name: Name | None = None
    last_name: Name | None = None
    email: Email | None = None
    contact_number: Annotated[str, *text(50, min_length=1)] | None = None
    phone: Short | None = None
    tax_number: Short | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        sources = [n for n in ("customer_id", "crm_contact_id", "name")
                   if getattr(self, n) is not None]
        if len(sources) != 1:
            raise conflicting_input("customer_id", "give exactly one of customer_id, "
                                    "crm_contact_id or name (explicit fields)"
                                    + (f"; got {', '.join(sources)}" if sources else ""))
        return self


class InvoiceEmail(EmailParams, ActionParams):
    """The email fields every invoice action takes (email_mode none by default)."""

    model_config = ConfigDict(extra="forbid")


class CreateInvoiceParams(InvoiceEmail):
    """A Xero sales invoice from a deal; its contact is found or created automatically."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"deal_id": EXAMPLE_DEAL},
        {"deal_id": EXAMPLE_DEAL, "date": "2026-12-01", "due_date": "2026-12-20",
         "reference": "PO 4471", "line_amount_types": "Exclusive", "email_mode": "xero"},
        {"deal_id": EXAMPLE_DEAL, "status": "AUTHORISED", "email_mode": "xero",
         "email_recipient_source": "secondary_contact",
         "email_recipient_contact_id": EXAMPLE_SECONDARY_CONTACT}]})

    deal_id: Uuid | None = Field(default=None, description="crm_deals.id (or data.deal.id)")
    status: Literal["DRAFT", "AUTHORISED"] | None = Field(
        default=None, description="Default DRAFT; AUTHORISED when an email_mode other than "
        "none is given (Xero emails only approved invoices; the result says "
        "approved_for_email), and DRAFT with an email is refused")
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
        if self.email_mode != "none" and self.status == "DRAFT":
            raise conflicting_input("status", "Xero neither emails nor shares a DRAFT "
                                    f"invoice, so email_mode '{self.email_mode}' needs it "
                                    "approved: leave status out (the invoice is then approved "
                                    "to be emailed) or set AUTHORISED, or use email_mode none")
        return self


class InvoiceLine(ActionParams):
    """One invoice line to write; Xero computes the line's amount and tax."""

    description: Annotated[str, *text(4000, multiline=True, strip=False)] | None = None
    quantity: Quantity | None = None
    unit_amount: NonNegativeMoney | None = None
    item_code: Annotated[str, *text(30, min_length=1)] | None = Field(
        default=None, description="A Xero item's Code")
    account_code: AccountCode | None = None
    tax_type: TaxType | None = None
    discount_rate: Percent | None = None


INVOICE_CHANGES = ("status", "date", "due_date", "reference", "invoice_number",
                   "line_amount_types", "line_items", "expected_payment_date",
                   "planned_payment_date", "branding_theme_id")


class UpdateInvoiceParams(InvoiceEmail):
    """Changes to an existing Xero invoice (Xero's status rules apply), and/or emailing it."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"invoice_id": EXAMPLE_DRAFT_INVOICE, "status": "AUTHORISED", "reference": "PO 5120"},
        {"invoice_id": EXAMPLE_INVOICE, "email_mode": "xero", "deal_id": EXAMPLE_DEAL}]})

    invoice_id: Id = Field(description="The Xero InvoiceID (or InvoiceNumber)")
    deal_id: Uuid | None = Field(default=None, description="The deal, for email merge tags "
                                 "and the primary contact recipient")
    status: Literal["DRAFT", "SUBMITTED", "AUTHORISED", "DELETED", "VOIDED"] | None = Field(
        default=None, description="Xero decides which changes are allowed (e.g. an AUTHORISED "
        "invoice cannot go back to DRAFT; DELETED is for drafts, VOIDED for approved ones; PAID "
        "follows payments). Without a status, an email approves a DRAFT invoice first")
    date: LedgerDate | None = None
    due_date: LedgerDate | None = None
    reference: Reference | None = None
    invoice_number: InvoiceNumber | None = None
    line_amount_types: LineAmountTypes | None = None
    line_items: list[InvoiceLine] | None = Field(
        default=None, min_length=1, max_length=MAX_LINES,
        description="Replacement lines (Xero replaces all lines)")
    expected_payment_date: LedgerDate | None = None
    planned_payment_date: LedgerDate | None = None
    branding_theme_id: Id | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.email_mode == "none" and not any(getattr(self, name) is not None
                                                 for name in INVOICE_CHANGES):
            raise conflicting_input("invoice_id", "nothing to do: give a field to change ("
                                    + ", ".join(INVOICE_CHANGES) + ") or an email_mode")
        if self.email_mode != "none" and self.status in ("DRAFT", "DELETED", "VOIDED"):
            raise conflicting_input("status", f"Xero emails only approved invoices: a "
                                    f"{self.status} invoice cannot be emailed (email_mode "
                                    f"'{self.email_mode}')")
        return self


class RepeatingInvoiceParams(ActionParams):
    """A repeating invoice template for a Xero contact from deal products or products."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"contact_id": EXAMPLE_CONTACT, "schedule_period": 1, "schedule_unit": "MONTHLY",
         "account_code": "200", "tax_type": "OUTPUT2", "product_ids": [EXAMPLE_PLAN_PRODUCT]},
        {"contact_id": EXAMPLE_CONTACT, "schedule_period": 1, "schedule_unit": "YEARLY",
         "account_code": "200", "tax_type": "OUTPUT2", "approve_for_sending": False,
         "deal_id": EXAMPLE_DEAL, "deal_product_ids": [EXAMPLE_DEAL_PRODUCT]}]})

    contact_id: Id = Field(description="The Xero ContactID to bill")
    schedule_period: int = Field(ge=1, le=1000, description="Every N units")
    schedule_unit: Literal["WEEKLY", "MONTHLY", "YEARLY"] = Field(
        description="YEARLY becomes MONTHLY with 12 × schedule_period (Xero knows no years)")
    account_code: AccountCode
    tax_type: TaxType
    approve_for_sending: bool = Field(
        default=True, description="Xero emails each invoice to the contact; false creates "
        "them marked as sent without emailing")
    deal_product_ids: list[Uuid] | None = Field(
        default=None, min_length=1, max_length=MAX_IDS, description="crm_deal_products.id "
        "(needs params.deal_id or data.deal.id)")
    product_ids: list[Uuid] | None = Field(default=None, min_length=1, max_length=MAX_IDS,
                                           description="crm_products.id")
    deal_id: Uuid | None = Field(default=None, description="The deal of deal_product_ids")
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
            raise conflicting_input("deal_product_ids", "provide exactly one of "
                                    f"deal_product_ids and product_ids ({given})")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise conflicting_input("end_date", f"{self.end_date} is before start_date "
                                    f"{self.start_date}")
        return self


# ---- the request: one branch per action type -------------------------------------------------
class ActionBody(BaseModel):
    """What every action request has: its type, its parameters and the trigger's data."""

    model_config = ConfigDict(extra="forbid")

    action_type: str
    params: ActionParams
    data: Mapping | None = Field(
        default=None, description='The trigger\'s context, e.g. {"deal": {"id": "…"}}: a deal '
        "named there stands in for params.deal_id. Any JSON object: names one line, text "
        "without control characters")


class XeroCreateContactAction(ActionBody):
    """Find or create a Xero contact from a CRM customer, a CRM contact or explicit fields."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action_type": "xero_create_contact", "params": {"customer_id": EXAMPLE_CUSTOMER}},
        {"action_type": "xero_create_contact",
         "params": {"name": "Harbourside Joinery Ltd", "email": "accounts@harbourside.example"}}]})

    action_type: Literal["xero_create_contact"]
    params: CreateContactParams


class XeroCreateInvoiceAction(ActionBody):
    """A Xero sales invoice from a deal; its contact is found or created, never duplicated."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action_type": "xero_create_invoice",
         "params": {"deal_id": EXAMPLE_DEAL, "date": "2026-12-01", "due_date": "2026-12-20",
                    "email_mode": "xero"}},
        {"action_type": "xero_create_invoice", "data": {"deal": {"id": EXAMPLE_DEAL}}}]})

    action_type: Literal["xero_create_invoice"]
    params: CreateInvoiceParams = Field(default_factory=CreateInvoiceParams)


class XeroCreateContactAndInvoiceAction(ActionBody):
    """The same as xero_create_invoice (the contact is resolved automatically in both)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action_type": "xero_create_contact_and_invoice",
         "params": {"deal_id": EXAMPLE_DEAL, "status": "AUTHORISED"}}]})

    action_type: Literal["xero_create_contact_and_invoice"]
    params: CreateInvoiceParams = Field(default_factory=CreateInvoiceParams)


class XeroUpdateInvoiceAction(ActionBody):
    """Change an existing Xero invoice and/or email it."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action_type": "xero_update_invoice",
         "params": {"invoice_id": EXAMPLE_DRAFT_INVOICE, "status": "AUTHORISED"}},
        {"action_type": "xero_update_invoice",
         "params": {"invoice_id": EXAMPLE_INVOICE, "email_mode": "xero",
                    "email_recipient_source": "xero_contact"}}]})

    action_type: Literal["xero_update_invoice"]
    params: UpdateInvoiceParams


class XeroCreateRepeatingInvoiceAction(ActionBody):
    """A repeating invoice template from deal products or products (Usage-Based skipped)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action_type": "xero_create_repeating_invoice",
         "params": {"contact_id": EXAMPLE_CONTACT, "schedule_period": 1,
                    "schedule_unit": "MONTHLY", "account_code": "200", "tax_type": "OUTPUT2",
                    "product_ids": [EXAMPLE_PLAN_PRODUCT]}}]})

    action_type: Literal["xero_create_repeating_invoice"]
    params: RepeatingInvoiceParams


AnyAction = (XeroCreateContactAction | XeroCreateInvoiceAction
             | XeroCreateContactAndInvoiceAction | XeroUpdateInvoiceAction
             | XeroCreateRepeatingInvoiceAction)


def bounded(body: Any) -> Any:
    # Before the tag is read: a body of 100,000 keys is one short error, not 100,000 of them.
    return check_json(dict, body)


ActionRequest = Annotated[AnyAction, Discriminator("action_type"), BeforeValidator(bounded)]
"""An action: one branch per action type, chosen by `action_type`."""
ACTION_BRANCHES: tuple[type[ActionBody], ...] = (
    XeroCreateContactAction, XeroCreateInvoiceAction, XeroCreateContactAndInvoiceAction,
    XeroUpdateInvoiceAction, XeroCreateRepeatingInvoiceAction)
_REQUEST: TypeAdapter[AnyAction] = TypeAdapter(ActionRequest)


def parse_action(body: Any) -> AnyAction:
    """An action request from its JSON body (what the route receives, for services and tests)."""
    return _REQUEST.validate_python(body)


def request_examples() -> list[dict[str, Any]]:
    """Every action type's examples."""
    return branch_examples(ACTION_BRANCHES)
