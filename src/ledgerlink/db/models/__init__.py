"""Every table, imported here so metadata (and migrations) see them all."""

import ledgerlink.db.models.automations  # noqa: F401  (partner functions, automations)
from ledgerlink.db.models import crm  # noqa: F401  (the CRM tables)
from ledgerlink.db.models.activity import ProviderCall
from ledgerlink.db.models.auth import ApiKey
from ledgerlink.db.models.console import ConsoleSession, SignInFailure
from ledgerlink.db.models.install import InstallSecret
from ledgerlink.db.models.integrations import (
    ActionRun,
    Integration,
    IntegrationConfiguration,
    ProviderGrant,
)
from ledgerlink.db.models.oauth import PendingAuthorization

__all__ = ["ActionRun", "ApiKey", "ConsoleSession", "InstallSecret", "Integration",
           "IntegrationConfiguration", "PendingAuthorization", "ProviderCall", "ProviderGrant",
           "SignInFailure"]
