"""Webhooks end to end: intent-to-receive and signed, batched events to a real local receiver."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn

from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator
from tests.emulator.http.support import api_client, connect, contact, invoice, ok, sale

EVENT_DATE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$"


@pytest.fixture(scope="module")
def emulator_config() -> EmulatorConfig:
    """Events wait for an explicit flush (long batch delay); failed deliveries retry fast."""
    return EmulatorConfig(seed="empty", rate_limits=False, webhook_batch_delay=30.0,
                          webhook_retry_base=0.01, webhook_retry_limit=3)


@dataclass
class Received:
    """One POST the receiver got, with the status it answered."""

    path: str
    headers: dict[str, str]
    raw: bytes
    status: int

    @property
    def payload(self) -> Any:
        """The body as JSON."""
        return json.loads(self.raw)


def signature_of(key: str, raw: bytes) -> str:
    """Xero's x-xero-signature: base64 of HMAC-SHA256 over the raw body."""
    return base64.b64encode(hmac.new(key.encode(), raw, hashlib.sha256).digest()).decode()


@dataclass
class Receiver:
    """A webhook endpoint: paths with a key verify the signature, others say 200 to anything."""

    keys: dict[str, str] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        raw, more = b"", True
        while more:
            message = await receive()
            raw += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        status = self.answer(scope["path"], headers.get("x-xero-signature", ""), raw)
        with self.lock:
            self.received.append(Received(scope["path"], headers, raw, status))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    def answer(self, path: str, signature: str, raw: bytes) -> int:
        """401 for a bad signature (compared in constant time), 500 when told to fail."""
        if path in self.failing:
            return 500
        key = self.keys.get(path)
        if key is None:
            return 200
        return 200 if hmac.compare_digest(signature, signature_of(key, raw)) else 401

    def at(self, path: str) -> list[Received]:
        """What arrived on one path so far."""
        with self.lock:
            return [r for r in self.received if r.path == path]


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[Receiver, str]]:
    """The receiver served by uvicorn on a loopback port the OS picked."""
    app = Receiver()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off",
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="webhook-receiver", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "receiver did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield app, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Hooked:
    """An app with a webhook subscription, connected to the organisation."""

    app: dict[str, Any]
    api: httpx.Client
    itr: dict[str, Any]


def register(ctl: httpx.Client, name: str, url: str) -> dict[str, Any]:
    """Register an app with a webhook URL through the control plane."""
    response = ctl.post("/_emulator/apps", json={"name": name, "webhook_url": url,
                                                 "redirect_uris": ["http://127.0.0.1/cb"]})
    app: dict[str, Any] = ok(response, 201)
    return app


@pytest.fixture(scope="module")
def hooked(emulator: RunningEmulator, ctl: httpx.Client, info: dict[str, Any],
           receiver: tuple[Receiver, str]) -> Iterator[Hooked]:
    """A verifying receiver's app, connected, after its intent-to-receive."""
    rec, base = receiver
    app = register(ctl, "hooked app", f"{base}/good")
    rec.keys["/good"] = app["webhook_key"]
    token = connect(ctl, app["client_id"], [info["tenant_id"]])
    itr = ok(ctl.post("/_emulator/webhooks/itr", json={"client_id": app["client_id"]}))
    with api_client(emulator, token["access_token"], info["tenant_id"]) as api:
        yield Hooked(app, api, itr)


def flush(ctl: httpx.Client) -> list[dict[str, Any]]:
    """Deliver everything queued and return the delivery log."""
    log: list[dict[str, Any]] = ok(ctl.post("/_emulator/webhooks/deliveries"))
    return log


def test_intent_to_receive_passes_for_a_verifying_receiver(
        hooked: Hooked, receiver: tuple[Receiver, str]) -> None:
    rec, _ = receiver
    assert hooked.itr["passed"] is True
    attempts = hooked.itr["attempts"]
    assert sorted(a["signed_correctly"] for a in attempts) == [False, False, True, True]
    assert all(a["status"] == (200 if a["signed_correctly"] else 401) for a in attempts)
    arrived = rec.at("/good")
    assert len(arrived) == 4
    for item in arrived:
        payload = item.payload
        assert payload["events"] == []
        assert payload["firstEventSequence"] == payload["lastEventSequence"] == 0
        assert payload["entropy"]
    assert sorted(r.status for r in arrived) == [200, 200, 401, 401]


def test_intent_to_receive_fails_for_a_receiver_that_says_200_to_everything(
        ctl: httpx.Client, info: dict[str, Any], receiver: tuple[Receiver, str]) -> None:
    rec, base = receiver
    app = register(ctl, "lazy app", f"{base}/lazy")
    connect(ctl, app["client_id"], [info["tenant_id"]])
    result = ok(ctl.post("/_emulator/webhooks/itr", json={"client_id": app["client_id"]}))
    assert result["passed"] is False
    assert [a["status"] for a in result["attempts"]] == [200] * 4
    assert len(rec.at("/lazy")) == 4
    recorded = ok(ctl.get("/_emulator/webhooks/itr"))
    assert [r["passed"] for r in recorded if r["client_id"] == app["client_id"]] == [False]
    apps = {a["client_id"]: a for a in ok(ctl.get("/_emulator/apps"))}
    assert apps[app["client_id"]]["webhook_status"] == "ITR_FAILED"


