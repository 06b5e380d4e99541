"""/api/v1/integrations: list, get and every query type, against the emulator over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerlink.api.app import create_app
from ledgerlink.auth.scopes import Scope
from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.hub import Hub
from tests.hub_fixtures import KeyMaker, bearer


@pytest.fixture
async def api(hub: Hub, make_key: KeyMaker) -> AsyncIterator[httpx.AsyncClient]:
    """The hub's API with a read-only key."""
    secret = await make_key(Scope.INTEGRATIONS_READ)
    transport = httpx.ASGITransport(app=create_app(hub=hub))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test",
                                 headers=bearer(secret)) as http:
        yield http


async def _query(api: httpx.AsyncClient, integration_id: str, query_type: str,
                 **params: Any) -> httpx.Response:
    return await api.post(f"/api/v1/integrations/{integration_id}/query",
                          json={"query_type": query_type, "params": params})


async def test_list_and_get(api: httpx.AsyncClient, integration_id: str,
                            emulator: RunningEmulator) -> None:
    listed = (await api.get("/api/v1/integrations")).json()["data"]
    assert [i["id"] for i in listed] == [integration_id]
    one = (await api.get(f"/api/v1/integrations/{integration_id}")).json()["data"]
    assert one["platform"] == "xero" and one["status"] == "active"
    assert one["tenant"]["id"] == emulator.emulator.info()["tenant_id"]
    assert one["connection_kind"] == "oauth_authorization_code"
    missing = await api.get("/api/v1/integrations/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


async def test_contacts_and_detail(api: httpx.AsyncClient, integration_id: str,
                                   emulator: RunningEmulator) -> None:
    contacts = (await _query(api, integration_id, "xero_contacts")).json()["data"]
    org = emulator.emulator.default_org
    assert org is not None
    active = [c for c in org.contacts.values() if c["ContactStatus"] == "ACTIVE"]
    assert len(contacts) == len(active)
    first = contacts[0]
    detail = (await _query(api, integration_id, "xero_contact_detail",
                           contact_id=first["ContactID"])).json()["data"]
    assert detail["Name"] == first["Name"]


async def test_invoices_filters(api: httpx.AsyncClient, integration_id: str,
                                emulator: RunningEmulator) -> None:
    org = emulator.emulator.default_org
    assert org is not None
    data = (await _query(api, integration_id, "xero_invoices", statuses=["AUTHORISED"],
                         dateFrom="2000-01-01")).json()["data"]
    expected = [i for i in org.invoices.values() if i["Status"] == "AUTHORISED"]
    assert {i["InvoiceID"] for i in data} == {i["InvoiceID"] for i in expected}


async def test_aged_receivables_summary_shape_and_order(api: httpx.AsyncClient,
                                                        integration_id: str) -> None:
    data = (await _query(api, integration_id, "xero_aged_receivables_summary")).json()["data"]
    assert set(data) == {"as_at", "net_credit_notes", "totals", "contacts"}
    assert data["net_credit_notes"] is False
    totals = data["totals"]
    assert set(totals) == {"total", "current", "days_1_30", "days_31_60", "days_61_90",
                           "days_90_plus"}
    outstanding = [Decimal(str(c["total_outstanding"])) for c in data["contacts"]]
    assert outstanding == sorted(outstanding, reverse=True)
    assert sum(outstanding) == Decimal(str(totals["total"]))


async def test_reports(api: httpx.AsyncClient, integration_id: str) -> None:
    for query_type, params in (("xero_profit_and_loss", {"from_date": "2026-01-01",
                                                         "toDate": "2026-06-30"}),
                               ("xero_balance_sheet", {"date": "2026-06-30", "periods": 2,
                                                       "timeframe": "MONTH"}),
                               ("xero_accounts", {}), ("xero_tax_rates", {})):
        response = await _query(api, integration_id, query_type, **params)
        assert response.status_code == 200, (query_type, response.text)


async def test_bad_queries_name_what_is_allowed(api: httpx.AsyncClient,
                                                integration_id: str) -> None:
    unknown = await _query(api, integration_id, "xero_everything")
    assert unknown.status_code == 422
    # The tagged union refuses it itself (FastAPI's 422), naming every allowed tag.
    assert unknown.json()["error"]["code"] == "invalid_input"
    assert "'xero_invoices'" in unknown.json()["error"]["message"]
    assert "'xero_aged_payables_summary'" in unknown.json()["error"]["message"]
    bad = await _query(api, integration_id, "xero_profit_and_loss", timeframe="DECADE")
    assert bad.status_code == 422
    assert "timeframe" in bad.json()["error"]["field"]
    missing = await _query(api, integration_id, "xero_aged_receivables")
    assert missing.status_code == 422
    assert "contact_id" in missing.json()["error"]["field"]


async def test_remaining_query_types(api: httpx.AsyncClient, integration_id: str,
                                     emulator: RunningEmulator) -> None:
    org = emulator.emulator.default_org
    assert org is not None
    bill = next(i for i in org.invoices.values()
                if i["Type"] == "ACCPAY" and i["Status"] == "AUTHORISED")
    sale = next(i for i in org.invoices.values()
                if i["Type"] == "ACCREC" and i["Status"] == "AUTHORISED")
    by_contact = (await _query(api, integration_id, "xero_invoices_by_contact",
                               contact_id=sale["Contact"]["ContactID"],
                               statuses=["AUTHORISED"])).json()["data"]
    assert sale["InvoiceID"] in {i["InvoiceID"] for i in by_contact}
    assert {i["Contact"]["ContactID"] for i in by_contact} == {sale["Contact"]["ContactID"]}
    for query_type, doc in (("xero_aged_receivables", sale), ("xero_aged_payables", bill)):
        response = await _query(api, integration_id, query_type,
                                contact_id=doc["Contact"]["ContactID"], date="2026-11-01")
        assert response.status_code == 200, response.text
        assert response.json()["data"]["Rows"][0]["RowType"] == "Header"
    payables = (await _query(api, integration_id, "xero_aged_payables_summary",
                             as_at="2026-11-01")).json()["data"]
    assert payables["as_at"] == "2026-11-01"
    assert Decimal(payables["totals"]["total"]) == sum(
        (Decimal(c["total_outstanding"]) for c in payables["contacts"]), Decimal(0))
