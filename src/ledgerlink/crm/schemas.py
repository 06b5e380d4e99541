"""Request and response shapes of customers, CRM contacts, products and email configurations."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, computed_field
from pydantic.config import JsonDict

from ledgerlink.crm.types import (
    USAGE_BASED,
    Email,
    HexColor,
    Input,
    Name,
    NonNegativeMoney,
    Pagination,
    Phone,
    Short,
    SubjectTemplate,
    Template,
    Text255,
    Url,
    is_usage_based,
    page_config,
    reject_null,
)
from ledgerlink.inputs import MULTI_LINE, SINGLE_LINE

Description = Annotated[str, StringConstraints(max_length=4000), MULTI_LINE]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                     SINGLE_LINE]
Code = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64), SINGLE_LINE]
AccountCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20), SINGLE_LINE]
Country = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), SINGLE_LINE]

_STAMPS: JsonDict = {"created_at": "2025-05-01T09:30:00Z", "updated_at": "2025-05-01T09:30:00Z"}

# --- customers -------------------------------------------------------------------------------

_CUSTOMER: JsonDict = {
    "name": "Acme Pty Ltd", "email": "accounts@acme.example", "phone": "+61 2 9000 0000",
    "address_line1": "1 George Street", "address_line2": "Level 4", "city": "Sydney",
    "region": "NSW", "postal_code": "2000", "country": "Australia",
    "tax_number": "53 004 085 616", "xero_contact_id": None}


class CustomerCreate(Input):
    """A new customer; `xero_contact_id` links it to an existing Xero contact."""

    model_config = ConfigDict(json_schema_extra={"examples": [_CUSTOMER]})

    name: Name
    email: Email | None = None
    phone: Phone | None = None
    address_line1: Text255 | None = None
    address_line2: Text255 | None = None
    city: Text255 | None = None
    region: Text255 | None = None
    postal_code: Short | None = None
    country: Country | None = None
    tax_number: Short | None = None
    xero_contact_id: uuid.UUID | None = Field(
        default=None, description="ContactID of the Xero contact this customer is")


class CustomerUpdate(Input):
    """A partial change: omitted fields keep their value, null clears an optional one."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"phone": "+61 2 9111 1111", "xero_contact_id": "5b96e86b-418e-48e8-8949-308c14aec278"}]})

    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    address_line1: Text255 | None = None
    address_line2: Text255 | None = None
    city: Text255 | None = None
    region: Text255 | None = None
    postal_code: Short | None = None
    country: Country | None = None
    tax_number: Short | None = None
    xero_contact_id: uuid.UUID | None = None

    _not_null = reject_null("name")


class CustomerOut(CustomerCreate):
    """A customer."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {"id": "0f8e3c52-8d0c-4c39-9a39-7f3f0a0c1d11", **_CUSTOMER, **_STAMPS}]})

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime


class CustomerPage(BaseModel):
    """A page of customers."""

    model_config = page_config(CustomerOut)

    data: list[CustomerOut]
    pagination: Pagination


# --- CRM contacts ----------------------------------------------------------------------------

_CONTACT: JsonDict = {"first_name": "Jane", "last_name": "Citizen", "email": "jane@acme.example",
            "phone": "+61 400 000 000", "customer_id": "0f8e3c52-8d0c-4c39-9a39-7f3f0a0c1d11",
            "xero_contact_id": None}


class CrmContactCreate(Input):
    """A new person; `customer_id` (optional) must name an existing customer."""

    model_config = ConfigDict(json_schema_extra={"examples": [_CONTACT]})

    first_name: Name
    last_name: Text255 | None = None
    email: Email | None = None
    phone: Phone | None = None
    customer_id: uuid.UUID | None = None
    xero_contact_id: uuid.UUID | None = None


class CrmContactUpdate(Input):
    """A partial change: omitted fields keep their value, null clears an optional one."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "jane.c@acme.example"}]})

    first_name: Name | None = None
    last_name: Text255 | None = None
    email: Email | None = None
    phone: Phone | None = None
    customer_id: uuid.UUID | None = None
    xero_contact_id: uuid.UUID | None = None

    _not_null = reject_null("first_name")


