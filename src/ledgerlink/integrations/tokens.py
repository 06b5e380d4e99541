"""The hub's TokenStore: provider grants in the database, their secrets encrypted at rest.

A connection id is a `provider_grants.id`. `locked()` is exclusive across every process on
the database: `SELECT … FOR UPDATE` on the grant's row on PostgreSQL, `BEGIN IMMEDIATE` (the
single write lock) on SQLite. A write made inside `locked()` commits at once, so a rotated
refresh token is durable before anyone uses the new pair; that commit ends the lock.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, case, delete, exc, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ledgerlink.db.base import new_uuid, utcnow
from ledgerlink.db.crypto import SecretBox
from ledgerlink.db.engine import Database
from ledgerlink.db.models.integrations import Integration, ProviderGrant
from ledgerlink.db.rotation import begin_write
from ledgerlink.errors import LedgerlinkError
from ledgerlink.http.auth import (
    ConnectionKind,
    ConnectionStatus,
    StoredConnection,
    TokenSet,
    UnknownConnectionError,
)

__all__ = ["DbTokenStore", "TokenLockTimeoutError"]

GRANTS = cast(Table, ProviderGrant.__table__)
# A stored pair (or needs_reauth) settles every refresh announced on the grant.
_SETTLED: dict[str, Any] = {"refreshes_in_flight": 0, "refresh_started_at": None}
INTEGRATIONS = cast(Table, Integration.__table__)


class TokenLockTimeoutError(LedgerlinkError):
    """Another process held a connection's token lock for longer than the timeout."""

    status = 503
    code = "token_lock_timeout"


@dataclass
class _Held:
    """The connection holding a lock, while its transaction (and so the lock) is open."""

    conn: AsyncConnection
    open: bool = True


# The locks this task holds, so writes inside `locked()` use the locking transaction (another
# connection would wait on our own row lock, or on SQLite's single writer).
_HELD: contextvars.ContextVar[dict[tuple[int, str], _Held]] = contextvars.ContextVar(
    "ledgerlink_grant_locks", default={})  # noqa: B039 - replaced, never mutated


