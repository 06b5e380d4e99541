"""The emulated identity service over HTTP: consent, code/PKCE, refresh rotation, connections."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient
from xero_python.api_client.oauth2 import OAuth2Token

from ledgerlink.emulator.core.clock import Clock
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.faults import FaultInjector
from ledgerlink.emulator.core.ids import IdGen
from ledgerlink.emulator.xero.apps import XeroApp
from ledgerlink.emulator.xero.errors import Unauthorized
from ledgerlink.emulator.xero.identity import IdentityService
from ledgerlink.emulator.xero.identity_routes import dispatch
from ledgerlink.emulator.xero.identity_tokens import pkce_challenge
from ledgerlink.emulator.xero.models.base import Org

REDIRECT = "http://127.0.0.1:9000/callback"
SCOPES = "openid profile email offline_access accounting.transactions accounting.contacts"
VERIFIER = "v" * 20 + "-._~" + "0123456789abcdefghijKLMNOP"  # 50 chars of the PKCE alphabet
WEB_SECRET = "web-secret-0123456789abcdefghijklmnop"


class StandIn:
    """Just the emulator attributes the identity service reads."""

    def __init__(self) -> None:
        self.config = EmulatorConfig()
        self.clock = Clock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
        self.ids = IdGen(7)
        self.faults = FaultInjector(1)
        self.apps: dict[str, XeroApp] = {}
        self.orgs: dict[str, Org] = {}
        self.default_org: Org | None = None

    def add_org(self, name: str) -> Org:
        org = Org(tenant_id=self.ids.guid(), name=name, clock=self.clock, ids=self.ids)
        self.orgs[org.tenant_id] = org
        self.default_org = self.default_org or org
        return org


class Env:
    """A stand-in emulator, its identity service, a test client and two apps."""

    def __init__(self) -> None:
        self.emu = StandIn()
        self.acme = self.emu.add_org("Acme Ltd")
        self.beta = self.emu.add_org("Beta & Co")
        self.app = XeroApp("WEBAPPCLIENTID", WEB_SECRET, "Web App", redirect_uris=[REDIRECT])
        self.custom = XeroApp("CUSTOMCLIENTID", "custom-secret", "Custom Conn",
                              custom_org_id=self.beta.tenant_id)
        self.emu.apps.update({a.client_id: a for a in (self.app, self.custom)})
        self.identity = IdentityService(cast(Any, self.emu))
        router = self.identity.router()

        async def endpoint(request: Request) -> Response:
            return await dispatch(router, request)

        methods = ["GET", "POST", "DELETE", "PUT"]
        web = Starlette(routes=[Route("/{path:path}", endpoint, methods=methods)])
        self.client = TestClient(web, follow_redirects=False)

    def authorize(self, **extra: str) -> Any:
        params = {"response_type": "code", "client_id": self.app.client_id,
                  "redirect_uri": REDIRECT, "scope": SCOPES, "state": "st-123", **extra}
        return self.client.get("/identity/connect/authorize", params=params)

    def consent(self, tenants: list[str], decision: str = "allow", **extra: str) -> Any:
        form: dict[str, Any] = {"response_type": "code", "client_id": self.app.client_id,
                                "redirect_uri": REDIRECT, "scope": SCOPES, "state": "st-123",
                                "decision": decision, "tenant_id": tenants, **extra}
        return self.client.post("/identity/connect/authorize", data=form)

    def code(self, tenants: list[str] | None = None, **extra: str) -> str:
        response = self.consent(tenants or [self.acme.tenant_id], **extra)
        assert response.status_code == 302
        return query_of(response)["code"]

    def token(self, form: dict[str, str], basic: tuple[str, str] | None = None) -> Any:
        headers = {}
        if basic:
            raw = base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {raw}"
        return self.client.post("/connect/token", data=form, headers=headers)

    def exchange(self, code: str, **extra: str) -> Any:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                "client_id": self.app.client_id, "client_secret": WEB_SECRET, **extra}
        return self.token(form)

    def refresh(self, refresh_token: str) -> Any:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self.token(form, basic=(self.app.client_id, WEB_SECRET))

    def tokens(self) -> dict[str, Any]:
        response = self.exchange(self.code())
        assert response.status_code == 200, response.text
        return cast(dict[str, Any], response.json())

    def bearer(self, access_token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {access_token}"}


def query_of(response: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return cast(dict[str, Any], json.loads(base64.urlsafe_b64decode(payload + "==")))


@pytest.fixture
def env() -> Iterator[Env]:
    e = Env()
    with e.client:
        yield e


def test_code_flow_with_state_and_pkce(env: Env) -> None:
    page = env.authorize(code_challenge=pkce_challenge(VERIFIER), code_challenge_method="S256")
    assert page.status_code == 200
    assert 'name="code_challenge"' in page.text
    code = env.code(code_challenge=pkce_challenge(VERIFIER), code_challenge_method="S256")
    wrong = env.exchange(code, code_verifier="w" * 50)
    assert (wrong.status_code, wrong.json()) == (400, {"error": "invalid_grant"})

    code = env.code(code_challenge=pkce_challenge(VERIFIER), code_challenge_method="S256")
    ok = env.exchange(code, code_verifier=VERIFIER)
    assert ok.status_code == 200
    assert ok.headers["cache-control"] == "no-store"
    grant = env.identity.authenticate(f"Bearer {ok.json()['access_token']}")
    assert grant.app is env.app
    assert grant.tenant_ids == [env.acme.tenant_id]
    assert "accounting.transactions" in grant.scopes and not grant.custom


def test_public_pkce_client_needs_no_secret_but_plain_codes_do(env: Env) -> None:
    code = env.code(code_challenge=VERIFIER, code_challenge_method="plain")
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": env.app.client_id, "code_verifier": VERIFIER}
    ok = env.token(form)
    assert ok.status_code == 200
    refreshed = env.token({"grant_type": "refresh_token", "client_id": env.app.client_id,
                           "refresh_token": ok.json()["refresh_token"]})
    assert refreshed.status_code == 200
    no_pkce = env.token({**form, "code": env.code()})
    assert (no_pkce.status_code, no_pkce.json()) == (401, {"error": "invalid_client"})


def test_consent_page_lists_orgs_and_multi_select_connects_each(env: Env) -> None:
    page = env.authorize()
    assert page.headers["content-type"].startswith("text/html")
    assert "Acme Ltd" in page.text and "Beta &amp; Co" in page.text
    assert page.text.count('type="checkbox" name="tenant_id"') == 2
    assert 'value="st-123"' in page.text and "Allow access" in page.text
    redirect = env.consent([env.acme.tenant_id, env.beta.tenant_id])
    assert redirect.headers["location"].startswith(REDIRECT + "?code=")
    assert query_of(redirect)["state"] == "st-123"
    access = env.exchange(query_of(redirect)["code"]).json()["access_token"]
    rows = env.client.get("/Connections", headers=env.bearer(access)).json()
    assert sorted(r["tenantName"] for r in rows) == ["Acme Ltd", "Beta & Co"]
    assert len({r["authEventId"] for r in rows}) == 1
    assert set(env.identity.authenticate(f"Bearer {access}").tenant_ids) == {
        env.acme.tenant_id, env.beta.tenant_id}


def test_reconsent_adds_connections_without_duplicates(env: Env) -> None:
    env.code([env.acme.tenant_id])
    access = env.exchange(env.code([env.acme.tenant_id, env.beta.tenant_id])).json()
    rows = env.client.get("/connections", headers=env.bearer(access["access_token"])).json()
    assert sorted(r["tenantName"] for r in rows) == ["Acme Ltd", "Beta & Co"]


def test_deny_and_no_org_ticked(env: Env) -> None:
    denied = env.consent([env.acme.tenant_id], decision="deny")
    assert denied.status_code == 302
    assert query_of(denied) == {"error": "access_denied", "state": "st-123"}
    again = env.consent([])
    assert again.status_code == 200
    assert "Choose at least one organisation" in again.text
    assert env.consent(["not-a-tenant"]).status_code == 200


def test_auto_consent_redirects_to_the_default_org(env: Env) -> None:
    response = env.authorize(auto_consent="1")
    assert response.status_code == 302
    access = env.exchange(query_of(response)["code"]).json()["access_token"]
    assert env.identity.authenticate(f"Bearer {access}").tenant_ids == [env.acme.tenant_id]
    env.emu.config.auto_consent = True
    assert env.authorize().status_code == 302


def test_bad_client_or_redirect_shows_an_error_page(env: Env) -> None:
    bad_redirect = env.authorize(redirect_uri="http://127.0.0.1:9000/other")
    assert bad_redirect.status_code == 400 and "location" not in bad_redirect.headers
    assert "redirect_uri" in bad_redirect.text
    assert env.authorize(client_id="NOPE").status_code == 400
    unsupported = env.authorize(response_type="token")
    assert query_of(unsupported)["error"] == "unsupported_response_type"
    assert query_of(env.authorize(scope=""))["error"] == "invalid_scope"


def test_redirect_uri_must_match_at_exchange(env: Env) -> None:
    env.app.redirect_uris.append("http://127.0.0.1:9000/second")
    response = env.exchange(env.code(), redirect_uri="http://127.0.0.1:9000/second")
    assert (response.status_code, response.json()) == (400, {"error": "invalid_grant"})


def test_codes_are_single_use_and_short_lived(env: Env) -> None:
    code = env.code()
    assert env.exchange(code).status_code == 200
    assert env.exchange(code).json() == {"error": "invalid_grant"}
    late = env.code()
    env.emu.clock.advance(301)
    assert env.exchange(late).json() == {"error": "invalid_grant"}


def test_refresh_rotates_with_grace_for_the_previous_token(env: Env) -> None:
    first = env.tokens()["refresh_token"]
    second = env.refresh(first).json()["refresh_token"]
    assert second != first
    env.emu.clock.advance(20 * 60)
    retry = env.refresh(first)  # a client that lost the answer retries within the grace
    assert retry.status_code == 200
    assert retry.json()["refresh_token"] not in (first, second)
    env.emu.clock.advance(11 * 60)
    assert env.refresh(first).json() == {"error": "invalid_grant"}
    assert env.refresh(second).status_code == 200  # its own grace starts at first use


def test_unused_refresh_token_expires_after_60_days(env: Env) -> None:
    kept, lapsed = env.tokens()["refresh_token"], env.tokens()["refresh_token"]
    env.emu.clock.advance(59 * 86400)
    assert env.refresh(kept).status_code == 200
    env.emu.clock.advance(86400 + 1)
    assert env.refresh(lapsed).json() == {"error": "invalid_grant"}


def test_access_token_expires_after_1800_seconds(env: Env) -> None:
    access = env.tokens()["access_token"]
    env.emu.clock.advance(1799)
    env.identity.authenticate(f"Bearer {access}")
    env.emu.clock.advance(1)
    with pytest.raises(Unauthorized) as caught:
        env.identity.authenticate(f"Bearer {access}")
    assert re.fullmatch(r"TokenExpired: token expired at \d\d/\d\d/\d{4} \d\d:\d\d:\d\d",
                        caught.value.message)
    response = env.client.get("/Connections", headers=env.bearer(access))
    assert response.status_code == 401 and response.json()["Detail"].startswith("TokenExpired")
    for header in (None, "Bearer nonsense", "Basic abc"):
        with pytest.raises(Unauthorized, match="TokenInvalid"):
            env.identity.authenticate(header)


@pytest.mark.parametrize("use_basic", [True, False])
def test_client_credentials_binds_the_custom_org(env: Env, use_basic: bool) -> None:
    form = {"grant_type": "client_credentials"}
    if use_basic:
        response = env.token(form, basic=("CUSTOMCLIENTID", "custom-secret"))
    else:
        response = env.token({**form, "client_id": "CUSTOMCLIENTID",
                              "client_secret": "custom-secret"})
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"access_token", "expires_in", "token_type", "scope"}
    grant = env.identity.authenticate(f"Bearer {body['access_token']}")
    assert grant.custom and grant.tenant_ids == [env.beta.tenant_id]
    rows = env.client.get("/Connections", headers=env.bearer(body["access_token"])).json()
    assert [r["tenantId"] for r in rows] == [env.beta.tenant_id]
    scoped = env.token({**form, "scope": "marketplace.billing"},
                       basic=("CUSTOMCLIENTID", "custom-secret")).json()
    assert scoped["scope"] == "marketplace.billing"


def test_client_credentials_needs_a_custom_connection_and_a_secret(env: Env) -> None:
    form = {"grant_type": "client_credentials"}
    refused = env.token(form, basic=(env.app.client_id, WEB_SECRET))
    assert (refused.status_code, refused.json()) == (400, {"error": "unauthorized_client"})
    public = env.token({**form, "client_id": "CUSTOMCLIENTID"})
    assert public.status_code == 401


@pytest.mark.parametrize("scope", [SCOPES, "offline_access accounting.settings",
                                   "accounting.settings"])
def test_token_response_keys_suit_xero_python(env: Env, scope: str) -> None:
    body = env.exchange(env.code(scope=scope)).json()
    expected = {"access_token", "expires_in", "token_type", "scope"}
    expected |= {"refresh_token"} if "offline_access" in scope else set()
    expected |= {"id_token"} if "openid" in scope else set()
    assert set(body) == expected
    assert (body["expires_in"], body["token_type"], body["scope"]) == (1800, "Bearer", scope)
    OAuth2Token().update_token(**body)
    if "offline_access" in scope:
        refreshed = env.refresh(body["refresh_token"]).json()
        assert set(refreshed) == expected
        OAuth2Token().update_token(**refreshed)
    custom = env.token({"grant_type": "client_credentials"},
                       basic=("CUSTOMCLIENTID", "custom-secret")).json()
    OAuth2Token().update_token(**custom)


def test_tokens_are_jwts_with_xero_claims(env: Env) -> None:
    body = env.tokens()
    claims = claims_of(body["access_token"])
    for key in ("nbf", "exp", "iss", "aud", "client_id", "sub", "auth_time", "xero_userid",
                "global_session_id", "jti", "authentication_event_id", "scope"):
        assert key in claims
    assert claims["iss"] == "http://127.0.0.1:8766/identity"
    assert claims["exp"] - claims["nbf"] == 1800 and claims["scope"] == SCOPES.split()
    rows = env.client.get("/Connections", headers=env.bearer(body["access_token"])).json()
    assert claims["authentication_event_id"] == rows[0]["authEventId"]
    # The emulator's clock is not the wall clock, so only the signature and audience count.
    key = jwt.PyJWKSet.from_dict(env.client.get(
        "/.well-known/openid-configuration/jwks").json()).keys[0]
    ident = jwt.decode(body["id_token"], key.key, algorithms=["RS256"],
                       audience=env.app.client_id,
                       options={"verify_exp": False, "verify_nbf": False, "verify_iat": False})
    assert ident["email"] == "demo.user@example.com" and ident["given_name"] == "Demo"


def test_client_authentication_errors(env: Env) -> None:
    code = env.code()
    wrong = env.exchange(code, client_secret="nope")
    assert (wrong.status_code, wrong.json()) == (401, {"error": "invalid_client"})
    assert env.exchange(code).status_code == 200  # a failed client auth does not burn the code
    unknown = env.token({"grant_type": "refresh_token", "refresh_token": "x"},
                        basic=("NOPE", "x"))
    assert unknown.status_code == 401
    assert env.token({"grant_type": "password", "client_id": "WEBAPPCLIENTID",
                      "client_secret": WEB_SECRET}).json() == {
        "error": "unsupported_grant_type"}
    assert env.token({}).json() == {"error": "invalid_request"}


def test_revocation_drops_the_family_and_connections(env: Env) -> None:
    body = env.tokens()
    response = env.client.post("/connect/revocation", data={
        "token": body["refresh_token"], "client_id": env.app.client_id,
        "client_secret": WEB_SECRET})
    assert (response.status_code, response.content) == (200, b"")
    assert env.refresh(body["refresh_token"]).json() == {"error": "invalid_grant"}
    with pytest.raises(Unauthorized):
        env.identity.authenticate(f"Bearer {body['access_token']}")
    other = env.tokens()  # a new consent reconnects
    assert env.identity.authenticate(f"Bearer {other['access_token']}").tenant_ids == [
        env.acme.tenant_id]


def test_get_and_delete_connections_with_event_filter(env: Env) -> None:
    env.code([env.acme.tenant_id])
    access = env.exchange(env.code([env.beta.tenant_id])).json()["access_token"]
    headers = env.bearer(access)
    rows = env.client.get("/Connections", headers=headers).json()
    assert len(rows) == 2
    assert list(rows[0]) == ["id", "authEventId", "tenantId", "tenantType", "tenantName",
                             "createdDateUtc", "updatedDateUtc"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}", rows[0]["createdDateUtc"])
    beta = next(r for r in rows if r["tenantId"] == env.beta.tenant_id)
    filtered = env.client.get("/Connections", headers=headers,
                              params={"authEventId": beta["authEventId"]}).json()
    assert filtered == [beta]
    assert env.client.delete(f"/Connections/{beta['id']}", headers=headers).status_code == 204
    assert env.identity.authenticate(f"Bearer {access}").tenant_ids == [env.acme.tenant_id]
    assert env.client.delete(f"/connections/{beta['id']}", headers=headers).status_code == 404
    assert env.client.get("/connections").status_code == 401


def test_forced_invalid_grant_revokes_the_family(env: Env) -> None:
    first = env.tokens()["refresh_token"]
    second = env.refresh(first).json()["refresh_token"]
    env.emu.faults.configure(invalid_grant=1)
    assert env.refresh(second).json() == {"error": "invalid_grant"}
    assert env.refresh(second).json() == {"error": "invalid_grant"}
    assert env.refresh(first).json() == {"error": "invalid_grant"}


def test_programmatic_connect_and_reset(env: Env) -> None:
    body = env.identity.connect(env.app, [env.beta.tenant_id], SCOPES.split())
    grant = env.identity.authenticate(f"Bearer {body['access_token']}")
    assert grant.tenant_ids == [env.beta.tenant_id]
    assert env.refresh(body["refresh_token"]).status_code == 200
    with pytest.raises(ValueError):
        env.identity.connect(env.app, ["missing"], ["accounting.settings"])
    env.identity.reset()
    with pytest.raises(Unauthorized, match="TokenInvalid"):
        env.identity.authenticate(f"Bearer {body['access_token']}")
    assert env.refresh(body["refresh_token"]).json() == {"error": "invalid_grant"}


def test_discovery_and_unknown_routes(env: Env) -> None:
    doc = env.client.get("/.well-known/openid-configuration").json()
    assert doc["token_endpoint"] == "http://127.0.0.1:8766/connect/token"
    assert env.client.get("/nowhere").status_code == 404
    assert env.client.get("/connect/token").status_code == 405
