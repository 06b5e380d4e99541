"""The console's pages over HTTP against the emulator: connect (three kinds), the choice,
configuration, disconnect and reconnect, API keys, CSRF refusals, and no secret shown."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from ledgerlink.db.models.auth import ApiKey
from ledgerlink.hub import Hub
from ledgerlink.integrations import service as integrations
from ledgerlink.integrations.tokens import DbTokenStore
from ledgerlink.web.deps import SESSION_COOKIE
from tests.oauth.conftest import Xero
from tests.web.conftest import PASSWORD, csrf_of

ID_RE = re.compile(r"/console/integrations/([0-9a-f-]{36})")


async def consent_in(web: httpx.AsyncClient, xero: Xero, tenant_ids: list[str],
                     decision: str = "allow", start: str = "/console/connect/xero"
                     ) -> httpx.Response:
    """Press the Connect button, consent at the emulator, follow Xero back to the callback."""
    page = await web.get("/console/connect")
    started = await web.post(start, data={"csrf_token": csrf_of(page.text)})
    assert started.status_code == 303, started.text
    params = await xero.consent(started.headers["location"], tenant_ids, decision)
    return await web.get("/oauth/xero/callback", params=params)


async def choose(web: httpx.AsyncClient, callback: httpx.Response,
                 tenant_ids: list[str]) -> httpx.Response:
    link = re.search(r'href="(/console/connect/choose/[^"]+)"', callback.text)
    assert link, callback.text
    page = await web.get(link.group(1))
    assert page.status_code == 200, page.text
    return await web.post(link.group(1), data={"csrf_token": csrf_of(page.text),
                                               "tenant_id": tenant_ids})


async def secrets_of(hub: Hub, xero: Xero) -> list[str]:
    """Every secret the hub holds or was given, to look for in pages."""
    values = [xero.info["client_secret"], xero.info["custom_client_secret"] or "", PASSWORD]
    store = DbTokenStore(hub.db, hub.box)
    async with hub.db.session() as session:
        for row in await integrations.list_integrations(session):
            if row.grant_id:
                stored = await store.get(row.grant_id)
                if stored.tokens:
                    values += [stored.tokens.access_token, stored.tokens.refresh_token or ""]
    return [v for v in values if v]


async def test_connect_two_organisations_configure_disconnect_reconnect(
        signed_in: httpx.AsyncClient, xero: Xero, hub: Hub) -> None:
    web = signed_in
    first, second = xero.info["tenant_id"], await xero.new_tenant("Second Ltd")
    callback = await consent_in(web, xero, [first, second])
    assert callback.status_code == 200 and "Choose the organisations" in callback.text
    done = await choose(web, callback, [first, second])
    assert done.status_code == 200 and "Xero connected" in done.text
    ids = list(dict.fromkeys(ID_RE.findall(done.text)))
    assert len(ids) == 2

    listing = await web.get("/console")
    assert listing.text.count("Active") >= 2 and "Second Ltd" in listing.text
    assert xero.info["tenant_name"] in listing.text
    assert "Xero sign-in (OAuth)" in listing.text

    # A flag turned on, and one turned off (its box left unticked).
    target = ids[0]
    page = await web.get(f"/console/integrations/{target}")
    assert 'name="item.item_sync_to_xero" >' in page.text  # off by default
    ticked = re.findall(r'name="([a-z_.]+)" checked', page.text)
    form: dict[str, Any] = {name: "on" for name in ticked if name != "account.account_sync_to_xero"}
    form["item.item_sync_to_xero"] = "on"
    saved = await web.post(f"/console/integrations/{target}/configuration",
                           data={**form, "csrf_token": csrf_of(page.text)})
    assert saved.status_code == 303
    page = await web.get(saved.headers["location"])
    assert "The configuration was saved" in page.text
    assert 'name="item.item_sync_to_xero" checked' in page.text
    assert 'name="account.account_sync_to_xero" >' in page.text

    # Disconnect, then reconnect the same integration by a new consent: same id, flag kept.
    gone = await web.post(f"/console/integrations/{target}/disconnect",
                          data={"csrf_token": csrf_of(page.text)})
    assert gone.status_code == 200 and "Disconnected" in gone.text
    page = await web.get(f"/console/integrations/{target}")
    assert "Reconnect" in page.text and 'class="status disconnected"' in page.text
    async with hub.db.session() as session:
        tenant = (await integrations.get_integration(session, target)).tenant_id
    again = await consent_in(web, xero, [tenant],
                             start=f"/console/integrations/{target}/reconnect/xero")
    assert again.status_code == 200 and "Xero connected" in again.text, again.text
    page = await web.get(f"/console/integrations/{target}")
    assert 'class="status active"' in page.text
    assert 'name="item.item_sync_to_xero" checked' in page.text

    for path in ("/console", f"/console/integrations/{target}", "/console/keys",
                 "/console/connect", f"/console/integrations/{target}/reconnect"):
        text = (await web.get(path)).text
        for secret in await secrets_of(hub, xero) + [web.cookies[SESSION_COOKIE]]:
            assert secret not in text, path


async def test_denied_consent_and_forged_state_say_what_to_do(signed_in: httpx.AsyncClient,
                                                             xero: Xero) -> None:
    denied = await consent_in(signed_in, xero, [xero.info["tenant_id"]], decision="deny")
    assert denied.status_code == 400 and "declined" in denied.text
    assert 'href="/console/connect"' in denied.text
    forged = await signed_in.get("/oauth/xero/callback", params={"code": "x", "state": "forged"})
    assert forged.status_code == 400 and "not started by ledgerlink" in forged.text
    nothing = await signed_in.get("/console/connect/choose/not-an-id")
    assert nothing.status_code == 404 and "Start connecting again" in nothing.text


async def test_custom_connection_and_personal_access_token(signed_in: httpx.AsyncClient,
                                                           xero: Xero, hub: Hub) -> None:
    web = signed_in
    page = await web.get("/console/connect")
    wrong = await web.post("/console/connect/custom", data={
        "csrf_token": csrf_of(page.text), "client_id": xero.info["custom_client_id"],
        "client_secret": "not-the-secret-at-all"})
    assert wrong.status_code == 502 and "not-the-secret-at-all" not in wrong.text
    made = await web.post("/console/connect/custom", data={
        "csrf_token": csrf_of(page.text), "client_id": xero.info["custom_client_id"],
        "client_secret": xero.info["custom_client_secret"]})
    assert made.status_code == 200 and "Xero connected" in made.text, made.text
    assert xero.info["custom_client_secret"] not in made.text

    second = await xero.new_tenant("Token Ltd")
    pat = await xero.pat(second)
    bad = await web.post("/console/connect/pat", data={
        "csrf_token": csrf_of(page.text), "tenant_id": "not-a-guid", "token": pat["token"]})
    assert bad.status_code == 422 and "tenant id" in bad.text and pat["token"] not in bad.text
    made = await web.post("/console/connect/pat", data={
        "csrf_token": csrf_of(page.text), "tenant_id": second, "token": pat["token"]})
    assert made.status_code == 200 and "Token Ltd" in made.text, made.text
    listing = await web.get("/console")
    assert "Custom connection" in listing.text and "Personal access token" in listing.text
    for secret in await secrets_of(hub, xero) + [pat["token"]]:
        assert secret not in listing.text


async def test_api_keys_secret_shown_once_then_revoked(signed_in: httpx.AsyncClient,
                                                       hub: Hub) -> None:
    web = signed_in
    page = await web.get("/console/keys")
    none = await web.post("/console/keys", data={"csrf_token": csrf_of(page.text),
                                                 "name": "crm"})
    assert none.status_code == 422 and "at least one scope" in none.text
    made = await web.post("/console/keys", data={
        "csrf_token": csrf_of(page.text), "name": "crm",
        "scope": ["integrations:read", "config:write"]})
    assert made.status_code == 200
    secret = re.search(r'<code class="secret">(llk_[^<]+)</code>', made.text)
    assert secret, made.text
    listing = await web.get("/console/keys")
    assert "crm" in listing.text and "config:write" in listing.text
    assert secret.group(1) not in listing.text  # shown once only
    async with hub.db.session() as session:
        [key] = (await session.execute(select(ApiKey))).scalars()
    assert key.key_hash not in listing.text
    revoked = await web.post(f"/console/keys/{key.id}/revoke",
                             data={"csrf_token": csrf_of(listing.text)})
    assert revoked.status_code == 303
    assert "Revoked" in (await web.get(revoked.headers["location"])).text


@pytest.mark.parametrize("path", ["/console/keys", "/console/connect/xero",
                                  "/console/sign-out", "/console/connect/pat"])
async def test_a_form_without_its_token_is_refused(signed_in: httpx.AsyncClient, hub: Hub,
                                                   path: str) -> None:
    data = {"name": "sneaky", "scope": "keys:admin"}
    for token in (None, "wrong-token"):
        refused = await signed_in.post(path, data={**data, **({"csrf_token": token}
                                                              if token else {})})
        assert refused.status_code == 403 and "Form refused" in refused.text
    page = await signed_in.get("/console/keys")
    cross = await signed_in.post(path, headers={"Origin": "https://evil.example"},
                                 data={**data, "csrf_token": csrf_of(page.text)})
    assert cross.status_code == 403
    assert (await signed_in.get("/console")).status_code == 200  # still signed in
    async with hub.db.session() as session:
        assert list((await session.execute(select(ApiKey))).scalars()) == []
