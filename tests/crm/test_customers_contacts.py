"""Customers and CRM contacts through the API: CRUD, pagination, filters, validation, scopes."""

from __future__ import annotations

import uuid

import httpx

from tests.crm.fixtures import Crm

XERO_ID = "5b96e86b-418e-48e8-8949-308c14aec278"
FULL_CUSTOMER = {
    "name": "Acme Pty Ltd", "email": "accounts@acme.example", "phone": "+61 2 9000 0000",
    "address_line1": "1 George Street", "address_line2": "Level 4", "city": "Sydney",
    "region": "NSW", "postal_code": "2000", "country": "Australia",
    "tax_number": "53 004 085 616", "xero_contact_id": None}


async def test_customer_create_get_update_replace(client: httpx.AsyncClient, crm: Crm,
                                                  writer: dict[str, str]) -> None:
    created = await crm.post("customers", FULL_CUSTOMER)
    assert {k: created[k] for k in FULL_CUSTOMER} == FULL_CUSTOMER
    assert uuid.UUID(created["id"])
    assert created["created_at"].endswith("Z") or "+00:00" in created["created_at"]

    url = f"/api/v1/customers/{created['id']}"
    fetched = await client.get(url, headers=writer)
    assert fetched.status_code == 200
    assert fetched.json() == created

    patched = await client.patch(url, json={"phone": "+61 2 9111 1111",
                                            "xero_contact_id": XERO_ID, "tax_number": None},
                                 headers=writer)
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["phone"] == "+61 2 9111 1111"
    assert body["xero_contact_id"] == XERO_ID
    assert body["tax_number"] is None
    assert body["city"] == "Sydney"  # untouched
    assert body["updated_at"] >= created["updated_at"]

    replaced = await client.put(url, json={"name": "Acme Holdings"}, headers=writer)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["name"] == "Acme Holdings"
    assert replaced.json()["city"] is None  # a full update clears what is omitted
    assert replaced.json()["xero_contact_id"] is None


async def test_customer_validation_and_not_found(client: httpx.AsyncClient, crm: Crm,
                                                 writer: dict[str, str]) -> None:
    bad_email = await client.post("/api/v1/customers", headers=writer,
                                  json={"name": "X", "email": "not-an-email"})
    assert bad_email.status_code == 422
    assert bad_email.json()["error"]["field"] == "email"

    no_name = await client.post("/api/v1/customers", headers=writer, json={"name": "  "})
    assert no_name.status_code == 422
    assert no_name.json()["error"]["field"] == "name"

    nul = await client.post("/api/v1/customers", headers=writer, json={"name": "A\x00B"})
    assert nul.status_code == 422  # PostgreSQL cannot store NUL: refused on every backend
    assert nul.json()["error"]["field"] == "name"
    nul_search = await client.get("/api/v1/customers", params={"search": "a\x00"},
                                  headers=writer)
    assert nul_search.status_code == 422

    customer = await crm.customer()
    null_name = await client.patch(f"/api/v1/customers/{customer['id']}", headers=writer,
                                   json={"name": None})
    assert null_name.status_code == 422
    assert null_name.json()["error"]["field"] == "name"

    bad_xero = await client.patch(f"/api/v1/customers/{customer['id']}", headers=writer,
                                  json={"xero_contact_id": "nope"})
    assert bad_xero.status_code == 422
    assert bad_xero.json()["error"]["field"] == "xero_contact_id"

    missing = await client.get(f"/api/v1/customers/{uuid.uuid4()}", headers=writer)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    malformed = await client.get("/api/v1/customers/123", headers=writer)
    assert malformed.status_code == 422
    assert malformed.json()["error"]["field"] == "customer_id"
    patch_missing = await client.patch(f"/api/v1/customers/{uuid.uuid4()}", headers=writer,
                                       json={"phone": "1"})
    assert patch_missing.status_code == 404


