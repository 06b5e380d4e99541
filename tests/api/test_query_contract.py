"""The query route's contract: one named branch per query type behind a `query_type`
discriminator, every accepted spelling declared, and the server refusing exactly what the
schema forbids (two spellings or dates that contradict each other are `conflicting_input`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import pytest
from fastapi import FastAPI
from pydantic import AliasChoices, BaseModel, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from ledgerlink.api.app import create_app
from ledgerlink.auth.scopes import Scope
from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.hub import Hub
from ledgerlink.integrations import endpoints
from ledgerlink.integrations.schemas import QueryRequest, QueryResult
from ledgerlink.providers.xero.queries import QUERIES
from tests.api.inputs.support import error
from tests.hub_fixtures import KeyMaker, bearer

ROUTE = "/api/v1/integrations/{integration_id}/query"


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    """The OpenAPI document of the integrations routes."""
    app = FastAPI()
    app.include_router(endpoints.router)
    return app.openapi()


def _schemas(doc: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = doc["components"]["schemas"]
    return found


def _branches(doc: dict[str, Any]) -> dict[str, str]:
    """query_type -> the component name of its branch."""
    body = doc["paths"][ROUTE]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["discriminator"]["propertyName"] == "query_type"
    assert sorted(o["$ref"] for o in body["oneOf"]) == sorted(
        body["discriminator"]["mapping"].values())
    return {tag: ref.rsplit("/", 1)[1] for tag, ref in body["discriminator"]["mapping"].items()}


def _validator(doc: dict[str, Any], name: str) -> jsonschema.Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _spellings(model: type[BaseModel]) -> set[str]:
    out: set[str] = set()
    for name, info in model.model_fields.items():
        alias = info.validation_alias
        out |= {c for c in alias.choices if isinstance(c, str)} \
            if isinstance(alias, AliasChoices) else {name}
    return out


# ---- the schema -----------------------------------------------------------------------------
def test_one_named_branch_per_registered_query_type(openapi: dict[str, Any]) -> None:
    branches = _branches(openapi)
    assert set(branches) == set(QUERIES)
    schemas = _schemas(openapi)
    for tag, name in branches.items():
        branch = schemas[name]
        assert name == "".join(w.title() for w in tag.split("_")) + "Query"
        assert branch["properties"]["query_type"]["const"] == tag
        assert branch["additionalProperties"] is False
        params_ref = branch["properties"]["params"]["$ref"].rsplit("/", 1)[1]
        assert params_ref == QUERIES[tag].params.__name__
        # `params` is required exactly where the parameters have a required one.
        needed = any(f.is_required() for f in QUERIES[tag].params.model_fields.values())
        assert ("params" in branch["required"]) is needed, tag


def test_every_accepted_spelling_is_declared(openapi: dict[str, Any]) -> None:
    schemas = _schemas(openapi)
    for tag, spec in QUERIES.items():
        params = schemas[spec.params.__name__]
        assert params["additionalProperties"] is False, tag
        assert set(params["properties"]) == _spellings(spec.params), tag
    invoices = schemas["XeroInvoicesParams"]["properties"]
    assert {"date_from", "dateFrom", "from_date", "fromDate", "date_to", "dateTo", "to_date",
            "toDate"} <= set(invoices)
    summary = schemas["XeroAgedSummaryParams"]["properties"]
    assert {"date", "as_at", "asAt", "net_credit_notes", "netCreditNotes"} <= set(summary)
    assert summary["net_credit_notes"]["type"] == "boolean"


def test_guids_dates_and_required_spellings_in_the_schema(openapi: dict[str, Any]) -> None:
    schemas = _schemas(openapi)
    detail = schemas["XeroContactDetailParams"]
    assert detail["properties"]["contactId"]["format"] == "uuid"
    assert "required" not in detail  # any one of the spellings will do:
    assert detail["allOf"] == [{"anyOf": [{"required": ["contact_id"]},
                                          {"required": ["contactId"]},
                                          {"required": ["contactID"]}]}]
    validator = _validator(openapi, "XeroContactDetailParams")
    contact = "5b96e86b-418e-48e8-8949-308c14aec278"
    assert validator.is_valid({"contactId": contact})
    assert not validator.is_valid({})
    assert not validator.is_valid({"contact_id": "C0001"})
    tracking = schemas["XeroProfitAndLossParams"]["properties"]["trackingOptionID"]
    assert {"type": "string", "format": "uuid"}.items() <= tracking["anyOf"][0].items()
    dates = _validator(openapi, "XeroInvoicesParams")
    for day in ("1900-01-01", "2100-12-31", "2026-06-30"):
        assert dates.is_valid({"fromDate": day}), day
    for day in ("1899-12-31", "2101-01-01", "2026-02-30", "2026-06-30T00:00:00", 0):
        assert not dates.is_valid({"fromDate": day}), day


def test_examples_validate_against_their_own_schema(openapi: dict[str, Any]) -> None:
    schemas = _schemas(openapi)
    union: TypeAdapter[Any] = TypeAdapter(QueryRequest)
    for tag, name in _branches(openapi).items():
        examples = schemas[name]["examples"]
        assert examples, name
        for example in examples:
            assert example["query_type"] == tag
            _validator(openapi, name).validate(example)
            union.validate_python(example)  # and the server takes it
    result = QueryResult.model_json_schema()
    for example in result["examples"]:
        jsonschema.Draft202012Validator(result).validate(example)
        QueryResult.model_validate(example)


def test_the_union_refuses_what_the_schema_forbids() -> None:
    union: TypeAdapter[Any] = TypeAdapter(QueryRequest)
    contact = "5b96e86b-418e-48e8-8949-308c14aec278"
    for body in ({"query_type": "xero_everything"}, {},
                 {"query_type": "xero_contact_detail"},  # params required here
                 {"query_type": "xero_contacts", "params": {"colour": "red"}},
                 {"query_type": "xero_contacts", "extra": 1},
                 {"query_type": "xero_contacts", "params": {"page": "2"}},
                 {"query_type": "xero_contacts", "params": {"page": 2.5}},
                 {"query_type": "xero_contacts", "params": {"page": True}},
                 {"query_type": "xero_accounts", "params": {"type": "bank"}},
                 {"query_type": "xero_invoices", "params": {"date_from": 0}},
                 {"query_type": "xero_invoices", "params": {"statuses": "PAID, DRAFT"}},
                 {"query_type": "xero_contact_detail", "params": {"contactId": contact[:-1]}},
                 {"query_type": "xero_balance_sheet", "params": {"standardLayout": 0}}):
        with pytest.raises(PydanticValidationError):
            union.validate_python(body)
    taken = union.validate_python({"query_type": "xero_invoices", "params": {
        "fromDate": "2026-01-01", "to_date": "2026-06-30", "statuses": "AUTHORISED,PAID"}})
    assert (taken.params.date_from, taken.params.date_to) == (dt.date(2026, 1, 1),
                                                              dt.date(2026, 6, 30))
    assert [s.value for s in taken.params.statuses] == ["AUTHORISED", "PAID"]
    assert union.validate_python({"query_type": "xero_contacts"}).params.page is None
    # Too many keys are one error, before the tag is looked for (not 150 errors, nor "no tag").
    for body, where in (({f"k{i}": 0 for i in range(150)}, ()),
                        ({"query_type": "xero_contacts",
                          "params": {f"k{i}": 0 for i in range(150)}}, ("params",))):
        with pytest.raises(PydanticValidationError) as caught:
            union.validate_python(body)
        assert [(e["type"], e["loc"]) for e in caught.value.errors()] == [("too_complex", where)]
    # JSON Schema's integer includes 3.0 (a generator may well send it).
    assert union.validate_python({"query_type": "xero_contacts",
                                  "params": {"page": 3.0}}).params.page == 3


# ---- over HTTP ------------------------------------------------------------------------------
@pytest.fixture
async def api(hub: Hub, make_key: KeyMaker) -> AsyncIterator[httpx.AsyncClient]:
    """The hub's API with a read-only key."""
    secret = await make_key(Scope.INTEGRATIONS_READ)
    transport = httpx.ASGITransport(app=create_app(hub=hub))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test",
                                 headers=bearer(secret)) as http:
        yield http


