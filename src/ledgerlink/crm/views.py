"""Read views over CRM rows: a deal line (deal product joined with its product), a deal, a context.

These are what services return and what the actions engineer reads: money stays Decimal, and
a line's effective price, description and amount are computed the way Xero computes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext

from ledgerlink.crm.types import is_usage_based
from ledgerlink.db.models.crm import CrmContact, Customer, Deal, DealProduct, Product

CENT = Decimal("0.01")
PRECISION = 60  # digits: large quantities × prices × many lines stay exact


def round_money(value: Decimal) -> Decimal:
    """Round to cents, half away from zero (as Xero rounds line amounts)."""
    with localcontext(prec=PRECISION):
        return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DealLine:
    """One deal product with its product; overrides win over the product's own values."""

    deal_product: DealProduct
    product: Product

    @property
    def id(self) -> str:
        """The deal product's id (crm_deal_products.id)."""
        return self.deal_product.id

    @property
    def deal_id(self) -> str:
        """The deal this line belongs to."""
        return self.deal_product.deal_id

    @property
    def product_id(self) -> str:
        """The product sold on this line."""
        return self.deal_product.product_id

    @property
    def quantity(self) -> Decimal:
        """How many units."""
        return self.deal_product.quantity

    @property
    def unit_price(self) -> Decimal | None:
        """The price override, or None when the product's price applies."""
        return self.deal_product.unit_price

    @property
    def discount_rate(self) -> Decimal | None:
        """A percentage discount (0-100), or None."""
        return self.deal_product.discount_rate

    @property
    def description(self) -> str | None:
        """The description override, or None when the product's description applies."""
        return self.deal_product.description

    @property
    def created_at(self) -> datetime:
        """When the line was added."""
        return self.deal_product.created_at

    @property
    def updated_at(self) -> datetime:
        """When the line last changed."""
        return self.deal_product.updated_at

    @property
    def effective_unit_price(self) -> Decimal:
        """The override, else the product's unit price."""
        override = self.deal_product.unit_price
        return override if override is not None else self.product.unit_price

    @property
    def effective_description(self) -> str:
        """The override, else the product's description, else its name."""
        return (self.deal_product.description or self.product.description
                or self.product.name)

    @property
    def line_amount(self) -> Decimal:
        """quantity × unit price × (100 − discount) / 100, rounded to cents (Xero's rule)."""
        with localcontext(prec=PRECISION):
            amount = self.quantity * self.effective_unit_price
            if self.discount_rate:
                amount = amount * (Decimal(100) - self.discount_rate) / Decimal(100)
            return round_money(amount)

    @property
    def account_code(self) -> str | None:
        """The product's Xero account code."""
        return self.product.account_code

    @property
    def tax_type(self) -> str | None:
        """The product's Xero tax type."""
        return self.product.tax_type

    @property
    def is_usage_based(self) -> bool:
        """Whether the product's category is Usage-Based."""
        return is_usage_based(self.product.category)


@dataclass(frozen=True)
class DealView:
    """A deal with its lines; `value` is the sum of the line amounts."""

    deal: Deal
    deal_products: list[DealLine] = field(default_factory=list)

    @property
    def value(self) -> Decimal:
        """The deal's value, computed from its products."""
        with localcontext(prec=PRECISION):
            total = sum((line.line_amount for line in self.deal_products), Decimal(0))
            return round_money(total)


@dataclass(frozen=True)
class DealContext(DealView):
    """Everything an invoice action reads about a deal: customer, primary contact, lines."""

    customer: Customer | None = None
    primary_contact: CrmContact | None = None
