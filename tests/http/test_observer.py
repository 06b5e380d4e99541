"""ProviderHttp's call observer against the emulator: one record per attempt, the error class
when no answer came, the budget the provider reported, and an observer that fails is ignored."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import free_port
from ledgerlink.errors import TransportError
from ledgerlink.http.budget import MemoryBudget, XeroLimits
from ledgerlink.http.client import ProviderHttp
from ledgerlink.http.observer import CallRecord
from ledgerlink.http.retry import RetryPolicy
from tests.fakes import FakeClock
from tests.http.test_client import Env, StaticBearer, start

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def env() -> Iterator[Env]:
    handle = start(EmulatorConfig(seed="empty"))
    try:
        yield handle
    finally:
        handle.handle.stop()


def observed(env: Env, clock: FakeClock, records: list[CallRecord], *, attempts: int = 6,
             base_url: str | None = None) -> ProviderHttp:
    return ProviderHttp(
        base_url or env.handle.api_url, auth=StaticBearer(env.token),
        budget=MemoryBudget(XeroLimits(), clock), retry=RetryPolicy(attempts=attempts,
                                                                    clock=clock),
        headers={"Accept": "application/json"}, tenant_header="xero-tenant-id",
        trust_env=False, observer=records.append, connection_id="grant-7")


async def test_each_attempt_is_reported_with_status_and_the_budget_left(env: Env) -> None:
    records: list[CallRecord] = []
    faults = env.handle.emulator.faults
    faults.configure(error_5xx=1.0)
    clock = FakeClock()
    async with observed(env, clock, records, attempts=2) as http:
        await http.request("GET", "/Contacts", ctx=env.ctx("getContacts"),
                           params={"where": 'Name=="Private Person"'})
        faults.configure(error_5xx=0.0)
        await http.request("GET", "/Contacts", ctx=env.ctx("getContacts"))
    assert [(r.operation, r.method, r.attempt, r.status) for r in records] == [
        ("getContacts", "GET", 1, 503), ("getContacts", "GET", 2, 503),
        ("getContacts", "GET", 1, 200)]
    for r in records:
        assert (r.connection_id, r.app_id, r.tenant_id) == ("grant-7", "app-under-test",
                                                            env.tenant_id)
        assert r.error is None and r.duration_ms >= 0
    assert records[0].at == 1_700_000_000.0  # the policy's clock, not the system's
    last = records[-1]
    assert last.day_remaining is not None and last.minute_remaining is not None
    assert last.day_remaining < 5000 and last.minute_remaining < 60
    assert "Private Person" not in repr(records)


async def test_no_answer_is_reported_as_the_error_class(env: Env) -> None:
    records: list[CallRecord] = []
    nowhere = f"http://127.0.0.1:{free_port()}/api.xro/2.0"
    async with observed(env, FakeClock(), records, attempts=2, base_url=nowhere) as http:
        with pytest.raises(TransportError):
            await http.request("GET", "/Contacts", ctx=env.ctx("getContacts"))
    assert [(r.attempt, r.status, r.error) for r in records] == [
        (1, None, "ConnectError"), (2, None, "ConnectError")]
    assert all(r.day_remaining is None for r in records)


async def test_a_failing_observer_never_fails_the_call(env: Env,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    def broken(record: CallRecord) -> None:
        raise RuntimeError("the log is down")

    http = ProviderHttp(env.handle.api_url, auth=StaticBearer(env.token),
                        budget=MemoryBudget(XeroLimits(), FakeClock()),
                        retry=RetryPolicy(clock=FakeClock()), trust_env=False,
                        headers={"Accept": "application/json"},
                        tenant_header="xero-tenant-id", observer=broken)
    async with http:
        answer = await http.request("GET", "/Contacts", ctx=env.ctx("getContacts"))
    assert answer.status_code == 200
    assert "getContacts: the call observer failed" in caplog.text
    assert isinstance(answer, httpx2.Response)
