"""All SQL about API keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.db.models.auth import ApiKey


async def add(session: AsyncSession, key: ApiKey) -> ApiKey:
    """Insert a key."""
    session.add(key)
    await session.flush()
    return key


async def by_hash(session: AsyncSession, key_hash: str) -> ApiKey | None:
    """The key with this hash, revoked or not."""
    result = await session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash))
    return result.scalar_one_or_none()


async def by_id(session: AsyncSession, key_id: str) -> ApiKey | None:
    """A key by id."""
    return await session.get(ApiKey, key_id)


async def all_keys(session: AsyncSession) -> list[ApiKey]:
    """Every key, newest first."""
    result = await session.execute(select(ApiKey).order_by(ApiKey.created_at.desc()))
    return list(result.scalars())
