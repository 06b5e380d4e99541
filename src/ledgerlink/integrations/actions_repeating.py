"""xero_create_repeating_invoice: a Xero template from deal products or products.

Rules of the seed: exactly one of deal_product_ids (which needs the deal) and product_ids;
Usage-Based products are skipped (metered charges do not repeat at a fixed price), and if
nothing is left that is a 422; YEARLY is MONTHLY × 12 × period, as Xero only knows weeks and
months; approve_for_sending (default true) lets Xero email each invoice, false creates them
marked as sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerlink.crm import service as crm
from ledgerlink.crm.types import is_usage_based
from ledgerlink.db.models.crm import Product
from ledgerlink.errors import ConflictingInputError, InputError, UnknownReferenceError
from ledgerlink.integrations.actions_context import ActionContext
from ledgerlink.integrations.actions_invoices import load_deal
from ledgerlink.integrations.actions_results import (
    RepeatingInvoiceResult,
    ScheduleResult,
    SkippedProduct,
)
from ledgerlink.integrations.actions_schemas import RepeatingInvoiceParams
from ledgerlink.providers.xero.actions_base import first, write_key
from ledgerlink.providers.xero.models import RepeatingInvoice, ScheduleUnit

XERO_ACTION = "create_repeating_invoice"


@dataclass(frozen=True)
class Billed:
    """One product to bill on each invoice, at a quantity and price."""

    product: Product
    quantity: Decimal
    unit_amount: Decimal
    description: str
    discount_rate: Decimal | None = None


def xero_schedule(unit: str, period: int) -> tuple[ScheduleUnit, int]:
    """Xero's (Unit, Period) for ours: YEARLY is MONTHLY with 12 × period."""
    if unit == "YEARLY":
        return ScheduleUnit.MONTHLY, 12 * period
    return ScheduleUnit(unit), period


async def _selected(ctx: ActionContext, params: RepeatingInvoiceParams) -> tuple[list[Billed],
                                                                                    str]:
    """The products chosen, in the order given, and the parameter that chose them."""
    if params.deal_product_ids is not None:
        field = "params.deal_product_ids"
        deal = await load_deal(ctx, params.deal_id, why="with deal_product_ids")
        lines = {line.id: line for line in deal.deal_products}
        wanted = list(params.deal_product_ids)
        missing = [value for value in wanted if value not in lines]
        if missing:
            raise UnknownReferenceError(f"{field}: not products of deal {deal.deal.id}: "
                                        f"{', '.join(missing)}", field=field,
                                        details={"missing": missing})
        return [Billed(lines[i].product, lines[i].quantity, lines[i].effective_unit_price,
                       lines[i].effective_description, lines[i].discount_rate)
                for i in wanted], field
    field = "params.product_ids"
    ids = list(params.product_ids or [])
    try:
        products = await crm.get_products(ctx.session, ids)
    except InputError as exc:  # the CRM's refusal names product_ids: name ours
        raise UnknownReferenceError(f"params.{exc.message}", field=field,
                                    details=exc.details) from None
    return [Billed(p, Decimal(1), p.unit_price, p.description or p.name) for p in products], field


def _element(params: RepeatingInvoiceParams, billed: list[Billed]) -> dict[str, Any]:
    unit, period = xero_schedule(params.schedule_unit, params.schedule_period)
    schedule: dict[str, Any] = {"Period": period, "Unit": unit.value,
                                "DueDate": params.due_days or 0,
                                "DueDateType": "DAYSAFTERINVOICEDATE",
                                "StartDate": params.start_date, "EndDate": params.end_date}
    lines = []
    for item in billed:
        line: dict[str, Any] = {"Description": item.description, "Quantity": item.quantity,
                                "UnitAmount": item.unit_amount,
                                "AccountCode": params.account_code, "TaxType": params.tax_type}
        if item.discount_rate:
            line["DiscountRate"] = item.discount_rate
        lines.append(line)
    approve = params.approve_for_sending
    element: dict[str, Any] = {
        "Type": "ACCREC", "Contact": {"ContactID": params.contact_id},
        "Schedule": {k: v for k, v in schedule.items() if v is not None},
        "LineItems": lines, "Reference": params.reference,
        "LineAmountTypes": params.line_amount_types,
        # Approved templates raise approved invoices; only those can be sent automatically.
        "Status": "AUTHORISED", "ApprovedForSending": approve, "SendCopy": False,
        "MarkAsSent": not approve, "IncludePDF": approve}
    return {k: v for k, v in element.items() if v is not None}


async def create_repeating_action(ctx: ActionContext,
                                  params: RepeatingInvoiceParams) -> RepeatingInvoiceResult:
    """xero_create_repeating_invoice."""
    chosen, field = await _selected(ctx, params)
    billed = [item for item in chosen if not is_usage_based(item.product.category)]
    skipped = [SkippedProduct(product_id=item.product.id, name=item.product.name,
                              reason="Usage-Based products are not billed on repeating invoices")
               for item in chosen if is_usage_based(item.product.category)]
    if not billed:
        raise ConflictingInputError(
            f"{field}: every selected product is Usage-Based, and Usage-Based products are "
            "skipped on repeating invoices: nothing is left to bill", field=field,
            details={"skipped": [s.product_id for s in skipped]})
    client = ctx.client
    body = await client.write("PUT", "/RepeatingInvoices",
                              {"RepeatingInvoices": [_element(params, billed)]},
                              operation=XERO_ACTION,
                              idempotency_key=write_key(client, XERO_ACTION,
                                                        ctx.operation("repeating")))
    record = first(body, "RepeatingInvoices", RepeatingInvoice)
    schedule = record.schedule
    return RepeatingInvoiceResult(
        repeating_invoice_id=str(record.repeating_invoice_id or record.id),
        status=record.status.value if record.status else None,
        contact_id=record.contact.contact_id if record.contact else None,
        contact_name=record.contact.name if record.contact else None,
        schedule=ScheduleResult(
            period=schedule.period if schedule else None,
            unit=schedule.unit.value if schedule and schedule.unit else None,
            due_date=schedule.due_date if schedule else None,
            due_date_type=schedule.due_date_type.value
            if schedule and schedule.due_date_type else None,
            start_date=schedule.start_date if schedule else None,
            next_scheduled_date=schedule.next_scheduled_date if schedule else None,
            end_date=schedule.end_date if schedule else None),
        approved_for_sending=record.approved_for_sending, mark_as_sent=record.mark_as_sent,
        sub_total=record.sub_total, total_tax=record.total_tax, total=record.total,
        line_count=len(record.line_items or []), skipped_products=skipped)
