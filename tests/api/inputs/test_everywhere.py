"""Issue 7, item 4 (review): the shared date and text rules hold on every route that takes them:
the aged summaries' dates, and the text of partner functions and automations (both databases)."""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.integrations.actions import ACTION_TYPES
from ledgerlink.providers.xero import aging, reports  # noqa: F401  (register their queries)
from ledgerlink.providers.xero.queries import QUERIES
from tests.api.inputs.support import error, xero_calls

RLO, BEL = "\u202e", "\x07"
FAR = ("0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31")


def _holds_date(annotation: Any) -> bool:
    # `is`, not issubclass: a datetime is a date subclass and is not what this looks for.
    return annotation is dt.date or any(_holds_date(a) for a in typing.get_args(annotation))


def _date_params() -> Iterator[tuple[str, type[BaseModel], str]]:
    """(type, its params model, a date parameter) of every query and action type."""
    models = [(n, s.params) for n, s in QUERIES.items()]
    models += [(n, a.params) for kinds in ACTION_TYPES.values() for n, a in kinds.items()]
    for name, model in models:
        for field, info in model.model_fields.items():
            if _holds_date(info.annotation):
                yield name, model, field


def test_every_date_parameter_is_a_ledger_date() -> None:
    # The review's case: the aged summaries took a plain date, so 0001-01-01 was aged (200)
    # where the balance sheet refused it. Every date parameter must refuse the same days.
    found = list(_date_params())
    assert {"xero_aged_receivables_summary", "xero_aged_payables_summary",
            "xero_balance_sheet", "xero_update_invoice"} <= {name for name, _, _ in found}
    for name, model, field in found:
        for day in FAR:
            with pytest.raises(ValidationError) as caught:
                model.model_validate({field: day})
            kinds = {e["type"] for e in caught.value.errors() if e["loc"][:1] == (field,)}
            assert kinds == {"date_range"}, (name, field, day, caught.value.errors())


@pytest.mark.parametrize("query_type", ["xero_aged_receivables_summary",
                                        "xero_aged_payables_summary"])
async def test_aged_summaries_refuse_far_dates(client: httpx.AsyncClient, key: dict[str, str],
                                               integration_id: str, emulator: RunningEmulator,
                                               query_type: str) -> None:
    query = f"/api/v1/integrations/{integration_id}/query"
    before = xero_calls(emulator)
    for params, field in (({"date": "0001-01-01"}, "params.date"),
                          ({"date": "9999-12-31"}, "params.date"),
                          ({"as_at": "1899-12-31"}, "params.as_at"),
                          ({"asAt": "2101-01-01"}, "params.asAt")):
        found = error(await client.post(query, headers=key, json={
            "query_type": query_type, "params": params}), 422)
        assert found["field"] == field, (params, found)
        assert "1900-01-01" in found["message"] and "2100-12-31" in found["message"]
    assert xero_calls(emulator) == before  # refused before any call to Xero
    answer = await client.post(query, headers=key, json={
        "query_type": query_type, "params": {"date": "1900-01-01"}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["as_at"] == "1900-01-01"


def _functions(integration: str) -> str:
    return f"/api/v3/integration/{integration}/partner-function"


def _automations(integration: str) -> str:
    return f"/api/v3/integration/{integration}/automation"


FUNCTION = {"name": "Import suppliers", "direction": "IMPORT", "object_name": "supplier",
            "event_name": "contact.updated"}
AUTOMATION = {"name": "nightly", "automation_type": "timerBased", "direction": "IMPORT",
              "check_on": "daily", "custom_time": "02:00"}


async def _records(client: httpx.AsyncClient, url: str, key: dict[str, str]) -> int:
    records: int = (await client.get(url, headers=key)).json()["pagination"]["records"]
    return records


@pytest.mark.parametrize("bad", [BEL, RLO])
async def test_partner_function_text_follows_the_shared_rule(
        client: httpx.AsyncClient, key: dict[str, str], integration_id: str, bad: str) -> None:
    # The review's case: only NUL was refused, so BEL and RLO in a name answered 201.
    url = _functions(integration_id)
    for change, field in (({"name": f"Import{bad}suppliers"}, "name"),
                          ({"tag": f"sup{bad}"}, "tag"),
                          ({"object_name": f"supp{bad}lier"}, "object_name"),
                          ({"event_name": f"contact.{bad}"}, "event_name"),
                          ({"description": f"Suppliers{bad}"}, "description"),
                          ({"object_mapping": {"Name": f"na{bad}me"}}, "object_mapping.Name")):
        found = error(await client.post(url, headers=key, json={
            "partner_function": {**FUNCTION, **change}}), 422)
        assert found["field"] == f"partner_function.{field}", (change, found)
        assert "control" in found["message"]
    assert await _records(client, url, key) == 0
    made = await client.post(url, headers=key, json={"partner_function": FUNCTION})
    assert made.status_code == 201, made.text
    one = f"{url}/{made.json()['partner_function']['uuid']}"
    found = error(await client.patch(one, headers=key, json={
        "partner_function": {"name": f"Renamed{bad}"}}), 422)
    assert found["field"] == "partner_function.name"
    stored = (await client.get(one, headers=key)).json()["partner_function"]
    assert stored["name"] == FUNCTION["name"]


async def test_only_descriptions_hold_line_breaks(client: httpx.AsyncClient,
                                                  key: dict[str, str],
                                                  integration_id: str) -> None:
    url = _functions(integration_id)
    found = error(await client.post(url, headers=key, json={
        "partner_function": {**FUNCTION, "name": "Import\nsuppliers"}}), 422)
    assert found["field"] == "partner_function.name"
    made = await client.post(url, headers=key, json={"partner_function": {
        **FUNCTION, "description": "Line one\n\tLine two"}})
    assert made.status_code == 201, made.text
    assert made.json()["partner_function"]["description"] == "Line one\n\tLine two"


@pytest.mark.parametrize("bad", [BEL, RLO])
async def test_automation_text_follows_the_shared_rule(
        client: httpx.AsyncClient, key: dict[str, str], integration_id: str, bad: str) -> None:
    made = await client.post(_functions(integration_id), headers=key,
                             json={"partner_function": FUNCTION})
    assert made.status_code == 201, made.text
    body = {**AUTOMATION, "perform_function": made.json()["partner_function"]["uuid"]}
    url = _automations(integration_id)
    for change, field in (({"name": f"night{bad}ly"}, "name"),
                          ({"display_name": f"Nightly{bad}"}, "display_name"),
                          ({"applies_to": f"supplier{bad}"}, "applies_to"),
                          ({"trigger_condition_text": f"x{bad}"}, "trigger_condition_text")):
        found = error(await client.post(url, headers=key, json={
            "integration_automation": {**body, **change}}), 422)
        assert found["field"] == f"integration_automation.{field}", (change, found)
        assert "control" in found["message"]
    assert await _records(client, url, key) == 0
    created = await client.post(url, headers=key, json={"integration_automation": body})
    assert created.status_code == 201, created.text
    one = f"{url}/{created.json()['integration_automation']['uuid']}"
    found = error(await client.patch(one, headers=key, json={
        "integration_automation": {"name": f"renamed{bad}"}}), 422)
    assert found["field"] == "integration_automation.name"
