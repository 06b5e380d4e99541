"""xero-python against the emulator: invoices, their PDF, email, history and attachments."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from xero_python.accounting.models import (
    Contact,
    HistoryRecord,
    HistoryRecords,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
    RequestEmpty,
)
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from ledgerlink.emulator.core.server import RunningEmulator
from tests.conformance.xero_python_support import Sdk

pytestmark = pytest.mark.conformance
TODAY = datetime.now(UTC).date()  # the emulator keeps UTC dates
MISSING = "00000000-0000-0000-0000-0000000000bb"






@pytest.fixture(scope="module")
def customer(sdk: Sdk, tenant: str) -> Contact:
    """A seeded customer with an email address."""
    found = sdk.accounting.get_contacts(tenant, where="IsCustomer==true").contacts
    return next(c for c in found if c.email_address)


@pytest.fixture(autouse=True)
def fresh_limits(emulator: RunningEmulator) -> None:
    """Each test starts with empty rate windows (a test stays under 60 calls a minute)."""
    emulator.emulator.limiter.reset()


def sale(contact: Contact, status: str = "AUTHORISED", amount: str = "100.00",
         reference: str = "conformance", **extra: object) -> Invoice:
    """An ACCREC invoice of one taxable line (15% GST on top)."""
    return Invoice(type="ACCREC", contact=Contact(contact_id=contact.contact_id),
                   date=TODAY, due_date=TODAY + timedelta(days=14),
                   line_amount_types=LineAmountTypes.EXCLUSIVE, status=status,
                   reference=reference, line_items=[LineItem(
                       description="Joinery work", quantity=2, unit_amount=Decimal(amount) / 2,
                       account_code="200", tax_type="OUTPUT2")], **extra)


def test_create_with_per_element_errors(sdk: Sdk, tenant: str, customer: Contact) -> None:
    good = sale(customer, reference="batch-good")
    bad = Invoice(type="ACCREC", contact=Contact(contact_id=MISSING), date=TODAY,
                  line_items=[LineItem(description="x", quantity=1, unit_amount=5,
                                       account_code="200")])
    result = sdk.accounting.create_invoices(tenant, Invoices(invoices=[good, bad]),
                                            summarize_errors=False).invoices
    assert len(result) == 2
    made, refused = result
    assert made.invoice_id and made.status == "AUTHORISED" and not made.has_errors
    assert made.invoice_number and made.date == TODAY
    assert made.sub_total == Decimal("100.00") and made.total_tax == Decimal("15.00")
    assert made.total == Decimal("115.00") and made.amount_due == Decimal("115.00")
    assert made.status_attribute_string == "OK"
    assert refused.has_errors and refused.status_attribute_string == "ERROR"
    assert refused.validation_errors and refused.validation_errors[0].message
    assert refused.invoice_id in (None, "00000000-0000-0000-0000-000000000000")

    with pytest.raises(AccountingBadRequestException) as caught:
        sdk.accounting.create_invoices(tenant, Invoices(invoices=[bad]))
    assert caught.value.status == 400
    assert caught.value.reason == refused.validation_errors[0].message
    assert caught.value.error_data["Type"] == "ValidationException"


def test_queries(sdk: Sdk, tenant: str, customer: Contact) -> None:
    api = sdk.accounting
    paid = api.get_invoices(tenant, statuses=["PAID"], page=1).invoices
    assert paid and all(i.status == "PAID" and i.amount_due == 0 for i in paid)
    assert all(isinstance(i.fully_paid_on_date, date) for i in paid)
    picked = api.get_invoices(tenant, i_ds=[paid[0].invoice_id, paid[1].invoice_id]).invoices
    assert {i.invoice_id for i in picked} == {paid[0].invoice_id, paid[1].invoice_id}
    by_number = api.get_invoices(tenant, invoice_numbers=[paid[2].invoice_number]).invoices
    assert [i.invoice_id for i in by_number] == [paid[2].invoice_id]
    mine = api.get_invoices(tenant, contact_i_ds=[customer.contact_id]).invoices
    assert mine and {i.contact.contact_id for i in mine} == {customer.contact_id}
    searched = api.get_invoices(tenant, search_term=paid[2].invoice_number).invoices
    assert paid[2].invoice_id in {i.invoice_id for i in searched}

    first = api.get_invoices(tenant, page=1, page_size=10, order="InvoiceNumber ASC")
    second = api.get_invoices(tenant, page=2, page_size=10, order="InvoiceNumber ASC")
    assert len(first.invoices) == 10 and len(second.invoices) == 10
    assert first.pagination.page == 1 and first.pagination.page_size == 10
    count = first.pagination.item_count
    assert count > 200 and first.pagination.page_count == -(-count // 10)
    numbers = [i.invoice_number for i in first.invoices + second.invoices]
    assert numbers == sorted(numbers) and len(set(numbers)) == 20

    bills = api.get_invoices(tenant, where='Type=="ACCPAY"', page=1).invoices
    assert bills and all(i.type == "ACCPAY" for i in bills)
    one = api.get_invoice(tenant, paid[0].invoice_id).invoices[0]
    assert one.line_items and one.payments
    assert isinstance(one.updated_date_utc, datetime) and one.updated_date_utc.tzinfo
    with pytest.raises(NotFoundException):
        api.get_invoice(tenant, MISSING)


def test_update_void_and_delete(sdk: Sdk, tenant: str, customer: Contact) -> None:
    api = sdk.accounting
    draft, other = api.create_invoices(tenant, Invoices(invoices=[
        sale(customer, "DRAFT", reference="draft-1"),
        sale(customer, "DRAFT", reference="draft-2")])).invoices
    assert draft.status == "DRAFT"
    changed = api.update_invoice(tenant, draft.invoice_id, Invoices(invoices=[Invoice(
        reference="draft-1 changed", status="AUTHORISED")])).invoices[0]
    assert (changed.reference, changed.status) == ("draft-1 changed", "AUTHORISED")
    voided = api.update_invoice(tenant, draft.invoice_id, Invoices(invoices=[Invoice(
        status="VOIDED")])).invoices[0]
    assert voided.status == "VOIDED" and voided.amount_due == 0

    upserted = api.update_or_create_invoices(tenant, Invoices(invoices=[
        Invoice(invoice_id=other.invoice_id, reference="draft-2 upserted"),
        sale(customer, "DRAFT", reference="draft-3")])).invoices
    assert upserted[0].invoice_id == other.invoice_id
    assert upserted[0].reference == "draft-2 upserted" and upserted[1].reference == "draft-3"
    deleted = api.update_invoice(tenant, other.invoice_id, Invoices(invoices=[Invoice(
        status="DELETED")])).invoices[0]
    assert deleted.status == "DELETED"
    assert api.get_invoice(tenant, other.invoice_id).invoices[0].status == "DELETED"
    listed = {i.invoice_id for i in api.get_invoices(tenant, statuses=["DRAFT"]).invoices}
    assert other.invoice_id not in listed and upserted[1].invoice_id in listed

    with pytest.raises(AccountingBadRequestException) as caught:
        api.update_invoice(tenant, draft.invoice_id, Invoices(invoices=[Invoice(
            status="DELETED")]))
    assert caught.value.reason


def test_pdf_email_online_invoice(sdk: Sdk, tenant: str, customer: Contact) -> None:
    api = sdk.accounting
    made = api.create_invoices(tenant, Invoices(invoices=[sale(customer)])).invoices[0]
    pdf = Path(api.get_invoice_as_pdf(tenant, made.invoice_id))
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf.parent == Path(sdk.api_client.configuration.temp_folder_path)

    assert not made.sent_to_contact
    api.email_invoice(tenant, made.invoice_id, RequestEmpty())
    assert api.get_invoice(tenant, made.invoice_id).invoices[0].sent_to_contact is True
    online = api.get_online_invoice(tenant, made.invoice_id).online_invoices[0]
    assert online.online_invoice_url.startswith("http")

    draft = api.create_invoices(tenant, Invoices(invoices=[sale(customer, "DRAFT")])).invoices[0]
    with pytest.raises(AccountingBadRequestException):
        api.email_invoice(tenant, draft.invoice_id, RequestEmpty())


def test_history_notes_and_attachments(sdk: Sdk, tenant: str, customer: Contact) -> None:
    api = sdk.accounting
    made = api.create_invoices(tenant, Invoices(invoices=[sale(customer)])).invoices[0]
    note = api.create_invoice_history(tenant, made.invoice_id, HistoryRecords(
        history_records=[HistoryRecord(details="Customer asked for a copy")])).history_records
    assert note[0].details == "Customer asked for a copy"
    history = api.get_invoice_history(tenant, made.invoice_id).history_records
    assert "Customer asked for a copy" in [h.details for h in history]
    assert any(h.changes == "Note" for h in history)
    assert all(isinstance(h.date_utc, datetime) for h in history)

    content = b"%PDF-1.4 signed delivery docket\n"
    added = api.create_invoice_attachment_by_file_name(
        tenant, made.invoice_id, "docket.pdf", content, include_online=True).attachments[0]
    assert added.attachment_id and added.file_name == "docket.pdf"
    assert added.mime_type == "application/pdf" and added.content_length == len(content)
    listed = api.get_invoice_attachments(tenant, made.invoice_id).attachments
    assert [a.attachment_id for a in listed] == [added.attachment_id]
    path = api.get_invoice_attachment_by_id(tenant, made.invoice_id, added.attachment_id,
                                            "application/pdf")
    assert Path(path).read_bytes() == content
    assert api.get_invoice(tenant, made.invoice_id).invoices[0].has_attachments is True


def test_idempotency_key(sdk: Sdk, tenant: str, customer: Contact) -> None:
    api = sdk.accounting
    key = str(uuid.uuid4())
    reference = f"idem-{key[:8]}"
    first = api.create_invoices(tenant, Invoices(invoices=[sale(customer, reference=reference)]),
                                idempotency_key=key).invoices[0]
    again = api.create_invoices(tenant, Invoices(invoices=[sale(customer, reference=reference)]),
                                idempotency_key=key).invoices[0]
    assert again.invoice_id == first.invoice_id
    assert again.invoice_number == first.invoice_number
    same = api.get_invoices(tenant, where=f'Reference=="{reference}"').invoices
    assert [i.invoice_id for i in same] == [first.invoice_id]
