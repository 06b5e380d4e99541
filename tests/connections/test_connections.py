"""GET /api/v2/integration-connections: the seed's shape, masked secrets, order, pages, fields."""

from __future__ import annotations

import re

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink.auth.scopes import Scope
from ledgerlink.connections.endpoints import FIELDS_PATTERN
from ledgerlink.connections.schemas import CONNECTION_FIELDS
from ledgerlink.connections.service import parse_fields
from ledgerlink.errors import InputError
from ledgerlink.hub import Hub
from tests.connections.support import add_integration, seed_json, shape
from tests.hub_fixtures import KeyMaker, bearer

LIST = "/api/v2/integration-connections"
SECRET = "cs-3f9a7b1c5d2e8f4a6b0c9d1e7f3a5b2c-SEC1"
ACCESS = "eyJhbGciOiJSUzI1NiJ9.access-token-body-0123456789.sig-ACC2"
REFRESH = "rt-71c4e2b9a8d6f0e3c5b7a9d1f2e4c6b8-REF3"


@pytest.fixture
async def reader(make_key: KeyMaker) -> dict[str, str]:
    return bearer(await make_key(Scope.CONFIG_READ))


async def _three(hub: Hub) -> list[str]:
    """Three connections, made in the order Charlie, Alpha, Bravo."""
    return [await add_integration(hub, name=name, client_id=f"CLIENT-{name}",
                                  client_secret=f"{SECRET}-{name}",
                                  access_token=f"{ACCESS}-{name}",
                                  refresh_token=f"{REFRESH}-{name}")
            for name in ("Charlie", "Alpha", "Bravo")]


async def test_list_has_the_seed_shape_with_secrets_masked(
        hub: Hub, client: httpx.AsyncClient, reader: dict[str, str]) -> None:
    uuid = await add_integration(hub, name="Demo Company (AU)", client_id="CID-42",
                                 client_secret=SECRET, access_token=ACCESS,
                                 refresh_token=REFRESH)
    response = await client.get(LIST, headers=reader)
    assert response.status_code == 200
    body = response.json()
    seed = seed_json("Retrieve Integration Connection List")
    seed_item = seed["integration_connection"][0]
    assert list(body["integration_connection"][0]) == list(seed_item)  # same keys, same order
    pagination_keys = shape(seed_json("Retrieve Partner Function List")["pagination"])
    assert shape(body["pagination"]) == pagination_keys
    assert body["integration_connection"][0] == {
        "status": "ACTIVE", "uuid": uuid, "integration_partner": "xero",
        "remote_instance_id": body["integration_connection"][0]["remote_instance_id"],
        "remote_instance_name": "Demo Company (AU)", "client_id": "CID-42",
        "client_secret": "••••SEC1", "access_token": "••••ACC2", "refresh_token": "••••REF3"}
    for secret in (SECRET, ACCESS, REFRESH):
        assert secret not in response.text
        assert secret[:-4] not in response.text
    assert body["pagination"] == {"records": 1, "limit": 20, "offset": 0, "previous_page": "",
                                  "next_page": None}


async def test_detail_is_a_one_element_list(hub: Hub, client: httpx.AsyncClient,
                                            reader: dict[str, str]) -> None:
    uuid = await add_integration(hub, client_secret=SECRET, access_token=ACCESS,
                                 refresh_token=REFRESH, status="needs_reauth")
    response = await client.get(f"{LIST}/{uuid}", headers=reader)
    assert response.status_code == 200
    body = response.json()
    assert shape(body) == shape(seed_json("Retrieve Integration Connection Details by ID"))
    (item,) = body["integration_connection"]
    assert item["uuid"] == uuid
    assert item["status"] == "NEEDS_REAUTH"
    assert item["access_token"] == "••••ACC2"
    for secret in (SECRET, ACCESS, REFRESH):
        assert secret not in response.text
    # The uuid is matched in any letter case.
    assert (await client.get(f"{LIST}/{uuid.upper()}", headers=reader)).status_code == 200


async def test_detail_of_an_unknown_connection_is_404(client: httpx.AsyncClient,
                                                      reader: dict[str, str]) -> None:
    # A malformed uuid is a 422 naming the parameter, as on every route (api/ids.py).
    for bad, status in (("6c1f5a0e-2b7d-4e3a-9c8f-1d2e3f4a5b6c", 404), ("not-a-uuid", 422),
                        ("%00", 422)):
        response = await client.get(f"{LIST}/{bad}", headers=reader)
        assert response.status_code == status
        assert response.json()["error"]["field"] == "connection_uuid"


async def test_short_and_missing_secrets(hub: Hub, client: httpx.AsyncClient,
                                         reader: dict[str, str]) -> None:
    short = await add_integration(hub, name="Short", client_secret="abc12345",
                                  access_token="tok-5678", refresh_token=None)
    bare = await add_integration(hub, name="No grant", with_grant=False)
    response = await client.get(f"{LIST}/{short}", headers=reader)
    item = response.json()["integration_connection"][0]
    assert item["client_secret"] == "••••"  # too short to show even 4 characters
    assert item["access_token"] == "••••"
    assert item["refresh_token"] is None
    assert "abc12345" not in response.text and "5678" not in response.text
    item = (await client.get(f"{LIST}/{bare}", headers=reader)).json()["integration_connection"][0]
    assert item["client_id"] is None and item["client_secret"] is None
    assert item["access_token"] is None and item["refresh_token"] is None