async def _invoices(api: httpx.AsyncClient, integration_id: str,
                    params: dict[str, Any]) -> httpx.Response:
    return await api.post(ROUTE.format(integration_id=integration_id),
                          json={"query_type": "xero_invoices", "params": params})


async def test_invoices_take_every_spelling_of_their_dates(
        api: httpx.AsyncClient, integration_id: str, emulator: RunningEmulator) -> None:
    org = emulator.emulator.default_org
    assert org is not None
    start, end = dt.date(2025, 6, 1), dt.date(2025, 8, 31)
    expected = {i["InvoiceID"] for i in org.invoices.values()
                if i["Status"] == "AUTHORISED" and start <= i["Date"] <= end}
    assert expected
    for first, last in (("date_from", "date_to"), ("dateFrom", "dateTo"),
                        ("from_date", "to_date"), ("fromDate", "toDate")):
        response = await _invoices(api, integration_id, {
            first: start.isoformat(), last: end.isoformat(), "statuses": ["AUTHORISED"]})
        assert response.status_code == 200, (first, response.text)
        assert {i["InvoiceID"] for i in response.json()["data"]} == expected, first
    # The same value in two spellings is that value.
    same = await _invoices(api, integration_id, {"date_from": "2025-06-01",
                                                 "fromDate": "2025-06-01"})
    assert same.status_code == 200, same.text


async def test_contradictions_are_conflicting_input(api: httpx.AsyncClient,
                                                    integration_id: str) -> None:
    twice = error(await _invoices(api, integration_id, {"date_from": "2025-06-01",
                                                        "fromDate": "2025-07-01"}), 422)
    assert twice["code"] == "conflicting_input"
    assert twice["field"] == "params.date_from"
    assert "date_from, fromDate" in twice["message"]
    backwards = error(await _invoices(api, integration_id, {"from_date": "2025-09-01",
                                                            "toDate": "2025-08-01"}), 422)
    assert backwards["code"] == "conflicting_input"
    assert backwards["field"] == "params.date_from"
    assert "after the end date" in backwards["message"]


async def test_schema_breaches_are_invalid_input(api: httpx.AsyncClient,
                                                 integration_id: str) -> None:
    # A wrong value in one of two spellings is reported as that, not as a conflict.
    wrong = error(await _invoices(api, integration_id, {"date_from": "2025-06-01",
                                                       "fromDate": 0}), 422)
    assert (wrong["code"], wrong["field"]) == ("invalid_input", "params.fromDate")
    unknown = error(await _invoices(api, integration_id, {"colour": "red"}), 422)
    assert (unknown["code"], unknown["field"]) == ("invalid_input", "params.colour")
    missing = error(await api.post(ROUTE.format(integration_id=integration_id),
                                   json={"query_type": "xero_contact_detail"}), 422)
    assert (missing["code"], missing["field"]) == ("invalid_input", "params")
