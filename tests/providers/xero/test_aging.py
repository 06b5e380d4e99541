"""The organisation-wide aged summaries against the emulator, checked by hand and by Xero's
own per-contact reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import httpx2
import pytest
from pydantic import ValidationError as ParamsError

from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.providers.xero.aging import (
    AgedSummary,
    aged_payables_summary,
    aged_receivables_summary,
    bucket_of,
    summarize,
)
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.queries import QUERIES, run_query
from ledgerlink.providers.xero.reports import (
    aged_payables_by_contact,
    aged_receivables_by_contact,
)
from tests.fakes import FakeClock

from .conftest import HttpFactory, RequestLog, connect

pytestmark = pytest.mark.timeout(60)
BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "days_90_plus")
AS_AT = dt.date(2025, 6, 30)
LATER = dt.date(2025, 7, 20)  # the emulator's "today" while the org is built


def at_noon(day: dt.date) -> FakeClock:
    return FakeClock(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC).timestamp())


def d(text: str) -> Decimal:
    return Decimal(text)


# ---- a hand-built organisation -------------------------------------------------------------
class Builder:
    """Writes the test organisation through the client, over loopback HTTP."""

    def __init__(self, xero: XeroClient) -> None:
        self.xero = xero
        self.n = 0
        self.contacts: dict[str, str] = {}

    def key(self) -> str:
        self.n += 1
        return f"aging-test-{self.n}"

    async def contact(self, name: str) -> str:
        body = await self.xero.write("PUT", "/Contacts", {"Contacts": [{"Name": name}]},
                                     operation="createContacts", idempotency_key=self.key())
        self.contacts[name] = body["Contacts"][0]["ContactID"]
        return self.contacts[name]

    async def invoice(self, name: str, amount: str, date: str, due: str,
                      status: str = "AUTHORISED", kind: str = "ACCREC") -> str:
        element = {"Type": kind, "Contact": {"ContactID": self.contacts[name]}, "Date": date,
                   "DueDate": due, "Status": status, "LineAmountTypes": "NoTax",
                   "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": d(amount),
                                  "AccountCode": "200" if kind == "ACCREC" else "300"}]}
        if kind == "ACCPAY":
            element["InvoiceNumber"] = f"BILL-{self.n}"
        body = await self.xero.write("PUT", "/Invoices", {"Invoices": [element]},
                                     operation="createInvoices", idempotency_key=self.key())
        invoice = body["Invoices"][0]
        assert invoice["Total"] == d(amount)
        return str(invoice["InvoiceID"])

    async def pay(self, invoice_id: str, amount: str, date: str) -> None:
        payment = {"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": "090"},
                   "Date": date, "Amount": d(amount)}
        await self.xero.write("PUT", "/Payments", {"Payments": [payment]},
                              operation="createPayments", idempotency_key=self.key())

    async def credit_note(self, name: str, amount: str, date: str,
                          kind: str = "ACCRECCREDIT") -> str:
        note = {"Type": kind, "Contact": {"ContactID": self.contacts[name]}, "Date": date,
                "Status": "AUTHORISED", "LineAmountTypes": "NoTax",
                "LineItems": [{"Description": "Credit", "Quantity": 1, "UnitAmount": d(amount),
                               "AccountCode": "200" if kind == "ACCRECCREDIT" else "300"}]}
        body = await self.xero.write("PUT", "/CreditNotes", {"CreditNotes": [note]},
                                     operation="createCreditNotes", idempotency_key=self.key())
        return str(body["CreditNotes"][0]["CreditNoteID"])

    async def allocate(self, note_id: str, invoice_id: str, amount: str, date: str) -> None:
        allocation = {"Amount": d(amount), "Invoice": {"InvoiceID": invoice_id}, "Date": date}
        await self.xero.write("PUT", f"/CreditNotes/{note_id}/Allocations",
                              {"Allocations": [allocation]}, operation="createAllocation",
                              idempotency_key=self.key())


@pytest.fixture
async def built(emulator: RunningEmulator, control: httpx2.Client, info: dict[str, Any],
                make_http: HttpFactory) -> tuple[XeroClient, Builder]:
    """An empty organisation filled with documents in known buckets (see the tests)."""
    control.post("/_emulator/clock", json={"set": f"{LATER.isoformat()}T09:00:00Z"})
    created = control.post("/_emulator/tenants", json={"name": "Ageing Test Ltd",
                                                       "seed": "empty"})
    tenant_id = created.json()["tenant_id"]
    token = connect(control, info["client_id"], [tenant_id])
    xero = XeroClient(make_http(token), tenant_id=tenant_id, app_id=info["client_id"])
    b = Builder(xero)
    for name in ("Alpha Ltd", "Bravo Ltd", "Charlie Ltd", "Echo Ltd", "Delta Ltd", "Foxtrot Ltd",
                 "Golf Ltd"):
        await b.contact(name)
    await b.invoice("Alpha Ltd", "1000.00", "2025-06-01", "2025-07-15")          # A1
    a2 = await b.invoice("Alpha Ltd", "500.00", "2025-05-01", "2025-06-10")      # A2
    await b.pay(a2, "200.00", "2025-06-15")
    await b.invoice("Alpha Ltd", "250.00", "2025-03-01", "2025-03-31")           # A3
    await b.invoice("Alpha Ltd", "999.00", "2025-06-01", "2025-06-30", "DRAFT")  # never counts
    await b.invoice("Alpha Ltd", "5000.00", "2025-07-02", "2025-08-01")          # after AS_AT
    b1 = await b.invoice("Bravo Ltd", "800.00", "2025-04-01", "2025-04-30")      # B1
    await b.pay(b1, "100.00", "2025-06-01")
    await b.pay(b1, "300.00", "2025-07-05")  # after AS_AT: counts only from 5 July
    await b.invoice("Bravo Ltd", "150.00", "2025-05-15", "2025-05-31")           # B2
    c1 = await b.invoice("Charlie Ltd", "400.00", "2025-04-20", "2025-05-01")    # C1
    note = await b.credit_note("Charlie Ltd", "100.00", "2025-06-20")
    await b.allocate(note, c1, "60.00", "2025-06-25")
    await b.invoice("Delta Ltd", "120.00", "2025-06-10", "2025-06-30")           # due today
    await b.invoice("Echo Ltd", "120.00", "2025-06-11", "2025-07-11")
    f1 = await b.invoice("Foxtrot Ltd", "300.00", "2025-05-01", "2025-05-20")
    await b.pay(f1, "300.00", "2025-06-05")  # settled before AS_AT: never in the summary
    g1 = await b.invoice("Golf Ltd", "90.00", "2025-06-01", "2025-06-15")
    await b.pay(g1, "90.00", "2025-07-10")  # PAID now, but open at AS_AT
    bill = await b.invoice("Bravo Ltd", "777.00", "2025-06-01", "2025-06-20", kind="ACCPAY")
    await b.credit_note("Bravo Ltd", "77.00", "2025-06-25", kind="ACCPAYCREDIT")
    assert bill
    return xero, b


def row(summary: AgedSummary, name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [c for c in summary.to_json()["contacts"]
                                   if c["contact_name"] == name]
    assert len(found) == 1, name
    return found[0]


def amounts(**values: str) -> dict[str, str]:
    out = dict.fromkeys(BUCKETS, "0.00")
    out.update(values)
    return out


async def test_summary_as_at_a_past_date_matches_the_hand_computation(
        built: tuple[XeroClient, Builder], emulator: RunningEmulator,
        request_log: RequestLog) -> None:
    xero, b = built
    emulator.emulator.calls.clear()
    before = len(request_log.api())
    summary = await aged_receivables_summary(xero, {"as_at": AS_AT.isoformat(),
                                                    "net_credit_notes": True})
    # Hand computation, ageing at 30 June 2025 (days overdue from DueDate; notes from Date):
    # Alpha   A1 1000 due 15 Jul -> current; A2 500-200 paid 15 Jun, due 10 Jun (20 d) -> 1-30;
    #         A3 250 due 31 Mar (91 d) -> 90+; the draft and the 2 July invoice do not count.
    # Bravo   B1 800-100 (the 300 paid on 5 July is later), due 30 Apr (61 d) -> 61-90;
    #         B2 150 due 31 May (30 d) -> 1-30.
    # Charlie C1 400-60 credited, due 1 May (60 d) -> 31-60; note 100-60 = 40 left, dated
    #         20 Jun (10 d) -> -40 in 1-30.
    # Delta   120 due 30 Jun (0 d) -> current.   Echo 120 due 11 Jul -> current.
    # Foxtrot paid in full on 5 Jun: out.   Golf 90 due 15 Jun (15 d), paid only 10 Jul -> 1-30.
    expected = [
        ("Alpha Ltd", "1550.00", amounts(current="1000.00", days_1_30="300.00",
                                         days_90_plus="250.00"), 3),
        ("Bravo Ltd", "850.00", amounts(days_1_30="150.00", days_61_90="700.00"), 2),
        ("Charlie Ltd", "300.00", amounts(days_1_30="-40.00", days_31_60="340.00"), 1),
        ("Delta Ltd", "120.00", amounts(current="120.00"), 1),  # ties ordered by name
        ("Echo Ltd", "120.00", amounts(current="120.00"), 1),
        ("Golf Ltd", "90.00", amounts(days_1_30="90.00"), 1),
    ]
    out = summary.to_json()
    assert out["as_at"] == "2025-06-30" and out["net_credit_notes"] is True
    assert [c["contact_name"] for c in out["contacts"]] == [e[0] for e in expected]
    for name, total, buckets, count in expected:
        assert row(summary, name) == {"contact_id": b.contacts[name], "contact_name": name,
                                      "total_outstanding": total, **buckets,
                                      "invoice_count": count}
    assert out["totals"] == {"total": "3030.00", "current": "1240.00", "days_1_30": "500.00",
                             "days_31_60": "340.00", "days_61_90": "700.00",
                             "days_90_plus": "250.00"}
    # Two calls: one invoices page and one credit-notes page, each asking for 1000 rows.
    assert sum(emulator.emulator.calls.values()) == 2
    calls = request_log.api()[before:]
    assert sorted(c.path.rsplit("/", 1)[-1] for c in calls) == ["CreditNotes", "Invoices"]
    for call in calls:
        query = parse_qs(call.query)
        assert query["pageSize"] == ["1000"] and query["page"] == ["1"]
        if call.path.endswith("Invoices"):
            assert query["Statuses"] == ["AUTHORISED,PAID"]
            assert 'Type=="ACCREC"' in query["where"][0]


async def test_summary_counts_open_invoices_only_by_default(
        built: tuple[XeroClient, Builder]) -> None:
    xero, b = built
    summary = await aged_receivables_summary(xero, {"date": AS_AT.isoformat()})
    out = summary.to_json()
    assert out["net_credit_notes"] is False
    # The hand computation above without Charlie's unapplied credit of 40 (the 60 applied to
    # C1 on 25 June still reduces C1): the specification's aggregate of open invoices.
    assert row(summary, "Charlie Ltd") == {
        "contact_id": b.contacts["Charlie Ltd"], "contact_name": "Charlie Ltd",
        "total_outstanding": "340.00", **amounts(days_31_60="340.00"), "invoice_count": 1}
    assert out["totals"] == {"total": "3070.00", "current": "1240.00", "days_1_30": "540.00",
                             "days_31_60": "340.00", "days_61_90": "700.00",
                             "days_90_plus": "250.00"}
    assert all(c["invoice_count"] > 0 and Decimal(c["total_outstanding"]) > 0
               for c in out["contacts"])


async def test_summary_today_by_the_injected_clock_and_the_emulators_own_reports(
        built: tuple[XeroClient, Builder]) -> None:
    xero, b = built
    summary = await aged_receivables_summary(xero, {"netCreditNotes": True},
                                             clock=at_noon(LATER))
    # At 20 July: B1's second payment counts, Golf is paid, the 2 July invoice is current.
    out = summary.to_json()
    assert out["as_at"] == "2025-07-20"
    assert [c["contact_name"] for c in out["contacts"]] == [
        "Alpha Ltd", "Bravo Ltd", "Charlie Ltd", "Delta Ltd", "Echo Ltd"]
    assert row(summary, "Alpha Ltd")["total_outstanding"] == "6550.00"
    assert row(summary, "Alpha Ltd")["invoice_count"] == 4
    assert row(summary, "Bravo Ltd") | {"contact_id": ""} == {
        "contact_id": "", "contact_name": "Bravo Ltd", "total_outstanding": "550.00",
        **amounts(days_31_60="150.00", days_61_90="400.00"), "invoice_count": 2}
    assert out["totals"] == {"total": "7640.00", "current": "5000.00", "days_1_30": "1200.00",
                             "days_31_60": "450.00", "days_61_90": "740.00",
                             "days_90_plus": "250.00"}
    # Xero's per-contact report (emulated) agrees, at both dates, for every contact.
    past = await aged_receivables_summary(xero, {"date": AS_AT, "net_credit_notes": True})
    for when, result in ((LATER, summary), (AS_AT, past)):
        by_id = {c.contact_id: c.total_outstanding for c in result.contacts}
        for contact_id in b.contacts.values():
            report = await aged_receivables_by_contact(xero, {"contact_id": contact_id,
                                                              "date": when})
            closing = report.value("Closing Balance", "Due")
            assert closing == by_id.get(contact_id, Decimal("0.00")), (when, contact_id)


async def test_payables_summary_nets_purchase_credit_notes_when_asked(
        built: tuple[XeroClient, Builder]) -> None:
    xero, b = built
    # Bill 777 due 20 Jun (10 d) and an unallocated purchase credit of 77 dated 25 Jun (5 d).
    bills = await aged_payables_summary(xero, {"asAt": "2025-06-30"})
    assert bills.to_json() == {
        "as_at": "2025-06-30", "net_credit_notes": False,
        "totals": {"total": "777.00", **amounts(days_1_30="777.00")},
        "contacts": [{"contact_id": b.contacts["Bravo Ltd"], "contact_name": "Bravo Ltd",
                      "total_outstanding": "777.00", **amounts(days_1_30="777.00"),
                      "invoice_count": 1}]}
    summary = await aged_payables_summary(xero, {"asAt": "2025-06-30",
                                                 "net_credit_notes": True})
    assert summary.to_json() == {
        "as_at": "2025-06-30", "net_credit_notes": True,
        "totals": {"total": "700.00", **amounts(days_1_30="700.00")},
        "contacts": [{"contact_id": b.contacts["Bravo Ltd"], "contact_name": "Bravo Ltd",
                      "total_outstanding": "700.00", **amounts(days_1_30="700.00"),
                      "invoice_count": 1}]}


# ---- the demo organisation -----------------------------------------------------------------
@pytest.mark.parametrize("side", ["receivables", "payables"])
async def test_demo_totals_equal_the_per_contact_reports_with_two_calls(
        xero: XeroClient, emulator: RunningEmulator, side: str) -> None:
    org = emulator.emulator.default_org
    assert org is not None
    for as_at in (org.today(), org.today() - dt.timedelta(days=45)):
        emulator.emulator.calls.clear()
        fetch = aged_receivables_summary if side == "receivables" else aged_payables_summary
        summary = await fetch(xero, {"date": as_at.isoformat(), "net_credit_notes": True})
        assert sum(emulator.emulator.calls.values()) == 2  # the minimum: one list of each
        assert summary.contacts, "the demo has open documents on both sides"
        report = aged_receivables_by_contact if side == "receivables" \
            else aged_payables_by_contact
        closing = Decimal(0)
        mine = {c.contact_id: c for c in summary.contacts}
        for contact_id in list(org.contacts):
            table = await report(xero, {"contactId": contact_id, "date": as_at})
            due = table.value("Closing Balance", "Due")
            assert isinstance(due, Decimal)
            closing += due
            entry = mine.get(contact_id)
            assert due == (entry.total_outstanding if entry else 0), contact_id
        assert summary.totals.total == closing
        for bucket in BUCKETS:
            assert getattr(summary.totals, bucket) == sum(
                (getattr(c, bucket) for c in summary.contacts), Decimal(0))
        totals = [c.total_outstanding for c in summary.contacts]
        assert totals == sorted(totals, reverse=True)


async def test_registered_query_types_answer_the_seed_shape(
        xero: XeroClient, emulator: RunningEmulator) -> None:
    assert {"xero_aged_receivables_summary", "xero_aged_payables_summary"} <= set(QUERIES)
    org = emulator.emulator.default_org
    assert org is not None
    day = (org.today() - dt.timedelta(days=10)).isoformat()
    for spelling in ("date", "as_at", "asAt"):
        out = await run_query(xero, "xero_aged_receivables_summary", {spelling: day})
        assert isinstance(out, dict) and out["as_at"] == day
        assert set(out) == {"as_at", "net_credit_notes", "totals", "contacts"}
        assert out["net_credit_notes"] is False
        assert set(out["totals"]) == {"total", *BUCKETS}
        assert set(out["contacts"][0]) == {"contact_id", "contact_name", "total_outstanding",
                                           *BUCKETS, "invoice_count"}
        assert all(isinstance(v, str) and len(v.split(".")[1]) == 2
                   for v in out["totals"].values())
    direct = await aged_payables_summary(xero, {"date": day})
    assert await run_query(xero, "xero_aged_payables_summary", {"asAt": day}) == direct.to_json()
    with pytest.raises(ParamsError) as caught:
        await run_query(xero, "xero_aged_payables_summary", {"date": day, "as_at": "2020-01-01"})
    assert {e["type"] for e in caught.value.errors()} == {"conflicting_input"}
    assert await run_query(xero, "xero_aged_payables_summary", {"date": day, "asAt": day}) \
        == direct.to_json()
    for wrong in ({"net_credit_notes": 0}, {"netCreditNotes": "true"}, {"date": 0}):
        with pytest.raises(ParamsError):
            await run_query(xero, "xero_aged_payables_summary", wrong)
    with pytest.raises(ParamsError):
        await run_query(xero, "xero_aged_payables_summary", {"contact_id": "x"})


# ---- offline pieces ------------------------------------------------------------------------
def test_bucket_boundaries() -> None:
    assert [bucket_of(n) for n in (-5, 0, 1, 30, 31, 60, 61, 90, 91, 400)] == [
        "current", "current", "days_1_30", "days_1_30", "days_31_60", "days_31_60",
        "days_61_90", "days_61_90", "days_90_plus", "days_90_plus"]


def test_a_contact_with_only_credit_appears_only_when_netting() -> None:
    invoice = {"InvoiceID": "i1", "Type": "ACCREC", "Status": "AUTHORISED",
               "Date": "2024-06-01", "DueDate": "2024-06-30", "AmountDue": Decimal("100.00"),
               "Contact": {"ContactID": "c1", "Name": "Owing"}}
    note = {"CreditNoteID": "n1", "Type": "ACCRECCREDIT", "Status": "AUTHORISED",
            "Date": "2024-06-20", "RemainingCredit": Decimal("30.00"),
            "Contact": {"ContactID": "c2", "Name": "In credit"}}
    plain = summarize([invoice], [note], dt.date(2024, 7, 1)).to_json()
    assert plain["net_credit_notes"] is False
    assert [(c["contact_name"], c["total_outstanding"], c["invoice_count"])
            for c in plain["contacts"]] == [("Owing", "100.00", 1)]
    assert plain["totals"]["total"] == "100.00"
    netted = summarize([invoice], [note], dt.date(2024, 7, 1), net_credit_notes=True).to_json()
    assert netted["net_credit_notes"] is True
    assert [(c["contact_name"], c["total_outstanding"], c["days_1_30"], c["invoice_count"])
            for c in netted["contacts"]] == [("Owing", "100.00", "100.00", 1),
                                             ("In credit", "-30.00", "-30.00", 0)]
    assert netted["totals"]["total"] == "70.00"


def test_foreign_currency_is_aged_in_base_currency_and_deleted_payments_ignored() -> None:
    invoice = {"InvoiceID": "i1", "Type": "ACCREC", "Status": "AUTHORISED",
               "Date": "/Date(1717200000000+0000)/", "DueDate": "2024-06-30",
               "CurrencyRate": Decimal("0.5"), "AmountDue": Decimal("100.01"),
               "Contact": {"ContactID": "c1", "Name": "Abroad"},
               "Payments": [{"Date": "2024-07-02", "Amount": 10, "Status": "DELETED"}]}
    summary = summarize([invoice], [], dt.date(2024, 7, 1))
    assert summary.to_json()["contacts"][0]["days_1_30"] == "200.02"
    assert summary.to_json()["totals"]["total"] == "200.02"
