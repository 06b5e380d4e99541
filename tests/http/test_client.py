"""ProviderHttp against the emulator over real loopback HTTP: retries, keys, budget, timeouts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest

from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, free_port, start_in_thread
from ledgerlink.errors import RateLimitedError, TransportError
from ledgerlink.http.budget import MemoryBudget, Permit, Priority, XeroLimits
from ledgerlink.http.client import CallContext, ProviderHttp
from ledgerlink.http.idempotency import idempotency_key
from ledgerlink.http.retry import RetryPolicy
from tests.fakes import FakeClock

pytestmark = pytest.mark.timeout(30)

APP = "app-under-test"


class StaticBearer(httpx2.Auth):
    """The simplest auth flow: one fixed access token."""

    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response,
                                                               None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


class HealingClock(FakeClock):
    """A FakeClock that calls `heal` once `after` sleeps have happened: the fault goes away."""

    def __init__(self, heal: Callable[[], object] | None = None, after: int = 0) -> None:
        super().__init__()
        self.heal, self.after = heal, after

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds)
        if self.heal is not None and len(self.slept) >= self.after:
            self.heal()
            self.heal = None


@dataclass
class RecordingBudget:
    """A MemoryBudget that also records what the client asked of it."""

    inner: MemoryBudget
    events: list[tuple[Any, ...]] = field(default_factory=list)
    held: int = 0

    async def acquire(self, app_id: str, tenant_id: str,
                      priority: Priority = Priority.INTERACTIVE) -> Permit:
        inner = await self.inner.acquire(app_id, tenant_id, priority)
        self.held += 1
        self.events.append(("acquire", tenant_id, priority))

        async def release() -> None:
            self.held -= 1
            self.events.append(("release",))
            await inner.release()

        return Permit(release)

    async def observe(self, app_id: str, tenant_id: str, headers: Mapping[str, str]) -> None:
        self.events.append(("observe", headers.get("X-MinLimit-Remaining")))
        await self.inner.observe(app_id, tenant_id, headers)

    async def penalise(self, app_id: str, tenant_id: str, problem: str | None,
                       retry_after: float) -> None:
        self.events.append(("penalise", problem, retry_after))
        await self.inner.penalise(app_id, tenant_id, problem, retry_after)

    def count(self, kind: str) -> int:
        return sum(1 for e in self.events if e[0] == kind)


class SeenRequests:
    """ASGI middleware around the emulator recording each request's method, path and key."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str | None]] = []

    def wrap(self, app: Any) -> Any:
        async def middleware(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
                self.requests.append((scope["method"], scope["path"],
                                      headers.get("idempotency-key")))
            await app(scope, receive, send)
        return middleware

    def keys(self, method: str, path: str) -> list[str | None]:
        return [k for m, p, k in self.requests if m == method and p.endswith(path)]


@dataclass
class Env:
    handle: RunningEmulator
    seen: SeenRequests
    token: str
    tenant_id: str
    client_id: str

    def calls(self, operation: str) -> int:
        return self.handle.emulator.calls[(self.tenant_id, operation)]

    def http(self, clock: FakeClock, *, attempts: int = 6, timeout: float = 5.0,
             base_url: str | None = None) -> tuple[ProviderHttp, RecordingBudget]:
        budget = RecordingBudget(MemoryBudget(XeroLimits(), clock))
        http = ProviderHttp(
            base_url or self.handle.api_url, auth=StaticBearer(self.token), budget=budget,
            retry=RetryPolicy(attempts=attempts, clock=clock), timeout=timeout,
            headers={"Accept": "application/json"}, tenant_header="xero-tenant-id",
            trust_env=False)
        return http, budget

    def ctx(self, operation: str) -> CallContext:
        return CallContext(APP, self.tenant_id, Priority.INTERACTIVE, operation)


def start(config: EmulatorConfig) -> Env:
    seen = SeenRequests()
    handle = start_in_thread(config, wrap=seen.wrap)
    info = handle.emulator.info()
    with httpx2.Client(base_url=handle.base_url, trust_env=False, timeout=10) as ctl:
        answer = ctl.post("/_emulator/connect", json={"client_id": info["client_id"]})
        assert answer.status_code == 200, answer.text
    return Env(handle, seen, answer.json()["access_token"], info["tenant_id"],
               info["client_id"])


@pytest.fixture
def env() -> Iterator[Env]:
    handle = start(EmulatorConfig(seed="empty"))
    try:
        yield handle
    finally:
        handle.handle.stop()


async def new_contact(env: Env, http: ProviderHttp, name: str) -> str:
    answer = await http.request("PUT", "/Contacts", ctx=env.ctx("createContacts"),
                                json={"Contacts": [{"Name": name}]},
                                idempotency_key=idempotency_key("contact", name))
    assert answer.status_code == 200, answer.text
    return str(answer.json()["Contacts"][0]["ContactID"])


def invoice_body(contact_id: str, reference: str) -> dict[str, Any]:
    return {"Invoices": [{
        "Type": "ACCREC", "Contact": {"ContactID": contact_id}, "Reference": reference,
        "Status": "DRAFT", "LineItems": [{"Description": "Work", "Quantity": 1,
                                          "UnitAmount": 100, "AccountCode": "200"}]}]}


async def invoices_with(env: Env, http: ProviderHttp, reference: str) -> list[dict[str, Any]]:
    answer = await http.request("GET", "/Invoices", ctx=env.ctx("getInvoices"),
                                params={"where": f'Reference=="{reference}"'})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["Invoices"]
    return found


async def test_5xx_is_retried_until_the_call_succeeds(env: Env) -> None:
    faults = env.handle.emulator.faults
    faults.configure(error_5xx=1.0)
    clock = HealingClock(lambda: faults.configure(error_5xx=0.0), after=2)
    http, budget = env.http(clock)
    async with http:
        answer = await http.request("GET", "/Contacts", ctx=env.ctx("getContacts"))
    assert answer.status_code == 200
    assert env.calls("getContacts") == 3
    assert len(clock.slept) == 2
    assert 0.5 <= clock.slept[0] <= 1.5 and 1.0 <= clock.slept[1] <= 2.0
    assert budget.count("acquire") == budget.count("release") == 3
    assert budget.count("observe") == 3 and budget.held == 0


async def test_5xx_outlasting_the_retries_is_returned(env: Env) -> None:
    env.handle.emulator.faults.configure(error_5xx=1.0)
    clock = FakeClock()
    http, budget = env.http(clock, attempts=3)
    async with http:
        answer = await http.request("GET", "/Contacts", ctx=env.ctx("getContacts"))
    assert answer.status_code == 503
    assert env.calls("getContacts") == 3 and budget.held == 0


async def test_reset_after_commit_is_retried_with_the_same_key_and_no_duplicate(
        env: Env, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="ledgerlink")
    faults = env.handle.emulator.faults
    clock = HealingClock(lambda: faults.configure(reset_after=0.0), after=1)
    http, budget = env.http(clock)
    key = idempotency_key("export-job-1", "invoice", "0")
    async with http:
        contact = await new_contact(env, http, "Reset Ltd")
        faults.configure(reset_after=1.0)
        answer = await http.request("PUT", "/Invoices", ctx=env.ctx("createInvoices"),
                                    json=invoice_body(contact, "INV-RESET"),
                                    idempotency_key=key)
        assert answer.status_code == 200, answer.text
        found = await invoices_with(env, http, "INV-RESET")
    assert env.calls("createInvoices") == 2  # the first committed, the second was replayed
    assert env.seen.keys("PUT", "/Invoices") == [key, key]
    assert len(found) == 1
    assert found[0]["InvoiceID"] == answer.json()["Invoices"][0]["InvoiceID"]
    assert budget.held == 0
    # Logged: the retry and why; never the token, the key or the body.
    assert "createInvoices: attempt 1 failed (RemoteProtocolError)" in caplog.text
    for secret in (env.token, key, "Reset Ltd", "INV-RESET"):
        assert secret not in caplog.text


async def test_timeout_after_commit_is_retried_with_the_same_key_and_no_duplicate(
        env: Env) -> None:
    faults = env.handle.emulator.faults
    clock = HealingClock(lambda: faults.configure(timeout_after=0.0), after=1)
    http, _ = env.http(clock, timeout=0.3)
    key = idempotency_key("export-job-1", "invoice", "1")
    async with http:
        contact = await new_contact(env, http, "Slow Ltd")
        faults.configure(timeout_after=1.0, timeout_seconds=1.0)
        answer = await http.request("PUT", "/Invoices", ctx=env.ctx("createInvoices"),
                                    json=invoice_body(contact, "INV-SLOW"),
                                    idempotency_key=key)
        assert answer.status_code == 200, answer.text
        found = await invoices_with(env, http, "INV-SLOW")
    assert env.seen.keys("PUT", "/Invoices") == [key, key]
    assert len(found) == 1


async def test_write_without_a_key_is_not_repeated_after_a_reset(env: Env) -> None:
    faults = env.handle.emulator.faults
    http, _ = env.http(FakeClock())
    async with http:
        contact = await new_contact(env, http, "Unkeyed Ltd")
        faults.configure(reset_after=1.0)
        with pytest.raises(TransportError) as caught:
            await http.request("PUT", "/Invoices", ctx=env.ctx("createInvoices"),
                               json=invoice_body(contact, "INV-UNKEYED"))
        faults.configure(reset_after=0.0)
        found = await invoices_with(env, http, "INV-UNKEYED")
    assert "may or may not have taken effect" in caught.value.message
    assert env.calls("createInvoices") == 1 and env.seen.keys("PUT", "/Invoices") == [None]
    assert len(found) == 1  # it did commit: repeating it would have made two


async def test_json_is_sent_once_encoded_and_typed(env: Env) -> None:
    http, _ = env.http(FakeClock())
    async with http:
        answer = await http.request("PUT", "/Contacts", ctx=env.ctx("createContacts"),
                                    json={"Contacts": [{"Name": "Zoë Ünïcode"}]},
                                    idempotency_key=idempotency_key("zoe"))
        with pytest.raises(ValueError):
            await http.request("PUT", "/Contacts", ctx=env.ctx("createContacts"),
                               json={}, content=b"{}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["Contacts"][0]["Name"] == "Zoë Ünïcode"


async def test_spurious_429_waits_retry_after_then_succeeds(env: Env) -> None:
    faults = env.handle.emulator.faults
    faults.configure(rate_429=1.0)
    clock = HealingClock(lambda: faults.configure(rate_429=0.0), after=2)
    http, budget = env.http(clock)
    async with http:
        answer = await http.request("GET", "/Contacts", ctx=env.ctx("getContacts"))
    assert answer.status_code == 200
    assert env.calls("getContacts") == 3
    # The emulator's spurious 429 says problem "minute", Retry-After 1.
    policy_waits = [s for s in clock.slept if s >= 1.0]
    assert len(policy_waits) >= 2 and all(1.0 <= s <= 2.0 for s in policy_waits[:2])
    assert [e for e in budget.events if e[0] == "penalise"] == [("penalise", "minute", 1.0)] * 2
    assert budget.held == 0


async def test_400_is_returned_at_once(env: Env) -> None:
    clock = FakeClock()
    http, _ = env.http(clock)
    async with http:
        answer = await http.request(
            "PUT", "/Invoices", ctx=env.ctx("createInvoices"),
            json={"Invoices": [{"Type": "ACCREC", "LineItems": []}]},
            idempotency_key=idempotency_key("bad-invoice"))
        missing = await http.request("GET", "/Invoices/00000000-0000-0000-0000-000000000001",
                                     ctx=env.ctx("getInvoice"))
    assert answer.status_code == 400
    assert env.calls("createInvoices") == 1
    assert missing.status_code == 404
    assert clock.slept == []


async def test_reads_carry_no_idempotency_key_and_name_their_tenant(env: Env) -> None:
    http, budget = env.http(FakeClock())
    async with http:
        assert (await http.request("GET", "/Contacts", ctx=env.ctx("getContacts"))
                ).status_code == 200
    assert env.seen.keys("GET", "/Contacts") == [None]
    assert budget.events[0] == ("acquire", env.tenant_id, Priority.INTERACTIVE)


async def test_provider_429_day_fails_fast_with_retry_at() -> None:
    env = start(EmulatorConfig(seed="empty", day_limit=3, day_window=100.0))
    try:
        # Another process spends the day's calls; our budget does not know about them.
        with httpx2.Client(base_url=env.handle.api_url, trust_env=False, timeout=10,
                           headers={"Authorization": f"Bearer {env.token}",
                                    "xero-tenant-id": env.tenant_id}) as other:
            for _ in range(3):
                assert other.get("/Contacts").status_code == 200
        clock = FakeClock()
        http, budget = env.http(clock)
        async with http:
            with pytest.raises(RateLimitedError) as caught:
                await http.request("GET", "/Contacts", ctx=env.ctx("getContacts"))
            # The penalty holds our budget: the next call fails without reaching Xero.
            sent = len(env.seen.requests)
            with pytest.raises(RateLimitedError) as again:
                await http.request("GET", "/Contacts", ctx=env.ctx("getContacts"))
            assert again.value.problem == "day" and len(env.seen.requests) == sent
    finally:
        env.handle.stop()
    err = caught.value
    assert err.problem == "day"
    assert err.retry_at is not None
    waited = (err.retry_at - datetime.fromtimestamp(clock.time(), UTC)).total_seconds()
    assert 90 <= waited <= 100  # the emulator's Retry-After for a 100 s day window
    assert clock.slept == []
    penalties = [e for e in budget.events if e[0] == "penalise"]
    assert len(penalties) == 1 and penalties[0][1] == "day"
    assert budget.held == 0


async def test_nothing_listening_raises_transport_error_after_every_attempt(env: Env) -> None:
    clock = FakeClock()
    http, budget = env.http(clock, attempts=3, base_url=f"http://127.0.0.1:{free_port()}")
    async with http:
        with pytest.raises(TransportError) as caught:
            await http.request("GET", "/Contacts", ctx=env.ctx("getContacts"))
    assert isinstance(caught.value.__cause__, httpx2.ConnectError)
    assert len(clock.slept) == 2
    assert budget.count("acquire") == budget.count("release") == 3
    assert budget.count("observe") == 0 and budget.held == 0


async def test_concurrent_callers_never_trip_the_providers_concurrency_limit() -> None:
    env = start(EmulatorConfig(seed="empty", latency_ms=50))
    try:
        http, budget = env.http(FakeClock())
        async with http:
            answers = await asyncio.gather(*(
                http.request("GET", "/Contacts", ctx=CallContext(
                    APP, env.tenant_id, Priority.BACKGROUND, "getContacts"))
                for _ in range(20)))
    finally:
        env.handle.stop()
    assert [a.status_code for a in answers] == [200] * 20
    assert budget.count("penalise") == 0  # the emulator never answered 429 "concurrent"
    assert env.calls("getContacts") == 20
    assert budget.count("acquire") == 20 and budget.held == 0
    assert {e[2] for e in budget.events if e[0] == "acquire"} == {Priority.BACKGROUND}
