"""HTTP routes of the connections domain (thin: parse, call the service, shape the answer)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from ledgerlink.api.deps import ConfigRead, ConfigWrite, HubDep, SessionDep
from ledgerlink.api.ids import RecordId
from ledgerlink.connections import service
from ledgerlink.connections.config_schemas import ConfigurationBody, ConfigurationUpdate
from ledgerlink.connections.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from ledgerlink.connections.responses import errors
from ledgerlink.connections.schemas import (
    CONNECTION_FIELDS,
    ConnectionDetail,
    ConnectionList,
    ConnectionOrder,
    SortDirection,
)
from ledgerlink.hub import Hub
from ledgerlink.inputs import NOT_NULL, SchemaPattern

router = APIRouter()

_NAME = "(" + "|".join(CONNECTION_FIELDS) + ")"
FIELDS_PATTERN = f"^ *({_NAME}( *, *{_NAME})* *)?$"  # spaces alone: every field

SECRETS_NOTE = (
    "\n\n**Secrets are never returned.** Unlike the seed API, `client_secret`, `access_token` "
    "and `refresh_token` are masked to their last 4 characters (`\"••••abcd\"`; secrets "
    "shorter than 16 characters show as `\"••••\"`), and are null when the connection has "
    "none. This is deliberate: an API key that can read connections must not be able to act "
    "as the connection. `client_id` is not a secret and is returned as is. `status` is "
    "`ACTIVE`, `NEEDS_REAUTH`, `DISCONNECTED` or `ERROR`.")


def _app_secrets(hub: Hub) -> dict[str, str]:
    """The client secret of the hub's own Xero app (grants made through it store none)."""
    settings = hub.settings
    if settings.xero_client_id and settings.xero_client_secret:
        return {settings.xero_client_id: settings.xero_client_secret.get_secret_value()}
    return {}


@router.get(
    "/api/v2/integration-connections", tags=["connections"], response_model=ConnectionList,
    responses=errors(),
    response_model_exclude_unset=True, summary="List integration connections",
    description="Every integration connection (one per connected provider organisation) with "
                "its partner, remote instance and client credentials, a page at a time. "
                "`order_by` defaults to `created` (when the connection was made), `direction` "
                "to `asc`; ties are broken by uuid so pages are stable. `fields` limits each "
                f"connection to the named keys (any of: {', '.join(CONNECTION_FIELDS)}). "
                "`pagination.records` is the total number of connections; `previous_page` is "
                "an empty string on the first page and `next_page` null on the last."
                + SECRETS_NOTE)
async def list_connections(
    request: Request, hub: HubDep, session: SessionDep, _: ConfigRead,
    order_by: Annotated[ConnectionOrder, Query(description="Field to sort by.")] = (
        ConnectionOrder.CREATED),
    direction: Annotated[SortDirection, Query(description="asc or desc.")] = SortDirection.ASC,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Records per page.")] = (
        DEFAULT_LIMIT),
    offset: Annotated[int, Query(ge=0, le=2**31 - 1,
                                 description="Records to skip.")] = 0,
    # The pattern is enforced by the service (its 422 names the unknown and allowed fields).
    fields: Annotated[Annotated[str, SchemaPattern(FIELDS_PATTERN)] | None, Query(
        max_length=500, description="Comma-separated fields to include, e.g. "
                                    "`uuid,status,remote_instance_name`."), NOT_NULL] = None,
) -> dict[str, Any]:
    """A page of connections."""
    page = await service.list_connections(
        session, hub.box, order_by=order_by.value, descending=direction is SortDirection.DESC,
        limit=limit, offset=offset, fields=fields, app_secrets=_app_secrets(hub))
    pagination = paginate(request.url, total=page.total, limit=limit, offset=offset)
    return {"integration_connection": page.items, "pagination": pagination.model_dump()}


@router.get(
    "/api/v2/integration-connections/{connection_uuid}", tags=["connections"],
    responses=errors(404),
    response_model=ConnectionDetail, summary="Get an integration connection",
    description="One integration connection by uuid, as a one-element list under "
                "`integration_connection` (the seed's shape). 404 for an unknown uuid."
                + SECRETS_NOTE)
async def get_connection(connection_uuid: RecordId, hub: HubDep, session: SessionDep,
                         _: ConfigRead) -> dict[str, Any]:
    """One connection."""
    return {"integration_connection": [
        await service.get_connection(session, hub.box, connection_uuid, _app_secrets(hub))]}


@router.get(
    "/api/v3/integration/{integration_uuid}/configuration", tags=["configuration"],
    responses=errors(404),
    response_model=ConfigurationBody, summary="Get an integration's configuration",
    description="The module-wise configuration (account, item, transaction, purchase), each "
                "with its sync switches and export and import flags. A connection never "
                "configured answers with the defaults for a new connection: customer accounts, "
                "invoices (with sales revenue and tax) and payments exported to Xero; items, "
                "credit notes, refunds and purchases off; every import off. Each flag's "
                "default is in the schema. 404 for an unknown integration uuid.")
async def get_configuration(integration_uuid: RecordId, session: SessionDep,
                            _: ConfigRead) -> dict[str, Any]:
    """The configuration, or its defaults."""
    return await service.get_configuration(session, integration_uuid)


@router.put(
    "/api/v3/integration/{integration_uuid}/configuration", tags=["configuration"],
    responses=errors(400, 404),
    response_model=ConfigurationBody, summary="Update an integration's configuration",
    description="Changes the flags the body names and keeps every other one (a partial "
                "update merges into the current configuration, or into the defaults on the "
                "first update), then answers with the whole configuration. Flags must be JSON "
                "booleans; an unknown module, section or flag, or a non-boolean value, is a 422 "
                "naming the field (e.g. `integration.transaction.export.invoice_to_xero_enabled`)"
                ". `provider` is read-only: answered, not accepted. 404 for an unknown "
                "integration uuid.")
async def update_configuration(integration_uuid: RecordId, body: ConfigurationUpdate,
                               session: SessionDep, _: ConfigWrite) -> dict[str, Any]:
    """Merge the changes; answer with the whole configuration."""
    patch = body.model_dump(exclude_unset=True, by_alias=True)["integration"]
    return await service.update_configuration(session, integration_uuid, patch)
