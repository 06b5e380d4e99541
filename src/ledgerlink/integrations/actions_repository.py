"""All SQL about action runs: find by id or by a caller's Idempotency-Key, insert, take over,
keep alive, finish."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.db.base import utcnow
from ledgerlink.db.models.integrations import ActionRun


async def by_key(session: AsyncSession, integration_id: str, caller_id: str,
                 key: str) -> ActionRun | None:
    """The run a caller's Idempotency-Key names on one integration (at most one)."""
    result = await session.execute(select(ActionRun).where(
        ActionRun.integration_id == integration_id, ActionRun.caller_id == caller_id,
        ActionRun.idempotency_key == key).execution_options(populate_existing=True))
    return result.scalar_one_or_none()


async def by_id(session: AsyncSession, integration_id: str, run_id: str) -> ActionRun | None:
    """One run of one integration."""
    result = await session.execute(select(ActionRun).where(
        ActionRun.integration_id == integration_id, ActionRun.id == run_id))
    return result.scalar_one_or_none()


async def touch(session: AsyncSession, run_id: str) -> bool:
    """Show that a running run's owner is alive; False once the run is no longer running."""
    result = await session.execute(
        update(ActionRun).where(ActionRun.id == run_id, ActionRun.status == "running")
        .values(updated_at=utcnow()))
    return bool(getattr(result, "rowcount", 0) == 1)


async def add(session: AsyncSession, run: ActionRun) -> ActionRun:
    """Insert a run (a duplicate key raises IntegrityError at flush)."""
    session.add(run)
    await session.flush()
    return run


async def take_over(session: AsyncSession, run_id: str, seen: datetime) -> bool:
    """Mark a run running again if nobody touched it since `seen`; True if we got it."""
    result = await session.execute(
        update(ActionRun).where(ActionRun.id == run_id, ActionRun.updated_at == seen)
        .values(status="running", error=None, updated_at=utcnow()))
    return bool(getattr(result, "rowcount", 0) == 1)


async def finish(session: AsyncSession, run_id: str, status: str,
                 result: dict[str, Any] | None, error: dict[str, Any] | None) -> None:
    """Store a run's outcome."""
    await session.execute(update(ActionRun).where(ActionRun.id == run_id).values(
        status=status, result=result, error=error, updated_at=utcnow()))
