"""The control plane over HTTP: info, tenants, apps, clock, call counts and reset."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ledgerlink.emulator.core.server import RunningEmulator
from tests.emulator.http.support import (
    api_client,
    connect,
    contact,
    invoice,
    ms_date,
    new_tenant,
    ok,
    sale,
)


def now_of(ctl: httpx.Client) -> datetime:
    """The emulator clock's current instant."""
    return datetime.fromisoformat(ok(ctl.get("/_emulator/clock"))["now"])


def test_info_names_the_seeded_app_and_organisation(emulator: RunningEmulator,
                                                    info: dict[str, Any]) -> None:
    assert info["base_url"] == emulator.base_url
    assert info["api_url"] == emulator.api_url
    assert info["token_url"] == emulator.token_url
    assert info["authorize_url"] == f"{emulator.base_url}/identity/connect/authorize"
    assert info["tenant_name"] == "My Organisation"  # the empty seed's name
    assert re.fullmatch(r"[0-9A-F]{32}", info["custom_client_id"])
    assert info["webhook_key"] and info["client_secret"] and info["custom_client_secret"]


def test_tenants_from_the_demo_and_empty_seeds(emulator: RunningEmulator, ctl: httpx.Client,
                                               info: dict[str, Any]) -> None:
    demo_id, demo_token = new_tenant(ctl, info["client_id"], seed="demo", name="Demo Two")
    empty_id, _ = new_tenant(ctl, info["client_id"], seed="empty", name="Blank Two")
    listed = {t["tenant_id"]: t for t in ok(ctl.get("/_emulator/tenants"))}
    assert {info["tenant_id"], demo_id, empty_id} <= set(listed)
    demo, empty = listed[demo_id], listed[empty_id]
    assert (demo["name"], demo["country"]) == ("Demo Two", "NZ")
    assert (demo["contacts"], demo["invoices"], demo["items"]) == (50, 250, 20)
    assert (empty["contacts"], empty["invoices"], empty["items"]) == (0, 0, 0)
    assert empty["accounts"] == demo["accounts"] > 0  # both have the chart of accounts
    with api_client(emulator, demo_token["access_token"], demo_id) as api:
        contacts = ok(api.get("/Contacts", params={"includeArchived": "true"}))["Contacts"]
        assert len(contacts) == 50
        assert sum(c["IsCustomer"] for c in contacts) == 35
        org = ok(api.get("/Organisation"))["Organisations"][0]
        assert (org["OrganisationID"], org["Name"]) == (demo_id, "Demo Two")
    assert ctl.post("/_emulator/tenants", json={"seed": "full"}).status_code == 400


def test_apps_register_update_and_connect(emulator: RunningEmulator, ctl: httpx.Client,
                                          info: dict[str, Any]) -> None:
    created = ok(ctl.post("/_emulator/apps", json={
        "name": "third party", "redirect_uris": ["http://127.0.0.1:9/cb"]}), 201)
    assert re.fullmatch(r"[0-9A-F]{32}", created["client_id"])
    assert created["webhook_url"] is None and created["webhook_status"] == "OK"
    assert len(created["webhook_key"]) == 88
    listed = {a["client_id"]: a for a in ok(ctl.get("/_emulator/apps"))}
    assert {info["client_id"], info["custom_client_id"], created["client_id"]} <= set(listed)
    changed = ok(ctl.post(f"/_emulator/apps/{created['client_id']}",
                          json={"webhook_url": "http://127.0.0.1:9/hook"}))
    assert changed["webhook_url"] == "http://127.0.0.1:9/hook"
    assert changed["webhook_status"] == "PENDING_ITR"  # a new URL needs intent-to-receive
    token = connect(ctl, created["client_id"], [info["tenant_id"]])
    with api_client(emulator, token["access_token"], info["tenant_id"]) as api:
        assert ok(api.get("/Organisation"))["ProviderName"] == "third party"
    assert ctl.post("/_emulator/apps/NOSUCHAPP", json={}).status_code == 404
    bad = ctl.post("/_emulator/apps", json={"custom_connection_tenant_id": "nope"})
    assert bad.status_code == 400
    unknown = ctl.post("/_emulator/connect", json={"client_id": "NOSUCHAPP"})
    assert unknown.status_code == 400


