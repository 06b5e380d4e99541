"""Webhook delivery, signing, batching, retries and ITR against a real loopback receiver."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledgerlink.emulator.core.clock import Clock
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.ids import IdGen
from ledgerlink.emulator.xero.apps import XeroApp
from ledgerlink.emulator.xero.webhooks import WebhookService

KEY = "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seQ=="
TENANT = "aef86862-2015-4b6b-88bc-d89032cecc50"
OTHER_TENANT = "11111111-2222-4333-8444-555555555555"


@dataclass
class Receiver:
    """A webhook endpoint that checks signatures like a correct (or a careless) receiver."""

    key: str = KEY
    mode: str = "verify"  # verify | always200
    fail_first: int = 0  # answer 500 to this many requests first
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()  # the raw bytes: re-serialising would break the HMAC
        expected = base64.b64encode(hmac.new(self.key.encode(), body, hashlib.sha256).digest())
        valid = hmac.compare_digest(expected, request.headers["x-xero-signature"].encode())
        status = 200 if valid or self.mode == "always200" else 401
        if self.fail_first > 0:
            self.fail_first -= 1
            status = 500
        self.requests.append(
            {
                "body": body,
                "valid": valid,
                "status": status,
                "content_type": request.headers.get("content-type"),
            }
        )
        return Response(status_code=status)

    def payloads(self, status: int = 200) -> list[dict[str, Any]]:
        """The JSON payloads that were answered with `status`."""
        return [json.loads(r["body"]) for r in self.requests if r["status"] == status]


@dataclass
class FakeEmulator:
    """The attributes WebhookService reads from the emulator, and nothing else."""

    config: EmulatorConfig
    apps: dict[str, XeroApp] = field(default_factory=dict)
    orgs: dict[str, Any] = field(default_factory=dict)
    clock: Clock = field(default_factory=Clock)
    ids: IdGen = field(default_factory=lambda: IdGen(7))


@dataclass
class FakeIdentity:
    """Stands in for the identity service's connection registry."""

    connections: dict[str, set[str]]

    def connected_apps(self, tenant_id: str) -> set[str]:
        return self.connections.get(tenant_id, set())


