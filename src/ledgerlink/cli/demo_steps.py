"""What `ledgerlink demo` does with the servers: the second organisation, the console password,
the API key, the OAuth connection through the hub's own callback, and the API at work."""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx2

from ledgerlink.auth import service as auth_service
from ledgerlink.auth.scopes import Scope
from ledgerlink.hub import Hub
from ledgerlink.integrations import service as integrations
from ledgerlink.oauth import service as oauth
from ledgerlink.oauth.endpoints import BROWSER_SESSION_COOKIE
from ledgerlink.web import security

SECOND_ORG = "Tasman Timber Supplies Ltd"
PASSWORD_ALPHABET = string.ascii_letters + string.digits
TIMEOUT = 60.0


class StepFailed(Exception):
    """A demo step got an answer it should not have."""


@dataclass
class Access:
    """What the person gets to use the demo: the console password (when made now), a key."""

    password: str | None
    key: str
    key_id: str


def new_password() -> str:
    """A console password easy to copy: four groups of four letters and digits."""
    groups = ("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


def prepare_emulator(base_url: str, client_id: str, callback: str) -> str:
    """A second organisation (to connect from the console), and the hub's callback registered
    with the demo app; the second organisation's tenant id."""
    with httpx2.Client(base_url=base_url, timeout=TIMEOUT, trust_env=False) as control:
        made = control.post("/_emulator/tenants", json={"name": SECOND_ORG, "seed": "demo"})
        app = next(a for a in control.get("/_emulator/apps").json()
                   if a["client_id"] == client_id)
        if callback not in app["redirect_uris"]:
            control.post(f"/_emulator/apps/{client_id}",
                         json={"redirect_uris": [*app["redirect_uris"], callback]})
    if made.status_code != 201:
        raise StepFailed(f"the emulator did not make the second organisation: {made.text}")
    return str(made.json()["tenant_id"])


async def grant_access(hub: Hub) -> Access:
    """A console password when none is set yet, and a new API key with every scope."""
    password = None
    if not await security.password_is_set(hub):
        password = new_password()
        await security.set_password(hub, password)
    pepper = await hub.load_pepper()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    async with hub.db.session() as session:
        created = await auth_service.create_key(session, f"demo {stamp}", set(Scope), pepper)
    return Access(password, created.secret, created.key.id)


async def connect(hub: Hub, hub_url: str, tenant_id: str) -> str:
    """The console's Xero sign-in, with this process as the browser: start, Xero's consent (the
    emulator consents at once), then the hub's own callback over HTTP; the integration id."""
    browser_session = secrets.token_urlsafe(32)
    started = await oauth.start(hub, browser_session=browser_session)
    async with httpx2.AsyncClient(timeout=TIMEOUT, trust_env=False) as browser:
        consent = await browser.get(started.authorize_url + "&auto_consent=1")
        back = consent.headers.get("location", "")
        if consent.status_code != 302 or not back.startswith(hub_url):
            raise StepFailed(f"Xero's consent did not send the browser back to the hub "
                             f"({consent.status_code}): {consent.text[:300]}")
        page = await browser.get(back, cookies={BROWSER_SESSION_COOKIE: browser_session})
    if page.status_code != 200:
        raise StepFailed(f"the hub's callback refused the sign-in ({page.status_code})")
    async with hub.db.session() as session:
        for integration in await integrations.list_integrations(session):
            if integration.tenant_id == tenant_id and integration.status == "active":
                return integration.id
    raise StepFailed("the callback connected no integration for the demo organisation")


class Api:
    """The hub's REST API with the demo's key, failing loudly on an error answer."""

    def __init__(self, base_url: str, key: str) -> None:
        self.http = httpx2.Client(base_url=base_url, timeout=TIMEOUT, trust_env=False,
                                  headers={"Authorization": f"Bearer {key}"})

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call; the decoded JSON answer."""
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise StepFailed(f"{method} {path} → {response.status_code}: {response.text[:500]}")
        return response.json()

    def close(self) -> None:
        """Release the connections."""
        self.http.close()


def _id(record: dict[str, Any]) -> str:
    return str(record.get("id") or record.get("data", {}).get("id"))


def deal_for_invoice(api: Api) -> str:
    """A CRM customer, product and deal for the invoice action to turn into a Xero invoice."""
    customer = api.call("POST", "/api/v1/customers", json={
        "name": "Kereru Kitchens Ltd", "email": "accounts@kereru.example"})
    product = api.call("POST", "/api/v1/products", json={
        "name": "Kitchen refit", "code": "REFIT", "unit_price": "4200.00",
        "account_code": "200", "tax_type": "OUTPUT2", "category": "Services"})
    deal = api.call("POST", "/api/v1/deals", json={"title": "Kitchen refit",
                                                   "customer_id": _id(customer)})
    api.call("POST", f"/api/v1/deals/{_id(deal)}/products",
             json={"product_id": _id(product), "quantity": "1"})
    return _id(deal)


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(hub_url: str, password: str) -> None:
    """Sign in to the console with the printed password, as a browser fills in the form."""
    with httpx2.Client(base_url=hub_url, timeout=TIMEOUT, trust_env=False) as browser:
        form = browser.get("/console/sign-in")
        token = CSRF_RE.search(form.text)
        if form.status_code != 200 or token is None:
            raise StepFailed(f"the console's sign-in page did not load ({form.status_code})")
        answer = browser.post("/console/sign-in", data={
            "csrf_token": token.group(1), "password": password, "next": "/console"})
        if answer.status_code != 303:
            raise StepFailed(f"the console refused the printed password ({answer.status_code})")
