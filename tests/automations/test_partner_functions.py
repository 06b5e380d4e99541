"""/api/v3/integration/{uuid}/partner-function: CRUD in the seed's shapes, validation, pages."""

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
            "event_name": "contact.updated", "description": "Xero suppliers come in",
            "mapping_id": "map-1", "tag": "suppliers", "pre_run_script_id": "pre-1",
            "object_mapping": {"Name": "name", "Addresses": [{"City": "city"}]}}


def base(uuid: str) -> str:
    return f"/api/v3/integration/{uuid}/partner-function"


@pytest.fixture
async def writer(make_key: KeyMaker) -> dict[str, str]:
    return bearer(await make_key(Scope.AUTOMATIONS_WRITE))


async def create(client: httpx.AsyncClient, headers: dict[str, str], integration: str,
                 **changes: Any) -> dict[str, Any]:
    response = await client.post(base(integration), headers=headers,
                                 json={"partner_function": {**FUNCTION, **changes}})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()["partner_function"]
    return created


async def test_create_get_update_delete(hub: Hub, client: httpx.AsyncClient,
                                        writer: dict[str, str]) -> None:
    integration = await add_integration(hub)
    created = await create(client, writer, integration)
    seed_item = seed_json("Retrieve Partner Function Details by ID")["partner_function"]
    assert list(created) == list(seed_item)  # the seed's keys in the seed's order
    assert created["provider_name"] == "xero" and created["enabled"] is True
    assert created["object_mapping"] == FUNCTION["object_mapping"]
    assert created["post_run_script_id"] is None
    url = f"{base(integration)}/{created['uuid']}"
    response = await client.get(url, headers=writer)
    assert response.status_code == 200
    assert list(response.json()) == ["partner_function"]
    assert response.json()["partner_function"] == created

    response = await client.patch(url, headers=writer, json={"partner_function": {
        "enabled": False, "tag": None, "name": "Import suppliers v2", "direction": "EXPORT"}})
    assert response.status_code == 200, response.text
    updated = response.json()["partner_function"]
    assert (updated["enabled"], updated["tag"], updated["name"], updated["direction"]) == (
        False, None, "Import suppliers v2", "EXPORT")
    assert updated["mapping_id"] == "map-1"  # untouched
    assert updated["created"] == created["created"]
    assert updated["updated"] >= created["updated"]
    assert (await client.get(url, headers=writer)).json()["partner_function"] == updated

    assert (await client.delete(url, headers=writer)).status_code == 204
    assert (await client.get(url, headers=writer)).status_code == 404
    assert (await client.delete(url, headers=writer)).status_code == 404


async def test_list_pages(hub: Hub, client: httpx.AsyncClient, writer: dict[str, str]) -> None:
    integration = await add_integration(hub)
    other = await add_integration(hub, name="Other")
    names = [f"fn-{n}" for n in range(5)]
    for name in names:
        await create(client, writer, integration, name=name)
    await create(client, writer, other, name="elsewhere")
    response = await client.get(base(integration), headers=writer)
    body = response.json()
    seed = seed_json("Retrieve Partner Function List")
    assert list(body) == list(seed)
    assert list(body["pagination"]) == list(seed["pagination"])
    assert list(body["partner_functions"][0]) == list(seed["partner_functions"][0])
    assert [f["name"] for f in body["partner_functions"]] == names
    assert body["pagination"] == {"records": 5, "limit": 20, "offset": 0, "previous_page": "",
                                  "next_page": None}
    body = (await client.get(f"{base(integration)}?limit=2&offset=2", headers=writer)).json()
    assert [f["name"] for f in body["partner_functions"]] == names[2:4]
    assert body["pagination"]["records"] == 5
    assert "offset=0" in body["pagination"]["previous_page"]
    assert "offset=4" in body["pagination"]["next_page"]
    body = (await client.get(body["pagination"]["next_page"], headers=writer)).json()
    assert [f["name"] for f in body["partner_functions"]] == names[4:]
    assert body["pagination"]["next_page"] is None
    for query in ("limit=0", "limit=101", "offset=-1", "limit=x"):
        response = await client.get(f"{base(integration)}?{query}", headers=writer)
        assert response.status_code == 422
        assert response.json()["error"]["field"] == query.split("=")[0]


INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({"name": None}, "partner_function.name", ""),
    ({"name": "   "}, "partner_function.name", ""),
    ({"direction": "SIDEWAYS"}, "partner_function.direction", "'IMPORT' or 'EXPORT'"),
    ({"object_name": None}, "partner_function.object_name", ""),
    ({"enabled": "yes"}, "partner_function.enabled", ""),
    ({"uuid": "0b6e3f8a-7c1d-4e2a-9f5b-3d8c2a1e6f40"}, "partner_function.uuid", ""),
    # provider_name is read-only: never accepted in a body, not even the integration's own.
    ({"provider_name": "netsuite"}, "partner_function.provider_name", "not permitted"),
    ({"provider_name": "xero"}, "partner_function.provider_name", "not permitted"),
    ({"object_mapping": "Name->name"}, "partner_function.object_mapping", ""),
    ({"tag": "x" * 101}, "partner_function.tag", "100"),
    ({"description": "nul\x00byte"}, "partner_function.description", ""),
    # The shared text rule (ledgerlink.inputs), not NUL alone: BEL and RLO were stored (201).
    ({"name": "bell\x07"}, "partner_function.name", "U+0007"),
    ({"tag": "rlo\u202e"}, "partner_function.tag", "RIGHT-TO-LEFT OVERRIDE"),
    ({"name": "two\nlines"}, "partner_function.name", "line breaks"),
    ({"object_mapping": {"Addresses": [{"City": "c\x07"}]}},
     "partner_function.object_mapping.Addresses.0.City", "U+0007"),
]


async def test_invalid_functions_are_422(hub: Hub, client: httpx.AsyncClient,
                                         writer: dict[str, str]) -> None:
    integration = await add_integration(hub)
    for change, field, mentions in INVALID:
        response = await client.post(base(integration), headers=writer,
                                     json={"partner_function": {**FUNCTION, **change}})
        assert response.status_code == 422, (change, response.text)
        assert response.json()["error"]["field"] == field, change
        assert mentions in response.json()["error"]["message"], change
    missing = {k: v for k, v in FUNCTION.items() if k != "direction"}
    response = await client.post(base(integration), headers=writer,
                                 json={"partner_function": missing})
    assert response.json()["error"]["field"] == "partner_function.direction"
    assert (await client.get(base(integration), headers=writer)).json()[
        "pagination"]["records"] == 0


async def test_invalid_updates_are_422(hub: Hub, client: httpx.AsyncClient,
                                       writer: dict[str, str]) -> None:
    integration = await add_integration(hub)
    url = f"{base(integration)}/{(await create(client, writer, integration))['uuid']}"
    for change, field in (({"name": None}, "partner_function.name"),
                          ({"direction": None}, "partner_function.direction"),
                          ({"enabled": None}, "partner_function.enabled"),
                          ({"color": "red"}, "partner_function.color"),
                          ({"provider_name": "sage"}, "partner_function.provider_name"),
                          ({"provider_name": None}, "partner_function.provider_name")):
        response = await client.patch(url, headers=writer, json={"partner_function": change})
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == field
        assert response.json()["error"]["code"] == "invalid_input"


async def test_unknown_integration_or_function_is_404(hub: Hub, client: httpx.AsyncClient,
                                                      writer: dict[str, str]) -> None:
    integration = await add_integration(hub)
    other = await add_integration(hub, name="Other")
    theirs = await create(client, writer, other)
    body = {"partner_function": FUNCTION}
    for method, url, json in (
            ("GET", base(MISSING), None), ("POST", base(MISSING), body),
            ("GET", f"{base(integration)}/{theirs['uuid']}", None),
            ("PATCH", f"{base(integration)}/{theirs['uuid']}", {"partner_function": {}}),
            ("DELETE", f"{base(integration)}/{MISSING}", None)):
        response = await client.request(method, url, json=json, headers=writer)
        assert response.status_code == 404, (method, url)
        assert response.json()["error"]["code"] == "not_found"
    # A malformed uuid is a 422 naming the parameter, as on every route (api/ids.py).
    for url, field in ((base("x"), "integration_uuid"),
                       (f"{base(integration)}/not-a-uuid", "partner_function_uuid")):
        response = await client.get(url, headers=writer)
        assert response.status_code == 422, url
        assert response.json()["error"]["field"] == field


async def test_scopes(hub: Hub, client: httpx.AsyncClient, make_key: KeyMaker,
                      writer: dict[str, str]) -> None:
    integration = await add_integration(hub)
    created = await create(client, writer, integration)
    reader = bearer(await make_key(Scope.AUTOMATIONS_READ))
    assert (await client.get(base(integration), headers=reader)).status_code == 200
    response = await client.post(base(integration), headers=reader,
                                 json={"partner_function": FUNCTION})
    assert response.status_code == 403
    assert "automations:write" in response.json()["error"]["message"]
    url = f"{base(integration)}/{created['uuid']}"
    assert (await client.delete(url, headers=reader)).status_code == 403
    config = bearer(await make_key(Scope.CONFIG_WRITE))
    assert (await client.get(url, headers=config)).status_code == 403
    assert (await client.get(url)).status_code == 401
