"""xero-python against the emulator: payments, credit notes, repeating invoices and reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from xero_python.accounting.models import (
    Account,
    Allocation,
    Allocations,
    Contact,
    CreditNote,
    CreditNotes,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
    Payment,
    PaymentDelete,
    RepeatingInvoice,
    RepeatingInvoices,
    RowType,
    Schedule,
)
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from ledgerlink.emulator.core.server import RunningEmulator
from tests.conformance.xero_python_support import Sdk

pytestmark = pytest.mark.conformance
TODAY = datetime.now(UTC).date()  # the emulator keeps UTC dates
OVERPAID = "Payment amount exceeds the amount outstanding on this document"






@pytest.fixture(scope="module")
def customer(sdk: Sdk, tenant: str) -> Contact:
    """A seeded customer."""
    return sdk.accounting.get_contacts(tenant, where="IsCustomer==true").contacts[0]


@pytest.fixture(autouse=True)
def fresh_limits(emulator: RunningEmulator) -> None:
    """Each test starts with empty rate windows (a test stays under 60 calls a minute)."""
    emulator.emulator.limiter.reset()


def line(amount: str) -> LineItem:
    return LineItem(description="Cabinetry", quantity=1, unit_amount=Decimal(amount),
                    account_code="200", tax_type="OUTPUT2")


def invoice(sdk: Sdk, tenant: str, contact: Contact, amount: str = "200.00") -> Invoice:
    """A new AUTHORISED sale of `amount` plus 15% GST."""
    return sdk.accounting.create_invoices(tenant, Invoices(invoices=[Invoice(
        type="ACCREC", contact=Contact(contact_id=contact.contact_id), date=TODAY,
        due_date=TODAY + timedelta(days=20), status="AUTHORISED",
        line_amount_types=LineAmountTypes.EXCLUSIVE, line_items=[line(amount)])])).invoices[0]


def pay(sdk: Sdk, tenant: str, invoice_id: str, amount: str) -> Payment:
    return sdk.accounting.create_payment(tenant, Payment(
        invoice=Invoice(invoice_id=invoice_id), account=Account(code="090"),
        date=TODAY, amount=Decimal(amount), reference="conformance")).payments[0]


def test_payments_lifecycle(sdk: Sdk, tenant: str, customer: Contact) -> None:
    api = sdk.accounting
    sold = invoice(sdk, tenant, customer)  # 230.00 with GST
    assert sold.total == Decimal("230.00")

    part = pay(sdk, tenant, sold.invoice_id, "100.00")
    assert part.payment_id and part.status == "AUTHORISED" and part.amount == Decimal("100.00")
    assert part.payment_type == "ACCRECPAYMENT" and part.date == TODAY
    after = api.get_invoice(tenant, sold.invoice_id).invoices[0]
    assert (after.status, after.amount_paid, after.amount_due) == (
        "AUTHORISED", Decimal("100.00"), Decimal("130.00"))

    with pytest.raises(AccountingBadRequestException) as caught:
        pay(sdk, tenant, sold.invoice_id, "130.01")
    assert caught.value.reason == OVERPAID
    assert caught.value.error_data["Elements"][0]["ValidationErrors"][0]["Message"] == OVERPAID

    rest = pay(sdk, tenant, sold.invoice_id, "130.00")
    paid = api.get_invoice(tenant, sold.invoice_id).invoices[0]
    assert paid.status == "PAID" and paid.amount_due == 0
    assert paid.fully_paid_on_date == TODAY
    assert {p.payment_id for p in paid.payments} == {part.payment_id, rest.payment_id}

    fetched = api.get_payment(tenant, rest.payment_id).payments[0]
    assert fetched.invoice.invoice_id == sold.invoice_id and fetched.amount == Decimal("130.00")
    assert fetched.account.code == "090"
    assert isinstance(fetched.updated_date_utc, datetime)
    listed = api.get_payments(tenant, where=f'Invoice.InvoiceID==Guid("{sold.invoice_id}")')
    assert {p.payment_id for p in listed.payments} == {part.payment_id, rest.payment_id}
    paged = api.get_payments(tenant, page=1, page_size=5, order="Date DESC").payments
    assert len(paged) == 5

    reversed_ = api.delete_payment(tenant, rest.payment_id,
                                   PaymentDelete(status="DELETED")).payments[0]
    assert reversed_.status == "DELETED"
    back = api.get_invoice(tenant, sold.invoice_id).invoices[0]
    assert (back.status, back.amount_due, back.fully_paid_on_date) == (
        "AUTHORISED", Decimal("130.00"), None)
    history = api.get_payment_history(tenant, part.payment_id).history_records
    assert history and all(isinstance(h.date_utc, datetime) for h in history)
    with pytest.raises(NotFoundException):
        api.get_payment(tenant, "00000000-0000-0000-0000-0000000000cc")


def test_credit_note_allocation(sdk: Sdk, tenant: str, customer: Contact) -> None:
    api = sdk.accounting
    sold = invoice(sdk, tenant, customer, "100.00")  # 115.00
    note = api.create_credit_notes(tenant, CreditNotes(credit_notes=[CreditNote(
        type="ACCRECCREDIT", contact=Contact(contact_id=customer.contact_id),
        date=TODAY, status="AUTHORISED", line_amount_types=LineAmountTypes.EXCLUSIVE,
        line_items=[line("40.00")])])).credit_notes[0]
    assert note.credit_note_id and note.total == Decimal("46.00")
    assert note.remaining_credit == Decimal("46.00")

    made = api.create_credit_note_allocation(tenant, note.credit_note_id, Allocations(
        allocations=[Allocation(invoice=Invoice(invoice_id=sold.invoice_id),
                                amount=Decimal("46.00"), date=TODAY)])).allocations[0]
    assert made.amount == Decimal("46.00")
    after = api.get_credit_note(tenant, note.credit_note_id).credit_notes[0]
    assert after.status == "PAID" and after.remaining_credit == 0
    assert [a.invoice.invoice_id for a in after.allocations] == [sold.invoice_id]
    owed = api.get_invoice(tenant, sold.invoice_id).invoices[0]
    assert owed.amount_credited == Decimal("46.00") and owed.amount_due == Decimal("69.00")
    seeded = api.get_credit_notes(tenant, page=1).credit_notes
    assert len(seeded) >= 15 and note.credit_note_id in {c.credit_note_id for c in seeded}


def test_repeating_invoices(sdk: Sdk, tenant: str, customer: Contact) -> None:
    api = sdk.accounting
    assert len(api.get_repeating_invoices(tenant).repeating_invoices) >= 4
    start = TODAY + timedelta(days=7)
    made = api.create_repeating_invoices(tenant, RepeatingInvoices(repeating_invoices=[
        RepeatingInvoice(type="ACCREC", contact=Contact(contact_id=customer.contact_id),
                         status="AUTHORISED", line_amount_types=LineAmountTypes.EXCLUSIVE,
                         reference="monthly maintenance", line_items=[line("80.00")],
                         schedule=Schedule(period=1, unit="MONTHLY", due_date=20,
                                           due_date_type="OFFOLLOWINGMONTH",
                                           start_date=start))])).repeating_invoices[0]
    assert made.repeating_invoice_id and made.status == "AUTHORISED"
    assert made.total == Decimal("92.00")
    assert made.schedule.unit == "MONTHLY" and made.schedule.start_date == start
    assert made.schedule.next_scheduled_date == start
    one = api.get_repeating_invoice(tenant, made.repeating_invoice_id).repeating_invoices[0]
    assert one.reference == "monthly maintenance"
    listed = api.get_repeating_invoices(tenant, where='Status=="AUTHORISED"').repeating_invoices
    assert made.repeating_invoice_id in {r.repeating_invoice_id for r in listed}

    gone = api.update_repeating_invoice(tenant, made.repeating_invoice_id, RepeatingInvoices(
        repeating_invoices=[RepeatingInvoice(status="DELETED")])).repeating_invoices[0]
    assert gone.status == "DELETED"
    left = {r.repeating_invoice_id for r in api.get_repeating_invoices(tenant).repeating_invoices}
    assert made.repeating_invoice_id not in left


def rows(report: Any) -> list[Any]:
    """Every row of a report, sections flattened."""
    out = []
    for row in report.rows:
        out.append(row)
        out.extend(row.rows or [])
    return out


def test_reports(sdk: Sdk, tenant: str, customer: Contact) -> None:
    api = sdk.accounting
    pnl = api.get_report_profit_and_loss(tenant, from_date=TODAY.replace(day=1),
                                         to_date=TODAY).reports[0]
    assert pnl.report_id == "ProfitAndLoss" and pnl.report_name == "Profit and Loss"
    assert pnl.rows[0].row_type == RowType.HEADER
    assert any(r.row_type == RowType.SECTION for r in pnl.rows)
    assert isinstance(pnl.updated_date_utc, datetime)

    sheet = api.get_report_balance_sheet(tenant, date=TODAY, periods=2,
                                         timeframe="MONTH").reports[0]
    assert sheet.report_id == "BalanceSheet"
    header = sheet.rows[0]
    assert header.row_type == RowType.HEADER and len(header.cells) == 4  # label + 3 dates
    titles = [r.title for r in sheet.rows if r.row_type == RowType.SECTION]
    assert "Assets" in " ".join(titles) and "Liabilities" in " ".join(titles)

    trial = api.get_report_trial_balance(tenant, date=TODAY).reports[0]
    summary = [r for r in rows(trial) if r.row_type == RowType.SUMMARYROW]
    assert summary
    debit, credit = (Decimal(c.value) for c in summary[-1].cells[1:3])
    assert debit == credit and debit > 0

    aged = api.get_report_aged_receivables_by_contact(tenant, customer.contact_id,
                                                      date=TODAY).reports[0]
    assert aged.report_id == "AgedReceivablesByContact"
    assert aged.rows[0].row_type == RowType.HEADER
    supplier = api.get_contacts(tenant, where="IsSupplier==true").contacts[0]
    payables = api.get_report_aged_payables_by_contact(tenant, supplier.contact_id,
                                                       date=TODAY).reports[0]
    assert payables.report_id == "AgedPayablesByContact"
    assert any(r.row_type == RowType.SECTION for r in payables.rows)
