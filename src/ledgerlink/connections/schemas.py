"""Pydantic shapes of the v2 integration-connections routes (the Exsited seed's shapes)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ledgerlink.connections.pagination import LinkPagination
from ledgerlink.inputs import Uuid

# Every field of a connection, in the seed's order; `fields=` picks a subset of these.
CONNECTION_FIELDS: tuple[str, ...] = (
    "status", "uuid", "integration_partner", "remote_instance_id", "remote_instance_name",
    "client_id", "client_secret", "access_token", "refresh_token",
)
SECRET_FIELDS: frozenset[str] = frozenset({"client_secret", "access_token", "refresh_token"})

MASK_NOTE = ("Never the secret itself: masked to its last 4 characters, e.g. \"••••abcd\" "
             "(secrets shorter than 16 characters are masked entirely, \"••••\"); null when the "
             "connection has none. A deliberate difference from the seed, which returns secrets.")

_EXAMPLE: dict[str, Any] = {
    "status": "ACTIVE",
    "uuid": "7d4c1f0e-3b1a-4c55-9d8e-2f6b8a1c9e10",
    "integration_partner": "xero",
    "remote_instance_id": "a3c9f6d2-52a4-4bd6-9f2e-0c8f1b7e4d21",
    "remote_instance_name": "Demo Company (AU)",
    "client_id": "8F1D4C0B2A9E4E6A9B7C3D2E1F0A9B8C",
    "client_secret": "••••x9Qz",
    "access_token": "••••Jk2w",
    "refresh_token": "••••7a1f",
}


class ConnectionOrder(StrEnum):
    """Fields a connection list can be ordered by (secrets cannot: they are encrypted)."""

    CREATED = "created"
    UPDATED = "updated"
    STATUS = "status"
    UUID = "uuid"
    INTEGRATION_PARTNER = "integration_partner"
    REMOTE_INSTANCE_ID = "remote_instance_id"
    REMOTE_INSTANCE_NAME = "remote_instance_name"
    CLIENT_ID = "client_id"


class SortDirection(StrEnum):
    """Sorting direction."""

    ASC = "asc"
    DESC = "desc"


class IntegrationConnection(BaseModel):
    """One connection; with `fields=` only the requested keys are present."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    status: str | None = Field(None, description="ACTIVE, NEEDS_REAUTH, DISCONNECTED or ERROR.")
    uuid: Uuid | None = Field(None, description="The connection's (integration's) UUID.")
    integration_partner: str | None = Field(None, description="The provider, e.g. xero.")
    remote_instance_id: str | None = Field(None, description="The provider's organisation "
                                                             "(Xero tenant) id.")
    remote_instance_name: str | None = Field(None, description="The organisation's name.")
    client_id: str | None = Field(None, description="The OAuth app's client id (not a secret).")
    client_secret: str | None = Field(None, description=f"The OAuth client secret. {MASK_NOTE}")
    access_token: str | None = Field(None, description=f"The access token. {MASK_NOTE}")
    refresh_token: str | None = Field(None, description=f"The refresh token. {MASK_NOTE}")


class ConnectionList(BaseModel):
    """A page of connections under `integration_connection`, with `pagination`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "integration_connection": [_EXAMPLE],
        "pagination": {"records": 1, "limit": 20, "offset": 0, "previous_page": "",
                       "next_page": None}}]})

    integration_connection: list[IntegrationConnection]
    pagination: LinkPagination


class ConnectionDetail(BaseModel):
    """One connection; the seed wraps it in a one-element list under `integration_connection`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "integration_connection": [_EXAMPLE]}]})

    integration_connection: list[IntegrationConnection]
