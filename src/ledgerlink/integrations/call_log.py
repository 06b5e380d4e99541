"""The activity log's recorder: provider calls queued on the request path, stored in the background.

`ProviderHttp` reports each attempt (`http.observer.CallRecord`) synchronously. `CallLog.record`
only appends it to a bounded in-memory queue (when full, the oldest record is dropped and
counted) and makes sure a flusher task runs; the flusher waits `flush_delay` to gather a batch,
then inserts the queue in batches and prunes each organisation it touched to its latest
`keep` calls. A failed write is logged and its batch dropped: the log is a convenience, and
neither a slow nor a failing database ever delays or fails a provider call.

The flusher is started on first use, on the loop the call ran on, and ends when the queue is
empty (the next record starts another). `Hub.close()` calls `aclose()`, which writes whatever
is still queued; tests call `flush()` to read what they just did.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any

from ledgerlink.db.engine import Database
from ledgerlink.http.observer import CallObserver, CallRecord
from ledgerlink.integrations import activity_repository as repository

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from ledgerlink.db.models.activity import ProviderCall
    from ledgerlink.hub import Hub

log = logging.getLogger("ledgerlink.activity")

KEEP_PER_ORGANISATION = 200  # calls kept per organisation; older ones are pruned
QUEUE_SIZE = 5000  # records waiting for the database; beyond it the oldest are dropped
BATCH_SIZE = 200  # rows per INSERT
FLUSH_DELAY = 0.5  # seconds the flusher waits for more records before writing
_OPERATION_CHARS = 80  # the column sizes
_ERROR_CHARS = 80


def row_of(platform: str, record: CallRecord) -> dict[str, Any]:
    """The stored form of a record: names, numbers and times only."""
    return {
        "platform": platform, "tenant_id": record.tenant_id[:64],
        "grant_id": (record.connection_id or "")[:36] or None,
        "operation": record.operation[:_OPERATION_CHARS], "method": record.method[:10],
        "attempt": record.attempt, "status": record.status,
        "error": record.error[:_ERROR_CHARS] if record.error else None,
        "duration_ms": record.duration_ms, "at": datetime.fromtimestamp(record.at, UTC),
        "day_remaining": record.day_remaining, "minute_remaining": record.minute_remaining,
    }


class CallLog:
    """The hub's activity log writer (one per hub; see the module docstring)."""

    def __init__(self, db: Database, *, keep: int = KEEP_PER_ORGANISATION,
                 queue_size: int = QUEUE_SIZE, batch_size: int = BATCH_SIZE,
                 flush_delay: float = FLUSH_DELAY) -> None:
        if keep < 1 or queue_size < 1 or batch_size < 1:
            raise ValueError("keep, queue_size and batch_size must be at least 1")
        self.db = db
        self.keep = keep
        self.batch_size = batch_size
        self.flush_delay = flush_delay
        self.dropped = 0  # records lost to a full queue or a failed write
        self._queue: deque[dict[str, Any]] = deque(maxlen=queue_size)
        self._task: asyncio.Task[None] | None = None
        self._lock: asyncio.Lock | None = None
        self._closed = False

    def observer(self, platform: str) -> CallObserver:
        """The observer to give a provider's ProviderHttp."""
        def observe(record: CallRecord) -> None:
            self.record(platform, record)

        return observe

    @property
    def pending(self) -> int:
        """Records waiting for the database."""
        return len(self._queue)

    def record(self, platform: str, record: CallRecord) -> None:
        """Queue one call (never blocks, never raises on a full queue)."""
        if self._closed:
            return
        if len(self._queue) == self._queue.maxlen:
            self.dropped += 1  # deque(maxlen) drops the oldest as we append
        self._queue.append(row_of(platform, record))
        self._ensure_flusher()

    def _ensure_flusher(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (synchronous code): the next flush or close writes it
            return
        task = self._task
        if task is not None and not task.done() and task.get_loop() is loop:
            return
        if self._lock is None or (task is not None and task.get_loop() is not loop):
            self._lock = asyncio.Lock()  # a lock belongs to one loop
        self._task = loop.create_task(self._run(), name="ledgerlink-call-log")

    async def _run(self) -> None:
        await asyncio.sleep(self.flush_delay)
        # Shielded: a close that cancels the wait must not cut a batch write in half.
        await asyncio.shield(self.flush())

    async def flush(self) -> None:
        """Write everything queued now (each batch in its own transaction)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            while self._queue:
                count = min(len(self._queue), self.batch_size)
                await self._write([self._queue.popleft() for _ in range(count)])

    async def _write(self, rows: list[dict[str, Any]]) -> None:
        organisations = list(dict.fromkeys((r["platform"], r["tenant_id"]) for r in rows))
        try:
            async with self.db.session() as session:
                await repository.append(session, rows)
                await repository.prune(session, organisations, self.keep)
        except Exception as exc:  # never let the log's database trouble reach a call
            self.dropped += len(rows)
            log.warning("could not store %d provider call record(s): %s", len(rows),
                        type(exc).__name__)

    async def aclose(self) -> None:
        """Stop taking records and write what is queued."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            with contextlib.suppress(RuntimeError):  # a task of another (closed) loop
                task.cancel()
                if task.get_loop() is asyncio.get_running_loop():
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        await self.flush()


def call_log(hub: Hub) -> CallLog:
    """The hub's activity log (made on first use)."""
    if hub.call_log is None:
        hub.call_log = CallLog(hub.db)
    return hub.call_log


# ---- reading it ----------------------------------------------------------------------------
def start_of_day(now: datetime) -> datetime:
    """Midnight UTC of `now`'s day: where a day's budget is counted from."""
    return datetime.combine(now.astimezone(UTC).date(), time(0), UTC)


async def recent_calls(session: AsyncSession, platform: str, tenant_id: str,
                       limit: int = 50) -> list[ProviderCall]:
    """An organisation's latest calls, newest first."""
    return await repository.latest(session, platform.lower(), tenant_id, limit)


async def last_calls(session: AsyncSession) -> Mapping[tuple[str, str], datetime]:
    """(platform, tenant id) → when its latest recorded call was made."""
    return await repository.last_call_times(session)


async def budgets_today(session: AsyncSession, now: datetime,
                        organisation: tuple[str, str] | None = None
                        ) -> Mapping[tuple[str, str], int]:
    """(platform, tenant id) → the calls left today by its latest answer of today (UTC day,
    as Xero counts its daily limit); every organisation, or only the one given."""
    return await repository.day_remaining_since(session, start_of_day(now), organisation)
