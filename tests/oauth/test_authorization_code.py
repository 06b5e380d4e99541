"""The authorization-code flow end to end against the emulator: consent, callback, choice."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from ledgerlink.db.models.integrations import Integration, ProviderGrant
from ledgerlink.db.models.oauth import PendingAuthorization
from ledgerlink.errors import ConflictingInputError, RecordConflictError, RecordNotFoundError
from ledgerlink.hub import Hub
from ledgerlink.integrations import service as integrations
from ledgerlink.integrations.tokens import DbTokenStore
from ledgerlink.integrations.xero_access import client_for
from ledgerlink.oauth import service
from ledgerlink.oauth.schemas import AwaitingChoice, Connected, Failure, FailureReason
from tests.oauth.conftest import Xero

Browser = Callable[[str | None], httpx.AsyncClient]


async def organisation_name(hub: Hub, integration_id: str) -> str:
    """What Xero answers to GET /Organisation through the integration's own grant."""
    async with hub.db.session() as session:
        integration = await integrations.get_integration(session, integration_id)
    body = await client_for(hub, integration).get("/Organisation", operation="getOrganisation")
    return str(body["Organisations"][0]["Name"])


async def count(hub: Hub, model: Any) -> int:
    async with hub.db.session() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar() or 0)


async def test_two_organisations_one_chosen_now_the_other_later(hub: Hub, xero: Xero) -> None:
    first, second = xero.info["tenant_id"], await xero.new_tenant("Second Ltd")
    app = xero.info["client_id"]

    started = await service.start(hub, browser_session="browser-1")
    params = await xero.consent(started.authorize_url, [first, second])
    offer = await service.handle_callback(hub, browser_session="browser-1", params=params)
    assert isinstance(offer, AwaitingChoice)
    assert offer.authorization_id == started.authorization_id
    assert {o.tenant_id for o in offer.organisations} == {first, second}
    assert all(o.integration_id is None for o in offer.organisations)
    assert await count(hub, Integration) == 0  # nothing is connected before the choice

    with pytest.raises(RecordNotFoundError):  # the choice belongs to the browser that started
        await service.complete(hub, authorization_id=offer.authorization_id,
                               browser_session="browser-2", tenant_ids=[first])
    with pytest.raises(ConflictingInputError):
        await service.complete(hub, authorization_id=offer.authorization_id,
                               browser_session="browser-1", tenant_ids=[secrets.token_hex(4)])
    done = await service.complete(hub, authorization_id=offer.authorization_id,
                                  browser_session="browser-1", tenant_ids=[first])
    [one] = done.integrations
    assert (one.tenant_id, one.status, one.revived) == (first, "active", False)
    assert app not in xero.connected_apps(second)  # access nobody uses was handed back
    with pytest.raises(RecordConflictError):  # a choice is made once
        await service.complete(hub, authorization_id=offer.authorization_id,
                               browser_session="browser-1", tenant_ids=[second])

    # Later, a new consent covering both: the person now chooses the other one.
    again = await service.start(hub, browser_session="browser-1")
    params = await xero.consent(again.authorize_url, [first, second])
    offer = await service.handle_callback(hub, browser_session="browser-1", params=params)
    assert isinstance(offer, AwaitingChoice)
    known = {o.tenant_id: (o.integration_id, o.integration_status) for o in offer.organisations}
    assert known == {first: (one.id, "active"), second: (None, None)}
    done = await service.complete(hub, authorization_id=offer.authorization_id,
                                  browser_session="browser-1", tenant_ids=[second])
    [other] = done.integrations
    assert other.tenant_id == second and other.id != one.id

    # Two integrations, each acting for its own organisation; the first kept its grant.
    assert app in xero.connected_apps(first)  # in use: not handed back
    async with hub.db.session() as session:
        rows = {i.tenant_id: i for i in await integrations.list_integrations(session)}
    assert {t: i.id for t, i in rows.items()} == {first: one.id, second: other.id}
    assert rows[first].grant_id != rows[second].grant_id
    assert await organisation_name(hub, one.id) == xero.info["tenant_name"]
    assert await organisation_name(hub, other.id) == "Second Ltd"
    # A callback's state works once.
    replay = await service.handle_callback(hub, browser_session="browser-1", params=params)
    assert isinstance(replay, Failure) and replay.reason is FailureReason.REPLAYED_STATE


