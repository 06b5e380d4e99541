"""Idempotency-Key: replay, clash, concurrent waiters, expiry, and retries after a lost answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from ledgerlink.emulator.core.clock import Clock
from ledgerlink.emulator.core.faults import Decision, FaultInjector
from ledgerlink.emulator.xero.errors import BadRequest
from ledgerlink.emulator.xero.idempotency import IdempotencyStore, StoredResponse, fingerprint

TENANT, OTHER = "tenant-1", "tenant-2"
KEY = "a" * 128
BODY = b'{"Invoices":[{"Type":"ACCREC"}]}'
FP = fingerprint("PUT", "/api.xro/2.0/Invoices", "summarizeErrors=True", BODY)
OK = StoredResponse(200, [("Content-Type", "application/json")], b'{"Id":"1"}')


class FrozenClock(Clock):
    """A Clock that only moves when told to."""

    def __init__(self) -> None:
        super().__init__()
        self._now = datetime(2025, 1, 1, tzinfo=UTC).timestamp()

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def store(clock: FrozenClock) -> IdempotencyStore:
    return IdempotencyStore(clock, ttl=600)


def test_fingerprint_distinguishes_what_matters() -> None:
    same = fingerprint("put", "/API.XRO/2.0/invoices", "summarizeErrors=True", BODY)
    assert same == FP  # method and path case do not matter
    assert fingerprint("POST", "/api.xro/2.0/Invoices", "summarizeErrors=True", BODY) != FP
    assert fingerprint("PUT", "/api.xro/2.0/Invoices", "", BODY) != FP
    assert fingerprint("PUT", "/api.xro/2.0/Invoices", "summarizeErrors=True", BODY + b" ") != FP
    # Parts cannot bleed into one another.
    assert fingerprint("PUT", "/a", "b", b"") != fingerprint("PUT", "/ab", "", b"")


async def test_first_use_runs_then_identical_request_replays(store: IdempotencyStore) -> None:
    assert await store.begin(TENANT, KEY, FP) is None
    store.finish(TENANT, KEY, OK)
    assert await store.begin(TENANT, KEY, FP) == OK
    assert await store.begin(TENANT, KEY, FP) == OK


async def test_same_key_for_a_different_request_is_a_400(store: IdempotencyStore) -> None:
    assert await store.begin(TENANT, KEY, FP) is None
    other = fingerprint("POST", "/api.xro/2.0/Invoices", "summarizeErrors=True", BODY)
    with pytest.raises(BadRequest) as info:  # refused while in flight ...
        await store.begin(TENANT, KEY, other)
    store.finish(TENANT, KEY, OK)
    with pytest.raises(BadRequest) as info:  # ... and once stored
        await store.begin(TENANT, KEY, other)
    assert info.value.status == 400
    assert info.value.body()["Type"] is None
    assert "different request" in info.value.body()["Message"]


async def test_key_length_is_checked(store: IdempotencyStore) -> None:
    with pytest.raises(BadRequest, match="128"):
        await store.begin(TENANT, "k" * 129, FP)
    with pytest.raises(BadRequest):
        await store.begin(TENANT, "", FP)
    assert await store.begin(TENANT, "k" * 128, FP) is None


async def test_keys_are_per_tenant(store: IdempotencyStore) -> None:
    assert await store.begin(TENANT, KEY, FP) is None
    store.finish(TENANT, KEY, OK)
    assert await store.begin(OTHER, KEY, FP) is None


async def test_failure_before_commit_releases_the_key(store: IdempotencyStore) -> None:
    assert await store.begin(TENANT, KEY, FP) is None
    store.finish(TENANT, KEY, None)
    assert await store.begin(TENANT, KEY, FP) is None  # the retry runs
    store.finish(TENANT, KEY, OK)
    assert await store.begin(TENANT, KEY, FP) == OK


async def test_entries_expire_after_ttl(store: IdempotencyStore, clock: FrozenClock) -> None:
    assert await store.begin(TENANT, KEY, FP) is None
    clock.advance(10_000)  # time in flight does not count against the ttl
    store.finish(TENANT, KEY, OK)
    clock.advance(599.9)
    assert await store.begin(TENANT, KEY, FP) == OK
    clock.advance(0.1)
    assert await store.begin(TENANT, KEY, FP) is None
    assert len(store) == 1  # the expired answer was dropped; only the new in-flight entry


async def test_concurrent_duplicate_waits_for_the_first_answer(store: IdempotencyStore) -> None:
    assert await store.begin(TENANT, KEY, FP) is None
    waiter = asyncio.create_task(store.begin(TENANT, KEY, FP))
    await asyncio.sleep(0.01)
    assert not waiter.done()  # it must not run the handler a second time
    store.finish(TENANT, KEY, OK)
    assert await asyncio.wait_for(waiter, 1) == OK


async def test_waiters_on_a_failed_first_call_run_one_at_a_time(store: IdempotencyStore) -> None:
    assert await store.begin(TENANT, KEY, FP) is None
    second = asyncio.create_task(store.begin(TENANT, KEY, FP))
    third = asyncio.create_task(store.begin(TENANT, KEY, FP))
    await asyncio.sleep(0.01)
    store.finish(TENANT, KEY, None)
    await asyncio.sleep(0.01)
    # Exactly one waiter takes over the key; the other keeps waiting for it.
    done = [t for t in (second, third) if t.done()]
    assert len(done) == 1 and done[0].result() is None
    pending = third if done[0] is second else second
    store.finish(TENANT, KEY, OK)
    assert await asyncio.wait_for(pending, 1) == OK


async def test_reset_forgets_keys_and_wakes_waiters(store: IdempotencyStore) -> None:
    assert await store.begin(TENANT, KEY, FP) is None
    waiter = asyncio.create_task(store.begin(TENANT, KEY, FP))
    await asyncio.sleep(0.01)
    store.reset()
    assert await asyncio.wait_for(waiter, 1) is None  # it now owns the key
    store.finish(TENANT, "never-begun", OK)  # unknown keys are ignored
    assert len(store) == 1


@pytest.mark.parametrize("fault", ["reset_after", "timeout_after"])
async def test_retry_after_a_lost_answer_replays_instead_of_writing_twice(
    store: IdempotencyStore, fault: str
) -> None:
    """The write committed but the client never saw the answer; its retry must not duplicate."""
    faults = FaultInjector(seed=1)
    faults.configure(**{fault: 1.0})
    invoices: list[bytes] = []

    async def serve(body: bytes) -> StoredResponse:
        """What the dispatcher does around a write, minus HTTP."""
        fp = fingerprint("PUT", "/api.xro/2.0/Invoices", "", body)
        decision = faults.decide("createInvoices", is_write=True)
        stored = await store.begin(TENANT, KEY, fp)
        if stored is not None:
            return stored
        invoices.append(body)  # the handler commits
        response = StoredResponse(200, [], b'{"n":%d}' % len(invoices))
        store.finish(TENANT, KEY, response)
        if decision in (Decision.RESET_AFTER, Decision.TIMEOUT_AFTER):
            raise ConnectionResetError("answer lost after commit")
        return response

    with pytest.raises(ConnectionResetError):
        await serve(BODY)
    faults.configure(**{fault: 0.0})
    replay = await serve(BODY)
    assert replay.body == b'{"n":1}'
    assert invoices == [BODY]
