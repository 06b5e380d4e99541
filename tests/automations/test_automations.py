"""/api/v3/integration/{uuid}/automation: CRUD in the seed's shapes, schedules, validation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerlink.auth.scopes import Scope
from ledgerlink.hub import Hub
from tests.connections.support import add_integration, seed_json
from tests.hub_fixtures import KeyMaker, bearer

MISSING = "6c1f5a0e-2b7d-4e3a-9c8f-1d2e3f4a5b6c"
FUNCTION = {"name": "Import suppliers", "direction": "IMPORT", "object_name": "supplier",
            "event_name": "contact.updated"}
DAILY = {"name": "import_suppliers_nightly", "automation_type": "timerBased",
         "direction": "IMPORT", "check_on": "daily", "custom_time": "02:00"}


def base(uuid: str) -> str:
    return f"/api/v3/integration/{uuid}/automation"


@pytest.fixture
async def writer(make_key: KeyMaker) -> dict[str, str]:
    return bearer(await make_key(Scope.AUTOMATIONS_WRITE))


@pytest.fixture
async def setup(hub: Hub, client: httpx.AsyncClient,
                writer: dict[str, str]) -> tuple[str, str]:
    """An integration and one IMPORT partner function of it."""
    integration = await add_integration(hub)
    response = await client.post(f"/api/v3/integration/{integration}/partner-function",
                                 headers=writer, json={"partner_function": FUNCTION})
    assert response.status_code == 201
    return integration, response.json()["partner_function"]["uuid"]


async def create(client: httpx.AsyncClient, headers: dict[str, str], integration: str,
                 function: str, **changes: Any) -> httpx.Response:
    body = {**DAILY, "perform_function": function, **changes}
    return await client.post(base(integration), headers=headers,
                             json={"integration_automation": body})


async def test_create_get_update_delete(client: httpx.AsyncClient, writer: dict[str, str],
                                        setup: tuple[str, str]) -> None:
    integration, function = setup
    response = await create(client, writer, integration, function)
    assert response.status_code == 201, response.text
    created = response.json()["integration_automation"]
    seed = seed_json("Retrieve Integration Automation Details by ID")["integration_automation"]
    assert list(created) == list(seed)  # the seed's keys (camelCase labels too), in order
    assert created["code"].startswith("AUTO-")
    assert created["display_name"] == "import_suppliers_nightly"  # defaults to name
    assert created["applies_to"] == "supplier"  # defaults to the function's object
    assert (created["provider"], created["status"], created["additional_criteria"]) == (
        "xero", "ACTIVE", False)
    assert created["perform_function"] == function
    assert created["checkOnText"] == "Every day at 02:00 UTC"
    assert created["performActionText"] == "Run partner function 'Import suppliers' " \
                                           "(IMPORT supplier)"
    url = f"{base(integration)}/{created['uuid']}"
    response = await client.get(url, headers=writer)
    assert list(response.json()) == ["integration_automation"]
    assert response.json()["integration_automation"] == created

    # Switching to an hourly schedule clears the daily time it leaves behind.
    response = await client.patch(url, headers=writer, json={"integration_automation": {
        "check_on": "hourly", "status": "INACTIVE", "description": "paused for now"}})
    assert response.status_code == 200, response.text
    updated = response.json()["integration_automation"]
    assert (updated["check_on"], updated["custom_time"], updated["status"]) == (
        "hourly", None, "INACTIVE")
    assert updated["checkOnText"] == "Every hour"
    assert updated["code"] == created["code"] and updated["name"] == created["name"]
    assert (await client.get(url, headers=writer)).json()["integration_automation"] == updated

    assert (await client.delete(url, headers=writer)).status_code == 204
    assert (await client.get(url, headers=writer)).status_code == 404


SCHEDULES: list[tuple[dict[str, Any], str]] = [
    ({"check_on": "minutes", "check_on_minutes": 15}, "Every 15 minutes"),
    ({"check_on": "weekly", "custom_day": "monday", "custom_day_time": "09:30"},
     "Every Monday at 09:30 UTC"),
    ({"check_on": "monthly", "custom_day": "01", "custom_day_time": "23:59"},
     "On day 1 of every month at 23:59 UTC"),
    ({"automation_type": "eventBased", "check_on": None}, "When contact.updated occurs"),
]


async def test_schedules(client: httpx.AsyncClient, writer: dict[str, str],
                         setup: tuple[str, str]) -> None:
    integration, function = setup
    for schedule, text in SCHEDULES:
        response = await create(client, writer, integration, function,
                                **{"custom_time": None, **schedule})
        assert response.status_code == 201, response.text
        created = response.json()["integration_automation"]
        assert created["checkOnText"] == text
        assert created["custom_time"] is None
        if schedule.get("check_on") == "weekly":
            assert created["custom_day"] == "MONDAY"
        if schedule.get("check_on") == "monthly":
            assert created["custom_day"] == "1"


INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({"name": None}, "name", ""),
    ({"automation_type": "cronBased"}, "automation_type", "'timerBased' or 'eventBased'"),
    ({"direction": "BOTH"}, "direction", "'IMPORT' or 'EXPORT'"),
    ({"direction": "EXPORT"}, "direction", "IMPORT"),  # the function imports
    ({"status": "PAUSED"}, "status", "'ACTIVE' or 'INACTIVE'"),
    ({"check_on": None}, "check_on", "minutes, hourly, daily, weekly, monthly"),
    ({"check_on": "yearly"}, "check_on", "'monthly'"),
    ({"custom_time": None}, "custom_time", "check_on=daily needs custom_time"),
    ({"custom_time": "24:00"}, "custom_time", ""),
    ({"custom_day": "MONDAY"}, "custom_day", "does not apply"),
    ({"check_on": "minutes", "check_on_minutes": 2, "custom_time": None},
     "check_on_minutes", "5"),
    ({"check_on": "minutes", "check_on_minutes": "15", "custom_time": None},
     "check_on_minutes", ""),
    ({"check_on": "minutes", "custom_time": None}, "check_on_minutes", "needs"),
    ({"check_on": "weekly", "custom_day": "FUNDAY", "custom_day_time": "09:00",
      "custom_time": None}, "custom_day", "MONDAY"),
    ({"check_on": "monthly", "custom_day": "31", "custom_day_time": "09:00",
      "custom_time": None}, "custom_day", "28"),
    ({"automation_type": "eventBased"}, "check_on", "does not apply"),
    ({"automation_type": "eventBased", "check_on": None}, "custom_time", "eventBased"),
    ({"perform_function": MISSING}, "perform_function", "partner function"),
    ({"perform_function": "nope"}, "perform_function", ""),
    # provider is read-only: never accepted in a body, not even the integration's own.
    ({"provider": "netsuite"}, "provider", "not permitted"),
    ({"provider": "xero"}, "provider", "not permitted"),
    ({"check_on_minutes": 5.5, "check_on": "minutes", "custom_time": None},
     "check_on_minutes", ""),
    ({"additional_criteria": 0}, "additional_criteria", ""),
    ({"code": "has space"}, "code", ""),
    ({"performActionText": "x"}, "performActionText", ""),
    ({"uuid": MISSING}, "uuid", ""),
    ({"name": "bell\x07"}, "name", "U+0007"),
    ({"display_name": "rlo\u202e"}, "display_name", "RIGHT-TO-LEFT OVERRIDE"),
]


async def test_invalid_automations_are_422_naming_the_field(
        client: httpx.AsyncClient, writer: dict[str, str], setup: tuple[str, str]) -> None:
    integration, function = setup
    for change, field, mentions in INVALID:
        response = await create(client, writer, integration, function, **change)
        assert response.status_code == 422, (change, response.text)
        error = response.json()["error"]
        assert error["field"] == f"integration_automation.{field}", (change, error)
        assert mentions in error["message"], (change, error)
    assert (await client.get(base(integration), headers=writer)).json()[
        "pagination"]["records"] == 0


# What the schema cannot state is refused with its own code, so a client (and schemathesis) can
# tell a schema breach (invalid_input) from a rule between values or a missing record.
CODES: list[tuple[dict[str, Any], str]] = [
    ({"custom_day": "MONDAY"}, "conflicting_input"),
    ({"check_on": "minutes", "custom_time": None}, "conflicting_input"),
    ({"check_on": "monthly", "custom_day": "MONDAY", "custom_day_time": "09:00",
      "custom_time": None}, "conflicting_input"),
    ({"direction": "EXPORT"}, "conflicting_input"),
    ({"perform_function": MISSING}, "unknown_reference"),
    ({"perform_function": "nope"}, "invalid_input"),
    ({"custom_day": "FUNDAY"}, "invalid_input"),
    ({"check_on_minutes": 1440.5}, "invalid_input"),
]


async def test_error_codes_tell_schema_breaches_from_rules(
        client: httpx.AsyncClient, writer: dict[str, str], setup: tuple[str, str]) -> None:
    integration, function = setup
    for change, code in CODES:
        response = await create(client, writer, integration, function, **change)
        assert response.status_code == 422, (change, response.text)
        assert response.json()["error"]["code"] == code, (change, response.json())


async def test_event_based_needs_an_event(hub: Hub, client: httpx.AsyncClient,
                                          writer: dict[str, str]) -> None:
    integration = await add_integration(hub)
    response = await client.post(f"/api/v3/integration/{integration}/partner-function",
                                 headers=writer, json={"partner_function": {
                                     **FUNCTION, "event_name": None}})
    function = response.json()["partner_function"]["uuid"]
    response = await create(client, writer, integration, function,
                            automation_type="eventBased", check_on=None, custom_time=None)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "integration_automation.perform_function"


async def test_updates_are_validated_as_a_whole(client: httpx.AsyncClient,
                                                writer: dict[str, str],
                                                setup: tuple[str, str]) -> None:
    integration, function = setup
    created = (await create(client, writer, integration, function, code="NIGHTLY")).json()
    url = f"{base(integration)}/{created['integration_automation']['uuid']}"
    for change, field in (({"name": None}, "name"), ({"code": None}, "code"),
                          ({"check_on": "weekly"}, "custom_day"),
                          ({"custom_day": "MONDAY"}, "custom_day"),
                          ({"direction": "EXPORT"}, "direction"),
                          ({"automation_type": None}, "automation_type"),
                          ({"bogus": 1}, "bogus")):
        response = await client.patch(url, headers=writer,
                                      json={"integration_automation": change})
        assert response.status_code == 422, (change, response.text)
        assert response.json()["error"]["field"] == f"integration_automation.{field}"
    unchanged = (await client.get(url, headers=writer)).json()
    assert unchanged == created


async def test_codes_are_unique_per_integration(hub: Hub, client: httpx.AsyncClient,
                                                writer: dict[str, str],
                                                setup: tuple[str, str]) -> None:
    integration, function = setup
    assert (await create(client, writer, integration, function,
                         code="NIGHTLY")).status_code == 201
    second = await create(client, writer, integration, function, code="NIGHTLY", name="two")
    assert second.status_code == 409
    assert second.json()["error"]["field"] == "integration_automation.code"
    other = (await create(client, writer, integration, function, name="three")).json()
    response = await client.patch(f"{base(integration)}/{other['integration_automation']['uuid']}",
                                  headers=writer,
                                  json={"integration_automation": {"code": "NIGHTLY"}})
    assert response.status_code == 409
    # Another integration may use the same code.
    elsewhere = await add_integration(hub, name="Elsewhere")
    response = await client.post(f"/api/v3/integration/{elsewhere}/partner-function",
                                 headers=writer, json={"partner_function": FUNCTION})
    their_function = response.json()["partner_function"]["uuid"]
    assert (await create(client, writer, elsewhere, their_function,
                         code="NIGHTLY")).status_code == 201
    # ...but not perform a function of this one.
    response = await create(client, writer, elsewhere, function, code="OTHER")
    assert response.status_code == 422


async def test_a_performed_function_is_protected(client: httpx.AsyncClient,
                                                 writer: dict[str, str],
                                                 setup: tuple[str, str]) -> None:
    integration, function = setup
    created = (await create(client, writer, integration, function, code="NIGHTLY")).json()
    function_url = f"/api/v3/integration/{integration}/partner-function/{function}"
    response = await client.delete(function_url, headers=writer)
    assert response.status_code == 409
    assert "NIGHTLY" in response.json()["error"]["message"]
    response = await client.patch(function_url, headers=writer,
                                  json={"partner_function": {"direction": "EXPORT"}})
    assert response.status_code == 409
    # Renaming is fine, and the automation's label follows.
    await client.patch(function_url, headers=writer,
                       json={"partner_function": {"name": "Suppliers in"}})
    url = f"{base(integration)}/{created['integration_automation']['uuid']}"
    automation = (await client.get(url, headers=writer)).json()["integration_automation"]
    assert automation["performActionText"] == "Run partner function 'Suppliers in' " \
                                              "(IMPORT supplier)"
    assert (await client.delete(url, headers=writer)).status_code == 204
    assert (await client.delete(function_url, headers=writer)).status_code == 204


async def test_list_pages(client: httpx.AsyncClient, writer: dict[str, str],
                          setup: tuple[str, str]) -> None:
    integration, function = setup
    names = [f"auto-{n}" for n in range(3)]
    for name in names:
        assert (await create(client, writer, integration, function,
                             name=name)).status_code == 201
    body = (await client.get(f"{base(integration)}?limit=2", headers=writer)).json()
    seed = seed_json("Retrieve Integration Automation List")
    assert list(body) == list(seed)
    assert list(body["pagination"]) == list(seed["pagination"])
    assert list(body["integration_automations"][0]) == list(seed["integration_automations"][0])
    assert [a["name"] for a in body["integration_automations"]] == names[:2]
    assert body["pagination"]["records"] == 3 and body["pagination"]["previous_page"] == ""
    body = (await client.get(body["pagination"]["next_page"], headers=writer)).json()
    assert [a["name"] for a in body["integration_automations"]] == names[2:]
    assert body["pagination"]["next_page"] is None


async def test_unknown_ids_are_404_and_scopes_apply(client: httpx.AsyncClient,
                                                    make_key: KeyMaker,
                                                    writer: dict[str, str],
                                                    setup: tuple[str, str]) -> None:
    integration, function = setup
    for method, url in (("GET", base(MISSING)), ("GET", f"{base(integration)}/{MISSING}"),
                        ("DELETE", f"{base(integration)}/{MISSING}")):
        response = await client.request(method, url, headers=writer)
        assert response.status_code == 404, url
    # A malformed uuid is a 422 naming the parameter, as on every route (api/ids.py).
    response = await client.get(f"{base(integration)}/x", headers=writer)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "automation_uuid"
    response = await create(client, writer, MISSING, function)
    assert response.status_code == 404
    reader = bearer(await make_key(Scope.AUTOMATIONS_READ))
    assert (await client.get(base(integration), headers=reader)).status_code == 200
    response = await create(client, reader, integration, function)
    assert response.status_code == 403
    assert "automations:write" in response.json()["error"]["message"]
    assert (await client.get(base(integration))).status_code == 401
