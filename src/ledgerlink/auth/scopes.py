"""The scopes an API key can carry, and what each lets a caller do."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    """Every scope; routes name the one they need."""

    INTEGRATIONS_READ = "integrations:read"
    INTEGRATIONS_WRITE = "integrations:write"
    CONFIG_READ = "config:read"
    CONFIG_WRITE = "config:write"
    AUTOMATIONS_READ = "automations:read"
    AUTOMATIONS_WRITE = "automations:write"
    CRM_READ = "crm:read"
    CRM_WRITE = "crm:write"
    KEYS_ADMIN = "keys:admin"


DESCRIPTIONS: dict[Scope, str] = {
    Scope.INTEGRATIONS_READ: "List integrations and run read-only queries on them",
    Scope.INTEGRATIONS_WRITE: "Run actions on integrations (create invoices, contacts, ...)",
    Scope.CONFIG_READ: "Read integration connections and their configuration",
    Scope.CONFIG_WRITE: "Change integration configuration",
    Scope.AUTOMATIONS_READ: "Read partner functions and automations",
    Scope.AUTOMATIONS_WRITE: "Create, change and delete partner functions and automations",
    Scope.CRM_READ: "Read CRM records (customers, contacts, deals, products, email settings)",
    Scope.CRM_WRITE: "Create and change CRM records",
    Scope.KEYS_ADMIN: "Create, list and revoke API keys",
}

# A write scope implies its read twin, so a key made for writing can read what it wrote.
IMPLIES: dict[Scope, Scope] = {
    Scope.INTEGRATIONS_WRITE: Scope.INTEGRATIONS_READ,
    Scope.CONFIG_WRITE: Scope.CONFIG_READ,
    Scope.AUTOMATIONS_WRITE: Scope.AUTOMATIONS_READ,
    Scope.CRM_WRITE: Scope.CRM_READ,
}


def expand(scopes: set[Scope]) -> set[Scope]:
    """The scopes a key effectively has."""
    return scopes | {IMPLIES[s] for s in scopes if s in IMPLIES}


def parse_scopes(values: list[str]) -> set[Scope]:
    """Scopes from text (comma or space separated), refusing unknown names."""
    out: set[Scope] = set()
    for value in values:
        for name in value.replace(",", " ").split():
            try:
                out.add(Scope(name))
            except ValueError:
                allowed = ", ".join(s.value for s in Scope)
                raise ValueError(f"unknown scope '{name}'; allowed: {allowed}") from None
    return out
