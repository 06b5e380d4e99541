"""What an action handler works with: the run, its session, its Xero client, deferred writes."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pydantic
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.crm.common import RecordNotFound
from ledgerlink.db.models.integrations import Integration
from ledgerlink.errors import InputError
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

    def deal_id(self, given: str | None) -> str | None:
        """params.deal_id, else the trigger's data.deal.id."""
        if given:
            return given
        deal = self.data.get("deal") if isinstance(self.data, Mapping) else None
        if isinstance(deal, Mapping) and deal.get("id"):
            return str(deal["id"])
        return None


def params_error(exc: pydantic.ValidationError) -> InputError:
    """A pydantic error as a 422 naming `params.<field>` (and the allowed values it names)."""
    problems = []
    for error in exc.errors():
        context = error.get("ctx") or {}
        if error["type"] in ("action_params", "email_params") and context.get("field"):
            name, message = str(context["field"]), str(context.get("message", error["msg"]))
        else:
            name = ".".join(str(p) for p in error["loc"])
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                message = "is not a parameter of this action type"
        problems.append({"field": f"params.{name}" if name else "params", "message": message})
    first = problems[0]
    return InputError(f"{first['field']}: {first['message']}", field=str(first["field"]),
                      details={"problems": problems})


def as_uuid_text(value: str, field_name: str) -> str:
    """A CRM id as stored (canonical UUID text), or a 422 naming the parameter."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InputError(f"{field_name}: '{value}' is not a UUID", field=field_name) from None


async def crm_record(load: Awaitable[T], field_name: str) -> T:
    """A CRM record named by a parameter; a missing one is a 422 naming that parameter."""
    try:
        return await load
    except RecordNotFound as exc:
        raise InputError(f"{field_name}: {exc.message}", field=field_name,
                         details=exc.details) from None
