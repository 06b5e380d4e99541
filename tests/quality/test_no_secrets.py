"""No secret in any API response or log line, over a full run of the hub.

The run connects the demo organisation from a real consent's tokens, creates and revokes API
keys, walks a CRM flow, updates configuration, stores partner functions and automations, runs
every query (one after an expiry that forces a token refresh), runs actions (one emailing a
branded invoice through a real SMTP server with a password), provokes errors, and reads every
GET route. Every response's status line, headers and body, and every log record (all loggers at
DEBUG, the root included) must hold none of the secrets, whole or as a 20-character piece.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr

from ledgerlink.api.app import create_app
from ledgerlink.auth import service as auth_service
from ledgerlink.auth.scopes import Scope
from ledgerlink.config import Settings
from ledgerlink.emulator.core.server import RunningEmulator, free_port
from ledgerlink.hub import Hub
from tests.hub_fixtures import KeyMaker, bearer
from tests.quality.support import connect_demo, consent, hub_settings, unlimited_budget

pytestmark = pytest.mark.timeout(120)
PIECE = 20  # no 20-character piece of a secret may appear either
# The fake Xero and its server log on their side of the wire; they are not the hub.
NOT_THE_HUB = ("ledgerlink.emulator", "uvicorn", "mail.log", "aiosmtpd")


class Mailbox:
    """A local SMTP server's inbox; it insists on the configured user and password."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()
        self.messages: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session,  # aiosmtpd's hook name
                          envelope: Envelope) -> str:
        """Keep the message."""
        self.messages.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                     auth_data: Any) -> AuthResult:
        """Accept exactly the hub's configured login."""
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            self.user, self.password)
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, emulator: RunningEmulator) -> Settings:
    """Every secret setting set; outgoing mail to a local server that requires the password."""
    base = hub_settings(database_url, tmp_path, emulator)
    return base.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": free_port(),
                                   "smtp_timeout": 5.0})


@pytest.fixture
def mailbox(settings: Settings) -> Iterator[Mailbox]:
    """The SMTP server the hub sends through (AUTH without TLS, on loopback)."""
    assert settings.smtp_username and settings.smtp_password
    box = Mailbox(settings.smtp_username, settings.smtp_password.get_secret_value())
    controller = Controller(box, hostname="127.0.0.1", port=settings.smtp_port,
                            authenticator=box.authenticate, auth_require_tls=False)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


