"""HTTP routes of /api/v1/integrations: list, get, query (and actions, in actions_endpoints)."""

from __future__ import annotations

from fastapi import APIRouter

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


@router.post("/{integration_id}/query", response_model=QueryResult,
             summary="Query an integration (read-only)",
             responses=error_responses(
                 400, 401, 403, 404, 409, 422, 429, 502, d404="No integration has this id",
                 d409="The integration is not active (e.g. needs_reauth: reconnect it)",
                 d422="Unknown query_type or bad params, naming the allowed values; or Xero "
                      "refused the query (with Xero's message)"))
async def query(integration_id: RecordId, body: QueryRequest, session: SessionDep, hub: HubDep,
                _: IntegrationsRead) -> QueryResult:
    """Run a read-only query. Xero query types: xero_contacts, xero_contact_detail,
    xero_accounts, xero_tax_rates, xero_invoices, xero_invoices_by_contact,
    xero_profit_and_loss, xero_balance_sheet, xero_aged_receivables, xero_aged_payables,
    xero_aged_receivables_summary, xero_aged_payables_summary. Date parameters accept
    snake_case and camelCase. Unknown types and bad parameters get a 422 naming the
    allowed values."""
    data = await service.run_query(session, hub, integration_id, body.query_type, body.params)
    return QueryResult(query_type=body.query_type, data=data)
