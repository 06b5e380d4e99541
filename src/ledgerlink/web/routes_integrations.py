"""Integration pages: the list, one integration (configuration, functions, automations),
its aged receivables, disconnecting and reconnecting."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ledgerlink.oauth import service as oauth
from ledgerlink.oauth.service_disconnect import disconnect
from ledgerlink.web import charts, views
from ledgerlink.web.deps import CSRF_FIELD, FormDep, VisitorDep, hub_of
from ledgerlink.web.render import page, redirect

router = APIRouter()

NOTICES = {
    "saved": "The configuration was saved.",
    "disconnected": "The integration was disconnected. Its configuration and history are "
                    "kept; reconnect it to resume.",
    "connected": "Connected.",
}


def _notice(code: str | None) -> str | None:
    return NOTICES.get(code or "")


@router.get("/")
async def root() -> Response:
    """The hub's home page is the console."""
    return redirect("/console")


@router.get("/console")
async def integrations_page(request: Request, who: VisitorDep,
                            notice: str | None = None) -> Response:
    """Every integration with its status, kind, dates and call budget."""
    rows = await views.integration_rows(hub_of(request))
    return page("integrations.html", csrf=who.csrf, title="Integrations", rows=rows,
                notice=_notice(notice))


@router.get("/console/integrations/{integration_id}")
async def integration_page(request: Request, integration_id: str, who: VisitorDep,
                           notice: str | None = None) -> Response:
    """One integration: its configuration (editable), partner functions, automations and its
    latest provider calls."""
    found = await views.detail(hub_of(request), integration_id)
    return page("integration.html", csrf=who.csrf, title=found.row.organisation,
                detail=found, row=found.row, notice=_notice(notice))


@router.post("/console/integrations/{integration_id}/configuration")
async def save_configuration(request: Request, integration_id: str, who: VisitorDep,
                             form: FormDep) -> Response:
    """Store the flags as ticked (an unticked box turns its flag off)."""
    ticked = {key for key in form if key != CSRF_FIELD}
    await views.save_configuration(hub_of(request), integration_id, ticked)
    return redirect(f"/console/integrations/{integration_id}?notice=saved")


@router.post("/console/integrations/{integration_id}/disconnect")
async def disconnect_integration(request: Request, integration_id: str, who: VisitorDep,
                                 form: FormDep) -> Response:
    """Tell Xero, forget the tokens, keep everything else."""
    done = await disconnect(hub_of(request), integration_id)
    return page("disconnected.html", csrf=who.csrf, title="Disconnected", done=done,
                integration_id=integration_id)


@router.get("/console/integrations/{integration_id}/reconnect")
async def reconnect_page(request: Request, integration_id: str, who: VisitorDep) -> Response:
    """The ways to reconnect: Xero sign-in, custom connection, personal access token."""
    found = await views.detail(hub_of(request), integration_id)
    return page("reconnect.html", csrf=who.csrf, title=f"Reconnect {found.row.organisation}",
                row=found.row, form_targets=_xero_origin(request))


@router.post("/console/integrations/{integration_id}/reconnect/xero")
async def reconnect_xero(request: Request, integration_id: str, who: VisitorDep,
                         form: FormDep) -> Response:
    """A consent that must cover this integration's own organisation."""
    started = await oauth.start(hub_of(request), browser_session=who.cookie,
                                integration_id=integration_id)
    return redirect(started.authorize_url)


@router.get("/console/integrations/{integration_id}/receivables")
async def receivables_page(request: Request, integration_id: str, who: VisitorDep) -> Response:
    """The aged receivables: bucket bars and the top ten debtors, from Xero now."""
    found = await views.detail(hub_of(request), integration_id)
    picture = await charts.receivables(hub_of(request), integration_id)
    return page("receivables.html", csrf=who.csrf, title=f"Aged receivables · "
                f"{found.row.organisation}", row=found.row, picture=picture)


def _xero_origin(request: Request) -> tuple[str, ...]:
    """The origin of Xero's consent page (a Connect form's redirect leads there)."""
    from ledgerlink.web.routes_connect import xero_origin

    return xero_origin(hub_of(request))
