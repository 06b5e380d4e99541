"""Issue 7, item 4: ids, text, digits, currencies and dates are checked at the edge, naming the
field, before anything reaches the database or Xero (both databases)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerlink.emulator.core.server import RunningEmulator
from tests.api.inputs.support import MISSING, error, xero_calls

RLO, BEL, NUL = "\u202e", "\x07", "\x00"


def _routes(integration: str) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(method, url template with {id}, the id's parameter, body) of routes naming a record."""
    v1, v3 = "/api/v1/integrations", "/api/v3/integration"
    return [
        ("GET", f"{v1}/{{id}}", "integration_id", None),
        ("POST", f"{v1}/{{id}}/query", "integration_id", {"query_type": "xero_tax_rates"}),
        ("POST", f"{v1}/{{id}}/action", "integration_id",
         {"action_type": "xero_create_contact", "params": {"name": "Acme"}}),
        ("GET", f"{v1}/{integration}/actions/{{id}}", "run_id", None),
        ("GET", "/api/v2/integration-connections/{id}", "connection_uuid", None),
        ("GET", f"{v3}/{{id}}/configuration", "integration_uuid", None),
        ("PUT", f"{v3}/{{id}}/configuration", "integration_uuid", {"integration": {}}),
        ("GET", f"{v3}/{{id}}/partner-function", "integration_uuid", None),
        ("GET", f"{v3}/{integration}/partner-function/{{id}}", "partner_function_uuid", None),
        ("GET", f"{v3}/{{id}}/automation", "integration_uuid", None),
        ("GET", f"{v3}/{integration}/automation/{{id}}", "automation_uuid", None),
        ("GET", "/api/v1/customers/{id}", "customer_id", None),
        ("GET", "/api/v1/deals/{id}", "deal_id", None),
    ]


async def test_ids_are_handled_the_same_on_every_route(client: httpx.AsyncClient,
                                                       key: dict[str, str],
                                                       integration_id: str) -> None:
    # The cases: /api/v1/integrations/%00 was a 500 on PostgreSQL (NUL in a text
    # column), and an upper-case id a 404 on v1 but a 200 on v2 and v3.
    for method, url, param, body in _routes(integration_id):
        for bad in ("%00", "nope", "123", f"{MISSING}x"):
            response = await client.request(method, url.format(id=bad), json=body, headers=key)
            found = error(response, 422)
            assert found["field"] == param, (url, bad, found)
            assert "UUID" in found["message"]
        response = await client.request(method, url.format(id=MISSING), json=body, headers=key)
        assert error(response, 404)["code"] == "not_found", url
    upper = integration_id.upper()
    for url in ("/api/v1/integrations/{id}", "/api/v2/integration-connections/{id}",
                "/api/v3/integration/{id}/configuration",
                "/api/v3/integration/{id}/partner-function",
                "/api/v3/integration/{id}/automation"):
        response = await client.get(url.format(id=upper), headers=key)
        assert response.status_code == 200, (url, response.text)
    one = (await client.get(f"/api/v1/integrations/{upper}", headers=key)).json()["data"]
    assert one["id"] == integration_id  # looked up, and answered, in the canonical form


@pytest.mark.parametrize("bad", [RLO, BEL, NUL, "\n", "\x1b[31m"])
async def test_control_characters_never_reach_xero(client: httpx.AsyncClient,
                                                   key: dict[str, str], integration_id: str,
                                                   emulator: RunningEmulator, bad: str) -> None:
    # The case: NUL, BEL and RLO were accepted in names sent to Xero.
    action = f"/api/v1/integrations/{integration_id}/action"
    before = xero_calls(emulator)
    for params, field in (
            ({"name": f"Acme{bad}Ltd"}, "params.name"),
            ({"name": "Acme", "contact_number": f"C{bad}1"}, "params.contact_number"),
            ({"invoice_id": "INV-1", "reference": f"PO{bad}7"}, "params.reference"),
            ({"invoice_id": "INV-1", "line_items": [
                {"description": f"Work{bad}", "quantity": 1, "unit_amount": 10}]},
             "params.line_items.0.description")):
        action_type = "xero_update_invoice" if "invoice_id" in params else "xero_create_contact"
        if bad == "\n" and field.endswith("description"):
            continue  # a multi-line field: line breaks are text there
        response = await client.post(action, headers=key,
                                     json={"action_type": action_type, "params": params})
        found = error(response, 422)
        assert found["field"] == field, (bad, found)
        assert "control" in found["message"]
    assert xero_calls(emulator) == before


