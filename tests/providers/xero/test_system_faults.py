"""System check: 2,000 invoices exported through faults and a restart: none lost, none doubled."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx2
import pytest

from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, start_in_thread
from ledgerlink.emulator.xero.models import contacts as contacts_model
from ledgerlink.http.auth import ConnectionKind, MemoryTokenStore, TokenSet
from ledgerlink.http.budget import MemoryBudget, XeroLimits
from ledgerlink.http.retry import RetryPolicy
from ledgerlink.providers.xero.client import BatchItemResult, XeroClient
from ledgerlink.providers.xero.provider import XeroAppSettings, XeroProvider

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

EXPORT = 2000
CLIENT_TIMEOUT = 2.0
# The mix: 5% 5xx, 3% 429, 2% reset after the write commits, 1% timeout after commit.
FAULTS: dict[str, Any] = {"error_5xx": 0.05, "rate_429": 0.03, "reset_after": 0.02,
                          "timeout_after": 0.01, "timeout_seconds": CLIENT_TIMEOUT + 0.5}
GENEROUS = XeroLimits(per_minute=100_000, per_day=1_000_000, app_per_minute=1_000_000)


@dataclasses.dataclass
class Export:
    """An emptied organisation with customers, and a provider client for it."""

    handle: RunningEmulator
    provider: XeroProvider
    xero: XeroClient
    customers: list[str]

    @property
    def org(self) -> Any:
        """The emulator's state of the target organisation."""
        return self.handle.emulator.orgs[self.xero.tenant_id]

    def injected(self) -> Counter[str]:
        """The faults the emulator injected so far (clean calls left out)."""
        counts = Counter(self.handle.emulator.faults.injected)
        counts.pop("none", None)
        return counts


@pytest.fixture(params=[1, 7], ids=["fault-seed-1", "fault-seed-7"])
def emulator(request: pytest.FixtureRequest) -> Iterator[RunningEmulator]:
    """An emulator without rate limits (the 429s here are the injected ones)."""
    # Limits off still sends X-MinLimit-Remaining from the configured limits, which our budget
    # obeys: set them out of reach too.
    handle = start_in_thread(EmulatorConfig(
        seed="empty", rate_limits=False, random_seed=request.param, minute_limit=100_000,
        day_limit=1_000_000, app_minute_limit=1_000_000))
    try:
        yield handle
    finally:
        handle.stop()


async def make_export(handle: RunningEmulator) -> Export:
    """A provider with a short client timeout and quick real retries, for a fresh organisation."""
    emu = handle.emulator
    org = emu.create_org("Export Target Ltd")
    customers = [contacts_model.create_contact(org, {"Name": f"Export customer {n}"})["ContactID"]
                 for n in range(25)]
    info = emu.info()
    answer = httpx2.post(f"{handle.base_url}/_emulator/connect", trust_env=False,
                         json={"client_id": info["client_id"], "tenant_ids": [org.tenant_id]})
    body = answer.json()
    store = MemoryTokenStore()
    await store.put("exporter", ConnectionKind.OAUTH_AUTHORIZATION_CODE, TokenSet(
        body["access_token"], body["refresh_token"], time.time() + body["expires_in"]))
    settings = dataclasses.replace(XeroAppSettings.for_emulator(
        handle.base_url, info["client_id"], info["client_secret"]), timeout=CLIENT_TIMEOUT)
    provider = XeroProvider(settings, store=store, budget=MemoryBudget(GENEROUS),
                            retry=RetryPolicy(attempts=10, wait_initial=0.05, wait_max=0.5,
                                              wait_jitter=0.05))
    return Export(handle, provider, provider.client("exporter", org.tenant_id), customers)


def invoices(customers: list[str]) -> list[dict[str, Any]]:
    """The 2,000 invoices of the export, each with a Reference naming it."""
    return [{"Type": "ACCREC", "Contact": {"ContactID": customers[n % len(customers)]},
             "Reference": f"export-{n:05d}", "Date": "2025-02-01", "DueDate": "2025-03-01",
             "Status": "AUTHORISED",
             "LineItems": [{"Description": f"Work order {n}", "Quantity": Decimal("1"),
                            "UnitAmount": Decimal(100 + n % 900) / 4, "AccountCode": "200"}]}
            for n in range(EXPORT)]


