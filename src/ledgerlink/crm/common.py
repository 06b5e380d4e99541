"""Helpers the CRM services share: not-found and reference errors, applying changes to rows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.crm import repository
from ledgerlink.db.base import Base
from ledgerlink.errors import RecordNotFoundError, UnknownReferenceError

M = TypeVar("M", bound=Base)


def not_found(label: str, record_id: str | uuid.UUID) -> RecordNotFoundError:
    """The 404 of a CRM record that does not exist (field "id")."""
    return RecordNotFoundError(f"No {label} with id {record_id}", field="id",
                               details={"id": str(record_id)})


def plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """Field values as stored: UUIDs become their text form."""
    return {key: str(value) if isinstance(value, uuid.UUID) else value
            for key, value in values.items()}


def apply(row: Base, values: Mapping[str, Any]) -> None:
    """Set attributes on a row."""
    for key, value in values.items():
        setattr(row, key, value)


async def require(session: AsyncSession, model: type[M], record_id: str | uuid.UUID,
                  label: str) -> M:
    """The row with this id, or RecordNotFoundError (404, field "id")."""
    row = await repository.get(session, model, str(record_id))
    if row is None:
        raise not_found(label, record_id)
    return row


async def reference(session: AsyncSession, model: type[M], record_id: str | None,
                    field: str, label: str) -> M | None:
    """The row a field refers to; None for no reference; a 422 `unknown_reference` naming the
    field if missing."""
    if record_id is None:
        return None
    row = await repository.get(session, model, record_id)
    if row is None:
        raise UnknownReferenceError(f"{field}: no {label} with id {record_id}", field=field,
                         details={field: record_id})
    return row