def test_clock_set_and_advance_drive_the_api(api: httpx.Client, ctl: httpx.Client) -> None:
    try:
        ok(ctl.post("/_emulator/clock", json={"set": "2025-01-02T03:04:05Z"}))
        assert now_of(ctl) - datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC) < timedelta(seconds=2)
        ok(ctl.post("/_emulator/clock", json={"advance_seconds": 3600}))
        assert now_of(ctl).hour == 4
        ok(ctl.post("/_emulator/clock", json={"advance_days": 1}))
        assert now_of(ctl).date().isoformat() == "2025-01-03"
        cid = contact(api, "Clocked Ltd")
        inv = invoice(api, cid, [sale(1)], status="DRAFT")  # no Date: the emulator's today
        assert inv["Date"] == ms_date(datetime(2025, 1, 3, tzinfo=UTC).date())
        stamp = re.fullmatch(r"/Date\((\d+)\)/", ok(api.get("/Organisation"))["DateTimeUTC"])
        assert stamp is not None
        when = datetime.fromtimestamp(int(stamp.group(1)) / 1000, UTC)
        assert when.date().isoformat() == "2025-01-03"
    finally:
        ok(ctl.post("/_emulator/clock", json={"reset": True}))
    assert abs(now_of(ctl) - datetime.now(UTC)) < timedelta(seconds=5)


def test_clock_refuses_what_is_not_a_time(ctl: httpx.Client) -> None:
    before = now_of(ctl)
    for bad in ({"set": "someday"}, {"advance_seconds": "soon"}, {"advance_days": None}):
        assert ctl.post("/_emulator/clock", json=bad).status_code == 400, bad
    assert abs(now_of(ctl) - before) < timedelta(seconds=5)  # nothing moved


def test_calls_are_counted_per_tenant_and_operation(emulator: RunningEmulator,
                                                    api: httpx.Client, ctl: httpx.Client,
                                                    info: dict[str, Any]) -> None:
    other_id, other_token = new_tenant(ctl, info["client_id"], name="Counted Ltd")
    ok(ctl.delete("/_emulator/calls"))
    for _ in range(3):
        ok(api.get("/Contacts"))
    ok(api.put("/Contacts", json={"Contacts": [{"Name": "Counted Contact"}]}))
    assert api.get("/Contacts/NOPE-NOT-THERE").status_code == 404  # counted: it ran
    with api_client(emulator, other_token["access_token"], other_id) as other:
        ok(other.get("/Organisation"))
        ok(other.get("/organisations"))
    ctl.get("/_emulator/info")  # the control plane is not counted
    counts = ok(ctl.get("/_emulator/calls"))
    assert counts == {"total": 7, "by_tenant": {
        info["tenant_id"]: {"createContacts": 1, "getContact": 1, "getContacts": 3},
        other_id: {"getOrganisations": 2}}, "identity": {"total": 0, "by_client": {}}}
    assert ok(ctl.delete("/_emulator/calls")) == {
        "total": 0, "by_tenant": {}, "identity": {"total": 0, "by_client": {}}}


def test_reset_returns_to_the_seeded_start(emulator: RunningEmulator, ctl: httpx.Client,
                                           info: dict[str, Any], api: httpx.Client) -> None:
    contact(api, "Forgotten Ltd")
    ok(ctl.post("/_emulator/faults", json={"error_5xx": 0.5}))
    again = ok(ctl.post("/_emulator/reset", json={}))
    # Ids come from a seeded generator, so the same seed gives the same app and organisation.
    assert again == info
    assert [t["tenant_id"] for t in ok(ctl.get("/_emulator/tenants"))] == [info["tenant_id"]]
    assert ok(ctl.get("/_emulator/faults"))["settings"]["error_5xx"] == 0.0
    assert api.get("/Contacts").status_code == 401  # tokens from before the reset are dead
    token = connect(ctl, info["client_id"], [info["tenant_id"]])
    with api_client(emulator, token["access_token"], info["tenant_id"]) as fresh:
        assert ok(fresh.get("/Contacts"))["Contacts"] == []
    demo = ok(ctl.post("/_emulator/reset", json={"seed": "demo"}))
    assert demo["tenant_name"] == "Harbourside Joinery Ltd"
    assert ctl.post("/_emulator/reset", json={"seed": "bogus"}).status_code == 400
