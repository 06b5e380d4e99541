"""A TokenStore on SQLAlchemy: a row lock on PostgreSQL, an exclusive transaction on SQLite.

The engine is SQLAlchemy's synchronous one, each call run in a worker thread through
asyncio.to_thread: the async engine needs greenlet (and aiosqlite for SQLite), neither of
which ledgerlink otherwise depends on, and token operations are rare and short.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Connection,
    Double,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Row

from ledgerlink.errors import ConfigurationError
from ledgerlink.http.auth import (
    ConnectionKind,
    ConnectionStatus,
    StoredConnection,
    TokenSet,
    UnknownConnectionError,
)

__all__ = ["DEFAULT_TABLE", "SqlTokenStore"]

DEFAULT_TABLE = "ledgerlink_provider_tokens"
T = TypeVar("T")
# The connections whose lock this task holds, so writes inside `locked()` use its transaction
# (a second connection would wait on our own row lock, or on SQLite's single writer).
_HELD: contextvars.ContextVar[dict[tuple[int, str], Connection]] = contextvars.ContextVar(
    "ledgerlink_token_locks", default={})  # noqa: B039 - replaced, never mutated


def _table(name: str) -> Table:
    return Table(
        name, MetaData(),
        Column("connection_id", String(200), primary_key=True),
        Column("kind", String(40), nullable=False),
        Column("status", String(20), nullable=False),
        Column("status_reason", Text),
        # The token family: the columns the hub will encrypt at rest.
        Column("access_token", Text),
        Column("refresh_token", Text),
        Column("token_type", String(40)),
        Column("expires_at", Double),
        Column("scopes", Text),
        Column("refreshed_at", Double),
        Column("version", Integer, nullable=False),
    )


async def _blocking(fn: Callable[..., T], *args: Any) -> T:
    """Run `fn` in a thread; if we are cancelled, let it finish before the caller cleans up."""
    future = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):
            await future
        raise


class SqlTokenStore:
    """Tokens in one table; `locked()` is exclusive across every process using the database."""

    def __init__(self, engine_url: str, *, table_name: str = DEFAULT_TABLE,
                 lock_timeout: float = 30.0, engine: Engine | None = None) -> None:
        self.lock_timeout = lock_timeout
        self.engine = engine or self._engine(engine_url, lock_timeout)
        self.dialect = self.engine.dialect.name
        self.table = _table(table_name)

    @staticmethod
    def _engine(url: str, lock_timeout: float) -> Engine:
        if not url.startswith("sqlite"):
            return create_engine(url, pool_pre_ping=True)
        if url.split("?")[0] in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url:
            # Every pooled connection would see its own empty database and no shared lock.
            raise ConfigurationError("SqlTokenStore needs a SQLite file, not an in-memory "
                                     "database; use MemoryTokenStore within one process.")
        # Threads take turns on a connection, so sqlite3's same-thread check must go; the
        # busy timeout is how long a writer waits for another process's exclusive transaction.
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": lock_timeout})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, record: Any) -> None:
            # Take transaction control from the sqlite3 module so BEGIN IMMEDIATE is ours.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("ledgerlink_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    # ---- schema ----------------------------------------------------------------------------
    async def create_schema(self) -> None:
        """Create the table if it is missing."""
        await _blocking(self.table.metadata.create_all, self.engine)

    async def drop_schema(self) -> None:
        """Drop the table (tests)."""
        await _blocking(self.table.metadata.drop_all, self.engine)

    async def aclose(self) -> None:
        """Close the engine's pooled connections."""
        await _blocking(self.engine.dispose)

    # ---- TokenStore ------------------------------------------------------------------------
    async def get(self, connection_id: str) -> StoredConnection:
        """The current row."""
        def run() -> StoredConnection:
            with self.engine.connect() as conn:
                return self._read(conn, connection_id, for_update=False)
        return await _blocking(run)

    @contextlib.asynccontextmanager
    async def locked(self, connection_id: str) -> AsyncIterator[StoredConnection]:
        """Take the connection's lock, re-read its row, and commit the writes made inside."""
        key = (id(self), connection_id)
        if key in _HELD.get():
            raise RuntimeError(f"connection {connection_id!r} is already locked by this task")
        conn = await _blocking(self._write_connection)
        try:
            row = await _blocking(self._read, conn, connection_id, True)
            token = _HELD.set({**_HELD.get(), key: conn})
            try:
                yield row
            finally:
                _HELD.reset(token)
            await _blocking(conn.commit)
        finally:
            # Without a commit (an error inside) this rolls back and releases the lock.
            await _blocking(conn.close)

    async def save_tokens(self, connection_id: str, tokens: TokenSet) -> StoredConnection:
        """Store a new pair; inside `locked()` it commits when the lock is released."""
        values = {**_token_values(tokens), "status": ConnectionStatus.ACTIVE.value,
                  "status_reason": None}
        return await self._update(connection_id, values)

    async def set_status(self, connection_id: str, status: ConnectionStatus,
                         reason: str | None) -> StoredConnection:
        """Record a status and why; the tokens stay."""
        return await self._update(connection_id, {"status": status.value,
                                                  "status_reason": reason})

    async def put(self, connection_id: str, kind: ConnectionKind, tokens: TokenSet | None,
                  status: ConnectionStatus = ConnectionStatus.ACTIVE,
                  reason: str | None = None) -> StoredConnection:
        """Create or replace a connection (after consent or a reconnect)."""
        values = {**_token_values(tokens), "kind": kind.value, "status": status.value,
                  "status_reason": reason}

        def run(conn: Connection) -> StoredConnection:
            existing = conn.execute(select(self.table.c.version).where(
                self.table.c.connection_id == connection_id).with_for_update()).scalar()
            if existing is None:
                conn.execute(insert(self.table).values(connection_id=connection_id, version=1,
                                                       **values))
            else:
                conn.execute(update(self.table).where(
                    self.table.c.connection_id == connection_id).values(
                        version=existing + 1, **values))
            return self._read(conn, connection_id, for_update=False)
        return await self._in_write(connection_id, run)

    async def delete(self, connection_id: str) -> None:
        """Forget a connection."""
        def run(conn: Connection) -> None:
            conn.execute(self.table.delete().where(self.table.c.connection_id == connection_id))
        await self._in_write(connection_id, run)

    # ---- internals -------------------------------------------------------------------------
    def _write_connection(self) -> Connection:
        conn = self.engine.connect().execution_options(ledgerlink_write=True)
        if self.dialect == "postgresql":
            # Wait for another process's refresh, but never forever.
            conn.execute(text(f"SET LOCAL lock_timeout = '{int(self.lock_timeout * 1000)}ms'"))
        return conn

    def _read(self, conn: Connection, connection_id: str, for_update: bool) -> StoredConnection:
        query = select(self.table).where(self.table.c.connection_id == connection_id)
        if for_update:
            query = query.with_for_update()  # a row lock on PostgreSQL; SQLite ignores it
        row = conn.execute(query).first()
        if row is None:
            raise UnknownConnectionError(connection_id)
        return _stored(row)

    async def _update(self, connection_id: str, values: dict[str, Any]) -> StoredConnection:
        def run(conn: Connection) -> StoredConnection:
            result = conn.execute(update(self.table).where(
                self.table.c.connection_id == connection_id).values(
                    version=self.table.c.version + 1, **values))
            if result.rowcount == 0:
                raise UnknownConnectionError(connection_id)
            return self._read(conn, connection_id, for_update=False)
        return await self._in_write(connection_id, run)

    async def _in_write(self, connection_id: str, fn: Callable[[Connection], T]) -> T:
        """Run `fn` in the held lock's transaction, or in a write transaction of its own."""
        held = _HELD.get().get((id(self), connection_id))
        if held is not None:
            return await _blocking(fn, held)

        def run() -> T:
            with self._write_connection() as conn:
                result = fn(conn)
                conn.commit()
                return result
        return await _blocking(run)


def _token_values(tokens: TokenSet | None) -> dict[str, Any]:
    if tokens is None:
        return {"access_token": None, "refresh_token": None, "token_type": None,
                "expires_at": None, "scopes": None, "refreshed_at": None}
    return {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
            "token_type": tokens.token_type, "expires_at": tokens.expires_at,
            "scopes": " ".join(tokens.scopes), "refreshed_at": tokens.refreshed_at}


def _stored(row: Row[Any]) -> StoredConnection:
    m = row._mapping
    tokens = None
    if m["access_token"] is not None:
        tokens = TokenSet(access_token=m["access_token"], refresh_token=m["refresh_token"],
                          expires_at=float(m["expires_at"] or 0.0),
                          scopes=tuple((m["scopes"] or "").split()),
                          token_type=m["token_type"] or "Bearer",
                          refreshed_at=m["refreshed_at"])
    return StoredConnection(connection_id=m["connection_id"], kind=ConnectionKind(m["kind"]),
                            status=ConnectionStatus(m["status"]), tokens=tokens,
                            version=int(m["version"]), status_reason=m["status_reason"])
