"""Actions on integrations: validate, claim an ActionRun (Idempotency-Key), run, store, replay.

A run owns its transactions, unlike other services: the claim must be committed before Xero
is called, so that a concurrent twin with the same Idempotency-Key sees it (the unique
constraint on (integration, key) decides who runs; the other waits for the outcome and
replays it). Every Xero write of a run derives its own Idempotency-Key from the run's id, so
retries inside the provider layer, and re-runs of a failed or abandoned run, never write
twice. A run's CRM writes (links to Xero records) commit together with its result.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.db.base import new_uuid, utcnow
from ledgerlink.db.models.integrations import ActionRun, Integration
from ledgerlink.errors import (
    ConflictingInputError,
    IdempotencyKeyReusedError,
    InputError,
    LedgerlinkError,
    NotFoundError,
    RecordNotFoundError,
    RunInProgressError,
    ValidationError,
)
from ledgerlink.hub import Hub
from ledgerlink.integrations import actions_repository as runs
from ledgerlink.integrations.actions_contacts import create_contact_action
from ledgerlink.integrations.actions_context import ActionContext
from ledgerlink.integrations.actions_invoices import (
    create_invoice_action,
    update_invoice_action,
)
from ledgerlink.integrations.actions_repeating import create_repeating_action
from ledgerlink.integrations.actions_results import ActionResult
from ledgerlink.integrations.actions_schemas import (
    ActionParams,
    AnyAction,
    CreateContactParams,
    CreateInvoiceParams,
    RepeatingInvoiceParams,
    UpdateInvoiceParams,
)
from ledgerlink.integrations.service import get_integration, require_usable

Handler = Callable[[ActionContext, Any], Awaitable[Any]]
WAIT_SECONDS = 20.0  # how long a duplicate waits for the first run's outcome
POLL_SECONDS = 0.05
# A running run's owner touches it this often; one untouched for STALE_AFTER lost its owner
# (a crash, or the database went away mid-run) and the next repeat of its key takes it over.
# STALE_AFTER stays well above SQLite's 30 s busy wait, so an owner stuck behind a lock is
# not mistaken for a dead one.
HEARTBEAT_SECONDS = 10.0
STALE_AFTER = timedelta(seconds=60)
log = logging.getLogger("ledgerlink.actions")


@dataclass(frozen=True)
class ActionType:
    """One action type: its parameters and its handler."""

    params: type[ActionParams]
    handler: Handler


ACTION_TYPES: dict[str, dict[str, ActionType]] = {"xero": {
    "xero_create_contact": ActionType(CreateContactParams, create_contact_action),
    "xero_create_invoice": ActionType(CreateInvoiceParams, create_invoice_action),
    "xero_create_contact_and_invoice": ActionType(CreateInvoiceParams, create_invoice_action),
    "xero_update_invoice": ActionType(UpdateInvoiceParams, update_invoice_action),
    "xero_create_repeating_invoice": ActionType(RepeatingInvoiceParams,
                                                create_repeating_action),
}}


@dataclass(frozen=True)
class ActionOutcome:
    """What to answer: the status and body of the run (replayed or fresh)."""

    status_code: int
    body: dict[str, Any]
    replayed: bool
    run_id: str


class ReplayedError(LedgerlinkError):
    """A stored failure answered again for a repeated Idempotency-Key."""

    def __init__(self, stored: dict[str, Any]) -> None:
        super().__init__(str(stored.get("message", "")), field=stored.get("field"),
                         details=stored.get("details"))
        # The status and code the first run answered, whatever class raised them then.
        self.status = int(stored.get("status", 500))
        self.code = str(stored.get("code", "internal_error"))


def action_type(integration: Integration, name: str) -> ActionType:
    """The action type for this integration's platform (the request schema lists them all)."""
    types = ACTION_TYPES.get(integration.platform, {})
    if name not in types:
        allowed = sorted(types)
        raise ConflictingInputError(
            f"action_type: '{name}' is not an action of a {integration.platform} integration. "
            f"Allowed: {', '.join(allowed)}", field="action_type",
            details={"allowed": allowed})
    return types[name]


