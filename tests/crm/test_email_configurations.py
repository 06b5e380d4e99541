"""Email configurations through the API: exactly one default, validation of brand and templates."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from ledgerlink.email.template_rules import MAX_BODY
from tests.crm.fixtures import Crm
from tests.email.hostile_bodies import hostile

# How long the event loop may go without a tick while a template is checked: a hang guard,
# not a speed test (a linear check of the largest body takes milliseconds; the quadratic one
# froze the loop for 13.6 s, and the HTML-to-text reading would have for minutes).
STALL_GUARD = 10.0

CONFIG = {
    "name": "Invoices", "from_email": "billing@acme.example", "from_name": "Acme Billing",
    "reply_to": "accounts@acme.example", "company_name": "Acme Pty Ltd",
    "brand_color": "#0B5FFF", "logo_url": "https://acme.example/logo.png", "is_default": True,
    "subject_template": "Invoice {{xero.invoice_number}} from {{company.name}}",
    "body_template": "Hi {{contact.first_name}}, {{xero.total}} is due {{xero.due_date}}."}


async def defaults(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    """Names of the configurations flagged default."""
    response = await client.get("/api/v1/email-configurations", params={"is_default": True},
                                headers=headers)
    assert response.status_code == 200
    return [c["name"] for c in response.json()["data"]]


async def test_create_get_update(client: httpx.AsyncClient, crm: Crm,
                                 writer: dict[str, str]) -> None:
    created = await crm.post("email-configurations", CONFIG)
    assert {k: created[k] for k in CONFIG} == CONFIG
    url = f"/api/v1/email-configurations/{created['id']}"
    assert (await client.get(url, headers=writer)).json() == created

    patched = await client.patch(url, headers=writer,
                                 json={"from_name": "Accounts", "logo_url": None})
    assert patched.status_code == 200
    assert patched.json()["from_name"] == "Accounts"
    assert patched.json()["logo_url"] is None
    assert patched.json()["is_default"] is True
    replaced = await client.put(url, headers=writer, json={
        "name": "Plain", "from_email": "x@acme.example", "is_default": True})
    assert replaced.status_code == 200
    assert replaced.json()["subject_template"] is None
    missing = await client.get(f"/api/v1/email-configurations/{uuid.uuid4()}", headers=writer)
    assert missing.status_code == 404


async def test_exactly_one_default(client: httpx.AsyncClient, crm: Crm,
                                   writer: dict[str, str]) -> None:
    first = await crm.email_configuration(name="First")
    assert first["is_default"] is True  # the first configuration becomes the default
    second = await crm.email_configuration(name="Second")
    assert second["is_default"] is False
    assert await defaults(client, writer) == ["First"]

    third = await crm.email_configuration(name="Third", is_default=True)
    assert third["is_default"] is True
    assert await defaults(client, writer) == ["Third"]
    old = await client.get(f"/api/v1/email-configurations/{first['id']}", headers=writer)
    assert old.json()["is_default"] is False

    moved = await client.patch(f"/api/v1/email-configurations/{second['id']}",
                               headers=writer, json={"is_default": True})
    assert moved.status_code == 200
    assert moved.json()["is_default"] is True
    assert await defaults(client, writer) == ["Second"]
    again = await client.patch(f"/api/v1/email-configurations/{second['id']}",
                               headers=writer, json={"is_default": True, "name": "Second!"})
    assert again.status_code == 200
    assert await defaults(client, writer) == ["Second!"]

    refused = await client.patch(f"/api/v1/email-configurations/{second['id']}",
                                 headers=writer, json={"is_default": False})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "is_default"
    harmless = await client.patch(f"/api/v1/email-configurations/{first['id']}",
                                  headers=writer, json={"is_default": False})
    assert harmless.status_code == 200
    assert await defaults(client, writer) == ["Second!"]

    everything = (await client.get("/api/v1/email-configurations", headers=writer)).json()
    assert everything["pagination"] == {"total": 3, "limit": 50, "offset": 0}
    assert sum(c["is_default"] for c in everything["data"]) == 1


async def test_validation(client: httpx.AsyncClient, writer: dict[str, str]) -> None:
    base = {"name": "Invoices", "from_email": "billing@acme.example"}
    cases = {
        "from_email": "billing@", "reply_to": "nobody", "brand_color": "blue",
        "logo_url": "not a url", "subject_template": "Invoice {{ xero.invoice_number",
        "body_template": "{% if %}", "name": "",
    }
    # A template's syntax is a rule no schema can state: conflicting_input, not invalid_input.
    meaning = {"subject_template", "body_template"}
    cases |= {"is_default": 1, "name": " " * 3, "from_name": "x" * 256}
    for field, value in cases.items():
        response = await client.post("/api/v1/email-configurations", headers=writer,
                                     json={**base, field: value})
        assert response.status_code == 422, field
        assert response.json()["error"]["field"] == field
        expected = "conflicting_input" if field in meaning else "invalid_input"
        assert response.json()["error"]["code"] == expected, (field, response.json())
    missing = await client.post("/api/v1/email-configurations", headers=writer,
                                json={"name": "No sender"})
    assert missing.status_code == 422
    assert missing.json()["error"]["field"] == "from_email"


async def _heartbeat(done: asyncio.Event) -> tuple[int, float]:
    """Tick on the event loop until `done`: the ticks, and the longest wait between two."""
    ticks, longest, last = 0, 0.0, time.monotonic()
    while not done.is_set():
        await asyncio.sleep(0)
        now = time.monotonic()
        ticks, longest, last = ticks + 1, max(longest, now - last), now
    return ticks, longest


@pytest.mark.timeout(120)
async def test_hostile_templates_save_without_freezing_the_hub(
        client: httpx.AsyncClient, writer: dict[str, str]) -> None:
    # The save-time check runs in the request's validation, on the event loop: it is linear
    # (bounded by MAX_BODY), so the loop keeps ticking while the largest hostile bodies save.
    done = asyncio.Event()

    async def save_all() -> None:
        try:
            for name, body in hostile(MAX_BODY).items():
                response = await client.post("/api/v1/email-configurations", headers=writer,
                                             json={"name": name, "body_template": body,
                                                   "from_email": "billing@acme.example"})
                assert response.status_code == 201, (name, response.text[:300])
                assert response.json()["body_template"] == body
        finally:
            done.set()

    _, (ticks, longest) = await asyncio.gather(save_all(), _heartbeat(done))
    assert ticks > 0 and longest < STALL_GUARD
