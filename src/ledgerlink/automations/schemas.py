"""Pydantic shapes of partner functions and automations (the Exsited seed's shapes)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    JsonValue,
    PlainValidator,
    StrictBool,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError
from typing_extensions import TypeAliasType

from ledgerlink.automations.schedule import DAY_PATTERN
from ledgerlink.connections.pagination import LinkPagination
from ledgerlink.examples import PARTNER_FUNCTION_ID
from ledgerlink.inputs import (
    MAX_DEPTH,
    MAX_KEYS,
    MAX_NODES,
    BoundedBody,
    Matches,
    TextRule,
    Uuid,
    check_json,
    omittable,
    text,
)

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
CODE = r"^[A-Za-z0-9_.-]+$"

# The shared text rules (ledgerlink.inputs), as on every other route: refusing NUL alone let BEL
# and the bidirectional overrides (RLO) through into names shown in consoles and logs. Only
# descriptions and trigger conditions (LongText) may hold line breaks and tabs.
Name = Annotated[str, *text(200, min_length=1)]
Short = Annotated[str, *text(100, strip=False)]
Ident = Annotated[str, *text(200, strip=False)]
LongText = Annotated[str, *text(4000, multiline=True, strip=False)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=CODE)]
Time = Annotated[str, StringConstraints(pattern=HHMM)]
Day = Annotated[str, StringConstraints(max_length=10), Matches(
    DAY_PATTERN, "custom_day", "custom_day must be a weekday (MONDAY to SUNDAY) or a day of the "
                               "month from 1 to 28")]

# object_mapping: any JSON, its keys one line and its text without control characters. The
# schema states the keys, text and members per object; the bounds on nesting (MAX_DEPTH) and
# values (MAX_NODES) are in its description (JSON Schema cannot count them).


class _AnyJson:
    """Publishes a union of every JSON type as one schema without `type`: each keyword then
    applies to its own type (pattern to strings, items to arrays ...). The same rule, and one
    that generators read: openapi-python-client cannot read a union holding an array of itself.
    """

    @staticmethod
    def __get_pydantic_json_schema__(schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        merged: JsonSchemaValue = {}
        for member in handler(schema).get("anyOf", []):
            merged.update({key: value for key, value in member.items() if key != "type"})
        return merged


if TYPE_CHECKING:  # mypy cannot follow a recursive TypeAliasType
    MappingInput = dict[str, Any]
else:
    MappingKey = TypeAliasType("MappingKey", Annotated[str, TextRule()])
    MappingValue = TypeAliasType("MappingValue", Annotated[
        Annotated[str, TextRule(multiline=True)] | float | bool | list["MappingValue"]
        | Annotated[dict[MappingKey, "MappingValue"], Field(max_length=MAX_KEYS)] | None,
        _AnyJson()])
    MappingInput = Annotated[dict[MappingKey, MappingValue], Field(max_length=MAX_KEYS)]

MAPPING_DOC = (f"A JSON object mapping the provider's fields to the application's: at most "
               f"{MAX_KEYS} members per object, nested at most {MAX_DEPTH} levels, "
               f"{MAX_NODES:,} values in all; names are one line, text has no control "
               "characters.")


def _mapping(value: Any) -> dict[str, JsonValue]:
    # One walk checks the shape and every string and name, naming the offending member
    # (object_mapping.Addresses.0.City) where a union validator would name its branches.
    if not isinstance(value, dict):
        raise PydanticCustomError("dict_type", "Input should be a JSON object")
    checked: dict[str, JsonValue] = check_json(dict, value)
    return checked


Mapping = Annotated[dict[str, JsonValue], PlainValidator(
    _mapping, json_schema_input_type=MappingInput)]


def _number(value: Any) -> Any:
    # JSON Schema counts 15.0 as an integer, so pydantic's lax int fits; text and booleans don't.
    if isinstance(value, str | bool):
        raise PydanticCustomError("int_type", "check_on_minutes must be a JSON number")
    return value


# The bounds first: placed after a validator they would leak into the schema as `ge`/`le`.
Minutes = Annotated[int, Field(ge=5, le=1440), BeforeValidator(_number)]


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

# The demo seeds this function (automations.examples), so the automation examples that
# perform it run there.
PF_EXAMPLE: dict[str, Any] = {
    "name": "Import suppliers", "description": "Xero suppliers become application suppliers",
    "direction": "IMPORT", "event_name": "contact.updated",
    "object_name": "supplier", "mapping_id": "map-supplier-v1", "enabled": True,
    "pre_run_script_id": None, "post_run_script_id": None, "tag": "suppliers",
    "object_mapping": {"Name": "name", "EmailAddress": "email"}}
_PF_OUT = {"uuid": PARTNER_FUNCTION_ID, **PF_EXAMPLE, "provider_name": "xero",
           "created": "2025-03-01T09:30:00Z", "updated": "2025-03-01T09:30:00Z"}
_LIST_PAGINATION: dict[str, Any] = {"records": 1, "limit": 20, "offset": 0,
                                    "previous_page": "", "next_page": None}


class PartnerFunctionFields(BaseModel):
    """A partner function as created: name, direction and object_name are required;
    `provider_name` is read-only (always the integration's provider)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [PF_EXAMPLE]})

    name: Name
    description: LongText | None = None
    direction: Direction
    event_name: Ident | None = Field(None, description="The event that triggers it, e.g. "
                                                       "contact.updated.")
    object_name: Short = Field(description="The object it moves, e.g. supplier or invoice.")
    mapping_id: Ident | None = None
    enabled: StrictBool = True
    pre_run_script_id: Ident | None = None
    post_run_script_id: Ident | None = None
    tag: Short | None = None
    object_mapping: Mapping | None = Field(None, description=MAPPING_DOC)


class PartnerFunctionChanges(BaseModel):
    """The fields to change; null clears an optional field (name, direction, object_name and
    enabled may be omitted, not null)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"enabled": False, "tag": "paused"}]})

    name: Name = omittable()
    description: LongText | None = None
    direction: Direction = omittable()
    event_name: Ident | None = None
    object_name: Short = omittable()
    mapping_id: Ident | None = None
    enabled: StrictBool = omittable()
    pre_run_script_id: Ident | None = None
    post_run_script_id: Ident | None = None
    tag: Short | None = None
    object_mapping: Mapping | None = Field(None, description=MAPPING_DOC)


class PartnerFunctionCreate(BoundedBody):
    """The create body: the function under `partner_function`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"partner_function": PF_EXAMPLE}]})

    partner_function: PartnerFunctionFields