def request_hash(request: AnyAction) -> str:
    """A digest of what makes two requests the same action: its type, the parameters as sent
    (defaults left out, so a default that changes never turns a repeat into a new request)
    and the trigger's data."""
    canonical = json.dumps({"action_type": request.action_type,
                            "params": request.params.model_dump(mode="json", exclude_unset=True),
                            "data": request.data}, sort_keys=True, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def run_action(hub: Hub, integration_id: str, request: AnyAction,
                     idempotency_key: str | None = None, caller_id: str = "") -> ActionOutcome:
    """Run an action once per caller and Idempotency-Key; a repeat answers the first outcome.

    `request` is valid (the route's schema checked it), the key 1 to 255 characters.
    """
    async with hub.db.session() as session:
        integration = await get_integration(session, integration_id)
    kind = action_type(integration, request.action_type)
    run = await _claim(hub, integration, request, request_hash(request), idempotency_key,
                       caller_id)
    if run.status != "running":
        return _replay(run)
    return await _execute(hub, integration, kind, request.params, request, run)


async def _claim(hub: Hub, integration: Integration, request: AnyAction, digest: str,
                 key: str | None, caller_id: str) -> ActionRun:
    """A run for this call to execute (status running), or a finished one to replay."""
    deadline = time.monotonic() + WAIT_SECONDS
    clashed = False
    while True:
        if key is not None:
            async with hub.db.session() as session:
                existing = await runs.by_key(session, integration.id, caller_id, key)
            if existing is not None:
                claimed = await _existing(hub, integration, existing, digest, key, deadline)
                if claimed is not None:
                    return claimed
                await asyncio.sleep(POLL_SECONDS)
                continue
        require_usable(integration, "an action")
        run = ActionRun(integration_id=integration.id, caller_id=caller_id, idempotency_key=key,
                        action_type=request.action_type, request_hash=digest, status="running",
                        lease_id=new_uuid())
        try:
            async with hub.db.session() as session:
                await runs.add(session, run)
        except IntegrityError:
            if key is None or clashed:
                raise  # not a twin's claim (the integration is gone, say)
            clashed = True  # a twin with the same key claimed it first: wait for its outcome
            continue
        return run


async def _existing(hub: Hub, integration: Integration, run: ActionRun, digest: str, key: str,
                    deadline: float) -> ActionRun | None:
    """Replay, re-run or keep waiting for a run that already holds this key (None: wait)."""
    if run.request_hash != digest:
        raise IdempotencyKeyReusedError(
            f"Idempotency-Key '{key}' was already used for a different action request on this "
            "integration; use a new key for a new request", field="Idempotency-Key",
            details={"idempotency_key": key, "action_run_id": run.id})
    if run.status == "succeeded" or (run.status == "failed" and _final(run.error)):
        return run
    abandoned = run.status == "running" and utcnow() - run.updated_at > STALE_AFTER
    if run.status == "failed" or abandoned:
        # Re-running is safe: its Xero writes reuse the run's keys and replay at Xero.
        require_usable(integration, "an action")
        async with hub.db.session() as session:
            lease = await runs.take_over(session, run.id, run.updated_at)
        if lease is not None:
            run.status, run.lease_id = "running", lease
            return run
        return None
    if time.monotonic() > deadline:
        # Its owner may finish, or stop touching it: either way, retry when it goes stale.
        left = STALE_AFTER - (utcnow() - run.updated_at)
        raise RunInProgressError(key, run.id, max(1, int(left.total_seconds()) + 1))
    return None


async def get_run(hub: Hub, integration_id: str, run_id: str) -> ActionRun:
    """One run of an integration (404 when either is unknown)."""
    async with hub.db.session() as session:
        integration = await get_integration(session, integration_id)
        run = await runs.by_id(session, integration.id, run_id)
    if run is None:
        raise RecordNotFoundError(f"Integration {integration.id} has no action run {run_id}",
                                  field="run_id", details={"run_id": run_id})
    return run


def _final(error: dict[str, Any] | None) -> bool:
    """Failures replayed as they are: bad input. Anything else may succeed when re-run."""
    return bool(error and error.get("final"))


def _replay(run: ActionRun) -> ActionOutcome:
    if run.status == "succeeded" and run.result is not None:
        return ActionOutcome(int(run.result.get("status_code", 200)), run.result["body"],
                             True, run.id)
    raise ReplayedError(run.error or {})


async def _execute(hub: Hub, integration: Integration, kind: ActionType, params: ActionParams,
                   request: AnyAction, run: ActionRun) -> ActionOutcome:
    from ledgerlink.integrations.xero_access import client_for

    failure: LedgerlinkError | None = None
    lease = run.lease_id or ""
    heartbeat = asyncio.create_task(_keep_alive(hub, run.id, lease))
    try:
        async with hub.db.session() as session:
            ctx = ActionContext(hub, session, integration, client_for(hub, integration), run.id,
                                request.data or {})
            try:
                data = await kind.handler(ctx, params)
            except LedgerlinkError as exc:
                failure = exc  # its answer names the run, so the caller can read it later
                failure.details = {**(failure.details or {}), "action_run_id": run.id}
            for write in ctx.deferred:  # links to Xero records made before any failure too
                await write(session)
            if failure is not None:
                await _finish(session, run.id, lease, "failed", None, _error_record(failure))
            else:
                body = ActionResult(action_type=request.action_type, action_run_id=run.id,
                                    data=data).model_dump(mode="json")
                await _finish(session, run.id, lease, "succeeded",
                              {"status_code": 200, "body": body}, None)
    except Exception as exc:
        # Unexpected (a bug, the database): record it, re-runnable, in a session of its own;
        # if even that fails, the run stays "running" and is taken over once stale.
        with contextlib.suppress(Exception):
            async with hub.db.session() as session:
                await _finish(session, run.id, lease, "failed", None,
                              {"code": "internal_error", "message": type(exc).__name__,
                               "final": False})
        raise
    finally:
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heartbeat
    if failure is not None:
        raise failure
    return ActionOutcome(200, body, False, run.id)


async def _finish(session: AsyncSession, run_id: str, lease: str, status: str,
                  result: dict[str, Any] | None, error: dict[str, Any] | None) -> None:
    """Store the outcome, unless a repeat took the run over meanwhile (its outcome counts)."""
    if not await runs.finish(session, run_id, lease, status, result, error):
        log.warning("action run %s was taken over while it ran; its outcome is the new "
                    "owner's to store", run_id)


async def _keep_alive(hub: Hub, run_id: str, lease: str) -> None:
    """Touch the run while it executes, so repeats wait for it rather than take it over."""
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        # The database being away is no reason to stop: the run just goes stale meanwhile.
        with contextlib.suppress(Exception):
            async with hub.db.session() as session:
                if not await runs.touch(session, run_id, lease):
                    return


def _error_record(exc: LedgerlinkError) -> dict[str, Any]:
    """What is kept of a failure: the answer given (never a secret) and whether it is final."""
    final = isinstance(exc, InputError | ValidationError | NotFoundError)
    return {"status": exc.status, "code": exc.code, "message": exc.message, "field": exc.field,
            "details": exc.details or None, "final": final}
