"""All SQL about CRM records: insert, fetch, delete, filtered pages, deal lines, default email."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy import delete as delete_rows
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from ledgerlink.db.base import Base
from ledgerlink.db.models.crm import DealProduct, EmailConfiguration, Product

M = TypeVar("M", bound=Base)


async def add(session: AsyncSession, row: M) -> M:
    """Insert a row and flush it, so defaults (id, timestamps) are set."""
    session.add(row)
    await session.flush()
    return row


async def flush(session: AsyncSession) -> None:
    """Write pending changes (services never commit; the request's session does)."""
    await session.flush()


async def get(session: AsyncSession, model: type[M], row_id: str) -> M | None:
    """A row by id, or None."""
    return await session.get(model, row_id)


async def delete(session: AsyncSession, row: Base) -> None:
    """Delete a row."""
    await session.delete(row)
    await session.flush()


async def referring(session: AsyncSession, column: InstrumentedAttribute[Any], value: str,
                    limit: int = 20) -> tuple[list[str], int]:
    """Ids of the rows whose `column` refers to `value` (the first `limit`), and how many."""
    model = column.class_
    total = await session.scalar(select(func.count()).select_from(model).where(column == value))
    ids = await session.scalars(select(model.id).where(column == value)
                                .order_by(model.created_at, model.id).limit(limit))
    return list(ids), int(total or 0)


async def unlink(session: AsyncSession, column: InstrumentedAttribute[Any],
                 values: Sequence[str]) -> None:
    """Clear `column` wherever it refers to one of `values` (their updated_at moves)."""
    if values:
        await session.execute(update(column.class_).where(column.in_(values))
                              .values({column.key: None})
                              .execution_options(synchronize_session="fetch"))


async def delete_where(session: AsyncSession, column: InstrumentedAttribute[Any],
                       values: Sequence[str]) -> None:
    """Delete the rows whose `column` is one of `values`."""
    if values:
        await session.execute(delete_rows(column.class_).where(column.in_(values))
                              .execution_options(synchronize_session="fetch"))


async def deals_of_lines(session: AsyncSession, line_ids: Sequence[str]) -> list[str]:
    """The distinct deals these deal products are on."""
    rows = await session.scalars(select(DealProduct.deal_id).where(DealProduct.id.in_(line_ids))
                                 .distinct().order_by(DealProduct.deal_id))
    return list(rows)


async def ids_where(session: AsyncSession, column: InstrumentedAttribute[Any],
                    value: str) -> list[str]:
    """Ids of every row whose `column` is `value`."""
    model = column.class_
    return list(await session.scalars(select(model.id).where(column == value)))


def contains(columns: Sequence[InstrumentedAttribute[Any]], text: str) -> ColumnElement[bool]:
    """A case-insensitive substring match on any of the columns (LIKE wildcards escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(*(column.ilike(f"%{escaped}%", escape="\\") for column in columns))


async def page(session: AsyncSession, model: type[M], where: Sequence[ColumnElement[bool]],
               limit: int, offset: int) -> tuple[list[M], int]:
    """One page of rows (oldest first, so pages do not shift as rows are added) and the total."""
    total = await session.scalar(select(func.count()).select_from(model).where(*where))
    created = model.created_at  # type: ignore[attr-defined]
    ident = model.id  # type: ignore[attr-defined]
    rows = await session.scalars(
        select(model).where(*where).order_by(created, ident).limit(limit).offset(offset))
    return list(rows), int(total or 0)


async def lines_of(session: AsyncSession, deal_ids: Sequence[str],
                   line_ids: Sequence[str] | None = None,
                   ) -> list[tuple[DealProduct, Product]]:
    """Deal products of these deals (optionally only these lines) with their products."""
    if not deal_ids:
        return []
    query = (select(DealProduct, Product).join(Product, DealProduct.product_id == Product.id)
             .where(DealProduct.deal_id.in_(deal_ids))
             .order_by(DealProduct.created_at, DealProduct.id))
    if line_ids is not None:
        query = query.where(DealProduct.id.in_(line_ids))
    result = await session.execute(query)
    return [(row[0], row[1]) for row in result.all()]


async def count_lines(session: AsyncSession, deal_id: str) -> int:
    """How many products a deal has."""
    total = await session.scalar(select(func.count()).select_from(DealProduct)
                                 .where(DealProduct.deal_id == deal_id))
    return int(total or 0)


async def products_by_ids(session: AsyncSession, ids: Sequence[str]) -> dict[str, Product]:
    """The products among these ids, by id."""
    if not ids:
        return {}
    rows = await session.scalars(select(Product).where(Product.id.in_(ids)))
    return {row.id: row for row in rows}


async def default_email_configuration(session: AsyncSession) -> EmailConfiguration | None:
    """The default email configuration, if any."""
    result = await session.scalars(select(EmailConfiguration)
                                   .where(EmailConfiguration.is_default.is_(True)))
    return result.first()


async def oldest_email_configuration(session: AsyncSession,
                                     exclude: str | None = None) -> EmailConfiguration | None:
    """The first configuration created (other than `exclude`)."""
    query = select(EmailConfiguration).order_by(EmailConfiguration.created_at,
                                                EmailConfiguration.id).limit(1)
    if exclude:
        query = query.where(EmailConfiguration.id != exclude)
    return (await session.scalars(query)).first()


async def unset_default_email_configurations(session: AsyncSession, keep: str) -> None:
    """Clear the default flag everywhere except on `keep` (before `keep` takes it)."""
    await session.execute(
        update(EmailConfiguration)
        .where(EmailConfiguration.is_default.is_(True), EmailConfiguration.id != keep)
        .values(is_default=False)
        .execution_options(synchronize_session="fetch"))
