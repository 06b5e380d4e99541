"""The app skeleton: health is public, every other route needs a key with the right scope."""

from __future__ import annotations

import httpx

from ledgerlink.auth.scopes import Scope
from tests.hub_fixtures import KeyMaker, bearer


async def test_health_needs_no_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_openapi_describes_the_api(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["title"] == "ledgerlink"
    assert "/health" in spec["paths"]


async def test_unknown_route_is_a_json_404(client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    secret = await make_key(Scope.INTEGRATIONS_READ)
    response = await client.get("/api/v1/nowhere", headers=bearer(secret))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_405_lists_every_method_of_the_path(client: httpx.AsyncClient,
                                                  make_key: KeyMaker) -> None:
    secret = await make_key(Scope.INTEGRATIONS_READ)
    response = await client.delete("/api/v1/integrations", headers=bearer(secret))
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["allow"]
