"""The small server-rendered page that says how a Xero sign-in ended (the console wraps it)."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape

from ledgerlink.oauth.schemas import AwaitingChoice, CallbackOutcome, Connected

# The callback's address carries the code and state: no page of it may leak them onward, be
# cached, or be framed by another site.
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                      "frame-ancestors 'none'"}


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=PackageLoader("ledgerlink.oauth", "templates"),
                       autoescape=select_autoescape(["html"]))


def title_of(outcome: CallbackOutcome) -> str:
    """The page's heading."""
    if isinstance(outcome, Connected):
        return "Xero connected"
    if isinstance(outcome, AwaitingChoice):
        return "Choose the organisations to connect"
    return "Xero was not connected"


def render_callback(outcome: CallbackOutcome) -> tuple[str, int]:
    """The page's HTML and HTTP status."""
    html = _environment().get_template("callback.html").render(outcome=outcome,
                                                               title=title_of(outcome))
    status = outcome.status if not isinstance(outcome, Connected | AwaitingChoice) else 200
    return html, status
