"""A tenant-explicit Xero accounting client: full paging, incremental reads, safe batch writes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import httpx2

from ledgerlink.errors import ConfigurationError, InputError, ProviderError, ValidationError
from ledgerlink.http.budget import Priority
from ledgerlink.http.client import CallContext, ProviderHttp
from ledgerlink.http.idempotency import MAX_LENGTH, idempotency_key
from ledgerlink.providers.xero.errors import raise_for_xero
from ledgerlink.providers.xero.where import Where
from ledgerlink.providers.xero.wire import dumps, format_if_modified_since, loads

__all__ = ["MAX_BATCH", "MAX_PAGE_SIZE", "BatchItemResult", "XeroClient"]

MAX_PAGE_SIZE = 1000  # Xero's largest page; its default (100) is what silently truncates
MAX_BATCH = 50  # Xero's recommended elements per write
TENANT_HEADER = "xero-tenant-id"
JSON = "application/json"
# Plural collection key -> the id property that, present on an input, makes it an update.
ID_FIELDS = {
    "Accounts": "AccountID", "BankTransactions": "BankTransactionID",
    "BankTransfers": "BankTransferID", "Contacts": "ContactID", "CreditNotes": "CreditNoteID",
    "Invoices": "InvoiceID", "Items": "ItemID", "ManualJournals": "ManualJournalID",
    "Overpayments": "OverpaymentID", "Payments": "PaymentID", "Prepayments": "PrepaymentID",
    "PurchaseOrders": "PurchaseOrderID", "Quotes": "QuoteID",
    "RepeatingInvoices": "RepeatingInvoiceID", "TaxRates": "TaxType",
}

Status = Literal["created", "updated", "error"]


@dataclass
class BatchItemResult:
    """The outcome of one input item of a batch write, by its index in the input."""

    index: int
    status: Status
    record: dict[str, Any] | None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether Xero saved this item."""
        return self.status != "error"


def _key_of(resource: str) -> str:
    """The envelope key of a resource path: `Invoices` for `/Invoices`, `Contacts/…` likewise."""
    return resource.strip("/").split("/")[0].split("?")[0]


def _id_field(key: str) -> str:
    return ID_FIELDS.get(key, f"{key[:-1]}ID" if key.endswith("s") else f"{key}ID")


def _check_key(key: str) -> str:
    if not key or len(key) > MAX_LENGTH:
        raise InputError(f"an Idempotency-Key must be 1 to {MAX_LENGTH} characters",
                         field="idempotency_key")
    return key


