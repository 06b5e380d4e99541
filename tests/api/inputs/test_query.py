"""Boolean query parameters of the CRM routes are the words true and false, as the schema's
boolean says (FastAPI's own bool also read 1, 0, yes, on, off ...)."""

from __future__ import annotations

import httpx

from tests.api.inputs.support import error


async def test_query_booleans_are_true_or_false(client: httpx.AsyncClient,
                                                key: dict[str, str]) -> None:
    # The issue: 0 was accepted as a boolean (FastAPI also read 1, yes, on, off ...).
    for url in ("/api/v1/products?is_active=", "/api/v1/email-configurations?is_default="):
        for word in ("0", "1", "yes", "off", "True"):
            found = error(await client.get(url + word, headers=key), 422)
            assert found["code"] == "invalid_input", (url, word)
        for word in ("true", "false"):
            assert (await client.get(url + word, headers=key)).status_code == 200, (url, word)
    customer = (await client.post("/api/v1/customers", headers=key,
                                  json={"name": "Acme"})).json()["id"]
    response = await client.delete(f"/api/v1/customers/{customer}?cascade=1", headers=key)
    assert error(response, 422)["field"] == "cascade"
