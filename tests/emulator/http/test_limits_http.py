"""Rate limits over HTTP: a 6th concurrent call and a 61st call in a minute get 429s."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, start_in_thread
from tests.conformance.spec import Recorder
from tests.emulator.http.support import TIMEOUT, api_client, connect, control, new_tenant

LIMIT_HEADERS = ("X-DayLimit-Remaining", "X-MinLimit-Remaining", "X-AppMinLimit-Remaining")


@dataclass
class Served:
    """An emulator with its own limits, and a connected client for its organisation."""

    handle: RunningEmulator
    ctl: httpx.Client
    api: httpx.Client
    info: dict[str, Any]
    token: dict[str, Any]


@contextmanager
def serving(recorder: Recorder, **limits: Any) -> Iterator[Served]:
    """Start an emulator with rate limits on and the given overrides; stop it afterwards."""
    handle = start_in_thread(EmulatorConfig(seed="empty", rate_limits=True, **limits),
                             wrap=recorder.wrap)
    try:
        with control(handle) as ctl:
            info = ctl.get("/_emulator/info").json()
            token = connect(ctl, info["client_id"], [info["tenant_id"]])
            with api_client(handle, token["access_token"], info["tenant_id"]) as api:
                yield Served(handle, ctl, api, info, token)
    finally:
        handle.stop()


def remaining(response: httpx.Response) -> tuple[int, int, int]:
    """(day, minute, app minute) allowance left, from the response headers."""
    day, minute, app = (int(response.headers[h]) for h in LIMIT_HEADERS)
    return day, minute, app


def test_a_sixth_concurrent_call_gets_429(recorder: Recorder) -> None:
    with serving(recorder, latency_ms=300) as served:

        async def fire() -> list[httpx.Response]:
            headers = dict(served.api.headers)
            async with httpx.AsyncClient(base_url=served.handle.api_url, headers=headers,
                                         timeout=TIMEOUT, trust_env=False) as client:
                return list(await asyncio.gather(*(client.get("/Organisation")
                                                   for _ in range(6))))

        responses = asyncio.run(fire())
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 5 + [429]
        refused = next(r for r in responses if r.status_code == 429)
        assert refused.headers["X-Rate-Limit-Problem"] == "concurrent"
        assert int(refused.headers["Retry-After"]) >= 1
        # Once the five have answered, a call is admitted again.
        assert served.api.get("/Organisation").status_code == 200


def test_the_61st_call_in_a_minute_gets_429_and_headers_count_down(
        recorder: Recorder) -> None:
    with serving(recorder) as served:
        seen = [remaining(served.api.get("/Organisation")) for _ in range(60)]
        # The allowance after each call: 5000/60/10000 less the calls made so far.
        assert seen == [(5000 - n, 60 - n, 10000 - n) for n in range(1, 61)]
        refused = served.api.get("/Organisation")
        assert refused.status_code == 429
        assert refused.headers["X-Rate-Limit-Problem"] == "minute"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["X-MinLimit-Remaining"] == "0"
        # A refused call is not counted against the day.
        assert served.api.get("/Contacts").status_code == 429
        assert remaining(refused)[0] == 4940


def test_the_minute_allowance_recovers_after_the_window(recorder: Recorder) -> None:
    with serving(recorder, minute_window=2.0, minute_limit=5) as served:
        for _ in range(5):
            assert served.api.get("/Organisation").status_code == 200
        refused = served.api.get("/Organisation")
        assert refused.status_code == 429
        wait = int(refused.headers["Retry-After"])
        assert 1 <= wait <= 2
        time.sleep(wait + 0.1)
        again = served.api.get("/Organisation")
        assert again.status_code == 200
        assert remaining(again)[1] >= 0


def test_the_day_limit_names_day(recorder: Recorder) -> None:
    with serving(recorder, day_limit=5) as served:
        assert [remaining(served.api.get("/Organisation"))[0] for _ in range(5)] == [
            4, 3, 2, 1, 0]
        refused = served.api.get("/Organisation")
        assert refused.status_code == 429
        assert refused.headers["X-Rate-Limit-Problem"] == "day"
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.headers["X-DayLimit-Remaining"] == "0"


def test_limits_are_per_tenant_but_the_app_minute_spans_tenants(recorder: Recorder) -> None:
    with serving(recorder, minute_limit=3, app_minute_limit=5) as served:
        other_id, other_token = new_tenant(served.ctl, served.info["client_id"])
        with api_client(served.handle, other_token["access_token"], other_id) as other:
            assert [served.api.get("/Organisation").status_code for _ in range(4)] == [
                200, 200, 200, 429]
            # The other organisation has its own minute, but the app only has 5 a minute.
            assert [other.get("/Organisation").status_code for _ in range(2)] == [200, 200]
            refused = other.get("/Organisation")
        assert refused.status_code == 429
        assert refused.headers["X-Rate-Limit-Problem"] == "appminute"


def test_rate_limits_off_never_refuse(recorder: Recorder) -> None:
    with serving(recorder, minute_limit=2) as served:
        served.handle.emulator.limiter.enabled = False
        assert all(served.api.get("/Organisation").status_code == 200 for _ in range(5))
