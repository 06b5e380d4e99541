"""Shared write semantics: batches with summarizeErrors, single updates, history, attachments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from ledgerlink.emulator.core.router import Router
from ledgerlink.emulator.xero import wire
from ledgerlink.emulator.xero.call import Call
from ledgerlink.emulator.xero.errors import ValidationException
from ledgerlink.emulator.xero.models import documents
from ledgerlink.emulator.xero.models.base import ElementError, Record, batch

Present = Callable[[Record], Record]
Finder = Callable[[Call, str], Record]
ID_FIELD = {"Invoices": "InvoiceID", "Contacts": "ContactID", "Items": "ItemID",
            "Accounts": "AccountID", "Payments": "PaymentID", "CreditNotes": "CreditNoteID",
            "RepeatingInvoices": "RepeatingInvoiceID"}


def write_batch(call: Call, key: str, one: Callable[[Record], Record],
                present: Present | None = None) -> dict[str, Any]:
    """Run a collection write element by element, as Xero's batch semantics require."""
    elements = call.elements(key)
    results = batch(call.org, elements, one, call.summarize)
    out = [present(r) if present and r.get("StatusAttributeString") == "OK" else r
           for r in results]
    return call.ok(key, out)


def write_one(call: Call, key: str, one: Callable[[Record], Record],
              present: Present | None = None) -> dict[str, Any]:
    """A write on a single resource path: any failure is a 400 with the element."""
    elements = call.elements(key)
    results = batch(call.org, elements[:1], one, summarize=True)
    return call.ok(key, [present(r) if present else r for r in results])


def single_or_raise(call: Call, fn: Callable[[], Record], element: Record) -> Record:
    """Run a single-element operation, turning an ElementError into a 400."""
    call.org.begin()
    try:
        result = fn()
    except ElementError as exc:
        call.org.rollback()
        raise ValidationException.single(exc.messages[0], element) from None
    except BaseException:
        call.org.rollback()
        raise
    call.org.commit()
    return result


def add_document_routes(router: Router, resource: str, finder: Finder, scope: str,
                        attachments: bool = True, history: bool = True) -> None:
    """History and attachment sub-resources shared by every document type."""
    id_param = ID_FIELD.get(resource, "ID")
    base = f"/{resource}/{{{id_param}}}"
    singular = resource[:-1]

    async def get_history(call: Call) -> dict[str, Any]:
        record = finder(call, call.params[id_param])
        return call.ok("HistoryRecords", documents.history(call.org, _rid(record, id_param)))

    async def put_history(call: Call) -> dict[str, Any]:
        record = finder(call, call.params[id_param])
        elements = call.elements("HistoryRecords")
        rid = _rid(record, id_param)
        notes = [single_or_raise(call, _note_action(call, rid, e), e) for e in elements]
        return call.ok("HistoryRecords", notes)

    if history:
        router.add("GET", f"{base}/History", get_history, f"get{singular}History", scope=scope)
        router.add("PUT", f"{base}/History", put_history, f"create{singular}History",
                   scope=scope)
    if attachments:
        _attachment_routes(router, resource, base, id_param, finder)


def _note_action(call: Call, rid: str, element: Record) -> Callable[[], Record]:
    return lambda: documents.add_note(call.org, rid, element)


def _rid(record: Record, id_param: str) -> str:
    return str(record[id_param])


def _attachment_routes(router: Router, resource: str, base: str, id_param: str,
                       finder: Finder) -> None:
    singular = resource[:-1]
    scope = "accounting.attachments"

    async def list_attachments(call: Call) -> dict[str, Any]:
        record = finder(call, call.params[id_param])
        return call.ok("Attachments", documents.attachments(call.org, _rid(record, id_param)))

    async def get_attachment(call: Call) -> Response:
        record = finder(call, call.params[id_param])
        key = call.params.get("AttachmentID") or call.params["FileName"]
        meta, content = documents.attachment_content(call.org, _rid(record, id_param), key)
        return Response(content, media_type=meta["MimeType"])

    async def save(call: Call, replace: bool) -> dict[str, Any]:
        record = finder(call, call.params[id_param])
        rid = _rid(record, id_param)
        url = f"{call.emulator.config.base_url}/api.xro/2.0/{resource}/{rid}"
        include = call.flag("IncludeOnline", False)
        name = call.params["FileName"]
        ctype = call.request.headers.get("content-type")
        element = {"FileName": name}
        saved = single_or_raise(call, lambda: documents.save_attachment(
            call.org, record, rid, url, name, call.body_bytes, ctype, include, replace), element)
        return call.ok("Attachments", [saved])

    async def put_attachment(call: Call) -> dict[str, Any]:
        return await save(call, replace=False)

    async def post_attachment(call: Call) -> dict[str, Any]:
        return await save(call, replace=True)

    router.add("GET", f"{base}/Attachments", list_attachments, f"get{singular}Attachments",
               scope=scope)
    router.add("GET", f"{base}/Attachments/{{FileName}}", get_attachment,
               f"get{singular}AttachmentByFileName", scope=scope)
    router.add("PUT", f"{base}/Attachments/{{FileName}}", put_attachment,
               f"create{singular}AttachmentByFileName", scope=scope)
    router.add("POST", f"{base}/Attachments/{{FileName}}", post_attachment,
               f"update{singular}AttachmentByFileName", scope=scope)


def guid_or_key(value: str) -> str:
    """Normalise a GUID path parameter; other keys (numbers, codes) pass through."""
    return wire.parse_guid(value) or value
