"""Integration connections (v2) and their configuration (v3): listing, masking, merging."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.connections import configuration, repository
from ledgerlink.connections.schemas import CONNECTION_FIELDS, SECRET_FIELDS
from ledgerlink.db.crypto import SecretBox
from ledgerlink.db.models.integrations import Integration
from ledgerlink.errors import InputError, RecordNotFoundError

MASK = "••••"
MIN_REVEALED_LENGTH = 16  # below this, even 4 characters are too large a share of the secret
AppSecrets = Mapping[str, str]  # client_id -> client secret of the hub's own configured apps


@dataclass(frozen=True)
class ConnectionPage:
    """One page of connections (each a dict of the requested fields) and the total count."""

    items: list[dict[str, Any]]
    total: int


def mask(secret: str | None) -> str | None:
    """The secret's last 4 characters behind a mask; short secrets are masked entirely."""
    if secret is None:
        return None
    if len(secret) < MIN_REVEALED_LENGTH:
        return MASK
    return MASK + secret[-4:]


def parse_fields(text: str | None) -> tuple[str, ...]:
    """The fields a caller asked for (comma-separated, spaces allowed); all when it is blank."""
    if not (text or "").strip(" "):
        return CONNECTION_FIELDS
    names = [name.strip(" ") for name in (text or "").split(",")]
    unknown = [name for name in names if name not in CONNECTION_FIELDS]
    if unknown:
        allowed = ", ".join(CONNECTION_FIELDS)
        raise InputError(f"Unknown field(s) {', '.join(map(repr, unknown))} in `fields`; "
                         f"allowed: {allowed}", field="fields",
                         details={"unknown": unknown, "allowed": list(CONNECTION_FIELDS)})
    return tuple(name for name in CONNECTION_FIELDS if name in names)


def _connection(integration: Integration, box: SecretBox, fields: tuple[str, ...],
                app_secrets: AppSecrets) -> dict[str, Any]:
    grant = integration.grant
    values: dict[str, Any] = {
        "status": integration.status.upper(),
        "uuid": integration.id,
        "integration_partner": integration.platform,
        "remote_instance_id": integration.tenant_id,
        "remote_instance_name": integration.tenant_name or integration.name,
        "client_id": grant.client_id if grant else None,
    }
    columns = {"client_secret": "client_secret_enc", "access_token": "access_token_enc",
               "refresh_token": "refresh_token_enc"}
    for name in SECRET_FIELDS & set(fields):  # decrypt only what was asked for
        ciphertext = getattr(grant, columns[name]) if grant else None
        values[name] = mask(box.decrypt(ciphertext))
    if "client_secret" in fields and values["client_secret"] is None and grant is not None:
        # A grant made through the hub's own app stores no secret: the app's is in settings.
        values["client_secret"] = mask(app_secrets.get(grant.client_id or ""))
    return {name: values[name] for name in fields}


async def require_integration(session: AsyncSession, integration_uuid: str,
                              field: str = "integration_uuid") -> Integration:
    """The integration with this uuid (canonical: the routes' RecordId), or a 404 naming the
    path parameter."""
    found = await repository.integration(session, integration_uuid)
    if found is None:
        raise RecordNotFoundError(f"No integration connection has uuid {integration_uuid!r}",
                                  field=field)
    return found


async def list_connections(session: AsyncSession, box: SecretBox, *, order_by: str,
                           descending: bool, limit: int, offset: int, fields: str | None,
                           app_secrets: AppSecrets) -> ConnectionPage:
    """A page of connections in the seed's shape, secrets masked."""
    wanted = parse_fields(fields)
    total = await repository.count_integrations(session)
    rows = await repository.list_integrations(session, order_by=order_by,
                                              descending=descending, limit=limit, offset=offset)
    return ConnectionPage([_connection(row, box, wanted, app_secrets) for row in rows],
                          total)


async def get_connection(session: AsyncSession, box: SecretBox, connection_uuid: str,
                         app_secrets: AppSecrets) -> dict[str, Any]:
    """One connection in the seed's shape, secrets masked."""
    found = await repository.integration_with_grant(session, connection_uuid)
    if found is None:
        raise RecordNotFoundError(f"No integration connection has uuid {connection_uuid!r}",
                                  field="connection_uuid")
    return _connection(found, box, CONNECTION_FIELDS, app_secrets)


async def get_configuration(session: AsyncSession, integration_uuid: str) -> dict[str, Any]:
    """The configuration in the seed's shape; defaults where nothing was ever stored."""
    integration = await require_integration(session, integration_uuid)
    stored = await repository.configuration(session, integration.id)
    flags = configuration.resolve(stored.data if stored else None)
    return configuration.render(flags, integration.platform)


async def update_configuration(session: AsyncSession, integration_uuid: str,
                               patch: dict[str, Any]) -> dict[str, Any]:
    """Merge validated changes into the stored configuration and return the whole of it.

    `patch` is the update body's `integration` object (known modules and flags, booleans).
    """
    integration = await require_integration(session, integration_uuid)
    row = await repository.configuration_for_update(session, integration.id)
    flags = configuration.merge(configuration.resolve(row.data), patch)
    row.data = flags  # a new object, so the JSON column is seen as changed
    return configuration.render(flags, integration.platform)
