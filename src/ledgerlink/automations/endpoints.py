"""HTTP routes of the automations domain (thin: parse, call the service, shape the answer)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from ledgerlink.api.deps import AutomationsRead, AutomationsWrite, SessionDep
from ledgerlink.api.ids import RecordId
from ledgerlink.automations import service
from ledgerlink.automations.schemas import (
    SCHEDULE_NOTE,
    AutomationCreate,
    AutomationList,
    AutomationOne,
    AutomationUpdate,
    PartnerFunctionCreate,
    PartnerFunctionList,
    PartnerFunctionOne,
    PartnerFunctionUpdate,
)
from ledgerlink.connections.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from ledgerlink.connections.responses import errors

router = APIRouter()

FUNCTIONS = "/api/v3/integration/{integration_uuid}/partner-function"
FUNCTION = FUNCTIONS + "/{partner_function_uuid}"
AUTOMATIONS = "/api/v3/integration/{integration_uuid}/automation"
AUTOMATION = AUTOMATIONS + "/{automation_uuid}"
PF_TAGS: list[str | Enum] = ["partner functions"]
AU_TAGS: list[str | Enum] = ["automations"]
STORED_ONLY = (" Partner functions and automations are stored, validated and served here; "
               "running them is the job of the automation engine.")
PAGINATION_NOTE = ("`pagination.records` is the total count; `previous_page` is an empty string "
                   "on the first page and `next_page` null on the last. 404 for an unknown "
                   "integration uuid.")

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Records per page.")]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="Records to skip.")]


@router.get(FUNCTIONS, responses=errors(404), tags=PF_TAGS, response_model=PartnerFunctionList,
            summary="List partner functions",
            description="An integration's partner functions (IMPORT and EXPORT data "
                        "operations), oldest first, a page at a time. " + PAGINATION_NOTE)
async def list_functions(integration_uuid: RecordId, request: Request, session: SessionDep,
                         _: AutomationsRead, limit: Limit = DEFAULT_LIMIT,
                         offset: Offset = 0) -> dict[str, Any]:
    """A page of partner functions."""
    page = await service.list_functions(session, integration_uuid, limit=limit, offset=offset)
    return {"partner_functions": page.items,
            "pagination": paginate(request.url, total=page.total, limit=limit, offset=offset)}


@router.get(FUNCTION, responses=errors(404), tags=PF_TAGS, response_model=PartnerFunctionOne,
            summary="Get a partner function",
            description="One partner function under `partner_function`; 404 when the "
                        "integration or the function is unknown.")
async def get_function(integration_uuid: RecordId, partner_function_uuid: RecordId,
                       session: SessionDep, _: AutomationsRead) -> dict[str, Any]:
    """One partner function."""
    return {"partner_function": await service.get_function(session, integration_uuid,
                                                           partner_function_uuid)}


@router.post(FUNCTIONS, tags=PF_TAGS, response_model=PartnerFunctionOne, status_code=201,
             responses=errors(400, 404),
             summary="Create a partner function",
             description="Stores a partner function of the integration. `name`, `direction` "
                         "(IMPORT or EXPORT) and `object_name` are required; `provider_name` "
                         "is read-only (the integration's provider); `enabled` defaults to "
                         "true. "
                         "Unknown fields are a 422." + STORED_ONLY)
async def create_function(integration_uuid: RecordId, body: PartnerFunctionCreate,
                          session: SessionDep, _: AutomationsWrite) -> dict[str, Any]:
    """Store a partner function."""
    fields = body.partner_function.model_dump(mode="json")
    return {"partner_function": await service.create_function(session, integration_uuid,
                                                              fields)}


@router.patch(FUNCTION, tags=PF_TAGS, response_model=PartnerFunctionOne,
              responses=errors(400, 404, 409),
              summary="Update a partner function",
              description="Changes the fields the body names (null clears an optional one); "
                          "the direction cannot change while automations perform the function "
                          "(409).")
async def update_function(integration_uuid: RecordId, partner_function_uuid: RecordId,
                          body: PartnerFunctionUpdate, session: SessionDep,
                          _: AutomationsWrite) -> dict[str, Any]:
    """Change a partner function."""
    changes = body.partner_function.model_dump(mode="json", exclude_unset=True)
    return {"partner_function": await service.update_function(
        session, integration_uuid, partner_function_uuid, changes)}


@router.delete(FUNCTION, tags=PF_TAGS, status_code=204, response_class=Response,
               responses=errors(404, 409),
               summary="Delete a partner function",
               description="Deletes a partner function; 409 while automations perform it.")
async def delete_function(integration_uuid: RecordId, partner_function_uuid: RecordId,
                          session: SessionDep, _: AutomationsWrite) -> Response:
    """Delete a partner function."""
    await service.delete_function(session, integration_uuid, partner_function_uuid)
    return Response(status_code=204)


@router.get(AUTOMATIONS, responses=errors(404), tags=AU_TAGS, response_model=AutomationList,
            summary="List automations",
            description="An integration's automations, oldest first, a page at a time. "
                        "`performActionText` and `checkOnText` are labels the hub writes from "
                        "the partner function and the schedule. " + PAGINATION_NOTE)
async def list_automations(integration_uuid: RecordId, request: Request, session: SessionDep,
                           _: AutomationsRead, limit: Limit = DEFAULT_LIMIT,
                           offset: Offset = 0) -> dict[str, Any]:
    """A page of automations."""
    page = await service.list_automations(session, integration_uuid, limit=limit,
                                          offset=offset)
    return {"integration_automations": page.items,
            "pagination": paginate(request.url, total=page.total, limit=limit, offset=offset)}


@router.get(AUTOMATION, responses=errors(404), tags=AU_TAGS, response_model=AutomationOne,
            summary="Get an automation",
            description="One automation under `integration_automation`; 404 when the "
                        "integration or the automation is unknown.")
async def get_automation(integration_uuid: RecordId, automation_uuid: RecordId, session: SessionDep,
                         _: AutomationsRead) -> dict[str, Any]:
    """One automation."""
    return {"integration_automation": await service.get_automation(session, integration_uuid,
                                                                   automation_uuid)}


@router.post(AUTOMATIONS, tags=AU_TAGS, response_model=AutomationOne, status_code=201,
             responses=errors(400, 404, 409),
             summary="Create an automation",
             description="Stores an automation that performs one partner function of the same "
                         "integration (`perform_function`, whose direction it must share). "
                         "`automation_type` is timerBased or eventBased; `status` ACTIVE "
                         "(default) or INACTIVE; `code` is unique in the integration (409) and "
                         "generated when omitted; `display_name` defaults to `name`, "
                         "`applies_to` to the function's `object_name`; `provider` is "
                         "read-only (the integration's provider). " + SCHEDULE_NOTE
                         + STORED_ONLY)
async def create_automation(integration_uuid: RecordId, body: AutomationCreate,
                            session: SessionDep, _: AutomationsWrite) -> dict[str, Any]:
    """Store an automation."""
    fields = body.integration_automation.model_dump(mode="json")
    return {"integration_automation": await service.create_automation(
        session, integration_uuid, fields)}


@router.patch(AUTOMATION, tags=AU_TAGS, response_model=AutomationOne,
              responses=errors(400, 404, 409),
              summary="Update an automation",
              description="Changes the fields the body names (null clears an optional one); "
                          "the automation that results is validated as a whole, by the same "
                          "rules as a new one. " + SCHEDULE_NOTE)
async def update_automation(integration_uuid: RecordId, automation_uuid: RecordId,
                            body: AutomationUpdate, session: SessionDep,
                            _: AutomationsWrite) -> dict[str, Any]:
    """Change an automation."""
    changes = body.integration_automation.model_dump(mode="json", exclude_unset=True)
    return {"integration_automation": await service.update_automation(
        session, integration_uuid, automation_uuid, changes)}


@router.delete(AUTOMATION, tags=AU_TAGS, status_code=204, response_class=Response,
               responses=errors(404),
               summary="Delete an automation", description="Deletes an automation.")
async def delete_automation(integration_uuid: RecordId, automation_uuid: RecordId,
                            session: SessionDep, _: AutomationsWrite) -> Response:
    """Delete an automation."""
    await service.delete_automation(session, integration_uuid, automation_uuid)
    return Response(status_code=204)
