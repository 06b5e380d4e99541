"""Fixtures of the connect-flow tests: the hub (SQLite and PostgreSQL), the emulator on loopback,
a browser stand-in for Xero's consent page, and an app serving only the public OAuth router."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from ledgerlink.api import errors
from ledgerlink.cli.browser import ConsentForm
from ledgerlink.config import Settings
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, running
from ledgerlink.hub import Hub
from ledgerlink.oauth.endpoints import BROWSER_SESSION_COOKIE, public_router
from tests.hub_fixtures import (  # noqa: F401
    base_settings,
    client,
    database_url,
    hub,
    make_key,
    postgres_database,
    with_emulator_app,
)

pytestmark = pytest.mark.timeout(60)
HUB_URL = "http://127.0.0.1:8765"  # Settings' default public URL; nothing listens there


@pytest.fixture(scope="session")
def emulator() -> Iterator[RunningEmulator]:
    """One emulator on loopback for the session; `xero` resets it for each test."""
    with running(EmulatorConfig(seed="empty")) as handle:
        yield handle


@dataclass
class Xero:
    """The emulator as the tests drive it: control plane, consent, organisations."""

    handle: RunningEmulator
    control: httpx.AsyncClient

    @property
    def info(self) -> dict[str, Any]:
        """The seeded app, custom connection and organisation."""
        return self.handle.emulator.info()

    async def new_tenant(self, name: str) -> str:
        """Another organisation the demo user may consent to."""
        created = await self.control.post("/_emulator/tenants", json={"name": name})
        assert created.status_code == 201, created.text
        return str(created.json()["tenant_id"])

    async def consent(self, authorize_url: str, tenant_ids: list[str],
                      decision: str = "allow") -> dict[str, str]:
        """A person on Xero's consent page: tick organisations, press a button; the query of
        the redirect back to the hub (not followed: the tests call the hub themselves)."""
        page = await self.control.get(authorize_url)
        assert page.status_code == 200, page.text
        form = ConsentForm(page.text)
        answer = await self.control.post("/identity/connect/authorize", data={
            **form.hidden, "tenant_id": tenant_ids, "decision": decision})
        assert answer.status_code == 302, answer.text
        location = answer.headers["location"]
        assert location.startswith(HUB_URL + "/oauth/xero/callback?")
        return dict(parse_qsl(urlsplit(location).query))

    def connected_apps(self, tenant_id: str) -> set[str]:
        """Client ids with a live connection to an organisation."""
        return self.handle.emulator.identity.connected_apps(tenant_id)

    async def identity_calls(self, client_id: str) -> dict[str, int]:
        """Identity operations an app made since the reset."""
        body = (await self.control.get("/_emulator/calls")).json()
        calls: dict[str, int] = body["identity"]["by_client"].get(client_id, {})
        return calls

    async def pat(self, tenant_id: str) -> dict[str, Any]:
        """A personal access token for one organisation."""
        issued = await self.control.post("/_emulator/pat", json={"tenant_id": tenant_id})
        assert issued.status_code == 201, issued.text
        answer: dict[str, Any] = issued.json()
        return answer


@pytest.fixture
async def xero(emulator: RunningEmulator) -> AsyncIterator[Xero]:
    """The emulator reset to one empty organisation, its clock back to real time."""
    async with httpx.AsyncClient(base_url=emulator.base_url, trust_env=False) as control:
        (await control.post("/_emulator/reset", json={"seed": "empty"})).raise_for_status()
        (await control.post("/_emulator/clock", json={"reset": True})).raise_for_status()
        yield Xero(emulator, control)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, emulator: RunningEmulator) -> Settings:  # noqa: F811
    """The test hub's settings: the emulator's demo app as its Xero app."""
    return with_emulator_app(base_settings(database_url, tmp_path), emulator)


def public_app(hub: Hub) -> FastAPI:  # noqa: F811
    """An app with only the public OAuth router (and the API's error handlers)."""
    app = FastAPI()
    app.state.hub = hub
    errors.install(app)
    app.include_router(public_router)
    return app


@pytest.fixture
def browser(hub: Hub) -> Iterator[Any]:  # noqa: F811
    """Open the hub's public pages as one browser (its session cookie given per call)."""

    def open_as(session_id: str | None) -> httpx.AsyncClient:
        cookies = {BROWSER_SESSION_COOKIE: session_id} if session_id else {}
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=public_app(hub)),
                                 base_url=HUB_URL, cookies=cookies)

    yield open_as
