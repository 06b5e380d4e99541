"""Fixtures for the hub: a database on SQLite and on PostgreSQL, the app, API keys."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from ledgerlink.api.app import create_app
from ledgerlink.auth import service as auth_service
from ledgerlink.auth.scopes import Scope
from ledgerlink.config import Settings
from ledgerlink.db.base import Base
from ledgerlink.db.crypto import SecretBox
from ledgerlink.db.engine import Database
from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.http.auth import ConnectionKind, TokenSet
from ledgerlink.hub import Hub
from ledgerlink.integrations import service as integrations_service
from ledgerlink.providers.xero.oauth import XeroOAuth

POSTGRES_URL = os.environ.get("LEDGERLINK_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
KeyMaker = Callable[..., Awaitable[str]]
_SCHEMA_READY: set[str] = set()  # PostgreSQL databases whose tables exist this session


def _postgres_reachable() -> str | None:
    try:
        import psycopg

        url = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: skip, with the reason
        return f"PostgreSQL at {POSTGRES_URL} is not reachable ({exc.__class__.__name__})"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session."""
    reason = _postgres_reachable()
    if reason:
        pytest.skip(reason)
    import psycopg

    admin = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    name = f"ll_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = POSTGRES_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage and API test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'ledgerlink.db'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings of a test hub: its own database and a fresh encryption key."""
    return base_settings(database_url, tmp_path)


def base_settings(database_url: str, tmp_path: Path) -> Settings:
    """What the `settings` fixture gives, for conftests that build on it."""
    return Settings(data_dir=tmp_path, database_url=database_url,
                    secret_keys=SecretStr(SecretBox.generate_key()),
                    api_key_pepper=SecretStr("test-pepper"))


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    """A hub with an empty schema (tables dropped and created for each test)."""
    import ledgerlink.db.models  # noqa: F401  (registers every table)

    url = settings.resolved_database_url()
    the_hub = Hub.from_settings(settings, Database(url))
    async with the_hub.db.engine.begin() as conn:
        if url in _SCHEMA_READY:  # emptying is much faster than rebuilding on PostgreSQL
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.run_sync(Base.metadata.create_all)
            if not the_hub.db.is_sqlite:
                _SCHEMA_READY.add(url)
    try:
        yield the_hub
    finally:
        await the_hub.close()


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the hub's API (in-process ASGI transport)."""
    app = create_app(hub=hub)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        yield http


@pytest.fixture
def make_key(hub: Hub) -> KeyMaker:
    """Create an API key with the given scopes and return its secret."""

    async def make(*scopes: Scope | str, name: str = "test key") -> str:
        async with hub.db.session() as session:
            created = await auth_service.create_key(
                session, name, {Scope(s) for s in scopes}, hub.pepper)
        return created.secret

    return make


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header for a key."""
    return {"Authorization": f"Bearer {secret}"}


def with_emulator_app(settings: Settings, emulator: RunningEmulator) -> Settings:
    """Settings whose Xero app is the emulator's demo app, on the emulator's URLs."""
    info = emulator.emulator.info()
    return settings.model_copy(update={
        "xero_client_id": info["client_id"],
        "xero_client_secret": SecretStr(info["client_secret"]),
        "xero_api_url": emulator.api_url, "xero_identity_url": emulator.base_url})


async def consent(emulator: RunningEmulator,
                  tenant_ids: list[str] | None = None) -> dict[str, Any]:
    """A consent's token answer for the demo app (the demo organisation unless told)."""
    info = emulator.emulator.info()
    async with httpx.AsyncClient(base_url=emulator.base_url) as control:
        answer = await control.post("/_emulator/connect", json={
            "client_id": info["client_id"], "tenant_ids": tenant_ids or [info["tenant_id"]]})
        answer.raise_for_status()
        token: dict[str, Any] = answer.json()
        return token


async def connect_emulator(hub: Hub, emulator: RunningEmulator,
                           token: dict[str, Any] | None = None) -> str:
    """Connect an organisation from a consent's tokens and /connections; the integration id."""
    info = emulator.emulator.info()
    token = token or await consent(emulator)
    oauth = XeroOAuth.for_base_url(emulator.base_url, info["client_id"], info["client_secret"])
    try:
        connections = await oauth.connections(token["access_token"])
    finally:
        await oauth.aclose()
    tokens = TokenSet(token["access_token"], token["refresh_token"],
                      emulator.emulator.clock.time() + token["expires_in"],
                      tuple(token["scope"].split()))
    async with hub.db.session() as session:
        made = await integrations_service.connect_xero(
            session, hub, tokens, connections, kind=ConnectionKind.OAUTH_AUTHORIZATION_CODE)
        return made[0].id
