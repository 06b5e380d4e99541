"""Signing in and out of the console; the lock-out after repeated wrong passwords."""

from __future__ import annotations

import math
import secrets

from fastapi import APIRouter, Request
from starlette.responses import Response

from ledgerlink.web import security
from ledgerlink.web.deps import (
    CSRF_FIELD,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    FormDep,
    VisitorDep,
    client_address,
    console_of,
    hub_of,
    same_origin,
    secure_cookies,
)
from ledgerlink.web.render import page, redirect

router = APIRouter()
NO_PASSWORD = ("No admin password is set for this hub yet. On the host, run "
               "`ledgerlink admin set-password`, then sign in here.")


def _next(value: str | None) -> str:
    """Where to go after signing in: a console page of this site, never another site."""
    if value and value.startswith("/console") and not value.startswith("//") \
            and "\\" not in value and len(value) < 300:
        return value
    return "/console"


async def _form(request: Request, *, status: int = 200, error: str | None = None,
                next_path: str = "/console") -> Response:
    """The sign-in page with a fresh nonce cookie and the token bound to it."""
    console = console_of(request)
    nonce = secrets.token_urlsafe(24)
    has_password = await security.password_is_set(hub_of(request))
    response = page("sign_in.html", status=status, title="Sign in", error=error,
                    sign_in_token=await console.sign_in_token(nonce), next_path=next_path,
                    no_password=None if has_password else NO_PASSWORD)
    response.set_cookie(SIGN_IN_COOKIE, nonce, max_age=3600, path="/console", httponly=True,
                        samesite="strict", secure=secure_cookies(request))
    return response


@router.get("/console/sign-in")
async def sign_in_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form (a signed-in browser goes straight on)."""
    if await console_of(request).session_of(request.cookies.get(SESSION_COOKIE)):
        return redirect(_next(next))
    return await _form(request, next_path=_next(next))


@router.post("/console/sign-in")
async def sign_in(request: Request) -> Response:
    """Check the password: a session cookie, or the form again saying why not."""
    console = console_of(request)
    form = await request.form()
    token, password = form.get(CSRF_FIELD), form.get("password")
    next_path = _next(str(form.get("next") or ""))
    if not same_origin(request) or not await console.sign_in_token_ok(
            request.cookies.get(SIGN_IN_COOKIE), token if isinstance(token, str) else None):
        return await _form(request, status=403, next_path=next_path,
                           error="This sign-in form had expired or came from another site. "
                                 "It has been reloaded: enter the password again.")
    client = client_address(request)
    wait = await console.locked_for(client)
    if wait is not None:
        seconds = math.ceil(wait.total_seconds())
        return await _form(request, status=429, next_path=next_path,
                           error=f"Too many wrong passwords. Wait {seconds} seconds before "
                                 "trying again; each further failure doubles the wait.")
    if not await security.verify_password(console.hub, password if isinstance(password, str)
                                          else ""):
        await console.failed(client)
        return await _form(request, status=401, next_path=next_path,
                           error="That password is not right. After "
                                 f"{console.policy.threshold} wrong passwords sign-ins from "
                                 "this address must wait before trying again.")
    await console.succeeded(client)
    response = redirect(next_path)
    response.set_cookie(SESSION_COOKIE, await console.open_session(),
                        max_age=int(security.SESSION_LIFETIME.total_seconds()), path="/",
                        httponly=True, samesite="lax", secure=secure_cookies(request))
    response.delete_cookie(SIGN_IN_COOKIE, path="/console")
    return response


@router.post("/console/sign-out")
async def sign_out(request: Request, who: VisitorDep, form: FormDep) -> Response:
    """End the session here and in the database."""
    await console_of(request).close_session(who.session_id)
    response = redirect("/console/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=secure_cookies(request))
    return response
