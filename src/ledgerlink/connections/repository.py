"""All SQL of the connections domain: integrations with their grants, and configurations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from ledgerlink.db.base import insert_or_skip
from ledgerlink.db.models.integrations import Integration, IntegrationConfiguration, ProviderGrant

ORDER_COLUMNS: dict[str, ColumnElement[Any]] = {
    "created": Integration.created_at.expression,
    "updated": Integration.updated_at.expression,
    "status": Integration.status.expression,
    "uuid": Integration.id.expression,
    "integration_partner": Integration.platform.expression,
    "remote_instance_id": Integration.tenant_id.expression,
    "remote_instance_name": func.coalesce(Integration.tenant_name, Integration.name),
    "client_id": ProviderGrant.client_id.expression,
}


async def count_integrations(session: AsyncSession) -> int:
    """How many integrations exist."""
    result = await session.execute(select(func.count()).select_from(Integration))
    return int(result.scalar_one())


async def list_integrations(session: AsyncSession, *, order_by: str, descending: bool,
                            limit: int, offset: int) -> list[Integration]:
    """A page of integrations with their grants loaded; the id breaks ties so pages are stable."""
    column = ORDER_COLUMNS[order_by]
    ordered = column.desc() if descending else column.asc()
    statement = (select(Integration)
                 .outerjoin(ProviderGrant, Integration.grant_id == ProviderGrant.id)
                 .options(contains_eager(Integration.grant))
                 # NULLs last on both backends (SQLite and PostgreSQL disagree by default).
                 .order_by(ordered.nulls_last(), Integration.id.asc())
                 .limit(limit).offset(offset))
    result = await session.execute(statement)
    return list(result.scalars().unique())


async def integration_with_grant(session: AsyncSession, integration_id: str) -> Integration | None:
    """One integration with its grant loaded, or None."""
    statement = (select(Integration)
                 .outerjoin(ProviderGrant, Integration.grant_id == ProviderGrant.id)
                 .options(contains_eager(Integration.grant))
                 .where(Integration.id == integration_id))
    result = await session.execute(statement)
    return result.scalars().unique().one_or_none()


async def integration(session: AsyncSession, integration_id: str) -> Integration | None:
    """One integration (its grant not loaded), or None."""
    return await session.get(Integration, integration_id)


async def configuration(session: AsyncSession,
                        integration_id: str) -> IntegrationConfiguration | None:
    """The stored configuration of an integration, or None if it was never configured."""
    return await session.get(IntegrationConfiguration, integration_id)


async def configuration_for_update(session: AsyncSession,
                                   integration_id: str) -> IntegrationConfiguration:
    """The configuration row, created empty if missing, locked for a read-modify-write.

    INSERT ... ON CONFLICT DO NOTHING makes two first writers meet on one row instead of one
    failing; on SQLite the insert also takes the write lock, which serialises the merge.
    """
    await session.execute(insert_or_skip(session.get_bind().dialect.name,
                                         IntegrationConfiguration,
                                         {"integration_id": integration_id, "data": {}},
                                         ["integration_id"]))
    result = await session.execute(
        select(IntegrationConfiguration)
        .where(IntegrationConfiguration.integration_id == integration_id)
        .with_for_update()
        .execution_options(populate_existing=True))
    return result.scalar_one()
