"""SqlTokenStore on SQLite and PostgreSQL: rows, the cross-process lock, two-process refresh."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import sqlalchemy

from ledgerlink.errors import ConfigurationError, NeedsReauthError
from ledgerlink.http.auth import (
    BearerAuth,
    ConnectionKind,
    ConnectionStatus,
    TokenManager,
    TokenSet,
    UnknownConnectionError,
)
from ledgerlink.providers.xero.oauth import XeroOAuth, refresher_for
from ledgerlink.providers.xero.tokens_sql import SqlTokenStore
from tests.http.test_auth import Counting, open_env

pytestmark = pytest.mark.timeout(90)

AUTH_CODE = ConnectionKind.OAUTH_AUTHORIZATION_CODE
POSTGRES_URL = os.environ.get("LEDGERLINK_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CALLERS_PER_PROCESS = 25


def _postgres_problem() -> str | None:
    try:
        engine = sqlalchemy.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure means: no PostgreSQL to test against
        return f"PostgreSQL at {POSTGRES_URL} is unreachable ({type(exc).__name__}); set " \
               "LEDGERLINK_TEST_POSTGRES_URL to run these tests"
    return None


def _url(backend: str, tmp_path: Path) -> str:
    if backend == "postgresql":
        problem = _postgres_problem()
        if problem:
            pytest.skip(problem)
        return POSTGRES_URL
    return f"sqlite:///{tmp_path / 'tokens.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def store(backend: str, tmp_path: Path) -> AsyncIterator[SqlTokenStore]:
    """A store on its own table (unique per run, so parallel runs never collide)."""
    made = SqlTokenStore(_url(backend, tmp_path), table_name=f"ll_tokens_{uuid.uuid4().hex}")
    await made.create_schema()
    try:
        yield made
    finally:
        await made.drop_schema()
        await made.aclose()


def pair(tag: str, expires_at: float = 2e9) -> TokenSet:
    return TokenSet(f"access-{tag}", f"refresh-{tag}", expires_at,
                    ("offline_access", "accounting.settings"), refreshed_at=1_700_000_000.5)


# ---- rows ------------------------------------------------------------------------------------
async def test_rows_round_trip_and_every_write_bumps_the_version(store: SqlTokenStore) -> None:
    created = await store.put("c1", AUTH_CODE, pair("a"))
    assert created.version == 1 and created.tokens == pair("a")
    async with store.locked("c1") as row:
        assert row == created
        saved = await store.save_tokens("c1", pair("b"))
    assert saved.version == 2 and await store.get("c1") == saved

    dead = await store.set_status("c1", ConnectionStatus.NEEDS_REAUTH, "invalid_grant")
    assert dead.tokens == pair("b") and dead.status_reason == "invalid_grant"
    assert dead.version == 3

    back = await store.put("c1", AUTH_CODE, pair("c"))  # a reconnect
    assert back.status is ConnectionStatus.ACTIVE and back.status_reason is None
    assert back.version == 4
    empty = await store.put("cc", ConnectionKind.OAUTH_CLIENT_CREDENTIALS, None)
    assert empty.tokens is None
    with pytest.raises(UnknownConnectionError):
        await store.get("missing")
    with pytest.raises(UnknownConnectionError):
        await store.save_tokens("missing", pair("x"))
    await store.delete("cc")
    with pytest.raises(UnknownConnectionError):
        await store.get("cc")


def test_an_in_memory_sqlite_database_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="SQLite file"):
        SqlTokenStore("sqlite://")


async def test_an_error_inside_locked_rolls_back(store: SqlTokenStore) -> None:
    await store.put("c1", AUTH_CODE, pair("a"))
    with pytest.raises(RuntimeError, match="boom"):
        async with store.locked("c1"):
            await store.save_tokens("c1", pair("b"))
            raise RuntimeError("boom")
    assert (await store.get("c1")).tokens == pair("a")


async def test_locked_is_exclusive_across_engines_and_rereads(store: SqlTokenStore,
                                                             backend: str,
                                                             tmp_path: Path) -> None:
    other = SqlTokenStore(_url(backend, tmp_path), table_name=store.table.name)
    await store.put("c1", AUTH_CODE, pair("a"))
    order: list[str] = []
    inside = asyncio.Event()

    async def first() -> None:
        async with store.locked("c1"):
            order.append("first in")
            inside.set()
            await asyncio.sleep(0.3)
            await store.save_tokens("c1", pair("b"))
            order.append("first out")

    async def second() -> None:
        await inside.wait()
        async with other.locked("c1") as row:  # another engine: as another process would
            order.append(f"second in, sees {row.tokens.access_token if row.tokens else None}")

    try:
        await asyncio.gather(first(), second())
    finally:
        await other.aclose()
    assert order == ["first in", "first out", "second in, sees access-b"]


async def test_invalid_grant_persists_needs_reauth_with_tokens_intact(backend: str,
                                                                      tmp_path: Path) -> None:
    url, table = _url(backend, tmp_path), f"ll_tokens_{uuid.uuid4().hex}"
    store = SqlTokenStore(url, table_name=table)
    await store.create_schema()
    try:
        async with open_env(access_token_ttl=600) as env:
            first = await env.connect()
            await store.put("c1", AUTH_CODE, first)
            manager = TokenManager(store, refresher_for(env.oauth), clock=env.clock)
            env.handle.emulator.faults.configure(invalid_grant=1)
            await env.advance(601)
            with pytest.raises(NeedsReauthError, match="Reconnect"):
                await manager.access_token("c1")
        fresh = SqlTokenStore(url, table_name=table)  # what any other process now reads
        row = await fresh.get("c1")
        await fresh.aclose()
        assert row.status is ConnectionStatus.NEEDS_REAUTH and row.status_reason == "invalid_grant"
        assert row.tokens == first
    finally:
        await store.drop_schema()
        await store.aclose()


# ---- two processes -----------------------------------------------------------------------------
def _worker(url: str, table: str, base_url: str, client_id: str, client_secret: str,
            tenant_id: str, barrier: Any, results: Any) -> None:
    """One OS process: its own store, OAuth client and manager; 25 concurrent API calls."""
    results.put(asyncio.run(_work(url, table, base_url, client_id, client_secret, tenant_id,
                                  barrier)))


async def _work(url: str, table: str, base_url: str, client_id: str, client_secret: str,
                tenant_id: str, barrier: Any) -> dict[str, Any]:
    store = SqlTokenStore(url, table_name=table)
    try:
        async with httpx2.AsyncClient(trust_env=False, timeout=30.0) as http:
            counting = Counting(refresher_for(XeroOAuth.for_base_url(
                base_url, client_id, client_secret, http=http)))
            manager = TokenManager(store, counting)
            async with httpx2.AsyncClient(
                    base_url=f"{base_url}/api.xro/2.0", auth=BearerAuth(manager, "shared"),
                    trust_env=False, timeout=30.0,
                    headers={"xero-tenant-id": tenant_id, "Accept": "application/json"}) as api:
                await asyncio.to_thread(barrier.wait, 30)  # both processes start together
                outcomes = await asyncio.gather(
                    *(api.get("/Organisation") for _ in range(CALLERS_PER_PROCESS)),
                    return_exceptions=True)
            return {"refreshes": counting.calls,
                    "statuses": [o.status_code if isinstance(o, httpx2.Response) else repr(o)
                                 for o in outcomes],
                    "token": await manager.access_token("shared")}
    finally:
        await store.aclose()


@pytest.mark.slow
async def test_two_processes_at_expiry_refresh_exactly_once(backend: str,
                                                            tmp_path: Path) -> None:
    url, table = _url(backend, tmp_path), f"ll_tokens_{uuid.uuid4().hex}"
    store = SqlTokenStore(url, table_name=table)
    await store.create_schema()
    # No grace period: had both processes refreshed, the second would get invalid_grant.
    async with open_env(access_token_ttl=1800, refresh_grace_seconds=0) as env:
        try:
            stale = await env.connect()
            expired = TokenSet(stale.access_token, stale.refresh_token, time.time() - 1,
                               stale.scopes, refreshed_at=stale.refreshed_at)
            await store.put("shared", AUTH_CODE, expired)
            ctx = multiprocessing.get_context("spawn")
            barrier, results = ctx.Barrier(2), ctx.Queue()
            args = (url, table, env.handle.base_url, env.info["client_id"],
                    env.info["client_secret"], env.info["tenant_id"], barrier, results)
            processes = [ctx.Process(target=_worker, args=args) for _ in range(2)]
            for process in processes:
                process.start()
            outcomes = [await asyncio.to_thread(results.get, True, 60) for _ in processes]
            for process in processes:
                await asyncio.to_thread(process.join, 30)
            row = await store.get("shared")
        finally:
            await store.drop_schema()
            await store.aclose()

    assert sum(o["refreshes"] for o in outcomes) == 1
    assert env.tap.grants("refresh_token", status=None) == 1 and not env.tap.token_failures()
    for outcome in outcomes:
        assert outcome["statuses"] == [200] * CALLERS_PER_PROCESS
    assert row.tokens is not None and row.version == 2
    assert {o["token"] for o in outcomes} == {row.tokens.access_token}
    assert row.tokens.access_token != stale.access_token
