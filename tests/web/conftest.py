"""Fixtures of the console tests: the hub with the console installed, a browser-like client,
an admin password, a movable clock, and the emulator (from the connect-flow tests)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
import pytest

from ledgerlink.api.app import create_app
from ledgerlink.db.base import utcnow
from ledgerlink.hub import Hub
from ledgerlink.web import security
from ledgerlink.web.app import install_console
from ledgerlink.web.security import Console
from tests.hub_fixtures import database_url, hub, make_key, postgres_database  # noqa: F401
from tests.oauth.conftest import HUB_URL, emulator, settings, xero  # noqa: F401

PASSWORD = "correct horse battery staple"
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')

pytestmark = pytest.mark.timeout(60)


@dataclass
class Clock:
    """The console's clock, moved by the tests."""

    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return utcnow() + self.offset


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = TOKEN_RE.search(html)
    assert found, html[:2000]
    return found.group(1)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def console(hub: Hub, clock: Clock) -> Console:  # noqa: F811
    return Console(hub, now=clock.now)


Opener = Callable[..., httpx.AsyncClient]


@pytest.fixture
def open_browser(hub: Hub, console: Console) -> Opener:  # noqa: F811
    """A client for the hub with its console, as one browser at `address`."""
    app = create_app(hub=hub)
    install_console(app, console)

    def make(address: str = "127.0.0.1") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        return httpx.AsyncClient(transport=transport, base_url=HUB_URL)

    return make


@pytest.fixture
async def web(open_browser: Opener) -> AsyncIterator[httpx.AsyncClient]:
    async with open_browser() as client:
        yield client


@pytest.fixture
async def password(hub: Hub) -> str:  # noqa: F811
    await security.set_password(hub, PASSWORD)
    return PASSWORD


async def sign_in(web: httpx.AsyncClient, password: str) -> httpx.Response:
    """Fill in the sign-in form as a browser would."""
    form = await web.get("/console/sign-in")
    assert form.status_code == 200, form.text
    return await web.post("/console/sign-in", data={"csrf_token": csrf_of(form.text),
                                                    "password": password,
                                                    "next": "/console"})


@pytest.fixture
async def signed_in(web: httpx.AsyncClient, password: str) -> httpx.AsyncClient:
    answer = await sign_in(web, password)
    assert answer.status_code == 303 and answer.headers["location"] == "/console", answer.text
    return web