@dataclass
class IdentityEmulator(FakeEmulator):
    identity: FakeIdentity = field(default_factory=lambda: FakeIdentity({}))


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """Serve a Receiver with uvicorn on 127.0.0.1 and an OS-chosen port."""
    rec = Receiver()
    app = Starlette(routes=[Route("/hook", rec.endpoint, methods=["POST"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    rec.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield rec
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


def make_emulator(url: str | None, retry_limit: int = 4) -> FakeEmulator:
    config = EmulatorConfig(
        base_url="http://127.0.0.1:8766",
        webhook_batch_delay=0.01,
        webhook_retry_base=0.01,
        webhook_retry_limit=retry_limit,
    )
    emu = FakeEmulator(config=config)
    emu.apps["APP1"] = XeroApp("APP1", "secret", "app one", webhook_url=url, webhook_key=KEY)
    return emu


async def test_events_of_one_request_go_out_in_one_signed_payload(receiver: Receiver) -> None:
    emu = make_emulator(receiver.url)
    hooks = WebhookService(emu)
    hooks.record(TENANT, "CONTACT", "CREATE", "c1", None)
    hooks.record(TENANT, "INVOICE", "UPDATE", "i1", None)
    hooks.record(TENANT, "CREDITNOTE", "CREATE", "n1", {"Type": "ACCRECCREDIT", "Status": "DRAFT"})
    await hooks.flush()

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["valid"] and request["status"] == 200
    assert request["content_type"] == "application/json"
    payload = json.loads(request["body"])
    assert payload["firstEventSequence"] == 1 and payload["lastEventSequence"] == 3
    assert len(payload["entropy"]) == 20 and payload["entropy"].isalpha()
    assert payload["entropy"].isupper()
    contact, invoice, credit = payload["events"]
    assert contact == {
        "resourceUrl": "http://127.0.0.1:8766/api.xro/2.0/Contacts/c1",
        "resourceId": "c1",
        "eventDateUtc": contact["eventDateUtc"],
        "eventType": "CREATE",
        "eventCategory": "CONTACT",
        "tenantId": TENANT,
        "tenantType": "ORGANISATION",
    }
    assert len(contact["eventDateUtc"]) == 23 and contact["eventDateUtc"][19] == "."
    assert invoice["resourceUrl"].endswith("/Invoices/i1") and invoice["eventType"] == "UPDATE"
    assert "data" not in invoice
    assert credit["resourceUrl"].endswith("/CreditNotes/n1")
    assert credit["data"] == {"Type": "ACCRECCREDIT", "Status": "DRAFT"}

    log = hooks.deliveries()
    summary = [(d["first_sequence"], d["last_sequence"], d["result"]) for d in log]
    assert summary == [(1, 3, "delivered")]
    assert log[0]["signed_correctly"] and log[0]["attempts"][0]["status"] == 200


async def test_sequences_increase_across_batches_and_the_timer_sends_without_flush(
    receiver: Receiver,
) -> None:
    hooks = WebhookService(make_emulator(receiver.url))
    hooks.record(TENANT, "CONTACT", "CREATE", "c1", None)
    hooks.record(TENANT, "CONTACT", "UPDATE", "c1", None)
    for _ in range(200):  # the batch timer (10 ms) must send it on its own
        if receiver.requests:
            break
        await asyncio.sleep(0.01)
    hooks.record(OTHER_TENANT, "INVOICE", "CREATE", "i9", None)
    await hooks.flush()

    payloads = receiver.payloads()
    assert [(p["firstEventSequence"], p["lastEventSequence"]) for p in payloads] == [(1, 2), (3, 3)]
    assert payloads[1]["events"][0]["tenantId"] == OTHER_TENANT


async def test_ignores_apps_without_webhook_url_and_unknown_categories(receiver: Receiver) -> None:
    emu = make_emulator(None)
    hooks = WebhookService(emu)
    hooks.record(TENANT, "CONTACT", "CREATE", "c1", None)
    emu.apps["APP1"].webhook_url = receiver.url
    hooks.record(TENANT, "PAYMENT", "CREATE", "p1", None)
    await hooks.flush()
    assert receiver.requests == [] and hooks.deliveries() == []


async def test_only_apps_connected_to_the_tenant_receive_its_events(receiver: Receiver) -> None:
    base = make_emulator(receiver.url)
    emu = IdentityEmulator(
        config=base.config, apps=base.apps, identity=FakeIdentity({TENANT: {"APP1"}})
    )
    emu.apps["APP2"] = XeroApp("APP2", "s", "two", webhook_url=receiver.url, webhook_key="other")
    hooks = WebhookService(emu)
    hooks.record(TENANT, "CONTACT", "CREATE", "c1", None)
    hooks.record(OTHER_TENANT, "CONTACT", "CREATE", "c2", None)
    await hooks.flush()
    assert [d["client_id"] for d in hooks.deliveries()] == ["APP1"]
    assert [e["resourceId"] for p in receiver.payloads() for e in p["events"]] == ["c1"]


async def test_retries_after_500s_then_succeeds_with_the_same_bytes(receiver: Receiver) -> None:
    receiver.fail_first = 2
    emu = make_emulator(receiver.url)
    hooks = WebhookService(emu)
    hooks.record(TENANT, "INVOICE", "CREATE", "i1", None)
    await hooks.flush()

    assert [r["status"] for r in receiver.requests] == [500, 500, 200]
    assert len({r["body"] for r in receiver.requests}) == 1
    (entry,) = hooks.deliveries()
    assert [a["status"] for a in entry["attempts"]] == [500, 500, 200]
    assert entry["result"] == "delivered" and emu.apps["APP1"].webhook_status == "OK"


async def test_disables_the_app_after_the_retry_limit(receiver: Receiver) -> None:
    receiver.fail_first = 100
    emu = make_emulator(receiver.url, retry_limit=3)
    hooks = WebhookService(emu)
    hooks.record(TENANT, "CONTACT", "CREATE", "c1", None)
    await hooks.flush()
    assert emu.apps["APP1"].webhook_status == "DISABLED"
    (entry,) = hooks.deliveries()
    assert entry["result"] == "failed" and len(entry["attempts"]) == 3

    hooks.record(TENANT, "CONTACT", "UPDATE", "c1", None)
    await hooks.flush()
    assert len(receiver.requests) == 3 and len(hooks.deliveries()) == 1


async def test_connection_errors_count_as_failures() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused
    emu = make_emulator(f"http://127.0.0.1:{sock.getsockname()[1]}/hook", retry_limit=2)
    hooks = WebhookService(emu)
    try:
        hooks.record(TENANT, "CONTACT", "CREATE", "c1", None)
        await hooks.flush()
    finally:
        sock.close()
    (entry,) = hooks.deliveries()
    assert [a["status"] for a in entry["attempts"]] == [None, None]
    assert all(a["error"] for a in entry["attempts"])
    assert emu.apps["APP1"].webhook_status == "DISABLED"


async def test_itr_passes_against_a_verifying_receiver_and_reenables(receiver: Receiver) -> None:
    emu = make_emulator(receiver.url)
    emu.apps["APP1"].webhook_status = "DISABLED"
    hooks = WebhookService(emu)
    result = await hooks.intent_to_receive("APP1")

    assert result["passed"] and result["client_id"] == "APP1" and result["url"] == receiver.url
    assert sorted(a["signed_correctly"] for a in result["attempts"]) == [False, False, True, True]
    assert all(a["status"] == (200 if a["signed_correctly"] else 401) for a in result["attempts"])
    for body in receiver.payloads(200) + receiver.payloads(401):
        assert body["events"] == [] and body["firstEventSequence"] == 0
        assert body["lastEventSequence"] == 0 and len(body["entropy"]) == 20
    assert [r["valid"] for r in receiver.requests] == [
        a["signed_correctly"] for a in result["attempts"]
    ]
    assert emu.apps["APP1"].webhook_status == "OK"
    assert hooks.itr_results() == [result]

    hooks.record(TENANT, "CONTACT", "CREATE", "c1", None)
    await hooks.flush()
    assert hooks.deliveries()[0]["result"] == "delivered"


async def test_itr_fails_when_the_receiver_accepts_bad_signatures(receiver: Receiver) -> None:
    receiver.mode = "always200"
    emu = make_emulator(receiver.url)
    hooks = WebhookService(emu)
    result = await hooks.intent_to_receive("APP1")

    assert not result["passed"]
    bad = [a for a in result["attempts"] if not a["signed_correctly"]]
    assert len(bad) == 2 and all(a["status"] == 200 for a in bad)
    assert emu.apps["APP1"].webhook_status == "ITR_FAILED"

    hooks.record(TENANT, "CONTACT", "CREATE", "c1", None)
    await hooks.flush()
    assert len(receiver.requests) == 4 and hooks.deliveries() == []


async def test_reset_drops_queued_events_and_logs(receiver: Receiver) -> None:
    hooks = WebhookService(make_emulator(receiver.url))
    hooks.record(TENANT, "CONTACT", "CREATE", "c1", None)
    hooks.reset()
    await hooks.flush()
    await asyncio.sleep(0.05)
    assert receiver.requests == [] and hooks.deliveries() == [] and hooks.itr_results() == []
