"""The aged receivables summary through the hub, against a hand computation: open invoices by
default, less unapplied credit notes only when `net_credit_notes` asks for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from ledgerlink.api.app import create_app
from ledgerlink.auth.scopes import Scope
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, start_in_thread
from ledgerlink.hub import Hub
from tests.hub_fixtures import KeyMaker, bearer, connect_emulator

AS_AT = "2026-06-30"


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    """An organisation with nothing but settings, at a fixed date."""
    handle = start_in_thread(EmulatorConfig(seed="empty"))
    handle.emulator.clock.set(datetime(2026, 6, 30, 12, tzinfo=UTC))
    try:
        yield handle
    finally:
        handle.stop()


def _invoice(control: httpx.Client, headers: dict[str, str], name: str, amount: str,
             due: str) -> str:
    body = {"Type": "ACCREC", "Contact": {"Name": name}, "Date": "2026-01-05", "DueDate": due,
            "LineAmountTypes": "NoTax", "Status": "AUTHORISED",
            "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": amount,
                           "AccountCode": "200"}]}
    response = control.put("/api.xro/2.0/Invoices", json={"Invoices": [body]}, headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["Invoices"][0]["InvoiceID"])


def _credit_note(control: httpx.Client, headers: dict[str, str], name: str,
                 amount: str) -> None:
    body = {"Type": "ACCRECCREDIT", "Contact": {"Name": name}, "Date": "2026-06-10",
            "LineAmountTypes": "NoTax", "Status": "AUTHORISED",
            "LineItems": [{"Description": "Refund", "Quantity": 1, "UnitAmount": amount,
                           "AccountCode": "200"}]}
    response = control.put("/api.xro/2.0/CreditNotes", json={"CreditNotes": [body]},
                           headers=headers)
    assert response.status_code == 200, response.text


@pytest.fixture
async def api(hub: Hub, make_key: KeyMaker, emulator: RunningEmulator
              ) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    info = emulator.emulator.info()
    with httpx.Client(base_url=emulator.base_url) as control:
        token = control.post("/_emulator/connect", json={"client_id": info["client_id"]}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}",
                   "xero-tenant-id": info["tenant_id"]}
        # Aroha: 100.00 current (due 10 July) + 250.00 31-60 days overdue (due 20 May: 41 days)
        _invoice(control, headers, "Aroha", "100.00", "2026-07-10")
        _invoice(control, headers, "Aroha", "250.00", "2026-05-20")
        # Bayview: 400.00 due 29 June (1 day overdue), 60.00 paid off in part to 35.00 (95 days)
        _invoice(control, headers, "Bayview", "400.00", "2026-06-29")
        part = _invoice(control, headers, "Bayview", "60.00", "2026-03-27")
        paid = control.put("/api.xro/2.0/Payments", headers=headers, json={"Payments": [{
            "Invoice": {"InvoiceID": part}, "Account": {"Code": "090"}, "Amount": "25.00",
            "Date": "2026-04-01"}]})
        assert paid.status_code == 200, paid.text
        # Unapplied credit (dated 10 June: 20 days, 1-30): 50.00 for Aroha, and 20.00 for Cove,
        # a customer without invoices.
        _credit_note(control, headers, "Aroha", "50.00")
        _credit_note(control, headers, "Cove", "20.00")
    integration_id = await connect_emulator(hub, emulator, token)
    secret = await make_key(Scope.INTEGRATIONS_READ)
    transport = httpx.ASGITransport(app=create_app(hub=hub))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test",
                                 headers=bearer(secret)) as http:
        yield http, integration_id


async def test_summary_matches_the_hand_computation(
        api: tuple[httpx.AsyncClient, str]) -> None:
    http, integration_id = api
    response = await http.post(f"/api/v1/integrations/{integration_id}/query",
                               json={"query_type": "xero_aged_receivables_summary",
                                     "params": {"date": AS_AT}})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["as_at"] == AS_AT and data["net_credit_notes"] is False
    # The credit notes do not count: no Cove (no invoices), Aroha's invoices in full.
    # Bayview: 400.00 (1-30) + 35.00 (90+) = 435.00; Aroha: 100.00 current + 250.00 31-60.
    assert [(c["contact_name"], c["total_outstanding"], c["current"], c["days_1_30"],
             c["days_31_60"], c["days_61_90"], c["days_90_plus"], c["invoice_count"])
            for c in data["contacts"]] == [
        ("Bayview", "435.00", "0.00", "400.00", "0.00", "0.00", "35.00", 2),
        ("Aroha", "350.00", "100.00", "0.00", "250.00", "0.00", "0.00", 2)]
    assert data["totals"] == {"total": "785.00", "current": "100.00", "days_1_30": "400.00",
                              "days_31_60": "250.00", "days_61_90": "0.00",
                              "days_90_plus": "35.00"}


async def test_net_credit_notes_subtracts_unapplied_credit(
        api: tuple[httpx.AsyncClient, str]) -> None:
    http, integration_id = api
    response = await http.post(f"/api/v1/integrations/{integration_id}/query",
                               json={"query_type": "xero_aged_receivables_summary",
                                     "params": {"asAt": AS_AT, "netCreditNotes": True}})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["net_credit_notes"] is True
    # As Xero's own aged report: Aroha 350.00 - 50.00 (1-30); Cove owes -20.00 on no invoice.
    assert [(c["contact_name"], c["total_outstanding"], c["current"], c["days_1_30"],
             c["days_31_60"], c["days_61_90"], c["days_90_plus"], c["invoice_count"])
            for c in data["contacts"]] == [
        ("Bayview", "435.00", "0.00", "400.00", "0.00", "0.00", "35.00", 2),
        ("Aroha", "300.00", "100.00", "-50.00", "250.00", "0.00", "0.00", 2),
        ("Cove", "-20.00", "0.00", "-20.00", "0.00", "0.00", "0.00", 0)]
    assert data["totals"] == {"total": "715.00", "current": "100.00", "days_1_30": "330.00",
                              "days_31_60": "250.00", "days_61_90": "0.00",
                              "days_90_plus": "35.00"}


async def test_net_credit_notes_is_a_strict_boolean(api: tuple[httpx.AsyncClient, str]) -> None:
    http, integration_id = api
    for value in (0, 1, "true", None):
        response = await http.post(f"/api/v1/integrations/{integration_id}/query",
                                   json={"query_type": "xero_aged_payables_summary",
                                         "params": {"net_credit_notes": value}})
        assert response.status_code == 422, (value, response.text)
        assert response.json()["error"]["code"] == "invalid_input"
