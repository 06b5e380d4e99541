"""The console in Chromium against the emulator over real HTTP: sign in, connect two
organisations, configure, disconnect and reconnect, a custom connection, a personal access
token, API keys, and the error pages. Screenshots go to test-artifacts/screenshots/.

Synchronous, like every module using the `browser` fixture (see tests/browser/conftest.py);
set-up coroutines run on the live hub's own loop through `ConsoleHub.run`.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Page
from pydantic import SecretStr

from ledgerlink.api.app import create_app
from ledgerlink.config import Settings
from ledgerlink.db.crypto import SecretBox
from ledgerlink.emulator.core.server import RunningEmulator, bound_socket, running
from ledgerlink.web import security
from ledgerlink.web.app import install_console
from tests.browser.conftest import browser, browser_page  # noqa: F401
from tests.browser.support import BrowserPage
from tests.quality.support import LiveHub, emulator_config

pytestmark = pytest.mark.timeout(180)
PASSWORD = "a browser-typed password"
WAIT_MS = 20_000


class ConsoleHub(LiveHub):
    """LiveHub serving create_app with the console installed, on a socket bound in advance
    (the hub's public URL, and so its OAuth redirect URI, must name the port)."""

    def serve_on(self, sock: Any) -> str:
        app = create_app(hub=self.hub)
        install_console(app)
        port = int(sock.getsockname()[1])
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self._serving = asyncio.run_coroutine_threadsafe(self.server.serve(sockets=[sock]),
                                                         self.loop)
        deadline = time.monotonic() + 60
        while not self.server.started:
            if self._serving.done() or time.monotonic() > deadline:
                raise RuntimeError("the hub did not start serving")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"
        return self.url


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    """The demo organisation (with invoices to age), rate limits off."""
    with running(emulator_config()) as handle:
        yield handle


@pytest.fixture
def hub_url(emulator: RunningEmulator, tmp_path: Path) -> Iterator[str]:
    """The hub with its console over loopback HTTP; its own Xero app at the emulator."""
    import ledgerlink.db.models  # noqa: F401  (registers every table)
    from ledgerlink.db.base import Base

    httpx.post(f"{emulator.base_url}/_emulator/reset", json={"seed": "demo"}).raise_for_status()
    sock = bound_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = httpx.post(f"{emulator.base_url}/_emulator/apps", json={
        "name": "ledgerlink console test", "redirect_uris": [f"{url}/oauth/xero/callback"]})
    app.raise_for_status()
    settings = Settings(
        data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
        secret_keys=SecretStr(SecretBox.generate_key()), public_url=url,
        xero_client_id=app.json()["client_id"],
        xero_client_secret=SecretStr(app.json()["client_secret"]),
        xero_api_url=emulator.api_url, xero_identity_url=emulator.base_url)
    live = ConsoleHub(settings)
    try:
        async def prepare() -> None:
            async with live.hub.db.engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
            await security.set_password(live.hub, PASSWORD)

        live.run(prepare())
        yield live.serve_on(sock)
    finally:
        live.close()


def control(emulator: RunningEmulator, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(f"{emulator.base_url}{path}", json=body)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def sign_in(page: Page, url: str, password: str = PASSWORD) -> None:
    page.goto(f"{url}/console")
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")


def consent(page: Page, tenant_ids: list[str], decision: str = "Allow access") -> None:
    """On the emulator's consent page: tick exactly these organisations, press a button."""
    page.wait_for_selector("input[name=tenant_id]", timeout=WAIT_MS)
    for box in page.locator("input[name=tenant_id]").all():
        box.set_checked(box.get_attribute("value") in tenant_ids)
    page.click(f"button:has-text('{decision}')")


def flag(page: Page, name: str) -> Any:
    return page.locator(f'input[name="{name}"]')


def test_sign_in_connect_configure_disconnect_reconnect(browser_page: BrowserPage,  # noqa: F811
                                                        hub_url: str,
                                                        emulator: RunningEmulator) -> None:
    seen, page = browser_page, browser_page.page
    first = emulator.emulator.info()["tenant_id"]
    second = control(emulator, "/_emulator/tenants", {"name": "Second Ltd",
                                                      "seed": "demo"})["tenant_id"]

    sign_in(page, hub_url, "not the password")
    assert "That password is not right" in page.inner_text("main")
    seen.screenshot("wrong-password")
    assert seen.errors == ["Failed to load resource: the server responded with a status of "
                           "401 (Unauthorized)"]  # the refused sign-in, as expected
    seen.errors.clear()
    sign_in(page, hub_url)
    page.wait_for_selector("h1:has-text('Integrations')")
    assert "No organisation is connected yet" in page.inner_text("main")

    page.click("a.button:has-text('Connect Xero')")
    seen.screenshot("connect")
    page.click("button:has-text('Connect with Xero')")
    consent(page, [first, second])
    page.wait_for_selector("h1:has-text('Choose the organisations')")
    page.click("a:has-text('Make the choice in the ledgerlink console')")
    page.check(f'input[value="{first}"]')
    page.check(f'input[value="{second}"]')
    seen.screenshot("choose")
    page.click("button:has-text('Connect the ticked organisations')")
    page.wait_for_selector("h1:has-text('Xero connected')")
    page.click("a:has-text('Back to integrations')")
    assert page.locator("span.status.active").count() == 2
    assert "Second Ltd" in page.inner_text("table")
    seen.screenshot("two-active")

    page.click("a:has-text('Second Ltd')")
    integration_url = page.url
    integration_id = integration_url.rsplit("/", 1)[1]
    assert not flag(page, "item.item_sync_to_xero").is_checked()
    flag(page, "item.item_sync_to_xero").check()
    page.click("button:has-text('Save configuration')")
    page.wait_for_selector("text=The configuration was saved")
    assert flag(page, "item.item_sync_to_xero").is_checked()
    seen.screenshot("configuration")

    page.click("a.button:has-text('Aged receivables')")
    page.wait_for_selector("figure.chart svg")
    assert page.locator("figure.chart svg").count() == 2
    assert "Top ten debtors" in page.inner_text("main")
    seen.screenshot("receivables")
    page.go_back()

    page.click("button:has-text('Disconnect')")
    page.wait_for_selector("h1:has-text('Disconnected')")
    page.goto(integration_url)
    assert page.inner_text("span.status") == "Disconnected"
    page.click("a.button:has-text('Reconnect')")
    seen.screenshot("reconnect")
    page.click("button:has-text('Reconnect with Xero')")
    consent(page, [second])
    page.wait_for_selector("h1:has-text('Xero connected')")
    assert "reconnected, settings kept" in page.inner_text("main")
    page.goto(integration_url)
    assert page.inner_text("span.status") == "Active"
    assert flag(page, "item.item_sync_to_xero").is_checked()  # same id, flag kept
    assert integration_id in page.inner_text("dl.facts")
    page.click("button:has-text('Sign out')")
    page.wait_for_selector("h1:has-text('Sign in')")
    page.goto(integration_url)
    assert "/console/sign-in" in page.url
    assert seen.off_loopback() == [] and seen.errors == []


def test_custom_connection_token_and_keys(browser_page: BrowserPage,  # noqa: F811
                                          hub_url: str,
                                          emulator: RunningEmulator) -> None:
    seen, page = browser_page, browser_page.page
    custom_org = control(emulator, "/_emulator/tenants", {"name": "Custom Ltd"})["tenant_id"]
    custom = control(emulator, "/_emulator/apps", {"name": "custom",
                                                   "custom_connection_tenant_id": custom_org})
    token_org = control(emulator, "/_emulator/tenants", {"name": "Token Ltd"})["tenant_id"]
    pat = control(emulator, "/_emulator/pat", {"tenant_id": token_org})["token"]

    sign_in(page, hub_url)
    page.goto(f"{hub_url}/console/connect")
    page.fill("#client_id", custom["client_id"])
    page.fill("#client_secret", custom["client_secret"])
    page.click("form[action='/console/connect/custom'] button")
    page.wait_for_selector("h1:has-text('Xero connected')")
    assert "Custom Ltd" in page.inner_text("main")

    page.goto(f"{hub_url}/console/connect")
    page.fill("#tenant_id", token_org)
    page.fill("#token", pat)
    page.click("form[action='/console/connect/pat'] button")
    page.wait_for_selector("h1:has-text('Xero connected')")
    page.goto(f"{hub_url}/console")
    text = page.inner_text("table")
    assert "Custom connection" in text and "Personal access token" in text
    seen.screenshot("three-kinds")
    html = page.content()
    assert custom["client_secret"] not in html and pat not in html

    page.goto(f"{hub_url}/console/keys")
    page.fill("#name", "crm")
    page.check("input[value='integrations:read']")
    page.check("input[value='config:write']")
    page.click("button:has-text('Create key')")
    secret = page.inner_text("code.secret")
    assert secret.startswith("llk_")
    seen.screenshot("key-created")
    page.goto(f"{hub_url}/console/keys")
    assert secret not in page.content()
    page.click("button:has-text('Revoke')")
    page.wait_for_selector("text=The key was revoked.")
    assert seen.off_loopback() == [] and seen.errors == []


def test_error_pages(browser_page: BrowserPage, hub_url: str,  # noqa: F811
                     emulator: RunningEmulator) -> None:
    seen, page = browser_page, browser_page.page
    sign_in(page, hub_url)
    page.goto(f"{hub_url}/console/connect")
    page.click("button:has-text('Connect with Xero')")
    consent(page, [emulator.emulator.info()["tenant_id"]], decision="Deny")
    page.wait_for_selector("h1:has-text('Xero was not connected')")
    assert "You declined" in page.inner_text("main")
    seen.screenshot("denied")
    seen.errors.clear()  # the page's 400 status, as expected
    page.goto(f"{hub_url}/oauth/xero/callback?code=x&state={secrets.token_urlsafe(16)}")
    assert "not started by ledgerlink" in page.inner_text("main")
    seen.screenshot("forged-state")
    page.click("a:has-text('Go to the ledgerlink console')")
    assert re.search(r"/console/connect$", page.url)
