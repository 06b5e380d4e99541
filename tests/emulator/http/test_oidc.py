"""OpenID Connect over HTTP: RS256 id_tokens verified against the JWKS, and counted token calls."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from ledgerlink.emulator.core.server import RunningEmulator
from tests.emulator.http.support import connect, ok

SCOPES = "openid profile email offline_access accounting.contacts"
NONCE = "n-0S6_WzA2Mj"


@pytest.fixture
def fresh(ctl: httpx.Client) -> Iterator[None]:
    """Every test starts from the seeded state with the wall clock and no counted calls."""
    ok(ctl.post("/_emulator/reset", json={}))
    yield
    ok(ctl.post("/_emulator/clock", json={"reset": True}))


def discovery(ctl: httpx.Client, path: str = "/identity") -> dict[str, Any]:
    doc: dict[str, Any] = ok(ctl.get(f"{path}/.well-known/openid-configuration"))
    return doc


def code_flow(ctl: httpx.Client, info: dict[str, Any], nonce: str | None = NONCE
              ) -> dict[str, Any]:
    """Authorize (auto-consent) with a nonce, then exchange the code as a confidential client."""
    params = {"response_type": "code", "client_id": info["client_id"],
              "redirect_uri": info["redirect_uris"][0], "scope": SCOPES, "state": "s1",
              "auto_consent": "1"}
    if nonce is not None:
        params["nonce"] = nonce
    answer = ctl.get("/identity/connect/authorize", params=params)
    assert answer.status_code == 302, answer.text
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    return ok(ctl.post("/connect/token", auth=(info["client_id"], info["client_secret"]), data={
        "grant_type": "authorization_code", "code": code,
        "redirect_uri": info["redirect_uris"][0]}))


def refresh(ctl: httpx.Client, info: dict[str, Any], token: str) -> httpx.Response:
    return ctl.post("/connect/token", auth=(info["client_id"], info["client_secret"]),
                    data={"grant_type": "refresh_token", "refresh_token": token})


def verified(ctl: httpx.Client, id_token: str, audience: str) -> dict[str, Any]:
    """The claims, after PyJWKClient's steps: discovery → jwks_uri → key by kid → RS256 check."""
    doc = discovery(ctl)
    keys = jwt.PyJWKSet.from_dict(ok(ctl.get(doc["jwks_uri"])))
    kid = jwt.get_unverified_header(id_token)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    claims: dict[str, Any] = jwt.decode(
        id_token, key.key, algorithms=doc["id_token_signing_alg_values_supported"],
        audience=audience, issuer=doc["issuer"],
        options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    return claims


def expected_at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def test_discovery_names_a_jwks_and_rs256(ctl: httpx.Client, emulator: RunningEmulator) -> None:
    for path in ("", "/identity"):
        doc = discovery(ctl, path)
        assert doc["jwks_uri"] == f"{emulator.base_url}/.well-known/openid-configuration/jwks"
        assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    keys = ok(ctl.get("/identity/.well-known/openid-configuration/jwks"))["keys"]
    assert [(k["kty"], k["alg"], k["use"]) for k in keys] == [("RSA", "RS256", "sig")]
    assert "d" not in keys[0] and "p" not in keys[0]  # the public half only


def test_id_token_verifies_against_the_jwks(fresh: None, ctl: httpx.Client,
                                            info: dict[str, Any]) -> None:
    tokens = code_flow(ctl, info)
    header = jwt.get_unverified_header(tokens["id_token"])
    assert (header["alg"], header["typ"]) == ("RS256", "JWT") and header["kid"]
    claims = verified(ctl, tokens["id_token"], info["client_id"])
    assert claims["nonce"] == NONCE
    assert claims["exp"] - claims["iat"] == tokens["expires_in"] == 1800
    assert claims["at_hash"] == expected_at_hash(tokens["access_token"])
    assert claims["email"] == "demo.user@example.com"
    # The refreshed id_token verifies too; it carries no nonce (OIDC Core §12.2).
    again = ok(refresh(ctl, info, tokens["refresh_token"]))
    claims = verified(ctl, again["id_token"], info["client_id"])
    assert "nonce" not in claims and claims["sub"]


def test_the_consent_page_carries_the_nonce(fresh: None, ctl: httpx.Client,
                                           info: dict[str, Any]) -> None:
    params = {"response_type": "code", "client_id": info["client_id"],
              "redirect_uri": info["redirect_uris"][0], "scope": SCOPES, "nonce": NONCE}
    page = ctl.get("/identity/connect/authorize", params=params)
    assert page.status_code == 200 and f'name="nonce" value="{NONCE}"' in page.text
    answer = ctl.post("/identity/connect/authorize", data={
        **params, "decision": "allow", "tenant_id": info["tenant_id"]})
    assert answer.status_code == 302, answer.text
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    tokens = ok(ctl.post("/connect/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": info["client_id"],
        "client_secret": info["client_secret"], "redirect_uri": info["redirect_uris"][0]}))
    assert verified(ctl, tokens["id_token"], info["client_id"])["nonce"] == NONCE
    too_long = ctl.get("/identity/connect/authorize", params={**params, "nonce": "n" * 513})
    assert "error=invalid_request" in too_long.headers["location"]


