"""`ledgerlink demo`: start the emulator and tour its demo organisation with Xero's official SDK."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from ledgerlink.cli.browser import ConsentForm, port_or_free
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, start_in_thread

try:  # xero-python is a dev dependency (make demo installs it); run_tour says when it is missing
    from xero_python import accounting as xa
    from xero_python.api_client import ApiClient, Configuration
    from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
    from xero_python.identity import IdentityApi
except ImportError:  # pragma: no cover
    HAVE_SDK = False
else:
    HAVE_SDK = True

SCOPES = ("openid profile email offline_access accounting.transactions accounting.contacts "
          "accounting.settings accounting.reports.read accounting.attachments")
PAGE_SIZE = 1000
TOKEN_URL_ATTRS = ("refresh_token_url", "client_credentials_token_url", "revoke_token_url")


class TourError(Exception):
    """A step got an answer Xero would not have given."""


@dataclass
class Tour:
    """What the steps share: the emulator, an HTTP client, the SDK and what was learnt."""

    handle: RunningEmulator
    http: httpx2.Client
    console: Console
    info: dict[str, Any]
    tokens: dict[str, Any] = field(default_factory=dict)
    client: Any = None  # xero_python ApiClient
    api: Any = None  # xero_python AccountingApi
    tenant_id: str = ""
    invoices: list[Any] = field(default_factory=list)
    invoice: Any = None  # the invoice the tour creates

    def ok(self, label: str, text: str) -> None:
        """One line per step."""
        self.console.print(f"[green]✓[/] [bold]{label:<13}[/] {escape(text)}")

    def today(self) -> date:
        """The emulator's date (its clock can be moved)."""
        return self.handle.emulator.clock.today()


def _text(value: Any) -> str:
    """An SDK field as text: some are enums, some plain strings."""
    return str(getattr(value, "value", value))


# ---- the steps -------------------------------------------------------------------------------
def connect(tour: Tour) -> None:
    """The authorization-code flow over HTTP: authorize, consent, code, token exchange."""
    info, state, verifier = tour.info, secrets.token_urlsafe(16), secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {"response_type": "code", "client_id": info["client_id"], "scope": SCOPES,
              "redirect_uri": info["redirect_uris"][0], "state": state,
              "code_challenge": challenge.rstrip(b"=").decode(), "code_challenge_method": "S256"}
    page = tour.http.get("/identity/connect/authorize", params=params)
    form = ConsentForm(page.text)
    if page.status_code != 200 or info["tenant_id"] not in form.tenants:
        raise TourError(f"the consent page does not offer the demo org ({page.status_code})")
    answer = tour.http.post("/identity/connect/authorize", data={
        **form.hidden, "tenant_id": info["tenant_id"], "decision": "allow"})
    query = parse_qs(urlsplit(answer.headers.get("location", "")).query)
    if answer.status_code != 302 or query.get("state") != [state] or "code" not in query:
        raise TourError(f"consent did not redirect back with a code and our state: {answer.text}")
    token = tour.http.post("/connect/token", auth=(info["client_id"], info["client_secret"]),
                           data={"grant_type": "authorization_code", "code": query["code"][0],
                                 "code_verifier": verifier, "redirect_uri": params["redirect_uri"]})
    if token.status_code != 200:
        raise TourError(f"the code exchange failed: {token.status_code} {token.text}")
    body = token.json()
    # xero-python keeps scope as a list and expires_at as a timestamp, as its own refresh does.
    tour.tokens.update(body, scope=body["scope"].split(),
                       expires_at=time.time() + body["expires_in"])
    tour.ok("connect", f"authorize → consent for {info['tenant_name']} → code (state and PKCE "
            f"S256 checked) → tokens, access for {body['expires_in']} s")


def connections(tour: Tour) -> None:
    """GET /Connections through the SDK's IdentityApi."""
    found = IdentityApi(tour.client, base_url=tour.handle.base_url).get_connections()
    names = {c.tenant_id: c.tenant_name for c in found}
    if tour.info["tenant_id"] not in names:
        raise TourError("the demo organisation is not among the connections")
    tour.tenant_id = tour.info["tenant_id"]
    tour.ok("connections", ", ".join(f"{n} ({t})" for t, n in names.items()))


