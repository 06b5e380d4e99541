"""The CRM routes enforce what their schema says (issue items 8-9): strict booleans and dates,
lengths of the text as sent, no blank names, PATCH fields that may be omitted but not null,
decimals within their stated digits, and codes that tell a schema breach from a rule."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.crm.fixtures import Crm


async def _refused(client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str],
                   body: dict[str, Any], field: str, code: str = "invalid_input") -> None:
    response = await client.request(method, url, headers=headers, json=body)
    assert response.status_code == 422, (body, response.text)
    error = response.json()["error"]
    assert (error["field"], error["code"]) == (field, code), (body, error)


async def test_booleans_and_dates_are_strict(client: httpx.AsyncClient, crm: Crm,
                                             writer: dict[str, str]) -> None:
    # The issue: 0 was a boolean, and a date (stored as 1970-01-01).
    for value in (0, 1, "0", "true", None):
        await _refused(client, "POST", "/api/v1/products", writer,
                       {"name": "P", "is_active": value}, "is_active")
    for value in (0, 1700000000, "2025-06-30T00:00:00Z", "30/06/2025", "1899-12-31"):
        await _refused(client, "POST", "/api/v1/deals", writer,
                       {"title": "D", "expected_close_date": value}, "expected_close_date")
    deal = await crm.deal(expected_close_date="2025-06-30")
    assert deal["expected_close_date"] == "2025-06-30"


async def test_lengths_count_the_text_as_sent_and_blank_is_refused(
        client: httpx.AsyncClient, crm: Crm, writer: dict[str, str]) -> None:
    # The issue: a 300-character name passed a 255 maximum, being stripped first.
    padded = " " * 150 + "Acme" + " " * 146
    await _refused(client, "POST", "/api/v1/customers", writer, {"name": padded}, "name")
    for blank in ("", "   ", "\u3000\u00a0"):
        await _refused(client, "POST", "/api/v1/customers", writer, {"name": blank}, "name")
    customer = await crm.customer(name="  Acme  ", city="  ")
    assert (customer["name"], customer["city"]) == ("Acme", "")


async def test_patch_fields_may_be_omitted_but_not_null(client: httpx.AsyncClient, crm: Crm,
                                                        writer: dict[str, str]) -> None:
    product, deal = await crm.product(), await crm.deal()
    line = await crm.line(deal["id"], product_id=product["id"])
    customer, contact = await crm.customer(), await crm.contact()
    config = await crm.email_configuration()
    cases = {f"/api/v1/products/{product['id']}": ("name", "unit_price", "is_active"),
             f"/api/v1/deals/{deal['id']}": ("title", "stage"),
             f"/api/v1/deals/{deal['id']}/products/{line['id']}": ("product_id", "quantity"),
             f"/api/v1/customers/{customer['id']}": ("name",),
             f"/api/v1/crm-contacts/{contact['id']}": ("first_name",),
             f"/api/v1/email-configurations/{config['id']}": ("name", "from_email",
                                                               "is_default")}
    for url, fields in cases.items():
        for field in fields:
            await _refused(client, "PATCH", url, writer, {field: None}, field)
        assert (await client.patch(url, headers=writer, json={})).status_code == 200, url
    cleared = await client.patch(f"/api/v1/customers/{customer['id']}", headers=writer,
                                 json={"city": None})
    assert cleared.status_code == 200 and cleared.json()["city"] is None


async def test_decimals_hold_their_stated_digits(client: httpx.AsyncClient, crm: Crm,
                                                 writer: dict[str, str]) -> None:
    for value in ("10000000000000", 1e13, "1.005", 0.005, "1e2", "+5", " 5"):
        await _refused(client, "POST", "/api/v1/products", writer,
                       {"name": "P", "unit_price": value}, "unit_price")
    assert (await crm.product(unit_price=0.07))["unit_price"] == "0.07"
    deal, product = await crm.deal(), await crm.product()
    lines = f"/api/v1/deals/{deal['id']}/products"
    for body, field in (({"quantity": "0.0000"}, "quantity"), ({"quantity": 0.00001}, "quantity"),
                        ({"quantity": "100000000000"}, "quantity"),
                        ({"discount_rate": "100.5"}, "discount_rate")):
        await _refused(client, "POST", lines, writer, {"product_id": product["id"], **body},
                       field)


async def test_references_and_state_are_not_schema_breaches(
        client: httpx.AsyncClient, crm: Crm, writer: dict[str, str]) -> None:
    # A well-formed id naming no record, or a record whose state refuses the change, fits the
    # schema: those 422s say so (schemathesis counts only invalid_input against the schema).
    ghost = str(uuid.uuid4())
    await _refused(client, "POST", "/api/v1/deals", writer, {"title": "D", "customer_id": ghost},
                   "customer_id", "unknown_reference")
    await _refused(client, "POST", "/api/v1/crm-contacts", writer,
                   {"first_name": "J", "customer_id": ghost}, "customer_id", "unknown_reference")
    deal, retired = await crm.deal(), await crm.product(is_active=False)
    lines = f"/api/v1/deals/{deal['id']}/products"
    await _refused(client, "POST", lines, writer, {"product_id": ghost}, "product_id",
                   "unknown_reference")
    await _refused(client, "POST", lines, writer, {"product_id": retired["id"]}, "product_id",
                   "conflicting_input")
    config = await crm.email_configuration()
    await _refused(client, "PATCH", f"/api/v1/email-configurations/{config['id']}", writer,
                   {"is_default": False}, "is_default", "conflicting_input")
    await _refused(client, "POST", "/api/v1/deals", writer,
                   {"title": "D", "customer_id": ghost.upper().replace("-", "")}, "customer_id")