async def test_customer_pagination_and_filters(client: httpx.AsyncClient, crm: Crm,
                                               reader: dict[str, str]) -> None:
    names = [f"Customer {i}" for i in range(5)]
    for index, name in enumerate(names):
        await crm.customer(name=name, email=f"c{index}@example.com",
                           xero_contact_id=XERO_ID if index == 3 else None)

    seen: list[str] = []
    for offset in (0, 2, 4):
        page = await client.get("/api/v1/customers", params={"limit": 2, "offset": offset},
                                headers=reader)
        assert page.status_code == 200
        body = page.json()
        assert body["pagination"] == {"total": 5, "limit": 2, "offset": offset}
        seen += [c["name"] for c in body["data"]]
    assert seen == names  # oldest first, every record exactly once

    default = (await client.get("/api/v1/customers", headers=reader)).json()
    assert default["pagination"] == {"total": 5, "limit": 50, "offset": 0}

    search = (await client.get("/api/v1/customers", params={"search": "C3@EXAMPLE"},
                               headers=reader)).json()
    assert [c["name"] for c in search["data"]] == ["Customer 3"]
    linked = (await client.get("/api/v1/customers", params={"xero_contact_id": XERO_ID},
                               headers=reader)).json()
    assert [c["name"] for c in linked["data"]] == ["Customer 3"]
    wildcard = (await client.get("/api/v1/customers", params={"search": "%"},
                                 headers=reader)).json()
    assert wildcard["pagination"]["total"] == 0  # LIKE wildcards are matched literally

    for bad in ({"limit": 0}, {"limit": 201}, {"offset": -1}):
        response = await client.get("/api/v1/customers", params=bad, headers=reader)
        assert response.status_code == 422
        assert response.json()["error"]["field"] == next(iter(bad))


async def test_contacts_crud_and_customer_reference(client: httpx.AsyncClient, crm: Crm,
                                                    writer: dict[str, str]) -> None:
    customer = await crm.customer()
    jane = await crm.contact(first_name="Jane", last_name="Citizen", email="jane@acme.example",
                             phone="+61 400 000 000", customer_id=customer["id"])
    assert jane["customer_id"] == customer["id"]
    assert jane["xero_contact_id"] is None
    await crm.contact(first_name="Solo")

    unknown = str(uuid.uuid4())
    bad = await client.post("/api/v1/crm-contacts", headers=writer,
                            json={"first_name": "Ghost", "customer_id": unknown})
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["field"] == "customer_id"
    assert unknown in error["message"]

    listed = (await client.get("/api/v1/crm-contacts", params={"customer_id": customer["id"]},
                               headers=writer)).json()
    assert [c["first_name"] for c in listed["data"]] == ["Jane"]
    assert listed["pagination"]["total"] == 1
    everyone = (await client.get("/api/v1/crm-contacts", headers=writer)).json()
    assert everyone["pagination"]["total"] == 2

    url = f"/api/v1/crm-contacts/{jane['id']}"
    moved = await client.patch(url, headers=writer, json={"customer_id": unknown})
    assert moved.status_code == 422
    assert moved.json()["error"]["field"] == "customer_id"
    detached = await client.patch(url, headers=writer,
                                  json={"customer_id": None, "xero_contact_id": XERO_ID})
    assert detached.status_code == 200
    assert detached.json()["customer_id"] is None
    assert detached.json()["xero_contact_id"] == XERO_ID
    assert detached.json()["email"] == "jane@acme.example"
    null_first = await client.patch(url, headers=writer, json={"first_name": None})
    assert null_first.status_code == 422
    assert null_first.json()["error"]["field"] == "first_name"
    replaced = await client.put(url, headers=writer, json={"first_name": "Janet"})
    assert replaced.status_code == 200
    assert replaced.json()["last_name"] is None
    assert (await client.get(url, headers=writer)).json()["first_name"] == "Janet"


async def test_scopes(client: httpx.AsyncClient, crm: Crm, reader: dict[str, str]) -> None:
    customer = await crm.customer()
    assert (await client.get("/api/v1/customers")).status_code == 401
    read = await client.get(f"/api/v1/customers/{customer['id']}", headers=reader)
    assert read.status_code == 200
    write = await client.post("/api/v1/customers", json={"name": "X"}, headers=reader)
    assert write.status_code == 403
    assert "crm:write" in write.json()["error"]["message"]