def organisation(tour: Tour) -> None:
    """GET /Organisation."""
    org = tour.api.get_organisations(tour.tenant_id).organisations[0]
    tour.ok("organisation", f"{org.name} · {_text(org.country_code)} · "
            f"{_text(org.base_currency)} · default sales tax: {org.default_sales_tax or '-'}")


def _every_page(fetch: Callable[[int], list[Any]]) -> list[Any]:
    rows, page = fetch(1), 1
    while len(rows) == page * PAGE_SIZE:  # a full page: there may be more
        page += 1
        rows += fetch(page)
    return rows


def counts(tour: Tour) -> None:
    """Contacts and invoices, paged by 1000 (past Xero's default of 100)."""
    tid, api = tour.tenant_id, tour.api
    contacts = _every_page(lambda p: api.get_contacts(tid, page=p, page_size=PAGE_SIZE).contacts)
    tour.invoices = _every_page(
        lambda p: api.get_invoices(tid, page=p, page_size=PAGE_SIZE).invoices)
    sales = sum(1 for i in tour.invoices if _text(i.type) == "ACCREC")
    tour.ok("counts", f"{len(contacts)} contacts, {len(tour.invoices)} invoices ({sales} sales, "
            f"{len(tour.invoices) - sales} bills), pageSize {PAGE_SIZE}")


def receivables(tour: Tour) -> None:
    """The top five customers by what they owe, from the authorised sales invoices."""
    owed: dict[str, list[Decimal]] = defaultdict(list)
    for inv in tour.invoices:
        if _text(inv.type) == "ACCREC" and _text(inv.status) == "AUTHORISED" and inv.amount_due:
            owed[inv.contact.name].append(Decimal(inv.amount_due))
    table = Table("customer", Column("open invoices", justify="right"),
                  Column("outstanding", justify="right"), box=box.SIMPLE,
                  title="Top 5 customers by receivables", title_justify="left")
    for name, amounts in sorted(owed.items(), key=lambda kv: (-sum(kv[1]), kv[0]))[:5]:
        table.add_row(name, str(len(amounts)), f"{sum(amounts):,.2f}")
    tour.console.print(table)


def create_invoice(tour: Tour) -> None:
    """A contact, then an invoice with an Idempotency-Key (sent twice), then approve it."""
    tid, api, today = tour.tenant_id, tour.api, tour.today()
    contact = api.create_contacts(tid, xa.Contacts(contacts=[xa.Contact(
        name="Tour Visitor Ltd", email_address="accounts@tourvisitor.example")])).contacts[0]
    line = xa.LineItem(description="Workshop tour", quantity=2, unit_amount=Decimal("240"),
                       account_code="200", tax_type="OUTPUT2")
    draft = xa.Invoices(invoices=[xa.Invoice(
        type="ACCREC", contact=xa.Contact(contact_id=contact.contact_id), date=today,
        due_date=today + timedelta(days=14), reference="ledgerlink demo",
        line_amount_types=xa.LineAmountTypes.EXCLUSIVE, line_items=[line])])
    key = f"ledgerlink-demo-{secrets.token_hex(8)}"
    first = api.create_invoices(tid, draft, idempotency_key=key).invoices[0]
    again = api.create_invoices(tid, draft, idempotency_key=key).invoices[0]
    if again.invoice_id != first.invoice_id:
        raise TourError("the retried create made a second invoice")
    tour.invoice = api.update_invoice(tid, first.invoice_id, xa.Invoices(invoices=[xa.Invoice(
        invoice_id=first.invoice_id, status="AUTHORISED")])).invoices[0]
    tour.ok("invoice", f"contact {contact.name}; invoice {tour.invoice.invoice_number} for "
            f"{tour.invoice.total:,.2f} (a retry with the same Idempotency-Key replayed it), "
            f"{_text(tour.invoice.status)}")


