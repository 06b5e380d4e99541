"""All SQL of partner functions and automations."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from ledgerlink.db.models.automations import Automation, PartnerFunction


async def add(session: AsyncSession, record: PartnerFunction | Automation) -> None:
    """Insert a record and flush, so constraint failures surface here."""
    session.add(record)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    """Write pending changes (so constraint failures surface in the service)."""
    await session.flush()


async def delete(session: AsyncSession, record: PartnerFunction | Automation) -> None:
    """Delete a record."""
    await session.delete(record)
    await session.flush()


async def count_functions(session: AsyncSession, integration_id: str) -> int:
    """How many partner functions an integration has."""
    result = await session.execute(select(func.count()).select_from(PartnerFunction)
                                   .where(PartnerFunction.integration_id == integration_id))
    return int(result.scalar_one())


async def list_functions(session: AsyncSession, integration_id: str, *, limit: int,
                         offset: int) -> list[PartnerFunction]:
    """A page of an integration's partner functions, oldest first."""
    result = await session.execute(
        select(PartnerFunction).where(PartnerFunction.integration_id == integration_id)
        .order_by(PartnerFunction.created_at, PartnerFunction.id).limit(limit).offset(offset))
    return list(result.scalars())


async def function(session: AsyncSession, integration_id: str,
                   function_id: str) -> PartnerFunction | None:
    """One partner function of an integration, or None."""
    result = await session.execute(
        select(PartnerFunction).where(PartnerFunction.integration_id == integration_id,
                                      PartnerFunction.id == function_id))
    return result.scalar_one_or_none()


async def automations_performing(session: AsyncSession, function_id: str) -> list[Automation]:
    """The automations that perform a partner function."""
    result = await session.execute(
        select(Automation).where(Automation.partner_function_id == function_id)
        .order_by(Automation.code))
    return list(result.scalars())


async def count_automations(session: AsyncSession, integration_id: str) -> int:
    """How many automations an integration has."""
    result = await session.execute(select(func.count()).select_from(Automation)
                                   .where(Automation.integration_id == integration_id))
    return int(result.scalar_one())


async def list_automations(session: AsyncSession, integration_id: str, *, limit: int,
                           offset: int) -> list[Automation]:
    """A page of an integration's automations with their partner functions, oldest first."""
    result = await session.execute(
        select(Automation).options(joinedload(Automation.partner_function))
        .where(Automation.integration_id == integration_id)
        .order_by(Automation.created_at, Automation.id).limit(limit).offset(offset))
    return list(result.scalars())


async def automation(session: AsyncSession, integration_id: str,
                     automation_id: str) -> Automation | None:
    """One automation of an integration with its partner function, or None."""
    result = await session.execute(
        select(Automation).options(joinedload(Automation.partner_function))
        .where(Automation.integration_id == integration_id, Automation.id == automation_id))
    return result.scalar_one_or_none()


async def code_taken(session: AsyncSession, integration_id: str, code: str,
                     other_than: str | None) -> bool:
    """Whether another automation of the integration already uses this code."""
    statement = select(func.count()).select_from(Automation).where(
        Automation.integration_id == integration_id, Automation.code == code)
    if other_than is not None:
        statement = statement.where(Automation.id != other_than)
    return int((await session.execute(statement)).scalar_one()) > 0
