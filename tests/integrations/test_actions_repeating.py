"""xero_create_repeating_invoice: product lists, Usage-Based skipping, schedules, approval."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integrations.conftest import Actions, Crm, Xero

pytestmark = pytest.mark.usefixtures("xero")


async def _products(records: Crm) -> dict[str, str]:
    return {
        "support": await records.product("Monthly support", "250.00", category="Subscription"),
        "hosting": await records.product("Hosting", "40.00", description="Managed hosting"),
        "metered": await records.product("API calls", "0.10", category="Usage-Based"),
    }


def _base(xero: Xero, **extra: Any) -> dict[str, Any]:
    contact = xero.contacts_named("Fernhill School")[0]["ContactID"]
    return {"contact_id": contact, "schedule_period": 1, "schedule_unit": "MONTHLY",
            "account_code": "200", "tax_type": "OUTPUT2", **extra}


async def test_products_monthly_approved_by_default(act: Actions, xero: Xero,
                                                    records: Crm) -> None:
    ids = await _products(records)
    answer = await act("xero_create_repeating_invoice",
                       **_base(xero, product_ids=list(ids.values())))
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert data["approved_for_sending"] is True and data["mark_as_sent"] is False
    assert data["status"] == "AUTHORISED" and data["line_count"] == 2
    assert data["schedule"]["unit"] == "MONTHLY" and data["schedule"]["period"] == 1
    # 250.00 + 40.00, GST 15%; the Usage-Based product is left off
    assert (data["sub_total"], data["total_tax"], data["total"]) == ("290.00", "43.50", "333.50")
    assert [s["product_id"] for s in data["skipped_products"]] == [ids["metered"]]
    stored = xero.org.repeating_invoices[data["repeating_invoice_id"]]
    assert stored["ApprovedForSending"] is True
    assert [line["Description"] for line in stored["LineItems"]] == ["Monthly support",
                                                                     "Managed hosting"]
    assert {line["AccountCode"] for line in stored["LineItems"]} == {"200"}


async def test_yearly_is_twelve_months_and_approval_can_be_off(act: Actions, xero: Xero,
                                                              records: Crm) -> None:
    ids = await _products(records)
    data = (await act("xero_create_repeating_invoice", **_base(
        xero, schedule_unit="YEARLY", schedule_period=2, approve_for_sending=False,
        product_ids=[ids["support"]]))).json()["data"]
    assert data["schedule"]["unit"] == "MONTHLY" and data["schedule"]["period"] == 24
    assert data["approved_for_sending"] is False and data["mark_as_sent"] is True
    weekly = (await act("xero_create_repeating_invoice", **_base(
        xero, schedule_unit="WEEKLY", schedule_period=2, product_ids=[ids["hosting"]],
        due_days=7))).json()["data"]
    assert (weekly["schedule"]["unit"], weekly["schedule"]["period"]) == ("WEEKLY", 2)
    assert weekly["schedule"]["due_date"] == 7


async def test_deal_products_need_the_deal(act: Actions, xero: Xero, records: Crm) -> None:
    ids = await _products(records)
    deal_id, lines = await records.deal("Support plan", [(ids["support"], "2"),
                                                         (ids["metered"], "1000")])
    no_deal = await act("xero_create_repeating_invoice", **_base(xero, deal_product_ids=lines))
    assert no_deal.status_code == 422
    assert no_deal.json()["error"]["field"] == "params.deal_id"
    data = (await act("xero_create_repeating_invoice", data={"deal": {"id": deal_id}},
                      **_base(xero, deal_product_ids=lines))).json()["data"]
    assert data["sub_total"] == "500.00" and len(data["skipped_products"]) == 1
    _, other_lines = await records.deal("Other", [(ids["hosting"], "1")])
    wrong = await act("xero_create_repeating_invoice",
                      **_base(xero, deal_id=deal_id, deal_product_ids=other_lines))
    assert wrong.status_code == 422
    assert wrong.json()["error"]["field"] == "params.deal_product_ids"
    assert wrong.json()["error"]["code"] == "unknown_reference"


async def test_rules_refused_with_422(act: Actions, xero: Xero, records: Crm) -> None:
    ids = await _products(records)
    _, lines = await records.deal("Plan", [(ids["support"], "1")])
    both = await act("xero_create_repeating_invoice",
                     **_base(xero, product_ids=[ids["support"]], deal_product_ids=lines))
    assert both.status_code == 422
    error = both.json()["error"]
    assert error["field"] == "params.deal_product_ids" and "exactly one" in error["message"]
    assert error["code"] == "conflicting_input"
    neither = await act("xero_create_repeating_invoice", **_base(xero))
    assert neither.status_code == 422 and "exactly one" in neither.json()["error"]["message"]
    usage = await act("xero_create_repeating_invoice", **_base(xero,
                                                              product_ids=[ids["metered"]]))
    assert usage.status_code == 422
    assert usage.json()["error"]["field"] == "params.product_ids"
    assert "Usage-Based" in usage.json()["error"]["message"]
    assert usage.json()["error"]["code"] == "conflicting_input"
    for unit in ("DAILY", "yearly"):  # the published enum, as spelled there
        daily = await act("xero_create_repeating_invoice",
                          **_base(xero, schedule_unit=unit, product_ids=[ids["support"]]))
        assert daily.status_code == 422
        assert daily.json()["error"]["field"] == "params.schedule_unit"
        assert "YEARLY" in daily.json()["error"]["message"]
        assert daily.json()["error"]["code"] == "invalid_input"
    backwards = await act("xero_create_repeating_invoice", **_base(
        xero, product_ids=[ids["support"]], start_date="2027-02-01", end_date="2027-01-01"))
    assert backwards.status_code == 422
    assert (backwards.json()["error"]["code"], backwards.json()["error"]["field"]) == \
        ("conflicting_input", "params.end_date")
    missing = await act("xero_create_repeating_invoice",
                        contact_id=_base(xero)["contact_id"], product_ids=[ids["support"]])
    assert missing.status_code == 422
    fields = {p["field"] for p in missing.json()["error"]["details"]["problems"]}
    assert {"params.schedule_period", "params.schedule_unit", "params.account_code",
            "params.tax_type"} <= fields
    unknown = await act("xero_create_repeating_invoice", **_base(
        xero, contact_id="00000000-0000-0000-0000-00000000c0de", product_ids=[ids["support"]]))
    assert unknown.status_code == 422 and "could not be found" in unknown.json()["error"][
        "message"]
    assert not any(line["Description"] == "Monthly support"  # none of them was created
                   for r in xero.org.repeating_invoices.values() for line in r["LineItems"])