async def test_callback_page_state_replay_forgery_and_other_browser(
        hub: Hub, xero: Xero, browser: Browser, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    started = await service.start(hub, browser_session="browser-1")
    params = await xero.consent(started.authorize_url, [xero.info["tenant_id"]])
    async with browser("browser-1") as web:
        page = await web.get("/oauth/xero/callback", params=params)
        assert page.status_code == 200, page.text
        assert "Xero connected" in page.text and xero.info["tenant_name"] in page.text
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"

        replayed = await web.get("/oauth/xero/callback", params=params)
        assert replayed.status_code == 400 and "already used" in replayed.text
        forged = await web.get("/oauth/xero/callback",
                               params={**params, "state": secrets.token_urlsafe(32)})
        assert forged.status_code == 400 and "not started by ledgerlink" in forged.text
        bare = await web.get("/oauth/xero/callback")
        assert bare.status_code == 400 and "without the code and state" in bare.text
        hostile = await web.get("/oauth/xero/callback", params={
            "state": secrets.token_urlsafe(8), "error": "<script>alert(1)</script>"})
        assert hostile.status_code == 400 and "<script>" not in hostile.text

    # A sign-in finished in another browser is refused, and spent all the same.
    started = await service.start(hub, browser_session="browser-1")
    params = await xero.consent(started.authorize_url, [xero.info["tenant_id"]])
    for session_id, expected in (("browser-2", "another browser"), (None, "already used"),
                                 ("browser-1", "already used")):
        async with browser(session_id) as web:
            refused = await web.get("/oauth/xero/callback", params=params)
        assert refused.status_code == 400 and expected in refused.text, session_id
    assert await count(hub, Integration) == 1

    # Every log line of the hub's side, at DEBUG (the test's own HTTP client, httpx, logs
    # the callback URLs it requests; the hub's is httpx2; the emulator is not the hub).
    logged = "\n".join(r.getMessage() for r in caplog.records if not (
        r.name.split(".")[0] in ("httpx", "httpcore", "uvicorn")
        or r.name.startswith("ledgerlink.emulator")))
    assert "replayed_state" in logged and "unknown_state" in logged
    async with hub.db.session() as session:
        [row] = await integrations.list_integrations(session)
    stored = await DbTokenStore(hub.db, hub.box).get(row.grant_id or "")
    assert stored.tokens is not None and stored.tokens.refresh_token
    for value in (params["code"], params["state"], "browser-1", stored.tokens.access_token,
                  stored.tokens.refresh_token, xero.info["client_secret"]):
        assert value not in logged  # never a code, state, session id, token or secret


async def test_denied_consent_connects_nothing(hub: Hub, xero: Xero, browser: Browser) -> None:
    started = await service.start(hub, browser_session="browser-1")
    params = await xero.consent(started.authorize_url, [xero.info["tenant_id"]], "deny")
    assert params["error"] == "access_denied" and "code" not in params
    async with browser("browser-1") as web:
        page = await web.get("/oauth/xero/callback", params=params)
    assert page.status_code == 400
    assert "You declined" in page.text and "Allow access" in page.text
    assert await count(hub, Integration) == 0 and await count(hub, ProviderGrant) == 0


async def test_expired_authorization_and_expired_code(hub: Hub, xero: Xero,
                                                      browser: Browser) -> None:
    started = await service.start(hub, browser_session="browser-1", ttl=timedelta(0))
    params = await xero.consent(started.authorize_url, [xero.info["tenant_id"]])
    async with browser("browser-1") as web:
        page = await web.get("/oauth/xero/callback", params=params)
    assert page.status_code == 400 and "expired" in page.text

    # Within the hub's window, but Xero's code itself expired (5 minutes on the emulator).
    started = await service.start(hub, browser_session="browser-1")
    params = await xero.consent(started.authorize_url, [xero.info["tenant_id"]])
    (await xero.control.post("/_emulator/clock", json={"advance_seconds": 301}))
    outcome = await service.handle_callback(hub, browser_session="browser-1", params=params)
    assert isinstance(outcome, Failure) and outcome.reason is FailureReason.CODE_REFUSED
    assert await count(hub, Integration) == 0
    async with hub.db.session() as session:  # spent, and no secret left behind
        rows = (await session.execute(select(PendingAuthorization))).scalars().all()
    assert {r.stage for r in rows} == {"used"}
    assert all(r.code_verifier_enc is None and r.tokens_enc is None for r in rows)


async def test_a_wrong_client_secret_says_what_to_check(hub: Hub, xero: Xero,
                                                        browser: Browser) -> None:
    hub.settings = hub.settings.model_copy(
        update={"xero_client_secret": SecretStr("not-the-secret")})
    started = await service.start(hub, browser_session="browser-1")
    params = await xero.consent(started.authorize_url, [xero.info["tenant_id"]])
    async with browser("browser-1") as web:
        page = await web.get("/oauth/xero/callback", params=params)
    assert page.status_code == 502
    assert "LEDGERLINK_XERO_CLIENT_SECRET" in page.text and "not-the-secret" not in page.text
    assert await count(hub, Integration) == 0


async def test_reconnect_covers_its_own_organisation_or_nothing(hub: Hub, xero: Xero) -> None:
    first, second = xero.info["tenant_id"], await xero.new_tenant("Second Ltd")
    started = await service.start(hub, browser_session="b")
    done = await service.handle_callback(
        hub, browser_session="b", params=await xero.consent(started.authorize_url, [first]))
    assert isinstance(done, Connected)
    [one] = done.integrations

    # Reconnecting it, the person ticks only another organisation: refused, nothing moves.
    again = await service.start(hub, browser_session="b", integration_id=one.id)
    refused = await service.handle_callback(
        hub, browser_session="b", params=await xero.consent(again.authorize_url, [second]))
    assert isinstance(refused, Failure)
    assert refused.reason is FailureReason.WRONG_ORGANISATION and one.name in refused.message
    async with hub.db.session() as session:
        assert [(i.id, i.tenant_id) for i in await integrations.list_integrations(session)] \
            == [(one.id, first)]

    # Ticking both while reconnecting connects that one only, in place.
    again = await service.start(hub, browser_session="b", integration_id=one.id)
    done = await service.handle_callback(
        hub, browser_session="b", params=await xero.consent(again.authorize_url,
                                                            [first, second]))
    assert isinstance(done, Connected)
    assert [(i.id, i.tenant_id, i.revived) for i in done.integrations] == [(one.id, first, True)]
    assert await count(hub, ProviderGrant) == 1  # the replaced grant went with its tokens
    assert xero.info["client_id"] not in xero.connected_apps(second)


async def test_two_callbacks_racing_with_one_state_connect_once(hub: Hub, xero: Xero) -> None:
    started = await service.start(hub, browser_session="b")
    params = await xero.consent(started.authorize_url, [xero.info["tenant_id"]])
    outcomes = await asyncio.gather(*(service.handle_callback(hub, browser_session="b",
                                                              params=params)
                                      for _ in range(3)))
    kinds = sorted(o.kind for o in outcomes)
    assert kinds == ["connected", "failed", "failed"]
    assert {o.reason for o in outcomes if isinstance(o, Failure)} == {
        FailureReason.REPLAYED_STATE}
    assert await count(hub, Integration) == 1 and await count(hub, ProviderGrant) == 1
