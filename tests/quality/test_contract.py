"""The published contract: a valid OpenAPI document, examples that fit their own schemas, and a
client generated from /openapi.json (openapi-python-client, zero warnings) that works."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate

from ledgerlink.api.app import create_app
from ledgerlink.config import Settings
from ledgerlink.emulator.core.server import RunningEmulator
from tests.quality.support import LiveHub, hub_settings

PACKAGE = "ledgerlink_client"
pytestmark = pytest.mark.timeout(300)  # a guard against a hang; the work is fixed


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The hub's OpenAPI document (no database is touched to make it)."""
    from pydantic import SecretStr

    from ledgerlink.db.crypto import SecretBox

    data_dir = tmp_path_factory.mktemp("spec")
    app = create_app(Settings(data_dir=data_dir,
                              secret_keys=SecretStr(SecretBox.generate_key())))
    document: dict[str, Any] = app.openapi()
    return document


def test_the_document_passes_openapi_spec_validator(spec: dict[str, Any]) -> None:
    validate(spec)


def _examples(node: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    """(JSON pointer of a schema, one example) for every example under `node`."""
    if isinstance(node, dict):
        for example in node.get("examples", []) if isinstance(node.get("examples"),
                                                              list) else []:
            yield pointer, example
        for key, value in node.items():
            if key not in ("examples", "example", "const", "default", "enum"):
                yield from _examples(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _examples(value, f"{pointer}/{index}")


def _media_examples(spec: dict[str, Any]) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(where, example, schema) of examples given on request bodies and parameters."""
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for media in op.get("requestBody", {}).get("content", {}).values():
                for name, example in media.get("examples", {}).items():
                    yield f"{method} {path} body {name}", example["value"], media["schema"]
                if "example" in media:
                    yield f"{method} {path} body", media["example"], media["schema"]
            for status, response in op.get("responses", {}).items():
                for media in response.get("content", {}).values():
                    if "example" in media:
                        yield f"{method} {path} {status}", media["example"], media["schema"]
            for parameter in op.get("parameters", []):
                for value in parameter.get("schema", {}).get("examples", []):
                    yield f"{method} {path} {parameter['name']}", value, parameter["schema"]


def test_every_published_example_fits_its_own_schema(spec: dict[str, Any]) -> None:
    root = {"components": spec["components"]}
    checker = FormatChecker()
    wrong: list[str] = []
    seen = 0
    for pointer, example in _examples(spec["components"]["schemas"], "#/components/schemas"):
        seen += 1
        validator = Draft202012Validator({**root, "$ref": pointer}, format_checker=checker)
        wrong += [f"{pointer}: {e.message} (at {list(e.absolute_path)})"
                  for e in validator.iter_errors(example)]
    for where, example, schema in _media_examples(spec):
        seen += 1
        validator = Draft202012Validator({**root, **schema}, format_checker=checker)
        wrong += [f"{where}: {e.message}" for e in validator.iter_errors(example)]
    assert seen >= 60, seen  # the walk found the examples
    assert not wrong, "\n".join(wrong)


# ---- a generated client ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def generated(spec: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """openapi-python-client's package for /openapi.json, imported; its output is checked."""
    out = tmp_path_factory.mktemp("client")
    (out / "openapi.json").write_text(json.dumps(spec))
    (out / "config.json").write_text(json.dumps({"post_hooks": [],
                                                 "package_name_override": PACKAGE}))
    tool = Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run([str(tool), "generate", "--path", "openapi.json", "--meta", "none",
                          "--config", "config.json", "--output-path", "gen"], cwd=out,
                         capture_output=True, text=True, timeout=240, check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Warning" not in output and "Unable" not in output, output
    sys.path.insert(0, str(out))
    try:
        package = importlib.import_module("gen")
        yield package
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n == "gen" or n.startswith("gen.")]:
            del sys.modules[name]


def test_the_generator_warns_about_nothing_and_every_module_imports(generated: Any) -> None:
    root = Path(generated.__file__).parent
    modules = sorted(p for p in root.rglob("*.py") if p.name != "__init__.py")
    assert len(modules) >= 100, len(modules)  # models and operations, nothing dropped
    for path in modules:
        name = ".".join(("gen", *path.relative_to(root).with_suffix("").parts))
        importlib.import_module(name)


@pytest.fixture
def live(tmp_path: Path, emulator: RunningEmulator) -> Iterator[LiveHub]:
    """The demo hub over real HTTP: SQLite, the demo organisation connected, an API key."""
    served = LiveHub(hub_settings(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}", tmp_path,
                                  emulator))
    try:
        yield served
    finally:
        served.close()


def test_the_generated_client_lists_queries_and_acts_on_the_demo_hub(
        generated: Any, live: LiveHub, emulator: RunningEmulator) -> None:
    from tests.quality.test_schemathesis import _prepare

    integration_id, api_key = live.run(_prepare(live, emulator))
    client = importlib.import_module("gen.client").AuthenticatedClient(
        base_url=live.serve(), token=api_key, raise_on_unexpected_status=True)
    api = "gen.api"
    models = importlib.import_module("gen.models")

    listed = importlib.import_module(f"{api}.integrations.list_integrations").sync(client=client)
    assert isinstance(listed, models.IntegrationList), listed
    assert [i.id for i in listed.data] == [integration_id]
    assert listed.data[0].status == "active"

    query = models.XeroInvoicesQuery.from_dict(
        {"query_type": "xero_invoices", "params": {"statuses": ["AUTHORISED"],
                                                    "fromDate": "2020-01-01"}})
    answer = importlib.import_module(f"{api}.integrations.query_integration").sync(
        integration_id, client=client, body=query)
    assert isinstance(answer, models.QueryResult), answer
    assert answer.query_type == "xero_invoices" and len(answer.data) > 0

    def create(tag: str, operation: str, model: str, body: dict[str, Any]) -> Any:
        made = importlib.import_module(f"{api}.{tag}.{operation}").sync(
            client=client, body=getattr(models, model).from_dict(body))
        assert made.__class__.__name__.endswith("Out"), made
        return made

    customer = create("customers", "create_customer", "CustomerCreate",
                      {"name": "Kereru Kitchens Ltd", "email": "accounts@kereru.example"})
    product = create("products", "create_product", "ProductCreate",
                     {"name": "Kitchen refit", "code": "REFIT", "unit_price": "4200.00",
                      "account_code": "200", "tax_type": "OUTPUT2"})
    deal = create("deals", "create_deal", "DealCreate",
                  {"title": "Kitchen refit", "customer_id": str(customer.id)})
    line = importlib.import_module(f"{api}.deal_products.add_deal_product").sync(
        deal.id, client=client, body=models.DealProductCreate.from_dict(
            {"product_id": str(product.id), "quantity": "1"}))
    assert isinstance(line, models.DealProductOut), line
    action = models.XeroCreateInvoiceAction.from_dict(
        {"action_type": "xero_create_invoice",
         "params": {"deal_id": str(deal.id), "status": "AUTHORISED"}})
    run_action = importlib.import_module(f"{api}.integrations.run_action")
    first = run_action.sync(integration_id, client=client, body=action,
                            idempotency_key="contract-invoice-1")
    again = run_action.sync(integration_id, client=client, body=action,
                            idempotency_key="contract-invoice-1")
    assert isinstance(first, models.ActionResult), first
    assert first.action_run_id == again.action_run_id
    assert first.data.to_dict() == again.data.to_dict()
    assert first.data.status == "AUTHORISED" and first.data.invoice_id
