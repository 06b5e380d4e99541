"""Pydantic shapes of partner functions and automations (the Exsited seed's shapes)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StringConstraints,
)

from ledgerlink.connections.pagination import Pagination
from ledgerlink.inputs import MULTI_LINE, SINGLE_LINE, BoundedBody, check_json

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
CODE = r"^[A-Za-z0-9_.-]+$"

# The shared text rules (ledgerlink.inputs), as on every other route: refusing NUL alone let BEL
# and the bidirectional overrides (RLO) through into names shown in consoles and logs. Only
# descriptions and trigger conditions (LongText) may hold line breaks and tabs.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                 SINGLE_LINE]
Short = Annotated[str, StringConstraints(max_length=100), SINGLE_LINE]
Ident = Annotated[str, StringConstraints(max_length=200), SINGLE_LINE]
Provider = Annotated[str, StringConstraints(min_length=1, max_length=32), SINGLE_LINE]
LongText = Annotated[str, StringConstraints(max_length=4000), MULTI_LINE]
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=CODE)]
Time = Annotated[str, StringConstraints(pattern=HHMM)]
Day = Annotated[str, StringConstraints(min_length=1, max_length=10), SINGLE_LINE]
FunctionRef = Annotated[str, StringConstraints(max_length=64), SINGLE_LINE]


def _mapping(value: dict[str, JsonValue]) -> dict[str, JsonValue]:
    # The body's own bound already holds; checking here too keeps the rule when the model is
    # used alone. The error names the offending member (object_mapping.Addresses.0.City).
    checked: dict[str, JsonValue] = check_json(dict, value)
    return checked


Mapping = Annotated[dict[str, JsonValue], AfterValidator(_mapping)]


def _number(value: Any) -> Any:
    # JSON Schema counts 15.0 as an integer, so pydantic's lax int fits; text and booleans don't.
    if isinstance(value, str | bool):
        raise ValueError("check_on_minutes must be a JSON number")
    return value


Minutes = Annotated[int, BeforeValidator(_number), Field(ge=5, le=1440)]


class Direction(StrEnum):
    """Which way data moves: into the application (IMPORT) or out to the provider (EXPORT)."""

    IMPORT = "IMPORT"
    EXPORT = "EXPORT"


class AutomationType(StrEnum):
    """What starts an automation: a schedule or an event."""

    TIMER_BASED = "timerBased"
    EVENT_BASED = "eventBased"


class AutomationStatus(StrEnum):
    """Whether an automation runs."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class CheckOn(StrEnum):
    """How often a timer-based automation runs (times are UTC)."""

    MINUTES = "minutes"  # every check_on_minutes minutes
    HOURLY = "hourly"
    DAILY = "daily"  # at custom_time
    WEEKLY = "weekly"  # on custom_day (MONDAY..SUNDAY) at custom_day_time
    MONTHLY = "monthly"  # on custom_day (1..28) at custom_day_time


# --- partner functions -------------------------------------------------------------------

_PF_EXAMPLE: dict[str, Any] = {
    "name": "Import suppliers", "description": "Xero suppliers become application suppliers",
    "direction": "IMPORT", "event_name": "contact.updated", "provider_name": "xero",
    "object_name": "supplier", "mapping_id": "map-supplier-v1", "enabled": True,
    "pre_run_script_id": None, "post_run_script_id": None, "tag": "suppliers",
    "object_mapping": {"Name": "name", "EmailAddress": "email"}}
_PF_OUT = {"uuid": "0b6e3f8a-7c1d-4e2a-9f5b-3d8c2a1e6f40", **_PF_EXAMPLE,
           "created": "2025-03-01T09:30:00Z", "updated": "2025-03-01T09:30:00Z"}


