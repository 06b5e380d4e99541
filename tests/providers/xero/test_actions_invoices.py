"""Invoice and payment actions against the emulator over loopback HTTP, amounts worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError as ParamsError

from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.errors import ValidationError
from ledgerlink.providers.xero.actions import (
    AddNoteToInvoice,
    CreateInvoice,
    InvoiceId,
    ListInvoices,
    PagedListParams,
    PayInvoice,
    PaymentId,
    UpdateInvoice,
    WriteInvoiceId,
    WritePaymentId,
    add_note_to_invoice,
    create_invoice,
    delete_invoice,
    get_invoice,
    get_invoice_history,
    get_online_invoice,
    get_payment,
    get_payment_history,
    list_invoices,
    list_payments,
    pay_invoice,
    reverse_payment,
    send_invoice,
    update_invoice,
    void_invoice,
)
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.models import (
    Invoice,
    InvoiceStatus,
    PaymentStatus,
    PaymentType,
)
from tests.providers.xero.conftest import RequestLog

pytestmark = pytest.mark.timeout(30)
D = Decimal


def _customer(emulator: RunningEmulator) -> str:
    org = emulator.emulator.default_org
    return next(c["ContactID"] for c in org.contacts.values()
                if c.get("EmailAddress") and c.get("ContactStatus") == "ACTIVE")


def _bank(emulator: RunningEmulator) -> str:
    org = emulator.emulator.default_org
    return next(a["AccountID"] for a in org.accounts.values() if a.get("Code") == "090")


def _invoice(op: str, contact_id: str, status: str = "AUTHORISED", **extra: Any) -> CreateInvoice:
    return CreateInvoice.model_validate({
        "operation_id": op, "Type": "ACCREC", "Contact": {"ContactID": contact_id},
        "Date": "2025-03-01", "DueDate": "2025-03-31", "Status": status,
        "LineAmountTypes": "Exclusive", "Reference": f"ref {op}",
        "LineItems": [
            {"Description": "Brass hinge", "Quantity": "2", "UnitAmount": "12.35",
             "AccountCode": "200", "TaxType": "OUTPUT2"},
            {"Description": "Stair tread", "Quantity": "3", "UnitAmount": "45.45",
             "AccountCode": "200", "TaxType": "OUTPUT2"},
            {"Description": "Design", "Quantity": "1", "UnitAmount": "100.00",
             "DiscountRate": "10", "AccountCode": "200", "TaxType": "OUTPUT2"}],
        **extra})


async def _created(xero: XeroClient, emulator: RunningEmulator, op: str,
                   status: str = "AUTHORISED") -> Invoice:
    invoice = await create_invoice(xero, _invoice(op, _customer(emulator), status))
    assert invoice.invoice_id
    return invoice


async def test_create_invoice_totals_by_hand(xero: XeroClient,
                                             emulator: RunningEmulator) -> None:
    invoice = await _created(xero, emulator, "inv-totals")
    # 2 × 12.35 = 24.70, tax 15% = 3.705 → 3.71 (per line, half up)
    # 3 × 45.45 = 136.35, tax 20.4525 → 20.45
    # 1 × 100.00 less 10% = 90.00, tax 13.50
    lines = invoice.line_items or []
    assert [line.line_amount for line in lines] == [D("24.70"), D("136.35"), D("90.00")]
    assert [line.tax_amount for line in lines] == [D("3.71"), D("20.45"), D("13.50")]
    assert invoice.sub_total == D("251.05")
    assert invoice.total_tax == D("37.66")
    assert invoice.total == D("288.71") and invoice.amount_due == D("288.71")
    assert invoice.amount_paid == D("0.00")
    assert invoice.status is InvoiceStatus.AUTHORISED
    assert invoice.date == date(2025, 3, 1) and invoice.due_date == date(2025, 3, 31)
    assert (invoice.invoice_number or "").startswith("INV-")
    fetched = await get_invoice(xero, InvoiceId(invoice_id=invoice.invoice_id or ""))
    assert fetched.total == D("288.71") and fetched.reference == "ref inv-totals"


async def test_same_operation_id_creates_one_invoice(xero: XeroClient,
                                                     emulator: RunningEmulator) -> None:
    org = emulator.emulator.default_org
    before = len(org.invoices)
    params = _invoice("once", _customer(emulator))
    first = await create_invoice(xero, params)
    second = await create_invoice(xero, params)
    assert first.invoice_id == second.invoice_id
    assert first.invoice_number == second.invoice_number
    assert len(org.invoices) == before + 1
    other = await create_invoice(xero, _invoice("twice", _customer(emulator)))
    assert other.invoice_id != first.invoice_id and len(org.invoices) == before + 2


async def test_pay_then_reverse_restores_the_amount_due(xero: XeroClient,
                                                        emulator: RunningEmulator) -> None:
    invoice = await _created(xero, emulator, "to-pay")
    invoice_id = invoice.invoice_id or ""
    pay = PayInvoice(operation_id="pay-1", invoice_id=invoice_id, account_id=_bank(emulator),
                     amount=D("100.00"), date=date(2025, 3, 10), reference="part")
    payment = await pay_invoice(xero, pay)
    assert payment.amount == D("100.00") and payment.status is PaymentStatus.AUTHORISED
    assert payment.payment_type is PaymentType.ACCRECPAYMENT
    assert payment.date == date(2025, 3, 10)
    assert (await pay_invoice(xero, pay)).payment_id == payment.payment_id  # replayed, once
    after = await get_invoice(xero, InvoiceId(invoice_id=invoice_id))
    assert after.amount_paid == D("100.00") and after.amount_due == D("188.71")
    assert [p.payment_id for p in after.payments or []] == [payment.payment_id]

    with pytest.raises(ValidationError) as caught:  # more than is due
        await pay_invoice(xero, PayInvoice(operation_id="pay-too-much", invoice_id=invoice_id,
                                           account_code="090", amount=D("188.72")))
    assert caught.value.problems[0].field == "Amount"

    rest = await pay_invoice(xero, PayInvoice(operation_id="pay-2", invoice_id=invoice_id,
                                              account_code="090", amount=D("188.71"),
                                              date=date(2025, 3, 20)))
    paid = await get_invoice(xero, InvoiceId(invoice_id=invoice_id))
    assert paid.status is InvoiceStatus.PAID and paid.amount_due == D("0.00")
    assert paid.fully_paid_on_date == date(2025, 3, 20)

    reversed_ = await reverse_payment(xero, WritePaymentId(
        operation_id="rev-1", payment_id=payment.payment_id or ""))
    assert reversed_.status is PaymentStatus.DELETED
    restored = await get_invoice(xero, InvoiceId(invoice_id=invoice_id))
    assert restored.status is InvoiceStatus.AUTHORISED
    assert restored.amount_paid == D("188.71") and restored.amount_due == D("100.00")

    fetched = await get_payment(xero, PaymentId(payment_id=rest.payment_id or ""))
    assert fetched.amount == D("188.71") and fetched.invoice
    assert fetched.invoice.invoice_id == invoice_id
    history = await get_payment_history(xero, PaymentId(payment_id=payment.payment_id or ""))
    assert history and history[-1].changes == "Created"
    assert any("delet" in (h.details or "").lower() or h.changes == "Deleted"
               for h in history)


def test_pay_params_need_exactly_one_account_and_a_positive_amount() -> None:
    with pytest.raises(ParamsError, match="exactly one of account_id or account_code"):
        PayInvoice(operation_id="p", invoice_id="i", amount=D(1))
    with pytest.raises(ParamsError) as caught:
        PayInvoice.model_validate({"operationId": "p", "invoiceId": "i", "accountCode": "090",
                                   "paymentAmount": "1"})
    assert {e["loc"][0] for e in caught.value.errors()} == {"amount", "paymentAmount"}
    with pytest.raises(ParamsError) as caught:
        PayInvoice(operation_id="p", invoice_id="i", account_code="090", amount=D("-5"))
    assert caught.value.errors()[0]["loc"] == ("amount",)


async def test_delete_and_void_follow_xeros_rules(xero: XeroClient,
                                                  emulator: RunningEmulator) -> None:
    draft = await _created(xero, emulator, "draft", status="DRAFT")
    draft_id = draft.invoice_id or ""
    with pytest.raises(ValidationError) as caught:  # only AUTHORISED can be voided
        await void_invoice(xero, WriteInvoiceId(operation_id="void-draft", invoice_id=draft_id))
    assert caught.value.message == "Invoice not of valid status for modification"
    deleted = await delete_invoice(xero, WriteInvoiceId(operation_id="del-draft",
                                                        invoice_id=draft_id))
    assert deleted.status is InvoiceStatus.DELETED

    approved = await _created(xero, emulator, "approved")
    approved_id = approved.invoice_id or ""
    with pytest.raises(ValidationError) as caught:  # only DRAFT/SUBMITTED can be deleted
        await delete_invoice(xero, WriteInvoiceId(operation_id="del-auth",
                                                  invoice_id=approved_id))
    assert caught.value.message == "Invoice not of valid status for modification"
    payment = await pay_invoice(xero, PayInvoice(operation_id="p", invoice_id=approved_id,
                                                 account_code="090", amount=D("10")))
    with pytest.raises(ValidationError, match="payments or credits applied"):
        await void_invoice(xero, WriteInvoiceId(operation_id="void-paid",
                                                invoice_id=approved_id))
    await reverse_payment(xero, WritePaymentId(operation_id="r",
                                               payment_id=payment.payment_id or ""))
    voided = await void_invoice(xero, WriteInvoiceId(operation_id="void-ok",
                                                     invoice_id=approved_id))
    assert voided.status is InvoiceStatus.VOIDED and voided.amount_due == D("0.00")


async def test_update_approves_a_draft(xero: XeroClient, emulator: RunningEmulator) -> None:
    draft = await _created(xero, emulator, "upd", status="DRAFT")
    approved = await update_invoice(xero, UpdateInvoice(
        operation_id="approve", invoice_id=draft.invoice_id or "", reference="PO 7731",
        status="AUTHORISED"))
    assert approved.status is InvoiceStatus.AUTHORISED and approved.reference == "PO 7731"
    assert approved.total == D("288.71")


async def test_send_invoice_emails_only_approved_sales(xero: XeroClient,
                                                       emulator: RunningEmulator) -> None:
    invoice = await _created(xero, emulator, "send")
    sent = await send_invoice(xero, WriteInvoiceId(operation_id="send-1",
                                                   invoice_id=invoice.invoice_id or ""))
    assert sent.sent and sent.invoice_id == invoice.invoice_id
    outbox = emulator.emulator.default_org.outbox
    assert [m["InvoiceID"] for m in outbox] == [invoice.invoice_id]
    again = await send_invoice(xero, WriteInvoiceId(operation_id="send-1",
                                                    invoice_id=invoice.invoice_id or ""))
    assert again.sent and len(outbox) == 1  # a retried send is not a second email
    after = await get_invoice(xero, InvoiceId(invoice_id=invoice.invoice_id or ""))
    assert after.sent_to_contact is True

    draft = await _created(xero, emulator, "send-draft", status="DRAFT")
    with pytest.raises(ValidationError, match="approved"):
        await send_invoice(xero, WriteInvoiceId(operation_id="send-2",
                                                invoice_id=draft.invoice_id or ""))
    link = await get_online_invoice(xero, InvoiceId(invoice_id=invoice.invoice_id or ""))
    assert (invoice.invoice_id or "") in (link.online_invoice_url or "")


async def test_invoice_notes_appear_in_its_history(xero: XeroClient,
                                                   emulator: RunningEmulator) -> None:
    invoice = await _created(xero, emulator, "noted")
    added = await add_note_to_invoice(xero, AddNoteToInvoice(
        operation_id="note-1", invoice_id=invoice.invoice_id or "",
        notes="Customer asked for a copy by post"))
    assert added[0].details == "Customer asked for a copy by post"
    history = await get_invoice_history(xero, InvoiceId(invoice_id=invoice.invoice_id or ""))
    assert history[0].details == "Customer asked for a copy by post"
    assert {h.changes for h in history} >= {"Note", "Created", "Approved"}


async def test_list_invoices_in_one_call_with_filters(xero: XeroClient,
                                                      emulator: RunningEmulator,
                                                      request_log: RequestLog) -> None:
    org = emulator.emulator.default_org
    everything = await list_invoices(xero, ListInvoices())
    assert len(everything) == sum(1 for i in org.invoices.values() if i["Status"] != "DELETED")
    assert len(request_log.api()) == 1 and "pageSize=1000" in request_log.api()[0].query
    assert all(i.line_items for i in everything)  # paged lists carry their lines

    paid = await list_invoices(xero, ListInvoices.model_validate({"statuses": "PAID,VOIDED"}))
    assert {i.status for i in paid} <= {InvoiceStatus.PAID, InvoiceStatus.VOIDED}
    assert len(paid) == sum(1 for i in org.invoices.values()
                            if i["Status"] in ("PAID", "VOIDED"))

    contact_id = everything[0].contact.contact_id if everything[0].contact else ""
    theirs = await list_invoices(xero, ListInvoices(contact_ids=[contact_id or ""]))
    assert theirs and all(i.contact and i.contact.contact_id == contact_id for i in theirs)

    page = await list_invoices(xero, ListInvoices(page=2, page_size=50, order="InvoiceNumber"))
    assert len(page) == 50

    bills = await list_invoices(xero, ListInvoices(where='Type=="ACCPAY"'))
    assert bills and all(i.type == "ACCPAY" for i in bills)
    with pytest.raises(ParamsError) as caught:
        ListInvoices.model_validate({"statuses": ["PAID", "OPEN"]})
    assert caught.value.errors()[0]["loc"] == ("statuses", 1)


async def test_list_payments(xero: XeroClient, emulator: RunningEmulator) -> None:
    payments = await list_payments(xero, PagedListParams())
    assert len(payments) == len(emulator.emulator.default_org.payments)
    assert all(p.amount is not None and p.amount > 0 for p in payments)
