"""Invoice actions: create a Xero invoice from a deal (contact auto-resolved), update one, email."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.crm import service as crm
from ledgerlink.crm.views import DealContext, DealLine
from ledgerlink.email import service as email_service
from ledgerlink.email.recipients import check_recipient
from ledgerlink.email.schemas import EmailOutcome
from ledgerlink.errors import (
    ConflictingInputError,
    LedgerlinkError,
    NotFoundError,
    UnknownReferenceError,
)
from ledgerlink.integrations.actions_contacts import (
    ContactSource,
    from_crm_contact,
    from_customer,
    resolve,
)
from ledgerlink.integrations.actions_context import ActionContext, crm_record, stored_id
from ledgerlink.integrations.actions_results import InvoiceResult
from ledgerlink.integrations.actions_schemas import (
    INVOICE_CHANGES,
    CreateInvoiceParams,
    InvoiceEmail,
    UpdateInvoiceParams,
)
from ledgerlink.providers.xero.actions import (
    CreateInvoice,
    InvoiceId,
    UpdateInvoice,
    WriteInvoiceId,
    create_invoice,
    delete_invoice,
    get_invoice,
    update_invoice,
    void_invoice,
)
from ledgerlink.providers.xero.models import Invoice, InvoiceStatus


async def load_deal(ctx: ActionContext, given: str | None, *, why: str) -> DealContext:
    """The deal named by params.deal_id, else by data.deal.id (422 when neither names one)."""
    if given is not None:
        deal_id, field = given, "params.deal_id"
    else:
        named = ctx.data_deal_id()
        if named is None:
            raise ConflictingInputError(f"params.deal_id: required {why}: give params.deal_id "
                                        "or data.deal.id", field="params.deal_id")
        deal_id, field = stored_id(named), "data.deal.id"
    return await crm_record(crm.get_deal_context(ctx.session, deal_id), field)


def names_deal(ctx: ActionContext, given: str | None) -> bool:
    """Whether params.deal_id or data.deal.id names a deal."""
    return given is not None or ctx.data_deal_id() is not None


def contact_source(deal: DealContext) -> ContactSource:
    """Whom the deal bills: its customer, else its primary contact."""
    if deal.customer is not None:
        return from_customer(deal.customer, deal.primary_contact)
    if deal.primary_contact is not None:
        return from_crm_contact(deal.primary_contact)
    raise ConflictingInputError(f"params.deal_id: deal {deal.deal.id} has neither a customer "
                                "nor a primary contact, so there is no one to invoice",
                                field="params.deal_id")


def _line(line: DealLine, params: CreateInvoiceParams) -> dict[str, Any]:
    values = {"description": line.effective_description, "quantity": line.quantity,
              "unit_amount": line.effective_unit_price, "discount_rate": line.discount_rate,
              "account_code": line.account_code or params.account_code,
              "tax_type": line.tax_type or params.tax_type}
    return {k: v for k, v in values.items() if v is not None}


async def send_email(ctx: ActionContext, params: InvoiceEmail, invoice: Invoice,
                     deal: DealContext | None, *, wrote: bool = True,
                     ) -> tuple[EmailOutcome, dict[str, Any] | None]:
    """Email the invoice as asked.

    After a write to Xero a failure is reported in the result, not raised: the invoice was
    saved, and the caller needs its id. When the email was all there was to do, it raises.
    """
    if params.email_mode == "none":
        return EmailOutcome(mode="none", sent=False), None
    try:
        outcome = await email_service.send_invoice_email(
            ctx.session, ctx.hub, integration=ctx.integration, client=ctx.client,
            invoice=invoice.model_dump(mode="json", by_alias=True, exclude_none=True),
            deal_context=deal, params=params, operation_id=ctx.operation("email"),
            prefix="params.")
    except LedgerlinkError as exc:
        if not wrote:
            raise
        error = {"code": exc.code, "message": exc.message, "field": exc.field}
        return EmailOutcome(mode=params.email_mode, sent=False), error
    return outcome, None


async def check_email(ctx: ActionContext, params: InvoiceEmail,
                      deal: DealContext | None) -> None:
    """The email's own checks (SMTP, configuration, templates, recipient), before anything is
    written to Xero."""
    await email_service.check_email_ready(ctx.session, ctx.hub, params, prefix="params.")
    await check_recipient(ctx.session, params, deal, prefix="params.")


def invoice_result(invoice: Invoice, *, deal_id: str | None, contact_created: bool | None,
                   email: EmailOutcome, email_error: dict[str, Any] | None,
                   approved_for_email: bool = False) -> InvoiceResult:
    """The action result of an invoice."""
    contact = invoice.contact
    return InvoiceResult(
        invoice_id=str(invoice.invoice_id), invoice_number=invoice.invoice_number,
        type=invoice.type.value if invoice.type else None,
        status=invoice.status.value if invoice.status else None, reference=invoice.reference,
        date=invoice.date, due_date=invoice.due_date, currency_code=invoice.currency_code,
        sub_total=invoice.sub_total, total_tax=invoice.total_tax, total=invoice.total,
        amount_due=invoice.amount_due, contact_id=contact.contact_id if contact else None,
        contact_name=contact.name if contact else None, contact_created=contact_created,
        deal_id=deal_id, approved_for_email=approved_for_email, email=email,
        email_error=email_error)


async def create_invoice_action(ctx: ActionContext,
                                params: CreateInvoiceParams) -> InvoiceResult:
    """xero_create_invoice (and its alias): the deal's lines billed to its resolved contact.

    Xero emails only approved invoices: asked for an email without a status, it is created
    AUTHORISED, and the result says so.
    """
    deal = await load_deal(ctx, params.deal_id, why="to create an invoice from a deal")
    if not deal.deal_products:
        raise ConflictingInputError(f"params.deal_id: deal {deal.deal.id} has no products to "
                                    "invoice", field="params.deal_id")
    source = contact_source(deal)
    await check_email(ctx, params, deal)
    resolved = await resolve(ctx, source)
    approve = params.status is None and params.email_mode != "none"
    body = {"operation_id": ctx.operation("invoice"), "type": "ACCREC",
            "contact": {"contact_id": resolved.contact_id},
            "line_items": [_line(line, params) for line in deal.deal_products],
            "date": params.date, "due_date": params.due_date,
            "reference": params.reference if params.reference is not None
            else deal.deal.reference,
            "invoice_number": params.invoice_number,
            "line_amount_types": params.line_amount_types,
            "currency_code": params.currency_code or deal.deal.currency,
            "status": "AUTHORISED" if approve else params.status or "DRAFT",
            "branding_theme_id": params.branding_theme_id}
    invoice = await create_invoice(ctx.client, CreateInvoice.model_validate(
        {k: v for k, v in body.items() if v is not None}))
    deal_id, invoice_id = deal.deal.id, str(invoice.invoice_id)

    async def link(session: AsyncSession) -> None:
        await crm.set_deal_xero_invoice(session, deal_id, invoice_id)

    ctx.defer(link)
    email, error = await send_email(ctx, params, invoice, deal)
    return invoice_result(invoice, deal_id=deal_id, contact_created=resolved.created,
                          email=email, email_error=error, approved_for_email=approve)


async def update_invoice_action(ctx: ActionContext,
                                params: UpdateInvoiceParams) -> InvoiceResult:
    """xero_update_invoice: change fields (Xero's status rules apply), then email if asked.

    An email without a status approves a DRAFT invoice first (Xero emails only approved ones).
    """
    deal = None
    if names_deal(ctx, params.deal_id):
        deal = await load_deal(ctx, params.deal_id, why="")
    await check_email(ctx, params, deal)
    changes = {name: getattr(params, name) for name in INVOICE_CHANGES
               if getattr(params, name) is not None}
    if params.line_items is not None:
        changes["line_items"] = [line.model_dump(exclude_none=True)
                                 for line in params.line_items]
    terminal = None
    if params.status in ("DELETED", "VOIDED"):
        terminal = changes.pop("status")  # Xero deletes and voids by their own requests
    try:
        invoice = await _apply(ctx, params.invoice_id, changes, terminal)
    except NotFoundError:
        raise UnknownReferenceError(f"params.invoice_id: Xero has no invoice "
                                    f"{params.invoice_id}", field="params.invoice_id") from None
    approve = params.email_mode != "none" and params.status is None \
        and invoice.status == InvoiceStatus.DRAFT
    if approve:
        invoice = await update_invoice(ctx.client, UpdateInvoice.model_validate(
            {"operation_id": ctx.operation("approve"), "invoice_id": params.invoice_id,
             "status": "AUTHORISED"}))
    email, error = await send_email(ctx, params, invoice, deal,
                                    wrote=bool(changes) or terminal is not None or approve)
    return invoice_result(invoice, deal_id=deal.deal.id if deal else None,
                          contact_created=None, email=email, email_error=error,
                          approved_for_email=approve)


async def _apply(ctx: ActionContext, invoice_id: str, changes: dict[str, Any],
                 terminal: str | None) -> Invoice:
    client = ctx.client
    invoice: Invoice | None = None
    if changes:
        invoice = await update_invoice(client, UpdateInvoice.model_validate(
            {"operation_id": ctx.operation("update"), "invoice_id": invoice_id, **changes}))
    if terminal is not None:
        target = {"operation_id": ctx.operation("status"), "invoice_id": invoice_id}
        action = delete_invoice if terminal == "DELETED" else void_invoice
        invoice = await action(client, WriteInvoiceId.model_validate(target))
    if invoice is None:  # nothing to change: only an email was asked for
        invoice = await get_invoice(client, InvoiceId(invoice_id=invoice_id))
    return invoice
