"""Personal access tokens over HTTP: issued by /_emulator/pat, one organisation, revocable."""

from __future__ import annotations

from typing import Any

import httpx

from ledgerlink.emulator.core.server import RunningEmulator
from tests.emulator.http.support import api_client, new_tenant, ok


def issue(ctl: httpx.Client, tenant_id: str, **extra: Any) -> dict[str, Any]:
    """A new token for one organisation (the answer is the only place it is shown)."""
    answer: dict[str, Any] = ok(ctl.post("/_emulator/pat", json={"tenant_id": tenant_id,
                                                                  **extra}), 201)
    return answer


def test_a_pat_reads_its_own_organisation_only(emulator: RunningEmulator, ctl: httpx.Client,
                                                info: dict[str, Any]) -> None:
    other, _ = new_tenant(ctl, info["client_id"], name="Other PAT Org")
    pat = issue(ctl, info["tenant_id"], name="CRM sync")
    assert pat["token"].startswith("xpat_") and pat["tenant_id"] == info["tenant_id"]
    assert pat["name"] == "CRM sync" and "accounting.contacts" in pat["scopes"]

    with api_client(emulator, pat["token"], info["tenant_id"]) as api:
        org = ok(api.get("/Organisation"))["Organisations"][0]
        assert org["OrganisationID"] == info["tenant_id"]
        assert ok(api.get("/Contacts"))["Contacts"] is not None
    with api_client(emulator, pat["token"], other) as api:
        assert api.get("/Organisation").status_code == 403  # another organisation: refused
    # A PAT has no consent behind it: /connections lists nothing for it.
    assert ok(ctl.get("/connections", headers={"Authorization": f"Bearer {pat['token']}"})) == []


def test_revoking_or_expiry_answers_401_and_listings_hide_the_secret(
        emulator: RunningEmulator, ctl: httpx.Client, info: dict[str, Any]) -> None:
    keep = issue(ctl, info["tenant_id"])
    gone = issue(ctl, info["tenant_id"])
    short = issue(ctl, info["tenant_id"], expires_in_days=1)
    listed = ok(ctl.get("/_emulator/pat"))
    assert {gone["id"], keep["id"], short["id"]} <= {p["id"] for p in listed}
    assert all("token" not in p for p in listed)

    assert ok(ctl.delete(f"/_emulator/pat/{gone['id']}")) == {"id": gone["id"], "revoked": True}
    assert ctl.delete(f"/_emulator/pat/{gone['id']}").status_code == 404
    with api_client(emulator, gone["token"], info["tenant_id"]) as api:
        refused = api.get("/Organisation")
        assert refused.status_code == 401 and refused.json()["Detail"] == "TokenInvalid"

    ok(ctl.post("/_emulator/clock", json={"advance_days": 2}))
    try:
        with api_client(emulator, short["token"], info["tenant_id"]) as api:
            expired = api.get("/Organisation")
            assert expired.status_code == 401
            assert expired.json()["Detail"].startswith("TokenExpired")
        with api_client(emulator, keep["token"], info["tenant_id"]) as api:
            assert api.get("/Organisation").status_code == 200
    finally:
        ok(ctl.post("/_emulator/clock", json={"reset": True}))


def test_bad_requests_are_refused(ctl: httpx.Client, info: dict[str, Any]) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    for body in ({}, {"tenant_id": unknown}, {"tenant_id": info["tenant_id"], "scopes": []},
                 {"tenant_id": info["tenant_id"], "scopes": "accounting.contacts"},
                 {"tenant_id": info["tenant_id"], "name": ""},
                 {"tenant_id": info["tenant_id"], "expires_in_days": 400},
                 {"tenant_id": info["tenant_id"], "expires_in_days": "soon"}):
        assert ctl.post("/_emulator/pat", json=body).status_code == 400, body
