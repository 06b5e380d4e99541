"""xero-python against the emulator: authorization code + PKCE, client credentials, refresh."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from xero_python.exceptions import (
    ApiException,
    HTTPStatusException,
    OAuth2InvalidGrantError,
    RateLimitException,
)

from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, start_in_thread
from tests.conformance.xero_python_support import (
    TIMEOUT,
    Pkce,
    as_sdk_token,
    authorize_url,
    code_from,
    connect,
    consent_and_redirect,
    exchange_code,
    make_sdk,
    sdk_token_urls,
)

pytestmark = pytest.mark.conformance
# Keys xero-python's OAuth2Token.update_token accepts; anything else is a TypeError there.
TOKEN_KEYS = {"access_token", "scope", "expires_in", "token_type", "expires_at",
              "refresh_token", "id_token"}




@pytest.fixture(scope="module", autouse=True)
def token_urls(emulator: RunningEmulator) -> Iterator[None]:
    """The TokenApi URLs point at this module's emulator while its tests run."""
    with sdk_token_urls(emulator):
        yield


@pytest.fixture(autouse=True)
def fresh_limits(emulator: RunningEmulator) -> Iterator[None]:
    """Each test starts with empty rate windows, no faults and real time."""
    emulator.emulator.limiter.reset()
    yield
    httpx.delete(f"{emulator.base_url}/_emulator/faults", timeout=TIMEOUT)
    httpx.post(f"{emulator.base_url}/_emulator/clock", json={"reset": True}, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def unrecorded() -> Iterator[RunningEmulator]:
    """A second emulator whose answers are not schema-checked.

    The accounting spec documents no 403 or 429 answer for any operation, so their JSON
    bodies (Xero's problem details) have nothing to be validated against.
    """
    handle = start_in_thread(EmulatorConfig(seed="demo", auto_consent=False))
    try:
        yield handle  # its tests never reach the token URL, which stays on `emulator`
    finally:
        handle.stop()


def info(emulator: RunningEmulator) -> dict[str, Any]:
    """The seeded app and organisation."""
    return emulator.emulator.info()


def new_tenant(emulator: RunningEmulator, name: str) -> dict[str, Any]:
    """A new empty organisation, made through the control plane."""
    answer = httpx.post(f"{emulator.base_url}/_emulator/tenants", timeout=TIMEOUT,
                        json={"name": name, "country": "NZ", "seed": "empty"})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def code_flow(emulator: RunningEmulator, pick: list[str] | None,
              expect_orgs: set[str]) -> dict[str, Any]:
    """Authorize (PKCE S256) through the consent page, then exchange the code."""
    app, pkce = info(emulator), Pkce()
    redirect = app["redirect_uris"][0]
    url = authorize_url(emulator, app["client_id"], redirect, pkce)
    with httpx.Client(follow_redirects=False, timeout=TIMEOUT) as browser:
        form, location = consent_and_redirect(browser, url, pick)
    assert {t for t, _ in form.orgs} == expect_orgs
    assert [t for t, checked in form.orgs if checked] == [app["tenant_id"]]  # the default
    assert form.labels[app["tenant_id"]] == "Harbourside Joinery Ltd"
    assert form.hidden["state"] == pkce.state
    assert form.hidden["code_challenge"] == pkce.challenge
    assert form.hidden["code_challenge_method"] == "S256"
    code = code_from(location, redirect, pkce.state)
    token = exchange_code(emulator, app["client_id"], app["client_secret"], code, redirect,
                          pkce.verifier)
    assert set(token) <= TOKEN_KEYS
    assert {"access_token", "refresh_token", "id_token", "scope"} <= set(token)
    assert token["expires_in"] == 1800 and token["token_type"] == "Bearer"
    return token


def test_code_flow_one_organisation(emulator: RunningEmulator) -> None:
    app = info(emulator)
    token = code_flow(emulator, None, set(emulator.emulator.orgs))
    sdk = make_sdk(emulator, app["client_id"], app["client_secret"], as_sdk_token(token))

    connections = sdk.identity.get_connections()
    assert [c.tenant_id for c in connections] == [app["tenant_id"]]
    assert connections[0].tenant_name == "Harbourside Joinery Ltd"
    assert connections[0].tenant_type == "ORGANISATION"
    assert connections[0].created_date_utc is not None

    org = sdk.accounting.get_organisations(app["tenant_id"]).organisations[0]
    assert org.name == "Harbourside Joinery Ltd"
    assert org.country_code.value == "NZ" and org.base_currency.value == "NZD"
    contacts = sdk.accounting.get_contacts(app["tenant_id"], page=1).contacts
    assert len(contacts) >= 50
    invoices = sdk.accounting.get_invoices(app["tenant_id"], statuses=["AUTHORISED"]).invoices
    assert invoices and all(i.status == "AUTHORISED" for i in invoices)
    assert sdk.saved == []  # a fresh access token is used as it is, never refreshed


def test_code_flow_two_organisations(emulator: RunningEmulator) -> None:
    app = info(emulator)
    second = new_tenant(emulator, "Kowhai Consulting Ltd")
    both = [app["tenant_id"], second["tenant_id"]]
    token = code_flow(emulator, both, set(emulator.emulator.orgs))
    sdk = make_sdk(emulator, app["client_id"], app["client_secret"], as_sdk_token(token))

    connections = sdk.identity.get_connections()
    assert {c.tenant_id for c in connections} == set(both)
    assert len({c.auth_event_id for c in connections}) == 1  # one consent, one event
    names = {t: sdk.accounting.get_organisations(t).organisations[0].name for t in both}
    assert names == {app["tenant_id"]: "Harbourside Joinery Ltd",
                     second["tenant_id"]: "Kowhai Consulting Ltd"}
    assert sdk.accounting.get_contacts(second["tenant_id"]).contacts == []
    assert len(sdk.accounting.get_contacts(app["tenant_id"]).contacts) >= 50


def test_tenant_not_connected_is_403(unrecorded: RunningEmulator) -> None:
    app = info(unrecorded)
    other = new_tenant(unrecorded, "Not Connected Ltd")
    sdk = make_sdk(unrecorded, app["client_id"], app["client_secret"],
                   connect(unrecorded, [app["tenant_id"]]))
    with pytest.raises(HTTPStatusException) as caught:
        sdk.accounting.get_organisations(other["tenant_id"])
    assert caught.value.status == 403
    assert "AuthenticationUnsuccessful" in caught.value.body.decode()


def test_client_credentials_with_empty_tenant(emulator: RunningEmulator) -> None:
    app = info(emulator)
    custom = emulator.emulator.custom_app
    assert custom is not None and custom.custom_org_id is not None
    sdk = make_sdk(emulator, app["custom_client_id"], app["custom_client_secret"])

    token = sdk.api_client.get_client_credentials_token()
    assert token is not None and sdk.saved == [token]
    assert set(token) <= TOKEN_KEYS and "refresh_token" not in token
    assert token["expires_in"] == 1800 and token["access_token"]

    org = sdk.accounting.get_organisations("").organisations[0]
    assert org.name == emulator.emulator.orgs[custom.custom_org_id].name
    accounts = sdk.accounting.get_accounts("", where='Code=="200"').accounts
    assert [a.code for a in accounts] == ["200"]
    connections = sdk.identity.get_connections()
    assert [c.tenant_id for c in connections] == [custom.custom_org_id]


def test_refresh_rotation_and_grace_window(emulator: RunningEmulator) -> None:
    app = info(emulator)
    first = connect(emulator, [app["tenant_id"]])
    sdk = make_sdk(emulator, app["client_id"], app["client_secret"], first)

    second = sdk.api_client.refresh_oauth2_token()
    third = sdk.api_client.refresh_oauth2_token()
    tokens = [first["refresh_token"], second["refresh_token"], third["refresh_token"]]
    assert len(set(tokens)) == 3, "every refresh rotates the refresh token"
    assert [t["refresh_token"] for t in sdk.saved] == tokens[1:]
    assert sdk.saved[-1]["expires_at"] > time.time() + 1700
    assert sdk.accounting.get_organisations(app["tenant_id"]).organisations

    # A worker that missed the rotation retries with the used token inside the grace window.
    late = make_sdk(emulator, app["client_id"], app["client_secret"], first)
    retried = late.api_client.refresh_oauth2_token()
    assert retried["refresh_token"] not in tokens
    assert late.accounting.get_organisations(app["tenant_id"]).organisations

    httpx.post(f"{emulator.base_url}/_emulator/clock", json={"advance_seconds": 31 * 60},
               timeout=TIMEOUT).raise_for_status()
    stale = make_sdk(emulator, app["client_id"], app["client_secret"], second)
    with pytest.raises(ApiException) as caught:
        stale.api_client.refresh_oauth2_token()
    assert caught.value.status == 400
    assert json.loads(caught.value.body) == {"error": "invalid_grant"}
    assert stale.saved == []
    # The newest refresh token is untouched by its predecessors dying.
    assert sdk.api_client.refresh_oauth2_token()["refresh_token"] not in tokens


def test_sdk_refreshes_within_its_expiry_buffer(emulator: RunningEmulator) -> None:
    app = info(emulator)
    token = {**connect(emulator, [app["tenant_id"]]), "expires_at": time.time() + 30}
    sdk = make_sdk(emulator, app["client_id"], app["client_secret"], token)
    # 30 s left is inside the SDK's 60 s buffer: it refreshes before the call by itself.
    assert sdk.accounting.get_organisations(app["tenant_id"]).organisations
    assert len(sdk.saved) == 1
    assert sdk.token["refresh_token"] != token["refresh_token"]
    assert sdk.token["access_token"] != token["access_token"]
    assert sdk.accounting.get_contacts(app["tenant_id"], page=1).contacts
    assert len(sdk.saved) == 1  # the new token is good for another 30 minutes


def test_expired_session_refresh_raises_invalid_grant(emulator: RunningEmulator) -> None:
    app = info(emulator)
    first = connect(emulator, [app["tenant_id"]])
    sdk = make_sdk(emulator, app["client_id"], app["client_secret"], first)
    sdk.api_client.refresh_oauth2_token()
    httpx.post(f"{emulator.base_url}/_emulator/clock", json={"advance_seconds": 31 * 60},
               timeout=TIMEOUT).raise_for_status()
    # An app holding the rotated-out pair whose access token has expired: the SDK refreshes
    # by itself before the call, and the identity API translates the refusal.
    stale = make_sdk(emulator, app["client_id"], app["client_secret"],
                     {**first, "expires_at": time.time() - 10})
    with pytest.raises(OAuth2InvalidGrantError) as caught:
        stale.identity.get_connections()
    assert caught.value.reason == "Invalid Grant"


def test_rate_limit_fault_is_a_429(unrecorded: RunningEmulator,
                                   request: pytest.FixtureRequest) -> None:
    app = info(unrecorded)
    sdk = make_sdk(unrecorded, app["client_id"], app["client_secret"],
                   connect(unrecorded, [app["tenant_id"]]))
    httpx.post(f"{unrecorded.base_url}/_emulator/faults", json={"rate_429": 1.0},
               timeout=TIMEOUT).raise_for_status()
    httpx.delete(f"{unrecorded.base_url}/_emulator/calls", timeout=TIMEOUT)
    with pytest.raises(RateLimitException) as caught:
        sdk.accounting.get_contacts(app["tenant_id"])
    # urllib3's default Retry honours Retry-After on a 429 three times before giving up.
    calls = httpx.get(f"{unrecorded.base_url}/_emulator/calls", timeout=TIMEOUT).json()
    assert calls["by_tenant"][app["tenant_id"]] == {"getContacts": 4}
    error = caught.value
    assert error.status == 429
    assert error.rate_limit == "minute"
    assert error.headers["X-Rate-Limit-Problem"] == "minute"
    assert int(error.headers["Retry-After"]) >= 1
    httpx.delete(f"{unrecorded.base_url}/_emulator/faults", timeout=TIMEOUT).raise_for_status()
    assert sdk.accounting.get_contacts(app["tenant_id"]).contacts


def test_revoke_removes_the_users_connections(emulator: RunningEmulator) -> None:
    app = info(emulator)
    revoked = connect(emulator, [app["tenant_id"]])
    sdk = make_sdk(emulator, app["client_id"], app["client_secret"], revoked)
    witness = make_sdk(emulator, app["client_id"], app["client_secret"],
                       connect(emulator, [app["tenant_id"]]))
    assert witness.identity.get_connections()

    emptied = sdk.api_client.revoke_oauth2_token()
    assert emptied is not None
    assert emptied["access_token"] is None and emptied["refresh_token"] is None
    assert witness.identity.get_connections() == []  # all of this user's connections to the app
    late = make_sdk(emulator, app["client_id"], app["client_secret"], revoked)
    with pytest.raises(ApiException) as caught:
        late.api_client.refresh_oauth2_token()
    assert caught.value.status == 400
    assert json.loads(caught.value.body) == {"error": "invalid_grant"}
