"""Interactive API docs served offline: Swagger UI 5 at /docs and ReDoc at /redoc, own assets."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
ASSETS_URL = "/docs/assets"
# fastapi-offline's wheel carries Swagger UI 5 (swagger-ui-bundle.js, swagger-ui.css), ReDoc 2
# (redoc.standalone.js) and a favicon: installed with the package, nothing fetched at run time.
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"

SWAGGER_PARAMETERS = {
    # Swagger UI's default validator is validator.swagger.io: it would send the schema's URL
    # off-site. Null turns it off.
    "validatorUrl": None,
}

# The docs pages may load and call only their own origin. Should an asset reach for the
# internet, the browser refuses instead of leaking the visit: ReDoc 2 always loads Redocly's
# logo from cdn.redoc.ly (no option turns it off; the image hides itself when refused).
# The one inline script (Swagger UI's start-up) is allowed by its hash, not by 'unsafe-inline';
# Swagger UI and ReDoc set inline styles and draw icons from data: URIs; ReDoc searches in a
# worker it starts from a blob: URL.
_POLICY = ("default-src 'none'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
           "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
           "worker-src 'self' blob:; base-uri 'none'; form-action 'none'; "
           "frame-ancestors 'none'")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def install_docs(app: FastAPI) -> None:
    """Serve /docs, /redoc and their assets from the installed package, no CDN.

    The app must be created with `docs_url=None, redoc_url=None`: FastAPI's own pages load
    Swagger UI and ReDoc from jsDelivr, and would take the paths first.
    """
    if app.docs_url is not None or app.redoc_url is not None:
        raise ValueError("create the app with docs_url=None, redoc_url=None: FastAPI's own "
                         "docs pages load their assets from a CDN")
    openapi_url = app.openapi_url
    if openapi_url is None:
        raise ValueError("the app publishes no OpenAPI document for the docs to show")
    title = html.escape(app.title)
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root_path(request)
        page = get_swagger_ui_html(
            openapi_url=root + openapi_url, title=f"{title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            # The API authenticates with bearer keys: no OAuth2 flow to come back to.
            oauth2_redirect_url=None,
            swagger_ui_parameters={**SWAGGER_PARAMETERS, **(app.swagger_ui_parameters or {})})
        return _confined(page)

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = _root_path(request)
        page = get_redoc_html(
            openapi_url=root + openapi_url, title=f"{title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False)  # the fonts would come from fonts.googleapis.com
        return _confined(page)


def _root_path(request: Request) -> str:
    """The prefix a proxy mounts the app under (as FastAPI's own docs pages honour it)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def _confined(page: HTMLResponse) -> HTMLResponse:
    """The page with a Content-Security-Policy that keeps it on its own origin."""
    text = bytes(page.body).decode()
    hashes = " ".join(_hash_source(script) for script in _INLINE_SCRIPT.findall(text))
    return HTMLResponse(text, headers={
        "Content-Security-Policy": _POLICY.format(scripts=hashes),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer"})


def _hash_source(script: str) -> str:
    """A CSP source allowing exactly this inline script."""
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return f"'sha256-{digest}'"
