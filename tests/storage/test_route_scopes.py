"""Every route of create_app() needs a key (401) and its scope (403), checked with every scope.

The walk is generic: routes added later are covered without touching this file. A route
must carry one of the `require_*` dependencies of api/deps.py (IntegrationsRead, ...) unless
it is listed in PUBLIC below; a route with neither fails the test.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, routing
from fastapi.dependencies.models import Dependant
from starlette.convertors import FloatConvertor, IntegerConvertor

from ledgerlink.api import errors
from ledgerlink.api.app import create_app
from ledgerlink.api.deps import IntegrationsWrite
from ledgerlink.auth.scopes import Scope, expand
from ledgerlink.hub import Hub
from tests.hub_fixtures import KeyMaker, bearer

pytestmark = pytest.mark.timeout(120)

# Routes anyone may call. Adding one here is a security decision: say why in the review.
# /ready: load balancers probe it without a key; it answers only "ready" or 503, no details.
# /docs/assets: the docs pages' Swagger UI and ReDoc files (api/docs.py), public like /docs.
PUBLIC = {"/health", "/ready", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc",
          "/docs/assets/{path}", "/oauth/xero/callback"}
BY_DEPENDENCY = {f"require_{s.value.replace(':', '_')}": s for s in Scope}
SKIPPED_METHODS = {"HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Endpoint:
    """One method of one route, with the scopes its dependencies require."""

    method: str
    path_format: str
    path: str  # with dummy parameters
    scopes: frozenset[Scope]


def _route_contexts(app: FastAPI) -> Iterator[Any]:
    """Every route, with routers included into the app flattened (old and new FastAPI)."""
    flatten = getattr(routing, "iter_route_contexts", None)
    yield from (flatten(app.routes) if flatten else app.routes)


def _scopes(dependant: Dependant | None) -> set[Scope]:
    """The scopes named by `require_*` dependencies anywhere in the dependency tree."""
    if dependant is None:
        return set()
    found = set()
    for sub in dependant.dependencies:
        scope = BY_DEPENDENCY.get(getattr(sub.call, "__name__", ""))
        if scope is not None:
            found.add(scope)
        found |= _scopes(sub)
    return found


def _dummy_path(path_format: str, convertors: dict[str, Any]) -> str:
    values = {}
    for name, convertor in convertors.items():
        numeric = isinstance(convertor, IntegerConvertor | FloatConvertor)
        values[name] = "1" if numeric else str(uuid.uuid4())
    return path_format.format(**values)


def walk(app: FastAPI) -> tuple[list[Endpoint], list[str]]:
    """The protected endpoints, and the routes that are neither public nor protected."""
    endpoints, unprotected = [], []
    for route in _route_contexts(app):
        path_format = str(getattr(route, "path_format", None) or getattr(route, "path", ""))
        if path_format in PUBLIC:
            continue
        methods = sorted(set(getattr(route, "methods", None) or ()) - SKIPPED_METHODS)
        scopes = _scopes(getattr(route, "dependant", None))
        if not scopes or not methods:
            unprotected.append(f"{','.join(methods) or type(route).__name__} {path_format}")
            continue
        path = _dummy_path(path_format, dict(getattr(route, "param_convertors", {}) or {}))
        endpoints += [Endpoint(m, path_format, path, frozenset(scopes)) for m in methods]
    return endpoints, unprotected


async def _call(http: httpx.AsyncClient, endpoint: Endpoint,
                secret: str | None) -> tuple[int, dict[str, Any]]:
    headers = bearer(secret) if secret else {}
    body: dict[str, Any] | None = {} if endpoint.method in ("POST", "PUT", "PATCH") else None
    response = await http.request(endpoint.method, endpoint.path, headers=headers, json=body)
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    return response.status_code, error if isinstance(error, dict) else {}


async def _check_endpoint(http: httpx.AsyncClient, endpoint: Endpoint,
                          keys: dict[Scope | None, str]) -> list[str]:
    """No key and an unknown key get 401; each key gets 403 naming a missing scope, or in."""
    where = f"{endpoint.method} {endpoint.path_format}"
    callers: list[tuple[str, Scope | None, str | None]] = [
        ("no key", None, None), ("an unknown key", None, "llk_not-a-real-key"),
        *((f"key with {s.value if s else 'every scope'}", s, k) for s, k in keys.items())]
    answers = await asyncio.gather(*(_call(http, endpoint, secret) for *_, secret in callers))
    problems = []
    for (who, scope, secret), (status, error) in zip(callers, answers, strict=True):
        if secret is None or secret not in keys.values():
            if (status, error.get("code")) != (401, "unauthenticated"):
                problems.append(f"{where} with {who}: {status} {error.get('code')}, not 401")
            continue
        missing = endpoint.scopes - (expand({scope}) if scope else set(Scope))
        if not missing:
            if status in (401, 403):
                problems.append(f"{where} {who}: refused ({status} {error})")
            continue
        named = error.get("details", {}).get("required_scope")
        if (status != 403 or error.get("code") != "missing_scope"
                or named not in {s.value for s in missing}
                or str(named) not in error.get("message", "")):
            problems.append(f"{where} {who}: {status} {error}, expected 403 missing_scope "
                            f"naming {sorted(s.value for s in missing)}")
    return problems


async def check(app: FastAPI, make_key: KeyMaker) -> tuple[list[str], int]:
    """Problems found (empty when every route behaves) and how many endpoints were walked."""
    endpoints, unprotected = walk(app)
    problems = [f"{r}: no require_* scope dependency and not in PUBLIC" for r in unprotected]
    keys: dict[Scope | None, str] = {
        scope: await make_key(scope, name=f"only {scope.value}") for scope in Scope}
    keys[None] = await make_key(*Scope, name="every scope")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        for endpoint in endpoints:
            problems += await _check_endpoint(http, endpoint, keys)
    return problems, len(endpoints)


async def test_every_route_needs_a_key_and_its_scope(hub: Hub, make_key: KeyMaker) -> None:
    problems, walked = await check(create_app(hub=hub), make_key)
    assert not problems, f"{len(problems)} problems over {walked} endpoints:\n" + "\n".join(
        problems)


async def test_the_walk_catches_a_route_without_a_scope(hub: Hub, make_key: KeyMaker) -> None:
    """The walker itself: an unprotected route is reported; implied scopes are honoured."""
    app = FastAPI()  # just the two routes below, wired like create_app's
    app.state.hub = hub
    errors.install(app)
    extra = APIRouter()

    @extra.get("/api/v1/_walk/{thing_id}")
    async def protected(thing_id: uuid.UUID, principal: IntegrationsWrite) -> dict[str, str]:
        return {"ok": str(thing_id)}

    @extra.post("/api/v1/_walk/open")
    async def forgotten() -> dict[str, str]:
        return {"ok": "anyone"}

    app.include_router(extra)
    endpoints, unprotected = walk(app)
    assert unprotected == ["POST /api/v1/_walk/open"]
    mine = [e for e in endpoints if e.path_format == "/api/v1/_walk/{thing_id}"]
    assert [(e.method, e.scopes) for e in mine] == [("GET", frozenset({Scope.INTEGRATIONS_WRITE}))]
    assert uuid.UUID(mine[0].path.rsplit("/", 1)[1])

    problems, _ = await check(app, make_key)
    assert problems == ["POST /api/v1/_walk/open: no require_* scope dependency and not in "
                        "PUBLIC"]
    # integrations:read does not imply write: refused, naming the scope; write itself passes.
    assert not [p for p in problems if "_walk/{thing_id}" in p]
