"""All SQL about API keys and the install secrets their hashes use."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ledgerlink.db.base import insert_or_skip, utcnow
from ledgerlink.db.models.auth import ApiKey
from ledgerlink.db.models.install import InstallSecret


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


async def page(session: AsyncSession, limit: int, offset: int) -> tuple[list[ApiKey], int]:
    """One page of keys, newest first (ties by id, so pages never overlap), and the total."""
    total = await session.scalar(select(func.count()).select_from(ApiKey))
    rows = await session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id)
                                 .limit(limit).offset(offset))
    return list(rows), int(total or 0)


async def any_key(conn: AsyncConnection) -> bool:
    """Whether any API key exists (revoked or not)."""
    return (await conn.execute(select(ApiKey.id).limit(1))).first() is not None


async def install_secrets(conn: AsyncConnection, names: Sequence[str]) -> dict[str, str]:
    """The stored (encrypted) install secrets among these names."""
    rows = await conn.execute(select(InstallSecret.name, InstallSecret.value_enc)
                              .where(InstallSecret.name.in_(names)))
    return {row.name: row.value_enc for row in rows}


async def add_install_secrets_if_absent(conn: AsyncConnection, values: dict[str, str]) -> None:
    """Insert these (encrypted) secrets, keeping any a concurrent process stored first."""
    now = utcnow()
    rows = [{"name": name, "value_enc": value, "created_at": now, "updated_at": now}
            for name, value in values.items()]
    await conn.execute(insert_or_skip(conn.dialect.name, InstallSecret, rows, ["name"]))