class PartnerFunctionUpdate(BoundedBody):
    """The update body: the changes under `partner_function`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"partner_function": {"enabled": False, "tag": "paused"}}]})

    partner_function: PartnerFunctionChanges


class PartnerFunction(BaseModel):
    """A stored partner function (null fields may also be absent from examples)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_PF_OUT]})

    uuid: Uuid
    name: str
    description: str | None = None
    direction: Direction
    event_name: str | None = None
    provider_name: str = Field(description="The integration's provider (read-only).")
    object_name: str
    mapping_id: str | None = None
    enabled: bool
    pre_run_script_id: str | None = None
    post_run_script_id: str | None = None
    tag: str | None = None
    created: datetime
    updated: datetime
    object_mapping: dict[str, Any] | None = None


class PartnerFunctionOne(BaseModel):
    """One partner function under `partner_function`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"partner_function": _PF_OUT}]})

    partner_function: PartnerFunction


class PartnerFunctionList(BaseModel):
    """A page of partner functions under `partner_functions`, with `pagination`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "partner_functions": [_PF_OUT], "pagination": _LIST_PAGINATION}]})

    partner_functions: list[PartnerFunction]
    pagination: LinkPagination


# --- automations -------------------------------------------------------------------------

_AUTO_EXAMPLE: dict[str, Any] = {
    "name": "import_suppliers_nightly", "display_name": "Import suppliers nightly",
    "code": "IMPORT-SUPPLIERS", "description": "Brings new Xero suppliers in every night",
    "automation_type": "timerBased", "direction": "IMPORT", "status": "ACTIVE",
    "applies_to": "supplier", "applies_to_function": "import",
    "additional_criteria": False,
    "perform_function": PARTNER_FUNCTION_ID,
    "check_on": "daily", "check_on_minutes": None, "custom_day": None,
    "custom_day_time": None, "custom_time": "02:00", "trigger_condition_text": None}
