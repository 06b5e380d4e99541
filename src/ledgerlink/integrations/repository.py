"""All SQL about integrations and their grants."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from ledgerlink.db.models.integrations import Integration, ProviderGrant


async def list_integrations(session: AsyncSession) -> list[Integration]:
    """Every integration, oldest first."""
    result = await session.execute(select(Integration).order_by(Integration.created_at,
                                                                Integration.id))
    return list(result.scalars())


async def get_integration(session: AsyncSession, integration_id: str) -> Integration | None:
    """One integration with its grant loaded."""
    # One joined query: the integration and its grant are always needed together.
    result = await session.execute(select(Integration).options(joinedload(Integration.grant))
                                   .where(Integration.id == integration_id))
    return result.scalar_one_or_none()


async def by_tenant(session: AsyncSession, platform: str, tenant_id: str) -> Integration | None:
    """The integration of one provider organisation (there is at most one)."""
    result = await session.execute(select(Integration).where(
        Integration.platform == platform, Integration.tenant_id == tenant_id))
    return result.scalar_one_or_none()


async def add_grant(session: AsyncSession, grant: ProviderGrant) -> ProviderGrant:
    """Insert a grant."""
    session.add(grant)
    await session.flush()
    return grant


async def add_integration(session: AsyncSession, integration: Integration) -> Integration:
    """Insert an integration."""
    session.add(integration)
    await session.flush()
    return integration
