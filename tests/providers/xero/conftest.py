"""Fixtures: an emulator on loopback, a static-token ProviderHttp and a XeroClient for its org."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx2
import pytest

from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, start_in_thread
from ledgerlink.http.budget import MemoryBudget, XeroLimits
from ledgerlink.http.client import ProviderHttp
from ledgerlink.http.retry import RetryPolicy
from ledgerlink.providers.xero.client import XeroClient
from tests.fakes import FakeClock

# The budget runs on a FakeClock (its waits take no time) while the emulator counts real time,
# so the two only agree when neither has to wait for a minute window: both get the same
# generous limits. Pacing itself is tested in tests/http against the real limits.
MINUTE_LIMIT = 10_000
DAY_LIMIT = 100_000
APP_MINUTE_LIMIT = 100_000


class StaticBearer(httpx2.Auth):
    """A fixed bearer token (what a personal access token connection sends)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request,
                                                              httpx2.Response, None]:
        """Add the header and send once."""
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


@dataclass
class SeenRequest:
    """One request as the emulator received it (header names lower-cased)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]


@dataclass
class RequestLog:
    """ASGI middleware recording every request that reaches the emulator."""

    requests: list[SeenRequest] = field(default_factory=list)

    def wrap(self, app: Any) -> Any:
        """The emulator app behind the recorder."""

        async def recorder(scope: dict[str, Any], receive: Callable[[], Awaitable[Any]],
                           send: Callable[[Any], Awaitable[None]]) -> None:
            if scope["type"] == "http":
                headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                           for k, v in scope["headers"]}
                self.requests.append(SeenRequest(scope["method"], scope["path"],
                                                 scope["query_string"].decode(), headers))
            await app(scope, receive, send)

        return recorder

    def api(self) -> list[SeenRequest]:
        """Only the accounting API calls (not the control plane)."""
        return [r for r in self.requests if r.path.lower().startswith("/api.xro/2.0")]


@pytest.fixture
def request_log() -> RequestLog:
    """What the test's emulator received."""
    return RequestLog()


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """The demo organisation (250 invoices, 50 contacts); override per module as needed."""
    return EmulatorConfig(seed="demo", minute_limit=MINUTE_LIMIT, day_limit=DAY_LIMIT,
                          app_minute_limit=APP_MINUTE_LIMIT)


@pytest.fixture
def emulator(emulator_config: EmulatorConfig,
             request_log: RequestLog) -> Iterator[RunningEmulator]:
    """A fresh emulator per test on a free loopback port (starting one takes ~0.5 s)."""
    handle = start_in_thread(emulator_config, wrap=request_log.wrap)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def control(emulator: RunningEmulator) -> Iterator[httpx2.Client]:
    """A client for the emulator's control plane (/_emulator/…)."""
    with httpx2.Client(base_url=emulator.base_url, timeout=10.0, trust_env=False) as client:
        yield client


def connect(control: httpx2.Client, client_id: str, tenant_ids: list[str] | None = None,
            scopes: list[str] | None = None) -> str:
    """An access token of `client_id` consented to `tenant_ids` (all organisations if None)."""
    body: dict[str, Any] = {"client_id": client_id}
    if tenant_ids is not None:
        body["tenant_ids"] = tenant_ids
    if scopes is not None:
        body["scopes"] = scopes
    response = control.post("/_emulator/connect", json=body)
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


@pytest.fixture
def info(control: httpx2.Client) -> dict[str, Any]:
    """The seeded app and organisation (client_id, tenant_id, …)."""
    data: dict[str, Any] = control.get("/_emulator/info").json()
    return data


@pytest.fixture
def token(control: httpx2.Client, info: dict[str, Any]) -> str:
    """A token of the demo app for every organisation that exists when it is asked for."""
    return connect(control, info["client_id"])


@pytest.fixture
def fake_clock() -> FakeClock:
    """The clock of the budget and the retry policy: waits are recorded, not slept."""
    return FakeClock()


class HttpFactory(Protocol):
    """Builds a ProviderHttp for a bearer token."""

    def __call__(self, bearer: str, *, timeout: float = 10.0) -> ProviderHttp: ...


@pytest.fixture
async def make_http(emulator: RunningEmulator,
                    fake_clock: FakeClock) -> AsyncIterator[HttpFactory]:
    """Build ProviderHttp objects for a bearer token; all are closed after the test."""
    made: list[tuple[ProviderHttp, MemoryBudget]] = []

    def factory(bearer: str, *, timeout: float = 10.0) -> ProviderHttp:
        limits = XeroLimits(per_minute=MINUTE_LIMIT, per_day=DAY_LIMIT,
                            app_per_minute=APP_MINUTE_LIMIT)
        budget = MemoryBudget(limits, fake_clock)
        http = ProviderHttp(emulator.api_url, auth=StaticBearer(bearer), budget=budget,
                            retry=RetryPolicy(clock=fake_clock), timeout=timeout, trust_env=False)
        made.append((http, budget))
        return http

    yield factory
    for http, budget in made:
        await http.aclose()
        await budget.aclose()


@pytest.fixture
def http(make_http: HttpFactory, token: str) -> ProviderHttp:
    """A ProviderHttp with the demo app's token."""
    return make_http(token)


@pytest.fixture
def xero(http: ProviderHttp, info: dict[str, Any]) -> XeroClient:
    """A XeroClient for the demo organisation."""
    return XeroClient(http, tenant_id=info["tenant_id"], app_id=info["client_id"])
