"""Typed Xero records as read: accounts, contacts, items, tax rates, history and attachments."""

from __future__ import annotations

from ledgerlink.providers.xero.models_base import (
    AccountClass,
    AccountStatus,
    AccountType,
    AddressType,
    ContactStatus,
    DefaultLineAmountType,
    OptMoney,
    PhoneType,
    TaxRateStatus,
    XeroDateTime,
    XeroModel,
)
from ledgerlink.providers.xero.oauth import XeroConnection

__all__ = [
    "Account", "AccountsBalance", "Address", "Attachment", "Balances", "Contact",
    "ContactPerson", "HistoryRecord", "Item", "ItemDetails", "OnlineInvoice", "Phone",
    "TaxComponent", "TaxRate", "ValidationMessage", "XeroConnection",
]


class ValidationMessage(XeroModel):
    """One of Xero's `ValidationErrors` / `Warnings` entries."""

    message: str | None = None


class Account(XeroModel):
    """A chart-of-accounts entry."""

    account_id: str | None = None
    code: str | None = None
    name: str | None = None
    type: AccountType | None = None
    status: AccountStatus | None = None
    description: str | None = None
    bank_account_number: str | None = None
    bank_account_type: str | None = None  # BANK, CREDITCARD, PAYPAL, NONE or ""
    currency_code: str | None = None
    tax_type: str | None = None
    enable_payments_to_account: bool | None = None
    show_in_expense_claims: bool | None = None
    class_: AccountClass | None = None  # alias "Class" (`class` is a keyword)
    system_account: str | None = None
    reporting_code: str | None = None
    reporting_code_name: str | None = None
    has_attachments: bool | None = None
    add_to_watchlist: bool | None = None
    updated_date_utc: XeroDateTime = None
    validation_errors: list[ValidationMessage] | None = None


class Address(XeroModel):
    """A contact's postal (POBOX) or street address."""

    address_type: AddressType | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    address_line3: str | None = None
    address_line4: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    attention_to: str | None = None


class Phone(XeroModel):
    """A contact's phone number."""

    phone_type: PhoneType | None = None
    phone_number: str | None = None
    phone_area_code: str | None = None
    phone_country_code: str | None = None


class ContactPerson(XeroModel):
    """An additional person at a contact (invoice emails go to those IncludeInEmails)."""

    first_name: str | None = None
    last_name: str | None = None
    email_address: str | None = None
    include_in_emails: bool | None = None


class AccountsBalance(XeroModel):
    """Outstanding and overdue amounts on one side of a contact's ledger."""

    outstanding: OptMoney = None
    overdue: OptMoney = None


class Balances(XeroModel):
    """A contact's receivable and payable balances."""

    accounts_receivable: AccountsBalance | None = None
    accounts_payable: AccountsBalance | None = None


class Contact(XeroModel):
    """A customer or supplier (also the contact summary nested in documents)."""

    contact_id: str | None = None
    contact_number: str | None = None
    account_number: str | None = None
    contact_status: ContactStatus | None = None
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_number: str | None = None
    email_address: str | None = None
    bank_account_details: str | None = None
    tax_number: str | None = None
    accounts_receivable_tax_type: str | None = None
    accounts_payable_tax_type: str | None = None
    addresses: list[Address] | None = None
    phones: list[Phone] | None = None
    contact_persons: list[ContactPerson] | None = None
    is_supplier: bool | None = None
    is_customer: bool | None = None
    sales_default_line_amount_type: DefaultLineAmountType | None = None
    purchases_default_line_amount_type: DefaultLineAmountType | None = None
    default_currency: str | None = None
    sales_default_account_code: str | None = None
    purchases_default_account_code: str | None = None
    website: str | None = None
    discount: OptMoney = None
    balances: Balances | None = None
    has_attachments: bool | None = None
    has_validation_errors: bool | None = None
    updated_date_utc: XeroDateTime = None
    validation_errors: list[ValidationMessage] | None = None


class ItemDetails(XeroModel):
    """An item's sales or purchase details."""

    unit_price: OptMoney = None
    account_code: str | None = None
    cogs_account_code: str | None = None
    tax_type: str | None = None


class Item(XeroModel):
    """A product or service."""

    item_id: str | None = None
    code: str | None = None
    name: str | None = None
    description: str | None = None
    purchase_description: str | None = None
    is_sold: bool | None = None
    is_purchased: bool | None = None
    is_tracked_as_inventory: bool | None = None
    inventory_asset_account_code: str | None = None
    sales_details: ItemDetails | None = None
    purchase_details: ItemDetails | None = None
    quantity_on_hand: OptMoney = None
    total_cost_pool: OptMoney = None
    updated_date_utc: XeroDateTime = None
    validation_errors: list[ValidationMessage] | None = None


class TaxComponent(XeroModel):
    """One component of a (possibly compound) tax rate."""

    name: str | None = None
    rate: OptMoney = None
    is_compound: bool | None = None
    is_non_recoverable: bool | None = None


class TaxRate(XeroModel):
    """A tax rate (TaxType is its key, e.g. OUTPUT2)."""

    name: str | None = None
    tax_type: str | None = None
    status: TaxRateStatus | None = None
    report_tax_type: str | None = None
    tax_components: list[TaxComponent] | None = None
    can_apply_to_assets: bool | None = None
    can_apply_to_equity: bool | None = None
    can_apply_to_expenses: bool | None = None
    can_apply_to_liabilities: bool | None = None
    can_apply_to_revenue: bool | None = None
    display_tax_rate: OptMoney = None
    effective_rate: OptMoney = None


class HistoryRecord(XeroModel):
    """One entry of a record's history and notes."""

    changes: str | None = None
    date_utc: XeroDateTime = None
    user: str | None = None
    details: str | None = None


class Attachment(XeroModel):
    """A file attached to a document (metadata; the bytes are fetched separately)."""

    attachment_id: str | None = None
    file_name: str | None = None
    url: str | None = None
    mime_type: str | None = None
    content_length: int | None = None
    include_online: bool | None = None


class OnlineInvoice(XeroModel):
    """The customer-facing URL of an approved sales invoice."""

    online_invoice_url: str | None = None
