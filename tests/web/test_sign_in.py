"""Signing in: the password, session cookies, sign-out, the lock-out, and every page closed."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from ledgerlink.hub import Hub
from ledgerlink.web import security
from ledgerlink.web.deps import SESSION_COOKIE
from tests.web.conftest import PASSWORD, Clock, Opener, csrf_of, sign_in

# Every console page, and every form target (with a made-up id where one is needed).
PAGES = ["/console", "/console/connect", "/console/keys", "/console/integrations/x",
         "/console/integrations/x/reconnect", "/console/integrations/x/receivables",
         "/console/connect/choose/x"]
FORMS = ["/console/sign-out", "/console/connect/xero", "/console/connect/custom",
         "/console/connect/pat", "/console/connect/choose/x", "/console/keys",
         "/console/keys/x/revoke", "/console/integrations/x/configuration",
         "/console/integrations/x/disconnect", "/console/integrations/x/reconnect/xero"]


async def test_every_page_and_form_sends_a_stranger_to_sign_in(web: httpx.AsyncClient,
                                                               password: str) -> None:
    home = await web.get("/")
    assert (home.status_code, home.headers["location"]) == (303, "/console")
    for path in PAGES:
        answer = await web.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/console/sign-in?next="), path
    for path in FORMS:
        answer = await web.post(path, data={"csrf_token": "x"})
        assert answer.status_code == 303, path
        assert answer.headers["location"] == "/console/sign-in?next=%2Fconsole", path
    # A made-up or tampered cookie is no session either.
    web.cookies.set(SESSION_COOKIE, "made-up.value")
    assert (await web.get("/console")).status_code == 303


async def test_sign_in_sets_a_safe_session_cookie_and_sign_out_ends_it(
        web: httpx.AsyncClient, password: str) -> None:
    answer = await sign_in(web, password)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=lax", "Path=/"):
        assert attribute.lower() in cookie.lower(), cookie
    assert "secure" not in cookie.lower()  # served over http here
    value = web.cookies[SESSION_COOKIE]
    page = await web.get("/console")
    assert page.status_code == 200 and "Integrations" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]

    # The signature guards the cookie: one changed character and it is no session.
    session_id, _, signature = value.partition(".")
    changed = "A" if signature[-1] != "A" else "B"
    web.cookies.set(SESSION_COOKIE, f"{session_id}.{signature[:-1]}{changed}")
    assert (await web.get("/console")).status_code == 303
    web.cookies.set(SESSION_COOKIE, value)

    out = await web.post("/console/sign-out", data={"csrf_token": csrf_of(page.text)})
    assert (out.status_code, out.headers["location"]) == (303, "/console/sign-in")
    assert (await web.get("/console")).status_code == 303
    web.cookies.set(SESSION_COOKIE, value)  # a copy of the old cookie is worthless now
    assert (await web.get("/console")).status_code == 303


async def test_secure_cookie_over_https(open_browser: Opener, password: str) -> None:
    async with open_browser() as web:
        web.base_url = httpx.URL("https://127.0.0.1:8765")
        answer = await sign_in(web, password)
    assert answer.status_code == 303
    assert "secure" in answer.headers["set-cookie"].lower()


async def test_wrong_password_and_no_password(web: httpx.AsyncClient, hub: Hub) -> None:
    page = await web.get("/console/sign-in")
    assert "ledgerlink admin set-password" in page.text and "No admin password" in page.text
    refused = await sign_in(web, "anything at all")
    assert refused.status_code == 401 and SESSION_COOKIE not in web.cookies

    await security.set_password(hub, PASSWORD)
    refused = await sign_in(web, PASSWORD + "x")
    assert refused.status_code == 401 and "not right" in refused.text
    assert PASSWORD not in refused.text
    assert (await sign_in(web, PASSWORD)).status_code == 303


async def test_a_new_password_ends_every_session(signed_in: httpx.AsyncClient,
                                                 hub: Hub) -> None:
    assert (await signed_in.get("/console")).status_code == 200
    await security.set_password(hub, "another long password")
    assert (await signed_in.get("/console")).status_code == 303
    with pytest.raises(Exception, match="at least 12"):
        await security.set_password(hub, "short")


async def test_lock_out_after_five_failures_grows_and_is_per_address(
        open_browser: Opener, password: str, clock: Clock) -> None:
    async with open_browser("10.0.0.1") as attacker, open_browser("10.0.0.2") as admin:
        for _ in range(5):
            assert (await sign_in(attacker, "wrong password!")).status_code == 401
        locked = await sign_in(attacker, password)  # even the right one waits
        assert locked.status_code == 429 and "Wait 30 seconds" in locked.text
        assert SESSION_COOKIE not in attacker.cookies
        # Another address is not locked out by this one's failures.
        assert (await sign_in(admin, password)).status_code == 303

        clock.offset += timedelta(seconds=31)
        assert (await sign_in(attacker, "wrong password!")).status_code == 401
        again = await sign_in(attacker, password)
        assert again.status_code == 429 and "Wait 60 seconds" in again.text  # doubled
        clock.offset += timedelta(seconds=61)
        assert (await sign_in(attacker, password)).status_code == 303
        # A success clears the count: the next failure does not lock at once.
        attacker.cookies.clear()
        assert (await sign_in(attacker, "wrong password!")).status_code == 401
        assert (await sign_in(attacker, password)).status_code == 303


async def test_the_install_locks_after_failures_from_many_addresses(
        open_browser: Opener, password: str) -> None:
    for n in range(20):  # four from each of five addresses: none reaches its own threshold
        async with open_browser(f"10.0.1.{n // 4}") as web:
            assert (await sign_in(web, "wrong password!")).status_code == 401
    async with open_browser("10.0.2.1") as admin:
        locked = await sign_in(admin, password)
    assert locked.status_code == 429 and "Wait 30 seconds" in locked.text


async def test_sign_in_form_needs_its_own_token(web: httpx.AsyncClient, password: str) -> None:
    await web.get("/console/sign-in")
    forged = await web.post("/console/sign-in", data={"password": password})
    assert forged.status_code == 403 and SESSION_COOKIE not in web.cookies
    other = await web.post("/console/sign-in", data={"password": password,
                                                     "csrf_token": "not-the-token"})
    assert other.status_code == 403
    form = await web.get("/console/sign-in")
    cross_site = await web.post("/console/sign-in", headers={"Origin": "https://evil.example"},
                                data={"password": password, "csrf_token": csrf_of(form.text)})
    assert cross_site.status_code == 403 and SESSION_COOKIE not in web.cookies


async def test_next_never_leads_off_the_console(web: httpx.AsyncClient, password: str) -> None:
    form = await web.get("/console/sign-in", params={"next": "//evil.example/x"})
    assert 'value="/console"' in form.text
    answer = await web.post("/console/sign-in", data={
        "csrf_token": csrf_of(form.text), "password": password, "next": "https://evil.example"})
    assert answer.headers["location"] == "/console"
