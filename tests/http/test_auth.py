"""TokenManager and BearerAuth against the emulator: single-flight refresh, 401s, dead tokens."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx2
import pytest

from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, start_in_thread
from ledgerlink.errors import NeedsReauthError
from ledgerlink.http.auth import (
    STATIC_TOKEN_REJECTED,
    BearerAuth,
    ConnectionKind,
    ConnectionStatus,
    MemoryTokenStore,
    StoredConnection,
    TokenManager,
    TokenSet,
    UnknownConnectionError,
)
from ledgerlink.providers.xero.oauth import XeroOAuth, refresher_for

pytestmark = pytest.mark.timeout(60)

AUTH_CODE = ConnectionKind.OAUTH_AUTHORIZATION_CODE
TTL = 600
ASGI = Callable[[dict[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                Awaitable[None]]


# ---- helpers shared with tests/providers/xero (imported from here) ------------------------------
@dataclass
class Seen:
    """One request the emulator answered."""

    method: str
    path: str
    grant_type: str | None
    status: int


@dataclass
class Tap:
    """ASGI middleware recording every request and its status (token grants by type)."""

    seen: list[Seen] = field(default_factory=list)

    def wrap(self, app: ASGI) -> ASGI:
        async def tapped(scope: dict[str, Any], receive: Callable[[], Awaitable[Any]],
                         send: Callable[[Any], Awaitable[None]]) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            messages, grant = [], None
            if scope["path"] == "/connect/token":
                body = b""
                while True:  # read the form, then replay it to the app
                    message = await receive()
                    messages.append(message)
                    body += message.get("body", b"")
                    if not message.get("more_body"):
                        break
                grant = parse_qs(body.decode()).get("grant_type", [None])[0]

            async def replay() -> Any:
                return messages.pop(0) if messages else await receive()

            async def record(message: Any) -> None:
                # Noted before the answer leaves, so a test never reads the tap too early.
                if message["type"] == "http.response.start":
                    self.seen.append(Seen(scope["method"], scope["path"], grant,
                                          message["status"]))
                await send(message)

            await app(scope, replay, record)
        return tapped

    def grants(self, grant_type: str, status: int | None = 200) -> int:
        """Token requests of one grant type (with one status; None for any status)."""
        return sum(1 for s in self.seen if s.grant_type == grant_type
                   and (status is None or s.status == status))

    def token_failures(self) -> Counter[int]:
        """Statuses of token requests that did not succeed (an invalid_grant is a 400)."""
        return Counter(s.status for s in self.seen if s.path == "/connect/token"
                       and s.status != 200)

    def statuses(self, path_end: str) -> list[int]:
        """Statuses of the requests whose path ends so, in order."""
        return [s.status for s in self.seen if s.path.endswith(path_end)]


class LinkedClock:
    """Our clock: the emulator's clock plus `lag` (negative: we believe it is earlier)."""

    def __init__(self, handle: RunningEmulator) -> None:
        self.handle = handle
        self.lag = 0.0

    def time(self) -> float:
        return self.handle.emulator.clock.time() + self.lag

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class Counting:
    """A refresher wrapper counting how often the provider was asked for tokens."""

    def __init__(self, inner: Callable[[StoredConnection], Awaitable[TokenSet]]) -> None:
        self.inner = inner
        self.calls = 0

    async def __call__(self, row: StoredConnection) -> TokenSet:
        self.calls += 1
        return await self.inner(row)


@dataclass
class Env:
    """An emulator on loopback with a tap, our clock, an HTTP client and the demo app's OAuth."""

    handle: RunningEmulator
    tap: Tap
    clock: LinkedClock
    http: httpx2.AsyncClient
    oauth: XeroOAuth
    info: dict[str, Any]

    async def connect(self, client_id: str | None = None,
                      tenant_ids: list[str] | None = None) -> TokenSet:
        """A starting token pair through the control plane's programmatic consent."""
        body: dict[str, Any] = {"client_id": client_id or self.info["client_id"]}
        if tenant_ids is not None:
            body["tenant_ids"] = tenant_ids
        response = await self.http.post(f"{self.handle.base_url}/_emulator/connect", json=body)
        assert response.status_code == 200, response.text
        return self.oauth._token_set(response.json())

    async def advance(self, seconds: float) -> None:
        """Move the emulator's clock (and so ours) forward over the control plane."""
        response = await self.http.post(f"{self.handle.base_url}/_emulator/clock",
                                        json={"advance_seconds": seconds})
        assert response.status_code == 200, response.text

    def api(self, manager: TokenManager, connection_id: str,
            tenant_id: str | None = None) -> httpx2.AsyncClient:
        """An accounting API client authenticating through BearerAuth."""
        return httpx2.AsyncClient(
            base_url=self.handle.api_url, auth=BearerAuth(manager, connection_id),
            trust_env=False, timeout=30.0,
            headers={"xero-tenant-id": tenant_id or self.info["tenant_id"],
                     "Accept": "application/json"})


