"""HTTP wiring of the emulated identity service: parse the request, call, serialise the answer."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ledgerlink.emulator.core.router import NoRoute, Router, WrongMethod
from ledgerlink.emulator.xero import wire
from ledgerlink.emulator.xero.errors import BadRequest, MethodNotAllowed, NotFound, XeroError
from ledgerlink.emulator.xero.identity_authorize import (
    JWKS_PATH,
    AuthRedirect,
    AuthRequest,
    ConsentError,
)
from ledgerlink.emulator.xero.identity_pages import AUTHORIZE_PATH, consent_page, error_page
from ledgerlink.emulator.xero.identity_tokens import GRANT_TYPES, OAuthError, parse_basic

if TYPE_CHECKING:
    from ledgerlink.emulator.xero.identity import IdentityService

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def build_router(service: IdentityService) -> Router:
    """The identity routes, all on one host."""
    routes = IdentityRoutes(service)
    router = Router()
    router.add("GET", AUTHORIZE_PATH, routes.authorize, operation="authorize")
    router.add("POST", AUTHORIZE_PATH, routes.consent, operation="consent")
    router.add("POST", "/connect/token", routes.token, operation="token")
    router.add("POST", "/connect/revocation", routes.revocation, operation="revokeToken")
    router.add("GET", "/connections", routes.get_connections, operation="getConnections")
    router.add("DELETE", "/connections/{id}", routes.delete_connection,
               operation="deleteConnection")
    for prefix in ("", "/identity"):
        router.add("GET", f"{prefix}/.well-known/openid-configuration", routes.discovery,
                   operation="openidConfiguration")
        router.add("GET", f"{prefix}{JWKS_PATH}", routes.jwks, operation="jwks")
    return router


def _token_operation(form: dict[str, str]) -> str:
    """How /_emulator/calls names a token request: `token:<grant_type>`."""
    grant = form.get("grant_type", "")
    return f"token:{grant if grant in GRANT_TYPES else 'other'}"


def _client_of(form: dict[str, str], authorization: str | None) -> str:
    """The client id a token or revocation request names (Basic header first)."""
    try:
        basic = parse_basic(authorization)
    except OAuthError:
        return ""
    return basic[0] if basic is not None else form.get("client_id", "")


def _first_values(items: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """A multi-dict as plain strings, first value winning (files are ignored)."""
    out: dict[str, str] = {}
    for key, value in items:
        if isinstance(value, str):
            out.setdefault(key, value)
    return out


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # Compact, as identity.xero.com answers: xero-python matches the exact error text.
    body = json.dumps(payload, separators=(",", ":"))
    return Response(body, status_code=status, headers=headers,
                    media_type="application/json")


def _redirect(location: str) -> Response:
    return RedirectResponse(location, status_code=302)


class IdentityRoutes:
    """Handlers with the `(request, params) -> Response` signature the dispatcher calls."""

    def __init__(self, service: IdentityService) -> None:
        self.service = service

    async def authorize(self, request: Request, params: dict[str, str]) -> Response:
        """GET authorize: the consent page, or a redirect straight back under auto-consent."""
        query = _first_values(request.query_params.multi_items())
        try:
            auth = self.service.authorization_request(query)
        except ConsentError as exc:
            return HTMLResponse(error_page(exc.error, exc.message), status_code=400)
        except AuthRedirect as exc:
            return _redirect(exc.location)
        if self.service.auto_consent(query):
            return _redirect(self.service.approve(auth, self.service.default_tenants()))
        return self._page(auth, set(self.service.default_tenants()[:1]))

    async def consent(self, request: Request, params: dict[str, str]) -> Response:
        """POST authorize: the person's Allow or Deny with the organisations ticked."""
        form = await request.form()
        fields = _first_values(form.multi_items())
        ticked = [v for v in form.getlist("tenant_id") if isinstance(v, str)]
        try:
            auth = self.service.authorization_request(fields)
        except ConsentError as exc:
            return HTMLResponse(error_page(exc.error, exc.message), status_code=400)
        except AuthRedirect as exc:
            return _redirect(exc.location)
        if fields.get("decision") == "deny":
            return _redirect(self.service.deny(auth))
        chosen = self.service.known_tenants(ticked)
        if not chosen:
            return self._page(auth, set(), "Choose at least one organisation to connect.")
        return _redirect(self.service.approve(auth, chosen))

    def _page(self, auth: AuthRequest, checked: set[str], message: str | None = None
              ) -> Response:
        html = consent_page(auth, self.service.organisations(), checked,
                            self.service.user.email, message)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def token(self, request: Request, params: dict[str, str]) -> Response:
        """POST /connect/token for the three grants."""
        form = _first_values((await request.form()).multi_items())
        header = request.headers.get("authorization")
        # Counted before any check, as accounting calls are: a refused refresh is a call too.
        self.service.record_call(_client_of(form, header), _token_operation(form))
        return _json(self.service.token(form, parse_basic(header)), headers=NO_STORE)

    async def revocation(self, request: Request, params: dict[str, str]) -> Response:
        """POST /connect/revocation: 200 with an empty body."""
        form = _first_values((await request.form()).multi_items())
        header = request.headers.get("authorization")
        self.service.record_call(_client_of(form, header), "revokeToken")
        self.service.revoke(form, parse_basic(header))
        return Response(b"", status_code=200)

    async def get_connections(self, request: Request, params: dict[str, str]) -> Response:
        """GET /Connections: a bare JSON array, optionally filtered by authEventId."""
        grant = self.service.authenticate(request.headers.get("authorization"))
        self.service.record_call(grant.app.client_id, "getConnections")
        raw = request.query_params.get("authEventId")
        event = wire.parse_guid(raw) if raw else None
        if raw and event is None:
            raise BadRequest("authEventId must be a GUID")
        return _json(self.service.connections(grant, event))

    async def delete_connection(self, request: Request, params: dict[str, str]) -> Response:
        """DELETE /Connections/{id}: 204, or 404 when this user has no such connection."""
        grant = self.service.authenticate(request.headers.get("authorization"))
        self.service.record_call(grant.app.client_id, "deleteConnection")
        connection_id = wire.parse_guid(params["id"])
        if connection_id is None or not self.service.disconnect(grant, connection_id):
            raise NotFound()
        return Response(status_code=204)

    async def discovery(self, request: Request, params: dict[str, str]) -> Response:
        """OpenID discovery, so OAuth libraries can find the endpoints by themselves."""
        return _json(self.service.discovery())

    async def jwks(self, request: Request, params: dict[str, str]) -> Response:
        """The public key set that verifies id_tokens."""
        return _json(self.service.jwks())


def render_error(exc: XeroError) -> Response:
    """A XeroError (or OAuthError) as its wire response."""
    body = exc.body()
    content = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
    return Response(content, status_code=exc.status, headers=exc.headers(),
                    media_type=exc.content_type.split(";")[0])


async def dispatch(router: Router, request: Request) -> Response:
    """Match a request on a router of `(request, params)` handlers and render XeroErrors."""
    try:
        route, params = router.match(request.method, request.url.path)
        response: Response = await route.handler(request, params)
        return response
    except NoRoute:
        return render_error(NotFound())
    except WrongMethod as exc:
        response = render_error(MethodNotAllowed(f"Allowed: {exc}"))
        response.headers["Allow"] = ", ".join(exc.allowed)
        return response
    except XeroError as exc:
        return render_error(exc)