def test_a_flow_without_nonce_has_none(fresh: None, ctl: httpx.Client,
                                       info: dict[str, Any]) -> None:
    claims = verified(ctl, code_flow(ctl, info, nonce=None)["id_token"], info["client_id"])
    assert "nonce" not in claims


def test_forged_wrong_audience_and_expired_tokens_are_refused(fresh: None, ctl: httpx.Client,
                                                              info: dict[str, Any]) -> None:
    id_token = code_flow(ctl, info)["id_token"]
    head, body, signature = id_token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    with pytest.raises(jwt.InvalidSignatureError):
        verified(ctl, f"{head}.{body}.{flipped}", info["client_id"])
    with pytest.raises(jwt.InvalidAudienceError):
        verified(ctl, id_token, "SOMEONE-ELSE")
    # Minted an hour in the (emulated) past: expired by the verifier's wall clock.
    ok(ctl.post("/_emulator/clock", json={"advance_seconds": -3600}))
    old = code_flow(ctl, info)["id_token"]
    with pytest.raises(jwt.ExpiredSignatureError):
        verified(ctl, old, info["client_id"])


def test_key_outlives_a_reset(ctl: httpx.Client) -> None:
    before = ok(ctl.get("/.well-known/openid-configuration/jwks"))
    ok(ctl.post("/_emulator/reset", json={}))
    assert ok(ctl.get("/.well-known/openid-configuration/jwks")) == before


def test_calls_count_token_grants_so_tests_can_count_refreshes(
        fresh: None, ctl: httpx.Client, info: dict[str, Any]) -> None:
    tokens = code_flow(ctl, info)
    second = ok(refresh(ctl, info, tokens["refresh_token"]))
    ok(refresh(ctl, info, second["refresh_token"]))
    assert refresh(ctl, info, "NOT-A-TOKEN").status_code == 400  # a refused refresh counts too
    ok(ctl.post("/connect/token", data={
        "grant_type": "client_credentials", "client_id": info["custom_client_id"],
        "client_secret": info["custom_client_secret"]}))
    assert ctl.post("/connect/token", data={"grant_type": "password"}).status_code == 400
    calls = ok(ctl.get("/_emulator/calls"))
    assert calls["total"] == 0 and calls["by_tenant"] == {}  # the accounting API's count
    assert calls["identity"] == {"total": 6, "by_client": {
        info["client_id"]: {"token:authorization_code": 1, "token:refresh_token": 3},
        info["custom_client_id"]: {"token:client_credentials": 1},
        "": {"token:other": 1}}}
    emptied = ok(ctl.delete("/_emulator/calls"))
    assert emptied["identity"] == {"total": 0, "by_client": {}}


def test_programmatic_connect_is_not_a_token_call(fresh: None, ctl: httpx.Client,
                                                  info: dict[str, Any],
                                                  emulator: RunningEmulator) -> None:
    token = connect(ctl, info["client_id"], [info["tenant_id"]])
    ok(refresh(ctl, info, token["refresh_token"]))
    with httpx.Client(base_url=emulator.base_url, trust_env=False, headers={
            "Authorization": f"Bearer {token['access_token']}"}) as client:
        assert len(ok(client.get("/connections"))) == 1
    revoked = ctl.post("/connect/revocation", auth=(info["client_id"], info["client_secret"]),
                       data={"token": token["refresh_token"]})
    assert revoked.status_code == 200
    counted = ok(ctl.get("/_emulator/calls"))["identity"]["by_client"][info["client_id"]]
    assert counted == {"getConnections": 1, "revokeToken": 1, "token:refresh_token": 1}