class Recorder:
    """Every response the API gave: status line, headers and body."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __call__(self, response: httpx.Response) -> None:
        await response.aread()
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.multi_items())
        self.seen.append(f"{response.request.method} {response.request.url} -> "
                         f"{response.status_code}\n{headers}\n{response.text}")


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every logger, the root included, at DEBUG."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _secrets(settings: Settings, token: dict[str, Any], api_keys: list[str],
             refreshed: list[str]) -> dict[str, str]:
    def value(secret: SecretStr | None) -> str:
        assert secret is not None
        return secret.get_secret_value()

    found = {"access token": token["access_token"], "refresh token": token["refresh_token"],
             "client secret": value(settings.xero_client_secret),
             "webhook key": value(settings.xero_webhook_key),
             "SMTP password": value(settings.smtp_password),
             "API key pepper": value(settings.api_key_pepper)}
    for n, key in enumerate(value(settings.secret_keys).split(",")):
        found[f"Fernet key {n}"] = key
    for n, key in enumerate(api_keys):
        found[f"API key {n}"] = key
    for n, secret in enumerate(refreshed):
        found[f"refreshed token {n}"] = secret
    return found


def _pieces(secret: str) -> list[str]:
    # A JWT's header and claims start like every other JWT's: only its signature is secret.
    text = secret.rsplit(".", 1)[1] if secret.count(".") == 2 else secret
    return [text[i:i + PIECE] for i in range(0, max(1, len(text) - PIECE + 1))]


def _leaks(haystack: str, secrets: dict[str, str]) -> list[str]:
    out = []
    for label, secret in secrets.items():
        if secret in haystack:
            out.append(f"{label} (whole)")
        elif any(piece in haystack for piece in _pieces(secret)):
            out.append(f"{label} (a {PIECE}-character piece)")
    return out


async def _crm_flow(api: httpx.AsyncClient) -> dict[str, str]:
    """Customer, contact, product, deal with a line, default email configuration."""
    customer = (await api.post("/api/v1/customers", json={
        "name": "Tasman Surf Co", "email": "accounts@tasmansurf.example"})).json()
    person = (await api.post("/api/v1/crm-contacts", json={
        "first_name": "Aroha", "last_name": "Ngata", "email": "aroha@tasmansurf.example",
        "customer_id": customer["id"]})).json()
    product = (await api.post("/api/v1/products", json={
        "name": "Board wax (case)", "code": "WAX-C", "unit_price": "120.00",
        "account_code": "200", "tax_type": "OUTPUT2"})).json()
    deal = (await api.post("/api/v1/deals", json={
        "title": "Summer stock", "customer_id": customer["id"],
        "primary_contact_id": person["id"], "reference": "PO-77"})).json()
    line = (await api.post(f"/api/v1/deals/{deal['id']}/products", json={
        "product_id": product["id"], "quantity": "3"})).json()
    config = (await api.post("/api/v1/email-configurations", json={
        "name": "Invoices", "from_email": "billing@tasmansurf.example",
        "company_name": "Tasman Surf Co", "is_default": True})).json()
    patched = await api.patch(f"/api/v1/customers/{customer['id']}", json={"phone": "+64 9 555"})
    assert patched.status_code == 200, patched.text
    return {"customer_id": customer["id"], "contact_id": person["id"],
            "product_id": product["id"], "deal_id": deal["id"], "deal_product_id": line["id"],
            "config_id": config["id"]}


async def _configuration(api: httpx.AsyncClient, integration_id: str) -> dict[str, str]:
    """Configuration update, a partner function and an automation that runs it."""
    base = f"/api/v3/integration/{integration_id}"
    changed = await api.put(f"{base}/configuration", json={"integration": {"account": {
        "export": {"customer_account_to_xero_enabled": False}}}})
    assert changed.status_code in (200, 422), changed.text
    function = (await api.post(f"{base}/partner-function", json={"partner_function": {
        "name": "Import suppliers", "direction": "IMPORT", "object_name": "supplier"}})).json()
    function_id = function["partner_function"]["uuid"]
    automation = await api.post(f"{base}/automation", json={"integration_automation": {
        "name": "nightly", "automation_type": "timerBased", "direction": "IMPORT",
        "perform_function": function_id, "check_on": "daily", "custom_time": "02:00"}})
    assert automation.status_code == 201, automation.text
    return {"partner_function_uuid": function_id,
            "automation_uuid": automation.json()["integration_automation"]["uuid"]}


async def _queries(api: httpx.AsyncClient, integration_id: str) -> None:
    """Every query type, with the seed's parameters."""
    url = f"/api/v1/integrations/{integration_id}/query"
    contacts = (await api.post(url, json={"query_type": "xero_contacts"})).json()["data"]
    contact = contacts[0]["ContactID"]
    for query_type, params in (
            ("xero_contact_detail", {"contact_id": contact}), ("xero_accounts", {}),
            ("xero_tax_rates", {}), ("xero_invoices", {"statuses": ["AUTHORISED"]}),
            ("xero_invoices_by_contact", {"contact_id": contact}),
            ("xero_profit_and_loss", {"fromDate": "2026-01-01", "to_date": "2026-06-30"}),
            ("xero_balance_sheet", {"date": "2026-06-30"}),
            ("xero_aged_receivables", {"contact_id": contact}),
            ("xero_aged_payables", {"contact_id": contact}),
            ("xero_aged_receivables_summary", {}), ("xero_aged_payables_summary", {})):
        answer = await api.post(url, json={"query_type": query_type, "params": params})
        assert answer.status_code == 200, (query_type, answer.text)


async def _actions(api: httpx.AsyncClient, integration_id: str, ids: dict[str, str]) -> None:
    """A contact, then the deal's invoice emailed as a branded email (SMTP with a password)."""
    url = f"/api/v1/integrations/{integration_id}/action"
    made = await api.post(url, json={"action_type": "xero_create_contact",
                                     "params": {"customer_id": ids["customer_id"]}})
    assert made.status_code == 200, made.text
    invoice = await api.post(url, headers={"Idempotency-Key": "quality-invoice-1"}, json={
        "action_type": "xero_create_invoice", "params": {
            "deal_id": ids["deal_id"], "status": "AUTHORISED", "email_mode": "trustpager"}})
    assert invoice.status_code == 200, invoice.text
    assert invoice.json()["data"]["email"]["sent"] is True
    again = await api.post(url, headers={"Idempotency-Key": "quality-invoice-1"}, json={
        "action_type": "xero_create_invoice", "params": {
            "deal_id": ids["deal_id"], "status": "AUTHORISED", "email_mode": "trustpager"}})
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    ids["run_id"] = invoice.json()["action_run_id"]


async def _errors(api: httpx.AsyncClient, integration_id: str, revoked: str) -> None:
    """Failures answer too: 401, 403, 404, 422 and a malformed body."""
    assert (await api.get("/api/v1/integrations", headers=bearer(revoked))).status_code == 401
    assert (await api.get("/api/v1/integrations",
                          headers={"Authorization": "Bearer llk_wrong"})).status_code == 401
    missing = await api.get("/api/v1/integrations/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    bad = await api.post(f"/api/v1/integrations/{integration_id}/query",
                         json={"query_type": "xero_everything"})
    assert bad.status_code == 422
    broken = await api.post(f"/api/v1/integrations/{integration_id}/query", content=b"{",
                            headers={"Content-Type": "application/json"})
    assert broken.status_code == 400


