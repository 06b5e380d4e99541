"""The console's request dependencies: who is signed in, and a form that passed its CSRF checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.datastructures import FormData

from ledgerlink.hub import Hub
from ledgerlink.oauth.endpoints import BROWSER_SESSION_COOKIE
from ledgerlink.web.security import Console

# The OAuth callback binds a sign-in to this very cookie, so it is the console's session.
SESSION_COOKIE = BROWSER_SESSION_COOKIE
SIGN_IN_COOKIE = "ledgerlink_sign_in"  # the pre-session nonce of the sign-in form
CSRF_FIELD = "csrf_token"


class SignInRequired(Exception):
    """No valid session: the browser is sent to the sign-in page."""

    def __init__(self, next_path: str = "/console") -> None:
        super().__init__("sign in first")
        self.next_path = next_path


class CsrfRefused(Exception):
    """A form without this session's token, or posted from another origin."""


def console_of(request: Request) -> Console:
    """The console state of this app."""
    console: Console = request.app.state.console
    return console


def hub_of(request: Request) -> Hub:
    """The hub the console serves."""
    return console_of(request).hub


def client_address(request: Request) -> str:
    """The address the request came from (the proxy's, behind one)."""
    return request.client.host if request.client else "unknown"


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure when the console is served over https."""
    return request.url.scheme == "https" or hub_of(request).settings.public_url.startswith(
        "https://")


@dataclass(frozen=True)
class Visitor:
    """The signed-in browser: its session id, its raw cookie (what the OAuth flows bind to)
    and the CSRF token its forms carry."""

    session_id: str
    cookie: str
    csrf: str


async def visitor(request: Request) -> Visitor:
    """The signed-in session, or SignInRequired (which redirects to the sign-in page)."""
    console = console_of(request)
    cookie = request.cookies.get(SESSION_COOKIE) or ""
    session_id = await console.session_of(cookie)
    if session_id is None:
        wanted = request.url.path if request.method == "GET" else "/console"
        raise SignInRequired(wanted)
    return Visitor(session_id, cookie, await console.csrf_token(session_id))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(request: Request) -> bool:
    """A POST's Origin (when the browser sends one) must be this console's own."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # older browsers; the CSRF token still has to match
    allowed = {_origin(str(request.base_url)), _origin(hub_of(request).settings.public_url)}
    return origin.lower() in allowed


async def checked_form(request: Request,
                       who: Annotated[Visitor, Depends(visitor)]) -> FormData:
    """The posted form, once its origin and CSRF token are this session's."""
    if not same_origin(request):
        raise CsrfRefused()
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not isinstance(token, str) or not await console_of(request).csrf_ok(who.session_id,
                                                                            token):
        raise CsrfRefused()
    return form


VisitorDep = Annotated[Visitor, Depends(visitor)]
FormDep = Annotated[FormData, Depends(checked_form)]


def text(form: FormData, name: str, limit: int = 4096) -> str:
    """A text field of a form ('' when absent or not text), cut to `limit` characters."""
    value = form.get(name)
    return value[:limit].strip() if isinstance(value, str) else ""