async def test_control_characters_are_refused_in_crm_text(client: httpx.AsyncClient,
                                                          key: dict[str, str]) -> None:
    for body, field in (({"name": f"Acme{RLO}Ltd"}, "name"), ({"name": f"Acme{NUL}"}, "name"),
                        ({"name": "Acme", "city": "Well\nington"}, "city"),
                        ({"name": "Acme", "email": f"a{BEL}@acme.example"}, "email")):
        found = error(await client.post("/api/v1/customers", json=body, headers=key), 422)
        assert found["field"] == field, found
    found = error(await client.post("/api/v1/products", headers=key, json={
        "name": "Consulting", "description": f"Hours{BEL}"}), 422)
    assert found["field"] == "description"
    made = await client.post("/api/v1/products", headers=key, json={
        "name": "Consulting", "description": "Line one\n\tLine two"})
    assert made.status_code == 201 and made.json()["description"] == "Line one\n\tLine two"
    for query in ({"search": f"a{NUL}"}, {"search": f"a{RLO}"}, {"search": "a" * 201},
                  {"email": f"a{BEL}"}):
        found = error(await client.get("/api/v1/customers", params=query, headers=key), 422)
        assert found["field"] == next(iter(query)), (query, found)


async def test_amounts_take_ascii_digits_only(client: httpx.AsyncClient,
                                              key: dict[str, str]) -> None:
    # The case: "١٢٣" (Arabic-Indic digits) was stored as 123.00.
    for price in ("١٢٣", "１２３", "1_000", "12 3"):
        found = error(await client.post("/api/v1/products", headers=key, json={
            "name": "Widget", "unit_price": price}), 422)
        assert found["field"] == "unit_price" and "ASCII" in found["message"], found
    made = await client.post("/api/v1/products", headers=key,
                             json={"name": "Widget", "unit_price": "123"})
    assert made.status_code == 201 and made.json()["unit_price"] == "123.00"
    deal = (await client.post("/api/v1/deals", headers=key, json={"title": "Deal"})).json()
    for line, field in (({"quantity": "٢"}, "quantity"), ({"discount_rate": "٥"}, "discount_rate"),
                        ({"unit_price": "١.٥٠"}, "unit_price")):
        found = error(await client.post(f"/api/v1/deals/{deal['id']}/products", headers=key,
                                        json={"product_id": made.json()["id"], **line}), 422)
        assert found["field"] == field, found


async def test_currencies_are_iso_4217(client: httpx.AsyncClient, key: dict[str, str],
                                       integration_id: str, emulator: RunningEmulator) -> None:
    # The case: currency ZZZ was accepted.
    found = error(await client.post("/api/v1/deals", headers=key,
                                    json={"title": "Deal", "currency": "ZZZ"}), 422)
    assert found["field"] == "currency" and "ISO 4217" in found["message"]
    made = await client.post("/api/v1/deals", headers=key, json={"title": "D", "currency": "nzd"})
    assert made.status_code == 201 and made.json()["currency"] == "NZD"
    before = xero_calls(emulator)
    found = error(await client.post(f"/api/v1/integrations/{integration_id}/action", headers=key,
                                    json={"action_type": "xero_create_invoice", "params": {
                                        "deal_id": made.json()["id"], "currency_code": "ZZZ"}}),
                  422)
    assert found["field"] == "params.currency_code"
    assert xero_calls(emulator) == before


async def test_dates_are_within_what_a_ledger_holds(client: httpx.AsyncClient,
                                                    key: dict[str, str], integration_id: str,
                                                    emulator: RunningEmulator) -> None:
    # The case: a balance sheet at 0001-01-01 took 19 s of retries and answered 502.
    query = f"/api/v1/integrations/{integration_id}/query"
    before = xero_calls(emulator)
    for query_type, params, field in (
            ("xero_balance_sheet", {"date": "0001-01-01"}, "params.date"),
            ("xero_profit_and_loss", {"fromDate": "1899-12-31"}, "params.fromDate"),
            ("xero_invoices", {"date_to": "2101-01-01"}, "params.date_to")):
        found = error(await client.post(query, headers=key, json={
            "query_type": query_type, "params": params}), 422)
        assert found["field"] == field, found
        assert "1900-01-01" in found["message"]
    found = error(await client.post(f"/api/v1/integrations/{integration_id}/action", headers=key,
                                    json={"action_type": "xero_update_invoice", "params": {
                                        "invoice_id": "INV-1", "due_date": "0001-01-01"}}), 422)
    assert found["field"] == "params.due_date"
    assert xero_calls(emulator) == before
    answer = await client.post(query, headers=key, json={
        "query_type": "xero_balance_sheet", "params": {"date": "1900-01-01"}})
    assert answer.status_code == 200, answer.text