@contextlib.asynccontextmanager
async def open_env(**config: Any) -> AsyncIterator[Env]:
    """A fresh demo emulator configured by `config` (no rate limits unless asked)."""
    config.setdefault("rate_limits", False)
    tap = Tap()
    handle = start_in_thread(EmulatorConfig(seed="demo", **config), wrap=tap.wrap)
    try:
        async with httpx2.AsyncClient(trust_env=False, timeout=30.0) as http:
            clock = LinkedClock(handle)
            info = (await http.get(f"{handle.base_url}/_emulator/info")).json()
            oauth = XeroOAuth.for_base_url(handle.base_url, info["client_id"],
                                           info["client_secret"], http=http, clock=clock)
            yield Env(handle, tap, clock, http, oauth, info)
    finally:
        handle.stop()


async def manager_for(env: Env, tokens: TokenSet, connection_id: str = "conn-1",
                      kind: ConnectionKind = AUTH_CODE
                      ) -> tuple[MemoryTokenStore, TokenManager, Counting]:
    """A memory store holding one connection and a manager refreshing through the emulator."""
    store = MemoryTokenStore()
    await store.put(connection_id, kind, tokens)
    counting = Counting(refresher_for(env.oauth))
    return store, TokenManager(store, counting, clock=env.clock), counting


# ---- single flight -----------------------------------------------------------------------------
async def test_fifty_callers_at_expiry_cause_exactly_one_refresh() -> None:
    # No grace period: a second use of the same refresh token would be an invalid_grant.
    async with open_env(access_token_ttl=TTL, refresh_grace_seconds=0) as env:
        first = await env.connect()
        store, manager, counting = await manager_for(env, first)
        await env.advance(TTL + 1)  # the access token is now expired for Xero and for us

        tokens = await asyncio.gather(*(manager.access_token("conn-1") for _ in range(50)))

        assert counting.calls == 1
        assert env.tap.grants("refresh_token", status=None) == 1  # Xero issued one new pair
        assert not env.tap.token_failures()
        assert set(tokens) == {tokens[0]} and tokens[0] != first.access_token
        row = await store.get("conn-1")
        assert row.tokens is not None and row.tokens.access_token == tokens[0]
        assert row.tokens.refresh_token not in (None, first.refresh_token)
        assert row.version == 2 and row.status is ConnectionStatus.ACTIVE


async def test_fifty_concurrent_requests_at_expiry_refresh_once_and_all_succeed() -> None:
    async with open_env(access_token_ttl=TTL, refresh_grace_seconds=0) as env:
        _store, manager, counting = await manager_for(env, await env.connect())
        await env.advance(TTL + 1)

        async with env.api(manager, "conn-1") as api:
            responses = await asyncio.gather(*(api.get("/Organisation") for _ in range(50)))

        assert [r.status_code for r in responses] == [200] * 50
        assert counting.calls == 1 and env.tap.grants("refresh_token", status=None) == 1
        assert not env.tap.token_failures()
        assert 401 not in env.tap.statuses("/Organisation")  # refreshed before, not after


# ---- 401 -----------------------------------------------------------------------------------------
async def test_a_401_forces_one_refresh_and_one_retry() -> None:
    async with open_env(access_token_ttl=TTL) as env:
        first = await env.connect()
        store, manager, counting = await manager_for(env, first)
        env.clock.lag = -(TTL + 60)  # our clock still believes the token is fresh …
        await env.advance(TTL + 60)  # … while Xero's says it expired

        async with env.api(manager, "conn-1") as api:
            response = await api.get("/Organisation")

        assert response.status_code == 200
        assert env.tap.statuses("/Organisation") == [401, 200]
        assert counting.calls == 1 and env.tap.grants("refresh_token") == 1
        row = await store.get("conn-1")
        assert row.tokens is not None and row.tokens.access_token != first.access_token


async def test_concurrent_401s_with_the_same_token_refresh_once() -> None:
    async with open_env(access_token_ttl=TTL) as env:
        _store, manager, counting = await manager_for(env, await env.connect())
        env.clock.lag = -(TTL + 60)
        await env.advance(TTL + 60)

        async with env.api(manager, "conn-1") as api:
            responses = await asyncio.gather(*(api.get("/Organisation") for _ in range(10)))

        assert [r.status_code for r in responses] == [200] * 10
        # Every caller saw a 401, but only the rejected token's first reporter refreshed.
        assert env.tap.statuses("/Organisation").count(401) == 10
        assert counting.calls == 1 and env.tap.grants("refresh_token") == 1


async def test_other_refusals_do_not_refresh() -> None:
    async with open_env(access_token_ttl=TTL) as env:
        _store, manager, counting = await manager_for(env, await env.connect())
        async with env.api(manager, "conn-1", tenant_id="not-a-tenant") as api:
            # An unknown tenant is a 403, never a 401: no refresh at all.
            response = await api.get("/Organisation")
        assert response.status_code == 403 and counting.calls == 0


