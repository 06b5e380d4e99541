"""The provider HTTP client: every attempt paced by the rate budget, retried by one policy."""

from __future__ import annotations

import json as jsonlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx2

from ledgerlink.http.budget import Priority, RateBudget
from ledgerlink.http.observer import CallObserver, CallRecord, budget_left
from ledgerlink.http.retry import RetryPolicy, rate_limit_problem, retry_after_seconds

log = logging.getLogger("ledgerlink.http")

IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
# When a 429 names no wait, hold the limit this long before the budget lets calls go again.
DEFAULT_PENALTY = 1.0


@dataclass(frozen=True)
class CallContext:
    """Who a call is for: the app and tenant whose budget it spends, its priority and name."""

    app_id: str
    tenant_id: str
    priority: Priority = Priority.INTERACTIVE
    operation: str = "request"


class ProviderHttp:
    """An httpx2.AsyncClient behind the rate budget and the retry policy.

    Each attempt acquires a permit, sends, feeds the response's limit headers back to the
    budget and releases the permit; a 429 penalises the budget so other callers hold off too.
    A write's Idempotency-Key is sent unchanged on every attempt; a write without one is only
    retried where it cannot have been acted on (see RetryPolicy.call's `replay_safe`).
    Each attempt the provider was asked is reported to `observer` (see http.observer), tagged
    with `connection_id`; an observer that fails is logged and never fails the call.
    """

    def __init__(self, base_url: str, *, auth: httpx2.Auth | None, budget: RateBudget,
                 retry: RetryPolicy, transport: httpx2.AsyncBaseTransport | None = None,
                 timeout: float | httpx2.Timeout = 30.0,
                 headers: Mapping[str, str] | None = None,
                 tenant_header: str | None = None, trust_env: bool = True,
                 observer: CallObserver | None = None,
                 connection_id: str | None = None) -> None:
        self.budget = budget
        self.retry = retry
        self.observer = observer
        self.connection_id = connection_id
        # When set (Xero: "xero-tenant-id"), the tenant the budget is charged for is the tenant
        # the call goes to: the two can never disagree.
        self.tenant_header = tenant_header
        self._client = httpx2.AsyncClient(
            base_url=base_url, auth=auth, transport=transport, timeout=timeout,
            headers=dict(headers or {}), trust_env=trust_env)

    async def request(self, method: str, path: str, *, ctx: CallContext,
                      params: Mapping[str, Any] | None = None, json: Any = None,
                      content: bytes | str | None = None,
                      headers: Mapping[str, str] | None = None,
                      idempotency_key: str | None = None) -> httpx2.Response:
        """Send one logical call (with retries) and return the provider's final answer.

        Any 4xx and a 5xx that outlasted the retries are returned for the caller to map;
        RateLimitedError and TransportError are raised (see RetryPolicy.call).
        """
        merged = dict(headers or {})
        if json is not None:
            if content is not None:
                raise ValueError("pass json or content, not both")
            # Encoded once, as httpx2 would, so every attempt sends the very bytes the provider
            # bound to the idempotency key (a different body under the same key is refused).
            content = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"),
                                    allow_nan=False).encode("utf-8")
            if not any(name.lower() == "content-type" for name in merged):
                merged["Content-Type"] = "application/json"
        if self.tenant_header:
            merged[self.tenant_header] = ctx.tenant_id
        if idempotency_key is not None:
            merged[IDEMPOTENCY_HEADER] = idempotency_key

        async def attempt(number: int) -> httpx2.Response:
            return await self._attempt(method, path, ctx, params, content, merged, number)

        # Reads and deletes may be repeated; a create or update only when the provider can
        # recognise the repeat by its key (Xero's PUT creates, so it is not idempotent).
        replay_safe = method.upper() in _IDEMPOTENT_METHODS or idempotency_key is not None
        return await self.retry.call(attempt, operation=ctx.operation, replay_safe=replay_safe)

    async def _attempt(self, method: str, path: str, ctx: CallContext,
                       params: Mapping[str, Any] | None, content: bytes | str | None,
                       headers: dict[str, str], number: int = 1) -> httpx2.Response:
        permit = await self.budget.acquire(ctx.app_id, ctx.tenant_id, ctx.priority)
        try:
            sent_at, started = self.retry.clock.time(), time.perf_counter()
            try:
                response = await self._client.request(
                    method, path, params=params, content=content, headers=headers)
            except Exception as exc:
                self._report(ctx, method, number, sent_at, started, None, exc)
                raise
            self._report(ctx, method, number, sent_at, started, response, None)
            await self.budget.observe(ctx.app_id, ctx.tenant_id, response.headers)
            if response.status_code == 429:
                await self._penalise(ctx, response)
            return response
        finally:
            await permit.release()

    def _report(self, ctx: CallContext, method: str, number: int, sent_at: float,
                started: float, response: httpx2.Response | None,
                error: Exception | None) -> None:
        """Tell the observer how one attempt went: status or error class, time, budget left."""
        if self.observer is None:
            return
        try:
            day, minute = budget_left(response.headers) if response is not None else (None, None)
            self.observer(CallRecord(
                connection_id=self.connection_id, app_id=ctx.app_id, tenant_id=ctx.tenant_id,
                operation=ctx.operation, method=method.upper(), attempt=number,
                status=response.status_code if response is not None else None,
                error=type(error).__name__ if error is not None else None,
                duration_ms=max(0, round((time.perf_counter() - started) * 1000)),
                at=sent_at, day_remaining=day, minute_remaining=minute))
        except Exception:  # the activity log is a convenience: the call goes on regardless
            log.warning("%s: the call observer failed", ctx.operation, exc_info=True)

    async def _penalise(self, ctx: CallContext, response: httpx2.Response) -> None:
        problem = rate_limit_problem(response)
        wait = retry_after_seconds(response, self.retry.clock.time())
        log.info("%s: provider refused the call (429, %s); holding the budget for %.0f s",
                 ctx.operation, problem, wait if wait is not None else DEFAULT_PENALTY)
        await self.budget.penalise(ctx.app_id, ctx.tenant_id, problem,
                                   wait if wait is not None else DEFAULT_PENALTY)

    async def aclose(self) -> None:
        """Close the underlying connection pool."""
        await self._client.aclose()

    async def __aenter__(self) -> ProviderHttp:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
