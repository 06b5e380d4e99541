"""The emulator's ASGI application: identity, accounting API and control plane on one host."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.faults import Decision
from ledgerlink.emulator.core.router import NoRoute, Router, WrongMethod
from ledgerlink.emulator.xero import wire
from ledgerlink.emulator.xero.call import Call
from ledgerlink.emulator.xero.errors import (
    Forbidden,
    MethodNotAllowed,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    XeroError,
)
from ledgerlink.emulator.xero.idempotency import StoredResponse, fingerprint
from ledgerlink.emulator.xero.state import Emulator

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

API_PREFIX = "/api.xro/2.0"
WRITE_METHODS = {"PUT", "POST", "DELETE"}
log = logging.getLogger("ledgerlink.emulator")


class ConnectionAborted(Exception):
    """Raised after the response has started so the server drops the connection mid-answer."""


def render_error(exc: XeroError, extra_headers: dict[str, str] | None = None) -> Response:
    """A XeroError as its wire response."""
    body = exc.body()
    content = body if isinstance(body, str) else \
        json.dumps(body, separators=(",", ":"), default=wire.to_wire)
    headers = {**exc.headers(), **(extra_headers or {})}
    return Response(content, status_code=exc.status, headers=headers,
                    media_type=exc.content_type.split(";")[0])


def render(result: Any, request_id: str) -> Response:
    """A handler's result: a Response as is, a dict as Xero JSON, None as 204."""
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status_code=204)
    return Response(wire.dumps(result), media_type="application/json; charset=utf-8",
                    headers={"Xero-Correlation-Id": request_id})


class EmulatorApp:
    """ASGI callable; `emulator` holds the state, routers hold the operations."""

    def __init__(self, emulator: Emulator) -> None:
        from ledgerlink.emulator.core.control import control_router
        from ledgerlink.emulator.xero.routes import accounting_router

        self.emulator = emulator
        self.control = control_router(emulator)
        self.identity = emulator.identity.router()
        self.accounting: Router = accounting_router()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        path: str = scope["path"]
        lowered = path.lower()
        response: Response | None
        if lowered.startswith("/_emulator"):
            response = await self._plain(self.control, request, path)
        elif lowered.startswith(API_PREFIX):
            response = await self._accounting(request, path[len(API_PREFIX):], send)
            if response is None:
                return
        else:
            response = await self._plain(self.identity, request, path)
        await response(scope, receive, send)

    async def _plain(self, router: Router, request: Request, path: str) -> Response:
        try:
            route, params = router.match(request.method, path)
            result: Response = await route.handler(request, params)
            return result
        except NoRoute:
            return render_error(NotFound())
        except WrongMethod as exc:
            return _not_allowed(exc)
        except XeroError as exc:
            return render_error(exc)

    async def _accounting(self, request: Request, path: str, send: Send) -> Response | None:
        emu = self.emulator
        request_id = emu.ids.guid()
        try:
            route, params = self.accounting.match(request.method, path)
        except NoRoute:
            return render_error(NotFound())
        except WrongMethod as exc:
            return _not_allowed(exc)
        try:
            grant = emu.identity.authenticate(request.headers.get("authorization"))
            org = self._tenant(request, grant)
            scope_check(route.meta.get("scope"), request.method, grant.scopes)
            lease = emu.limiter.acquire(grant.app.client_id, org.tenant_id)
        except XeroError as exc:
            return render_error(exc)
        try:
            body = await request.body()
            call = Call(emu, request, params, org, grant, request_id, route.operation, body)
            response = await self._run(call, route.handler, send)
            if response is not None:
                response.headers.update(lease.headers())
            return response
        finally:
            lease.release()

    async def _run(self, call: Call, handler: Any, send: Send) -> Response | None:
        emu, request = self.emulator, call.request
        is_write = request.method in WRITE_METHODS
        emu.calls[(call.org.tenant_id, call.operation)] += 1
        decision = emu.faults.decide(call.operation, is_write)
        if decision is Decision.ERROR_5XX:
            return render_error(ServiceUnavailable("The Xero API is temporarily unavailable"))
        if decision is Decision.RATE_429:
            return render_error(RateLimited("minute", 1))
        if decision is Decision.RESET_BEFORE:
            await _abort(send)
            return None
        if emu.config.latency_ms:
            await asyncio.sleep(emu.config.latency_ms / 1000)
        key = request.headers.get("idempotency-key") if is_write else None
        stored = await self._idempotent(call, key, handler)
        response = Response(stored.body, status_code=stored.status,
                            headers=dict(stored.headers))
        if decision is Decision.RESET_AFTER:
            await _abort(send)
            return None
        if decision is Decision.TIMEOUT_AFTER:
            await asyncio.sleep(emu.faults.settings.timeout_seconds)
        return response

    async def _idempotent(self, call: Call, key: str | None, handler: Any) -> StoredResponse:
        emu = self.emulator
        if not key:
            return await _invoke(call, handler)
        fp = fingerprint(call.request.method, call.request.url.path.lower(),
                         str(call.request.url.query), call.body_bytes)
        try:
            replay = await emu.idempotency.begin(call.org.tenant_id, key, fp)
        except XeroError as exc:
            return _stored(render_error(exc))
        if replay is not None:
            return replay
        stored: StoredResponse | None = None
        try:
            stored = await _invoke(call, handler)
            return stored
        finally:
            keep = stored if stored is not None and stored.status < 500 else None
            emu.idempotency.finish(call.org.tenant_id, key, keep)

    def _tenant(self, request: Request, grant: Any) -> Any:
        emu = self.emulator
        raw = request.headers.get("xero-tenant-id")
        if raw is None or raw.strip() == "":
            if grant.custom and grant.tenant_ids:
                raw = grant.tenant_ids[0]
            else:
                raise Forbidden("AuthorizationUnsuccessful")
        tenant_id = wire.parse_guid(raw)
        if tenant_id is None or tenant_id not in grant.tenant_ids or tenant_id not in emu.orgs:
            raise Forbidden("AuthenticationUnsuccessful")
        return emu.orgs[tenant_id]


def _not_allowed(exc: WrongMethod) -> Response:
    allowed = ", ".join(exc.allowed)
    return render_error(MethodNotAllowed(f"Allowed: {allowed}"), {"Allow": allowed})


async def _invoke(call: Call, handler: Any) -> StoredResponse:
    try:
        result = await handler(call)
        response = render(result, call.request_id)
    except XeroError as exc:
        response = render_error(exc)
    return _stored(response)


def _stored(response: Response) -> StoredResponse:
    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
    return StoredResponse(response.status_code, headers, bytes(response.body))


async def _abort(send: Send) -> None:
    """Start an answer and drop the connection, as a reset mid-response looks to a client."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")]})
    raise ConnectionAborted("fault injection: connection reset")


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


READ_SCOPES_OK = {"GET"}


def scope_check(required: str | None, method: str, scopes: set[str]) -> None:
    """Refuse with 403 when the token lacks the operation's scope (read twin or granular)."""
    if not required:
        return
    options = set(required.split("|"))
    if method.upper() in READ_SCOPES_OK:
        options |= {f"{s}.read" for s in options}
    if not options & scopes:
        raise Forbidden(f"The access token is missing a required scope: {required}")


def create_emulator(config: EmulatorConfig | None = None) -> tuple[Emulator, EmulatorApp]:
    """Build an emulator and its ASGI app (serve it with uvicorn or an ASGI transport)."""
    emulator = Emulator(config)
    return emulator, EmulatorApp(emulator)
