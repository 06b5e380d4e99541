"""The records the emulated identity service keeps: user, sessions, codes, tokens, connections."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class User:
    """The one person who signs in to the emulator and consents."""

    user_id: str
    email: str
    given_name: str
    family_name: str

    @classmethod
    def demo(cls, seed: int | str) -> User:
        """The demo user, with an id stable for a seed (it never draws from a generator)."""
        user_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"ledgerlink-emulator:user:{seed}"))
        return cls(user_id, "demo.user@example.com", "Demo", "User")


@dataclass(frozen=True)
class Session:
    """One consent (or custom-connection sign-in): who, for which app, in which auth event."""

    client_id: str
    user_id: str
    auth_event_id: str
    session_id: str
    auth_time: int
    custom: bool = False


@dataclass
class AuthCode:
    """An authorization code awaiting exchange (single use, short-lived)."""

    code: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    session: Session
    challenge: str | None
    method: str
    expires_at: float
    nonce: str | None = None


@dataclass
class Family:
    """The chain of refresh tokens rotated from one code exchange; revoked as a whole."""

    id: str
    session: Session
    scopes: list[str]
    public: bool  # started by a PKCE exchange without a secret, so it may refresh without one
    revoked: bool = False


@dataclass
class RefreshRecord:
    """One refresh token of a family; `first_used_at` starts its grace period."""

    token: str
    family_id: str
    issued_at: float
    first_used_at: float | None = None


@dataclass
class IssuedToken:
    """An access token as the server remembers it."""

    session: Session
    scopes: list[str]
    expires_at: float
    family_id: str | None


@dataclass
class Connection:
    """A user's consent for an app to act for one organisation."""

    id: str
    client_id: str
    user_id: str
    tenant_id: str
    auth_event_id: str
    created: datetime
    updated: datetime


class ConnectionStore:
    """Connections by id, at most one per (app, user, organisation)."""

    def __init__(self) -> None:
        self.by_id: dict[str, Connection] = {}

    def clear(self) -> None:
        """Forget every connection."""
        self.by_id.clear()

    def of(self, client_id: str, user_id: str) -> list[Connection]:
        """One user's connections to one app, oldest first."""
        return [c for c in self.by_id.values() if (c.client_id, c.user_id) == (client_id, user_id)]

    def connect(self, session: Session, tenant_ids: list[str], now: datetime,
                new_id: Callable[[], str]) -> None:
        """Connect each organisation; re-consent refreshes a connection rather than doubling it."""
        existing = {c.tenant_id: c for c in self.of(session.client_id, session.user_id)}
        for tenant_id in dict.fromkeys(tenant_ids):
            conn = existing.get(tenant_id)
            if conn is None:
                conn = Connection(new_id(), session.client_id, session.user_id, tenant_id,
                                  session.auth_event_id, now, now)
                self.by_id[conn.id] = conn
            else:
                conn.auth_event_id, conn.updated = session.auth_event_id, now

    def remove(self, connection_id: str, client_id: str, user_id: str) -> bool:
        """Disconnect one; False when that user has no such connection to that app."""
        conn = self.by_id.get(connection_id)
        if conn is None or (conn.client_id, conn.user_id) != (client_id, user_id):
            return False
        del self.by_id[connection_id]
        return True

    def remove_all(self, client_id: str, user_id: str) -> None:
        """Disconnect every organisation of one user from one app."""
        for conn in self.of(client_id, user_id):
            del self.by_id[conn.id]


def custom_user_id(client_id: str) -> str:
    """The pseudo-user a custom connection's tokens act as (stable per app)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ledgerlink-emulator:custom:{client_id}"))
