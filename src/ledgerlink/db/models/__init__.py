"""Every table, imported here so metadata (and migrations) see them all."""

from ledgerlink.db.models.auth import ApiKey
from ledgerlink.db.models.integrations import (
    ActionRun,
    Integration,
    IntegrationConfiguration,
    ProviderGrant,
)

__all__ = ["ActionRun", "ApiKey", "Integration", "IntegrationConfiguration", "ProviderGrant"]
