"""API keys over HTTP for `keys:admin`: create (the secret once), list, get, revoke."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from ledgerlink.auth.scopes import Scope
from ledgerlink.db.crypto import hash_api_key
from ledgerlink.db.models.auth import ApiKey
from ledgerlink.hub import Hub
from tests.hub_fixtures import KeyMaker, bearer

KEYS = "/api/v1/keys"


@pytest.fixture
async def admin(make_key: KeyMaker) -> dict[str, str]:
    """Headers of a key with keys:admin only."""
    return bearer(await make_key(Scope.KEYS_ADMIN, name="admin"))


async def test_create_use_list_and_revoke(client: httpx.AsyncClient, hub: Hub,
                                          admin: dict[str, str]) -> None:
    made = await client.post(KEYS, headers=admin,
                             json={"name": " CRM backend ", "scopes": ["crm:read"]})
    assert made.status_code == 201, made.text
    assert made.headers["cache-control"] == "no-store"
    key = made.json()
    secret = key.pop("secret")
    assert secret.startswith("llk_") and secret.startswith(key["prefix"])
    assert key["name"] == "CRM backend" and key["scopes"] == ["crm:read"]
    assert key["revoked_at"] is None and key["last_used_at"] is None

    # The new key works, with exactly its scope.
    assert (await client.get("/api/v1/customers", headers=bearer(secret))).status_code == 200
    refused = await client.get(KEYS, headers=bearer(secret))
    assert refused.status_code == 403 and "'keys:admin'" in refused.json()["error"]["message"]

    listed = await client.get(KEYS, headers=admin)
    assert listed.status_code == 200
    page = listed.json()
    assert page["pagination"] == {"total": 2, "limit": 50, "offset": 0}
    entry = next(k for k in page["data"] if k["id"] == key["id"])
    assert set(entry) == {"id", "name", "prefix", "scopes", "created_at", "last_used_at",
                          "revoked_at"}
    assert entry["last_used_at"] is not None  # used above
    text = listed.text + (await client.get(f"{KEYS}/{key['id']}", headers=admin)).text
    assert secret not in text and hash_api_key(secret, await hub.load_pepper()) not in text

    url = f"{KEYS}/{key['id']}"
    assert (await client.delete(url, headers=admin)).status_code == 204
    assert (await client.get("/api/v1/customers", headers=bearer(secret))).status_code == 401
    assert (await client.get(url, headers=admin)).json()["revoked_at"] is not None
    again = await client.delete(url, headers=admin)  # idempotent
    assert again.status_code == 204


async def test_a_key_cannot_revoke_itself(client: httpx.AsyncClient, hub: Hub,
                                          admin: dict[str, str]) -> None:
    async with hub.db.session() as session:
        own = (await session.scalars(select(ApiKey).where(ApiKey.name == "admin"))).one()
    answer = await client.delete(f"{KEYS}/{own.id}", headers=admin)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "conflict"
    assert "ledgerlink keys revoke" in answer.json()["error"]["message"]
    assert (await client.get(KEYS, headers=admin)).status_code == 200  # still valid


async def test_another_admin_key_can_revoke_it(client: httpx.AsyncClient, hub: Hub,
                                               admin: dict[str, str],
                                               make_key: KeyMaker) -> None:
    other = bearer(await make_key(Scope.KEYS_ADMIN, name="second admin"))
    async with hub.db.session() as session:
        own = (await session.scalars(select(ApiKey).where(ApiKey.name == "admin"))).one()
    assert (await client.delete(f"{KEYS}/{own.id}", headers=other)).status_code == 204
    assert (await client.get(KEYS, headers=admin)).status_code == 401


async def test_unknown_ids_and_bad_bodies(client: httpx.AsyncClient,
                                          admin: dict[str, str]) -> None:
    missing = f"{KEYS}/{uuid.uuid4()}"
    for answer in (await client.get(missing, headers=admin),
                   await client.delete(missing, headers=admin)):
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found"
    assert (await client.delete(f"{KEYS}/nope", headers=admin)).status_code == 422
    for body, field in (({"name": "x", "scopes": ["admin"]}, "scopes.0"),
                        ({"name": "x", "scopes": []}, "scopes"),
                        ({"name": "  ", "scopes": ["crm:read"]}, "name"),
                        ({"name": "x\x00", "scopes": ["crm:read"]}, "name"),
                        ({"name": "two\nlines", "scopes": ["crm:read"]}, "name"),
                        ({"name": "evil\u202etxt", "scopes": ["crm:read"]}, "name"),
                        ({"scopes": ["crm:read"]}, "name")):
        answer = await client.post(KEYS, headers=admin, json=body)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["field"] == field, body
    listed = (await client.get(KEYS, headers=admin)).json()
    assert listed["pagination"]["total"] == 1  # nothing was created


async def test_pages_are_newest_first(client: httpx.AsyncClient,
                                      admin: dict[str, str]) -> None:
    for n in range(3):
        made = await client.post(KEYS, headers=admin, json={"name": f"k{n}",
                                                            "scopes": ["crm:read"]})
        assert made.status_code == 201
    first = (await client.get(f"{KEYS}?limit=2", headers=admin)).json()
    second = (await client.get(f"{KEYS}?limit=2&offset=2", headers=admin)).json()
    names = [k["name"] for k in first["data"] + second["data"]]
    assert names == ["k2", "k1", "k0", "admin"]
    assert first["pagination"]["total"] == 4
