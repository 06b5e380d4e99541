"""Request and response shapes of deals and deal products (money as 2-decimal strings)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from ledgerlink import examples as ex
from ledgerlink.crm.schemas import Description, ProductOut
from ledgerlink.crm.types import (
    Currency,
    Input,
    MoneyOut,
    Name,
    NonNegativeMoney,
    Pagination,
    Percent,
    Quantity,
    Text255,
    page_config,
)
from ledgerlink.crm.views import DealView
from ledgerlink.inputs import LedgerDate, Uuid, omittable, text

Stage = Annotated[str, *text(64, min_length=1)]

_STAMPS: JsonDict = {"created_at": "2025-05-01T09:30:00Z", "updated_at": "2025-05-01T09:30:00Z"}
# Records of the demo, so the examples run against `make demo` as they are.
_PRODUCT_ID = ex.PRODUCT_ID
_DEAL_ID = ex.DEAL_ID

# --- deal products ---------------------------------------------------------------------------

_LINE: JsonDict = {"product_id": _PRODUCT_ID, "quantity": "10", "unit_price": "170.00",
         "discount_rate": "5.00", "description": "Discovery workshop (10 hours)"}


class DealProductCreate(Input):
    """A line on a deal; `unit_price` and `description` override the product's when set."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        _LINE, {"product_id": _PRODUCT_ID, "quantity": 2}]})

    product_id: Uuid = Field(description="crm_products.id of an existing, active product")
    quantity: Quantity = Field(default=Decimal("1"), description="Up to 4 decimal places")
    unit_price: NonNegativeMoney | None = Field(
        default=None, description="Overrides the product's unit price when set")
    discount_rate: Percent | None = Field(default=None, description="Percent, 0 to 100")
    description: Description | None = Field(
        default=None, description="Overrides the product's description when set")


class DealProductUpdate(Input):
    """A partial change: omitted fields keep their value, null clears an override
    (`product_id` and `quantity` may be omitted, not null)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"quantity": "12", "unit_price": None}]})

    product_id: Uuid = omittable()
    quantity: Quantity = omittable()
    unit_price: NonNegativeMoney | None = None
    discount_rate: Percent | None = None
    description: Description | None = None


class DealProductOut(DealProductCreate):
    """A deal product with its product, the effective price and description, and its amount."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {"id": ex.DEAL_PRODUCT_ID, "deal_id": _DEAL_ID, **_LINE,
         "effective_unit_price": "170.00", "effective_description":
         "Discovery workshop (10 hours)", "line_amount": "1615.00",
         "product": {"id": _PRODUCT_ID, "name": "Consulting (hour)", "code": "CONSULT-H",
                     "description": "Senior consultant", "unit_price": "180.00",
                     "category": "Service", "account_code": "200", "tax_type": "OUTPUT",
                     "is_active": True, "is_usage_based": False, **_STAMPS},
         **_STAMPS}]})

    id: uuid.UUID
    deal_id: uuid.UUID
    effective_unit_price: MoneyOut
    effective_description: str
    line_amount: MoneyOut = Field(description="quantity × unit price × (100 − discount) / 100")
    product: ProductOut
    created_at: datetime
    updated_at: datetime


class DealProductPage(BaseModel):
    """A page of a deal's products."""

    model_config = page_config(DealProductOut)

    data: list[DealProductOut]
    pagination: Pagination


# --- deals -----------------------------------------------------------------------------------

_DEAL: JsonDict = {
    "title": "Acme website rebuild", "customer_id": ex.CUSTOMER_ID,
    "primary_contact_id": ex.CRM_CONTACT_ID, "currency": "AUD",
    "stage": "proposal", "expected_close_date": "2025-06-30", "reference": "PO-1042",
    "xero_invoice_id": None}


class DealCreate(Input):
    """A new deal; `customer_id` and `primary_contact_id` (optional) must exist."""

    model_config = ConfigDict(json_schema_extra={"examples": [_DEAL]})

    title: Name
    customer_id: Uuid | None = None
    primary_contact_id: Uuid | None = None
    currency: Currency | None = Field(
        default=None, description="ISO 4217 code; null means the Xero organisation's base")
    stage: Stage = Field(default="new", description="Free text, e.g. new, proposal, won, lost")
    expected_close_date: LedgerDate | None = None
    reference: Text255 | None = Field(default=None, description="Becomes the invoice Reference")
    xero_invoice_id: Uuid | None = Field(
        default=None, description="InvoiceID of the Xero invoice raised for this deal")


class DealUpdate(Input):
    """A partial change: omitted fields keep their value, null clears an optional one (`title`
    and `stage` may be omitted, not null)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"stage": "won"}]})

    title: Name = omittable()
    customer_id: Uuid | None = None
    primary_contact_id: Uuid | None = None
    currency: Currency | None = None
    stage: Stage = omittable()
    expected_close_date: LedgerDate | None = None
    reference: Text255 | None = None
    xero_invoice_id: Uuid | None = None


class DealOut(DealCreate):
    """A deal with its products; `value` is computed from them (a 2-decimal string)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": _DEAL_ID, **_DEAL, "value": "1615.00", "products": [], **_STAMPS}]})

    id: uuid.UUID
    value: MoneyOut = Field(description="Sum of the deal products' line amounts")
    products: list[DealProductOut]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: DealView) -> DealOut:
        """The response for a deal and its lines."""
        deal = view.deal
        fields = {name: getattr(deal, name) for name in DealCreate.model_fields}
        return cls.model_validate({
            **fields, "id": deal.id, "created_at": deal.created_at,
            "updated_at": deal.updated_at, "value": view.value,
            "products": [DealProductOut.model_validate(line) for line in view.deal_products]})


class DealPage(BaseModel):
    """A page of deals."""

    model_config = page_config(DealOut)

    data: list[DealOut]
    pagination: Pagination