class PartnerFunctionFields(BaseModel):
    """A partner function as created: name, direction and object_name are required."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_PF_EXAMPLE]})

    name: Name
    description: LongText | None = None
    direction: Direction
    event_name: Ident | None = Field(None, description="The event that triggers it, e.g. "
                                                       "contact.updated.")
    provider_name: Provider | None = Field(None, description="Defaults to the integration's "
                                                             "provider, and must match it.")
    object_name: Short = Field(description="The object it moves, e.g. supplier or invoice.")
    mapping_id: Ident | None = None
    enabled: StrictBool = True
    pre_run_script_id: Ident | None = None
    post_run_script_id: Ident | None = None
    tag: Short | None = None
    object_mapping: Mapping | None = Field(None, description="A JSON object mapping the "
                                                             "provider's fields to the "
                                                             "application's.")


class PartnerFunctionChanges(BaseModel):
    """The fields to change; null clears an optional field (name, direction, object_name and
    enabled cannot be null)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"enabled": False, "tag": "paused"}]})

    name: Name | None = None
    description: LongText | None = None
    direction: Direction | None = None
    event_name: Ident | None = None
    provider_name: Provider | None = None
    object_name: Short | None = None
    mapping_id: Ident | None = None
    enabled: StrictBool | None = None
    pre_run_script_id: Ident | None = None
    post_run_script_id: Ident | None = None
    tag: Short | None = None
    object_mapping: Mapping | None = None


class PartnerFunctionCreate(BoundedBody):
    """The create body: the function under `partner_function`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"partner_function": _PF_EXAMPLE}]})

    partner_function: PartnerFunctionFields


class PartnerFunctionUpdate(BoundedBody):
    """The update body: the changes under `partner_function`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"partner_function": {"enabled": False, "tag": "paused"}}]})

    partner_function: PartnerFunctionChanges


class PartnerFunction(BaseModel):
    """A stored partner function."""

    model_config = ConfigDict(json_schema_extra={"examples": [_PF_OUT]})

    uuid: str
    name: str
    description: str | None
    direction: Direction
    event_name: str | None
    provider_name: str
    object_name: str
    mapping_id: str | None
    enabled: bool
    pre_run_script_id: str | None
    post_run_script_id: str | None
    tag: str | None
    created: datetime
    updated: datetime
    object_mapping: dict[str, Any] | None


class PartnerFunctionOne(BaseModel):
    """One partner function under `partner_function`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"partner_function": _PF_OUT}]})

    partner_function: PartnerFunction


class PartnerFunctionList(BaseModel):
    """A page of partner functions under `partner_functions`, with `pagination`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "partner_functions": [_PF_OUT],
        "pagination": {"records": 1, "limit": 20, "offset": 0, "previous_page": "",
                       "next_page": None}}]})

    partner_functions: list[PartnerFunction]
    pagination: Pagination


# --- automations -------------------------------------------------------------------------

_AUTO_EXAMPLE: dict[str, Any] = {
    "name": "import_suppliers_nightly", "display_name": "Import suppliers nightly",
    "code": "IMPORT-SUPPLIERS", "description": "Brings new Xero suppliers in every night",
    "automation_type": "timerBased", "direction": "IMPORT", "status": "ACTIVE",
    "provider": "xero", "applies_to": "supplier", "applies_to_function": "import",
    "additional_criteria": False,
    "perform_function": "0b6e3f8a-7c1d-4e2a-9f5b-3d8c2a1e6f40",
    "check_on": "daily", "check_on_minutes": None, "custom_day": None,
    "custom_day_time": None, "custom_time": "02:00", "trigger_condition_text": None}
_AUTO_OUT = {**_AUTO_EXAMPLE, "uuid": "5f2a9c1e-8b3d-4a6f-b2e7-1c9d0e4f7a83",
             "performActionText": "Run partner function 'Import suppliers' (IMPORT supplier)",
             "checkOnText": "Every day at 02:00 UTC"}
SCHEDULE_NOTE = (
    "A timerBased automation needs `check_on`: `minutes` (with `check_on_minutes`, 5-1440), "
    "`hourly`, `daily` (with `custom_time` HH:MM), `weekly` (with `custom_day` MONDAY..SUNDAY "
    "and `custom_day_time`) or `monthly` (with `custom_day` 1..28 and `custom_day_time`); times "
    "are UTC. An eventBased automation takes none of these and runs on its partner function's "
    "`event_name`. Schedule fields that do not apply are refused when sent and cleared when a "
    "change of schedule leaves them behind.")


