"""XeroOAuth against the emulator: the browser flow with PKCE, tenants, custom connections."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from ledgerlink.emulator.core.server import free_port
from ledgerlink.errors import AuthError, NeedsReauthError, TransportError
from ledgerlink.http.auth import (
    ConnectionKind,
    ConnectionStatus,
    MemoryTokenStore,
    TokenManager,
    refresh_idle,
)
from ledgerlink.http.retry import RetryPolicy
from ledgerlink.providers.xero.oauth import (
    XeroOAuth,
    auth_event_id,
    pkce_challenge,
    refresher_for,
)
from tests.fakes import FakeClock
from tests.http.test_auth import Counting, Env, manager_for, open_env

pytestmark = pytest.mark.timeout(60)

DAY = 86400.0
SCOPES = ["openid", "profile", "email", "offline_access", "accounting.settings",
          "accounting.transactions", "accounting.contacts"]


class ConsentForm(HTMLParser):
    """The consent page's form: its action, hidden fields and organisation checkboxes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.action = ""
        self.hidden: dict[str, str] = {}
        self.tenants: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a.get("action", "")
        elif tag == "input" and a.get("type") == "hidden":
            self.hidden[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") == "checkbox" and a.get("name") == "tenant_id":
            self.tenants.append(a["value"])


async def consent(env: Env, oauth: XeroOAuth, state: str, verifier: str,
                  redirect_uri: str) -> str:
    """A person's visit: GET authorize, tick every organisation, Allow; the callback URL."""
    page = await env.http.get(oauth.authorize_url(redirect_uri, SCOPES, state, verifier))
    assert page.status_code == 200 and "Allow access" in page.text
    form = ConsentForm(page.text)
    assert form.hidden["code_challenge"] == pkce_challenge(verifier)
    assert form.hidden["code_challenge_method"] == "S256" and form.hidden["state"] == state
    fields: dict[str, str | list[str]] = {**form.hidden, "tenant_id": form.tenants,
                                          "decision": "allow"}
    answer = await env.http.post(env.handle.base_url + form.action, data=fields)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


async def test_authorization_code_flow_over_http_lists_every_consented_tenant() -> None:
    async with open_env() as env:
        created = await env.http.post(f"{env.handle.base_url}/_emulator/tenants",
                                      json={"name": "Kauri Second Ltd", "seed": "empty"})
        second = created.json()["tenant_id"]
        verifier, challenge = XeroOAuth.new_pkce()
        state, redirect = XeroOAuth.new_state(), env.info["redirect_uris"][0]
        assert challenge == pkce_challenge(verifier) and 43 <= len(verifier) <= 128

        callback = await consent(env, env.oauth, state, verifier, redirect)

        assert callback.startswith(redirect)
        query = parse_qs(urlsplit(callback).query)
        assert query["state"] == [state]  # the callback belongs to the browser that started
        before = env.clock.time()
        tokens = await env.oauth.exchange_code(query["code"][0], redirect, verifier)
        assert tokens.refresh_token and "offline_access" in tokens.scopes
        assert before + 1800 <= tokens.expires_at <= env.clock.time() + 1800
        assert tokens.refreshed_at is not None and tokens.refreshed_at >= before

        connections = await env.oauth.connections(tokens.access_token)
        by_tenant = {c.tenant_id: c for c in connections}
        assert set(by_tenant) == {env.info["tenant_id"], second}
        assert by_tenant[second].tenant_name == "Kauri Second Ltd"
        assert by_tenant[env.info["tenant_id"]].tenant_name == env.info["tenant_name"]
        assert all(c.tenant_type == "ORGANISATION" for c in connections)
        assert all(c.created is not None and c.created.tzinfo is not None for c in connections)
        event = auth_event_id(tokens.access_token)
        assert event and {c.auth_event_id for c in connections} == {event}
        assert len(await env.oauth.connections(tokens.access_token, event)) == 2

        with pytest.raises(AuthError) as reused:  # codes are single use
            await env.oauth.exchange_code(query["code"][0], redirect, verifier)
        assert not isinstance(reused.value, NeedsReauthError)


async def test_a_wrong_pkce_verifier_is_refused() -> None:
    async with open_env() as env:
        verifier, _ = XeroOAuth.new_pkce()
        redirect = env.info["redirect_uris"][0]
        callback = await consent(env, env.oauth, "s-1", verifier, redirect)
        code = parse_qs(urlsplit(callback).query)["code"][0]
        with pytest.raises(AuthError, match="PKCE"):
            await env.oauth.exchange_code(code, redirect, XeroOAuth.new_pkce()[0])


async def test_wrong_client_secret_is_an_auth_error_not_a_dead_connection() -> None:
    async with open_env() as env:
        pair = await env.connect()
        assert pair.refresh_token
        bad = XeroOAuth.for_base_url(env.handle.base_url, env.info["client_id"], "wrong",
                                     http=env.http, clock=env.clock)
        with pytest.raises(AuthError, match="invalid_client") as caught:
            await bad.refresh(pair.refresh_token)
        assert not isinstance(caught.value, NeedsReauthError)


async def test_revoked_refresh_token_needs_reauth() -> None:
    async with open_env() as env:
        pair = await env.connect()
        assert pair.refresh_token
        await env.oauth.revoke(pair.refresh_token)
        with pytest.raises(NeedsReauthError):
            await env.oauth.refresh(pair.refresh_token)


async def test_client_credentials_connection_asks_for_a_new_token_when_expired() -> None:
    async with open_env(access_token_ttl=600) as env:
        custom = XeroOAuth.for_base_url(env.handle.base_url, env.info["custom_client_id"],
                                        env.info["custom_client_secret"], http=env.http,
                                        clock=env.clock)
        store = MemoryTokenStore()
        await store.put("custom", ConnectionKind.OAUTH_CLIENT_CREDENTIALS, None)
        counting = Counting(refresher_for(custom, ConnectionKind.OAUTH_CLIENT_CREDENTIALS))
        manager = TokenManager(store, counting, clock=env.clock)

        first = await manager.access_token("custom")
        async with env.api(manager, "custom") as api:
            organisation = (await api.get("/Organisation")).json()
        assert organisation["Organisations"][0]["OrganisationID"] == env.info["tenant_id"]
        tenants = await custom.connections(first)
        assert [c.tenant_id for c in tenants] == [env.info["tenant_id"]]

        await env.advance(601)
        second = await manager.access_token("custom")

        assert second != first and counting.calls == 2
        assert env.tap.grants("client_credentials") == 2
        assert env.tap.grants("refresh_token", status=None) == 0
        row = await store.get("custom")
        assert row.tokens is not None and row.tokens.refresh_token is None


async def test_idle_refresh_keeps_a_connection_alive_past_sixty_days() -> None:
    async with open_env(access_token_ttl=1800) as env:
        store, manager, _counting = await manager_for(env, await env.connect(), "kept")
        await store.put("forgotten", ConnectionKind.OAUTH_AUTHORIZATION_CODE,
                        await env.connect())
        await env.advance(40 * DAY)

        report = await refresh_idle(store, manager, ["kept"], older_than_seconds=30 * DAY)
        assert report.refreshed == ["kept"] and not report.failed
        again = await refresh_idle(store, manager, ["kept", "nope"], 30 * DAY)
        assert again.skipped == ["kept"] and again.failed == {"nope": "unknown_connection"}

        await env.advance(25 * DAY)  # 65 days after consent, 25 after the keep-alive

        async with env.api(manager, "kept") as api:
            assert (await api.get("/Organisation")).status_code == 200
        with pytest.raises(NeedsReauthError):  # the one nobody kept alive has died
            await manager.access_token("forgotten")
        assert (await store.get("forgotten")).status is ConnectionStatus.NEEDS_REAUTH
        assert (await store.get("kept")).status is ConnectionStatus.ACTIVE


async def test_identity_calls_go_through_the_one_retry_policy() -> None:
    # Nothing listens on the port: every attempt fails before the request leaves us, so even
    # a single-use code exchange is tried again, with the policy's backoff on our clock.
    clock = FakeClock()
    base = f"http://127.0.0.1:{free_port()}"
    async with httpx2.AsyncClient() as http:
        oauth = XeroOAuth.for_base_url(
            base, "client", "secret", http=http, clock=clock,
            retry=RetryPolicy(attempts=3, wait_initial=0.5, wait_jitter=0, clock=clock))
        with pytest.raises(TransportError, match="after 3 attempts"):
            await oauth.refresh("a-refresh-token")
        assert clock.slept == [0.5, 1.0]
        clock.slept.clear()
        with pytest.raises(TransportError, match="after 3 attempts"):
            await oauth.exchange_code("code", "http://localhost/cb", XeroOAuth.new_pkce()[0])
        assert clock.slept == [0.5, 1.0]
