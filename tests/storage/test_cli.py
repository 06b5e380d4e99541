"""`ledgerlink keys` and `ledgerlink db` against a real database, checked through the API."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import APIRouter, Depends, FastAPI
from pydantic import SecretStr
from sqlalchemy import text
from typer.testing import CliRunner

from ledgerlink.api.app import create_app
from ledgerlink.api.deps import require
from ledgerlink.auth.scopes import Scope
from ledgerlink.cli import db_cmd, keys_cmd
from ledgerlink.config import Settings
from ledgerlink.db import migrate
from ledgerlink.db.crypto import SecretBox, hash_api_key
from ledgerlink.db.engine import Database
from ledgerlink.http.auth import ConnectionKind, TokenSet
from ledgerlink.integrations.tokens import DbTokenStore
from tests.hub_fixtures import bearer

pytestmark = pytest.mark.timeout(60)

runner = CliRunner()
PEPPER = "cli-test-pepper"


@pytest.fixture
def env(empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
        ) -> dict[str, str]:
    """The environment a deployment would set; the CWD has no .env to interfere."""
    monkeypatch.chdir(tmp_path)
    return {"LEDGERLINK_DATABASE_URL": empty_database_url,
            "LEDGERLINK_DATA_DIR": str(tmp_path),
            "LEDGERLINK_SECRET_KEYS": SecretBox.generate_key(),
            "LEDGERLINK_API_KEY_PEPPER": PEPPER}


def cli(app: object, args: list[str], env: dict[str, str], code: int = 0) -> str:
    result = runner.invoke(app, args, env=env)  # type: ignore[arg-type]
    assert result.exit_code == code, result.output
    return result.stdout if code == 0 else result.output


def probe_app(env: dict[str, str]) -> FastAPI:
    """The real app from the same settings, plus one probe route per scope."""
    pepper = env.get("LEDGERLINK_API_KEY_PEPPER")  # empty or absent: the install's own
    app = create_app(Settings(database_url=env["LEDGERLINK_DATABASE_URL"],
                              secret_keys=SecretStr(env["LEDGERLINK_SECRET_KEYS"]),
                              api_key_pepper=SecretStr(pepper) if pepper else None))
    probes = APIRouter()
    for scope in Scope:
        probes.add_api_route(f"/_probe/{scope.value}", lambda: {"ok": True},
                             dependencies=[Depends(require(scope))])
    app.include_router(probes)
    return app


async def statuses(app: FastAPI, secret: str) -> dict[str, tuple[int, str | None]]:
    """Per scope: the probe's status and, when refused, the error code."""
    transport = httpx.ASGITransport(app=app)
    out = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        for scope in Scope:
            response = await http.get(f"/_probe/{scope.value}", headers=bearer(secret))
            code = response.json()["error"]["code"] if response.status_code >= 400 else None
            out[scope.value] = (response.status_code, code)
    await app.state.hub.close()
    return out


def test_create_use_list_revoke(env: dict[str, str]) -> None:
    assert "Migrated" in cli(db_cmd.app, ["upgrade"], env)
    assert "already at revision" in cli(db_cmd.app, ["upgrade"], env)

    out = cli(keys_cmd.app, ["create", "--name", "CRM backend",
                             "--scopes", "integrations:read,integrations:write"], env)
    secret = next(line.split()[-1] for line in out.splitlines() if "secret:" in line)
    key_id = next(line.split()[-1] for line in out.splitlines() if "id:" in line)
    assert secret.startswith("llk_") and "integrations:read, integrations:write" in out
    assert "only this once" in out

    # Exactly its scopes (integrations:write includes integrations:read), nothing more.
    seen = asyncio.run(statuses(probe_app(env), secret))
    allowed = {"integrations:read", "integrations:write"}
    assert {s for s, (status, _) in seen.items() if status == 200} == allowed
    assert all(v == (403, "missing_scope") for s, v in seen.items() if s not in allowed)

    listed = cli(keys_cmd.app, ["list"], env)
    for shown in ("CRM backend", key_id, secret[:12], "integrations rw"):  # 80 columns: short
        assert shown in listed
    assert secret not in listed and hash_api_key(secret, PEPPER) not in listed
    [entry] = json.loads(cli(keys_cmd.app, ["list", "--json"], env))
    assert entry["id"] == key_id and entry["revoked_at"] is None
    assert entry["last_used_at"] is not None  # the API calls above used it
    assert not {"secret", "key_hash"} & set(entry)

    assert "Revoked API key" in cli(keys_cmd.app, ["revoke", key_id], env)
    seen = asyncio.run(statuses(probe_app(env), secret))
    assert set(seen.values()) == {(401, "unauthenticated")}
    assert json.loads(cli(keys_cmd.app, ["list", "--json"], env))[0]["revoked_at"]
    assert "No API key" in cli(keys_cmd.app, ["revoke", "no-such-id"], env, code=3)  # not found


def test_create_json_for_scripts(env: dict[str, str]) -> None:
    cli(db_cmd.app, ["upgrade"], env)
    created = json.loads(cli(keys_cmd.app, ["create", "--name", "deploy", "--scopes",
                                            "keys:admin crm:read", "--json"], env))
    assert created["scopes"] == ["crm:read", "keys:admin"]
    assert created["secret"].startswith(created["prefix"])
    seen = asyncio.run(statuses(probe_app(env), created["secret"]))
    assert {s for s, (status, _) in seen.items() if status == 200} == {"crm:read", "keys:admin"}


