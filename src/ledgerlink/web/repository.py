"""All SQL of the console: sessions, failed sign-ins, its install secrets, integration activity."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.db.base import insert_or_skip, utcnow
from ledgerlink.db.models.console import ConsoleSession, SignInFailure
from ledgerlink.db.models.install import InstallSecret
from ledgerlink.db.models.integrations import ActionRun


# ---- install secrets -----------------------------------------------------------------------
async def secret(session: AsyncSession, name: str) -> str | None:
    """One stored (encrypted) install secret."""
    row = await session.get(InstallSecret, name)
    return row.value_enc if row is not None else None


async def add_secret_if_absent(session: AsyncSession, name: str, value_enc: str) -> None:
    """Insert a secret unless another process stored one first (that one is kept)."""
    now = utcnow()
    dialect = (await session.connection()).dialect.name
    await session.execute(insert_or_skip(dialect, InstallSecret, [
        {"name": name, "value_enc": value_enc, "created_at": now, "updated_at": now}], ["name"]))


async def put_secret(session: AsyncSession, name: str, value_enc: str) -> None:
    """Store a secret, replacing any value it had."""
    row = await session.get(InstallSecret, name)
    if row is None:
        session.add(InstallSecret(name=name, value_enc=value_enc))
    else:
        row.value_enc = value_enc
    await session.flush()


# ---- sessions ------------------------------------------------------------------------------
async def add_session(session: AsyncSession, token_hash: str, expires_at: datetime) -> None:
    """Record a signed-in browser."""
    session.add(ConsoleSession(token_hash=token_hash, expires_at=expires_at))
    await session.flush()


async def session_by_hash(session: AsyncSession, token_hash: str) -> ConsoleSession | None:
    """The open session with this id hash."""
    result = await session.execute(select(ConsoleSession).where(
        ConsoleSession.token_hash == token_hash))
    return result.scalar_one_or_none()


async def end_session(session: AsyncSession, token_hash: str) -> None:
    """Forget one session (sign-out)."""
    await session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash))


async def end_sessions(session: AsyncSession, expired_before: datetime | None = None) -> None:
    """Forget every session (a new password), or only those expired before an instant."""
    statement = delete(ConsoleSession)
    if expired_before is not None:
        statement = statement.where(ConsoleSession.expires_at < expired_before)
    await session.execute(statement)


# ---- failed sign-ins -----------------------------------------------------------------------
async def failures(session: AsyncSession, scopes: Iterable[str]) -> list[SignInFailure]:
    """The failure records of these scopes that exist."""
    result = await session.execute(select(SignInFailure).where(
        SignInFailure.scope.in_(list(scopes))))
    return list(result.scalars())


async def count_failure(session: AsyncSession, scope: str) -> int:
    """Add one failure to a scope (one UPDATE, so concurrent failures all count); the count."""
    now = utcnow()
    dialect = (await session.connection()).dialect.name
    await session.execute(insert_or_skip(dialect, SignInFailure, [
        {"scope": scope, "failures": 0, "created_at": now, "updated_at": now}], ["scope"]))
    await session.execute(update(SignInFailure).where(SignInFailure.scope == scope).values(
        failures=SignInFailure.failures + 1, updated_at=now))
    value = await session.scalar(select(SignInFailure.failures).where(
        SignInFailure.scope == scope))
    return int(value or 0)


async def lock(session: AsyncSession, scope: str, until: datetime) -> None:
    """Refuse sign-ins of this scope until an instant."""
    await session.execute(update(SignInFailure).where(SignInFailure.scope == scope)
                          .values(locked_until=until))


async def clear_failures(session: AsyncSession, scopes: Iterable[str] | None = None) -> None:
    """Forget the failures of these scopes (all of them when None)."""
    statement = delete(SignInFailure)
    if scopes is not None:
        statement = statement.where(SignInFailure.scope.in_(list(scopes)))
    await session.execute(statement)


# ---- activity ------------------------------------------------------------------------------
async def last_action_runs(session: AsyncSession) -> dict[str, datetime]:
    """The latest action run of each integration that ran one."""
    result = await session.execute(select(ActionRun.integration_id,
                                          func.max(ActionRun.updated_at))
                                   .group_by(ActionRun.integration_id))
    return {row[0]: row[1] for row in result if row[1] is not None}
