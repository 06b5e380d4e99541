"""Products, deals and deal products through the API: money, references, the computed value."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal, localcontext

import httpx

from tests.crm.fixtures import Crm

PRODUCT = {"name": "Consulting (hour)", "code": "CONSULT-H", "description": "Senior consultant",
           "unit_price": "180.00", "category": "Service", "account_code": "200",
           "tax_type": "OUTPUT", "is_active": True}


async def test_product_crud_and_money(client: httpx.AsyncClient, crm: Crm,
                                      writer: dict[str, str]) -> None:
    created = await crm.post("products", PRODUCT)
    assert {k: created[k] for k in PRODUCT} == PRODUCT
    assert created["is_usage_based"] is False

    as_number = await crm.product(name="Widget", unit_price=99.5)
    assert as_number["unit_price"] == "99.50"  # money is always a 2-decimal string
    free = await crm.post("products", {"name": "Free"})
    assert free["unit_price"] == "0.00"
    huge = await crm.product(name="Huge", unit_price="9999999999999.99")
    got = await client.get(f"/api/v1/products/{huge['id']}", headers=writer)
    assert got.json()["unit_price"] == "9999999999999.99"  # exact on both backends

    for bad in ("12.345", "-1", "abc", "NaN", 1e20):
        response = await client.post("/api/v1/products", headers=writer,
                                     json={"name": "Bad", "unit_price": bad})
        assert response.status_code == 422, bad
        assert response.json()["error"]["field"] == "unit_price"

    url = f"/api/v1/products/{created['id']}"
    patched = await client.patch(url, headers=writer,
                                 json={"unit_price": "195", "category": "Usage-Based"})
    assert patched.status_code == 200
    assert patched.json()["unit_price"] == "195.00"
    assert patched.json()["is_usage_based"] is True
    assert patched.json()["code"] == "CONSULT-H"
    for field in ("name", "unit_price", "is_active"):
        response = await client.patch(url, headers=writer, json={field: None})
        assert response.status_code == 422
        assert response.json()["error"]["field"] == field
    replaced = await client.put(url, headers=writer, json={"name": "Consulting"})
    assert replaced.json()["unit_price"] == "0.00"
    assert replaced.json()["category"] is None


async def test_product_filters(client: httpx.AsyncClient, crm: Crm,
                               reader: dict[str, str]) -> None:
    await crm.product(name="Hosting", category="Subscription", code="HOST")
    await crm.product(name="API calls", category="Usage-Based", code="API")
    await crm.product(name="Old", category="Subscription", is_active=False)

    async def names(**params: str | bool) -> list[str]:
        response = await client.get("/api/v1/products", params=params, headers=reader)
        assert response.status_code == 200
        return [p["name"] for p in response.json()["data"]]

    assert await names(category="Usage-Based") == ["API calls"]
    assert await names(category="Subscription", is_active=True) == ["Hosting"]
    assert await names(is_active=False) == ["Old"]
    assert await names(code="HOST") == ["Hosting"]
    assert await names(search="api") == ["API calls"]


async def test_deal_references(client: httpx.AsyncClient, crm: Crm,
                               writer: dict[str, str]) -> None:
    customer = await crm.customer()
    contact = await crm.contact(customer_id=customer["id"])
    ghost = str(uuid.uuid4())
    for field in ("customer_id", "primary_contact_id"):
        response = await client.post("/api/v1/deals", headers=writer,
                                     json={"title": "Deal", field: ghost})
        assert response.status_code == 422
        assert response.json()["error"]["field"] == field

    deal = await crm.deal(title="Website rebuild", customer_id=customer["id"],
                          primary_contact_id=contact["id"], currency="aud", stage="proposal",
                          expected_close_date="2025-06-30", reference="PO-1042")
    assert deal["currency"] == "AUD"
    assert deal["value"] == "0.00"
    assert deal["products"] == []
    assert deal["xero_invoice_id"] is None

    url = f"/api/v1/deals/{deal['id']}"
    bad = await client.patch(url, headers=writer, json={"primary_contact_id": ghost})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "primary_contact_id"
    for field, value in (("currency", "dollars"), ("expected_close_date", "soon"),
                         ("title", None), ("stage", None)):
        response = await client.patch(url, headers=writer, json={field: value})
        assert response.status_code == 422, field
        assert response.json()["error"]["field"] == field
    won = await client.patch(url, headers=writer, json={"stage": "won"})
    assert won.status_code == 200
    assert won.json()["stage"] == "won"
    assert won.json()["reference"] == "PO-1042"
    replaced = await client.put(url, headers=writer, json={"title": "Rebuild"})
    assert replaced.json()["customer_id"] is None
    assert replaced.json()["stage"] == "new"


async def test_deal_value_is_computed_from_its_products(client: httpx.AsyncClient, crm: Crm,
                                                        writer: dict[str, str]) -> None:
    consulting = await crm.product(name="Consulting", unit_price="100.00")
    licence = await crm.product(name="Licence", unit_price="25.00",
                                description="Annual licence")
    deal = await crm.deal()
    lines_url = f"/api/v1/deals/{deal['id']}/products"

    first = await crm.line(deal["id"], product_id=consulting["id"], quantity=3)
    assert first["quantity"] == "3"
    assert first["unit_price"] is None and first["discount_rate"] is None
    assert first["effective_unit_price"] == "100.00"
    assert first["effective_description"] == "Consulting"
    assert first["line_amount"] == "300.00"
    assert first["product"]["id"] == consulting["id"]
    # 1.5 × 19.99 × 0.9 = 26.9865 → 26.99 (Xero rounds the line amount to cents)
    second = await crm.line(deal["id"], product_id=licence["id"], quantity="1.5",
                            unit_price="19.99", discount_rate=10,
                            description="Licence (discounted)")
    assert second["effective_unit_price"] == "19.99"
    assert second["discount_rate"] == "10.00"
    assert second["effective_description"] == "Licence (discounted)"
    assert second["line_amount"] == "26.99"

    got = (await client.get(f"/api/v1/deals/{deal['id']}", headers=writer)).json()
    assert got["value"] == "326.99"
    assert [p["id"] for p in got["products"]] == [first["id"], second["id"]]

    line_url = f"{lines_url}/{second['id']}"
    changed = await client.patch(line_url, headers=writer,
                                 json={"unit_price": None, "discount_rate": None})
    assert changed.status_code == 200
    assert changed.json()["effective_unit_price"] == "25.00"
    assert changed.json()["line_amount"] == "37.50"
    assert changed.json()["quantity"] == "1.5"
    got = (await client.get(f"/api/v1/deals/{deal['id']}", headers=writer)).json()
    assert got["value"] == "337.50"

    listed = (await client.get("/api/v1/deals", headers=writer)).json()
    assert listed["data"][0]["value"] == "337.50"

    removed = await client.delete(line_url, headers=writer)
    assert removed.status_code == 204
    assert (await client.get(line_url, headers=writer)).status_code == 404
    got = (await client.get(f"/api/v1/deals/{deal['id']}", headers=writer)).json()
    assert got["value"] == "300.00"


async def test_deal_products_validation_and_paging(client: httpx.AsyncClient, crm: Crm,
                                                   writer: dict[str, str]) -> None:
    product = await crm.product()
    retired = await crm.product(name="Retired", is_active=False)
    deal = await crm.deal()
    other = await crm.deal(title="Other")
    lines_url = f"/api/v1/deals/{deal['id']}/products"

    for body in ({"product_id": str(uuid.uuid4())}, {"product_id": retired["id"]},
                 {"product_id": product["id"], "quantity": 0},
                 {"product_id": product["id"], "quantity": "1.00001"},
                 {"product_id": product["id"], "discount_rate": 101}):
        response = await client.post(lines_url, headers=writer, json=body)
        assert response.status_code == 422, body
        expected = next(k for k in reversed(body))
        assert response.json()["error"]["field"] == expected, body
    missing_deal = await client.post(f"/api/v1/deals/{uuid.uuid4()}/products", headers=writer,
                                     json={"product_id": product["id"]})
    assert missing_deal.status_code == 404

    ids = [(await crm.line(deal["id"], product_id=product["id"], quantity=n))["id"]
           for n in (1, 2, 3)]
    page = (await client.get(lines_url, params={"limit": 2, "offset": 2},
                             headers=writer)).json()
    assert page["pagination"] == {"total": 3, "limit": 2, "offset": 2}
    assert [x["id"] for x in page["data"]] == ids[2:]

    wrong_deal = await client.get(f"/api/v1/deals/{other['id']}/products/{ids[0]}",
                                  headers=writer)
    assert wrong_deal.status_code == 404
    swap = await client.patch(f"{lines_url}/{ids[0]}", headers=writer,
                              json={"product_id": retired["id"]})
    assert swap.status_code == 422
    assert swap.json()["error"]["field"] == "product_id"
    replaced = await client.put(f"{lines_url}/{ids[0]}", headers=writer,
                                json={"product_id": product["id"], "quantity": "4.25"})
    assert replaced.status_code == 200
    assert replaced.json()["line_amount"] == "425.00"


async def test_deal_filters_and_paging(client: httpx.AsyncClient, crm: Crm,
                                       reader: dict[str, str]) -> None:
    acme = await crm.customer(name="Acme")
    globex = await crm.customer(name="Globex")
    for index in range(3):
        await crm.deal(title=f"Acme {index}", customer_id=acme["id"])
    await crm.deal(title="Globex 0", customer_id=globex["id"], stage="won")

    by_customer = (await client.get("/api/v1/deals", params={"customer_id": acme["id"],
                                                             "limit": 2}, headers=reader)).json()
    assert by_customer["pagination"] == {"total": 3, "limit": 2, "offset": 0}
    assert [d["title"] for d in by_customer["data"]] == ["Acme 0", "Acme 1"]
    won = (await client.get("/api/v1/deals", params={"stage": "won"}, headers=reader)).json()
    assert [d["title"] for d in won["data"]] == ["Globex 0"]
    search = (await client.get("/api/v1/deals", params={"search": "acme 2"},
                               headers=reader)).json()
    assert [d["title"] for d in search["data"]] == ["Acme 2"]


async def test_huge_deal_values_stay_exact(client: httpx.AsyncClient, crm: Crm,
                                           writer: dict[str, str]) -> None:
    price, quantity = "9999999999999.99", "99999999999.9999"
    product = await crm.product(unit_price=price)
    deal = await crm.deal()
    for _ in range(3):
        line = await crm.line(deal["id"], product_id=product["id"], quantity=quantity,
                              discount_rate="33.33")
    with localcontext(prec=80):
        one = (Decimal(price) * Decimal(quantity) * Decimal("66.67") / 100).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert line["line_amount"] == f"{one:f}"
        got = (await client.get(f"/api/v1/deals/{deal['id']}", headers=writer)).json()
        assert got["value"] == f"{one * 3:f}"
