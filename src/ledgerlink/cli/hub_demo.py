"""`ledgerlink demo`: the emulator, the hub connected to it through OAuth, and the API at work."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import uvicorn
from pydantic import SecretStr
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ledgerlink.auth import service as auth_service
from ledgerlink.auth.scopes import Scope
from ledgerlink.cli.browser import ConsentForm, port_or_free
from ledgerlink.config import Settings
from ledgerlink.db.crypto import SecretBox
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, start_in_thread
from ledgerlink.http.auth import ConnectionKind
from ledgerlink.hub import Hub
from ledgerlink.integrations import service as integrations
from ledgerlink.providers.xero.oauth import XeroOAuth

SCOPES = ["openid", "profile", "email", "offline_access", "accounting.transactions",
          "accounting.contacts", "accounting.settings", "accounting.reports.read",
          "accounting.attachments"]


@dataclass
class Demo:
    """What the steps share."""

    console: Console
    emulator: RunningEmulator
    hub: Hub
    api_url: str
    key: str = ""
    integration_id: str = ""

    def ok(self, label: str, text: str) -> None:
        """One line per step."""
        self.console.print(f"[green]✓[/] [bold]{label:<12}[/] {escape(text)}", soft_wrap=True)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the hub's API with the demo key; fail loudly on an error answer."""
        headers = {"Authorization": f"Bearer {self.key}", **kwargs.pop("headers", {})}
        response = httpx2.request(method, self.api_url + path, headers=headers, timeout=60,
                                  **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} → {response.status_code}: {response.text}")
        return response.json()


async def _connect(demo: Demo, redirect_uri: str) -> None:
    """The authorization-code flow with PKCE, as the console will run it in a browser."""
    info = demo.emulator.emulator.info()
    oauth = XeroOAuth.for_base_url(demo.emulator.base_url, info["client_id"],
                                   info["client_secret"])
    verifier, _ = oauth.new_pkce()
    state = oauth.new_state()
    async with httpx2.AsyncClient() as browser:
        page = await browser.get(oauth.authorize_url(redirect_uri, SCOPES, state, verifier))
        form = ConsentForm(page.text)
        answer = await browser.post(f"{demo.emulator.base_url}/identity/connect/authorize",
                                    data={**form.hidden, "tenant_id": info["tenant_id"],
                                          "decision": "allow"})
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    if query.get("state") != [state]:
        raise RuntimeError("the consent came back with another state")
    try:
        tokens = await oauth.exchange_code(query["code"][0], redirect_uri, verifier)
        found = await oauth.connections(tokens.access_token)
    finally:
        await oauth.aclose()
    pepper = await demo.hub.load_pepper()  # before the session: it may take the write lock
    async with demo.hub.db.session() as session:
        made = await integrations.connect_xero(session, demo.hub, tokens, found,
                                               kind=ConnectionKind.OAUTH_AUTHORIZATION_CODE)
        created = await auth_service.create_key(session, "demo", set(Scope), pepper)
    demo.integration_id, demo.key = made[0].id, created.secret
    demo.ok("connect", f"authorize → consent → code (state, PKCE S256) → tokens → "
            f"/connections → integration {made[0].name}")


def _show_ageing(demo: Demo) -> None:
    body = demo.call("POST", f"/api/v1/integrations/{demo.integration_id}/query",
                     json={"query_type": "xero_aged_receivables_summary", "params": {}})
    data = body["data"]
    table = Table("customer", "current", "1–30", "31–60", "61–90", "90+", "total",
                  title=f"Aged receivables as at {data['as_at']} (top 5 of "
                        f"{len(data['contacts'])})")
    for row in data["contacts"][:5]:
        table.add_row(row["contact_name"], row["current"], row["days_1_30"], row["days_31_60"],
                      row["days_61_90"], row["days_90_plus"], row["total_outstanding"])
    demo.console.print(table)


