"""Dependencies of every route: the hub, a database session, and the caller's scopes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.auth import service as auth_service
from ledgerlink.auth.scopes import Scope
from ledgerlink.auth.service import Principal
from ledgerlink.hub import Hub

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer llk_…`")


class Unauthenticated(Exception):
    """401: no key, or a key that is unknown or revoked."""


class MissingScope(Exception):
    """403: the key lacks the scope this route needs."""

    def __init__(self, scope: Scope, has: frozenset[Scope]) -> None:
        super().__init__(scope.value)
        self.scope = scope
        self.has = has


async def get_hub(request: Request) -> Hub:
    """The hub the app was built with (async: a sync dependency would cost a thread hop)."""
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]


async def get_session(hub: HubDep) -> AsyncIterator[AsyncSession]:
    """One session per request: committed when the route returns, rolled back on error.

    Function-scoped (see SessionDep): the commit runs before the response is sent, so a write
    the client is told about is durable, and a failed commit is an error the client sees.
    """
    async with hub.db.session() as session:
        yield session


# scope="function": FastAPI's default ("request") would close the session, and so commit,
# only after the response has gone out.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_principal(
    hub: HubDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller behind the Authorization header.

    The key is checked in a session of its own, committed at once: recording its use is a
    write, and on SQLite a write held for the whole request would block the token store's
    lock when the same request has to refresh a Xero token.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated()
    pepper = await hub.load_pepper()  # read once per process (made on an install's first use)
    async with hub.db.session() as session:
        principal = await auth_service.authenticate(
            session, credentials.credentials, pepper, legacy_peppers=hub.legacy_peppers)
    if principal is None:
        raise Unauthenticated()
    return principal


def require(scope: Scope) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits callers whose key carries `scope`."""

    async def dependency(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if scope not in principal.scopes:
            raise MissingScope(scope, principal.scopes)
        return principal

    dependency.__name__ = f"require_{scope.value.replace(':', '_')}"
    return dependency


IntegrationsRead = Annotated[Principal, Depends(require(Scope.INTEGRATIONS_READ))]
IntegrationsWrite = Annotated[Principal, Depends(require(Scope.INTEGRATIONS_WRITE))]
ConfigRead = Annotated[Principal, Depends(require(Scope.CONFIG_READ))]
ConfigWrite = Annotated[Principal, Depends(require(Scope.CONFIG_WRITE))]
AutomationsRead = Annotated[Principal, Depends(require(Scope.AUTOMATIONS_READ))]
AutomationsWrite = Annotated[Principal, Depends(require(Scope.AUTOMATIONS_WRITE))]
CrmRead = Annotated[Principal, Depends(require(Scope.CRM_READ))]
CrmWrite = Annotated[Principal, Depends(require(Scope.CRM_WRITE))]
KeysAdmin = Annotated[Principal, Depends(require(Scope.KEYS_ADMIN))]
