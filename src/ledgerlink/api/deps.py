"""Dependencies of every route: the hub, a database session, and the caller's scopes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, get_args, get_origin

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.auth import service as auth_service
from ledgerlink.auth.scopes import Scope
from ledgerlink.auth.service import Principal
from ledgerlink.errors import InputError, MissingScopeError, Unauthenticated
from ledgerlink.hub import Hub

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer llk_…`")


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
            raise MissingScopeError(scope.value, [s.value for s in principal.scopes])
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


def _query_names(dependant: Dependant) -> dict[str, bool]:
    """Every query parameter a route (with its dependencies) declares, and whether it is a
    list (which may be repeated: `?status=a&status=b`)."""
    names = {p.alias: _is_list(p.field_info.annotation) for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _is_list(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    return any(_is_list(arg) for arg in get_args(annotation)) if origin is not None else False


async def refuse_unknown_query(request: Request) -> None:
    """A query parameter the route does not declare is refused, naming it: a misspelt filter
    (`?staus=won`) must not silently return everything."""
    route = request.scope.get("route")
    # Probes (/health, /ready) take whatever a load balancer adds (`?_=cache-buster`), and
    # routes outside the API's contract (the OAuth callback) take what the provider sends.
    if not isinstance(route, APIRoute) or not request.query_params or "health" in route.tags \
            or not route.include_in_schema:
        return
    known = _query_names(route.dependant)
    given = request.query_params.keys()
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise InputError(f"{unknown[0]!r} is not a query parameter of this route"
                         + (f"; it takes {', '.join(sorted(known))}" if known else
                            "; it takes none"), field=unknown[0],
                         details={"unknown": unknown, "allowed": sorted(known)})
    # `?limit=1&limit=500` would silently keep one of them.
    twice = sorted(n for n in set(given)
                   if not known[n] and len(request.query_params.getlist(n)) > 1)
    if twice:
        raise InputError(f"{twice[0]!r} is given more than once; give it once",
                         field=twice[0], details={"repeated": twice})
