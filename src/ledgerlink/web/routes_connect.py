"""Connecting Xero from the console: the sign-in button, the organisation choice, a custom
connection and a personal access token (each also reconnects an existing integration)."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

import pydantic
from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from ledgerlink.db.base import utcnow
from ledgerlink.hub import Hub
from ledgerlink.oauth import repository as pending_store
from ledgerlink.oauth import service as oauth
from ledgerlink.oauth.schemas import Connected, CustomConnection, Organisation, PatConnection
from ledgerlink.oauth.service_direct import connect_custom, connect_pat
from ledgerlink.providers.xero.oauth import AUTHORIZE_URL, XeroConnection
from ledgerlink.web.deps import FormDep, Visitor, VisitorDep, hub_of, text
from ledgerlink.web.render import page, problem, redirect

router = APIRouter()
START_AGAIN = "Start connecting again from the Connect page."


def xero_origin(hub: Hub) -> tuple[str, ...]:
    """The origin of Xero's consent page (the emulator's in development)."""
    url = hub.settings.xero_identity_url or AUTHORIZE_URL
    parts = urlsplit(url)
    return (f"{parts.scheme}://{parts.netloc}",)


def _connect_page(request: Request, who: Visitor, *, status: int = 200,
                  error: str | None = None, client_id: str = "", tenant_id: str = "") -> Response:
    return page("connect.html", status=status, csrf=who.csrf, title="Connect Xero",
                error=error, client_id=client_id, tenant_id=tenant_id,
                form_targets=xero_origin(hub_of(request)))


def _connected(who: Visitor, done: Connected) -> Response:
    return page("connected.html", csrf=who.csrf, title="Xero connected", done=done)


def _invalid(exc: pydantic.ValidationError) -> str:
    """The fields a form got wrong, without echoing what was typed (it may be a secret)."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in error["loc"]) or "form"
        parts.append(f"{where.replace('_', ' ')}: {error['msg']}")
    return "; ".join(parts)


@router.get("/console/connect")
async def connect_page(request: Request, who: VisitorDep) -> Response:
    """The three ways to connect an organisation."""
    return _connect_page(request, who)


@router.post("/console/connect/xero")
async def connect_xero(request: Request, who: VisitorDep, form: FormDep) -> Response:
    """Send the browser to Xero's consent page; the callback comes back to this browser."""
    started = await oauth.start(hub_of(request), browser_session=who.cookie)
    return redirect(started.authorize_url)


def _reconnecting(form: FormData) -> str | None:
    return text(form, "integration_id", 64) or None


@router.post("/console/connect/custom")
async def connect_custom_connection(request: Request, who: VisitorDep,
                                    form: FormDep) -> Response:
    """A custom connection's client id and secret, tried at Xero before anything is kept."""
    client_id = text(form, "client_id", 400)
    try:
        wanted = CustomConnection.model_validate(
            {"client_id": client_id, "client_secret": text(form, "client_secret", 1000)})
    except pydantic.ValidationError as exc:
        return _connect_page(request, who, status=422, error=_invalid(exc),
                             client_id=client_id)
    done = await connect_custom(hub_of(request), wanted, integration_id=_reconnecting(form))
    return _connected(who, done)


@router.post("/console/connect/pat")
async def connect_personal_token(request: Request, who: VisitorDep, form: FormDep) -> Response:
    """A personal access token with the organisation it was generated for."""
    tenant_id = text(form, "tenant_id", 100)
    try:
        wanted = PatConnection.model_validate({"tenant_id": tenant_id,
                                               "token": text(form, "token", 8192)})
    except pydantic.ValidationError as exc:
        return _connect_page(request, who, status=422, error=_invalid(exc),
                             tenant_id=tenant_id)
    done = await connect_pat(hub_of(request), wanted, integration_id=_reconnecting(form))
    return _connected(who, done)


async def _offer(hub: Hub, authorization_id: str, who: Visitor) -> list[Organisation] | str:
    """The organisations a consent of this browser covered, or why there is no choice."""
    async with hub.db.session() as session:
        pending = await pending_store.get(session, authorization_id[:64])
        same = pending is not None and hmac.compare_digest(
            pending.browser_session_hash, hashlib.sha256(who.cookie.encode()).hexdigest())
        if pending is None or not same:
            return "There is no sign-in awaiting a choice with this address in this browser."
        if pending.stage != "awaiting_choice":
            return "This choice was already made, or the sign-in failed."
        if pending.expires_at <= utcnow():
            return "This sign-in expired before a choice was made."
        found = [XeroConnection.model_validate(c) for c in pending.connections or []]
        existing = await pending_store.integrations_of_tenants(
            session, [c.tenant_id for c in found])
    return [Organisation(tenant_id=c.tenant_id, tenant_name=c.tenant_name,
                         tenant_type=c.tenant_type,
                         integration_id=existing[c.tenant_id].id if c.tenant_id in existing
                         else None,
                         integration_status=existing[c.tenant_id].status
                         if c.tenant_id in existing else None) for c in found]


@router.get("/console/connect/choose/{authorization_id}")
async def choose_page(request: Request, authorization_id: str, who: VisitorDep) -> Response:
    """Tick the organisations that become integrations."""
    offer = await _offer(hub_of(request), authorization_id, who)
    if isinstance(offer, str):
        return problem("Nothing to choose", offer, START_AGAIN, 404, csrf=who.csrf,
                       back="/console/connect")
    return page("choose.html", csrf=who.csrf, title="Choose the organisations to connect",
                organisations=offer, authorization_id=authorization_id)


@router.post("/console/connect/choose/{authorization_id}")
async def choose(request: Request, authorization_id: str, who: VisitorDep,
                 form: FormDep) -> Response:
    """Connect the ticked organisations only."""
    chosen = [v for v in form.getlist("tenant_id") if isinstance(v, str)][:100]
    if not chosen:
        offer = await _offer(hub_of(request), authorization_id, who)
        if isinstance(offer, str):
            return problem("Nothing to choose", offer, START_AGAIN, 404, csrf=who.csrf,
                           back="/console/connect")
        return page("choose.html", status=422, csrf=who.csrf, organisations=offer,
                    title="Choose the organisations to connect",
                    authorization_id=authorization_id,
                    error="Tick at least one organisation to connect.")
    done = await oauth.complete(hub_of(request), authorization_id=authorization_id,
                                browser_session=who.cookie, tenant_ids=chosen)
    return _connected(who, done)

