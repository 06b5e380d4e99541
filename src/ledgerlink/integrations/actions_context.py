"""What an action handler works with: the run, its session, its Xero client, deferred writes."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.db.models.integrations import Integration
from ledgerlink.errors import RecordNotFoundError, UnknownReferenceError
from ledgerlink.hub import Hub
from ledgerlink.providers.xero.client import XeroClient

T = TypeVar("T")
Deferred = Callable[[AsyncSession], Awaitable[Any]]


@dataclass
class ActionContext:
    """One execution of one action run.

    CRM writes (linking a customer to its Xero contact, a deal to its invoice) are deferred
    to the end of the run and committed with its result: no write transaction is held open
    while Xero is called (on SQLite that would block the token store and other requests).
    """

    hub: Hub
    session: AsyncSession
    integration: Integration
    client: XeroClient
    run_id: str
    data: Mapping[str, Any] = field(default_factory=dict)
    deferred: list[Deferred] = field(default_factory=list)

    def operation(self, step: str) -> str:
        """The operation id of one Xero write of this run: the same on every re-run."""
        return f"action-run:{self.run_id}:{step}"

    def defer(self, write: Deferred) -> None:
        """Run `write(session)` just before the run's result is stored."""
        self.deferred.append(write)

    def data_deal_id(self) -> str | None:
        """The trigger's data.deal.id, if it names one."""
        deal = self.data.get("deal") if isinstance(self.data, Mapping) else None
        if isinstance(deal, Mapping) and deal.get("id"):
            return str(deal["id"])
        return None


def stored_id(value: str | uuid.UUID) -> str:
    """A CRM id as stored (canonical UUID text); other text is kept, and no record has it."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value)


async def crm_record(load: Awaitable[T], field_name: str) -> T:
    """A CRM record named by a parameter; a missing one is a 422 `unknown_reference`."""
    try:
        return await load
    except RecordNotFoundError as exc:
        raise UnknownReferenceError(f"{field_name}: {exc.message}", field=field_name,
                                    details=exc.details) from None
