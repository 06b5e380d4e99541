"""The public routes of the connect flows: Xero's redirect back to the hub after consent.

Mounted on the public router (no API key: the browser arrives from Xero). The sign-in is
bound to the browser by the console's session cookie, which must therefore be sent on this
top-level cross-site navigation: the console sets it `SameSite=Lax` (not Strict), HttpOnly.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ledgerlink.api.deps import HubDep
from ledgerlink.oauth import service
from ledgerlink.oauth.pages import HEADERS, render_callback

BROWSER_SESSION_COOKIE = "ledgerlink_session"
CALLBACK_PARAMETERS = ("code", "state", "error")

# Browser pages, not API operations: kept out of the OpenAPI document.
public_router = APIRouter(tags=["oauth"], include_in_schema=False)


@public_router.get(service.CALLBACK_PATH, response_class=HTMLResponse)
async def xero_callback(request: Request, hub: HubDep, code: str | None = None,
                       state: str | None = None, error: str | None = None,
                       error_description: str | None = None, scope: str | None = None,
                       session_state: str | None = None) -> HTMLResponse:
    """Where Xero sends the person back: a page saying what was connected, or what went wrong
    and what to do. Parameters are read as sent (a malformed one is a page, not a 422); the
    ones Xero sends are declared so the API's unknown-query check lets them through."""
    params = {name: request.query_params.get(name) or "" for name in CALLBACK_PARAMETERS}
    outcome = await service.handle_callback(
        hub, browser_session=request.cookies.get(BROWSER_SESSION_COOKIE), params=params)
    html, status = render_callback(outcome)
    return HTMLResponse(html, status_code=status, headers=HEADERS)
