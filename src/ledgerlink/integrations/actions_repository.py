"""All SQL about action runs: find by id or by a caller's Idempotency-Key, insert, take over,
keep alive, finish."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.db.base import new_uuid, utcnow
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


async def touch(session: AsyncSession, run_id: str, lease: str) -> bool:
    """Show that the lease holder is alive; False once the run ended or changed hands."""
    result = await session.execute(
        update(ActionRun).where(ActionRun.id == run_id, ActionRun.status == "running",
                                ActionRun.lease_id == lease)
        .values(updated_at=utcnow()))
    return bool(getattr(result, "rowcount", 0) == 1)


async def add(session: AsyncSession, run: ActionRun) -> ActionRun:
    """Insert a run (a duplicate key raises IntegrityError at flush)."""
    session.add(run)
    await session.flush()
    return run


async def take_over(session: AsyncSession, run_id: str, seen: datetime) -> str | None:
    """Run it again under a new lease if nobody touched it since `seen`; the lease, if ours."""
    lease = new_uuid()
    result = await session.execute(
        update(ActionRun).where(ActionRun.id == run_id, ActionRun.updated_at == seen)
        .values(status="running", error=None, updated_at=utcnow(), lease_id=lease))
    return lease if getattr(result, "rowcount", 0) == 1 else None


async def finish(session: AsyncSession, run_id: str, lease: str, status: str,
                 result: dict[str, Any] | None, error: dict[str, Any] | None) -> bool:
    """Store a run's outcome if `lease` still holds it; False when it changed hands."""
    done = await session.execute(update(ActionRun).where(
        ActionRun.id == run_id, ActionRun.lease_id == lease).values(
        status=status, result=result, error=error, updated_at=utcnow()))
    return bool(getattr(done, "rowcount", 0) == 1)