_AUTO_OUT = {**_AUTO_EXAMPLE, "provider": "xero", "uuid": "5f2a9c1e-8b3d-4a6f-b2e7-1c9d0e4f7a83",
             "performActionText": "Run partner function 'Import suppliers' (IMPORT supplier)",
             "checkOnText": "Every day at 02:00 UTC"}
SCHEDULE_NOTE = (
    "A timerBased automation needs `check_on`: `minutes` (with `check_on_minutes`, 5-1440), "
    "`hourly`, `daily` (with `custom_time` HH:MM), `weekly` (with `custom_day` MONDAY..SUNDAY "
    "and `custom_day_time`) or `monthly` (with `custom_day` 1..28 and `custom_day_time`); times "
    "are UTC. An eventBased automation takes none of these and runs on its partner function's "
    "`event_name`. Schedule fields that do not apply are refused when sent and cleared when a "
    "change of schedule leaves them behind (`conflicting_input`).")


class AutomationFields(BaseModel):
    """An automation as created: name, automation_type, direction and perform_function are
    required; `provider` is read-only (always the integration's provider)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_AUTO_EXAMPLE]})

    name: Name
    display_name: Name | None = Field(None, description="Defaults to name.")
    code: Code | None = Field(None, description="Unique within the integration; generated "
                                                "(AUTO-…) when omitted.")
    description: LongText | None = None
    automation_type: AutomationType
    direction: Direction = Field(description="Must match the partner function's direction.")
    status: AutomationStatus = AutomationStatus.ACTIVE
    applies_to: Short | None = Field(None, description="The entity it applies to; defaults to "
                                                       "the partner function's object_name.")
    applies_to_function: Short | None = None
    additional_criteria: StrictBool = False
    perform_function: Uuid = Field(
        description="The uuid of a partner function of the same integration.")
    check_on: CheckOn | None = Field(None, description=SCHEDULE_NOTE)
    check_on_minutes: Minutes | None = None
    custom_day: Day | None = None
    custom_day_time: Time | None = None
    custom_time: Time | None = None
    trigger_condition_text: LongText | None = None


class AutomationChanges(BaseModel):
    """The fields to change; null clears an optional field (name, code, automation_type,
    direction, status, additional_criteria and perform_function may be omitted, not null)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"status": "INACTIVE"}, {"check_on": "minutes", "check_on_minutes": 30}]})

    name: Name = omittable()
    display_name: Name | None = None
    code: Code = omittable()
    description: LongText | None = None
    automation_type: AutomationType = omittable()
    direction: Direction = omittable()
    status: AutomationStatus = omittable()
    applies_to: Short | None = None
    applies_to_function: Short | None = None
    additional_criteria: StrictBool = omittable()
    perform_function: Uuid = omittable()
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
    """A stored automation; performActionText and checkOnText are labels the hub writes (null
    fields may also be absent from examples)."""

    model_config = ConfigDict(populate_by_name=True,
                              json_schema_extra={"examples": [_AUTO_OUT]})

    check_on: CheckOn | None = None
    check_on_minutes: int | None = None
    additional_criteria: bool
    applies_to: str | None = None
    applies_to_function: str | None = None
    automation_type: AutomationType
    code: str
    custom_day: str | None = None
    custom_day_time: str | None = None
    custom_time: str | None = None
    description: str | None = None
    direction: Direction
    display_name: str
    name: str
    perform_function: Uuid
    provider: str = Field(description="The integration's provider (read-only).")
    status: AutomationStatus
    uuid: Uuid
    trigger_condition_text: str | None = None
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
        "integration_automations": [_AUTO_OUT], "pagination": _LIST_PAGINATION}]})

    integration_automations: list[Automation]
    pagination: LinkPagination
