"""Request and response shapes of customers, CRM contacts, products and email configurations."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, computed_field, model_validator
from pydantic.config import JsonDict

from ledgerlink import examples as ex
from ledgerlink.crm.types import (
    USAGE_BASED,
    BodyTemplate,
    Email,
    HexColor,
    Input,
    Name,
    NonNegativeMoney,
    Pagination,
    Phone,
    Short,
    SubjectTemplate,
    Text255,
    Url,
    is_usage_based,
    page_config,
    template_conflict,
)
from ledgerlink.inputs import Uuid, omittable, text

Description = Annotated[str, *text(4000, multiline=True, strip=False)]
Category = Annotated[str, *text(100, min_length=1)]
Code = Annotated[str, *text(64)]
AccountCode = Annotated[str, *text(20)]
Country = Annotated[str, *text(100)]

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
    xero_contact_id: Uuid | None = Field(
        default=None, description="ContactID of the Xero contact this customer is")


class CustomerUpdate(Input):
    """A partial change: omitted fields keep their value, null clears an optional one (`name`
    may be omitted, not null)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"phone": "+61 2 9111 1111", "xero_contact_id": ex.XERO_CONTACT_ID}]})

    name: Name = omittable()
    email: Email | None = None
    phone: Phone | None = None
    address_line1: Text255 | None = None
    address_line2: Text255 | None = None
    city: Text255 | None = None
    region: Text255 | None = None
    postal_code: Short | None = None
    country: Country | None = None
    tax_number: Short | None = None
    xero_contact_id: Uuid | None = None


class CustomerOut(CustomerCreate):
    """A customer."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {"id": ex.CUSTOMER_ID, **_CUSTOMER, **_STAMPS}]})

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
            "phone": "+61 400 000 000", "customer_id": ex.CUSTOMER_ID,
            "xero_contact_id": None}


class CrmContactCreate(Input):
    """A new person; `customer_id` (optional) must name an existing customer."""

    model_config = ConfigDict(json_schema_extra={"examples": [_CONTACT]})

    first_name: Name
    last_name: Text255 | None = None
    email: Email | None = None
    phone: Phone | None = None
    customer_id: Uuid | None = None
    xero_contact_id: Uuid | None = None


class CrmContactUpdate(Input):
    """A partial change: omitted fields keep their value, null clears an optional one
    (`first_name` may be omitted, not null)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "jane.c@acme.example"}]})

    first_name: Name = omittable()
    last_name: Text255 | None = None
    email: Email | None = None
    phone: Phone | None = None
    customer_id: Uuid | None = None
    xero_contact_id: Uuid | None = None


class CrmContactOut(CrmContactCreate):
    """A CRM contact."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {"id": ex.CRM_CONTACT_ID, **_CONTACT, **_STAMPS}]})

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
    is_active: StrictBool = True


class ProductUpdate(Input):
    """A partial change: omitted fields keep their value, null clears an optional one (`name`,
    `unit_price` and `is_active` may be omitted, not null)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"unit_price": "195.00", "is_active": True}]})

    name: Name = omittable()
    code: Code | None = None
    description: Description | None = None
    unit_price: NonNegativeMoney = omittable()
    category: Category | None = None
    account_code: AccountCode | None = None
    tax_type: Short | None = None
    is_active: StrictBool = omittable()


class ProductOut(ProductCreate):
    """A product; `is_usage_based` says whether its category is Usage-Based."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {"id": ex.PRODUCT_ID, **_PRODUCT, "is_usage_based": False,
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


class _EmailConfigurationFields(Input):
    """What an email configuration holds (the create body less its template check)."""

    name: Name
    from_email: Email
    from_name: Text255 | None = None
    reply_to: Email | None = None
    company_name: Text255 | None = None
    brand_color: HexColor | None = Field(default=None, description="#RRGGBB")
    logo_url: Url | None = None
    is_default: StrictBool = Field(default=False, description=(
        "Exactly one configuration is the default: setting this unsets the previous one"))
    subject_template: SubjectTemplate | None = Field(default=None, description=_TEMPLATE_DOC)
    body_template: BodyTemplate | None = Field(default=None, description=_TEMPLATE_DOC)


class EmailConfigurationCreate(_EmailConfigurationFields):
    """Sender and branding of invoice emails; the first one created becomes the default."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EMAIL_CONFIG]})

    @model_validator(mode="after")
    def _templates(self) -> Self:
        template_conflict(self)
        return self


class EmailConfigurationUpdate(Input):
    """A partial change; `is_default: true` moves the default here (false on it is refused).
    `name`, `from_email` and `is_default` may be omitted, not null."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"is_default": True}]})

    name: Name = omittable()
    from_email: Email = omittable()
    from_name: Text255 | None = None
    reply_to: Email | None = None
    company_name: Text255 | None = None
    brand_color: HexColor | None = None
    logo_url: Url | None = None
    is_default: StrictBool = omittable()
    subject_template: SubjectTemplate | None = None
    body_template: BodyTemplate | None = None

    @model_validator(mode="after")
    def _templates(self) -> Self:
        template_conflict(self)
        return self


class EmailConfigurationOut(_EmailConfigurationFields):
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
