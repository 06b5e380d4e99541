"""xero_create_contact and contact resolution: reuse before create, link the CRM record."""

from __future__ import annotations

import asyncio

import httpx

from ledgerlink.api.app import create_app
from ledgerlink.auth.scopes import Scope
from ledgerlink.config import Settings
from ledgerlink.hub import Hub
from tests.hub_fixtures import KeyMaker, bearer
from tests.integrations.conftest import Actions, Crm, Xero


async def test_explicit_fields_create_then_reuse(act: Actions, xero: Xero) -> None:
    before = len(xero.org.contacts)
    made = await act("xero_create_contact", name="Harbourside Joinery Ltd",
                     email="accounts@harbourside.example", contact_number="HJ-001")
    assert made.status_code == 200, made.text
    data = made.json()["data"]
    assert data["contact_created"] is True and data["matched_by"] is None
    assert data["name"] == "Harbourside Joinery Ltd" and data["contact_number"] == "HJ-001"
    assert len(xero.org.contacts) == before + 1
    stored = xero.org.contacts[data["contact_id"]]
    assert stored["EmailAddress"] == "accounts@harbourside.example"

    again = (await act("xero_create_contact", name="HARBOURSIDE joinery ltd")).json()["data"]
    assert again["contact_id"] == data["contact_id"] and again["contact_created"] is False
    assert again["matched_by"] == "name"
    by_number = (await act("xero_create_contact", name="Other Name",
                           contact_number="HJ-001")).json()["data"]
    assert by_number["contact_id"] == data["contact_id"]
    assert by_number["matched_by"] == "contact_number"
    assert len(xero.org.contacts) == before + 1


async def test_customer_reuses_seeded_contact_and_is_linked(act: Actions, xero: Xero,
                                                           records: Crm) -> None:
    seeded = xero.contacts_named("Driftwood Cafe")[0]
    customer_id = await records.customer("driftwood cafe")
    before = len(xero.org.contacts)
    data = (await act("xero_create_contact", customer_id=customer_id)).json()["data"]
    assert data["contact_id"] == seeded["ContactID"]
    assert data["contact_created"] is False and data["matched_by"] == "name"
    assert data["customer_id"] == customer_id
    assert await records.xero_contact_of(customer_id) == seeded["ContactID"]
    again = (await act("xero_create_contact", customer_id=customer_id)).json()["data"]
    assert again["matched_by"] == "link"
    assert len(xero.org.contacts) == before


async def test_customer_matched_by_email(act: Actions, xero: Xero, records: Crm) -> None:
    seeded = xero.contacts_named("Eastside Dental")[0]
    customer_id = await records.customer("Eastside Dental Group",
                                         email=seeded["EmailAddress"].upper())
    data = (await act("xero_create_contact", customer_id=customer_id)).json()["data"]
    assert data["contact_id"] == seeded["ContactID"] and data["matched_by"] == "email"


async def test_crm_contact_created_with_its_details(act: Actions, xero: Xero,
                                                   records: Crm) -> None:
    person = await records.contact("Mere", last_name="Tawhiri", email="mere@tawhiri.example",
                                   phone="021 555 0101")
    data = (await act("xero_create_contact", crm_contact_id=person)).json()["data"]
    assert data["contact_created"] is True and data["crm_contact_id"] == person
    stored = xero.org.contacts[data["contact_id"]]
    assert stored["Name"] == "Mere Tawhiri" and stored["FirstName"] == "Mere"
    assert await records.xero_contact_of(crm_contact_id=person) == data["contact_id"]


async def test_stale_link_is_replaced(act: Actions, xero: Xero, records: Crm) -> None:
    customer_id = await records.customer("Kowhai Kitchens",
                                         xero_contact_id="00000000-0000-0000-0000-000000000001")
    data = (await act("xero_create_contact", customer_id=customer_id)).json()["data"]
    assert data["contact_created"] is True
    assert await records.xero_contact_of(customer_id) == data["contact_id"]


async def test_source_must_be_exactly_one(act: Actions) -> None:
    both = await act("xero_create_contact", name="X", customer_id="abc")
    assert both.status_code == 422
    assert both.json()["error"]["field"] == "params.customer_id"
    unknown = await act("xero_create_contact",
                        customer_id="00000000-0000-0000-0000-0000000000aa")
    assert unknown.status_code == 422
    assert unknown.json()["error"]["field"] == "params.customer_id"


async def test_two_processes_never_duplicate_a_contact(
        hub: Hub, settings: Settings, make_key: KeyMaker, integration_id: str, xero: Xero,
        records: Crm) -> None:
    """Two hubs (as two processes: no shared lock) resolving one customer at once."""
    customer_id = await records.customer("Ponsonby Pottery")
    other = Hub.from_settings(settings)
    secret = await make_key(Scope.INTEGRATIONS_WRITE, Scope.INTEGRATIONS_READ)
    config = xero.handle.emulator.config
    try:
        clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(hub=h)),
                                     base_url="http://hub.test", headers=bearer(secret))
                   for h in (hub, other)]
        for c in clients:  # warm both up: database pools, providers, tokens
            warm = await c.post(f"/api/v1/integrations/{integration_id}/query",
                                json={"query_type": "xero_tax_rates"})
            assert warm.status_code == 200, warm.text
        # Slow Xero down so that both searches are answered before either create.
        config.latency_ms = 150
        answers = await asyncio.gather(*(
            Actions(c, integration_id)("xero_create_contact", customer_id=customer_id)
            for c in clients))
        for c in clients:
            await c.aclose()
    finally:
        config.latency_ms = 0
        await other.close()
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    # Both created; Xero refused the second name, and that answer led back to the first.
    assert (await xero.calls())["createContacts"] == 2
    ids = {a.json()["data"]["contact_id"] for a in answers}
    assert len(ids) == 1 and len(xero.contacts_named("Ponsonby Pottery")) == 1
    assert sorted(a.json()["data"]["contact_created"] for a in answers) == [False, True]
    assert await records.xero_contact_of(customer_id) == ids.pop()
