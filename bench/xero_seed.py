"""Seeds a bulk trading organisation straight through the emulator's model functions."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ledgerlink.emulator.xero.models import contacts, creditnotes, invoices, payments
from ledgerlink.emulator.xero.models.base import Org

SALES, PURCHASES, BANK = "200", "300", "090"  # account codes of the seeded chart
# (status, share): what a year of a busy business looks like in Xero. "part" is AUTHORISED
# with a payment of part of it; "paid" is settled by a payment (status PAID).
STATUS_MIX = (("DRAFT", 0.07), ("SUBMITTED", 0.04), ("VOIDED", 0.03), ("open", 0.41),
              ("part", 0.10), ("paid", 0.35))
PAYABLES_SHARE = 0.15  # bills among the invoices
CREDIT_NOTE_EVERY = 50  # one sales credit note per this many invoices


@dataclass
class Seeded:
    """What was put into the organisation, for the scenarios' checks and minimums."""

    contact_ids: list[str]
    invoices: int
    credit_notes: int
    open_sales_invoices: int  # ACCREC, AUTHORISED, dated today or earlier
    open_sales_credit_notes: int  # ACCRECCREDIT with credit left


def _lines(rng: random.Random, account: str) -> list[dict[str, Any]]:
    return [{"Description": f"Service {rng.randint(1, 400)}",
             "Quantity": Decimal(rng.choice([1, 1, 2, 3, 5])),
             "UnitAmount": Decimal(rng.randint(1500, 250000)) / 100, "AccountCode": account}
            for _ in range(rng.randint(1, 3))]


def _pick_status(rng: random.Random) -> str:
    roll, upper = rng.random(), 0.0
    for status, share in STATUS_MIX:
        upper += share
        if roll < upper:
            return status
    return "open"


def _pay(org: Org, invoice: dict[str, Any], share: Decimal | None, on: date) -> None:
    amount = invoice["AmountDue"] if share is None else \
        (invoice["AmountDue"] * share).quantize(Decimal("0.01"))
    payments.create_payment(org, {"Invoice": {"InvoiceID": invoice["InvoiceID"]},
                                  "Account": {"Code": BANK}, "Date": on.isoformat(),
                                  "Amount": amount, "Reference": "Bank deposit"})


def seed_contacts(org: Org, count: int, prefix: str = "Customer") -> list[str]:
    """`count` active contacts with unique names; their ids."""
    return [contacts.create_contact(org, {
        "Name": f"{prefix} {n:05d} Ltd", "FirstName": "Pat", "LastName": f"Owner{n}",
        "EmailAddress": f"accounts{n}@customer{n}.example"})["ContactID"] for n in range(count)]


def seed_invoice(org: Org, rng: random.Random, contact_id: str, today: date) -> None:
    """One sales invoice or bill with a status drawn from STATUS_MIX (payments included)."""
    kind = "ACCPAY" if rng.random() < PAYABLES_SHARE else "ACCREC"
    issued = today - timedelta(days=rng.randint(0, 240))
    status = _pick_status(rng)
    element: dict[str, Any] = {
        "Type": kind, "Contact": {"ContactID": contact_id}, "Date": issued.isoformat(),
        "DueDate": (issued + timedelta(days=rng.choice([7, 14, 20, 30]))).isoformat(),
        "LineItems": _lines(rng, SALES if kind == "ACCREC" else PURCHASES),
        "Reference": f"Job {rng.randint(1000, 99999)}",
        "Status": status if status in ("DRAFT", "SUBMITTED") else "AUTHORISED"}
    invoice = invoices.create_invoice(org, element)
    if status == "VOIDED":
        invoices.update_invoice(org, invoice, {"Status": "VOIDED"})
    elif status in ("part", "paid"):
        paid_on = min(today, issued + timedelta(days=rng.randint(1, 45)))
        _pay(org, invoice, Decimal("0.4") if status == "part" else None, paid_on)


def seed_credit_note(org: Org, rng: random.Random, contact_id: str, today: date) -> None:
    """An approved sales credit note, not yet allocated: credit the customer still has."""
    issued = today - timedelta(days=rng.randint(0, 200))
    creditnotes.create_credit_note(org, {
        "Type": "ACCRECCREDIT", "Contact": {"ContactID": contact_id},
        "Date": issued.isoformat(), "Status": "AUTHORISED",
        "LineItems": [{"Description": "Credit for returned goods", "Quantity": Decimal(1),
                       "UnitAmount": Decimal(rng.randint(2000, 40000)) / 100,
                       "AccountCode": SALES}]})


def seed_bulk(org: Org, n_contacts: int, n_invoices: int, seed: int = 1) -> Seeded:
    """`n_contacts` contacts and `n_invoices` invoices and bills, plus sales credit notes."""
    rng = random.Random(seed)
    today = org.today()
    ids = seed_contacts(org, n_contacts)
    for _ in range(n_invoices):
        seed_invoice(org, rng, rng.choice(ids), today)
    n_notes = n_invoices // CREDIT_NOTE_EVERY
    for _ in range(n_notes):
        seed_credit_note(org, rng, rng.choice(ids), today)
    open_invoices = sum(1 for i in org.invoices.values() if i["Type"] == "ACCREC"
                        and i["Status"] == "AUTHORISED" and i["Date"] <= today)
    open_notes = sum(1 for n in org.credit_notes.values() if n["Type"] == "ACCRECCREDIT"
                     and n["Status"] == "AUTHORISED" and n["Date"] <= today)
    return Seeded(ids, len(org.invoices), len(org.credit_notes), open_invoices, open_notes)


def pages(rows: int, size: int = 1000) -> int:
    """Calls to list `rows` records in pages of `size` (one call even for none)."""
    return max(1, math.ceil(rows / size))
