"""Pydantic shapes of the v3 configuration routes, generated from the flag table.

The flag names live once, in `configuration.MODULES`; the response models (every flag, a
boolean) and the update models (every flag optional, strict booleans, unknown keys refused)
are built from it, so the two can never drift apart. `provider` is read-only: answered, never
accepted (an update naming it is refused like any unknown field).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, create_model, model_validator

from ledgerlink.connections.configuration import MODULES, render, resolve
from ledgerlink.inputs import check_shape, omittable

PROVIDER_NOTE = "The integration's provider (e.g. xero); read-only."


def _optional(annotation: Any, description: str, **extra: Any) -> Any:
    # An update field may be omitted but is never null (omittable: no `null` in the schema).
    return (annotation, omittable(description=description, **extra))


def _describe(default: bool) -> str:
    return f"Default for a new connection: {str(default).lower()}."


def _section(module: str, section: str, *, update: bool) -> type[BaseModel]:
    flags = MODULES[module].section(section)
    title = f"{module.title()}{section.title()}{'Update' if update else ''}"
    fields: dict[str, Any] = {
        flag: _optional(StrictBool, _describe(default)) if update
        else (bool, Field(description=_describe(default)))
        for flag, default in flags.items()}
    config = ConfigDict(extra="forbid", title=title) if update else ConfigDict(title=title)
    model: type[BaseModel] = create_model(title, __config__=config, **fields)
    return model


def _module(module: str, *, update: bool) -> type[BaseModel]:
    spec = MODULES[module]
    title = f"{module.title()}Configuration{'Update' if update else ''}"
    fields: dict[str, Any] = {}
    if update:
        for flag, default in spec.switches.items():
            fields[flag] = _optional(StrictBool, _describe(default))
        fields["export"] = _optional(_section(module, "export", update=True), "Export flags.")
        fields["import_"] = _optional(_section(module, "import", update=True), "Import flags.",
                                      alias="import")
    else:
        fields["provider"] = (str, Field(description=PROVIDER_NOTE))
        for flag, default in spec.switches.items():
            fields[flag] = (bool, Field(description=_describe(default)))
        fields["export"] = (_section(module, "export", update=False),
                            Field(description="Export flags."))
        fields["import_"] = (_section(module, "import", update=False),
                             Field(alias="import", description="Import flags."))
    config = ConfigDict(extra="forbid", title=title) if update else ConfigDict(title=title)
    model: type[BaseModel] = create_model(title, __config__=config, **fields)
    return model


def _modules(*, update: bool) -> type[BaseModel]:
    title = "ModulesUpdate" if update else "Modules"
    fields: dict[str, Any] = {
        name: _optional(_module(name, update=True), f"The {name} module.") if update
        else (_module(name, update=False), Field(description=f"The {name} module."))
        for name in MODULES}
    config = ConfigDict(extra="forbid", title=title) if update else ConfigDict(title=title)
    model: type[BaseModel] = create_model(title, __config__=config, **fields)
    return model


DEFAULTS_EXAMPLE = render(resolve(None), "xero")
UPDATE_EXAMPLE = {"integration": {
    "transaction": {"credit_note_sync_to_xero": True,
                    "export": {"credit_note_to_xero_enabled": True}},
    "item": {"import": {"item_from_xero_enabled": True}}}}

if TYPE_CHECKING:
    ConfigurationBody = BaseModel
    ConfigurationUpdate = BaseModel
else:
    ConfigurationBody = create_model(
        "Configuration",
        __config__=ConfigDict(json_schema_extra={"examples": [DEFAULTS_EXAMPLE]}),
        integration=(_modules(update=False), Field(description="Module-wise configuration.")))
    ConfigurationUpdate = create_model(
        "ConfigurationUpdate",
        __config__=ConfigDict(extra="forbid", json_schema_extra={"examples": [UPDATE_EXAMPLE]}),
        # Before validation: 100,000 unknown keys are one error, not 100,000 of them.
        __validators__={"_shape": model_validator(mode="before")(check_shape)},
        integration=(_modules(update=True), Field(
            description="The modules, sections and flags to change; omitted ones keep their "
                        "current values.")))
