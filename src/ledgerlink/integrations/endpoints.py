"""HTTP routes of /api/v1/integrations: list, get, query (and actions, in actions_endpoints)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from ledgerlink.api.deps import HubDep, IntegrationsRead, SessionDep
from ledgerlink.api.ids import RecordId
from ledgerlink.api.responses import error_responses
from ledgerlink.db.models.integrations import Integration
from ledgerlink.integrations import service
from ledgerlink.integrations.schemas import (
    IntegrationEnvelope,
    IntegrationList,
    IntegrationOut,
    QueryRequest,
    QueryResult,
    Tenant,
    query_examples,
)

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"])


def present(integration: Integration) -> IntegrationOut:
    """The API shape of an integration."""
    return IntegrationOut(
        id=integration.id, platform=integration.platform, name=integration.name,
        status=integration.status,  # type: ignore[arg-type]
        status_reason=integration.status_reason,
        tenant=Tenant(id=integration.tenant_id, name=integration.tenant_name,
                      type=integration.tenant_type),
        connection_kind=integration.connection_kind, connected_at=integration.connected_at,
        disconnected_at=integration.disconnected_at, created_at=integration.created_at,
        updated_at=integration.updated_at)


@router.get("", response_model=IntegrationList, summary="List integrations",
            responses=error_responses(401, 403))
async def list_integrations(session: SessionDep, _: IntegrationsRead) -> IntegrationList:
    """Every connected organisation with its platform, status, tenant and connection kind."""
    return IntegrationList(data=[present(i) for i in await service.list_integrations(session)])


@router.get("/{integration_id}", response_model=IntegrationEnvelope,
            summary="Retrieve an integration",
            responses=error_responses(401, 403, 404, 422, d404="No integration has this id"))
async def get_integration(integration_id: RecordId, session: SessionDep,
                          _: IntegrationsRead) -> IntegrationEnvelope:
    """One integration by id."""
    return IntegrationEnvelope(data=present(await service.get_integration(session,
                                                                          integration_id)))


QueryBody = Annotated[QueryRequest, Body(
    examples=query_examples(),
    description="The query: `query_type` selects the branch and its `params`")]


@router.post("/{integration_id}/query", response_model=QueryResult,
             summary="Query an integration (read-only)",
             responses=error_responses(
                 400, 401, 403, 404, 409, 422, 429, 502, d404="No integration has this id",
                 d409="The integration is not active (e.g. needs_reauth: reconnect it)",
                 d422="invalid_input: an unknown query_type (the message names the allowed "
                      "ones) or a parameter the schema refuses; conflicting_input: two "
                      "spellings of one parameter with different values, or a start date "
                      "after its end date; or Xero refused the query (with Xero's message)"))
async def query_integration(integration_id: RecordId, body: QueryBody, session: SessionDep,
                            hub: HubDep, _: IntegrationsRead) -> QueryResult:
    """Run a read-only query. The body is one of the query types, chosen by `query_type`
    (xero_contacts, xero_contact_detail, xero_accounts, xero_tax_rates, xero_invoices,
    xero_invoices_by_contact, xero_profit_and_loss, xero_balance_sheet, xero_aged_receivables,
    xero_aged_payables, xero_aged_receivables_summary, xero_aged_payables_summary), each with
    its own `params`. Every parameter is accepted in snake_case and camelCase (`date_from`,
    `dateFrom`; xero_invoices also takes `from_date`/`fromDate`, the aged summaries `as_at`/
    `asAt` for `date`): each spelling is a property of the schema. The aged summaries count
    open AUTHORISED invoices; `net_credit_notes: true` also subtracts unapplied credit notes."""
    data = await service.run_query(session, hub, integration_id, body.query_type, body.params)
    return QueryResult(query_type=body.query_type, data=data)
