"""The control plane under /_emulator/: reset, tenants, apps, PATs, clock, faults, webhooks."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ledgerlink.emulator.core.router import Router
from ledgerlink.emulator.xero import wire
from ledgerlink.emulator.xero.errors import BadRequest, NotFound

if TYPE_CHECKING:
    from ledgerlink.emulator.xero.state import Emulator


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise BadRequest("The control-plane body must be JSON", None) from None
    if not isinstance(data, dict):
        raise BadRequest("The control-plane body must be a JSON object", None)
    return data


def _org_summary(org: Any) -> dict[str, Any]:
    return {"tenant_id": org.tenant_id, "name": org.name, "country": org.country,
            "contacts": len(org.contacts), "invoices": len(org.invoices),
            "accounts": len(org.accounts), "items": len(org.items)}


def _grouped(counts: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """{outer: {operation: count}} from (outer, operation) counts, in sorted order."""
    out: dict[str, dict[str, int]] = {}
    for (outer, operation), count in sorted(counts.items()):
        out.setdefault(outer, {})[operation] = count
    return out


def _move_clock(emu: Emulator, data: dict[str, Any]) -> None:
    """Apply `set`, `advance_seconds` and `advance_days`, refusing what is not a time."""
    try:
        when = wire.parse_datetime(data["set"]) if "set" in data else None
        seconds = float(data.get("advance_seconds", 0)) + \
            float(data.get("advance_days", 0)) * 86400
    except (TypeError, ValueError):
        raise BadRequest("set must be a date or timestamp; advance_seconds and advance_days "
                         "must be numbers", None) from None
    if "set" in data and when is None:
        raise BadRequest("set must be a date or timestamp", None)
    if when is not None:
        emu.clock.set(when)
    emu.clock.advance(seconds)


def control_router(emu: Emulator) -> Router:
    """Routes that drive the emulator from tests, the demo and the CLI."""
    router = Router()

    async def info(request: Request, params: dict[str, str]) -> Response:
        return JSONResponse(emu.info())

    async def reset(request: Request, params: dict[str, str]) -> Response:
        data = await _json(request)
        seed = data.get("seed")
        if seed not in (None, "demo", "empty"):
            raise BadRequest("seed must be 'demo' or 'empty'", None)
        emu.reset(seed)
        return JSONResponse(emu.info())

    async def list_tenants(request: Request, params: dict[str, str]) -> Response:
        return JSONResponse([_org_summary(o) for o in emu.orgs.values()])

    async def create_tenant(request: Request, params: dict[str, str]) -> Response:
        data = await _json(request)
        seed = data.get("seed", "empty")
        if seed not in ("demo", "empty"):
            raise BadRequest("seed must be 'demo' or 'empty'", None)
        org = emu.create_org(str(data.get("name") or "New Organisation"),
                             str(data.get("country") or "NZ"), seed)
        return JSONResponse(_org_summary(org), status_code=201)

    async def list_apps(request: Request, params: dict[str, str]) -> Response:
        return JSONResponse([a.public() for a in emu.apps.values()])

    async def create_app(request: Request, params: dict[str, str]) -> Response:
        data = await _json(request)
        custom = data.get("custom_connection_tenant_id")
        if custom is not None and custom not in emu.orgs:
            raise BadRequest("custom_connection_tenant_id is not an organisation here", None)
        uris = data.get("redirect_uris") or []
        if not isinstance(uris, list):
            raise BadRequest("redirect_uris must be a list", None)
        app = emu.register_app(name=str(data.get("name") or "app"), redirect_uris=uris,
                               webhook_url=data.get("webhook_url"), custom_org_id=custom)
        if app.webhook_url:
            app.webhook_status = "PENDING_ITR"  # Xero delivers nothing before intent-to-receive
        return JSONResponse(app.public(), status_code=201)

    async def update_app(request: Request, params: dict[str, str]) -> Response:
        app = emu.apps.get(params["client_id"])
        if app is None:
            raise NotFound()
        data = await _json(request)
        if "webhook_url" in data:
            app.webhook_url = data["webhook_url"]
            app.webhook_status = "OK" if not app.webhook_url else "PENDING_ITR"
        if "redirect_uris" in data:
            app.redirect_uris = list(data["redirect_uris"])
        return JSONResponse(app.public())

    async def connect(request: Request, params: dict[str, str]) -> Response:
        data = await _json(request)
        app = emu.apps.get(str(data.get("client_id")))
        if app is None:
            raise BadRequest("client_id is not a registered app", None)
        tenants = data.get("tenant_ids") or [o.tenant_id for o in emu.orgs.values()]
        scopes = data.get("scopes") or ["openid", "profile", "email", "offline_access",
                                        "accounting.transactions", "accounting.contacts",
                                        "accounting.settings", "accounting.reports.read",
                                        "accounting.attachments"]
        return JSONResponse(emu.identity.connect(app, list(tenants), list(scopes)))

    async def issue_pat(request: Request, params: dict[str, str]) -> Response:
        # A person generating a personal access token for one organisation; the answer is
        # the only place the token is ever shown.
        data = await _json(request)
        tenant_id = data.get("tenant_id")
        if not isinstance(tenant_id, str) or tenant_id not in emu.orgs:
            raise BadRequest("tenant_id must name an organisation here", None)
        scopes, name = data.get("scopes"), data.get("name", "Personal access token")
        if scopes is not None and not (isinstance(scopes, list) and scopes
                                       and all(isinstance(s, str) and s for s in scopes)):
            raise BadRequest("scopes must be a non-empty list of scope names", None)
        if not isinstance(name, str) or not 0 < len(name) <= 200:
            raise BadRequest("name must be text of 1 to 200 characters", None)
        try:
            pat = emu.identity.pats.issue(tenant_id, now=emu.clock.time(), name=name,
                                          scopes=scopes,
                                          days=float(data.get("expires_in_days", 183)))
        except (TypeError, ValueError) as exc:
            raise BadRequest(str(exc), None) from None
        return JSONResponse({**pat.public(), "token": pat.token}, status_code=201)

    async def list_pats(request: Request, params: dict[str, str]) -> Response:
        return JSONResponse(emu.identity.pats.listing())

    async def revoke_pat(request: Request, params: dict[str, str]) -> Response:
        if not emu.identity.pats.revoke(params["pat_id"]):
            raise NotFound()
        return JSONResponse({"id": params["pat_id"], "revoked": True})

    async def clock(request: Request, params: dict[str, str]) -> Response:
        if request.method == "POST":
            data = await _json(request)
            _move_clock(emu, data)
            if data.get("reset"):
                emu.clock.reset()
        return JSONResponse({"now": emu.clock.now().isoformat()})

    async def faults(request: Request, params: dict[str, str]) -> Response:
        if request.method == "POST":
            data = await _json(request)
            try:
                emu.faults.configure(**data)
            except (TypeError, ValueError) as exc:
                raise BadRequest(str(exc), None) from None
        elif request.method == "DELETE":
            emu.faults.reset()
        return JSONResponse(emu.faults.to_dict())

    async def itr(request: Request, params: dict[str, str]) -> Response:
        if request.method == "GET":
            return JSONResponse(emu.webhooks.itr_results())
        data = await _json(request)
        client_id = str(data.get("client_id") or (emu.default_app and emu.default_app.client_id))
        if client_id not in emu.apps:
            raise BadRequest("client_id is not a registered app", None)
        return JSONResponse(await emu.webhooks.intent_to_receive(client_id))

    async def deliveries(request: Request, params: dict[str, str]) -> Response:
        if request.method == "POST":
            await emu.webhooks.flush()
        return JSONResponse(emu.webhooks.deliveries())

    async def calls(request: Request, params: dict[str, str]) -> Response:
        if request.method == "DELETE":
            emu.calls.clear()
            emu.identity.calls.clear()
        # `total` stays the accounting API's count; identity calls (token grants, revocation,
        # connections) are apart, by client id, so tests can count refreshes.
        identity = emu.identity.calls
        return JSONResponse({"total": sum(emu.calls.values()), "by_tenant": _grouped(emu.calls),
                             "identity": {"total": sum(identity.values()),
                                          "by_client": _grouped(identity)}})

    router.add("GET", "/_emulator/info", info)
    router.add("POST", "/_emulator/reset", reset)
    router.add("GET", "/_emulator/tenants", list_tenants)
    router.add("POST", "/_emulator/tenants", create_tenant)
    router.add("GET", "/_emulator/apps", list_apps)
    router.add("POST", "/_emulator/apps", create_app)
    router.add("POST", "/_emulator/apps/{client_id}", update_app)
    router.add("POST", "/_emulator/connect", connect)
    router.add("POST", "/_emulator/pat", issue_pat)
    router.add("GET", "/_emulator/pat", list_pats)
    router.add("DELETE", "/_emulator/pat/{pat_id}", revoke_pat)
    for method in ("GET", "POST"):
        router.add(method, "/_emulator/clock", clock)
        router.add(method, "/_emulator/webhooks/itr", itr)
        router.add(method, "/_emulator/webhooks/deliveries", deliveries)
    for method in ("GET", "POST", "DELETE"):
        router.add(method, "/_emulator/faults", faults)
    for method in ("GET", "DELETE"):
        router.add(method, "/_emulator/calls", calls)
    return router