class CrmContactOut(CrmContactCreate):
    """A CRM contact."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {"id": "6a1d6f5e-2f0b-4a51-9a4e-2b8e1c9d7a01", **_CONTACT, **_STAMPS}]})

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime


class CrmContactPage(BaseModel):
    """A page of CRM contacts."""

    model_config = page_config(CrmContactOut)

    data: list[CrmContactOut]
    pagination: Pagination


# --- products --------------------------------------------------------------------------------

_PRODUCT: JsonDict = {
    "name": "Consulting (hour)", "code": "CONSULT-H", "description": "Senior consultant",
    "unit_price": "180.00", "category": "Service", "account_code": "200",
    "tax_type": "OUTPUT", "is_active": True}
_CATEGORY_DOC = (f'Free text; "{USAGE_BASED}" marks metered products, which repeating '
                 "invoices skip.")


class ProductCreate(Input):
    """A new product; `unit_price` is money (a string with 2 decimal places, or a number)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        _PRODUCT, {**_PRODUCT, "name": "API calls (per 1000)", "code": "API-1K",
                   "unit_price": "0.50", "category": USAGE_BASED}]})

    name: Name
    code: Code | None = Field(default=None, description="SKU; the Xero ItemCode when synced")
    description: Description | None = None
    unit_price: NonNegativeMoney = Field(default=Decimal("0.00"))
    category: Category | None = Field(default=None, description=_CATEGORY_DOC)
    account_code: AccountCode | None = Field(default=None, description="Xero account code")
    tax_type: Short | None = Field(default=None, description="Xero TaxType, e.g. OUTPUT")
    is_active: bool = True


class ProductUpdate(Input):
    """A partial change: omitted fields keep their value, null clears an optional one."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"unit_price": "195.00", "is_active": True}]})

    name: Name | None = None
    code: Code | None = None
    description: Description | None = None
    unit_price: NonNegativeMoney | None = None
    category: Category | None = None
    account_code: AccountCode | None = None
    tax_type: Short | None = None
    is_active: bool | None = None

    _not_null = reject_null("name", "unit_price", "is_active")


class ProductOut(ProductCreate):
    """A product; `is_usage_based` says whether its category is Usage-Based."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {"id": "9c3b1f0e-1d2a-4b5c-8d7e-6f5a4b3c2d10", **_PRODUCT, "is_usage_based": False,
         **_STAMPS}]})

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def is_usage_based(self) -> bool:
        """Usage-Based products are skipped on repeating invoices."""
        return is_usage_based(self.category)


class ProductPage(BaseModel):
    """A page of products."""

    model_config = page_config(ProductOut)

    data: list[ProductOut]
    pagination: Pagination


# --- email configurations --------------------------------------------------------------------

_EMAIL_CONFIG: JsonDict = {
    "name": "Invoices", "from_email": "billing@acme.example", "from_name": "Acme Billing",
    "reply_to": "accounts@acme.example", "company_name": "Acme Pty Ltd",
    "brand_color": "#0B5FFF", "logo_url": "https://acme.example/logo.png", "is_default": True,
    "subject_template": "Invoice {{xero.invoice_number}} from {{company.name}}",
    "body_template": "Hi {{contact.first_name}}, your invoice for {{xero.total}} is due "
                     "{{xero.due_date}}."}
_TEMPLATE_DOC = ("Merge tags: {{xero.invoice_number}}, {{xero.due_date}}, {{xero.total}}, "
                 "{{company.name}}, {{contact.first_name}}")


class EmailConfigurationCreate(Input):
    """Sender and branding of invoice emails; the first one created becomes the default."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EMAIL_CONFIG]})

    name: Name
    from_email: Email
    from_name: Text255 | None = None
    reply_to: Email | None = None
    company_name: Text255 | None = None
    brand_color: HexColor | None = Field(default=None, description="#RRGGBB")
    logo_url: Url | None = None
    is_default: bool = Field(default=False, description=(
        "Exactly one configuration is the default: setting this unsets the previous one"))
    subject_template: SubjectTemplate | None = Field(default=None, description=_TEMPLATE_DOC)
    body_template: Template | None = Field(default=None, description=_TEMPLATE_DOC)


class EmailConfigurationUpdate(Input):
    """A partial change; `is_default: true` moves the default here (false on it is refused)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"is_default": True}]})

    name: Name | None = None
    from_email: Email | None = None
    from_name: Text255 | None = None
    reply_to: Email | None = None
    company_name: Text255 | None = None
    brand_color: HexColor | None = None
    logo_url: Url | None = None
    is_default: bool | None = None
    subject_template: SubjectTemplate | None = None
    body_template: Template | None = None

    _not_null = reject_null("name", "from_email", "is_default")


class EmailConfigurationOut(EmailConfigurationCreate):
    """An email configuration."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {"id": "3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a", **_EMAIL_CONFIG, **_STAMPS}]})

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    # Returned as stored: templates are checked when saved, not each time they are read.
    subject_template: str | None = Field(default=None, description=_TEMPLATE_DOC)
    body_template: str | None = Field(default=None, description=_TEMPLATE_DOC)


class EmailConfigurationPage(BaseModel):
    """A page of email configurations."""

    model_config = page_config(EmailConfigurationOut)

    data: list[EmailConfigurationOut]
    pagination: Pagination
