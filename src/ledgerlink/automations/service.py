"""Partner functions and automations: stored, validated and served (execution comes later)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.automations import repository, schedule
from ledgerlink.connections.service import require_integration
from ledgerlink.db.base import new_uuid
from ledgerlink.db.models.automations import Automation, PartnerFunction
from ledgerlink.db.models.integrations import Integration
from ledgerlink.errors import (
    ConflictingInputError,
    RecordConflictError,
    RecordNotFoundError,
    UnknownReferenceError,
)

PF = "partner_function."
AU = schedule.PREFIX
AU_PLAIN = ("name", "description", "automation_type", "direction", "status", "provider",
            "applies_to", "applies_to_function", "additional_criteria",
            "trigger_condition_text")


@dataclass(frozen=True)
class Page:
    """One page of records in the seed's shape, and the total count."""

    items: list[dict[str, Any]]
    total: int


# --- partner functions -------------------------------------------------------------------

def function_out(record: PartnerFunction) -> dict[str, Any]:
    """A partner function in the seed's shape."""
    return {
        "uuid": record.id, "name": record.name, "description": record.description,
        "direction": record.direction, "event_name": record.event_name,
        "provider_name": record.provider_name, "object_name": record.object_name,
        "mapping_id": record.mapping_id, "enabled": record.enabled,
        "pre_run_script_id": record.pre_run_script_id,
        "post_run_script_id": record.post_run_script_id, "tag": record.tag,
        "created": record.created_at, "updated": record.updated_at,
        "object_mapping": record.object_mapping,
    }


async def _function(session: AsyncSession, integration: Integration,
                    function_uuid: str) -> PartnerFunction:
    found = await repository.function(session, integration.id, function_uuid)
    if found is None:
        raise RecordNotFoundError(f"Integration {integration.id} has no partner function "
                                  f"{function_uuid!r}", field="partner_function_uuid")
    return found


async def list_functions(session: AsyncSession, integration_uuid: str, *, limit: int,
                         offset: int) -> Page:
    """A page of an integration's partner functions."""
    integration = await require_integration(session, integration_uuid)
    total = await repository.count_functions(session, integration.id)
    rows = await repository.list_functions(session, integration.id, limit=limit, offset=offset)
    return Page([function_out(row) for row in rows], total)


async def get_function(session: AsyncSession, integration_uuid: str,
                       function_uuid: str) -> dict[str, Any]:
    """One partner function."""
    integration = await require_integration(session, integration_uuid)
    return function_out(await _function(session, integration, function_uuid))


async def create_function(session: AsyncSession, integration_uuid: str,
                          fields: dict[str, Any]) -> dict[str, Any]:
    """Store a new partner function (`fields` validated by the create schema)."""
    integration = await require_integration(session, integration_uuid)
    values = {name: value for name, value in fields.items() if value is not None}
    values["provider_name"] = integration.platform  # read-only: always the integration's
    record = PartnerFunction(id=new_uuid(), integration_id=integration.id, **values)
    await repository.add(session, record)
    return function_out(record)


async def update_function(session: AsyncSession, integration_uuid: str, function_uuid: str,
                          changes: dict[str, Any]) -> dict[str, Any]:
    """Change the fields `changes` names; null clears an optional one."""
    integration = await require_integration(session, integration_uuid)
    record = await _function(session, integration, function_uuid)
    values = dict(changes)  # the schema refuses null where a field cannot be cleared
    if values.get("direction", record.direction) != record.direction:
        users = await repository.automations_performing(session, record.id)
        if users:
            raise RecordConflictError(
                "The direction cannot change while automations perform this function: "
                + ", ".join(a.code for a in users), field=PF + "direction",
                details={"automations": [a.id for a in users]})
    for name, value in values.items():
        setattr(record, name, value)
    await repository.flush(session)
    return function_out(record)


async def delete_function(session: AsyncSession, integration_uuid: str,
                          function_uuid: str) -> None:
    """Delete a partner function no automation performs."""
    integration = await require_integration(session, integration_uuid)
    record = await _function(session, integration, function_uuid)
    users = await repository.automations_performing(session, record.id)
    if users:
        raise RecordConflictError("Automations perform this partner function; delete or change "
                             "them first: " + ", ".join(a.code for a in users),
                             field="partner_function_uuid",
                             details={"automations": [a.id for a in users]})
    await repository.delete(session, record)


# --- automations -------------------------------------------------------------------------

def automation_out(record: Automation) -> dict[str, Any]:
    """An automation in the seed's shape (keys in the seed's order)."""
    fn = record.partner_function
    values = {
        "check_on": record.check_on, "check_on_minutes": record.check_on_minutes,
        "additional_criteria": record.additional_criteria, "applies_to": record.applies_to,
        "applies_to_function": record.applies_to_function,
        "automation_type": record.automation_type, "code": record.code,
        "custom_day": record.custom_day, "custom_day_time": record.custom_day_time,
        "custom_time": record.custom_time, "description": record.description,
        "direction": record.direction, "display_name": record.display_name,
        "name": record.name, "perform_function": record.partner_function_id,
        "provider": record.provider, "status": record.status, "uuid": record.id,
        "trigger_condition_text": record.trigger_condition_text,
    }
    values["performActionText"] = schedule.perform_action_text(fn.name, fn.direction,
                                                               fn.object_name)
    values["checkOnText"] = schedule.check_on_text(values, fn.event_name)
    return values


