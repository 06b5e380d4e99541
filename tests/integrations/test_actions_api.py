"""The action route: validation, status and scope errors, and the Idempotency-Key contract."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from ledgerlink.auth.scopes import Scope
from ledgerlink.db.base import utcnow
from ledgerlink.db.models.auth import ApiKey
from ledgerlink.db.models.integrations import ActionRun, Integration
from ledgerlink.http.idempotency import idempotency_key
from ledgerlink.http.retry import RetryPolicy
from ledgerlink.hub import Hub
from ledgerlink.integrations import actions
from ledgerlink.integrations.actions_schemas import parse_action
from ledgerlink.integrations.xero_access import provider_for
from tests.hub_fixtures import KeyMaker, bearer
from tests.integrations.conftest import Actions, Crm, Xero

CONTACT: dict[str, Any] = {"name": "Pūriri Plumbing", "email": "office@puriri.example"}
DEAL = "00000000-0000-4000-8000-00000000beef"  # a well-formed id no record has


async def test_unknown_action_type_and_bad_params(act: Actions, api: httpx.AsyncClient,
                                                  xero: Xero, integration_id: str) -> None:
    calls = await xero.calls()
    unknown = await act("slack_send_message", channel="x")
    assert unknown.status_code == 422
    error = unknown.json()["error"]
    assert error["code"] == "invalid_input"  # the published schema lists the action types
    for name in ("xero_create_contact", "xero_create_contact_and_invoice",
                 "xero_create_invoice", "xero_create_repeating_invoice", "xero_update_invoice"):
        assert name in error["message"]
    extra = await act("xero_create_contact", name="X", colour="blue")
    assert extra.status_code == 422 and extra.json()["error"]["field"] == "params.colour"
    mode = await act("xero_create_invoice", deal_id=DEAL, email_mode="fax")
    assert mode.status_code == 422 and mode.json()["error"]["field"] == "params.email_mode"
    assert "trustpager" in mode.json()["error"]["message"]
    not_uuid = await act("xero_create_invoice", deal_id="d")
    assert not_uuid.status_code == 422
    assert not_uuid.json()["error"]["field"] == "params.deal_id"
    assert not_uuid.json()["error"]["code"] == "invalid_input"
    both = await act("xero_create_contact", name="X", customer_id=DEAL)
    assert both.status_code == 422
    assert (both.json()["error"]["code"], both.json()["error"]["field"]) == \
        ("conflicting_input", "params.customer_id")
    no_type = await api.post(f"/api/v1/integrations/{integration_id}/action", json={})
    assert no_type.status_code == 422 and "action_type" in no_type.json()["error"]["message"]
    no_id = await act("xero_update_invoice")
    assert no_id.status_code == 422 and no_id.json()["error"]["field"] == "params.invoice_id"
    no_params = await api.post(f"/api/v1/integrations/{integration_id}/action",
                               json={"action_type": "xero_update_invoice"})
    assert no_params.status_code == 422 and no_params.json()["error"]["field"] == "params"
    assert await xero.calls() == calls


async def test_unknown_records_are_unknown_references(act: Actions, records: Crm) -> None:
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("xero_create_contact", {"customer_id": DEAL}, "params.customer_id"),
        ("xero_create_contact", {"crm_contact_id": DEAL}, "params.crm_contact_id"),
        ("xero_create_invoice", {"deal_id": DEAL}, "params.deal_id"),
        ("xero_update_invoice", {"invoice_id": DEAL, "reference": "x"}, "params.invoice_id")]
    for action_type, params, field in cases:
        answer = await act(action_type, **params)
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert (error["code"], error["field"]) == ("unknown_reference", field), error
    data = await act("xero_create_invoice", data={"deal": {"id": "not-a-deal"}})
    assert data.status_code == 422
    assert (data.json()["error"]["code"], data.json()["error"]["field"]) == \
        ("unknown_reference", "data.deal.id")


@pytest.mark.parametrize("key", ["", "k" * 256])
async def test_the_idempotency_key_is_checked_by_its_schema(act: Actions, xero: Xero,
                                                           key: str) -> None:
    answer = await act.api.post(f"/api/v1/integrations/{act.integration_id}/action",
                                json={"action_type": "xero_create_contact", "params": CONTACT},
                                headers={"Idempotency-Key": key})
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_input", "Idempotency-Key")
    assert "createContacts" not in await xero.calls()


async def test_the_same_request_spelled_differently_replays(act: Actions, xero: Xero) -> None:
    first = await act("xero_create_contact", key="same-1", **CONTACT)
    assert first.status_code == 200, first.text
    # Surrounding spaces are stripped and key order is not meaning: the same request.
    again = await act.api.post(
        f"/api/v1/integrations/{act.integration_id}/action", headers={"Idempotency-Key":
                                                                      "same-1"},
        json={"params": {"email": CONTACT["email"], "name": f"  {CONTACT['name']} "},
              "action_type": "xero_create_contact"})
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


async def test_404_409_and_scope(act: Actions, api: httpx.AsyncClient, hub: Hub,
                                 integration_id: str, make_key: KeyMaker) -> None:
    missing = await api.post("/api/v1/integrations/00000000-0000-0000-0000-000000000000/action",
                             json={"action_type": "xero_create_contact", "params": CONTACT})
    assert missing.status_code == 404
    reader = await make_key(Scope.INTEGRATIONS_READ)
    forbidden = await api.post(f"/api/v1/integrations/{integration_id}/action",
                               json={"action_type": "xero_create_contact", "params": CONTACT},
                               headers=bearer(reader))
    assert forbidden.status_code == 403
    assert "integrations:write" in forbidden.json()["error"]["message"]
    async with hub.db.session() as session:
        await session.execute(update(Integration).where(Integration.id == integration_id)
                              .values(status="needs_reauth"))
    refused = await act("xero_create_contact", **CONTACT)
    assert refused.status_code == 409
    assert "needs_reauth" in refused.json()["error"]["message"]


async def test_same_key_replays_without_a_second_write(act: Actions, xero: Xero) -> None:
    first = await act("xero_create_contact", key="order-1001", **CONTACT)
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    calls = await xero.calls()
    contacts = len(xero.org.contacts)
    again = await act("xero_create_contact", key="order-1001", **CONTACT)
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await xero.calls() == calls  # nothing at all reached Xero
    assert len(xero.org.contacts) == contacts
    clash = await act("xero_create_contact", key="order-1001", name="Someone Else")
    assert clash.status_code == 409
    assert "order-1001" in clash.json()["error"]["message"]
    assert clash.json()["error"]["field"] == "Idempotency-Key"
    fresh = await act("xero_create_contact", key="order-1002", name="Someone Else")
    assert fresh.status_code == 200 and fresh.json()["data"]["contact_created"] is True


async def test_concurrent_twins_write_once(act: Actions, xero: Xero, records: Crm) -> None:
    product = await records.product("Consultation", "180.00", account_code="200",
                                    tax_type="OUTPUT2")
    deal_id, _ = await records.deal("Design", [(product, "1")],
                                    customer_id=await records.customer("Rimu Row Studio"))
    answers = await asyncio.gather(*(act("xero_create_invoice", key="deal-7", deal_id=deal_id)
                                     for _ in range(3)))
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    assert len({a.text for a in answers}) == 1
    assert sorted(a.headers.get("Idempotent-Replayed", "no") for a in answers) == \
        ["no", "true", "true"]
    calls = await xero.calls()
    assert calls["createInvoices"] == 1 and calls["createContacts"] == 1


async def test_refusal_is_replayed_too(act: Actions, xero: Xero) -> None:
    params: dict[str, Any] = {
        "contact_id": "00000000-0000-0000-0000-00000000c0de", "schedule_period": 1,
        "schedule_unit": "MONTHLY", "account_code": "200", "tax_type": "OUTPUT2",
        "product_ids": ["00000000-0000-0000-0000-0000000000aa"]}
    first = await act("xero_create_repeating_invoice", key="rep-1", **params)
    assert first.status_code == 422
    calls = await xero.calls()
    again = await act("xero_create_repeating_invoice", key="rep-1", **params)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert await xero.calls() == calls


async def test_without_a_key_the_run_id_keys_the_xero_write(act: Actions, hub: Hub,
                                                            xero: Xero) -> None:
    answer = (await act("xero_create_contact", **CONTACT)).json()
    async with hub.db.session() as session:
        run = (await session.execute(select(ActionRun))).scalar_one()
    assert run.id == answer["action_run_id"] and run.idempotency_key is None
    assert run.status == "succeeded" and run.result is not None
    expected = idempotency_key("xero", "create_contact", xero.info["tenant_id"],
                               f"action-run:{run.id}:contact")
    assert (xero.info["tenant_id"], expected) in xero.handle.emulator.idempotency._done


async def test_failed_run_rerun_with_its_key_never_duplicates(act: Actions, hub: Hub,
                                                              xero: Xero,
                                                              records: Crm) -> None:
    provider_for(hub).retry = RetryPolicy(attempts=2, wait_initial=0, wait_jitter=0)
    product = await records.product("Survey", "300.00", account_code="200",
                                    tax_type="OUTPUT2")
    customer = await records.customer("Matai Mews")
    deal_id, _ = await records.deal("Survey", [(product, "1")], customer_id=customer)
    # Xero saves the invoice, then every answer to it is lost on the way back.
    await xero.control.post("/_emulator/faults", json={"reset_after": 1.0,
                                                       "operations": ["createInvoices"]})
    lost = await act("xero_create_invoice", key="deal-9", deal_id=deal_id)
    assert lost.status_code >= 500
    assert len([i for i in xero.org.invoices.values()
                if i["Contact"]["Name"] == "Matai Mews"]) == 1
    await xero.control.delete("/_emulator/faults")
    again = await act("xero_create_invoice", key="deal-9", deal_id=deal_id)
    assert again.status_code == 200, again.text
    mine = [i for i in xero.org.invoices.values() if i["Contact"]["Name"] == "Matai Mews"]
    assert [i["InvoiceID"] for i in mine] == [again.json()["data"]["invoice_id"]]
    assert again.json()["data"]["contact_created"] is False  # linked by the failed run


async def test_live_run_is_waited_for_and_an_abandoned_one_taken_over(
        act: Actions, hub: Hub, integration_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    request = parse_action({"action_type": "xero_create_contact", "params": CONTACT})
    async with hub.db.session() as session:
        (key_id,) = (await session.execute(select(ApiKey.id))).scalars().all()
    run = ActionRun(integration_id=integration_id, idempotency_key="k-live",
                    caller_id=f"key:{key_id}", action_type=request.action_type,
                    request_hash=actions.request_hash(request), status="running")
    async with hub.db.session() as session:
        session.add(run)
    monkeypatch.setattr(actions, "WAIT_SECONDS", 0.2)
    busy = await act("xero_create_contact", key="k-live", **CONTACT)
    assert busy.status_code == 409 and "still running" in busy.json()["error"]["message"]
    assert busy.json()["error"]["code"] == "action_in_progress"
    # The owner touched it just now: retry when it would go stale, not in five minutes.
    assert 1 <= int(busy.headers["Retry-After"]) <= actions.STALE_AFTER.total_seconds() + 1
    async with hub.db.session() as session:
        await session.execute(update(ActionRun).where(ActionRun.id == run.id).values(
            updated_at=utcnow() - actions.STALE_AFTER + timedelta(seconds=5)))
    busy = await act("xero_create_contact", key="k-live", **CONTACT)
    assert busy.status_code == 409 and int(busy.headers["Retry-After"]) <= 6
    async with hub.db.session() as session:
        await session.execute(update(ActionRun).where(ActionRun.id == run.id).values(
            updated_at=utcnow() - actions.STALE_AFTER - timedelta(seconds=1)))
    taken = await act("xero_create_contact", key="k-live", **CONTACT)
    assert taken.status_code == 200, taken.text
    assert taken.json()["action_run_id"] == run.id