def assert_exactly_once(export: Export, items: list[dict[str, Any]]) -> None:
    """Every input is in the organisation exactly once, and nothing else is."""
    stored = Counter(str(i.get("Reference")) for i in export.org.invoices.values())
    assert len(export.org.invoices) == EXPORT
    doubled = {ref: n for ref, n in stored.items() if n != 1}
    assert not doubled, f"duplicated: {sorted(doubled)[:10]}"
    missing = [i["Reference"] for i in items if stored[i["Reference"]] != 1]
    assert not missing, f"lost: {missing[:10]}"


def assert_all_created(results: list[BatchItemResult], export: Export) -> None:
    """One result per input, in order, each naming an invoice the organisation holds."""
    assert [r.index for r in results] == list(range(EXPORT))
    assert all(r.status == "created" and r.record for r in results)
    assert {r.record["InvoiceID"] for r in results if r.record} == set(export.org.invoices)


async def test_export_under_faults_loses_and_duplicates_nothing(
        emulator: RunningEmulator) -> None:
    export = await make_export(emulator)
    items = invoices(export.customers)
    emulator.emulator.faults.configure(**FAULTS)
    try:
        results = await export.xero.batch("Invoices", items, operation="exportInvoices",
                                          idempotency_prefix="system-test:export:1")
    finally:
        await export.provider.aclose()

    injected = export.injected()
    print(f"\nexport of {EXPORT} in chunks of 50: faults injected {dict(injected)}, "
          f"calls {sum(emulator.emulator.faults.injected.values())}")
    assert sum(injected.values()) > 0  # the run really went through faults
    assert_exactly_once(export, items)
    assert_all_created(results, export)


async def test_export_in_small_concurrent_chunks_under_faults(
        emulator: RunningEmulator) -> None:
    # Chunks of 10, five at a time: about 220 calls, so every kind of fault is met.
    export = await make_export(emulator)
    items = invoices(export.customers)
    emulator.emulator.faults.configure(**FAULTS)
    try:
        results = await export.xero.batch("Invoices", items, operation="exportInvoices",
                                          idempotency_prefix="system-test:export:2",
                                          chunk=10, concurrency=5)
    finally:
        await export.provider.aclose()

    injected = export.injected()
    print(f"\nexport of {EXPORT} in chunks of 10: faults injected {dict(injected)}")
    assert set(injected) == {"error_5xx", "rate_429", "reset_after", "timeout_after"}
    assert sum(injected.values()) >= 20
    assert_exactly_once(export, items)
    assert_all_created(results, export)


async def test_an_interrupted_export_rerun_with_its_prefix_completes_exactly(
        emulator: RunningEmulator) -> None:
    export = await make_export(emulator)
    items = invoices(export.customers)
    emulator.emulator.faults.configure(**FAULTS)
    prefix = "system-test:export:interrupted"
    try:
        task = asyncio.create_task(export.xero.batch(
            "Invoices", items, operation="exportInvoices", idempotency_prefix=prefix))
        async with asyncio.timeout(120):
            while len(export.org.invoices) < EXPORT // 2:
                await asyncio.sleep(0.005)
        task.cancel()  # the process "dies" half-way, probably with a chunk in flight
        with pytest.raises(asyncio.CancelledError):
            await task
        halfway = len(export.org.invoices)
        assert EXPORT // 2 <= halfway < EXPORT

        # The same export again, as a restarted job would run it: same items, same prefix.
        results = await export.xero.batch("Invoices", items, operation="exportInvoices",
                                          idempotency_prefix=prefix)
    finally:
        await export.provider.aclose()

    print(f"\ninterrupted at {halfway} of {EXPORT}; faults injected {dict(export.injected())}")
    assert_exactly_once(export, items)
    assert_all_created(results, export)
