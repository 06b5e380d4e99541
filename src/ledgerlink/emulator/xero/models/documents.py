"""History notes and attachments of any resource, stored per resource id."""

from __future__ import annotations

from ledgerlink.emulator.xero.errors import NotFound
from ledgerlink.emulator.xero.models.base import ElementError, Org, Record, find_key, text

MAX_ATTACHMENTS = 10
MAX_BYTES = 25 * 1024 * 1024
MIME_BY_SUFFIX = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg",
                  "jpeg": "image/jpeg", "gif": "image/gif", "txt": "text/plain",
                  "csv": "text/csv", "xml": "application/xml", "json": "application/json",
                  "doc": "application/msword", "xls": "application/vnd.ms-excel"}


def add_note(org: Org, resource_id: str, element: Record) -> Record:
    """PUT …/History: a user note on a resource (Details up to 2500 characters)."""
    details = text(find_key(element, "Details"), "Details", 2500)
    if not details:
        raise ElementError("Details must be provided for a history note.")
    return org.add_history(resource_id, "Note", details, user="API")


def history(org: Org, resource_id: str) -> list[Record]:
    """GET …/History, newest first as Xero lists it."""
    return list(reversed(org.history.get(resource_id, [])))


def save_attachment(org: Org, resource: Record, resource_id: str, url: str, file_name: str,
                    content: bytes, content_type: str | None, include_online: bool,
                    replace: bool) -> Record:
    """PUT creates, POST replaces a same-named file; returns the attachment record."""
    if not content:
        raise ElementError("The attachment body is empty.")
    if len(content) > MAX_BYTES:
        raise ElementError("Attachments must be 25 MB or smaller.")
    existing = org.attachments.setdefault(resource_id, [])
    same = next((a for a in existing if a["FileName"].lower() == file_name.lower()), None)
    if same is None and len(existing) >= MAX_ATTACHMENTS:
        raise ElementError("A document can have at most 10 attachments.")
    mime = (content_type or "").split(";")[0].strip()
    if not mime or mime == "application/octet-stream":
        mime = MIME_BY_SUFFIX.get(file_name.rsplit(".", 1)[-1].lower(),
                                  "application/octet-stream")
    record = same if (same is not None and replace) else None
    if record is None:
        record = {"AttachmentID": org.new_id(), "FileName": file_name}
        existing.append(record)
    record.update({"Url": f"{url}/Attachments/{file_name}", "MimeType": mime,
                   "ContentLength": len(content), "IncludeOnline": include_online})
    org.attachment_bytes[record["AttachmentID"]] = content
    resource["HasAttachments"] = True
    return record


def attachments(org: Org, resource_id: str) -> list[Record]:
    """GET …/Attachments."""
    return list(org.attachments.get(resource_id, []))


def attachment_content(org: Org, resource_id: str, key: str) -> tuple[Record, bytes]:
    """One attachment by AttachmentID or FileName, with its bytes."""
    for record in org.attachments.get(resource_id, []):
        if record["AttachmentID"] == key.lower() or record["FileName"].lower() == key.lower():
            return record, org.attachment_bytes[record["AttachmentID"]]
    raise NotFound()
