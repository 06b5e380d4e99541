"""Connections' tokens: single-flight refresh, the memory store, and the bearer auth flow."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterable
from dataclasses import dataclass, field

import httpx2

from ledgerlink.errors import AuthError, LedgerlinkError, NeedsReauthError
from ledgerlink.http.clock import Clock, SystemClock
from ledgerlink.http.tokens import (
    ConnectionKind,
    ConnectionStatus,
    Refresher,
    StoredConnection,
    TokenSet,
    TokenStore,
    UnknownConnectionError,
)

__all__ = [
    "BearerAuth", "ConnectionKind", "ConnectionStatus", "IdleRefreshReport", "MemoryTokenStore",
    "Refresher", "StoredConnection", "TokenManager", "TokenSet", "TokenStore",
    "UnknownConnectionError", "refresh_idle",
]

DAY = 86400.0
# Why a static-token connection needs a person: the reason stored on it and its integrations.
STATIC_TOKEN_REJECTED = ("the personal access token was refused (401): it was revoked or has "
                         "expired, and it cannot be refreshed; paste a new token for this "
                         "organisation to reconnect")


class MemoryTokenStore:
    """A TokenStore for one process (tests, embedded use); writes apply at once."""

    def __init__(self) -> None:
        self._rows: dict[str, StoredConnection] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def put(self, connection_id: str, kind: ConnectionKind, tokens: TokenSet | None,
                  status: ConnectionStatus = ConnectionStatus.ACTIVE,
                  reason: str | None = None) -> StoredConnection:
        """Create or replace a connection (after consent or a reconnect)."""
        old = self._rows.get(connection_id)
        row = StoredConnection(connection_id, kind, status, tokens,
                               (old.version + 1) if old else 1, reason)
        self._rows[connection_id] = row
        return row

    async def delete(self, connection_id: str) -> None:
        """Forget a connection."""
        self._rows.pop(connection_id, None)

    async def get(self, connection_id: str) -> StoredConnection:
        """The current row."""
        row = self._rows.get(connection_id)
        if row is None:
            raise UnknownConnectionError(connection_id)
        return row

    @contextlib.asynccontextmanager
    async def locked(self, connection_id: str) -> AsyncIterator[StoredConnection]:
        """One holder at a time per connection (one process only: an asyncio.Lock)."""
        lock = self._locks.setdefault(connection_id, asyncio.Lock())
        async with lock:
            yield await self.get(connection_id)

    async def save_tokens(self, connection_id: str, tokens: TokenSet) -> StoredConnection:
        """Store a new pair and mark the connection active."""
        row = await self.get(connection_id)
        return self._write(dataclasses.replace(
            row, tokens=tokens, status=ConnectionStatus.ACTIVE, status_reason=None,
            refreshes_in_flight=0, refresh_started_at=None))

    async def set_status(self, connection_id: str, status: ConnectionStatus,
                         reason: str | None) -> StoredConnection:
        """Record a status; the tokens stay (needs_reauth ends a refresh in flight)."""
        row = await self.get(connection_id)
        settled = status is ConnectionStatus.NEEDS_REAUTH
        return self._write(dataclasses.replace(
            row, status=status, status_reason=reason,
            refreshes_in_flight=0 if settled else row.refreshes_in_flight,
            refresh_started_at=None if settled else row.refresh_started_at))

    async def mark_refreshing(self, connection_id: str, at: float) -> None:
        """Announce a refresh (not a token write: the version stays)."""
        row = await self.get(connection_id)
        self._rows[connection_id] = dataclasses.replace(
            row, refreshes_in_flight=row.refreshes_in_flight + 1,
            refresh_started_at=row.refresh_started_at or at)

    async def unmark_refreshing(self, connection_id: str) -> StoredConnection:
        """Take back one announcement."""
        row = await self.get(connection_id)
        left = max(row.refreshes_in_flight - 1, 0)
        self._rows[connection_id] = dataclasses.replace(
            row, refreshes_in_flight=left, refresh_started_at=row.refresh_started_at if left
            else None)
        return self._rows[connection_id]

    def _write(self, row: StoredConnection) -> StoredConnection:
        row = dataclasses.replace(row, version=row.version + 1)
        self._rows[row.connection_id] = row
        return row


def _usable_status(row: StoredConnection) -> None:
    """Fail fast on connections a person must fix; never call the provider for them."""
    if row.status is ConnectionStatus.NEEDS_REAUTH:
        raise NeedsReauthError(row.connection_id, row.status_reason or "invalid_grant")
    if row.status is ConnectionStatus.DISCONNECTED:
        raise AuthError(f"Connection {row.connection_id!r} is disconnected; connect it again "
                        "(console: /console/connect).",
                        details={"connection_id": row.connection_id})


def _token(row: StoredConnection) -> str:
    if row.tokens is None:  # callers check freshness first; this guards the type
        raise AuthError(f"Connection {row.connection_id!r} has no access token.")
    return row.tokens.access_token


class TokenManager:
    """Hands out fresh access tokens; refreshes once per connection, across tasks and processes.

    In-process, an asyncio.Lock per connection queues the callers of this manager; across
    processes the store's lock does. After taking the store's lock the row is re-read: when
    another process refreshed meanwhile its pair is used and the provider is not called.
    """

    def __init__(self, store: TokenStore, refresher: Refresher, clock: Clock | None = None,
                 skew: float = 120.0) -> None:
        self.store = store
        self.refresher = refresher
        self.clock: Clock = clock or SystemClock()
        self.skew = skew
        self._cache: dict[str, StoredConnection] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def access_token(self, connection_id: str) -> str:
        """A token valid for at least `skew` seconds more, refreshing it first when needed."""
        row = self._cache.get(connection_id)
        if row is not None and self._fresh(row):
            return _token(row)
        async with self._lock(connection_id):
            row = self._cache.get(connection_id)
            if row is None or not self._fresh(row):
                row = self._remember(await self.store.get(connection_id))
            if not self._fresh(row):
                _usable_status(row)
                row = await self._refresh(connection_id, self._fresh)
            return _token(row)

    async def force_refresh(self, connection_id: str, rejected_token: str) -> str:
        """After a 401: a token other than `rejected_token` (refreshing only if it is stored)."""
        def replaced(row: StoredConnection) -> bool:
            return (row.tokens is not None and row.tokens.access_token != rejected_token
                    and self._fresh(row))

        async with self._lock(connection_id):
            row = self._cache.get(connection_id)
            if row is not None and replaced(row):
                return _token(row)
            row = self._remember(await self.store.get(connection_id))
            _usable_status(row)
            if replaced(row):
                return _token(row)
            if row.kind is ConnectionKind.STATIC_TOKEN:
                # Nothing renews a static token (a personal access token): the connection
                # waits for a person to paste a new one, as for a dead refresh token.
                self._remember(await self.store.set_status(
                    connection_id, ConnectionStatus.NEEDS_REAUTH, STATIC_TOKEN_REJECTED))
                raise NeedsReauthError(connection_id, STATIC_TOKEN_REJECTED)
            row = await self._refresh(connection_id, replaced)
            return _token(row)

    async def refresh(self, connection_id: str, *,
                      if_older_than: float | None = None) -> StoredConnection:
        """Refresh now; with `if_older_than`, only when the pair is older than that (seconds)."""
        def recent(row: StoredConnection) -> bool:
            return if_older_than is not None and not _idle(row, self.clock.time(), if_older_than)

        async with self._lock(connection_id):
            row = self._remember(await self.store.get(connection_id))
            _usable_status(row)
            if recent(row):
                return row
            return await self._refresh(connection_id, recent)

    async def complete_interrupted(self, connection_id: str) -> StoredConnection:
        """Finish a refresh whose answer never reached the store (a crash mid-refresh).

        The provider may have rotated the refresh token; the old one still works inside its
        grace period, and refreshing with it now stores a pair that works again.
        """
        async with self._lock(connection_id):
            row = self._remember(await self.store.get(connection_id))
            _usable_status(row)
            # No announcement of its own: the one left over stays until this refresh is
            # stored, so a crash here too is completed by the next sweep.
            return await self._refresh(connection_id, _settled, announce=False)

    def forget(self, connection_id: str) -> None:
        """Drop the cached row (after the hub replaced the connection's tokens)."""
        self._cache.pop(connection_id, None)

    async def _refresh(self, connection_id: str, good_enough: Callable[[StoredConnection], bool],
                       *, announce: bool = True) -> StoredConnection:
        """Under the store's lock: reuse a pair someone else stored, else refresh and persist."""
        failure: NeedsReauthError | None = None
        saved: StoredConnection | None = None
        if announce:
            # Committed before the provider is called: if this process dies after the
            # provider rotated the refresh token, the announcement is left over and
            # `complete_interrupted` finishes the job while the old token's grace lasts.
            # (Outside the lock: a write inside it commits, and so ends, its transaction.)
            await self.store.mark_refreshing(connection_id, self.clock.time())
        async with self.store.locked(connection_id) as row:
            self._remember(row)
            _usable_status(row)
            if good_enough(row):
                if announce:  # someone else refreshed: nothing of ours is in flight
                    row = await self.store.unmark_refreshing(connection_id)
                return self._remember(row)
            try:
                tokens = await self.refresher(row)
            except NeedsReauthError as exc:
                reason = str(exc.details.get("reason") or "invalid_grant")
                self._remember(await self.store.set_status(
                    connection_id, ConnectionStatus.NEEDS_REAUTH, reason))
                failure = NeedsReauthError(connection_id, reason)
            else:
                saved = await self.store.save_tokens(connection_id, tokens)
        # Only here, after the lock's transaction committed, is the new pair handed out: a
        # crash before this line leaves the old refresh token stored, still inside its grace.
        if failure is not None:
            raise failure
        assert saved is not None
        return self._remember(saved)

    def _fresh(self, row: StoredConnection) -> bool:
        if row.status in (ConnectionStatus.NEEDS_REAUTH, ConnectionStatus.DISCONNECTED):
            return False
        if row.tokens is None:
            return False
        if row.kind is ConnectionKind.STATIC_TOKEN:
            return True  # never refreshed; a 401 says when it died
        return row.tokens.expires_at - self.skew > self.clock.time()

    def _remember(self, row: StoredConnection) -> StoredConnection:
        cached = self._cache.get(row.connection_id)
        if cached is None or row.version >= cached.version:
            self._cache[row.connection_id] = row
        return row

    def _lock(self, connection_id: str) -> asyncio.Lock:
        return self._locks.setdefault(connection_id, asyncio.Lock())


def _settled(row: StoredConnection) -> bool:
    """Nothing to finish: no refresh was left in flight (or someone finished it)."""
    return row.refreshes_in_flight == 0


def _idle(row: StoredConnection, now: float, older_than: float) -> bool:
    """Whether the refresh token has gone unused for longer than `older_than` seconds."""
    tokens = row.tokens
    if tokens is None or not tokens.refresh_token:
        return False
    return tokens.refreshed_at is None or now - tokens.refreshed_at > older_than


@dataclass
class IdleRefreshReport:
    """What one keep-alive pass did, per connection id."""

    refreshed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # connection id -> error code


async def refresh_idle(store: TokenStore, manager: TokenManager, connection_ids: Iterable[str],
                       older_than_seconds: float = 30 * DAY) -> IdleRefreshReport:
    """Refresh the refresh tokens unused for `older_than_seconds`, well inside their 60 days.

    Run it daily: a connection nobody calls would otherwise lose its refresh token and need a
    person to reconnect. Static and client-credentials connections have nothing to keep alive.
    """
    report = IdleRefreshReport()
    for connection_id in connection_ids:
        try:
            row = await store.get(connection_id)
            if (row.kind is not ConnectionKind.OAUTH_AUTHORIZATION_CODE
                    or row.status is not ConnectionStatus.ACTIVE
                    or not _idle(row, manager.clock.time(), older_than_seconds)):
                report.skipped.append(connection_id)
                continue
            before = _token(row)
            after = await manager.refresh(connection_id, if_older_than=older_than_seconds)
            # Someone else refreshing meanwhile kept it alive too; either way it is renewed.
            (report.refreshed if _token(after) != before else report.skipped).append(
                connection_id)
        except LedgerlinkError as exc:  # one dead connection must not stop the others
            report.failed[connection_id] = exc.code
    return report


class BearerAuth(httpx2.Auth):
    """httpx2 auth flow: the connection's bearer; on a 401, one forced refresh and one retry."""

    requires_request_body = True  # the body is sent a second time after a 401

    def __init__(self, manager: TokenManager, connection_id: str) -> None:
        self.manager = manager
        self.connection_id = connection_id

    def sync_auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request,
                                                                   httpx2.Response, None]:
        """Refresh needs the event loop: only httpx2.AsyncClient is supported."""
        raise RuntimeError("BearerAuth works with httpx2.AsyncClient only")
        yield request  # pragma: no cover - makes this a generator

    async def async_auth_flow(self, request: httpx2.Request) -> AsyncGenerator[httpx2.Request,
                                                                               httpx2.Response]:
        """Send with the current token; after a 401 retry once with a replaced one."""
        token = await self.manager.access_token(self.connection_id)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        token = await self.manager.force_refresh(self.connection_id, token)
        request.headers["Authorization"] = f"Bearer {token}"
        yield request