class AutomationFields(BaseModel):
    """An automation as created: name, automation_type, direction and perform_function are
    required."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_AUTO_EXAMPLE]})

    name: Name
    display_name: Name | None = Field(None, description="Defaults to name.")
    code: Code | None = Field(None, description="Unique within the integration; generated "
                                                "(AUTO-…) when omitted.")
    description: LongText | None = None
    automation_type: AutomationType
    direction: Direction = Field(description="Must match the partner function's direction.")
    status: AutomationStatus = AutomationStatus.ACTIVE
    provider: Provider | None = Field(None, description="Defaults to the integration's "
                                                        "provider, and must match it.")
    applies_to: Short | None = Field(None, description="The entity it applies to; defaults to "
                                                       "the partner function's object_name.")
    applies_to_function: Short | None = None
    additional_criteria: StrictBool = False
    perform_function: FunctionRef = Field(
        description="The uuid of a partner function of the same integration.")
    check_on: CheckOn | None = Field(None, description=SCHEDULE_NOTE)
    check_on_minutes: Minutes | None = None
    custom_day: Day | None = None
    custom_day_time: Time | None = None
    custom_time: Time | None = None
    trigger_condition_text: LongText | None = None


class AutomationChanges(BaseModel):
    """The fields to change; null clears an optional field (name, automation_type, direction,
    status, additional_criteria and perform_function cannot be null)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"status": "INACTIVE"}, {"check_on": "minutes", "check_on_minutes": 30}]})

    name: Name | None = None
    display_name: Name | None = None
    code: Code | None = None
    description: LongText | None = None
    automation_type: AutomationType | None = None
    direction: Direction | None = None
    status: AutomationStatus | None = None
    provider: Provider | None = None
    applies_to: Short | None = None
    applies_to_function: Short | None = None
    additional_criteria: StrictBool | None = None
    perform_function: FunctionRef | None = None
    check_on: CheckOn | None = None
    check_on_minutes: Minutes | None = None
    custom_day: Day | None = None
    custom_day_time: Time | None = None
    custom_time: Time | None = None
    trigger_condition_text: LongText | None = None


class AutomationCreate(BoundedBody):
    """The create body: the automation under `integration_automation`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"integration_automation": _AUTO_EXAMPLE}]})

    integration_automation: AutomationFields


class AutomationUpdate(BoundedBody):
    """The update body: the changes under `integration_automation`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"integration_automation": {"status": "INACTIVE"}}]})

    integration_automation: AutomationChanges


class Automation(BaseModel):
    """A stored automation; performActionText and checkOnText are labels the hub writes."""

    model_config = ConfigDict(populate_by_name=True,
                              json_schema_extra={"examples": [_AUTO_OUT]})

    check_on: CheckOn | None
    check_on_minutes: int | None
    additional_criteria: bool
    applies_to: str | None
    applies_to_function: str | None
    automation_type: AutomationType
    code: str
    custom_day: str | None
    custom_day_time: str | None
    custom_time: str | None
    description: str | None
    direction: Direction
    display_name: str
    name: str
    perform_function: str
    provider: str
    status: AutomationStatus
    uuid: str
    trigger_condition_text: str | None
    perform_action_text: str = Field(alias="performActionText")
    check_on_text: str = Field(alias="checkOnText")


class AutomationOne(BaseModel):
    """One automation under `integration_automation`."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"integration_automation": _AUTO_OUT}]})

    integration_automation: Automation


class AutomationList(BaseModel):
    """A page of automations under `integration_automations`, with `pagination`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "integration_automations": [_AUTO_OUT],
        "pagination": {"records": 1, "limit": 20, "offset": 0, "previous_page": "",
                       "next_page": None}}]})

    integration_automations: list[Automation]
    pagination: Pagination