# ---- dead tokens -------------------------------------------------------------------------------
async def test_invalid_grant_marks_needs_reauth_and_keeps_the_connection() -> None:
    async with open_env(access_token_ttl=TTL) as env:
        first = await env.connect()
        store, manager, counting = await manager_for(env, first)
        env.handle.emulator.faults.configure(invalid_grant=1)
        await env.advance(TTL + 1)

        with pytest.raises(NeedsReauthError) as caught:
            await manager.access_token("conn-1")

        error = caught.value
        assert error.code == "needs_reauth" and error.details["connection_id"] == "conn-1"
        assert "invalid_grant" in error.message and "Reconnect" in error.message
        row = await store.get("conn-1")
        assert row.status is ConnectionStatus.NEEDS_REAUTH and row.status_reason == "invalid_grant"
        assert row.tokens == first and row.kind is AUTH_CODE  # the row and its tokens stay

        # Further calls fail fast without asking Xero, through the auth flow too.
        with pytest.raises(NeedsReauthError):
            await manager.access_token("conn-1")
        async with env.api(manager, "conn-1") as api:
            with pytest.raises(NeedsReauthError):
                await api.get("/Organisation")
        assert counting.calls == 1 and env.tap.grants("refresh_token", status=400) == 1
        assert env.tap.grants("refresh_token", status=None) == 1

        # Reconnecting stores a new pair; the same connection id works again.
        fresh = await env.connect()
        await store.put("conn-1", AUTH_CODE, fresh)
        assert await manager.access_token("conn-1") == fresh.access_token


async def test_crash_after_xero_answered_is_recovered_inside_the_grace_window() -> None:
    async with open_env(access_token_ttl=TTL, refresh_grace_seconds=1800) as env:
        first = await env.connect()
        doomed = await env.connect()
        store, manager, counting = await manager_for(env, first)
        await store.put("conn-2", AUTH_CODE, doomed)
        assert first.refresh_token and doomed.refresh_token
        # Xero rotates, then the process dies before writing: the answers are thrown away.
        await env.oauth.refresh(first.refresh_token)
        await env.oauth.refresh(doomed.refresh_token)
        await env.advance(TTL + 1)

        token = await manager.access_token("conn-1")  # the stored (old) token, in its grace

        assert counting.calls == 1 and not env.tap.token_failures()
        async with env.api(manager, "conn-1") as api:
            assert (await api.get("/Organisation")).status_code == 200
        assert token != first.access_token

        # Past the grace window the same crash would be fatal: that is why we persist first.
        await env.advance(1800)
        with pytest.raises(NeedsReauthError):
            await manager.access_token("conn-2")
        assert (await store.get("conn-2")).status is ConnectionStatus.NEEDS_REAUTH


# ---- static tokens and the store ---------------------------------------------------------------
async def test_static_tokens_are_never_refreshed() -> None:
    async with open_env(access_token_ttl=TTL) as env:
        pair = await env.connect()
        static = TokenSet(pair.access_token, None, expires_at=0.0)  # "expired" long ago
        store, manager, counting = await manager_for(env, static, "pat",
                                                     ConnectionKind.STATIC_TOKEN)
        await store.put("bad", ConnectionKind.STATIC_TOKEN, TokenSet("not-a-token", None, 0.0))

        assert await manager.access_token("pat") == pair.access_token
        async with env.api(manager, "pat") as api:
            assert (await api.get("/Organisation")).status_code == 200
        async with env.api(manager, "bad") as api:
            with pytest.raises(NeedsReauthError, match="personal access token was refused"):
                await api.get("/Organisation")
        assert counting.calls == 0 and not env.tap.grants("refresh_token", status=None)
        # Nothing can renew it: the connection waits for a person, with the reason stored.
        bad = await store.get("bad")
        assert bad.status is ConnectionStatus.NEEDS_REAUTH
        assert bad.status_reason == STATIC_TOKEN_REJECTED
        assert (await store.get("pat")).status is ConnectionStatus.ACTIVE


async def test_memory_store_versions_locks_and_unknown_ids() -> None:
    store = MemoryTokenStore()
    tokens = TokenSet("a", "r", 100.0, ("openid",), refreshed_at=1.0)
    row = await store.put("c", AUTH_CODE, tokens)
    assert row.version == 1 and "'a'" not in repr(row)  # secrets stay out of reprs and logs
    order: list[str] = []

    async def holder() -> None:
        async with store.locked("c") as held:
            order.append(f"in:{held.version}")
            await asyncio.sleep(0.05)
            await store.save_tokens("c", TokenSet("b", "r2", 200.0))
            order.append("out")

    async def waiter() -> None:
        await asyncio.sleep(0.01)
        async with store.locked("c") as held:  # re-read after the lock: sees the new pair
            order.append(f"in:{held.version}:{held.tokens.access_token if held.tokens else ''}")

    await asyncio.gather(holder(), waiter())
    assert order == ["in:1", "out", "in:2:b"]
    dead = await store.set_status("c", ConnectionStatus.NEEDS_REAUTH, "invalid_grant")
    assert dead.tokens is not None and dead.tokens.access_token == "b" and dead.version == 3
    with pytest.raises(UnknownConnectionError):
        await store.get("missing")