def test_a_bad_scope_is_refused_with_the_allowed_list(env: dict[str, str]) -> None:
    cli(db_cmd.app, ["upgrade"], env)
    out = cli(keys_cmd.app, ["create", "--name", "x", "--scopes", "integrations:read,admin"],
              env, code=2)
    assert "unknown scope 'admin'" in out
    for scope in Scope:
        assert scope.value in out
    assert json.loads(cli(keys_cmd.app, ["list", "--json"], env)) == []  # nothing created


def test_keys_before_the_schema_exists_say_what_to_run(env: dict[str, str]) -> None:
    out = cli(keys_cmd.app, ["list"], env, code=1)
    assert "ledgerlink db upgrade" in out


def test_secret_prints_a_fernet_key(env: dict[str, str]) -> None:
    key = cli(keys_cmd.app, ["secret"], env).strip()
    Fernet(key.encode())  # a valid key, alone on stdout


def test_rotate_secrets_and_db_current_and_downgrade(env: dict[str, str]) -> None:
    url, old_key = env["LEDGERLINK_DATABASE_URL"], env["LEDGERLINK_SECRET_KEYS"]
    cli(db_cmd.app, ["upgrade"], env)
    assert "up to date" in cli(db_cmd.app, ["current"], env)
    pair = TokenSet("access-plaintext", "refresh-plaintext", 2e9)

    async def store(keys: str, action: str) -> TokenSet | None:
        db = Database(url)
        try:
            tokens = DbTokenStore(db, SecretBox.from_setting(keys))
            if action == "put":
                await tokens.put("grant-1", ConnectionKind.OAUTH_AUTHORIZATION_CODE, pair)
            return (await tokens.get("grant-1")).tokens
        finally:
            await db.dispose()

    asyncio.run(store(old_key, "put"))
    new_key = cli(keys_cmd.app, ["secret"], env).strip()
    counts = json.loads(cli(keys_cmd.app, ["rotate-secrets", "--json"],
                            {**env, "LEDGERLINK_SECRET_KEYS": f"{new_key},{old_key}"}))
    assert counts["provider_grants.access_token_enc"] == 1
    assert asyncio.run(store(new_key, "get")) == pair

    # Only the new key: rotating again works; with neither key it is a clear error.
    only_new = {**env, "LEDGERLINK_SECRET_KEYS": new_key}
    assert "re-encrypted" in cli(keys_cmd.app, ["rotate-secrets"], only_new)
    out = cli(keys_cmd.app, ["rotate-secrets"],
              {**env, "LEDGERLINK_SECRET_KEYS": SecretBox.generate_key()}, code=1)
    assert "cannot be decrypted" in out
    out = cli(keys_cmd.app, ["rotate-secrets"], {**env, "LEDGERLINK_SECRET_KEYS": "nope"}, code=1)
    assert "LEDGERLINK_SECRET_KEYS" in out

    assert "base" in cli(db_cmd.app, ["downgrade", "base"], env)
    assert "revision none" in cli(db_cmd.app, ["current"], env)
    assert asyncio.run(migrate.current_revision(url)) is None


def test_without_a_configured_pepper_the_install_makes_and_shares_its_own(
        env: dict[str, str]) -> None:
    """`serve`'s start-up makes the pepper; a key from `keys create` (another process)
    authenticates at the API; `rotate-secrets` re-encrypts the pepper and keys keep working."""
    from ledgerlink.cli.serve_cmd import prepare

    own = {**env, "LEDGERLINK_API_KEY_PEPPER": ""}  # empty: unset
    settings = Settings(database_url=own["LEDGERLINK_DATABASE_URL"],
                        secret_keys=SecretStr(own["LEDGERLINK_SECRET_KEYS"]))
    asyncio.run(prepare(settings))  # migrates, and makes the install's pepper
    created = json.loads(cli(keys_cmd.app, ["create", "--name", "crm", "--scopes", "crm:read",
                                            "--json"], own))

    async def pepper_row() -> str:
        db = Database(own["LEDGERLINK_DATABASE_URL"])
        try:
            async with db.engine.connect() as conn:
                value = await conn.scalar(text(
                    "SELECT value_enc FROM install_secrets WHERE name = 'api_key_pepper'"))
                return str(value)
        finally:
            await db.dispose()

    def served(keys: str) -> dict[str, tuple[int, str | None]]:
        app = probe_app({**own, "LEDGERLINK_SECRET_KEYS": keys, "LEDGERLINK_API_KEY_PEPPER": ""})
        return asyncio.run(statuses(app, created["secret"]))

    assert served(own["LEDGERLINK_SECRET_KEYS"])["crm:read"] == (200, None)
    before = asyncio.run(pepper_row())
    new_key = SecretBox.generate_key()
    counts = json.loads(cli(keys_cmd.app, ["rotate-secrets", "--json"], {
        **own, "LEDGERLINK_SECRET_KEYS": f"{new_key},{own['LEDGERLINK_SECRET_KEYS']}"}))
    assert counts["install_secrets.value_enc"] == 1
    assert asyncio.run(pepper_row()) != before
    assert served(new_key)["crm:read"] == (200, None)  # the new key alone opens the pepper
