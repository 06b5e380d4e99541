"""The console as an app of its own, and `install_console`, which puts it in front of the API.

The console posts HTML forms and answers HTML, where the API takes and answers JSON only (its
RequestLimits middleware refuses any other body, and its errors are JSON). So the console is
a separate FastAPI app, reached through a small dispatcher placed in front of the API's
middleware: `/` and `/console…` go to the console, everything else (the OAuth callback
included) to the API. The console has its own body limit, its own error pages, no OpenAPI.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerlink.errors import LedgerlinkError
from ledgerlink.hub import Hub
from ledgerlink.web import routes_auth, routes_connect, routes_integrations, routes_keys
from ledgerlink.web.deps import CsrfRefused, SignInRequired
from ledgerlink.web.render import problem, redirect
from ledgerlink.web.security import Console

log = logging.getLogger("ledgerlink.web")
STATIC = Path(__file__).parent / "static"
MAX_FORM_BYTES = 64 * 1024  # the largest console form (a token) is a few kilobytes
PREFIX = "/console"

_WHAT_TO_DO = {
    400: "Check what you entered and try again.",
    404: "Go back to the integrations list; it may have been removed.",
    409: "Reload the page to see its current state, then try again.",
    422: "Correct what you entered and try again.",
    429: "Xero's call limit was reached: wait a minute, then try again.",
    502: "Xero refused or failed the request: try again shortly; if it persists, reconnect.",
    503: "The database did not answer: try again shortly.",
    504: "Xero did not answer: try again shortly.",
}


def build_console(hub: Hub, console: Console | None = None) -> FastAPI:
    """The console app (routes, static files, error pages) for this hub."""
    app = FastAPI(title="ledgerlink console", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = console or Console(hub)
    app.state.hub = hub
    for module in (routes_auth, routes_integrations, routes_connect, routes_keys):
        app.include_router(module.router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="console-static")

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, exc: SignInRequired) -> Response:
        return redirect(f"{PREFIX}/sign-in?" + urlencode({"next": exc.next_path}))

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return problem("Form refused", "This form was refused: it did not carry this "
                       "session's security token, or it came from another site.",
                       "Go back, reload the page and submit the form again.", 403)

    @app.exception_handler(LedgerlinkError)
    async def ledgerlink_error(request: Request, exc: LedgerlinkError) -> Response:
        # The services' messages are written for people and never carry a secret.
        log.info("console %s %s: %s", request.method, request.url.path, exc.code)
        return problem("That did not work", exc.message,
                       _WHAT_TO_DO.get(exc.status, "Try again; if it persists, check the "
                                                   "hub's log."), exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return problem("Page not found", "There is no console page at this address.",
                           "Use the links above.", 404)
        return problem("Request refused", str(exc.detail), "Go back and try again.",
                       exc.status_code)

    return app


class ConsoleDispatch:
    """ASGI middleware: `/` and `/console…` to the console app, the rest to the API."""

    def __init__(self, app: ASGIApp, console: ASGIApp) -> None:
        self.app = app
        self.console = console

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == "/" or path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_FORM_BYTES:
            await PlainTextResponse("The form is too large.", 413)(scope, receive, send)
            return
        received = 0

        async def bounded() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_FORM_BYTES:
                raise StarletteHTTPException(413, "The form is too large.")
            return message

        await self.console(scope, bounded, send)


def install_console(app: FastAPI, console: Console | None = None) -> None:
    """Serve the console at /console (and / redirecting to it) in front of the API's `app`."""
    hub: Hub = app.state.hub
    app.add_middleware(ConsoleDispatch, console=build_console(hub, console))
