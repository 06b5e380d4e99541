"""The demo integration's partner function that the published automation examples perform."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink import examples as ex
from ledgerlink.automations import repository
from ledgerlink.automations.schemas import PF_EXAMPLE, PartnerFunctionFields
from ledgerlink.connections.service import require_integration
from ledgerlink.db.models.automations import PartnerFunction


async def seed_example_partner_function(session: AsyncSession, integration_id: str) -> None:
    """Give the integration the published example partner function, with the id
    `ledgerlink.examples.PARTNER_FUNCTION_ID`, unless that id exists; the caller commits."""
    if await session.get(PartnerFunction, ex.PARTNER_FUNCTION_ID) is not None:
        return
    integration = await require_integration(session, integration_id)
    fields = PartnerFunctionFields.model_validate(PF_EXAMPLE).model_dump(exclude_none=True)
    await repository.add(session, PartnerFunction(
        id=ex.PARTNER_FUNCTION_ID, integration_id=integration.id,
        provider_name=integration.platform, **fields))
