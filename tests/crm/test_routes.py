"""Every CRM route: authenticated, scoped (crm:read to read, crm:write to write), documented."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import IntegrityError

from ledgerlink.api.app import create_app
from ledgerlink.auth.scopes import Scope
from ledgerlink.db.models.crm import EmailConfiguration
from ledgerlink.hub import Hub
from tests.hub_fixtures import KeyMaker, bearer

CRM_PATHS = ("/api/v1/customers", "/api/v1/crm-contacts", "/api/v1/deals", "/api/v1/products",
             "/api/v1/email-configurations")


def crm_operations(hub: Hub) -> list[tuple[str, str]]:
    """(method, path) of every CRM route, from the app's OpenAPI description."""
    paths: dict[str, dict[str, Any]] = create_app(hub=hub).openapi()["paths"]
    return [(method.upper(), path) for path, item in paths.items()
            if path.startswith(CRM_PATHS) for method in item]


def test_the_api_covers_every_record_type(hub: Hub) -> None:
    operations = crm_operations(hub)
    for path in CRM_PATHS:
        assert ("POST", path) in operations and ("GET", path) in operations
        item = next(p for m, p in operations if p.startswith(path + "/{") and m == "PATCH")
        assert ("GET", item) in operations and ("PUT", item) in operations
    lines = "/api/v1/deals/{deal_id}/products"
    assert {("POST", lines), ("GET", lines)} <= set(operations)
    assert len(operations) == 35  # 31 + DELETE of customers, contacts, products, deals


async def test_every_route_needs_its_scope(client: httpx.AsyncClient, hub: Hub,
                                           make_key: KeyMaker) -> None:
    others = bearer(await make_key(Scope.INTEGRATIONS_WRITE, Scope.CONFIG_WRITE))
    reader = bearer(await make_key(Scope.CRM_READ))
    for method, path in crm_operations(hub):
        url = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)
        needed = "crm:read" if method == "GET" else "crm:write"
        assert (await client.request(method, url)).status_code == 401, (method, path)
        denied = await client.request(method, url, headers=others, json={})
        assert denied.status_code == 403, (method, path)
        assert f"'{needed}'" in denied.json()["error"]["message"]
        as_reader = await client.request(method, url, headers=reader, json={})
        assert (as_reader.status_code == 403) == (method != "GET"), (method, path)


def test_openapi_describes_every_crm_route_with_examples(hub: Hub) -> None:
    spec: dict[str, Any] = create_app(hub=hub).openapi()
    schemas = spec["components"]["schemas"]
    for method, path in crm_operations(hub):
        operation = spec["paths"][path][method.lower()]
        assert operation.get("summary"), (method, path)
        assert {"401", "403", "422"} <= set(operation["responses"]), (method, path)
        if "requestBody" in operation:
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert schemas[ref.rsplit("/", 1)[1]].get("examples"), (method, path)
        ok = next(code for code in operation["responses"] if code.startswith("2"))
        content = operation["responses"][ok].get("content")
        if content:
            ref = content["application/json"]["schema"]["$ref"]
            name = ref.rsplit("/", 1)[1]
            page = schemas[name]
            if "pagination" in page.get("properties", {}):
                name = page["properties"]["data"]["items"]["$ref"].rsplit("/", 1)[1]
            assert schemas[name].get("examples"), (method, path)
    assert schemas["ProductOut"]["properties"]["unit_price"]["type"] == "string"


async def test_the_database_allows_one_default_email_configuration(hub: Hub) -> None:
    with pytest.raises(IntegrityError):
        async with hub.db.session() as session:
            for name in ("a", "b"):
                session.add(EmailConfiguration(name=name, from_email=f"{name}@x.example",
                                               is_default=True))
            await session.flush()
