"""HTML of the emulated login site: the consent page and the error page (no external assets)."""

from __future__ import annotations

from functools import cache
from html import escape
from importlib import resources
from string import Template

from ledgerlink.emulator.xero.identity_authorize import AuthRequest

AUTHORIZE_PATH = "/identity/connect/authorize"

ERROR_PAGE = Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Error · Xero emulator</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f2f5f7; color: #1e3240; margin: 0; }
  main { max-width: 34rem; margin: 3rem auto; background: #fff; border-radius: 8px;
         padding: 2rem 2.25rem; box-shadow: 0 2px 12px rgba(0, 0, 0, .08); }
  h1 { font-size: 1.35rem; color: #8a1f11; }
  code { background: #f2f5f7; padding: .1rem .3rem; border-radius: 3px; }
</style></head>
<body><main><h1>Sorry, something went wrong</h1>
<p>$message</p><p>Error: <code>$error</code></p></main></body></html>
""")


@cache
def _consent_template() -> Template:
    text = resources.files("ledgerlink.emulator.xero").joinpath(
        "templates", "consent.html").read_text(encoding="utf-8")
    return Template(text)


def error_page(error: str, message: str) -> str:
    """The page shown when the request cannot safely be redirected back to the app."""
    return ERROR_PAGE.substitute(error=escape(error), message=escape(message))


def consent_page(request: AuthRequest, organisations: list[tuple[str, str]],
                 checked: set[str], user_email: str, message: str | None = None) -> str:
    """The consent form: pick organisations, then Allow or Deny."""
    app_name = escape(request.app.name)
    hidden = "\n    ".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
        for k, v in request.params.items())
    orgs = "\n      ".join(
        f'<label class="org"><input type="checkbox" name="tenant_id" value="{escape(tid)}"'
        f'{" checked" if tid in checked else ""}> {escape(name)}</label>'
        for tid, name in organisations) or '<p class="empty">No organisations to connect.</p>'
    scopes = "\n      ".join(f"<li>{escape(s)}</li>" for s in request.scopes)
    notice = f'<p class="message" role="alert">{escape(message)}</p>' if message else ""
    return _consent_template().substitute(
        title=f"Allow {app_name} to access your Xero data?", app_name=app_name,
        user_email=escape(user_email), message=notice, action=AUTHORIZE_PATH,
        hidden=hidden, orgs=orgs, scopes=scopes)
