"""The values behind the merge tags: an invoice, its recipient, the sender's branding, a deal."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ledgerlink.crm.views import DealContext
from ledgerlink.email.template_rules import clip
from ledgerlink.providers.xero.wire import parse_date

DEFAULT_BRAND_COLOR = "#1F6FEB"
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Recipient:
    """Who the email goes to, with the names the contact tags show."""

    email: str
    first_name: str = ""
    last_name: str = ""

    @property
    def name(self) -> str:
        """First and last name, as far as known."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass(frozen=True)
class Branding:
    """The sender and look of a branded email (from the default email configuration)."""

    from_email: str
    from_name: str | None = None
    reply_to: str | None = None
    company_name: str | None = None
    brand_color: str | None = None
    logo_url: str | None = None
    subject_template: str | None = None
    body_template: str | None = None

    @classmethod
    def of(cls, record: Any) -> Branding:
        """From an email configuration record (ORM row or schema) by its attribute names."""

        def text(name: str) -> str | None:
            value = getattr(record, name, None)
            return str(value) if value not in (None, "") else None

        return cls(from_email=str(record.from_email), from_name=text("from_name"),
                   reply_to=text("reply_to"), company_name=text("company_name"),
                   brand_color=text("brand_color"), logo_url=text("logo_url"),
                   subject_template=text("subject_template"),
                   body_template=text("body_template"))

    @property
    def company(self) -> str:
        """The company the email is from."""
        return self.company_name or self.from_name or ""

    @property
    def color(self) -> str:
        """A CSS-safe brand colour (#RRGGBB), whatever was stored."""
        return self.brand_color if self.brand_color and _HEX.match(self.brand_color) \
            else DEFAULT_BRAND_COLOR

    @property
    def logo(self) -> str | None:
        """The logo URL when it is plain http(s); anything else is left out."""
        url = self.logo_url
        return url if url and re.match(r"^https?://[^\s\"'<>]+$", url) else None


def money(value: Any, currency: str) -> str:
    """An amount with 2 decimal places, thousands separated, after its currency code."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except InvalidOperation:
        return str(value)
    text = f"{amount:,.2f}"
    return f"{currency} {text}" if currency else text


def day(value: Any) -> str:
    """A Xero date (`/Date(…)/` or ISO) as "21 November 2026"; "" when absent or unreadable."""
    try:
        parsed = parse_date(value)
    except ValueError:
        return str(value)
    return format_day(parsed) if parsed else ""


def format_day(value: date) -> str:
    """A calendar date written out for people."""
    return f"{value.day} {value:%B %Y}"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def invoice_values(invoice: dict[str, Any], pay_url: str | None) -> dict[str, str]:
    """The `xero.*` tags of an invoice as Xero returned it."""
    currency = _text(invoice.get("CurrencyCode"))
    contact = invoice.get("Contact") if isinstance(invoice.get("Contact"), dict) else {}
    return {
        "invoice_number": _text(invoice.get("InvoiceNumber")),
        "reference": _text(invoice.get("Reference")),
        "date": day(invoice.get("Date") or invoice.get("DateString")),
        "due_date": day(invoice.get("DueDate") or invoice.get("DueDateString")),
        "total": money(invoice.get("Total"), currency),
        "subtotal": money(invoice.get("SubTotal"), currency),
        "total_tax": money(invoice.get("TotalTax"), currency),
        "amount_due": money(invoice.get("AmountDue", invoice.get("Total")), currency),
        "amount_paid": money(invoice.get("AmountPaid"), currency),
        "currency": currency,
        "pay_url": pay_url or "",
        "contact_name": _text((contact or {}).get("Name")),
        "status": _text(invoice.get("Status")),
    }


def merge_context(invoice: dict[str, Any], *, pay_url: str | None, recipient: Recipient,
                  branding: Branding | None,
                  deal_context: DealContext | None) -> dict[str, dict[str, str]]:
    """Every group of merge tags with a string for each tag ("" when unknown), clipped."""
    deal = deal_context.deal if deal_context is not None else None
    customer = deal_context.customer if deal_context is not None else None
    groups = {
        "xero": invoice_values(invoice, pay_url),
        "company": {"name": branding.company if branding else "",
                    "email": branding.from_email if branding else ""},
        "contact": {"first_name": recipient.first_name, "last_name": recipient.last_name,
                    "name": recipient.name, "email": recipient.email},
        "deal": {"title": _text(deal.title if deal else None),
                 "reference": _text(deal.reference if deal else None)},
        "customer": {"name": _text(customer.name if customer else None)},
    }
    # No value is longer than the size check of the templates assumed.
    return {group: clip(group, values) for group, values in groups.items()}