async def _every_get(api: httpx.AsyncClient, ids: dict[str, str]) -> int:
    """Every GET route of the OpenAPI document, with real ids."""
    spec = (await api.get("/openapi.json")).json()
    count = 0
    for path, item in spec["paths"].items():
        if "get" not in item:
            continue
        url = re.sub(r"\{([^}]+)\}", lambda m: ids[m.group(1)], path)
        answer = await api.get(url)
        assert answer.status_code == 200, (path, answer.text)
        count += 1
    for extra in ("/docs", "/redoc"):
        assert (await api.get(extra)).status_code == 200
    return count


async def _refresh_tokens(hub: Hub, emulator: RunningEmulator, api: httpx.AsyncClient,
                          integration_id: str) -> list[str]:
    """Let the access token expire at Xero, query (the hub refreshes), and read the new pair."""
    async with httpx.AsyncClient(base_url=emulator.base_url) as control:
        (await control.post("/_emulator/clock", json={"advance_days": 2})).raise_for_status()
    try:
        answer = await api.post(f"/api/v1/integrations/{integration_id}/query",
                                json={"query_type": "xero_tax_rates"})
        assert answer.status_code == 200, answer.text
    finally:
        async with httpx.AsyncClient(base_url=emulator.base_url) as control:
            await control.post("/_emulator/clock", json={"reset": True})
    from ledgerlink.integrations.repository import get_integration

    async with hub.db.session() as session:
        integration = await get_integration(session, integration_id)
        assert integration is not None and integration.grant is not None
        pair = [hub.box.decrypt(integration.grant.access_token_enc),
                hub.box.decrypt(integration.grant.refresh_token_enc)]
    return [secret for secret in pair if secret]


async def test_no_secret_in_responses_or_logs(hub: Hub, settings: Settings,
                                              emulator: RunningEmulator, make_key: KeyMaker,
                                              mailbox: Mailbox,
                                              debug_logs: pytest.LogCaptureFixture) -> None:
    logging.getLogger("ledgerlink.quality").debug("capture is on")
    unlimited_budget(hub)
    token = await consent(emulator)
    integration_id = await connect_demo(hub, emulator, token)
    admin = await make_key(*Scope, name="quality admin")
    reader = await make_key(Scope.INTEGRATIONS_READ, name="quality reader")
    async with hub.db.session() as session:
        doomed = await auth_service.create_key(session, "doomed", {Scope.CRM_READ}, hub.pepper)
    async with hub.db.session() as session:
        await auth_service.revoke_key(session, doomed.key.id)

    recorder = Recorder()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(hub=hub)),
                                 base_url="http://hub.test", headers=bearer(admin),
                                 event_hooks={"response": [recorder]}) as api:
        ids = await _crm_flow(api)
        ids.update(await _configuration(api, integration_id))
        ids.update({"integration_id": integration_id, "integration_uuid": integration_id,
                    "connection_uuid": integration_id, "key_id": doomed.key.id})
        await _queries(api, integration_id)
        await _actions(api, integration_id, ids)
        refreshed = await _refresh_tokens(hub, emulator, api, integration_id)
        await _errors(api, integration_id, doomed.secret)
        denied = await api.post(f"/api/v1/integrations/{integration_id}/action",
                                headers=bearer(reader), json={"action_type": "x"})
        assert denied.status_code == 403
        gets = await _every_get(api, ids)

    assert mailbox.messages, "the branded email was sent through the SMTP server"
    assert refreshed and refreshed[0] != token["access_token"], "the hub refreshed its tokens"
    assert gets >= 20 and len(recorder.seen) >= 50, (gets, len(recorder.seen))
    secrets = _secrets(settings, token, [admin, reader, doomed.secret], refreshed)
    leaks = [f"response {n}: {', '.join(found)}\n{seen[:300]}"
             for n, seen in enumerate(recorder.seen) if (found := _leaks(seen, secrets))]
    records = [r for r in debug_logs.records if not r.name.startswith(NOT_THE_HUB)]
    assert any(r.name == "ledgerlink.quality" for r in records), "DEBUG capture works"
    for record in records:
        text = record.getMessage() + (debug_logs.handler.format(record) if record.exc_info
                                      else "")
        if found := _leaks(text, secrets):
            leaks.append(f"log {record.name} {record.levelname}: {', '.join(found)}\n{text[:300]}")
    assert not leaks, "\n\n".join(leaks)


def test_the_scan_finds_whole_secrets_and_pieces() -> None:
    secrets = {"key": "K" * 10 + "0123456789abcdefghijXYZ",
               "jwt": "eyJhbGciOi.eyJpc3Mi.c2lnbmF0dXJlLXNlY3JldC1wYXJ0"}
    assert _leaks("…" + secrets["key"] + "…", secrets) == ["key (whole)"]
    assert _leaks("x 0123456789abcdefghij y", secrets) == ["key (a 20-character piece)"]
    assert _leaks("eyJhbGciOi.eyJpc3Mi.other", secrets) == []  # a JWT header is not secret
    assert _leaks("c2lnbmF0dXJlLXNlY3JldC1w", secrets) == ["jwt (a 20-character piece)"]
