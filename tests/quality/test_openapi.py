"""/openapi.json describes every route (summary, description, models, examples); /docs serves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from ledgerlink.api.app import create_app
from ledgerlink.config import Settings
from ledgerlink.db.crypto import SecretBox

METHODS = {"get", "post", "put", "patch", "delete"}
PUBLIC = {("get", "/health"), ("get", "/ready")}


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    """The API (no request here touches the database)."""
    return create_app(Settings(data_dir=tmp_path, secret_keys=SecretStr(SecretBox.generate_key())))


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The API over ASGI."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://hub.test") as client:
        yield client


@pytest.fixture
async def spec(http: httpx.AsyncClient) -> dict[str, Any]:
    """The served OpenAPI document."""
    answer = await http.get("/openapi.json")
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every route."""
    return [(method, path, op) for path, item in spec["paths"].items()
            for method, op in item.items() if method in METHODS]


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with its $ref followed."""
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def has_example(spec: dict[str, Any], media: dict[str, Any]) -> bool:
    """An example on the media type or on the (resolved) schema itself."""
    if "example" in media or "examples" in media:
        return True
    schema = resolve(spec, media.get("schema", {}))
    return bool(schema.get("examples") or "example" in schema)


def test_the_api_has_its_routes(spec: dict[str, Any]) -> None:
    documented = {(method, path) for method, path, _ in operations(spec)}
    issue_routes = {
        ("get", "/api/v1/integrations"), ("get", "/api/v1/integrations/{integration_id}"),
        ("post", "/api/v1/integrations/{integration_id}/query"),
        ("post", "/api/v1/integrations/{integration_id}/action"),
        ("get", "/api/v2/integration-connections"),
        ("get", "/api/v2/integration-connections/{connection_uuid}"),
        ("get", "/api/v3/integration/{integration_uuid}/configuration"),
        ("put", "/api/v3/integration/{integration_uuid}/configuration"),
        ("get", "/api/v3/integration/{integration_uuid}/partner-function"),
        ("get", "/api/v3/integration/{integration_uuid}/automation"),
        ("get", "/api/v1/customers"), ("get", "/api/v1/deals"), ("get", "/api/v1/products"),
        ("get", "/api/v1/crm-contacts"), ("get", "/api/v1/email-configurations")}
    assert issue_routes <= documented
    assert len(documented) >= 50


def test_every_route_has_a_summary_a_description_and_a_response_model(
        spec: dict[str, Any]) -> None:
    missing = []
    for method, path, op in operations(spec):
        if not op.get("summary") or not op.get("description") or not op.get("tags"):
            missing.append(f"{method.upper()} {path}: summary/description/tags")
        ok = [code for code in op["responses"] if code.startswith("2")]
        if len(ok) != 1:
            missing.append(f"{method.upper()} {path}: one 2xx response, got {ok}")
            continue
        content = op["responses"][ok[0]].get("content")
        if ok[0] == "204":
            assert not content, (method, path)
        elif not content or not resolve(spec, content["application/json"]["schema"]):
            missing.append(f"{method.upper()} {path}: no response model")
    assert not missing, "\n".join(missing)


def test_every_body_and_every_success_has_an_example(spec: dict[str, Any]) -> None:
    missing = []
    for method, path, op in operations(spec):
        body = op.get("requestBody")
        for media_type, media in (body or {}).get("content", {}).items():
            if not has_example(spec, media):
                missing.append(f"{method.upper()} {path}: request body ({media_type})")
        for code, response in op["responses"].items():
            for media_type, media in response.get("content", {}).items():
                if code.startswith("2") and not has_example(spec, media):
                    missing.append(f"{method.upper()} {path}: {code} ({media_type})")
    assert not missing, "examples missing:\n" + "\n".join(missing)


def test_errors_are_documented_with_the_error_envelope(spec: dict[str, Any]) -> None:
    wrong = []
    for method, path, op in operations(spec):
        codes = set(op["responses"])
        takes_input = bool(op.get("parameters") or op.get("requestBody"))
        needed = {"401", "403"} | ({"422"} if takes_input else set())
        if (method, path) not in PUBLIC and not needed <= codes:
            wrong.append(f"{method.upper()} {path}: documents {sorted(codes)}")
        if "requestBody" in op and "400" not in codes:
            wrong.append(f"{method.upper()} {path}: a body but no 400 (malformed JSON)")
        for code, response in op["responses"].items():
            if code.startswith(("4", "5")):
                schema = resolve(spec, response["content"]["application/json"]["schema"])
                envelope = resolve(spec, schema["properties"]["error"])
                if not {"code", "message"} <= set(envelope["required"]) or not {
                        "field", "details"} <= set(envelope["properties"]):
                    wrong.append(f"{method.upper()} {path}: {code} is not the error envelope")
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert not wrong, "\n".join(wrong)


def test_every_authenticated_route_declares_bearer_auth(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert {s["scheme"] for s in schemes.values()} == {"bearer"}
    for method, path, op in operations(spec):
        if (method, path) not in PUBLIC:
            assert op.get("security"), (method, path)


async def test_docs_are_served(http: httpx.AsyncClient) -> None:
    docs = await http.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")
    assert "swagger-ui" in docs.text and "/openapi.json" in docs.text
    redoc = await http.get("/redoc")
    assert redoc.status_code == 200 and "/openapi.json" in redoc.text


async def test_malformed_json_gets_the_documented_400(http: httpx.AsyncClient,
                                                      spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        if "requestBody" not in op:
            continue
        url = path.replace("{", "").replace("}", "")
        answer = await http.request(method, url, content=b'{"name": "unterminated',
                                    headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, (method, path, answer.text)
        assert answer.json()["error"]["code"] == "invalid_json"
