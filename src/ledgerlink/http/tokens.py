"""Connections' token records and the store protocol every token store implements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from ledgerlink.errors import InputError

__all__ = ["ConnectionKind", "ConnectionStatus", "Refresher", "StoredConnection", "TokenSet",
           "TokenStore", "UnknownConnectionError"]


@dataclass(frozen=True)
class TokenSet:
    """An access token and what came with it; the secrets never appear in a repr."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float  # epoch seconds
    scopes: tuple[str, ...] = ()
    token_type: str = "Bearer"
    # When this pair was issued: a refresh token's 60-day idle lifetime counts from here.
    refreshed_at: float | None = None


class ConnectionKind(StrEnum):
    """How a connection authenticates."""

    OAUTH_AUTHORIZATION_CODE = "oauth_authorization_code"
    OAUTH_CLIENT_CREDENTIALS = "oauth_client_credentials"
    STATIC_TOKEN = "static_token"


class ConnectionStatus(StrEnum):
    """Whether a connection can be used; needs_reauth waits for a person to reconnect."""

    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"
    DISCONNECTED = "disconnected"
    ERROR = "error"


@dataclass(frozen=True)
class StoredConnection:
    """A connection's row in the token store; `version` grows on every write."""

    connection_id: str
    kind: ConnectionKind
    status: ConnectionStatus
    tokens: TokenSet | None
    version: int
    status_reason: str | None = None
    # Refreshes announced and not settled, and when the oldest began (epoch seconds).
    refreshes_in_flight: int = 0
    refresh_started_at: float | None = None


class UnknownConnectionError(InputError):
    """The token store has no connection with that id."""

    status = 404
    code = "unknown_connection"

    def __init__(self, connection_id: str) -> None:
        super().__init__(f"No connection {connection_id!r} in the token store.",
                         field="connection_id", details={"connection_id": connection_id})
        self.connection_id = connection_id


class TokenStore(Protocol):
    """Where tokens live; `locked` is exclusive across every process sharing the store."""

    async def get(self, connection_id: str) -> StoredConnection:
        """The current row (raises UnknownConnectionError)."""
        ...

    def locked(self, connection_id: str) -> AbstractAsyncContextManager[StoredConnection]:
        """Hold the connection's lock; yields the row as re-read after taking it."""
        ...

    async def save_tokens(self, connection_id: str, tokens: TokenSet) -> StoredConnection:
        """Store a new pair (inside `locked`); the connection becomes active again."""
        ...

    async def set_status(self, connection_id: str, status: ConnectionStatus,
                         reason: str | None) -> StoredConnection:
        """Record a status and why; tokens and everything else stay."""
        ...

    async def mark_refreshing(self, connection_id: str, at: float) -> None:
        """Announce, durably and at once, a refresh that may be sent from `at` on.

        `save_tokens` and a needs_reauth `set_status` settle every announced refresh; one
        left over says a refresh token may have been rotated without the new pair stored.
        """
        ...

    async def unmark_refreshing(self, connection_id: str) -> StoredConnection:
        """Take back one announcement (inside `locked`): this caller did not refresh."""
        ...


Refresher = Callable[[StoredConnection], Awaitable[TokenSet]]