def _state(record: Automation) -> dict[str, Any]:
    """A stored automation as the fields a create body would carry."""
    names = (*AU_PLAIN, "display_name", "code", *schedule.SCHEDULE_FIELDS)
    state = {name: getattr(record, name) for name in names}
    state["perform_function"] = record.partner_function_id
    return state


async def _automation(session: AsyncSession, integration: Integration,
                      automation_uuid: str) -> Automation:
    found = await repository.automation(session, integration.id, automation_uuid)
    if found is None:
        raise RecordNotFoundError(f"Integration {integration.id} has no automation "
                                  f"{automation_uuid!r}", field="automation_uuid")
    return found


async def _performed(session: AsyncSession, integration: Integration,
                     merged: dict[str, Any]) -> PartnerFunction:
    found = await repository.function(session, integration.id, merged["perform_function"])
    if found is None:
        raise UnknownReferenceError(f"perform_function must be the uuid of a partner function "
                                    f"of this integration; {merged['perform_function']!r} is "
                                    "not", field=AU + "perform_function")
    if found.direction != merged["direction"]:
        raise ConflictingInputError(f"direction {merged['direction']} does not match the "
                                    f"partner function's direction {found.direction}",
                                    field=AU + "direction")
    return found


async def _apply(session: AsyncSession, integration: Integration, record: Automation,
                 current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Validate the automation `current` becomes with `changes`, and write it to `record`."""
    merged = {**current, **changes}  # the schema refuses null where it cannot clear a field
    fn = await _performed(session, integration, merged)
    merged["provider"] = integration.platform  # read-only: always the integration's
    if merged.get("display_name") is None:
        merged["display_name"] = merged["name"]
    if "applies_to" not in current and merged.get("applies_to") is None:
        merged["applies_to"] = fn.object_name  # only on create: null clears it later
    if merged.get("code") is None:
        merged["code"] = f"AUTO-{record.id[:8].upper()}"
    if await repository.code_taken(session, integration.id, merged["code"], record.id):
        raise RecordConflictError(f"Another automation of this integration has code "
                             f"{merged['code']!r}", field=AU + "code")
    merged.update(schedule.normalise(merged, changes, fn.event_name))
    for name in (*AU_PLAIN, "display_name", "code", *schedule.SCHEDULE_FIELDS):
        setattr(record, name, merged.get(name))
    record.partner_function_id = fn.id
    record.partner_function = fn
    session.add(record)  # only now: an autoflush must never see a half-built automation
    try:
        await repository.flush(session)
    except IntegrityError:  # a concurrent writer took the code between check and flush
        raise RecordConflictError(f"Another automation of this integration has code "
                             f"{merged['code']!r}", field=AU + "code") from None
    return automation_out(record)


async def list_automations(session: AsyncSession, integration_uuid: str, *, limit: int,
                           offset: int) -> Page:
    """A page of an integration's automations."""
    integration = await require_integration(session, integration_uuid)
    total = await repository.count_automations(session, integration.id)
    rows = await repository.list_automations(session, integration.id, limit=limit,
                                             offset=offset)
    return Page([automation_out(row) for row in rows], total)


async def get_automation(session: AsyncSession, integration_uuid: str,
                         automation_uuid: str) -> dict[str, Any]:
    """One automation."""
    integration = await require_integration(session, integration_uuid)
    return automation_out(await _automation(session, integration, automation_uuid))


async def create_automation(session: AsyncSession, integration_uuid: str,
                            fields: dict[str, Any]) -> dict[str, Any]:
    """Store a new automation (`fields` validated by the create schema)."""
    integration = await require_integration(session, integration_uuid)
    record = Automation(id=new_uuid(), integration_id=integration.id)
    # On create, an explicit null means the same as leaving the field out (its default).
    given = {name: value for name, value in fields.items() if value is not None}
    return await _apply(session, integration, record, {}, given)


async def update_automation(session: AsyncSession, integration_uuid: str,
                            automation_uuid: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change the fields `changes` names; the result is validated as a whole."""
    integration = await require_integration(session, integration_uuid)
    record = await _automation(session, integration, automation_uuid)
    return await _apply(session, integration, record, _state(record), changes)


async def delete_automation(session: AsyncSession, integration_uuid: str,
                            automation_uuid: str) -> None:
    """Delete an automation."""
    integration = await require_integration(session, integration_uuid)
    await repository.delete(session, await _automation(session, integration, automation_uuid))