class XeroClient:
    """One Xero organisation through a shared ProviderHttp (budget, retries, auth).

    Every call names its tenant: there is no "first tenant" default, and an empty tenant id is
    a configuration error rather than Xero's custom-connection shortcut.
    """

    def __init__(self, http: ProviderHttp, *, tenant_id: str, app_id: str,
                 priority: Priority = Priority.INTERACTIVE) -> None:
        if not isinstance(tenant_id, str) or not tenant_id.strip():
            raise ConfigurationError("XeroClient needs an explicit tenant_id: every Xero call "
                                     "names the organisation it is for", field="tenant_id")
        if not app_id:
            raise ConfigurationError("XeroClient needs the app_id whose rate budget it spends",
                                     field="app_id")
        self.http = http
        self.tenant_id = tenant_id.strip()
        self.app_id = app_id
        self.priority = priority

    def with_priority(self, priority: Priority) -> XeroClient:
        """The same tenant and connection, queued at another priority (e.g. BACKGROUND)."""
        return XeroClient(self.http, tenant_id=self.tenant_id, app_id=self.app_id,
                          priority=priority)

    # ---- plumbing -----------------------------------------------------------------------
    def _ctx(self, operation: str) -> CallContext:
        return CallContext(self.app_id, self.tenant_id, self.priority, operation)

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        # The tenant header is ours alone: a caller's headers can never redirect a call.
        chosen = {k: v for k, v in (extra or {}).items() if k.lower() != TENANT_HEADER}
        if not any(k.lower() == "accept" for k in chosen):
            chosen["Accept"] = JSON
        return {TENANT_HEADER: self.tenant_id, **chosen}

    async def raw(self, method: str, path: str, *, operation: str,
                  params: Mapping[str, Any] | None = None, json: Any = None,
                  idempotency_key: str | None = None,
                  headers: Mapping[str, str] | None = None) -> httpx2.Response:
        """Any accounting call, answered as Xero sent it (errors are not raised).

        A write (anything but GET) must carry an idempotency key: a retried write without
        one could be applied twice.
        """
        is_write = method.upper() not in ("GET", "HEAD", "OPTIONS")
        if is_write and not idempotency_key:
            raise InputError(f"{method.upper()} {path} needs an idempotency key",
                             field="idempotency_key")
        extra = dict(headers or {})
        body = None if json is None else dumps(json)
        if body is not None:
            extra.setdefault("Content-Type", JSON)
        return await self.http.request(
            method.upper(), path, ctx=self._ctx(operation), params=params, content=body,
            headers=self._headers(extra),
            idempotency_key=_check_key(idempotency_key) if idempotency_key else None)

    async def _call(self, method: str, path: str, *, operation: str,
                    params: Mapping[str, Any] | None = None, content: bytes | None = None,
                    headers: dict[str, str] | None = None,
                    idempotency_key: str | None = None) -> httpx2.Response:
        response = await self.http.request(
            method, path, ctx=self._ctx(operation), params=params, content=content,
            headers=self._headers(headers), idempotency_key=idempotency_key)
        raise_for_xero(response)
        return response

    @staticmethod
    def _json(response: httpx2.Response) -> dict[str, Any]:
        if not response.content.strip():
            return {}  # 204 from Email, DELETE and similar
        try:
            data = loads(response.content)
        except ValueError as exc:
            raise ProviderError(f"Xero answered {response.status_code} with a body that is not "
                                f"JSON ({response.headers.get('content-type')})",
                                provider_status=response.status_code) from exc
        if isinstance(data, list):  # /Connections-style bare arrays
            return {"items": data}
        if not isinstance(data, dict):
            raise ProviderError("Xero answered with an unexpected JSON value",
                                provider_status=response.status_code)
        return data

    # ---- reads --------------------------------------------------------------------------
    async def get(self, path: str, *, operation: str, params: Mapping[str, Any] | None = None,
                  if_modified_since: datetime | None = None) -> dict[str, Any]:
        """GET one resource or report; the envelope as parsed JSON (numbers as Decimal)."""
        headers = {}
        if if_modified_since is not None:
            headers["If-Modified-Since"] = format_if_modified_since(if_modified_since)
        response = await self._call("GET", path, operation=operation, params=params,
                                    headers=headers)
        return self._json(response)

    async def get_bytes(self, path: str, *, operation: str, accept: str) -> bytes:
        """GET a binary representation (an invoice PDF, an attachment)."""
        # Xero's attachment download also wants the literal `contentType` header.
        response = await self._call("GET", path, operation=operation,
                                    headers={"Accept": accept, "contentType": accept})
        return response.content

    async def iter_pages(self, resource: str, *, operation: str, key: str | None = None,
                         params: Mapping[str, Any] | None = None,
                         where: Where | str | None = None, order: str | None = None,
                         if_modified_since: datetime | None = None, paged: bool = True,
                         page_size: int = MAX_PAGE_SIZE) -> AsyncIterator[list[dict[str, Any]]]:
        """Yield every page of a list until Xero has no more (never stopping at 100 rows).

        Pages of `page_size` (at most 1000); the list ends at a page shorter than the size Xero
        says it used, or at `pagination.pageCount` when Xero gives one. `paged=False` is for
        endpoints without paging (Accounts, Items, TaxRates), which answer in one call.
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InputError(f"page_size must be 1 to {MAX_PAGE_SIZE}", field="page_size")
        envelope_key = key or _key_of(resource)
        query: dict[str, Any] = dict(params or {})
        if where is not None and str(where):
            query["where"] = str(where)
        if order:
            query["order"] = order
        page, previous = 1, None
        while True:
            if paged:
                query.update(page=str(page), pageSize=str(page_size))
            body = await self.get(resource, operation=operation, params=query,
                                  if_modified_since=if_modified_since)
            items = body.get(envelope_key)
            if not isinstance(items, list):
                raise ProviderError(f"Xero's answer to {resource} has no {envelope_key} list")
            if previous is not None and items and items[0] == previous[0] \
                    and items[-1] == previous[-1]:
                # An endpoint without paging ignores `page` and answers the same rows again.
                raise ProviderError(f"{resource} does not page; list it with paged=False")
            yield items
            previous = items
            if not paged or not self._more(body.get("pagination"), items, page, page_size):
                return
            page += 1

    @staticmethod
    def _more(pagination: Any, items: list[dict[str, Any]], page: int, page_size: int) -> bool:
        """Whether another page follows: a full page, and pageCount (if given) agrees."""
        size = page_size
        count: int | None = None
        if isinstance(pagination, dict):
            # Trust the size Xero used: if it capped our pageSize, a "short" page is still full.
            size = int(pagination.get("pageSize") or page_size)
            raw_count = pagination.get("pageCount")
            count = int(raw_count) if raw_count is not None else None
        if len(items) < size or not items:
            return False
        return count is None or page < count

    async def list_all(self, resource: str, *, operation: str, key: str | None = None,
                       params: Mapping[str, Any] | None = None,
                       where: Where | str | None = None, order: str | None = None,
                       if_modified_since: datetime | None = None, paged: bool = True,
                       page_size: int = MAX_PAGE_SIZE) -> list[dict[str, Any]]:
        """Every record of a list, across all pages (see iter_pages)."""
        out: list[dict[str, Any]] = []
        async for items in self.iter_pages(resource, operation=operation, key=key,
                                           params=params, where=where, order=order,
                                           if_modified_since=if_modified_since, paged=paged,
                                           page_size=page_size):
            out.extend(items)
        return out

    # ---- writes -------------------------------------------------------------------------
    async def write(self, method: Literal["PUT", "POST", "DELETE"] | str, path: str,
                    body: Mapping[str, Any] | Sequence[Any] | None, *, operation: str,
                    idempotency_key: str,
                    params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One write with its Idempotency-Key (the same on every retry); the parsed answer."""
        content = None if body is None else dumps(body)
        response = await self._call(
            method.upper(), path, operation=operation, params=params, content=content,
            headers={"Content-Type": JSON} if content is not None else None,
            idempotency_key=_check_key(idempotency_key))
        return self._json(response)

    async def put_bytes(self, path: str, content: bytes, *, operation: str,
                        idempotency_key: str, content_type: str,
                        params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Upload raw bytes (an attachment) with its Idempotency-Key."""
        response = await self._call("PUT", path, operation=operation, params=params,
                                    content=content, headers={"Content-Type": content_type},
                                    idempotency_key=_check_key(idempotency_key))
        return self._json(response)

    async def batch(self, resource: str, items: Sequence[Mapping[str, Any]], *, operation: str,
                    idempotency_prefix: str, method: Literal["PUT", "POST"] | str = "POST",
                    key: str | None = None, chunk: int = MAX_BATCH,
                    concurrency: int = 1) -> list[BatchItemResult]:
        """Create or update many records, ≤50 per request, one result per input item.

        Sent with summarizeErrors=false so good items are saved and bad ones come back with
        their own messages. Chunk n's Idempotency-Key is derived from `idempotency_prefix` and
        n, so re-running the same batch (after a crash, say) replays instead of duplicating.
        """
        if not 1 <= chunk <= MAX_BATCH:
            raise InputError(f"chunk must be 1 to {MAX_BATCH}", field="chunk")
        if not idempotency_prefix:
            raise InputError("a batch needs an idempotency_prefix naming the operation",
                             field="idempotency_prefix")
        envelope_key = key or _key_of(resource)
        starts = range(0, len(items), chunk)
        results: list[list[BatchItemResult]] = [[] for _ in starts]
        gate = asyncio.Semaphore(max(1, concurrency))

        async def run(number: int, start: int) -> None:
            async with gate:
                results[number] = await self._batch_chunk(
                    resource, envelope_key, list(items[start:start + chunk]), start, method,
                    operation, idempotency_key(idempotency_prefix, "chunk", str(number)))

        if concurrency <= 1:
            for number, start in enumerate(starts):
                await run(number, start)
        else:
            try:
                async with asyncio.TaskGroup() as group:
                    for number, start in enumerate(starts):
                        group.create_task(run(number, start))
            except BaseExceptionGroup as failed:
                # Callers catch our error tree, not groups; chunks already saved replay when
                # the batch is re-run with the same prefix.
                raise failed.exceptions[0] from None
        return [result for part in results for result in part]

    async def _batch_chunk(self, resource: str, key: str, items: list[Mapping[str, Any]],
                           offset: int, method: str, operation: str,
                           chunk_key: str) -> list[BatchItemResult]:
        try:
            body = await self.write(method, resource, {key: items}, operation=operation,
                                    idempotency_key=chunk_key,
                                    params={"summarizeErrors": "false"})
        except ValidationError as exc:
            # The whole request was refused (nothing saved): every item of it failed alike.
            messages = [p.message for p in exc.problems] or [exc.message]
            return [BatchItemResult(offset + i, "error", None, list(messages))
                    for i in range(len(items))]
        elements = body.get(key)
        if not isinstance(elements, list) or len(elements) != len(items):
            got = len(elements) if isinstance(elements, list) else "no"
            raise ProviderError(f"Xero answered {got} {key} for the {len(items)} sent; the "
                                "results cannot be matched to the input")
        id_field = _id_field(key)
        return [self._item_result(offset + i, item, element, id_field)
                for i, (item, element) in enumerate(zip(items, elements, strict=True))]

    @staticmethod
    def _item_result(index: int, item: Mapping[str, Any], element: Any,
                     id_field: str) -> BatchItemResult:
        if not isinstance(element, dict):
            return BatchItemResult(index, "error", None, ["Xero answered a non-object element"])
        messages = [str(e.get("Message", e)) if isinstance(e, dict) else str(e)
                    for e in element.get("ValidationErrors") or []]
        failed = (element.get("StatusAttributeString") == "ERROR"
                  or bool(element.get("HasValidationErrors")) or bool(messages))
        if failed:
            return BatchItemResult(index, "error", None, messages or ["Xero refused this item"])
        status: Status = "updated" if item.get(id_field) else "created"
        return BatchItemResult(index, status, element, [])
