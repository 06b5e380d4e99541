"""An automation's schedule rules and its human labels (checkOnText, performActionText)."""

from __future__ import annotations

from typing import Any

from ledgerlink.errors import ConflictingInputError

PREFIX = "integration_automation."
SCHEDULE_FIELDS = ("check_on", "check_on_minutes", "custom_day", "custom_day_time", "custom_time")
# The fields each timer schedule needs besides check_on; nothing else of SCHEDULE_FIELDS applies.
NEEDS: dict[str, tuple[str, ...]] = {
    "minutes": ("check_on_minutes",),
    "hourly": (),
    "daily": ("custom_time",),
    "weekly": ("custom_day", "custom_day_time"),
    "monthly": ("custom_day", "custom_day_time"),
}
WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
# custom_day as the schema states it: a weekday in any letter case, or a day of the month 1-28
# (leading zeros allowed). Which of the two a schedule needs is a rule between fields.
DAY_PATTERN = ("^(" + "|".join("".join(f"[{c}{c.lower()}]" for c in day) for day in WEEKDAYS)
               + "|0*([1-9]|1[0-9]|2[0-8]))$")


def _conflict(message: str, name: str) -> ConflictingInputError:
    return ConflictingInputError(message, field=PREFIX + name)


def _custom_day(check_on: str, value: str) -> str:
    """The stored form of a custom_day the schema accepted: MONDAY.. or 1..28."""
    if check_on == "weekly":
        if value.upper() not in WEEKDAYS:
            raise _conflict(f"custom_day must be a weekday for a weekly schedule; allowed: "
                            f"{', '.join(WEEKDAYS)}", "custom_day")
        return value.upper()
    if value.upper() in WEEKDAYS:
        raise _conflict("custom_day must be a day of the month from 1 to 28 for a monthly "
                        "schedule", "custom_day")
    return str(int(value))


def normalise(merged: dict[str, Any], sent: dict[str, Any],
              event_name: str | None) -> dict[str, Any]:
    """The schedule fields to store for `merged` (the automation after the change).

    Fields the schedule needs must be there; fields it does not use are refused when `sent`
    sets them, and cleared when only an earlier schedule left them behind.
    """
    if merged["automation_type"] == "eventBased":
        if not event_name:
            raise _conflict("An eventBased automation needs a partner function with an "
                            "event_name to run on", "perform_function")
        applies: tuple[str, ...] = ()
        context = "an eventBased automation"
    else:
        check_on = merged.get("check_on")
        if check_on is None:
            raise _conflict(f"A timerBased automation needs check_on; allowed: "
                            f"{', '.join(NEEDS)}", "check_on")
        for name in NEEDS[check_on]:
            if merged.get(name) is None:
                raise _conflict(f"check_on={check_on} needs {name}", name)
        applies = ("check_on", *NEEDS[check_on])
        context = f"check_on={check_on}"
    out: dict[str, Any] = {}
    for name in SCHEDULE_FIELDS:
        if name in applies:
            out[name] = merged.get(name)
        elif sent.get(name) is not None:
            raise _conflict(f"{name} does not apply to {context}", name)
        else:
            out[name] = None
    if out["custom_day"] is not None:
        out["custom_day"] = _custom_day(out["check_on"], out["custom_day"])
    return out


def check_on_text(values: dict[str, Any], event_name: str | None) -> str:
    """When the automation runs, in words."""
    check_on = values.get("check_on")
    if values.get("automation_type") == "eventBased" or check_on is None:
        return f"When {event_name} occurs" if event_name else "When its event occurs"
    if check_on == "minutes":
        return f"Every {values['check_on_minutes']} minutes"
    if check_on == "hourly":
        return "Every hour"
    if check_on == "daily":
        return f"Every day at {values['custom_time']} UTC"
    if check_on == "weekly":
        return f"Every {str(values['custom_day']).title()} at {values['custom_day_time']} UTC"
    return f"On day {values['custom_day']} of every month at {values['custom_day_time']} UTC"


def perform_action_text(name: str, direction: str, object_name: str) -> str:
    """What the automation does, in words."""
    return f"Run partner function '{name}' ({direction} {object_name})"
