"""All SQL of the activity log: append a batch, prune each organisation, read it back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.db.models.activity import ProviderCall

Organisation = tuple[str, str]  # (platform, tenant id)


async def append(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert a batch of calls (one statement)."""
    if rows:
        await session.execute(insert(ProviderCall), list(rows))


async def prune(session: AsyncSession, organisations: Iterable[Organisation],
                keep: int) -> int:
    """Delete all but the latest `keep` calls of each organisation; how many went."""
    removed = 0
    for platform, tenant_id in organisations:
        of_it = (ProviderCall.platform == platform, ProviderCall.tenant_id == tenant_id)
        # The newest row past the bound: it and everything older go (a read first, so an
        # organisation under its bound costs no write).
        cutoff = await session.scalar(select(ProviderCall.id).where(*of_it)
                                      .order_by(ProviderCall.id.desc()).offset(keep).limit(1))
        if cutoff is not None:
            result = await session.execute(delete(ProviderCall).where(
                *of_it, ProviderCall.id <= cutoff))
            removed += int(getattr(result, "rowcount", 0) or 0)
    return removed


async def latest(session: AsyncSession, platform: str, tenant_id: str,
                 limit: int) -> list[ProviderCall]:
    """One organisation's latest calls, newest first."""
    result = await session.execute(
        select(ProviderCall).where(ProviderCall.platform == platform,
                                   ProviderCall.tenant_id == tenant_id)
        .order_by(ProviderCall.at.desc(), ProviderCall.id.desc()).limit(limit))
    return list(result.scalars())


async def last_call_times(session: AsyncSession) -> dict[Organisation, datetime]:
    """When each organisation's latest recorded call was made."""
    result = await session.execute(
        select(ProviderCall.platform, ProviderCall.tenant_id, func.max(ProviderCall.at))
        .group_by(ProviderCall.platform, ProviderCall.tenant_id))
    return {(row[0], row[1]): row[2] for row in result if row[2] is not None}


async def day_remaining_since(session: AsyncSession, since: datetime,
                              organisation: Organisation | None = None
                              ) -> dict[Organisation, int]:
    """Each organisation's latest reported day budget among the calls made since `since`."""
    ranked = select(
        ProviderCall.platform, ProviderCall.tenant_id, ProviderCall.day_remaining,
        func.row_number().over(
            partition_by=(ProviderCall.platform, ProviderCall.tenant_id),
            order_by=(ProviderCall.at.desc(), ProviderCall.id.desc())).label("rank"),
    ).where(ProviderCall.at >= since, ProviderCall.day_remaining.is_not(None))
    if organisation is not None:
        ranked = ranked.where(ProviderCall.platform == organisation[0],
                              ProviderCall.tenant_id == organisation[1])
    sub = ranked.subquery()
    result = await session.execute(
        select(sub.c.platform, sub.c.tenant_id, sub.c.day_remaining).where(sub.c.rank == 1))
    return {(row[0], row[1]): int(row[2]) for row in result}
