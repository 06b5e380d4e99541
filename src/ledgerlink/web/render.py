"""Rendering console pages: the jinja2 environment and the headers every page carries."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse

# No script runs, nothing is framed or cached, nothing loads from another origin. Forms may
# only post here; `form-action` also covers the redirect a form answers with, so the origin
# of Xero's consent page is added where the page holds the Connect button (see `headers`).
_CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'{extra}")
# same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on the console's
# own form posts, and the Origin check (deps.same_origin) would refuse them. Other sites (Xero)
# still get no Referer.
BASE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin",
                "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"}


def headers(form_targets: tuple[str, ...] = ()) -> dict[str, str]:
    """The security headers of a page (`form_targets`: other origins its forms lead to)."""
    extra = "".join(f" {origin}" for origin in form_targets)
    return {**BASE_HEADERS, "Content-Security-Policy": _CSP.replace("{extra}", extra)}


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Templates from the package, autoescaped; an unknown variable is an error, not blank."""
    env = Environment(loader=PackageLoader("ledgerlink.web", "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined)
    env.filters["when"] = _when
    return env


def page(template: str, status: int = 200, form_targets: tuple[str, ...] = (),
         **context: Any) -> HTMLResponse:
    """A rendered page with the console's headers."""
    context.setdefault("csrf", "")
    context.setdefault("signed_in", bool(context["csrf"]))
    context.setdefault("notice", None)
    context.setdefault("error", None)
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=headers(form_targets))


def redirect(url: str) -> RedirectResponse:
    """303 See Other: after a form, the browser GETs the next page."""
    return RedirectResponse(url, status_code=303, headers=BASE_HEADERS)


def problem(title: str, message: str, what_to_do: str, status: int, csrf: str = "",
            back: str = "/console") -> HTMLResponse:
    """A page saying what went wrong and what to do."""
    return page("problem.html", status=status, csrf=csrf, title=title, message=message,
                what_to_do=what_to_do, back=back)