def pay_half(tour: Tour) -> None:
    """A payment of half the total into bank account 090."""
    inv = tour.invoice
    half = (Decimal(inv.total) / 2).quantize(Decimal("0.01"))
    tour.api.create_payment(tour.tenant_id, xa.Payment(
        invoice=xa.Invoice(invoice_id=inv.invoice_id), account=xa.Account(code="090"),
        amount=half, date=tour.today(), reference="ledgerlink demo"))
    after = tour.api.get_invoice(tour.tenant_id, inv.invoice_id).invoices[0]
    tour.ok("payment", f"paid {half:,.2f}; {after.invoice_number} is {_text(after.status)} "
            f"with {after.amount_due:,.2f} due")


def pdf(tour: Tour) -> None:
    """GET /Invoices/{id} as application/pdf (the SDK saves it to a file)."""
    path = tour.api.get_invoice_as_pdf(tour.tenant_id, tour.invoice.invoice_id)
    with open(path, "rb") as fh:
        if not fh.read(5).startswith(b"%PDF-"):
            raise TourError("the invoice PDF is not a PDF")
    tour.ok("pdf", f"{tour.invoice.invoice_number} as PDF, {os.path.getsize(path):,} bytes")


def _row_value(rows: list[Any] | None, label: str) -> Decimal | None:
    for row in rows or []:
        cells = getattr(row, "cells", None) or []
        if len(cells) > 1 and cells[0].value == label:
            return Decimal(str(cells[1].value))
        found = _row_value(getattr(row, "rows", None), label)
        if found is not None:
            return found
    return None


def reports(tour: Tour) -> None:
    """BalanceSheet's net assets and this year's profit and loss."""
    tid, today = tour.tenant_id, tour.today()
    balance = tour.api.get_report_balance_sheet(tid, date=today).reports[0]
    profit = tour.api.get_report_profit_and_loss(
        tid, from_date=today.replace(month=1, day=1), to_date=today).reports[0]
    assets, net = _row_value(balance.rows, "Net Assets"), _row_value(profit.rows, "Net Profit")
    if assets is None or net is None:
        raise TourError("the reports have no Net Assets or Net Profit row")
    tour.ok("reports", f"balance sheet: net assets {assets:,.2f} on {today}; "
            f"profit and loss: net profit {net:,.2f} since 1 January")


def refresh(tour: Tour) -> None:
    """A forced token refresh through the SDK's TokenApi: the refresh token rotates."""
    before = tour.tokens["refresh_token"]
    tour.client.refresh_oauth2_token()
    after = tour.tokens["refresh_token"]
    if after == before:
        raise TourError("the refresh token did not rotate")
    tour.api.get_organisations(tour.tenant_id)  # the new access token works
    tour.ok("refresh", f"refresh token rotated …{before[-6:]} → …{after[-6:]}, "
            "new access token accepted")


def webhooks(tour: Tour) -> None:
    """Intent-to-receive for the demo app, when it has a receiver."""
    app = next(a for a in tour.http.get("/_emulator/apps").json()
               if a["client_id"] == tour.info["client_id"])
    if not app.get("webhook_url"):
        tour.ok("webhooks", "skipped: the demo app has no receiver (set one with POST "
                f'/_emulator/apps/{app["client_id"]} {{"webhook_url": …}})')
        return
    result = tour.http.post("/_emulator/webhooks/itr", json={"client_id": app["client_id"]})
    outcome = result.json()
    statuses = ", ".join(str(a.get("status")) for a in outcome.get("attempts", []))
    verdict = "passed" if outcome.get("passed") else "failed"
    tour.ok("webhooks", f"intent to receive at {app['webhook_url']}: {verdict} "
            f"(answers: {statuses or outcome.get('error', 'none')})")


STEPS: tuple[Callable[[Tour], None], ...] = (
    connect, connections, organisation, counts, receivables, create_invoice, pay_half, pdf,
    reports, refresh, webhooks)


# ---- the frame around the steps -------------------------------------------------------------
def _start(port: int, console: Console) -> RunningEmulator:
    """The emulator on `port`, or on a free port (said so) when that one is taken."""
    chosen = port_or_free(port)
    if port and chosen != port:
        console.print(f"[yellow]Port {port} is taken; using {chosen} instead.[/]")
    return start_in_thread(EmulatorConfig(seed="demo"), port=chosen)


