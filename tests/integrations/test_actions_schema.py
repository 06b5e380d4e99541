"""The action route's published contract: a body tagged by action_type, a bounded header, and
examples that validate against their own schemas (no database, no emulator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from pydantic import SecretStr
from referencing import Registry, Resource

from ledgerlink.api.app import create_app
from ledgerlink.config import Settings
from ledgerlink.db.crypto import SecretBox
from ledgerlink.integrations.actions import ACTION_TYPES, request_hash
from ledgerlink.integrations.actions_schemas import parse_action, request_examples

ROUTE = "/api/v1/integrations/{integration_id}/action"


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The hub's OpenAPI document."""
    tmp: Path = tmp_path_factory.mktemp("openapi")
    app = create_app(Settings(data_dir=tmp, secret_keys=SecretStr(SecretBox.generate_key())))
    document: dict[str, Any] = app.openapi()
    return document


def _checker(spec: dict[str, Any]) -> Any:
    """Validate an instance against a schema whose $refs point into the document."""
    registry: Registry[Any] = Registry().with_resource("urn:openapi", Resource.opaque(spec))

    def check(schema: dict[str, Any], instance: Any) -> list[str]:
        rebased = _rebase(schema)
        validator = Draft202012Validator(rebased, registry=registry,
                                         format_checker=Draft202012Validator.FORMAT_CHECKER)
        return [e.message for e in validator.iter_errors(instance)]

    return check


def _rebase(node: Any) -> Any:
    """#/components/... refs as refs into the registered document."""
    if isinstance(node, dict):
        return {k: ("urn:openapi" + v if k == "$ref" and isinstance(v, str) else _rebase(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def test_the_body_is_a_union_tagged_by_action_type(spec: dict[str, Any]) -> None:
    operation = spec["paths"][ROUTE]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    mapping = body["discriminator"]["mapping"]
    assert body["discriminator"]["propertyName"] == "action_type"
    assert set(mapping) == set(ACTION_TYPES["xero"])
    assert len(body["oneOf"]) == len(mapping)
    for tag, ref in mapping.items():
        branch = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert branch["properties"]["action_type"]["const"] == tag
        assert branch["additionalProperties"] is False
    header = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
    assert header["required"] is False
    assert header["schema"]["type"] == "string"  # not nullable
    assert (header["schema"]["minLength"], header["schema"]["maxLength"]) == (1, 255)
    assert {"429", "502", "504"} <= set(operation["responses"])


def test_every_example_validates_against_its_own_schema(spec: dict[str, Any]) -> None:
    check = _checker(spec)
    schemas = spec["components"]["schemas"]
    mine = {"CreateContactParams", "CreateInvoiceParams", "UpdateInvoiceParams",
            "RepeatingInvoiceParams", "ActionResult", "InvoiceResult", "EmailOutcome",
            "ContactResult", "RepeatingInvoiceResult"}
    mine |= {name for name in schemas if name.startswith("Xero") and name.endswith("Action")}
    seen = 0
    for name in sorted(mine):
        schema = schemas[name]
        for example in schema.get("examples", []):
            assert check(schema, example) == [], (name, example)
            seen += 1
    body = spec["paths"][ROUTE]["post"]["requestBody"]["content"]["application/json"]
    for example in body["schema"]["examples"]:
        assert check(body["schema"], example) == [], example
        parse_action(example)  # and the server takes it as the schema does
        seen += 1
    assert seen >= 20


def test_the_request_hash_is_the_request_as_sent() -> None:
    deal = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
    base: dict[str, Any] = {"action_type": "xero_create_invoice",
                            "params": {"deal_id": deal.upper(), "email_mode": "xero"}}
    same: dict[str, Any] = {"params": {"email_mode": "xero", "deal_id": deal},
                            "action_type": "xero_create_invoice"}
    digest = request_hash(parse_action(base))
    assert request_hash(parse_action(same)) == digest
    # A default spelled out is what was sent: another request, as far as the key goes.
    spelled = {**base, "params": {**base["params"], "email_attach_pdf": True}}
    assert request_hash(parse_action(spelled)) != digest
    alias = {**base, "action_type": "xero_create_contact_and_invoice"}
    assert request_hash(parse_action(alias)) != digest
    assert len(request_examples()) >= len(ACTION_TYPES["xero"])
