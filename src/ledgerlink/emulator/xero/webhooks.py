"""Xero webhooks as the emulator sends them: batched signed payloads, retries, intent-to-receive."""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import random
import string
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx2

from ledgerlink.emulator.core.clock import Clock
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.ids import IdGen
from ledgerlink.emulator.xero import wire
from ledgerlink.emulator.xero.apps import XeroApp

RESOURCE_PATHS = {"CONTACT": "Contacts", "INVOICE": "Invoices", "CREDITNOTE": "CreditNotes"}
DELIVERY_TIMEOUT = 5.0  # Xero waits 5 seconds for the receiver's answer
ITR_SIGNED = (True, True, False, False)  # correctly and wrongly signed ITR payloads
KEY_ALPHABET = string.ascii_letters + string.digits + "+/"

Event = dict[str, Any]
Attempt = dict[str, Any]


class WebhookHost(Protocol):
    """What the service needs of the emulator (state.Emulator satisfies it)."""

    @property
    def apps(self) -> Mapping[str, XeroApp]: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def ids(self) -> IdGen: ...
    @property
    def config(self) -> EmulatorConfig: ...
    @property
    def orgs(self) -> Mapping[str, Any]: ...


def sign(key: str, body: bytes) -> str:
    """Xero's signature: base64 of HMAC-SHA256 over the exact body bytes."""
    digest = hmac.new(key.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _call_in_loop(loop: asyncio.AbstractEventLoop, fn: Callable[[], Any]) -> None:
    """Run fn on the loop that owns the object (timers and tasks are not thread-safe)."""
    if loop.is_closed():
        return
    if _running_loop() is loop:
        fn()
    else:
        loop.call_soon_threadsafe(fn)


class WebhookService:
    """Queues model events per app, delivers them in signed batches and runs ITR."""

    def __init__(self, emulator: WebhookHost) -> None:
        self._emulator = emulator
        # Optional transport (e.g. httpx2.ASGITransport) to deliver to an in-process receiver.
        self.transport: httpx2.AsyncBaseTransport | None = None
        self._queues: dict[str, list[Event]] = {}
        self._sequences: dict[str, int] = {}
        self._timers: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.TimerHandle]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_task: dict[str, asyncio.Task[None]] = {}
        self._deliveries: list[dict[str, Any]] = []
        self._itr: list[dict[str, Any]] = []

    # ---- lifecycle -------------------------------------------------------------------------
    def reset(self) -> None:
        """Drop queued events, timers, in-flight deliveries, sequences and logs."""
        for loop, handle in self._timers.values():
            _call_in_loop(loop, handle.cancel)
        for task in self._tasks:
            _call_in_loop(task.get_loop(), task.cancel)
        self._timers.clear()
        self._tasks.clear()
        self._last_task.clear()
        self._queues.clear()
        self._sequences.clear()
        self._deliveries.clear()
        self._itr.clear()

    # ---- events from the model layer -------------------------------------------------------
    def record(self, tenant_id: str, category: str, event_type: str, resource_id: str,
               data: dict[str, Any] | None) -> None:
        """Queue an event for every subscribed, healthy app connected to the tenant."""
        path = RESOURCE_PATHS.get(category)
        if path is None:
            return  # Xero has no webhooks for other resources
        when = wire.iso_no_zone(self._emulator.clock.now(), 3)
        for app in self._subscribers(tenant_id):
            event: Event = {
                "resourceUrl": f"{self._emulator.config.base_url}/api.xro/2.0/{path}/{resource_id}",
                "resourceId": resource_id,
                "eventDateUtc": when,
                "eventType": event_type,
                "eventCategory": category,
                "tenantId": tenant_id,
                "tenantType": "ORGANISATION",
            }
            if category == "CREDITNOTE" and data is not None:
                event["data"] = dict(data)
            seq = self._sequences.get(app.client_id, 0) + 1
            self._sequences[app.client_id] = seq
            self._queues.setdefault(app.client_id, []).append({"seq": seq, "event": event})
            self._schedule(app.client_id)

    def _subscribers(self, tenant_id: str) -> list[XeroApp]:
        connected = self._connected(tenant_id)
        return [
            app for app in self._emulator.apps.values()
            if app.webhook_url and app.webhook_status == "OK"
            and (connected is None or app.client_id in connected
                 or app.custom_org_id == tenant_id)
        ]

    def _connected(self, tenant_id: str) -> set[str] | None:
        """Client ids connected to the tenant, or None when identity cannot tell (all apps)."""
        identity = getattr(self._emulator, "identity", None)
        lookup = getattr(identity, "connected_apps", None)
        if not callable(lookup):
            return None
        return set(lookup(tenant_id))

    def _schedule(self, client_id: str) -> None:
        """Send the app's batch after the batch delay, so one request's events share a payload."""
        loop = _running_loop()
        if loop is None:
            return  # no loop: the events wait for flush()
        current = self._timers.get(client_id)
        if current is not None and current[0] is loop and not current[1].cancelled():
            return
        delay = self._emulator.config.webhook_batch_delay
        handle = loop.call_later(delay, self._on_timer, client_id)
        self._timers[client_id] = (loop, handle)

    def _on_timer(self, client_id: str) -> None:
        self._timers.pop(client_id, None)
        self._dispatch(client_id)

    # ---- delivery --------------------------------------------------------------------------
    async def flush(self) -> None:
        """Send everything queued now and wait for every delivery, retries included."""
        loop = asyncio.get_running_loop()
        while True:
            for client_id in list(self._queues):
                timer = self._timers.pop(client_id, None)
                if timer is not None:
                    _call_in_loop(timer[0], timer[1].cancel)
                self._dispatch(client_id)
            pending = [t for t in self._tasks if not t.done() and t.get_loop() is loop]
            if not pending and not self._queues:
                return
            await asyncio.gather(*pending, return_exceptions=True)

    def _dispatch(self, client_id: str) -> None:
        """Turn the app's queue into one signed payload and start delivering it."""
        queued = self._queues.pop(client_id, [])
        app = self._emulator.apps.get(client_id)
        if not queued or app is None or not app.webhook_url or app.webhook_status != "OK":
            return
        payload = {
            "events": [item["event"] for item in queued],
            "firstEventSequence": queued[0]["seq"],
            "lastEventSequence": queued[-1]["seq"],
            "entropy": self._entropy(),
        }
        body = wire.dumps(payload)  # serialised once: these exact bytes are signed and sent
        entry: dict[str, Any] = {
            "client_id": client_id,
            "app": app.name,
            "url": app.webhook_url,
            "first_sequence": payload["firstEventSequence"],
            "last_sequence": payload["lastEventSequence"],
            "event_count": len(queued),
            "payload": payload,
            "signature": sign(app.webhook_key, body),
            "signed_correctly": True,
            "attempts": [],
            "result": "pending",
            "at": self._now(),
        }
        self._deliveries.append(entry)
        previous = self._last_task.get(client_id)
        task = asyncio.get_running_loop().create_task(self._deliver(app, entry, body, previous))
        self._tasks.add(task)
        self._last_task[client_id] = task
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        for client_id, last in list(self._last_task.items()):
            if last is task:
                del self._last_task[client_id]

    async def _deliver(self, app: XeroApp, entry: dict[str, Any], body: bytes,
                       previous: asyncio.Task[None] | None) -> None:
        """POST one batch, retrying with exponential backoff; disable the app after the limit."""
        if previous is not None and not previous.done() \
                and previous.get_loop() is asyncio.get_running_loop():
            await asyncio.wait([previous])  # keep the app's batches in sequence order
        config = self._emulator.config
        limit = max(1, config.webhook_retry_limit)
        async with self._client() as client:
            for attempt in range(limit):
                if app.webhook_status != "OK":
                    entry["result"] = "abandoned"  # disabled meanwhile; Xero stops sending
                    return
                outcome = await self._post(client, entry["url"], body, entry["signature"])
                entry["attempts"].append(outcome)
                if outcome["status"] == 200:
                    entry["result"] = "delivered"
                    return
                if attempt + 1 < limit:
                    await asyncio.sleep(config.webhook_retry_base * 2**attempt)
        entry["result"] = "failed"
        app.webhook_status = "DISABLED"

    def _client(self) -> httpx2.AsyncClient:
        # trust_env off: proxy variables must not divert deliveries meant for local receivers.
        return httpx2.AsyncClient(timeout=DELIVERY_TIMEOUT, transport=self.transport,
                                  trust_env=False, follow_redirects=False)

    async def _post(self, client: httpx2.AsyncClient, url: str, body: bytes,
                    signature: str) -> Attempt:
        """One POST; the status, or the error that stood in for one."""
        headers = {"Content-Type": "application/json", "x-xero-signature": signature}
        at = self._now()
        try:
            response = await client.post(url, content=body, headers=headers)
        except httpx2.TimeoutException:
            return {"status": None, "error": "timeout", "at": at}
        except (httpx2.HTTPError, httpx2.InvalidURL) as exc:
            return {"status": None, "error": f"{type(exc).__name__}: {exc}", "at": at}
        return {"status": response.status_code, "error": None, "at": at}

    # ---- intent to receive -----------------------------------------------------------------
    async def intent_to_receive(self, client_id: str) -> dict[str, Any]:
        """Run ITR for the app now: 200 to every good signature and 401 to every bad one."""
        app = self._emulator.apps[client_id]
        result: dict[str, Any] = {
            "client_id": client_id, "url": app.webhook_url, "passed": False,
            "attempts": [], "at": self._now(),
        }
        if not app.webhook_url:
            result["error"] = "the app has no webhook URL"
            app.webhook_status = "ITR_FAILED"
            self._itr.append(result)
            return copy.deepcopy(result)
        flags = list(ITR_SIGNED)
        random.Random(self._emulator.ids.hex(8)).shuffle(flags)
        async with self._client() as client:
            for signed_correctly in flags:
                result["attempts"].append(
                    await self._itr_attempt(client, app, app.webhook_url, signed_correctly))
        result["passed"] = all(
            a["status"] == (200 if a["signed_correctly"] else 401) for a in result["attempts"])
        app.webhook_status = "OK" if result["passed"] else "ITR_FAILED"
        self._itr.append(result)
        return copy.deepcopy(result)

    async def _itr_attempt(self, client: httpx2.AsyncClient, app: XeroApp, url: str,
                           signed_correctly: bool) -> Attempt:
        payload = {"events": [], "firstEventSequence": 0, "lastEventSequence": 0,
                   "entropy": self._entropy()}
        body = wire.dumps(payload)
        key = app.webhook_key if signed_correctly else self._wrong_key(app.webhook_key)
        outcome = await self._post(client, url, body, sign(key, body))
        return {"signed_correctly": signed_correctly, **outcome}

    def _wrong_key(self, key: str) -> str:
        while True:
            candidate = self._emulator.ids.token(max(len(key), 32), KEY_ALPHABET)
            if candidate != key:
                return candidate

    # ---- logs ------------------------------------------------------------------------------
    def deliveries(self) -> list[dict[str, Any]]:
        """Every event batch sent, with each attempt's status or error (copies)."""
        return copy.deepcopy(self._deliveries)

    def itr_results(self) -> list[dict[str, Any]]:
        """Every intent-to-receive run, oldest first (copies)."""
        return copy.deepcopy(self._itr)

    # ---- helpers ---------------------------------------------------------------------------
    def _entropy(self) -> str:
        return self._emulator.ids.token(20, string.ascii_uppercase)

    def _now(self) -> str:
        return self._emulator.clock.now().isoformat()
