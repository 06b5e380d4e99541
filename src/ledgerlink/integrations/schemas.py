"""Request and response shapes of the /api/v1/integrations routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.config import JsonDict

from ledgerlink.inputs import SINGLE_LINE, check_json

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


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """A JSON schema with its `$defs` references replaced by the definitions themselves."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return {**_inline(defs[ref.rsplit("/", 1)[1]], defs), **_inline(rest, defs)}
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def query_variants() -> list[JsonDict]:
    """One schema per query type: its name as a constant and its parameters."""
    from ledgerlink.providers.xero import aging, reports  # noqa: F401  (register their queries)
    from ledgerlink.providers.xero.queries import QUERIES

    variants: list[JsonDict] = []
    for name, spec in sorted(QUERIES.items()):
        params = spec.params.model_json_schema()
        params = _inline(params, params.pop("$defs", {}))
        params.pop("title", None)
        variants.append({"title": name, "description": spec.description, "type": "object",
                         "properties": {"query_type": {"const": name}, "params": params},
                         "required": ["query_type"], "additionalProperties": False})
    return variants


QUERY_EXAMPLES: list[JsonDict] = [
    {"query_type": "xero_invoices", "params": {"statuses": ["AUTHORISED"],
                                               "date_from": "2026-01-01"}},
    {"query_type": "xero_aged_receivables_summary", "params": {"date": "2026-11-21"}},
    {"query_type": "xero_profit_and_loss", "params": {"fromDate": "2026-04-01",
                                                      "toDate": "2026-10-31"}}]


def _document_query_types(schema: JsonDict) -> None:
    # Documentation only: the service validates, so an unknown type's 422 lists what is allowed.
    variants = query_variants()
    properties = schema["properties"]
    assert isinstance(properties, dict) and isinstance(properties["query_type"], dict)
    properties["query_type"]["enum"] = [v["title"] for v in variants]
    schema["oneOf"] = list(variants)
    schema["examples"] = list(QUERY_EXAMPLES)


class QueryRequest(BaseModel):
    """A read-only query: its type and parameters (snake_case and camelCase names accepted)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_document_query_types)

    query_type: Annotated[str, StringConstraints(max_length=100), SINGLE_LINE] = Field(
        description="The query type; each one's parameters are in the schema's variants (e.g. "
        "xero_invoices, xero_aged_receivables_summary)", examples=["xero_invoices"])
    params: dict[str, Any] = Field(default_factory=dict, description="The query type's "
                                   "parameters; dates as YYYY-MM-DD, in snake_case or camelCase")

    # Before validation: a body of 100,000 unknown keys is one error, not 100,000 of them.
    _checked = model_validator(mode="before")(check_json)


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
