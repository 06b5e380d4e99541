"""Xero's Idempotency-Key: replay a stored answer for a repeated write, refuse a reused key."""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections import OrderedDict
from dataclasses import dataclass, field

from ledgerlink.emulator.core.clock import Clock
from ledgerlink.emulator.xero.errors import BadRequest

MAX_KEY_LENGTH = 128
CLASH_MESSAGE = "Idempotency key already used for a different request"


@dataclass
class StoredResponse:
    """The answer a key is bound to, replayed byte for byte."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class _Entry:
    """One key: the request it was first used for and its answer once there is one."""

    fingerprint: str
    done: asyncio.Event = field(default_factory=asyncio.Event)
    response: StoredResponse | None = None
    expires_at: float = math.inf  # set when the answer is stored


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """A digest of what makes two requests "the same": method, path, query and body."""
    outer = hashlib.sha256()
    # Length-prefixed parts, so no two different requests can concatenate to the same bytes.
    for part in (method.upper(), path.lower(), query, hashlib.sha256(body).hexdigest()):
        data = part.encode("utf-8")
        outer.update(len(data).to_bytes(8, "big"))
        outer.update(data)
    return outer.hexdigest()


class IdempotencyStore:
    """Keys per tenant; answers expire `ttl` seconds after they were stored."""

    def __init__(self, clock: Clock, ttl: float) -> None:
        self._clock = clock
        self.ttl = ttl
        self._pending: dict[tuple[str, str], _Entry] = {}
        # Insertion order is expiry order (one ttl for all): sweeping stops at the first live one.
        self._done: OrderedDict[tuple[str, str], _Entry] = OrderedDict()

    async def begin(self, tenant_id: str, key: str,
                    fingerprint: str) -> StoredResponse | None:
        """None when the caller should run the request; else the answer to replay.

        A second request with a key still in flight waits for the first one's outcome.
        """
        _check_key(key)
        slot = (tenant_id, key)
        while True:
            self._sweep()
            entry = self._pending.get(slot) or self._done.get(slot)
            if entry is None:
                self._pending[slot] = _Entry(fingerprint)
                return None
            if entry.fingerprint != fingerprint:
                raise BadRequest(CLASH_MESSAGE, type_=None)
            if entry.response is not None:
                return entry.response
            await entry.done.wait()
            # Loop: the first call either stored an answer or released the key to us.

    def finish(self, tenant_id: str, key: str, response: StoredResponse | None) -> None:
        """Bind the key to `response`, or release it (None) so a retry runs afresh."""
        slot = (tenant_id, key)
        entry = self._pending.pop(slot, None)
        if entry is None:
            return
        if response is not None:
            entry.response = response
            entry.expires_at = self._clock.time() + self.ttl
            self._done[slot] = entry
        entry.done.set()

    def reset(self) -> None:
        """Forget every key; anyone waiting on one goes on to run its own request."""
        pending = list(self._pending.values())
        self._pending.clear()
        self._done.clear()
        for entry in pending:
            entry.done.set()

    def __len__(self) -> int:
        return len(self._pending) + len(self._done)

    def _sweep(self) -> None:
        """Drop stored answers past their expiry, oldest first."""
        now = self._clock.time()
        while self._done:
            slot, entry = next(iter(self._done.items()))
            if entry.expires_at > now:
                break
            del self._done[slot]


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BadRequest(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters long",
                         type_=None)
