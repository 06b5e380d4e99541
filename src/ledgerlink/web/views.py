"""What the console's pages show, gathered from the services (no FastAPI, no secrets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledgerlink.automations import service as automations
from ledgerlink.connections import configuration
from ledgerlink.connections import service as connections
from ledgerlink.db.base import utcnow
from ledgerlink.db.models.activity import ProviderCall
from ledgerlink.db.models.integrations import Integration
from ledgerlink.hub import Hub
from ledgerlink.integrations import call_log
from ledgerlink.integrations import service as integrations
from ledgerlink.web import repository

STATUS_LABELS = {"active": "Active", "needs_reauth": "Needs re-authorisation",
                 "disconnected": "Disconnected", "error": "Error"}
KIND_LABELS = {"oauth_authorization_code": "Xero sign-in (OAuth)",
               "oauth_client_credentials": "Custom connection",
               "static_token": "Personal access token"}
LIST_LIMIT = 100  # partner functions and automations shown on one page
CALLS_SHOWN = 50  # provider calls in an integration's activity section


@dataclass(frozen=True)
class IntegrationRow:
    """One integration as the console lists it."""

    id: str
    name: str
    platform: str
    organisation: str
    tenant_id: str
    status: str
    status_label: str
    status_reason: str | None
    kind: str
    kind_label: str
    connected_at: datetime | None
    disconnected_at: datetime | None
    last_activity: datetime | None
    budget_left: int | None  # today's remaining calls by the provider's latest answer today

    @property
    def can_reconnect(self) -> bool:
        """Needs a person: a dead token or a disconnect."""
        return self.status in ("needs_reauth", "disconnected", "error")


def row_of(integration: Integration, last_activity: datetime | None,
           budget_left: int | None = None) -> IntegrationRow:
    """The console's view of one integration."""
    return IntegrationRow(
        id=integration.id, name=integration.name, platform=integration.platform.capitalize(),
        organisation=integration.tenant_name or integration.name,
        tenant_id=integration.tenant_id, status=integration.status,
        status_label=STATUS_LABELS.get(integration.status, integration.status),
        status_reason=integration.status_reason, kind=integration.connection_kind,
        kind_label=KIND_LABELS.get(integration.connection_kind, integration.connection_kind),
        connected_at=integration.connected_at, disconnected_at=integration.disconnected_at,
        last_activity=last_activity, budget_left=budget_left)


def _later(*instants: datetime | None) -> datetime | None:
    known = [i for i in instants if i is not None]
    return max(known) if known else None


async def integration_rows(hub: Hub) -> list[IntegrationRow]:
    """Every integration, by organisation name, with its last activity (the later of its
    latest action run and its latest provider call) and today's remaining call budget."""
    async with hub.db.session() as session:
        found = await integrations.list_integrations(session)
        runs = await repository.last_action_runs(session)
        calls = await call_log.last_calls(session)
        budgets = await call_log.budgets_today(session, utcnow())
    rows = [row_of(i, _later(runs.get(i.id), calls.get((i.platform, i.tenant_id))),
                   budgets.get((i.platform, i.tenant_id))) for i in found]
    return sorted(rows, key=lambda r: (r.organisation.casefold(), r.id))


@dataclass(frozen=True)
class CallRow:
    """One provider call in the activity section (names and numbers only)."""

    at: datetime
    operation: str
    method: str
    attempt: int
    outcome: str  # the HTTP status, or the error that stopped the call
    ok: bool
    duration_ms: int
    day_remaining: int | None

    @classmethod
    def of(cls, call: ProviderCall) -> CallRow:
        """The row of a stored call."""
        outcome = str(call.status) if call.status is not None else (
            f"{call.error or 'error'} (no answer)")
        return cls(at=call.at, operation=call.operation, method=call.method,
                   attempt=call.attempt, outcome=outcome,
                   ok=call.status is not None and call.status < 400,
                   duration_ms=call.duration_ms, day_remaining=call.day_remaining)


@dataclass(frozen=True)
class Flag:
    """One configuration flag as a checkbox: its form name, label and value."""

    name: str
    label: str
    value: bool


@dataclass(frozen=True)
class ModuleFlags:
    """One module's flags: its switches, then its export and import sections."""

    module: str
    switches: list[Flag]
    export: list[Flag]
    import_: list[Flag]


def _label(flag: str) -> str:
    return flag.replace("_", " ").capitalize().replace("xero", "Xero")


def module_flags(flags: configuration.Flags) -> list[ModuleFlags]:
    """The configuration as checkboxes named `module.flag` and `module.section.flag`."""
    out = []
    for module, spec in configuration.MODULES.items():
        values = flags[module]
        out.append(ModuleFlags(
            module=module,
            switches=[Flag(f"{module}.{f}", _label(f), bool(values[f])) for f in spec.switches],
            export=[Flag(f"{module}.export.{f}", _label(f), bool(values["export"][f]))
                    for f in spec.export],
            import_=[Flag(f"{module}.import.{f}", _label(f), bool(values["import"][f]))
                     for f in spec.import_]))
    return out


def patch_from_form(ticked: set[str]) -> dict[str, Any]:
    """Every flag set from a submitted form: a ticked box is true, an absent one false."""
    patch: dict[str, Any] = {}
    for module, spec in configuration.MODULES.items():
        changes: dict[str, Any] = {f: f"{module}.{f}" in ticked for f in spec.switches}
        for section in configuration.SECTIONS:
            changes[section] = {f: f"{module}.{section}.{f}" in ticked
                                for f in spec.section(section)}
        patch[module] = changes
    return patch


@dataclass(frozen=True)
class Detail:
    """Everything the integration page shows."""

    row: IntegrationRow
    modules: list[ModuleFlags]
    functions: list[dict[str, Any]]
    functions_total: int
    automations: list[dict[str, Any]]
    automations_total: int
    calls: list[CallRow]


async def detail(hub: Hub, integration_id: str) -> Detail:
    """One integration with its configuration, partner functions and automations."""
    async with hub.db.session() as session:
        integration = await integrations.get_integration(session, integration_id)
        activity = await repository.last_action_runs(session)
        rendered = await connections.get_configuration(session, integration.id)
        functions = await automations.list_functions(session, integration.id,
                                                     limit=LIST_LIMIT, offset=0)
        automation_page = await automations.list_automations(session, integration.id,
                                                             limit=LIST_LIMIT, offset=0)
        calls = await call_log.recent_calls(session, integration.platform,
                                            integration.tenant_id, CALLS_SHOWN)
        organisation = (integration.platform, integration.tenant_id)
        budget = (await call_log.budgets_today(session, utcnow(), organisation)
                  ).get(organisation)
        row = row_of(integration, _later(activity.get(integration.id),
                                         calls[0].at if calls else None), budget)
    flags = {module: {k: v for k, v in values.items() if k != "provider"}
             for module, values in rendered["integration"].items()}
    return Detail(row=row, modules=module_flags(flags), functions=functions.items,
                  functions_total=functions.total, automations=automation_page.items,
                  automations_total=automation_page.total,
                  calls=[CallRow.of(call) for call in calls])


async def save_configuration(hub: Hub, integration_id: str, ticked: set[str]) -> None:
    """Store the flags as the form set them."""
    async with hub.db.session() as session:
        await connections.update_configuration(session, integration_id,
                                               patch_from_form(ticked))