def _sdk(tour: Tour, temp_dir: str) -> None:
    """An ApiClient keeping its token in `tour.tokens`, and an AccountingApi on the emulator."""
    config = Configuration(oauth2_token=OAuth2Token(client_id=tour.info["client_id"],
                                                    client_secret=tour.info["client_secret"]))
    config.temp_folder_path = temp_dir  # where get_invoice_as_pdf writes its file
    tour.client = ApiClient(config, pool_threads=1, oauth2_token_getter=lambda: tour.tokens,
                            oauth2_token_saver=tour.tokens.update)
    tour.api = xa.AccountingApi(tour.client, base_url=tour.handle.api_url)


def _summary(tour: Tour) -> None:
    info, calls = tour.info, tour.http.get("/_emulator/calls").json()["total"]
    tour.console.print(f"\n[bold green]Tour complete:[/] {len(STEPS)} steps, {calls} accounting "
                       "API calls through xero-python. To keep exploring:")
    rows = {key: info[key] for key in ("base_url", "api_url", "authorize_url", "token_url",
                                        "client_id", "client_secret", "tenant_id", "webhook_key")}
    rows |= {"redirect_uri": info["redirect_uris"][0],
             "control plane": f"{info['base_url']}/_emulator/info"}
    for key, value in rows.items():
        tour.console.print(f"  {key:<14} {escape(str(value))}")
    port = urlsplit(info["base_url"]).port
    tour.console.print(f"Serve it again with [bold]ledgerlink emulator serve --port {port}[/] "
                       "(same seed, same credentials), or [bold]ledgerlink demo --keep-running[/].")


def _wait(console: Console, handle: RunningEmulator) -> None:
    console.print(f"Emulator still serving at {handle.base_url}; press Ctrl-C to stop.")
    try:
        while handle.thread.is_alive():
            time.sleep(0.5)
    except KeyboardInterrupt:
        console.print("Stopping.")


@contextmanager
def _sdk_token_urls(base_url: str) -> Iterator[None]:
    """Point the SDK's token endpoints (class attributes, facts §13.1) here, then restore."""
    saved = {attr: getattr(TokenApi, attr) for attr in TOKEN_URL_ATTRS}
    for attr in TOKEN_URL_ATTRS:
        end = "revocation" if attr.startswith("revoke") else "token"
        setattr(TokenApi, attr, f"{base_url}/connect/{end}")
    try:
        yield
    finally:
        for attr, value in saved.items():
            setattr(TokenApi, attr, value)


def _take_tour(handle: RunningEmulator, console: Console) -> bool:
    """Every step in order; False (with the step named) at the first failure."""
    info, step_name = handle.emulator.info(), "start"
    console.print(f"[bold]Xero emulator[/] at {handle.base_url} · {info['tenant_name']} "
                  f"(tenant {info['tenant_id']}) · client_id {info['client_id']}")
    try:
        with httpx2.Client(base_url=handle.base_url, timeout=20, trust_env=False) as http, \
                tempfile.TemporaryDirectory(prefix="ledgerlink-demo-") as temp_dir, \
                _sdk_token_urls(handle.base_url):
            tour = Tour(handle, http, console, info)
            _sdk(tour, temp_dir)
            for step in STEPS:
                step_name = step.__name__
                step(tour)
            _summary(tour)
        return True
    except Exception as exc:  # any failure ends the tour, naming the step that broke
        detail = getattr(exc, "body", None) or exc
        console.print(f"[bold red]✗ tour failed at '{step_name}':[/] "
                      f"{escape(type(exc).__name__)}: {escape(str(detail))[:500]}")
        return False


def run_tour(port: int, keep_running: bool) -> int:
    """Start the emulator, tour it with xero-python, print the way in; 0 when all went well."""
    console = Console(highlight=False, soft_wrap=True)
    if not HAVE_SDK:
        console.print("[red]The tour needs xero-python: pip install -e '.[dev]' (make demo does).")
        return 2
    try:
        handle = _start(port, console)
    except (OSError, RuntimeError) as exc:
        console.print(f"[red]The emulator did not start on port {port}: {escape(str(exc))}")
        return 1
    try:
        if not _take_tour(handle, console):
            return 1
        if keep_running:
            _wait(console, handle)
        return 0
    finally:
        handle.stop()
