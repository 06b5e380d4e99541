"""One error shape: every failure, whichever layer raised it, has the same four keys."""

from __future__ import annotations

import httpx
import pytest

from ledgerlink.auth.scopes import Scope
from ledgerlink.errors import (
    AuthError,
    ForbiddenError,
    LedgerlinkError,
    NeedsReauthError,
    RecordConflictError,
    ValidationError,
)
from tests.hub_fixtures import KeyMaker, bearer

MISSING = "/api/v1/integrations/3fa85f64-5717-4562-b3fc-2c963f66afa6"


def _error(answer: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error"}, body
    error: dict[str, object] = body["error"]
    assert set(error) == {"code", "message", "field", "details"}, error
    assert error["code"] == code and isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    return error


async def test_every_layer_answers_the_same_shape(client: httpx.AsyncClient,
                                                  make_key: KeyMaker) -> None:
    reader = bearer(await make_key(Scope.INTEGRATIONS_READ))
    crm = bearer(await make_key(Scope.CRM_WRITE))

    unauthenticated = _error(await client.get("/api/v1/integrations"), 401, "unauthenticated")
    assert unauthenticated["field"] == "Authorization"
    scope = _error(await client.post(f"{MISSING}/action", headers=reader,
                                     json={"action_type": "xero_create_contact"}),
                   403, "missing_scope")
    assert scope["field"] == "Authorization"
    assert scope["details"] == {"required_scope": "integrations:write"}
    missing = _error(await client.get(MISSING, headers=reader), 404, "not_found")
    assert missing["field"] == "id"
    invalid = _error(await client.post("/api/v1/customers", headers=crm, json={"name": 7}),
                     422, "invalid_input")
    assert invalid["field"] == "name"
    malformed = _error(await client.post("/api/v1/customers", headers={
        **crm, "Content-Type": "application/json"}, content=b'{"name": '), 400, "invalid_json")
    assert malformed["field"] is None
    route = _error(await client.get("/api/v1/nothing-here", headers=reader), 404, "not_found")
    assert route["details"] == {}
    _error(await client.delete("/api/v1/integrations", headers=reader), 405,
           "method_not_allowed")
    _error(await client.post("/api/v1/customers", headers={**crm, "Content-Type": "text/plain"},
                             content=b"name"), 415, "unsupported_media_type")


@pytest.mark.parametrize(("error", "status", "code"), [
    (AuthError("Xero refused the token", provider_status=401), 502, "provider_auth_failed"),
    (ForbiddenError("not connected", provider_status=403), 502, "provider_forbidden"),
    (NeedsReauthError("c-1"), 409, "needs_reauth"),
    (ValidationError("Xero refused the invoice"), 422, "provider_validation_failed"),
    (RecordConflictError("in use"), 409, "conflict"),
])
def test_each_class_carries_its_own_status_and_code(error: LedgerlinkError, status: int,
                                                    code: str) -> None:
    # The one handler renders `status` and `code` as they are: no remapping anywhere.
    assert (error.status, error.code) == (status, code)
    assert set(error.to_dict()) == {"code", "message", "field", "details"}


async def test_an_unknown_type_names_its_discriminator(client: httpx.AsyncClient,
                                                       make_key: KeyMaker) -> None:
    reader = bearer(await make_key(Scope.INTEGRATIONS_READ))
    for body in ({"query_type": "xero_everything"}, {"params": {}}):
        error = _error(await client.post(f"{MISSING}/query", headers=reader, json=body),
                       422, "invalid_input")
        assert error["field"] == "query_type", error
    error = _error(await client.post(f"{MISSING}/query", headers=reader, json={
        "query_type": "xero_invoices", "params": {"date_from": "2026-13-01"}}), 422,
        "invalid_input")
    assert error["field"] == "params.date_from", error  # the tag is not part of the field


async def test_an_unknown_query_parameter_is_refused_by_name(client: httpx.AsyncClient,
                                                             make_key: KeyMaker) -> None:
    crm = bearer(await make_key(Scope.CRM_READ))
    error = _error(await client.get("/api/v1/deals?staus=won", headers=crm), 422,
                   "invalid_input")
    assert error["field"] == "staus" and "stage" in error["details"]["allowed"]  # type: ignore[index,operator]
    assert (await client.get("/api/v1/deals?stage=won", headers=crm)).status_code == 200
    assert (await client.get("/health?_=1")).status_code == 200  # probes take anything


async def test_a_repeated_single_parameter_is_refused(client: httpx.AsyncClient,
                                                      make_key: KeyMaker) -> None:
    crm = bearer(await make_key(Scope.CRM_READ))
    error = _error(await client.get("/api/v1/deals?limit=1&limit=500", headers=crm), 422,
                   "invalid_input")
    assert error["field"] == "limit"
