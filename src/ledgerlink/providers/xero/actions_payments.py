"""Actions on payments: pay an invoice, reverse a payment, read, list and history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Self

from pydantic import Field, model_validator

from ledgerlink.providers.xero.actions_base import (
    PagedListParams,
    ReadParams,
    WriteParams,
    accepting,
    action,
    first,
    list_records,
    many,
    segment,
    write,
)
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.models_base import Money, OptMoney, PaymentStatus, XeroDate
from ledgerlink.providers.xero.models_documents import Payment
from ledgerlink.providers.xero.models_records import HistoryRecord

__all__ = [
    "PayInvoice", "PaymentId", "WritePaymentId", "get_payment", "get_payment_history",
    "list_payments", "pay_invoice", "reverse_payment",
]


class PaymentId(ReadParams):
    """One payment by its PaymentID."""

    payment_id: str = Field(min_length=1)


class WritePaymentId(WriteParams):
    """A write on one payment by its PaymentID."""

    payment_id: str = accepting("payment_id", min_length=1)


class PayInvoice(WriteParams):
    """A payment of an AUTHORISED invoice from a bank account (by AccountID or Code)."""

    invoice_id: str = accepting("invoice_id", min_length=1)
    account_id: str | None = accepting("account_id", default=None, min_length=1)
    account_code: str | None = accepting("account_code", default=None, min_length=1)
    amount: Money = accepting("amount", gt=Decimal(0),
                              description="At most what is still due on the invoice")
    date: XeroDate = accepting("date", default=None,
                               description="The payment date (Xero: today when absent)")
    reference: str | None = accepting("reference", default=None, max_length=255)
    currency_rate: OptMoney = accepting("currency_rate", default=None, gt=Decimal(0))

    @model_validator(mode="after")
    def _one_account(self) -> Self:
        if (self.account_id is None) == (self.account_code is None):
            raise ValueError("give exactly one of account_id or account_code")
        return self

    def payment(self) -> dict[str, Any]:
        """The Payment element (additional_fields merged; the typed ones win)."""
        account = {"AccountID": self.account_id} if self.account_id else \
            {"Code": self.account_code}
        element: dict[str, Any] = {**(self.additional_fields or {}),
                                   "Invoice": {"InvoiceID": self.invoice_id},
                                   "Account": account, "Amount": self.amount}
        for name, value in (("Date", self.date), ("Reference", self.reference),
                            ("CurrencyRate", self.currency_rate)):
            if value is not None:
                element[name] = value
        return element


def _path(payment_id: str) -> str:
    return f"/Payments/{segment(payment_id)}"


@action("pay_invoice", write=True)
async def pay_invoice(client: XeroClient, params: PayInvoice) -> Payment:
    """Pay an invoice; Xero refuses more than is due and documents not AUTHORISED."""
    body = await write(client, "pay_invoice", params.operation_id,
                       "PUT", "/Payments", {"Payments": [params.payment()]})
    return first(body, "Payments", Payment)


@action("reverse_payment", write=True)
async def reverse_payment(client: XeroClient, params: WritePaymentId) -> Payment:
    """Reverse a payment (Status DELETED); the invoice's amount due is restored."""
    body = await write(client, "reverse_payment", params.operation_id,
                       "POST", _path(params.payment_id), {"Status": PaymentStatus.DELETED})
    return first(body, "Payments", Payment)


@action("get_payment", write=False)
async def get_payment(client: XeroClient, params: PaymentId) -> Payment:
    """One payment by id."""
    body = await client.get(_path(params.payment_id), operation="get_payment")
    return first(body, "Payments", Payment)


@action("list_payments", write=False)
async def list_payments(client: XeroClient, params: PagedListParams) -> list[Payment]:
    """Every payment (all pages of 1000), or one page when asked."""
    return await list_records(client, "Payments", "list_payments", params, Payment)


@action("get_payment_history", write=False)
async def get_payment_history(client: XeroClient, params: PaymentId) -> list[HistoryRecord]:
    """A payment's history and notes, newest first."""
    body = await client.get(f"{_path(params.payment_id)}/History",
                            operation="get_payment_history")
    return many(body.get("HistoryRecords"), HistoryRecord)