async def test_order_by_and_direction(hub: Hub, client: httpx.AsyncClient,
                                      reader: dict[str, str]) -> None:
    made = await _three(hub)

    async def names(query: str) -> list[str]:
        response = await client.get(f"{LIST}?{query}", headers=reader)
        assert response.status_code == 200, response.text
        return [c["remote_instance_name"] for c in response.json()["integration_connection"]]

    assert await names("") == ["Charlie", "Alpha", "Bravo"]  # default: created, asc
    assert await names("direction=desc") == ["Bravo", "Alpha", "Charlie"]
    assert await names("order_by=remote_instance_name") == ["Alpha", "Bravo", "Charlie"]
    assert await names("order_by=client_id&direction=desc") == ["Charlie", "Bravo", "Alpha"]
    response = await client.get(f"{LIST}?order_by=uuid", headers=reader)
    assert [c["uuid"] for c in response.json()["integration_connection"]] == sorted(made)


async def test_limit_offset_and_page_links(hub: Hub, client: httpx.AsyncClient,
                                           reader: dict[str, str]) -> None:
    await _three(hub)
    response = await client.get(f"{LIST}?order_by=remote_instance_name&limit=2",
                                headers=reader)
    body = response.json()
    assert [c["remote_instance_name"] for c in body["integration_connection"]] == [
        "Alpha", "Bravo"]
    assert body["pagination"]["records"] == 3
    assert body["pagination"]["previous_page"] == ""
    next_page = body["pagination"]["next_page"]
    assert "offset=2" in next_page and "limit=2" in next_page
    assert "order_by=remote_instance_name" in next_page
    body = (await client.get(next_page, headers=reader)).json()
    assert [c["remote_instance_name"] for c in body["integration_connection"]] == ["Charlie"]
    assert body["pagination"]["next_page"] is None
    assert body["pagination"]["offset"] == 2
    assert "offset=0" in body["pagination"]["previous_page"]
    body = (await client.get(f"{LIST}?offset=10", headers=reader)).json()
    assert body["integration_connection"] == []
    assert body["pagination"]["records"] == 3


async def test_fields_selects_keys(hub: Hub, client: httpx.AsyncClient,
                                   reader: dict[str, str]) -> None:
    uuid = await add_integration(hub, client_secret=SECRET, access_token=ACCESS,
                                 refresh_token=REFRESH)
    response = await client.get(f"{LIST}?fields=uuid, status", headers=reader)
    assert response.status_code == 200
    assert response.json()["integration_connection"] == [{"status": "ACTIVE", "uuid": uuid}]
    response = await client.get(f"{LIST}?fields=", headers=reader)  # blank: every field
    assert len(response.json()["integration_connection"][0]) == 9
    response = await client.get(f"{LIST}?fields=refresh_token", headers=reader)
    assert response.json()["integration_connection"] == [{"refresh_token": "••••REF3"}]
    assert REFRESH not in response.text


BAD_PARAMETERS: list[tuple[str, str, str]] = [
    ("fields=uuid,password", "fields", "remote_instance_name"),
    ("fields=uuid,,status", "fields", "allowed"),
    ("order_by=client_secret", "order_by", "remote_instance_name"),
    ("order_by=nope", "order_by", "created"),
    ("direction=up", "direction", "desc"),
    ("limit=0", "limit", "1"),
    ("limit=101", "limit", "100"),
    ("limit=ten", "limit", "integer"),
    ("offset=-1", "offset", "0"),
]


async def test_bad_parameters_are_422_naming_the_field(client: httpx.AsyncClient,
                                                       reader: dict[str, str]) -> None:
    for query, field, mentions in BAD_PARAMETERS:
        response = await client.get(f"{LIST}?{query}", headers=reader)
        assert response.status_code == 422, (query, response.text)
        error = response.json()["error"]
        assert error["field"] == field, query
        assert mentions in error["message"], (query, error)


async def test_scopes(hub: Hub, client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    uuid = await add_integration(hub)
    assert (await client.get(LIST)).status_code == 401
    other = bearer(await make_key(Scope.INTEGRATIONS_READ, Scope.AUTOMATIONS_WRITE))
    response = await client.get(f"{LIST}/{uuid}", headers=other)
    assert response.status_code == 403
    assert "config:read" in response.json()["error"]["message"]
    writer = bearer(await make_key(Scope.CONFIG_WRITE))  # write implies read
    assert (await client.get(LIST, headers=writer)).status_code == 200


@settings(max_examples=500, deadline=None, database=None, derandomize=True)
@given(text=st.lists(st.sampled_from([*CONNECTION_FIELDS, "password", "", " ", ",", "  ,  ",
                                      "uuid ", "\t"]), max_size=5).map("".join))
def test_fields_are_refused_exactly_when_the_published_pattern_refuses_them(text: str) -> None:
    # The service's check (with its message naming the allowed fields) is the pattern's rule.
    try:
        parse_fields(text)
        accepted = True
    except InputError:
        accepted = False
    assert accepted == bool(re.fullmatch(FIELDS_PATTERN, text)), text
