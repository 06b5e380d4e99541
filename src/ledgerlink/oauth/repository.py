"""All SQL of the connect flows: pending authorizations, and grants no integration uses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.db.models.integrations import Integration, ProviderGrant
from ledgerlink.db.models.oauth import PendingAuthorization


async def add(session: AsyncSession, pending: PendingAuthorization) -> PendingAuthorization:
    """Insert a pending authorization."""
    session.add(pending)
    await session.flush()
    return pending


async def by_state(session: AsyncSession, state_hash: str) -> PendingAuthorization | None:
    """The authorization a callback's state names (by its hash)."""
    result = await session.execute(select(PendingAuthorization).where(
        PendingAuthorization.state_hash == state_hash))
    return result.scalar_one_or_none()


async def get(session: AsyncSession, authorization_id: str) -> PendingAuthorization | None:
    """One pending authorization by id."""
    return await session.get(PendingAuthorization, authorization_id)


async def advance(session: AsyncSession, authorization_id: str, from_stage: str,
                  **values: Any) -> bool:
    """Move an authorization on from `from_stage`; False when another request already did.

    One UPDATE guarded by the stage: of two callbacks (or choices) racing in two processes,
    exactly one moves it, which is what makes a state single use.
    """
    result = await session.execute(
        update(PendingAuthorization)
        .where(PendingAuthorization.id == authorization_id,
               PendingAuthorization.stage == from_stage)
        .values(**values).execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def purge(session: AsyncSession, expired_before: datetime) -> None:
    """Forget authorizations that expired before this instant (kept until then so that a
    replayed state still reads as a replay rather than as unknown)."""
    await session.execute(delete(PendingAuthorization).where(
        PendingAuthorization.expires_at < expired_before))


async def integrations_of_tenants(session: AsyncSession,
                                  tenant_ids: Iterable[str]) -> dict[str, Integration]:
    """The Xero integration of each of these organisations that has one."""
    ids = list(dict.fromkeys(tenant_ids))
    if not ids:
        return {}
    result = await session.execute(select(Integration).where(
        Integration.platform == "xero", Integration.tenant_id.in_(ids)))
    return {i.tenant_id: i for i in result.scalars()}


async def others_on_grant(session: AsyncSession, grant_id: str, integration_id: str) -> int:
    """How many other integrations still use a grant (disconnected ones do not)."""
    result = await session.execute(select(Integration.id).where(
        Integration.grant_id == grant_id, Integration.id != integration_id,
        Integration.status != "disconnected"))
    return len(result.all())


async def drop_unused_grants(session: AsyncSession, grant_ids: Iterable[str]) -> list[str]:
    """Delete those of these grants (and so their tokens) that no integration points at."""
    ids = [g for g in dict.fromkeys(grant_ids) if g]
    if not ids:
        return []
    used = exists().where(Integration.grant_id == ProviderGrant.id)
    result = await session.execute(select(ProviderGrant.id).where(
        ProviderGrant.id.in_(ids), ~used))
    unused = [row[0] for row in result]
    if unused:
        await session.execute(delete(ProviderGrant).where(ProviderGrant.id.in_(unused))
                              .execution_options(synchronize_session=False))
    return unused
