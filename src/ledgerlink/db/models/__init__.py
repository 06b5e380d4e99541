"""Every table, imported here so metadata (and migrations) see them all."""

import ledgerlink.db.models.automations  # noqa: F401  (partner functions, automations)
from ledgerlink.db.models import crm  # noqa: F401  (the CRM tables)
from ledgerlink.db.models.auth import ApiKey
from ledgerlink.db.models.install import InstallSecret
from ledgerlink.db.models.integrations import (
    ActionRun,
    Integration,
    IntegrationConfiguration,
    ProviderGrant,
)

__all__ = ["ActionRun", "ApiKey", "InstallSecret", "Integration", "IntegrationConfiguration",
           "ProviderGrant"]
