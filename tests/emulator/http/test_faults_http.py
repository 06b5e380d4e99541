"""Injected faults over HTTP: resets, outages, timeouts and invalid_grant, as a client sees them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ledgerlink.emulator.core.server import RunningEmulator
from tests.emulator.http.support import api_client, connect, contact, ok, sale


@pytest.fixture(autouse=True)
def no_faults_afterwards(ctl: httpx.Client) -> Iterator[None]:
    """Every test leaves the injector clean, whatever happened."""
    yield
    ctl.delete("/_emulator/faults")


def faults(ctl: httpx.Client, **settings: Any) -> dict[str, Any]:
    """Configure the injector through the control plane."""
    data: dict[str, Any] = ok(ctl.post("/_emulator/faults", json=settings))
    return data


def create_body(cid: str, reference: str) -> dict[str, Any]:
    """A PUT /Invoices body tagged with a Reference."""
    return {"Invoices": [{"Type": "ACCREC", "Contact": {"ContactID": cid},
                          "Reference": reference, "LineItems": [sale(10)]}]}


def tagged(api: httpx.Client, reference: str) -> list[dict[str, Any]]:
    """The invoices carrying a Reference."""
    found: list[dict[str, Any]] = ok(api.get("/Invoices", params={"searchTerm": reference}))[
        "Invoices"]
    return found


def test_reset_after_the_write_then_a_keyed_retry_replays(api: httpx.Client,
                                                          ctl: httpx.Client) -> None:
    cid = contact(api, "Reset After Ltd")
    key = uuid.uuid4().hex
    payload = create_body(cid, "FAULT-RESET-AFTER")
    faults(ctl, reset_after=1.0, operations=["createInvoices"])
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.put("/Invoices", json=payload, headers={"Idempotency-Key": key})
    ctl.delete("/_emulator/faults")
    stored = tagged(api, "FAULT-RESET-AFTER")
    assert len(stored) == 1  # the write committed before the connection dropped
    retry = ok(api.put("/Invoices", json=payload, headers={"Idempotency-Key": key}))
    assert retry["Invoices"][0]["InvoiceID"] == stored[0]["InvoiceID"]
    again = api.put("/Invoices", json=payload, headers={"Idempotency-Key": key})
    assert again.content == api.put("/Invoices", json=payload,
                                    headers={"Idempotency-Key": key}).content
    assert len(tagged(api, "FAULT-RESET-AFTER")) == 1


def test_reset_before_the_write_leaves_nothing(api: httpx.Client, ctl: httpx.Client) -> None:
    cid = contact(api, "Reset Before Ltd")
    key = uuid.uuid4().hex
    payload = create_body(cid, "FAULT-RESET-BEFORE")
    faults(ctl, reset_before=1.0, operations=["createInvoices"])
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.put("/Invoices", json=payload, headers={"Idempotency-Key": key})
    ctl.delete("/_emulator/faults")
    assert tagged(api, "FAULT-RESET-BEFORE") == []
    ok(api.put("/Invoices", json=payload, headers={"Idempotency-Key": key}))
    assert len(tagged(api, "FAULT-RESET-BEFORE")) == 1


def test_outage_is_a_plain_503_and_writes_nothing(api: httpx.Client, ctl: httpx.Client) -> None:
    cid = contact(api, "Outage Ltd")
    key = uuid.uuid4().hex
    payload = create_body(cid, "FAULT-503")
    faults(ctl, error_5xx=1.0)
    response = api.put("/Invoices", json=payload, headers={"Idempotency-Key": key})
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/plain")
    assert api.get("/Invoices").status_code == 503  # reads are down too
    injected = ok(ctl.get("/_emulator/faults"))["injected"]
    assert injected["error_5xx"] == 2
    ctl.delete("/_emulator/faults")
    assert tagged(api, "FAULT-503") == []
    # The key was not bound to the outage: the retry runs and creates the invoice once.
    ok(api.put("/Invoices", json=payload, headers={"Idempotency-Key": key}))
    assert len(tagged(api, "FAULT-503")) == 1


def test_spurious_429_says_minute(api: httpx.Client, ctl: httpx.Client) -> None:
    faults(ctl, rate_429=1.0, operations=["getOrganisations"])
    response = api.get("/Organisation")
    assert response.status_code == 429
    assert response.headers["X-Rate-Limit-Problem"] == "minute"
    assert response.headers["Retry-After"] == "1"
    assert api.get("/Contacts").status_code == 200  # other operations are untouched


def test_timeout_after_the_write_commits(emulator: RunningEmulator, api: httpx.Client,
                                         ctl: httpx.Client, info: dict[str, Any],
                                         token: dict[str, Any]) -> None:
    cid = contact(api, "Timeout Ltd")
    key = uuid.uuid4().hex
    payload = create_body(cid, "FAULT-TIMEOUT")
    faults(ctl, timeout_after=1.0, timeout_seconds=1.0, operations=["createInvoices"])
    impatient = httpx.Timeout(5.0, read=0.3)
    with (api_client(emulator, token["access_token"], info["tenant_id"], impatient) as client,
          pytest.raises(httpx.ReadTimeout)):
        client.put("/Invoices", json=payload, headers={"Idempotency-Key": key})
    ctl.delete("/_emulator/faults")
    stored = tagged(api, "FAULT-TIMEOUT")
    assert len(stored) == 1
    retry = ok(api.put("/Invoices", json=payload, headers={"Idempotency-Key": key}))
    assert retry["Invoices"][0]["InvoiceID"] == stored[0]["InvoiceID"]
    assert len(tagged(api, "FAULT-TIMEOUT")) == 1


def refresh(ctl: httpx.Client, info: dict[str, Any], refresh_token: str) -> httpx.Response:
    """A refresh grant as xero-python sends it (client id and secret in the form body)."""
    return ctl.post("/connect/token", data={
        "grant_type": "refresh_token", "refresh_token": refresh_token,
        "client_id": info["client_id"], "client_secret": info["client_secret"]})


def test_forced_invalid_grant_fails_the_next_refresh(ctl: httpx.Client,
                                                     info: dict[str, Any]) -> None:
    first = connect(ctl, info["client_id"], [info["tenant_id"]])
    faults(ctl, invalid_grant=1)
    refused = refresh(ctl, info, first["refresh_token"])
    assert refused.status_code == 400
    assert refused.json() == {"error": "invalid_grant"}
    assert ok(ctl.get("/_emulator/faults"))["settings"]["invalid_grant"] == 0
    # The family is dead, as when Xero revokes it: the same token stays refused.
    assert refresh(ctl, info, first["refresh_token"]).json() == {"error": "invalid_grant"}
    # Only one failure was asked for: a new connection refreshes normally.
    second = connect(ctl, info["client_id"], [info["tenant_id"]])
    rotated = ok(refresh(ctl, info, second["refresh_token"]))
    assert rotated["refresh_token"] != second["refresh_token"]
    assert set(rotated) >= {"access_token", "refresh_token", "expires_in", "token_type",
                            "scope"}


def test_unknown_fault_settings_are_refused(ctl: httpx.Client) -> None:
    response = ctl.post("/_emulator/faults", json={"error_5xx": 2.0})
    assert response.status_code == 400
    response = ctl.post("/_emulator/faults", json={"explode": 1.0})
    assert response.status_code == 400
    assert ok(ctl.get("/_emulator/faults"))["settings"]["error_5xx"] == 0.0
