"""Every published request example runs against the demo as it is: a hub over loopback HTTP
with the demo organisation connected and the demo's example records seeded answers 2xx to
each query, action, CRM and automation example, so "Try it out" in /docs works there."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerlink import examples as ex
from ledgerlink.api.app import create_app
from ledgerlink.auth import service as auth_service
from ledgerlink.auth.scopes import Scope
from ledgerlink.automations.examples import seed_example_partner_function
from ledgerlink.crm.examples import seed_example_records
from ledgerlink.db.base import Base
from ledgerlink.emulator.core.server import RunningEmulator, running
from tests.quality.support import (
    LiveHub,
    connect_demo,
    emulator_config,
    hub_settings,
    unlimited_budget,
)

pytestmark = pytest.mark.timeout(300)  # a guard against a hang; the work is fixed
INTEGRATION = "/api/v1/integrations/{integration_id}"
PARAMS_OF_ACTION = {"CreateContactParams": ["xero_create_contact"],
                    "CreateInvoiceParams": ["xero_create_invoice",
                                            "xero_create_contact_and_invoice"],
                    "UpdateInvoiceParams": ["xero_update_invoice"],
                    "RepeatingInvoiceParams": ["xero_create_repeating_invoice"]}
# The record routes whose request examples must run: the CRM and the automations.
RECORD_ROUTES = re.compile(r"/api/v1/(customers|crm-contacts|products|deals|"
                           r"email-configurations)|/api/v3/integration/\{integration_uuid\}/"
                           r"(partner-function|automation)")
CREATED_AS = {"/api/v1/email-configurations": "config_id",
              "/api/v3/integration/{integration_uuid}/automation": "automation_uuid"}


class Demo:
    """The demo hub on loopback: its URL, API key, integration and published document."""

    def __init__(self, live: LiveHub, integration_id: str, key: str) -> None:
        self.live = live
        self.integration_id = integration_id
        self.spec: dict[str, Any] = create_app(hub=live.hub).openapi()
        self.http = httpx.Client(base_url=live.serve(), timeout=60,
                                 headers={"Authorization": f"Bearer {key}"})

    def body_examples(self, path: str, method: str = "post") -> list[Any]:
        """The request body's examples: named media examples, and the schema's own."""
        media = self.spec["paths"][path][method]["requestBody"]["content"]["application/json"]
        found = [e["value"] for e in media.get("examples", {}).values()]
        found += [media["example"]] if "example" in media else []
        schema_examples: list[Any] = self.schema(media["schema"]).get("examples", [])
        return found + schema_examples

    def schema(self, node: dict[str, Any]) -> dict[str, Any]:
        """A schema, its $ref followed."""
        ref = node.get("$ref")
        if isinstance(ref, str):
            found: dict[str, Any] = self.spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
            return found
        return node


@pytest.fixture
def demo_emulator() -> Iterator[RunningEmulator]:
    """A demo organisation of its own, as `make demo` seeds it: the examples write to it
    (approve its draft invoice, add contact people), so no other test may have before."""
    with running(emulator_config()) as handle:
        yield handle


async def _prepare(live: LiveHub, emulator: RunningEmulator) -> tuple[str, str]:
    import ledgerlink.db.models  # noqa: F401  (registers every table)

    async with live.hub.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    unlimited_budget(live.hub)
    integration_id = await connect_demo(live.hub, emulator)
    async with live.hub.db.session() as session:  # what the demo does after connecting
        await seed_example_records(session)
        await seed_example_partner_function(session, integration_id)
        key = await auth_service.create_key(session, "examples", set(Scope), live.hub.pepper)
    return integration_id, key.secret


@pytest.fixture
def demo(tmp_path: Path, demo_emulator: RunningEmulator) -> Iterator[Demo]:
    """The demo hub: a fresh SQLite database, the organisation connected, records seeded."""
    live = LiveHub(hub_settings(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}", tmp_path,
                                demo_emulator))
    try:
        integration_id, key = live.run(_prepare(live, demo_emulator))
        served = Demo(live, integration_id, key)
        try:
            yield served
        finally:
            served.http.close()
    finally:
        live.close()


def test_the_xero_ids_are_the_demo_records_the_examples_need(
        demo_emulator: RunningEmulator) -> None:
    org = demo_emulator.emulator.default_org
    assert org is not None and org.tenant_id == ex.TENANT_ID
    contact = org.contacts[ex.XERO_CONTACT_ID]
    assert (contact["Name"], contact["IsCustomer"]) == ("Aroha Interiors", True)
    invoice = org.invoices[ex.XERO_INVOICE_ID]
    assert (invoice["Type"], invoice["Status"], invoice["Contact"]["ContactID"]) == (
        "ACCREC", "AUTHORISED", ex.XERO_CONTACT_ID)
    draft = org.invoices[ex.XERO_DRAFT_INVOICE_ID]
    assert (draft["Type"], draft["Status"]) == ("ACCREC", "DRAFT")
    bills = [i for i in org.invoices.values() if i["Contact"]["ContactID"] == ex.XERO_SUPPLIER_ID
             and i["Type"] == "ACCPAY" and i["Status"] == "AUTHORISED" and i["AmountDue"] > 0]
    assert org.contacts[ex.XERO_SUPPLIER_ID]["IsSupplier"] and bills


def test_every_query_example_answers_with_data(demo: Demo) -> None:
    path = f"{INTEGRATION}/query"
    examples = demo.body_examples(path)
    assert len(examples) >= 12  # one per query type
    failed = []
    for body in examples:
        answer = demo.http.post(path.format(integration_id=demo.integration_id), json=body)
        if answer.status_code != 200 or not answer.json()["data"]:
            failed.append(f"{body} → {answer.status_code} {answer.text[:300]}")
    assert not failed, "\n".join(failed)


def _action_examples(demo: Demo) -> list[dict[str, Any]]:
    """The route's examples, then each parameters schema's examples in every action using it."""
    found: list[dict[str, Any]] = demo.body_examples(f"{INTEGRATION}/action")
    for name, action_types in PARAMS_OF_ACTION.items():
        for params in demo.spec["components"]["schemas"][name]["examples"]:
            found += [{"action_type": t, "params": params} for t in action_types]
    return found


def test_every_action_example_runs_on_the_demo_and_sends_its_email(demo: Demo) -> None:
    examples = _action_examples(demo)
    assert len(examples) >= 20
    failed = []
    for index, body in enumerate(examples):
        answer = demo.http.post(f"/api/v1/integrations/{demo.integration_id}/action",
                                json=body, headers={"Idempotency-Key": f"example-{index}"})
        data: dict[str, Any] = answer.json().get("data") or {}
        email = data.get("email") or {"mode": "none"}
        wanted = body.get("params", {}).get("email_mode", "none")
        if not 200 <= answer.status_code < 300 or data.get("email_error") is not None \
                or email["mode"] != wanted or (wanted != "none" and not email["sent"]):
            failed.append(f"{body} → {answer.status_code} {answer.text[:400]}")
    assert not failed, "\n".join(failed)


def test_every_crm_and_automation_example_finds_the_records_it_names(demo: Demo) -> None:
    ids = {"integration_uuid": demo.integration_id, "customer_id": ex.CUSTOMER_ID,
           "contact_id": ex.CRM_CONTACT_ID, "product_id": ex.PRODUCT_ID,
           "deal_id": ex.DEAL_ID, "deal_product_id": ex.DEAL_PRODUCT_ID,
           "partner_function_uuid": ex.PARTNER_FUNCTION_ID}
    failed, ran = [], 0
    for method in ("post", "patch", "put"):  # creates first: updates may need what they made
        for path, item in demo.spec["paths"].items():
            if not RECORD_ROUTES.match(path) or "requestBody" not in item.get(method, {}):
                continue
            for body in demo.body_examples(path, method):
                ran += 1
                answer = demo.http.request(method, path.format(**ids), json=body)
                if not 200 <= answer.status_code < 300:
                    failed.append(f"{method} {path} {body} → {answer.status_code} "
                                  f"{answer.text[:400]}")
                elif path in CREATED_AS:
                    created = answer.json()
                    record = created.get("integration_automation", created)
                    ids[CREATED_AS[path]] = record.get("uuid") or record["id"]
    assert ran >= 20, ran
    assert not failed, "\n".join(failed)
