"""Request and response shapes of the /api/v1/integrations routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

IntegrationStatus = Literal["active", "needs_reauth", "disconnected", "error"]


class Tenant(BaseModel):
    """The provider organisation an integration is bound to."""

    id: str = Field(description="The provider's tenant id (Xero: the organisation's tenantId)")
    name: str | None = None
    type: str = "ORGANISATION"


_INTEGRATION: JsonDict = {
    "id": "0b5a4f7e-2f0c-4d3e-9d54-1c2b3a4d5e6f", "platform": "xero",
    "name": "Harbourside Joinery Ltd", "status": "active", "status_reason": None,
    "tenant": {"id": "ae2ab026-0b53-4e7c-ba65-f0407a6e75f5",
               "name": "Harbourside Joinery Ltd", "type": "ORGANISATION"},
    "connection_kind": "oauth_authorization_code",
    "connected_at": "2026-11-21T09:00:00Z", "disconnected_at": None,
    "created_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-21T09:00:00Z"}


class IntegrationOut(BaseModel):
    """One integration: a connected organisation of one platform."""

    model_config = ConfigDict(json_schema_extra={"examples": [_INTEGRATION]})

    id: str
    platform: str
    name: str
    status: IntegrationStatus
    status_reason: str | None = None
    tenant: Tenant
    connection_kind: str
    connected_at: datetime | None = None
    disconnected_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class IntegrationList(BaseModel):
    """Every integration."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [_INTEGRATION]}]})

    data: list[IntegrationOut]


class IntegrationEnvelope(BaseModel):
    """One integration."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"data": _INTEGRATION}]})

    data: IntegrationOut


class QueryRequest(BaseModel):
    """A read-only query: its type and parameters (snake_case and camelCase dates accepted)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"query_type": "xero_invoices", "params": {"statuses": ["AUTHORISED"],
                                                   "date_from": "2026-01-01"}},
        {"query_type": "xero_aged_receivables_summary", "params": {"date": "2026-11-21"}},
        {"query_type": "xero_profit_and_loss", "params": {"fromDate": "2026-04-01",
                                                          "toDate": "2026-10-31"}}]})

    query_type: str = Field(description="e.g. xero_contacts, xero_invoices, "
                            "xero_aged_receivables_summary")
    params: dict[str, Any] = Field(default_factory=dict)


class QueryResult(BaseModel):
    """What a query returned, in the provider's field names."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"query_type": "xero_tax_rates", "data": [
            {"Name": "GST on Income", "TaxType": "OUTPUT", "Status": "ACTIVE",
             "EffectiveRate": "15.0000", "ReportTaxType": "OUTPUT"}]},
        {"query_type": "xero_aged_receivables_summary", "data": {
            "as_at": "2026-11-21",
            "totals": {"total": "1150.00", "current": "0.00", "days_1_30": "1150.00",
                       "days_31_60": "0.00", "days_61_90": "0.00", "days_90_plus": "0.00"},
            "contacts": [{"contact_id": "5b96e86b-418e-48e8-8949-308c14aec278",
                          "contact_name": "Ridgeway Bakery", "total_outstanding": "1150.00",
                          "current": "0.00", "days_1_30": "1150.00", "days_31_60": "0.00",
                          "days_61_90": "0.00", "days_90_plus": "0.00",
                          "invoice_count": 1}]}}]})

    query_type: str
    data: Any
