"""DbTokenStore on SQLite and PostgreSQL: encrypted rows, the cross-process lock, one refresh."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from typing import Any

import httpx
import httpx2
import pytest
from sqlalchemy import select, text

from ledgerlink.auth.scopes import Scope
from ledgerlink.db.crypto import SecretBox
from ledgerlink.db.engine import Database
from ledgerlink.db.models.integrations import Integration, ProviderGrant
from ledgerlink.errors import NeedsReauthError
from ledgerlink.http.auth import (
    BearerAuth,
    ConnectionKind,
    ConnectionStatus,
    TokenManager,
    TokenSet,
    UnknownConnectionError,
)
from ledgerlink.hub import Hub
from ledgerlink.integrations.tokens import DbTokenStore, TokenLockTimeoutError
from ledgerlink.providers.xero.oauth import XeroOAuth, refresher_for
from tests.http.test_auth import Counting, open_env
from tests.hub_fixtures import KeyMaker, bearer

pytestmark = pytest.mark.timeout(90)

AUTH_CODE = ConnectionKind.OAUTH_AUTHORIZATION_CODE
CALLERS_PER_PROCESS = 20


def pair(tag: str, expires_at: float = 2e9) -> TokenSet:
    return TokenSet(f"access-{tag}-plaintext", f"refresh-{tag}-plaintext", expires_at,
                    ("offline_access", "accounting.settings"), refreshed_at=1_700_000_000.5)


def store_of(hub: Hub) -> DbTokenStore:
    return DbTokenStore(hub.db, hub.box)


async def add_integrations(hub: Hub, grant_id: str, *statuses: str) -> list[str]:
    """Integrations of a grant, one per status given."""
    async with hub.db.session() as session:
        rows = [Integration(name=f"Org {i}", tenant_id=f"tenant-{grant_id}-{i}", status=status,
                            grant_id=grant_id, connection_kind=AUTH_CODE.value)
                for i, status in enumerate(statuses)]
        session.add_all(rows)
    return [r.id for r in rows]


async def integration_statuses(hub: Hub, grant_id: str) -> list[tuple[str, str | None]]:
    async with hub.db.session() as session:
        result = await session.execute(select(Integration.status, Integration.status_reason)
                                       .where(Integration.grant_id == grant_id)
                                       .order_by(Integration.tenant_id))
        return [(s, r) for s, r in result.all()]


# ---- rows ------------------------------------------------------------------------------------
async def test_rows_round_trip_and_every_write_bumps_the_version(hub: Hub) -> None:
    store = store_of(hub)
    created = await store.put(None, AUTH_CODE, pair("a"), client_id="app-1",
                              client_secret="app-secret-plaintext")
    gid = created.connection_id
    assert created.version == 1 and created.tokens == pair("a")
    assert await store.get(gid) == created
    assert await store.credentials(gid) == ("app-1", "app-secret-plaintext")

    async with store.locked(gid) as row:
        assert row == created
        saved = await store.save_tokens(gid, pair("b"))
    assert saved.version == 2 and await store.get(gid) == saved

    dead = await store.set_status(gid, ConnectionStatus.NEEDS_REAUTH, "invalid_grant")
    assert dead.tokens == pair("b") and dead.status_reason == "invalid_grant"
    assert dead.version == 3

    back = await store.put(gid, AUTH_CODE, pair("c"))  # a reconnect keeps the app secret
    assert back.status is ConnectionStatus.ACTIVE and back.status_reason is None
    assert back.version == 4 and back.tokens == pair("c")
    assert await store.credentials(gid) == ("app-1", "app-secret-plaintext")

    empty = await store.put(None, ConnectionKind.OAUTH_CLIENT_CREDENTIALS, None)
    assert empty.tokens is None
    for missing in (store.get("missing"), store.save_tokens("missing", pair("x")),
                    store.set_status("missing", ConnectionStatus.ERROR, None)):
        with pytest.raises(UnknownConnectionError):
            await missing
    with pytest.raises(UnknownConnectionError):
        async with store.locked("missing"):
            pass
    await store.delete(empty.connection_id)
    with pytest.raises(UnknownConnectionError):
        await store.get(empty.connection_id)


async def test_nothing_readable_in_the_raw_table(hub: Hub) -> None:
    store = store_of(hub)
    grant = await store.put(None, AUTH_CODE, pair("a"), client_secret="app-secret-plaintext")
    await store.save_tokens(grant.connection_id, pair("b"))
    async with hub.db.engine.connect() as conn:
        raw = (await conn.execute(text("SELECT * FROM provider_grants"))).mappings().one()
    dump = repr(dict(raw))
    for secret in ("access-b-plaintext", "refresh-b-plaintext", "app-secret-plaintext",
                   "plaintext"):
        assert secret not in dump
    assert raw["access_token_enc"].startswith("gAAAA")  # Fernet tokens
    assert hub.box.decrypt(raw["refresh_token_enc"]) == "refresh-b-plaintext"


async def test_a_write_inside_locked_is_committed_at_once(hub: Hub) -> None:
    # The new pair is durable before the caller can use it, whatever happens next.
    store = store_of(hub)
    gid = (await store.put(None, AUTH_CODE, pair("a"))).connection_id
    with pytest.raises(RuntimeError, match="crash"):
        async with store.locked(gid):
            await store.save_tokens(gid, pair("b"))
            raise RuntimeError("crash after the save")
    assert (await store.get(gid)).tokens == pair("b")
    with pytest.raises(RuntimeError, match="already locked"):
        async with store.locked(gid), store.locked(gid):
            pass


async def test_locked_is_exclusive_across_engines_and_rereads(hub: Hub) -> None:
    store = store_of(hub)
    other_db = Database(hub.db.url)  # another engine, as another process would have
    other = DbTokenStore(other_db, hub.box)
    gid = (await store.put(None, AUTH_CODE, pair("a"))).connection_id
    order: list[str] = []
    inside = asyncio.Event()

    async def first() -> None:
        async with store.locked(gid):
            order.append("first in")
            inside.set()
            await asyncio.sleep(0.3)
            order.append("first saves")
            await store.save_tokens(gid, pair("b"))

    async def second() -> None:
        await inside.wait()
        async with other.locked(gid) as row:
            order.append(f"second in, sees {row.tokens.access_token if row.tokens else None}")

    try:
        await asyncio.gather(first(), second())
    finally:
        await other_db.dispose()
    assert order == ["first in", "first saves", "second in, sees access-b-plaintext"]


async def test_a_lock_held_too_long_times_out(hub: Hub) -> None:
    if hub.db.is_sqlite:
        pytest.skip("SQLite waits its busy_timeout (30 s); the timeout is PostgreSQL's")
    store = store_of(hub)
    impatient = DbTokenStore(hub.db, hub.box, lock_timeout=0.2)
    gid = (await store.put(None, AUTH_CODE, pair("a"))).connection_id
    async with store.locked(gid):
        with pytest.raises(TokenLockTimeoutError):
            async with impatient.locked(gid):
                pass


async def test_status_spreads_to_the_grants_integrations(hub: Hub) -> None:
    store = store_of(hub)
    gid = (await store.put(None, AUTH_CODE, pair("a"))).connection_id
    await add_integrations(hub, gid, "active", "active", "disconnected")

    await store.set_status(gid, ConnectionStatus.NEEDS_REAUTH, "invalid_grant")
    assert await integration_statuses(hub, gid) == [
        ("needs_reauth", "invalid_grant"), ("needs_reauth", "invalid_grant"),
        ("disconnected", None)]

    await store.put(gid, AUTH_CODE, pair("b"))  # the person reconnected
    assert await integration_statuses(hub, gid) == [
        ("active", None), ("active", None), ("disconnected", None)]

    await store.set_status(gid, ConnectionStatus.NEEDS_REAUTH, "invalid_grant")
    await store.save_tokens(gid, pair("c"))  # a refresh that worked after all
    assert [s for s, _ in await integration_statuses(hub, gid)] == [
        "active", "active", "disconnected"]

    await store.set_status(gid, ConnectionStatus.DISCONNECTED, "revoked")
    assert [s for s, _ in await integration_statuses(hub, gid)] == ["disconnected"] * 3

    await store.delete(gid)
    async with hub.db.session() as session:
        detached = (await session.execute(select(Integration.grant_id))).scalars().all()
    assert detached == [None, None, None]


# ---- against the emulator ----------------------------------------------------------------------
def expired(tokens: TokenSet) -> TokenSet:
    return TokenSet(tokens.access_token, tokens.refresh_token, time.time() - 1, tokens.scopes,
                    refreshed_at=tokens.refreshed_at)


async def test_twenty_callers_at_expiry_refresh_once(hub: Hub) -> None:
    # No grace period: a second refresh with the same token would be an invalid_grant.
    async with open_env(refresh_grace_seconds=0) as env:
        store = store_of(hub)
        gid = (await store.put(None, AUTH_CODE, expired(await env.connect()))).connection_id
        counting = Counting(refresher_for(XeroOAuth.for_base_url(
            env.handle.base_url, env.info["client_id"], env.info["client_secret"],
            http=env.http)))
        # Two managers, as two workers of one process: the store's lock must exclude them.
        managers = [TokenManager(store, counting), TokenManager(store, counting)]
        tokens = await asyncio.gather(*(managers[i % 2].access_token(gid)
                                        for i in range(20)))
        row = await store.get(gid)
    assert counting.calls == 1
    assert env.tap.grants("refresh_token", status=None) == 1 and not env.tap.token_failures()
    assert row.tokens is not None and set(tokens) == {row.tokens.access_token}
    assert row.version == 2


async def test_invalid_grant_marks_grant_and_integrations_needs_reauth(
        hub: Hub, client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    async with open_env(access_token_ttl=600) as env:
        store = store_of(hub)
        first = await env.connect()
        gid = (await store.put(None, AUTH_CODE, first)).connection_id
        await add_integrations(hub, gid, "active", "active")
        manager = TokenManager(store, refresher_for(env.oauth), clock=env.clock)
        env.handle.emulator.faults.configure(invalid_grant=1)
        await env.advance(601)
        with pytest.raises(NeedsReauthError, match="Reconnect"):
            await manager.access_token(gid)

    other_db = Database(hub.db.url)  # what any other process now reads
    try:
        row = await DbTokenStore(other_db, hub.box).get(gid)
    finally:
        await other_db.dispose()
    assert row.status is ConnectionStatus.NEEDS_REAUTH and row.status_reason == "invalid_grant"
    assert row.tokens == first  # kept: nothing is deleted, a reconnect replaces them
    assert await integration_statuses(hub, gid) == [("needs_reauth", "invalid_grant")] * 2
    async with hub.db.session() as session:
        assert (await session.get(ProviderGrant, gid)) is not None
    # What the application calling the API sees.
    listed = await client.get("/api/v1/integrations",
                              headers=bearer(await make_key(Scope.INTEGRATIONS_READ)))
    assert listed.status_code == 200, listed.text
    assert [i["status"] for i in listed.json()["data"]] == ["needs_reauth"] * 2


# ---- two processes -----------------------------------------------------------------------------
def _worker(url: str, key: str, gid: str, base_url: str, client_id: str, client_secret: str,
            tenant_id: str, barrier: Any, results: Any) -> None:
    """One OS process: its own engine, store, OAuth client and manager; 20 API calls."""
    results.put(asyncio.run(_work(url, key, gid, base_url, client_id, client_secret, tenant_id,
                                  barrier)))


async def _work(url: str, key: str, gid: str, base_url: str, client_id: str,
                client_secret: str, tenant_id: str, barrier: Any) -> dict[str, Any]:
    db = Database(url)
    store = DbTokenStore(db, SecretBox([key]))
    try:
        async with httpx2.AsyncClient(trust_env=False, timeout=30.0) as http:
            counting = Counting(refresher_for(XeroOAuth.for_base_url(
                base_url, client_id, client_secret, http=http)))
            manager = TokenManager(store, counting)
            async with httpx2.AsyncClient(
                    base_url=f"{base_url}/api.xro/2.0", auth=BearerAuth(manager, gid),
                    trust_env=False, timeout=30.0,
                    headers={"xero-tenant-id": tenant_id, "Accept": "application/json"}) as api:
                await asyncio.to_thread(barrier.wait, 30)  # both processes start together
                outcomes = await asyncio.gather(
                    *(api.get("/Organisation") for _ in range(CALLERS_PER_PROCESS)),
                    return_exceptions=True)
            return {"refreshes": counting.calls,
                    "statuses": [o.status_code if isinstance(o, httpx2.Response) else repr(o)
                                 for o in outcomes],
                    "token": await manager.access_token(gid)}
    finally:
        await db.dispose()


@pytest.mark.slow
async def test_two_processes_at_expiry_refresh_exactly_once(hub: Hub) -> None:
    assert hub.settings.secret_keys is not None
    key = hub.settings.secret_keys.get_secret_value()
    async with open_env(refresh_grace_seconds=0) as env:
        store = store_of(hub)
        stale = await env.connect()
        gid = (await store.put(None, AUTH_CODE, expired(stale))).connection_id
        ctx = multiprocessing.get_context("spawn")
        barrier, results = ctx.Barrier(2), ctx.Queue()
        args = (hub.db.url, key, gid, env.handle.base_url, env.info["client_id"],
                env.info["client_secret"], env.info["tenant_id"], barrier, results)
        processes = [ctx.Process(target=_worker, args=args) for _ in range(2)]
        for process in processes:
            process.start()
        try:
            outcomes = [await asyncio.to_thread(results.get, True, 60) for _ in processes]
        finally:
            for process in processes:
                await asyncio.to_thread(process.join, 30)
                if process.is_alive():
                    process.kill()
        row = await store.get(gid)

    assert sum(o["refreshes"] for o in outcomes) == 1
    assert env.tap.grants("refresh_token", status=None) == 1 and not env.tap.token_failures()
    for outcome in outcomes:
        assert outcome["statuses"] == [200] * CALLERS_PER_PROCESS
    assert row.tokens is not None and row.version == 2
    assert {o["token"] for o in outcomes} == {row.tokens.access_token}
    assert row.tokens.access_token != stale.access_token
