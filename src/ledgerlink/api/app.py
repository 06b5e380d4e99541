"""create_app(): the hub's FastAPI application with its routers and error handlers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict

from ledgerlink import __version__
from ledgerlink.api import errors
from ledgerlink.api.deps import HubDep, get_principal, refuse_unknown_query
from ledgerlink.api.docs import install_docs
from ledgerlink.api.limits import RequestLimits
from ledgerlink.api.middleware import CatchAll
from ledgerlink.api.responses import error_codes, error_responses
from ledgerlink.config import Settings, get_settings
from ledgerlink.errors import UnavailableError
from ledgerlink.hub import Hub
from ledgerlink.integrations.upkeep import upkeep_running

DESCRIPTION = """
ledgerlink's REST API: list your integrations, query them read-only, run actions on them
(create a Xero invoice from a deal and email it), keep connection configuration, partner
functions and automations, and manage the CRM records the actions read.

Authenticate with an API key: `Authorization: Bearer llk_…` (create one with
`ledgerlink keys create --name NAME --scopes integrations:read,integrations:write`).
Errors are JSON: `{"error": {"code": "...", "message": "...", "field": "...", "details": {}}}`
(`field` is null when no single field is at fault). The codes: {codes}.

Secrets are never returned: client secrets and tokens are masked to their last 4 characters.
"""

public = APIRouter(tags=["health"])


class Health(BaseModel):
    """The process is up."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok",
                                                               "version": "0.1.0"}]})

    status: str
    version: str


@public.get("/health", summary="Liveness check", response_model=Health)
async def health() -> Health:
    """Always answers while the process runs (no authentication)."""
    return Health(status="ok", version=__version__)


class Ready(BaseModel):
    """The process is up and its database answers."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ready",
                                                               "database": "ok"}]})

    status: str
    database: str


@public.get("/ready", summary="Readiness check", response_model=Ready,
            responses=error_responses(503, d503="The database does not answer: not ready, "
                                      "retry after `Retry-After` seconds"))
async def ready(hub: HubDep) -> Ready:
    """Ready when the database answers `SELECT 1` within 2 s (no authentication); else 503."""
    problem = await hub.database_ready()
    if problem is not None:
        logging.getLogger("ledgerlink.api").warning("not ready: the database %s", problem)
        raise UnavailableError("The database does not answer; retry shortly.", retry_after=5,
                               details={"database": "unavailable"})
    return Ready(status="ready", database="ok")


def create_app(settings: Settings | None = None, hub: Hub | None = None) -> FastAPI:
    """Build the API; tests pass their own settings or hub."""
    from ledgerlink.auth.endpoints import router as keys
    from ledgerlink.automations.endpoints import router as automations
    from ledgerlink.connections.endpoints import router as connections
    from ledgerlink.crm.endpoints import router as crm
    from ledgerlink.integrations.actions_endpoints import router as actions
    from ledgerlink.integrations.endpoints import router as integrations
    from ledgerlink.oauth.endpoints import public_router as oauth_public
    from ledgerlink.web.app import install_console

    the_hub = hub or Hub.from_settings(settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with upkeep_running(the_hub):
            yield
        if hub is None:  # a hub passed in belongs to the caller
            await the_hub.close()

    app = FastAPI(title="ledgerlink", version=__version__,
                  description=DESCRIPTION.replace("{codes}", error_codes()), lifespan=lifespan,
                  generate_unique_id_function=_operation_id,
                  dependencies=[Depends(refuse_unknown_query)],
                  docs_url=None, redoc_url=None)  # served offline by install_docs
    app.state.hub = the_hub
    errors.install(app)
    install_docs(app)
    app.add_middleware(CatchAll)
    app.add_middleware(RequestLimits, max_body_bytes=the_hub.settings.max_body_bytes)
    for router in (public, oauth_public, integrations, actions, connections, automations, crm,
                   keys):
        _document_shared_errors(router)
        app.include_router(router)
    install_console(app)
    return app


def _operation_id(route: APIRoute) -> str:
    """The route function's name (`list_integrations`): short and stable for generators."""
    return route.name


def _authenticated(dependant: Dependant) -> bool:
    """Whether the route (through any of its dependencies) checks the API key."""
    return dependant.call is get_principal or any(_authenticated(d)
                                                  for d in dependant.dependencies)


def _document_shared_errors(router: APIRouter) -> None:
    """The answers every route of a kind shares are said here, once: an authenticated route's
    401 and 403, and (from RequestLimits) a route taking a body's 400, 413 and 415."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        shared: tuple[int, ...] = (401, 403) if _authenticated(route.dependant) else ()
        if route.body_field is not None:
            shared += (400, 413, 415)
        for code, response in error_responses(*shared).items():
            route.responses.setdefault(code, response)
