"""Calls and wall time of ledgerlink vs. the obvious xero-python code, against the emulator.

Usage: python bench/xero_calls.py [--latency-ms 100] [--contacts 10000] [--invoices 20000]
                                  [--export 2000]
Scenarios: (a) a full pull of every contact and invoice, (b) an export of invoices, (c) the
aged receivables summary across every contact. Exits 1 when a target is missed. See README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx2
from rich.console import Console
from rich.table import Table
from xero_python.accounting import AccountingApi, Contact, Invoice, Invoices, LineItem
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_seed import Seeded, pages, seed_bulk, seed_contacts  # sibling module of this script

from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, start_in_thread
from ledgerlink.http.auth import ConnectionKind, MemoryTokenStore, TokenSet
from ledgerlink.http.budget import MemoryBudget, XeroLimits
from ledgerlink.providers.xero.aging import aged_receivables_summary
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.provider import XeroAppSettings, XeroProvider

XERO_PER_MINUTE = 60  # Xero's calls a minute per organisation
CALL_SLACK = 1.05  # ledgerlink within 5% of the minimum
FEWER_CALLS = 10.0  # at least 10x fewer calls than xero-python on (a) and (b)
EXPORT_CONTACTS = 100
HIGH = 10**9  # emulator limits out of reach: it still reports X-*Limit-Remaining from them


@dataclass
class Run:
    """One client's run of one scenario."""

    calls: int
    seconds: float
    ok: bool
    note: str = ""


@dataclass
class Scenario:
    """A scenario's two runs, its minimum and whether the targets hold."""

    label: str  # short, for the table
    name: str
    minimum: int
    ledgerlink: Run
    baseline: Run
    fewer_calls_target: bool
    problems: list[str] = field(default_factory=list)

    def check(self) -> None:
        """Record every missed target or failed correctness check in `problems`."""
        if self.ledgerlink.calls > self.minimum * CALL_SLACK:
            self.problems.append(f"{self.name}: ledgerlink made {self.ledgerlink.calls} calls, "
                                 f"more than {CALL_SLACK:.2f} x the minimum {self.minimum}")
        if self.fewer_calls_target and self.call_ratio < FEWER_CALLS:
            self.problems.append(f"{self.name}: only {self.call_ratio:.1f}x fewer calls than "
                                 f"xero-python (target {FEWER_CALLS:.0f}x)")
        for who, run in (("ledgerlink", self.ledgerlink), ("xero-python", self.baseline)):
            if not run.ok:
                self.problems.append(f"{self.name}: {who} got a wrong result: {run.note}")

    @property
    def call_ratio(self) -> float:
        """xero-python's calls per ledgerlink call."""
        return self.baseline.calls / max(1, self.ledgerlink.calls)

    @property
    def time_ratio(self) -> float:
        """xero-python's wall time over ledgerlink's."""
        return self.baseline.seconds / max(1e-9, self.ledgerlink.seconds)


class Bench:
    """The emulator, its bulk organisation and export targets, and both clients."""

    def __init__(self, handle: RunningEmulator, seeded: Seeded, export_orgs: dict[str, str],
                 export_contacts: dict[str, list[str]]) -> None:
        self.handle = handle
        self.emu = handle.emulator
        self.seeded = seeded
        self.bulk = self.emu.default_org.tenant_id if self.emu.default_org else ""
        self.export_orgs = export_orgs
        self.export_contacts = export_contacts
        info = self.emu.info()
        self.client_id, self.client_secret = info["client_id"], info["client_secret"]

    def calls(self, tenant: str) -> int:
        """Accounting API calls the emulator has answered for a tenant so far."""
        return sum(n for (t, _op), n in self.emu.calls.items() if t == tenant)

    def connect(self) -> dict[str, Any]:
        """A token response for the seeded app, consented to every organisation."""
        answer = httpx2.post(f"{self.handle.base_url}/_emulator/connect", trust_env=False,
                             json={"client_id": self.client_id}, timeout=30)
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        return body

    def measure(self, tenant: str, run: Callable[[], tuple[bool, str]]) -> Run:
        """Run one client's scenario, counting the emulator's calls for the tenant."""
        before, start = self.calls(tenant), time.perf_counter()
        ok, note = run()
        return Run(self.calls(tenant) - before, time.perf_counter() - start, ok, note)

    def export_items(self, n: int, tenant: str) -> list[dict[str, Any]]:
        """The invoices of the export, each with a unique Reference."""
        ids = self.export_contacts[tenant]
        return [{"Type": "ACCREC", "Contact": {"ContactID": ids[i % len(ids)]},
                 "Reference": f"EXP-{i:05d}", "Date": "2025-06-01", "DueDate": "2025-06-30",
                 "Status": "AUTHORISED",
                 "LineItems": [{"Description": f"Order {i}", "Quantity": Decimal(2),
                                "UnitAmount": Decimal(1000 + i) / 100, "AccountCode": "200"}]}
                for i in range(n)]

    def exported_exactly(self, tenant: str, n: int) -> tuple[bool, str]:
        """Whether the export organisation holds each of the n invoices exactly once."""
        refs = Counter(str(i.get("Reference")) for i in self.emu.orgs[tenant].invoices.values())
        want = {f"EXP-{i:05d}" for i in range(n)}
        ok = set(refs) == want and all(c == 1 for c in refs.values())
        return ok, f"{sum(refs.values())} invoices for {n} exported"


