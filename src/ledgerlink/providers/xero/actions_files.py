"""Attachments (bytes in and out), the connected tenants, and a raw request under one budget."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal, Self

import httpx2
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ledgerlink.errors import NotFoundError, ProviderError
from ledgerlink.http.client import CallContext
from ledgerlink.providers.xero.actions_base import (
    ReadParams,
    WriteParams,
    accepting,
    action,
    checked_path,
    first,
    many,
    segment,
    write_key,
)
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.errors import raise_for_xero
from ledgerlink.providers.xero.models_base import CaseInsensitiveEnum
from ledgerlink.providers.xero.models_records import Attachment, XeroConnection
from ledgerlink.providers.xero.wire import loads

__all__ = [
    "AttachmentContent", "AttachmentObject", "AttachmentRef", "CreateAttachment",
    "GetAttachment", "NoParams", "RawRequest", "RawResponse", "create_attachment",
    "get_attachment", "list_attachments", "list_connections", "raw_request",
]

# Xero's identity API sits at the root of the API host, two levels above /api.xro/2.0; a path
# relative to the accounting base reaches it without ever naming (or trusting) another host.
CONNECTIONS_PATH = "/../../connections"
_NOT_FORWARDED = frozenset({"authorization", "idempotency-key", "host", "xero-tenant-id"})


class AttachmentObject(CaseInsensitiveEnum):
    """The Xero endpoints that take attachments."""

    ACCOUNTS = "Accounts"
    BANK_TRANSACTIONS = "BankTransactions"
    BANK_TRANSFERS = "BankTransfers"
    CONTACTS = "Contacts"
    CREDIT_NOTES = "CreditNotes"
    INVOICES = "Invoices"
    MANUAL_JOURNALS = "ManualJournals"
    PURCHASE_ORDERS = "PurchaseOrders"
    QUOTES = "Quotes"
    RECEIPTS = "Receipts"
    REPEATING_INVOICES = "RepeatingInvoices"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        # "invoice", "Invoice" and "INVOICES" all name /Invoices.
        if isinstance(value, str):
            folded = value.strip().lower().replace("_", "")
            for member in cls:
                if member.value.lower() in (folded, folded + "s"):
                    return member
        return None


def _bytes(value: Any) -> Any:
    # JSON cannot carry bytes: text is read as base64, never as the file's own characters.
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("content must be bytes or base64 text") from None
    return value


FileBytes = Annotated[bytes, BeforeValidator(_bytes)]


class AttachmentRef(ReadParams):
    """One object that takes attachments."""

    object_type: AttachmentObject
    object_id: str = Field(min_length=1)


class GetAttachment(AttachmentRef):
    """One attachment by file name; `content_type` defaults to the stored MIME type."""

    file_name: str = Field(min_length=1, max_length=255)
    content_type: str | None = None


class CreateAttachment(WriteParams):
    """A file to attach; by default it replaces a same-named attachment (Xero's POST)."""

    object_type: AttachmentObject = accepting("object_type")
    object_id: str = accepting("object_id", min_length=1)
    file_name: str = accepting("file_name", min_length=1, max_length=255)
    content: FileBytes = accepting("content", min_length=1,
                                   description="The file (bytes; base64 text in JSON)")
    content_type: str = accepting("content_type", default="application/octet-stream",
                                  min_length=1)
    include_online: bool = accepting("include_online", default=False)
    replace: bool = accepting("replace", default=True)


class AttachmentContent(Attachment):
    """An attachment's metadata and its bytes (base64 in JSON)."""

    model_config = ConfigDict(ser_json_bytes="base64")

    content: bytes


class NoParams(ReadParams):
    """An action without parameters."""


class RawRequest(ReadParams):
    """Any accounting API call by path, e.g. GET /Organisation."""

    method: Literal["GET", "POST", "PUT", "DELETE"] = "GET"
    url: str = Field(min_length=2, description="A path under /api.xro/2.0, e.g. /Accounts")
    query_params: dict[str, str] | None = None
    headers: dict[str, str] | None = None
    data: Any = Field(default=None, description="A JSON body")
    response_type: Literal["json", "text", "binary"] = "json"
    operation_id: str | None = Field(default=None, min_length=1, max_length=200)
    raise_errors: bool = Field(default=True, description="Raise Xero's errors (else return)")

    @model_validator(mode="before")
    @classmethod
    def _upper(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("method"), str):
            return {**data, "method": data["method"].upper()}
        return data

    @model_validator(mode="after")
    def _safe(self) -> Self:
        checked_path(self.url)
        if self.method != "GET" and not self.operation_id:
            raise ValueError(f"a {self.method} writes: give operation_id so a retry never "
                             "writes twice")
        return self


class RawResponse(BaseModel):
    """What Xero answered: status, headers and the body as JSON, text or bytes."""

    model_config = ConfigDict(ser_json_bytes="base64")

    status_code: int
    headers: dict[str, str]
    data: Any = None


def _attachments_path(ref: AttachmentRef | CreateAttachment) -> str:
    return f"/{ref.object_type.value}/{segment(ref.object_id)}/Attachments"


@action("list_attachments", write=False)
async def list_attachments(client: XeroClient, params: AttachmentRef) -> list[Attachment]:
    """The attachments of one object (metadata only)."""
    body = await client.get(_attachments_path(params), operation="list_attachments")
    return many(body.get("Attachments"), Attachment)


@action("get_attachment", write=False)
async def get_attachment(client: XeroClient, params: GetAttachment) -> AttachmentContent:
    """One attachment's metadata and bytes, by file name."""
    listed = await list_attachments(client, AttachmentRef(object_type=params.object_type,
                                                          object_id=params.object_id))
    wanted = params.file_name.lower()
    meta = next((a for a in listed if (a.file_name or "").lower() == wanted), None)
    if meta is None:
        raise NotFoundError(f"{params.object_type.value} {params.object_id} has no attachment "
                            f"named {params.file_name!r}", provider_status=404)
    accept = params.content_type or meta.mime_type or "application/octet-stream"
    content = await client.get_bytes(
        f"{_attachments_path(params)}/{segment(meta.file_name or params.file_name)}",
        operation="get_attachment", accept=accept)
    return AttachmentContent.model_validate({**meta.to_xero(), "content": content})


@action("create_attachment", write=True)
async def create_attachment(client: XeroClient, params: CreateAttachment) -> Attachment:
    """Attach a file to an invoice, contact, account, credit note…"""
    path = f"{_attachments_path(params)}/{segment(params.file_name)}"
    query = {"IncludeOnline": "true"} if params.include_online else None
    key = write_key(client, "create_attachment", params.operation_id)
    if params.replace:
        body = await _post_bytes(client, path, params.content, params.content_type, key, query)
    else:
        body = await client.put_bytes(path, params.content, operation="create_attachment",
                                      idempotency_key=key, content_type=params.content_type,
                                      params=query)
    return first(body, "Attachments", Attachment)


async def _post_bytes(client: XeroClient, path: str, content: bytes, content_type: str,
                      key: str, query: dict[str, str] | None) -> dict[str, Any]:
    # XeroClient.put_bytes only PUTs (create); Xero's replace-by-name is a POST of the bytes.
    ctx = CallContext(client.app_id, client.tenant_id, client.priority, "create_attachment")
    response = await client.http.request(
        "POST", path, ctx=ctx, params=query, content=content, idempotency_key=key,
        headers={"xero-tenant-id": client.tenant_id, "Accept": "application/json",
                 "Content-Type": content_type})
    raise_for_xero(response)
    data = loads(response.content)
    if not isinstance(data, dict):
        raise ProviderError("Xero answered an attachment upload with an unexpected body")
    return data


@action("list_connections", write=False)
async def list_connections(client: XeroClient, params: NoParams) -> list[XeroConnection]:
    """The organisations this connection's token may act for (GET /connections)."""
    response = await client.raw("GET", CONNECTIONS_PATH, operation="list_connections")
    raise_for_xero(response)
    data = loads(response.content)
    if not isinstance(data, list):
        raise ProviderError("Xero's /connections answer is not a list")
    return [XeroConnection.model_validate(item) for item in data]


@action("raw_request", write=True)
async def raw_request(client: XeroClient, params: RawRequest) -> RawResponse:
    """Any accounting call by path, paced and retried like every other call."""
    headers = {k: v for k, v in (params.headers or {}).items()
               if k.lower() not in _NOT_FORWARDED}
    if params.response_type == "binary" and not any(k.lower() == "accept" for k in headers):
        headers["Accept"] = "application/octet-stream"
    key = write_key(client, "raw_request", params.operation_id) if params.operation_id \
        else None
    response = await client.raw(params.method, params.url, operation="raw_request",
                                params=params.query_params, json=params.data,
                                idempotency_key=key if params.method != "GET" else None,
                                headers=headers)
    if params.raise_errors:
        raise_for_xero(response)
    return RawResponse(status_code=response.status_code, headers=dict(response.headers),
                       data=_body(response, params.response_type))


def _body(response: httpx2.Response, kind: str) -> Any:
    if kind == "binary":
        return response.content
    if kind == "text" or not response.content.strip():
        return response.text
    try:
        return loads(response.content)
    except ValueError:
        return response.text  # an error page or plain-text 404 is still worth returning
