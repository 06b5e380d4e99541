"""Write bodies in Xero's shape: contacts, accounts, items, invoices and their lines."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from ledgerlink.providers.xero.models_base import (
    AccountType,
    AddressType,
    CaseInsensitiveEnum,
    ContactStatus,
    LineAmountTypes,
    OptMoney,
    PhoneType,
    XeroBody,
    XeroDate,
    XeroInput,
)

__all__ = [
    "AccountInput", "AddressInput", "ContactInput", "ContactPersonInput", "ContactRef",
    "InvoiceInput", "ItemDetailsInput", "ItemInput", "LineItemInput", "LineItemTrackingInput",
    "NewInvoiceStatus", "NewInvoiceType", "PhoneInput",
]


class NewInvoiceType(CaseInsensitiveEnum):
    """The types an invoice can be created with: a sale or a bill."""

    ACCREC = "ACCREC"
    ACCPAY = "ACCPAY"


class NewInvoiceStatus(CaseInsensitiveEnum):
    """The statuses an invoice can be created in (PAID follows payments; VOIDED is an action)."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    AUTHORISED = "AUTHORISED"


class AddressInput(XeroInput):
    """A contact address to write."""

    address_type: AddressType = AddressType.STREET
    address_line1: str | None = Field(default=None, max_length=500)
    address_line2: str | None = Field(default=None, max_length=500)
    address_line3: str | None = Field(default=None, max_length=500)
    address_line4: str | None = Field(default=None, max_length=500)
    city: str | None = Field(default=None, max_length=255)
    region: str | None = Field(default=None, max_length=255)
    postal_code: str | None = Field(default=None, max_length=50)
    country: str | None = Field(default=None, max_length=50)
    attention_to: str | None = Field(default=None, max_length=255)


class PhoneInput(XeroInput):
    """A contact phone number to write."""

    phone_type: PhoneType = PhoneType.DEFAULT
    phone_number: str | None = Field(default=None, max_length=50)
    phone_area_code: str | None = Field(default=None, max_length=10)
    phone_country_code: str | None = Field(default=None, max_length=20)


class ContactPersonInput(XeroInput):
    """An additional person at a contact."""

    first_name: str | None = None
    last_name: str | None = None
    email_address: str | None = None
    include_in_emails: bool | None = None


class ContactInput(XeroBody):
    """The writable properties of a contact (all optional here; create requires a name)."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    contact_number: str | None = Field(default=None, max_length=50)
    account_number: str | None = Field(default=None, max_length=50)
    contact_status: ContactStatus | None = None
    first_name: str | None = Field(default=None, max_length=255)
    last_name: str | None = Field(default=None, max_length=255)
    company_number: str | None = Field(default=None, max_length=50)
    email_address: str | None = Field(default=None, max_length=255)
    bank_account_details: str | None = None
    tax_number: str | None = Field(default=None, max_length=50)
    accounts_receivable_tax_type: str | None = None
    accounts_payable_tax_type: str | None = None
    default_currency: str | None = Field(default=None, min_length=3, max_length=3)
    sales_default_account_code: str | None = None
    purchases_default_account_code: str | None = None
    addresses: list[AddressInput] | None = None
    phones: list[PhoneInput] | None = None
    contact_persons: list[ContactPersonInput] | None = None


class AccountInput(XeroBody):
    """The writable properties of an account (create requires code, name and type)."""

    code: str | None = Field(default=None, min_length=1, max_length=10)
    name: str | None = Field(default=None, min_length=1, max_length=150)
    type: AccountType | None = None
    description: str | None = Field(default=None, max_length=4000)
    bank_account_number: str | None = None
    bank_account_type: str | None = None
    currency_code: str | None = Field(default=None, min_length=3, max_length=3)
    tax_type: str | None = None
    enable_payments_to_account: bool | None = None
    show_in_expense_claims: bool | None = None
    reporting_code: str | None = None
    add_to_watchlist: bool | None = None


class ItemDetailsInput(XeroInput):
    """An item's sales or purchase details."""

    unit_price: OptMoney = None
    account_code: str | None = None
    cogs_account_code: str | None = None
    tax_type: str | None = None


class ItemInput(XeroBody):
    """The writable properties of an item (Code identifies it and is always required)."""

    code: str = Field(min_length=1, max_length=30)
    name: str | None = Field(default=None, max_length=50)
    description: str | None = Field(default=None, max_length=4000)
    purchase_description: str | None = Field(default=None, max_length=4000)
    is_sold: bool | None = None
    is_purchased: bool | None = None
    is_tracked_as_inventory: bool | None = None
    inventory_asset_account_code: str | None = None
    sales_details: ItemDetailsInput | None = None
    purchase_details: ItemDetailsInput | None = None


class ContactRef(XeroInput):
    """Which contact a document is for: its ContactID, ContactNumber or Name."""

    contact_id: str | None = None
    contact_number: str | None = None
    name: str | None = None

    @model_validator(mode="after")
    def _identified(self) -> Self:
        if not (self.contact_id or self.contact_number or self.name):
            raise ValueError("a contact needs ContactID, ContactNumber or Name")
        return self


class LineItemTrackingInput(XeroInput):
    """A tracking option on a line, by category and option name (or their ids)."""

    tracking_category_id: str | None = None
    tracking_option_id: str | None = None
    name: str | None = None
    option: str | None = None


class LineItemInput(XeroInput):
    """One invoice line; Xero computes LineAmount and TaxAmount unless they are given."""

    description: str | None = Field(default=None, max_length=4000)
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
    tracking: list[LineItemTrackingInput] | None = Field(default=None, max_length=2)


class InvoiceInput(XeroBody):
    """A new sales invoice or bill."""

    type: NewInvoiceType
    contact: ContactRef
    line_items: list[LineItemInput] = Field(default_factory=list)
    date: XeroDate = None
    due_date: XeroDate = None
    line_amount_types: LineAmountTypes | None = None
    invoice_number: str | None = Field(default=None, max_length=255)
    reference: str | None = Field(default=None, max_length=255)
    branding_theme_id: str | None = None
    url: str | None = None
    currency_code: str | None = Field(default=None, min_length=3, max_length=3)
    currency_rate: OptMoney = None
    status: NewInvoiceStatus | None = None
    sent_to_contact: bool | None = None
    expected_payment_date: XeroDate = None
    planned_payment_date: XeroDate = None
