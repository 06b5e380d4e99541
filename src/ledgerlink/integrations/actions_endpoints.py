"""HTTP route of /api/v1/integrations/{id}/action (thin: parse, call the service, answer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header
from fastapi.responses import JSONResponse
from pydantic.json_schema import SkipJsonSchema

from ledgerlink.api.deps import HubDep, IntegrationsRead, IntegrationsWrite
from ledgerlink.api.ids import RecordId
from ledgerlink.api.responses import error_responses
from ledgerlink.integrations import actions
from ledgerlink.integrations.actions_results import ActionResult
from ledgerlink.integrations.actions_schemas import ActionRequest, request_examples
from ledgerlink.integrations.runs_schemas import ActionRunOut

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"])

RESPONSES = error_responses(
    400, 401, 403, 404, 409, 422, 429, 502, 504, d404="No integration has this id",
    d409="The integration is not active (`integration_not_active`, e.g. needs_reauth); or the "
    "Idempotency-Key was used for a different request (`idempotency_key_reused`); or its first "
    "run is still going (`action_in_progress`, with `Retry-After`)",
    d422="Unknown action_type or bad params (`invalid_input`, naming the field and the allowed "
    "values); values that contradict each other, or a record that cannot be used as it stands "
    "(`conflicting_input`); a parameter naming no record (`unknown_reference`); or Xero "
    "refused the data (`provider_validation_failed`, with Xero's message)")
ActionBodyParam = Annotated[ActionRequest, Body(
    examples=request_examples(),
    description="The action: `action_type` selects the branch and its `params`")]
IdempotencyKey = Annotated[str | SkipJsonSchema[None], Header(
    alias="Idempotency-Key", min_length=1, max_length=255,
    description="Repeat a request with the same key to get the first result again without a "
    "second write to Xero (1 to 255 characters)")]


@router.post("/{integration_id}/action", response_model=ActionResult,
             summary="Execute an action on an integration", responses=RESPONSES)
async def run_action(integration_id: RecordId, body: ActionBodyParam, hub: HubDep,
                     caller: IntegrationsWrite,
                     idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Run a Xero action; the integration must be `active`.

    Action types: `xero_create_contact` (from `customer_id`, `crm_contact_id` or explicit
    fields), `xero_create_invoice` (from a deal; the Xero contact is found or created from the
    deal's customer or CRM contact, never duplicated), `xero_create_contact_and_invoice` (the
    same), `xero_update_invoice` (`invoice_id` and the fields to change; Xero's status rules
    apply), `xero_create_repeating_invoice` (`contact_id`, `schedule_period`,
    `schedule_unit` WEEKLY|MONTHLY|YEARLY, `account_code`, `tax_type`,
    `approve_for_sending` default true, exactly one of `deal_product_ids` and `product_ids`;
    Usage-Based products are skipped). Invoice actions take `email_mode` none|xero|trustpager
    and the other email fields. Xero emails only approved invoices: asked for an email without
    a `status`, an action approves the invoice first (`approved_for_email: true` in the
    result); an explicit DRAFT with an email is a 422 `conflicting_input`. With `email_mode`
    `xero`, Xero's Email endpoint writes to the Xero contact and its contact persons marked
    IncludeInEmails: the recipient that `email_recipient_source` chooses (default
    `primary_contact`) is made one of them first, and `email.xero_contact_change` says how.

    With an `Idempotency-Key` header, a repeat answers the first result (status and body,
    plus `Idempotent-Replayed: true`) without writing to Xero again; the same key with a
    different body is a 409. Keys belong to the API key that sent them: another API key
    using the same value starts a run of its own. A repeat while the first run is still
    going waits up to 20 s, then answers 409 `action_in_progress` with `Retry-After`; a run
    whose process died is taken over by the next repeat once it has been silent for a
    minute.
    """
    outcome = await actions.run_action(hub, integration_id, body, idempotency_key,
                                       caller_id=f"key:{caller.key_id}")
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)


@router.get("/{integration_id}/actions/{run_id}", response_model=ActionRunOut,
            summary="Read an action run", responses=error_responses(404, 422))
async def get_action_run(integration_id: RecordId, run_id: RecordId, hub: HubDep,
                         _: IntegrationsRead) -> ActionRunOut:
    """One action run by its `action_run_id`: whether it is still running, and the answer it
    gave (the same one a repeat of its Idempotency-Key replays)."""
    return ActionRunOut.of(await actions.get_run(hub, integration_id, run_id))