def test_contact_and_invoice_events_arrive_signed_and_batched(
        emulator: RunningEmulator, ctl: httpx.Client, info: dict[str, Any], hooked: Hooked,
        receiver: tuple[Receiver, str]) -> None:
    rec, _ = receiver
    before = len(rec.at("/good"))
    api = hooked.api
    cid = contact(api, "Webhook Customer")
    ok(api.post(f"/Contacts/{cid}", json={"Contacts": [{"EmailAddress": "a@b.example"}]}))
    inv = invoice(api, cid, [sale(10)], status="DRAFT")
    ok(api.post(f"/Invoices/{inv['InvoiceID']}", json={"Invoices": [{"Status": "AUTHORISED"}]}))
    assert len(rec.at("/good")) == before  # nothing is sent before the batch is flushed
    log = flush(ctl)
    arrived = rec.at("/good")[before:]
    assert len(arrived) == 1  # one batch for the app
    delivery = arrived[0]
    assert delivery.status == 200  # the receiver verified the signature
    assert delivery.headers["x-xero-signature"] == signature_of(hooked.app["webhook_key"],
                                                                delivery.raw)
    assert delivery.headers["content-type"] == "application/json"
    payload = delivery.payload
    assert set(payload) == {"events", "firstEventSequence", "lastEventSequence", "entropy"}
    assert payload["lastEventSequence"] - payload["firstEventSequence"] == 3
    seen = [(e["eventCategory"], e["eventType"], e["resourceId"]) for e in payload["events"]]
    assert seen == [("CONTACT", "CREATE", cid), ("CONTACT", "UPDATE", cid),
                    ("INVOICE", "CREATE", inv["InvoiceID"]),
                    ("INVOICE", "UPDATE", inv["InvoiceID"])]
    for event in payload["events"]:
        path = "Contacts" if event["eventCategory"] == "CONTACT" else "Invoices"
        assert event["resourceUrl"] == f"{emulator.api_url}/{path}/{event['resourceId']}"
        assert event["tenantId"] == info["tenant_id"]
        assert event["tenantType"] == "ORGANISATION"
        assert re.fullmatch(EVENT_DATE, event["eventDateUtc"])
    mine = [d for d in log if d["client_id"] == hooked.app["client_id"]]
    assert mine[-1]["result"] == "delivered"
    assert [a["status"] for a in mine[-1]["attempts"]] == [200]
    assert mine[-1]["event_count"] == 4


def test_credit_note_events_carry_type_and_status(ctl: httpx.Client, hooked: Hooked,
                                                  receiver: tuple[Receiver, str]) -> None:
    rec, _ = receiver
    before = len(rec.at("/good"))
    cid = contact(hooked.api, "Webhook Credit Customer")
    note = ok(hooked.api.put("/CreditNotes", json={"CreditNotes": [{
        "Type": "ACCRECCREDIT", "Contact": {"ContactID": cid}, "Status": "AUTHORISED",
        "LineItems": [sale(5)]}]}))["CreditNotes"][0]
    flush(ctl)
    events = [e for r in rec.at("/good")[before:] for e in r.payload["events"]]
    notes = [e for e in events if e["eventCategory"] == "CREDITNOTE"]
    assert [(e["eventType"], e["resourceId"], e["data"]) for e in notes] == [
        ("CREATE", note["CreditNoteID"], {"Type": "ACCRECCREDIT", "Status": "AUTHORISED"})]
    assert all(r.status == 200 for r in rec.at("/good")[before:])


def test_a_failing_receiver_is_retried_then_disabled(ctl: httpx.Client, hooked: Hooked,
                                                     receiver: tuple[Receiver, str]) -> None:
    rec, _ = receiver
    before = len(rec.at("/good"))
    rec.failing.add("/good")
    try:
        contact(hooked.api, "Webhook Unlucky")
        log = flush(ctl)
    finally:
        rec.failing.discard("/good")
    last = [d for d in log if d["client_id"] == hooked.app["client_id"]][-1]
    assert last["result"] == "failed"
    assert [a["status"] for a in last["attempts"]] == [500, 500, 500]  # webhook_retry_limit
    retried = rec.at("/good")[before:]
    assert len(retried) == 3
    assert len({r.raw for r in retried}) == 1  # the same signed bytes each time
    apps = {a["client_id"]: a for a in ok(ctl.get("/_emulator/apps"))}
    assert apps[hooked.app["client_id"]]["webhook_status"] == "DISABLED"
    contact(hooked.api, "Webhook Ignored")
    flush(ctl)
    assert len(rec.at("/good")) == before + 3  # a disabled subscription gets nothing