def _invoice_from_deal(demo: Demo) -> None:
    customer = demo.call("POST", "/api/v1/customers", json={
        "name": "Kereru Kitchens Ltd", "email": "accounts@kereru.example"})
    product = demo.call("POST", "/api/v1/products", json={
        "name": "Kitchen refit", "code": "REFIT", "unit_price": "4200.00",
        "account_code": "200", "tax_type": "OUTPUT2", "category": "Services"})
    deal = demo.call("POST", "/api/v1/deals", json={"title": "Kitchen refit",
                                                    "customer_id": _id(customer)})
    demo.call("POST", f"/api/v1/deals/{_id(deal)}/products",
              json={"product_id": _id(product), "quantity": "1"})
    request = {"action_type": "xero_create_invoice",
               "params": {"deal_id": _id(deal), "status": "AUTHORISED"}}
    path = f"/api/v1/integrations/{demo.integration_id}/action"
    first = demo.call("POST", path, json=request, headers={"Idempotency-Key": "demo-invoice-1"})
    again = demo.call("POST", path, json=request, headers={"Idempotency-Key": "demo-invoice-1"})
    data = first["data"]
    same = "the same invoice" if again["data"] == data else "A DIFFERENT ANSWER"
    demo.ok("action", f"deal → Xero invoice {data.get('invoice_number')} for "
            f"{data.get('total')} ({'new' if data.get('contact_created') else 'existing'} "
            f"contact); repeating the request with its Idempotency-Key returned {same}")


def _id(record: dict[str, Any]) -> str:
    return str(record.get("id") or record.get("data", {}).get("id"))


def _start_hub(hub: Hub, port: int) -> tuple[uvicorn.Server, str]:
    from ledgerlink.api.app import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(hub=hub), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, f"http://127.0.0.1:{port}"


def _settings(data_dir: Path, emulator: RunningEmulator) -> Settings:
    info = emulator.emulator.info()
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "ledgerlink.db").unlink(missing_ok=True)
    return Settings(data_dir=data_dir, secret_keys=SecretStr(SecretBox.generate_key()),
                    xero_client_id=info["client_id"],
                    xero_client_secret=SecretStr(info["client_secret"]),
                    xero_api_url=emulator.api_url, xero_identity_url=emulator.base_url)


def run_demo(emulator_port: int = 8766, hub_port: int = 8765, keep_running: bool = False,
             data_dir: Path = Path(".data/demo")) -> int:
    """Run the hub demo; 0 on success."""
    from ledgerlink.db.migrate import upgrade_sync

    console = Console()
    emulator = start_in_thread(EmulatorConfig(seed="demo"), port=port_or_free(emulator_port))
    settings = _settings(data_dir, emulator)
    upgrade_sync(settings.resolved_database_url())
    hub = Hub.from_settings(settings)
    server, api_url = _start_hub(hub, port_or_free(hub_port))
    demo = Demo(console, emulator, hub, api_url)
    try:
        console.print(f"Xero emulator {emulator.base_url} · ledgerlink API {api_url} · "
                      f"database {settings.resolved_database_url()}", soft_wrap=True)
        asyncio.run(_connect(demo, emulator.emulator.info()["redirect_uris"][0]))
        listed = demo.call("GET", "/api/v1/integrations")["data"]
        demo.ok("integrations", json.dumps([{k: i[k] for k in ("name", "status")}
                                            for i in listed]))
        _show_ageing(demo)
        _invoice_from_deal(demo)
        _footer(demo)
        if keep_running:
            console.print("Running; press Ctrl-C to stop.")
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    except Exception as exc:  # the demo reports any failure as one clear line
        console.print(f"[red]✗ demo failed:[/] {escape(str(exc))}")
        return 1
    finally:
        server.should_exit = True
        emulator.stop()
    return 0


def _footer(demo: Demo) -> None:
    base = f"{demo.api_url}/api/v1/integrations/{demo.integration_id}"
    demo.console.print(
        f"\nAPI key (shown once): [bold]{demo.key}[/]\nOpenAPI: {demo.api_url}/docs\n"
        f"Try:\n  curl -H 'Authorization: Bearer {demo.key}' {demo.api_url}/api/v1/integrations"
        f"\n  curl -H 'Authorization: Bearer {demo.key}' -H 'Content-Type: application/json' "
        f"-d '{{\"query_type\": \"xero_invoices\", \"params\": {{\"statuses\": "
        f"[\"AUTHORISED\"]}}}}' {base}/query\n"
        "Run `ledgerlink demo --keep-running` to keep both servers up.", soft_wrap=True)