class DbTokenStore:
    """`ledgerlink.http.auth.TokenStore` over the `provider_grants` table."""

    def __init__(self, db: Database, box: SecretBox, *, lock_timeout: float = 30.0) -> None:
        self.db = db
        self.box = box
        # PostgreSQL waits this long for a row lock; SQLite waits its busy_timeout (30 s).
        self.lock_timeout = lock_timeout

    # ---- TokenStore ------------------------------------------------------------------------
    async def get(self, connection_id: str) -> StoredConnection:
        """The grant's current row."""
        async with self.db.engine.connect() as conn:
            return self._stored(await self._row(conn, connection_id))

    @contextlib.asynccontextmanager
    async def locked(self, connection_id: str) -> AsyncIterator[StoredConnection]:
        """Take the grant's lock and yield its row as re-read under the lock."""
        key = (id(self), connection_id)
        if key in _HELD.get():
            raise RuntimeError(f"grant {connection_id!r} is already locked by this task")
        async with self.db.engine.connect() as conn:
            row = await self._lock(conn, connection_id)
            held = _Held(conn)
            token = _HELD.set({**_HELD.get(), key: held})
            try:
                yield row
            finally:
                _HELD.reset(token)
            if held.open:
                await conn.commit()
        # Leaving `connect()` after an error rolls back, which releases the lock too.

    async def save_tokens(self, connection_id: str, tokens: TokenSet) -> StoredConnection:
        """Store a new pair and commit; the grant and its integrations become active again."""
        values = {**self._token_values(tokens), "status": ConnectionStatus.ACTIVE.value,
                  "status_reason": None, **_SETTLED}
        return await self._write(connection_id, values, (ConnectionStatus.ACTIVE, None))

    async def set_status(self, connection_id: str, status: ConnectionStatus,
                         reason: str | None) -> StoredConnection:
        """Record a status and why, on the grant and its integrations; tokens stay.

        needs_reauth ends any refresh in flight: there is nothing left to complete.
        """
        values: dict[str, Any] = {"status": status.value, "status_reason": reason}
        if status is ConnectionStatus.NEEDS_REAUTH:
            values.update(_SETTLED)
        return await self._write(connection_id, values, (status, reason))

    async def mark_refreshing(self, connection_id: str, at: float) -> None:
        """Announce a refresh, committed at once (called outside the lock: a transaction of
        its own; not a token write, so the version stays)."""
        await self._write(connection_id, {
            "refreshes_in_flight": GRANTS.c.refreshes_in_flight + 1,
            "refresh_started_at": func.coalesce(GRANTS.c.refresh_started_at, at)})

    async def unmark_refreshing(self, connection_id: str) -> StoredConnection:
        """Take back one announcement, in the held lock's transaction (which it commits)."""
        more = GRANTS.c.refreshes_in_flight > 1
        return await self._write(connection_id, {
            "refreshes_in_flight": case((more, GRANTS.c.refreshes_in_flight - 1), else_=0),
            "refresh_started_at": case((more, GRANTS.c.refresh_started_at), else_=None)})

    async def interrupted_refreshes(self, started_before: float) -> list[str]:
        """Active grants with a refresh announced before `started_before` and never settled."""
        async with self.db.engine.connect() as conn:
            rows = await conn.execute(select(GRANTS.c.id).where(
                GRANTS.c.refreshes_in_flight > 0,
                GRANTS.c.refresh_started_at < started_before,
                GRANTS.c.status == ConnectionStatus.ACTIVE.value))
            return [row[0] for row in rows]

    # ---- the hub's own use -----------------------------------------------------------------
    async def put(self, connection_id: str | None, kind: ConnectionKind,
                  tokens: TokenSet | None, status: ConnectionStatus = ConnectionStatus.ACTIVE,
                  reason: str | None = None, *, client_id: str | None = None,
                  client_secret: str | None = None, auth_event_id: str | None = None,
                  platform: str = "xero") -> StoredConnection:
        """Create a grant (id None: a new one) or replace its tokens after a reconnect.

        `client_id` and `client_secret` are only changed when given.
        """
        values: dict[str, Any] = {**self._token_values(tokens), "kind": kind.value,
                                  "status": status.value, "status_reason": reason,
                                  "auth_event_id": auth_event_id, **_SETTLED}
        if client_id is not None:
            values["client_id"] = client_id
        if client_secret is not None:
            values["client_secret_enc"] = self.box.encrypt(client_secret)
        grant_id = connection_id or new_uuid()
        async with self.db.engine.connect() as conn:
            await self._begin(conn)
            existing = (await conn.execute(select(GRANTS.c.version).where(
                GRANTS.c.id == grant_id).with_for_update())).scalar()
            if existing is None:
                await conn.execute(insert(GRANTS).values(id=grant_id, platform=platform,
                                                         version=1, **values))
            else:
                await conn.execute(update(GRANTS).where(GRANTS.c.id == grant_id).values(
                    version=existing + 1, **values))
            await self._mirror(conn, grant_id, status, reason)
            row = self._stored(await self._row(conn, grant_id))
            await conn.commit()
        return row

    async def credentials(self, connection_id: str) -> tuple[str | None, str | None]:
        """The grant's own app credentials (client id, decrypted client secret), if any."""
        async with self.db.engine.connect() as conn:
            row = await self._row(conn, connection_id)
        return row["client_id"], self.box.decrypt(row["client_secret_enc"])

    async def delete(self, connection_id: str) -> None:
        """Forget a grant; its integrations stay, detached from it."""
        async with self.db.engine.connect() as conn:
            await self._begin(conn)
            await conn.execute(update(INTEGRATIONS).where(
                INTEGRATIONS.c.grant_id == connection_id).values(grant_id=None))
            await conn.execute(delete(GRANTS).where(GRANTS.c.id == connection_id))
            await conn.commit()

    # ---- internals -------------------------------------------------------------------------
    async def _begin(self, conn: AsyncConnection) -> None:
        try:
            await begin_write(conn, self.lock_timeout)
        except exc.OperationalError as error:
            if _lock_timed_out(error):
                raise _lock_timeout(error) from error
            raise

    async def _lock(self, conn: AsyncConnection, connection_id: str) -> StoredConnection:
        await self._begin(conn)
        try:
            # The row lock on PostgreSQL (SQLite has none: BEGIN IMMEDIATE already excludes).
            return self._stored(await self._row(conn, connection_id, for_update=True))
        except exc.OperationalError as error:
            if _lock_timed_out(error):
                raise _lock_timeout(error) from error
            raise

    async def _row(self, conn: AsyncConnection, connection_id: str, *,
                   for_update: bool = False) -> RowMapping:
        query = select(GRANTS).where(GRANTS.c.id == connection_id)
        if for_update:
            query = query.with_for_update()
        row = (await conn.execute(query)).mappings().first()
        if row is None:
            raise UnknownConnectionError(connection_id)
        return row

    async def _write(self, connection_id: str, values: dict[str, Any],
                     mirror: tuple[ConnectionStatus, str | None] | None = None
                     ) -> StoredConnection:
        """Update the grant in the held lock's transaction, or in a locked one of its own, and
        commit (which ends a held lock). A token or status write (`mirror`) grows the version
        and spreads the status to the grant's integrations."""
        held = _HELD.get().get((id(self), connection_id))
        if held is not None and held.open:
            row = await self._apply(held.conn, connection_id, values, mirror)
            await held.conn.commit()
            held.open = False
            return row
        async with self.db.engine.connect() as conn:
            await self._begin(conn)
            row = await self._apply(conn, connection_id, values, mirror)
            await conn.commit()
            return row

    async def _apply(self, conn: AsyncConnection, connection_id: str, values: dict[str, Any],
                     mirror: tuple[ConnectionStatus, str | None] | None) -> StoredConnection:
        if mirror is not None:
            values = {"version": GRANTS.c.version + 1, **values}
        result = await conn.execute(update(GRANTS).where(GRANTS.c.id == connection_id)
                                    .values(**values))
        if result.rowcount == 0:
            raise UnknownConnectionError(connection_id)
        if mirror is not None:
            await self._mirror(conn, connection_id, *mirror)
        return self._stored(await self._row(conn, connection_id))

    @staticmethod
    async def _mirror(conn: AsyncConnection, grant_id: str, status: ConnectionStatus,
                      reason: str | None) -> None:
        """The integrations of a grant show its token state: what GET /integrations lists.

        needs_reauth and disconnected spread to them; active restores those waiting for a
        reconnect (an integration disconnected on its own stays disconnected).
        """
        of_grant = INTEGRATIONS.c.grant_id == grant_id
        if status is ConnectionStatus.NEEDS_REAUTH:
            await conn.execute(update(INTEGRATIONS).where(
                of_grant, INTEGRATIONS.c.status.in_(("active", "needs_reauth", "error"))).values(
                    status=status.value, status_reason=reason))
        elif status is ConnectionStatus.ACTIVE:
            await conn.execute(update(INTEGRATIONS).where(
                of_grant, INTEGRATIONS.c.status == ConnectionStatus.NEEDS_REAUTH.value).values(
                    status=status.value, status_reason=None))
        elif status is ConnectionStatus.DISCONNECTED:
            await conn.execute(update(INTEGRATIONS).where(
                of_grant, INTEGRATIONS.c.status != status.value).values(
                    status=status.value, status_reason=reason, disconnected_at=utcnow()))

    def _token_values(self, tokens: TokenSet | None) -> dict[str, Any]:
        if tokens is None:
            return {"access_token_enc": None, "refresh_token_enc": None, "expires_at": None,
                    "refreshed_at": None, "scopes": [], "token_type": "Bearer"}
        return {"access_token_enc": self.box.encrypt(tokens.access_token),
                "refresh_token_enc": self.box.encrypt(tokens.refresh_token),
                "expires_at": tokens.expires_at, "refreshed_at": tokens.refreshed_at,
                "scopes": list(tokens.scopes), "token_type": tokens.token_type}

    def _stored(self, row: RowMapping) -> StoredConnection:
        tokens = None
        access = self.box.decrypt(row["access_token_enc"])
        if access is not None:
            tokens = TokenSet(access_token=access,
                              refresh_token=self.box.decrypt(row["refresh_token_enc"]),
                              expires_at=float(row["expires_at"] or 0.0),
                              scopes=tuple(row["scopes"] or ()),
                              token_type=row["token_type"] or "Bearer",
                              refreshed_at=row["refreshed_at"])
        return StoredConnection(connection_id=row["id"], kind=ConnectionKind(row["kind"]),
                                status=ConnectionStatus(row["status"]), tokens=tokens,
                                version=int(row["version"]),
                                status_reason=row["status_reason"],
                                refreshes_in_flight=int(row["refreshes_in_flight"] or 0),
                                refresh_started_at=row["refresh_started_at"])


def _lock_timed_out(error: exc.OperationalError) -> bool:
    """Whether the database gave up waiting for a lock (rather than failing otherwise)."""
    return (getattr(error.orig, "sqlstate", None) == "55P03"  # PostgreSQL lock_not_available
            or "database is locked" in str(error.orig))  # SQLite's busy_timeout ran out


def _lock_timeout(error: exc.OperationalError) -> TokenLockTimeoutError:
    return TokenLockTimeoutError(
        "Another process held this connection's token lock too long; try again.",
        details={"cause": type(error.orig).__name__})
