"""CRM records the actions read: customers, contacts, products, deals and their lines, email."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from ledgerlink.db.base import Base, Timestamped, UuidPk


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal kept exact on both backends: NUMERIC on PostgreSQL, text on SQLite.

    SQLite has no decimal type (NUMERIC columns round-trip through floats), so there the
    value is stored as its canonical string at the column's scale.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 18, scale: int = 2) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.precision + 2))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = Decimal(value).quantize(Decimal(1).scaleb(-self.scale))
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-self.scale))


class Customer(UuidPk, Timestamped, Base):
    """A customer (organisation or person billed); optionally linked to a Xero contact."""

    __tablename__ = "crm_customers"

    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    address_line1: Mapped[str | None] = mapped_column(String(255), nullable=True)
    address_line2: Mapped[str | None] = mapped_column(String(255), nullable=True)
    city: Mapped[str | None] = mapped_column(String(255), nullable=True)
    region: Mapped[str | None] = mapped_column(String(255), nullable=True)
    postal_code: Mapped[str | None] = mapped_column(String(50), nullable=True)
    country: Mapped[str | None] = mapped_column(String(100), nullable=True)
    tax_number: Mapped[str | None] = mapped_column(String(50), nullable=True)
    xero_contact_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)


class CrmContact(UuidPk, Timestamped, Base):
    """A person; may belong to a customer and be linked to a Xero contact."""

    __tablename__ = "crm_contacts"

    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("crm_customers.id", ondelete="SET NULL"), nullable=True, index=True)
    xero_contact_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)


class Product(UuidPk, Timestamped, Base):
    """A product or service that deals sell; `category` "Usage-Based" marks metered ones."""

    __tablename__ = "crm_products"

    name: Mapped[str] = mapped_column(String(255))
    code: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    unit_price: Mapped[Decimal] = mapped_column(ExactDecimal(18, 2), default=Decimal("0"))
    category: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    account_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    tax_type: Mapped[str | None] = mapped_column(String(50), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Deal(UuidPk, Timestamped, Base):
    """A sales opportunity; its value is computed from its deal products, never stored."""

    __tablename__ = "crm_deals"

    title: Mapped[str] = mapped_column(String(255))
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("crm_customers.id", ondelete="SET NULL"), nullable=True, index=True)
    primary_contact_id: Mapped[str | None] = mapped_column(
        ForeignKey("crm_contacts.id", ondelete="SET NULL"), nullable=True, index=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    stage: Mapped[str] = mapped_column(String(64), default="new")
    expected_close_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    reference: Mapped[str | None] = mapped_column(String(255), nullable=True)
    xero_invoice_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class DealProduct(UuidPk, Timestamped, Base):
    """One line of a deal: a product, a quantity, and optional price/description overrides."""

    __tablename__ = "crm_deal_products"

    deal_id: Mapped[str] = mapped_column(ForeignKey("crm_deals.id", ondelete="CASCADE"),
                                         index=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("crm_products.id", ondelete="RESTRICT"),
                                            index=True)
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal(18, 4), default=Decimal("1"))
    unit_price: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 2), nullable=True)
    discount_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal(5, 2), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)


class EmailConfiguration(UuidPk, Timestamped, Base):
    """Branding and sender of invoice emails; exactly one is the default when any exist."""

    __tablename__ = "crm_email_configurations"
    # At most one default row, enforced by the database too (a partial unique index).
    __table_args__ = (
        Index("uq_crm_email_configurations_default", "is_default", unique=True,
              sqlite_where=text("is_default = 1"), postgresql_where=text("is_default")),
    )

    name: Mapped[str] = mapped_column(String(255))
    from_email: Mapped[str] = mapped_column(String(254))
    from_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reply_to: Mapped[str | None] = mapped_column(String(254), nullable=True)
    company_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    brand_color: Mapped[str | None] = mapped_column(String(7), nullable=True)
    logo_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    subject_template: Mapped[str | None] = mapped_column(Text, nullable=True)
    body_template: Mapped[str | None] = mapped_column(Text, nullable=True)