# ---- ledgerlink -------------------------------------------------------------------------------
class Ledgerlink:
    """ledgerlink's provider: one connection to every organisation, the budget out of the way."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.loop = asyncio.new_event_loop()
        self.store = MemoryTokenStore()
        token = bench.connect()
        self.loop.run_until_complete(self.store.put(
            "bench", ConnectionKind.OAUTH_AUTHORIZATION_CODE,
            TokenSet(token["access_token"], token["refresh_token"],
                     time.time() + token["expires_in"])))
        # Xero's 5 concurrent calls stay; the minute and day limits are off, as in the emulator.
        limits = XeroLimits(per_minute=HIGH, per_day=HIGH, app_per_minute=HIGH)
        settings = XeroAppSettings.for_emulator(bench.handle.base_url, bench.client_id,
                                                bench.client_secret)
        self.provider = XeroProvider(settings, store=self.store, budget=MemoryBudget(limits))

    def client(self, tenant: str) -> XeroClient:
        """A client for one organisation."""
        return self.provider.client("bench", tenant)

    def pull(self) -> tuple[bool, str]:
        """(a) every contact and every invoice, the two lists side by side."""
        xero = self.client(self.bench.bulk)

        async def both() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            contacts, invoices = await asyncio.gather(
                xero.list_all("Contacts", operation="getContacts"),
                xero.list_all("Invoices", operation="getInvoices"))
            return contacts, invoices

        contacts, invoices = self.loop.run_until_complete(both())
        return _pulled(self.bench, len(contacts), len(invoices))

    def export(self, n: int) -> tuple[bool, str]:
        """(b) n invoices in batches of 50, five requests at a time (Xero's concurrency)."""
        tenant = self.bench.export_orgs["ledgerlink"]
        results = self.loop.run_until_complete(self.client(tenant).batch(
            "Invoices", self.bench.export_items(n, tenant), operation="createInvoices",
            idempotency_prefix="bench:export", concurrency=5))
        failed = [r for r in results if not r.ok]
        ok, note = self.bench.exported_exactly(tenant, n)
        return ok and not failed, note + (f"; {len(failed)} items refused" if failed else "")

    def aged(self) -> tuple[Decimal, int]:
        """(c) the aged receivables summary: its total and number of contacts."""
        # Netted like Xero's own aged report, which the xero-python side sums.
        summary = self.loop.run_until_complete(aged_receivables_summary(
            self.client(self.bench.bulk), {"net_credit_notes": True}))
        return summary.totals.total, len(summary.contacts)

    def close(self) -> None:
        """Close the provider and the loop."""
        self.loop.run_until_complete(self.provider.aclose())
        self.loop.close()


# ---- the obvious xero-python code, as its README shows it ------------------------------------
class XeroPython:
    """xero-python with its base URLs pointed at the emulator."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        base = bench.handle.base_url
        TokenApi.refresh_token_url = f"{base}/connect/token"
        TokenApi.client_credentials_token_url = f"{base}/connect/token"
        TokenApi.revoke_token_url = f"{base}/connect/revocation"
        token = bench.connect()
        token["scope"] = str(token.get("scope", "")).split()
        token["expires_at"] = time.time() + float(token["expires_in"])
        store = {"token": token}
        config = Configuration(oauth2_token=OAuth2Token(client_id=bench.client_id,
                                                        client_secret=bench.client_secret))
        # Configuration hands out copies of its first instance: set the token on this one.
        config.oauth2_token = OAuth2Token(client_id=bench.client_id,
                                          client_secret=bench.client_secret)
        api_client = ApiClient(config, oauth2_token_getter=lambda: store["token"],
                               oauth2_token_saver=lambda t: store.update(token=t),
                               pool_threads=1)
        self.api = AccountingApi(api_client, base_url=bench.handle.api_url)

    def _all_pages(self, fetch: Callable[[int], list[Any]]) -> list[Any]:
        rows: list[Any] = []
        page = 1
        while True:
            batch = fetch(page)
            if not batch:
                return rows
            rows.extend(batch)
            page += 1

    def contacts(self, tenant: str) -> list[Any]:
        """get_contacts page by page until an empty page."""
        return self._all_pages(lambda p: self.api.get_contacts(tenant, page=p).contacts)

    def pull(self) -> tuple[bool, str]:
        """(a) contacts, then invoices, page by page."""
        tenant = self.bench.bulk
        contacts = self.contacts(tenant)
        invoices = self._all_pages(lambda p: self.api.get_invoices(tenant, page=p).invoices)
        return _pulled(self.bench, len(contacts), len(invoices))

    def export(self, n: int) -> tuple[bool, str]:
        """(b) one create_invoices call per invoice."""
        tenant = self.bench.export_orgs["xero-python"]
        for item in self.bench.export_items(n, tenant):
            line = item["LineItems"][0]
            invoice = Invoice(
                type="ACCREC", contact=Contact(contact_id=item["Contact"]["ContactID"]),
                reference=item["Reference"], date=dt.date(2025, 6, 1),
                due_date=dt.date(2025, 6, 30), status="AUTHORISED",
                line_items=[LineItem(description=line["Description"], quantity=line["Quantity"],
                                     unit_amount=line["UnitAmount"], account_code="200")])
            self.api.create_invoices(tenant, invoices=Invoices(invoices=[invoice]))
        return self.bench.exported_exactly(tenant, n)

    def aged(self) -> tuple[Decimal, int]:
        """(c) every contact, then its aged receivables report: the summed closing balances."""
        tenant, total, owing = self.bench.bulk, Decimal(0), 0
        for contact in self.contacts(tenant):
            report = self.api.get_report_aged_receivables_by_contact(tenant, contact.contact_id)
            due = _closing_due(report.reports[0].rows)
            total += due
            owing += 1 if due else 0
        return total, owing


def _closing_due(rows: list[Any]) -> Decimal:
    """The Due cell of the report's "Closing Balance" row."""
    for section in rows or []:
        for row in getattr(section, "rows", None) or []:
            cells = row.cells or []
            if cells and cells[0].value == "Closing Balance":
                return Decimal(str(cells[-1].value or 0))
    return Decimal(0)


def _pulled(bench: Bench, contacts: int, invoices: int) -> tuple[bool, str]:
    want_contacts = len(bench.emu.orgs[bench.bulk].contacts)
    want_invoices = bench.seeded.invoices
    return (contacts == want_contacts and invoices == want_invoices,
            f"{contacts} contacts, {invoices} invoices")


# ---- the run ----------------------------------------------------------------------------------
def setup(args: argparse.Namespace, console: Console) -> Bench:
    """Start the emulator, seed the bulk organisation and the two export targets."""
    handle = start_in_thread(EmulatorConfig(
        seed="empty", latency_ms=args.latency_ms, rate_limits=False, minute_limit=HIGH,
        day_limit=HIGH, app_minute_limit=HIGH, access_token_ttl=24 * 3600))
    emu = handle.emulator
    assert emu.default_org is not None
    start = time.perf_counter()
    seeded = seed_bulk(emu.default_org, args.contacts, args.invoices)
    console.print(f"Seeded {len(seeded.contact_ids):,} contacts, {seeded.invoices:,} invoices "
                  f"and bills and {seeded.credit_notes:,} credit notes in "
                  f"{time.perf_counter() - start:.1f} s ({seeded.open_sales_invoices:,} sales "
                  "invoices outstanding); emulator latency "
                  f"{args.latency_ms} ms per call, rate limits off.")
    orgs, contacts = {}, {}
    for who in ("ledgerlink", "xero-python"):
        org = emu.create_org(f"Export target ({who})", seed="empty")
        orgs[who] = org.tenant_id
        contacts[org.tenant_id] = seed_contacts(org, EXPORT_CONTACTS, "Export customer")
    return Bench(handle, seeded, orgs, contacts)


def run(args: argparse.Namespace, console: Console) -> list[Scenario]:
    """The three scenarios, ledgerlink first in each."""
    bench = setup(args, console)
    ours, theirs = Ledgerlink(bench), XeroPython(bench)
    seeded = bench.seeded
    try:
        scenarios = [Scenario(
            "(a) full pull",
            f"(a) full pull: {len(seeded.contact_ids):,} contacts + {seeded.invoices:,} invoices",
            pages(len(seeded.contact_ids)) + pages(seeded.invoices),
            bench.measure(bench.bulk, ours.pull), bench.measure(bench.bulk, theirs.pull), True)]
        tenant_ll, tenant_xp = bench.export_orgs["ledgerlink"], bench.export_orgs["xero-python"]
        scenarios.append(Scenario(
            "(b) export", f"(b) export of {args.export:,} invoices", pages(args.export, 50),
            bench.measure(tenant_ll, lambda: ours.export(args.export)),
            bench.measure(tenant_xp, lambda: theirs.export(args.export)), True))
        aged: dict[str, tuple[Decimal, int]] = {}

        def aged_run(who: str, fn: Callable[[], tuple[Decimal, int]]) -> tuple[bool, str]:
            aged[who] = fn()
            return True, f"total {aged[who][0]:,.2f} over {aged[who][1]:,} contacts"

        minimum = pages(seeded.open_sales_invoices) + pages(seeded.open_sales_credit_notes)
        scenario = Scenario(
            "(c) aged summary",
            f"(c) aged receivables summary over {seeded.invoices:,} invoices", minimum,
            bench.measure(bench.bulk, lambda: aged_run("ledgerlink", ours.aged)),
            bench.measure(bench.bulk, lambda: aged_run("xero-python", theirs.aged)), False)
        if aged["ledgerlink"][0] != aged["xero-python"][0]:
            scenario.ledgerlink.ok = False
            scenario.ledgerlink.note += f" (xero-python's reports sum to {aged['xero-python'][0]})"
        scenarios.append(scenario)
    finally:
        ours.close()
        bench.handle.stop()
    for scenario in scenarios:
        scenario.check()
    return scenarios


def report(scenarios: list[Scenario], console: Console) -> None:
    """The table, the rate-limit arithmetic and the verdict."""
    table = Table(title="Xero API calls: ledgerlink (ll) vs. the obvious xero-python code (xp)")
    for column in ("scenario", "min calls", "ll calls", "ll/min", "ll time", "xp calls",
                   "xp time", "calls xp/ll", "time xp/ll", "ll @60/min", "xp @60/min",
                   "result"):
        table.add_column(column, justify="left" if column in ("scenario", "result")
                         else "right", no_wrap=True)
    for s in scenarios:
        table.add_row(s.label, f"{s.minimum:,}", f"{s.ledgerlink.calls:,}",
                      f"{s.ledgerlink.calls / s.minimum:.2f}", f"{s.ledgerlink.seconds:.1f} s",
                      f"{s.baseline.calls:,}", f"{s.baseline.seconds:.1f} s",
                      f"{s.call_ratio:,.1f}x", f"{s.time_ratio:,.1f}x",
                      _minutes(s.ledgerlink.calls), _minutes(s.baseline.calls),
                      "ok" if not s.problems else "MISSED")
    console.print(table)
    console.print("Rate limits are off in this run, so the times are latency and work only. "
                  f"Xero allows {XERO_PER_MINUTE} calls a minute per organisation: the @60/min "
                  "columns (calls / 60) are the minutes of waiting those calls cost at least.")
    for s in scenarios:
        console.print(f"  {s.name} -- ledgerlink: {s.ledgerlink.note}; "
                      f"xero-python: {s.baseline.note}")
    problems = [p for s in scenarios for p in s.problems]
    for problem in problems:
        console.print(f"[red]MISSED[/red] {problem}")
    console.print(f"Targets: ledgerlink within {CALL_SLACK - 1:.0%} of the minimum calls; "
                  f"at least {FEWER_CALLS:.0f}x fewer calls than xero-python on (a) and (b).")
    console.print("All targets met." if not problems else f"{len(problems)} target(s) missed.")


def _minutes(calls: int) -> str:
    return f"{calls / XERO_PER_MINUTE:,.1f} min"


def main(argv: list[str] | None = None) -> int:
    """Parse the counts, run the scenarios, print the table; 0 when every target is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--export", type=int, default=2_000)
    args = parser.parse_args(argv)
    console = Console(width=max(170, Console().width))
    scenarios = run(args, console)
    report(scenarios, console)
    return 0 if not any(s.problems for s in scenarios) else 1


if __name__ == "__main__":
    sys.exit(main())
