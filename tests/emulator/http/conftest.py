"""Fixtures: one emulator per module on loopback, a control client, a token and an API client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, start_in_thread
from tests.conformance.spec import Recorded, Recorder, schema_errors
from tests.emulator.http.support import api_client, connect, control


@pytest.fixture(scope="module")
def emulator_config() -> EmulatorConfig:
    """An empty organisation without rate limits; modules override this fixture as needed."""
    return EmulatorConfig(seed="empty", rate_limits=False)


@pytest.fixture(scope="module")
def recorder() -> Recorder:
    """Every response of the module's emulator, validated against the spec at the end."""
    return Recorder()


@pytest.fixture(scope="module")
def emulator(emulator_config: EmulatorConfig, recorder: Recorder) -> Iterator[RunningEmulator]:
    """The module's emulator on a free loopback port."""
    handle = start_in_thread(emulator_config, wrap=recorder.wrap)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def ctl(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """A client for /_emulator/ and the identity paths."""
    with control(emulator) as client:
        yield client


@pytest.fixture(scope="module")
def info(ctl: httpx.Client) -> dict[str, Any]:
    """The seeded app and organisation."""
    data: dict[str, Any] = ctl.get("/_emulator/info").json()
    return data


@pytest.fixture(scope="module")
def token(ctl: httpx.Client, info: dict[str, Any]) -> dict[str, Any]:
    """A token of the seeded app connected to the seeded organisation."""
    return connect(ctl, info["client_id"], [info["tenant_id"]])


@pytest.fixture(scope="module")
def api(emulator: RunningEmulator, token: dict[str, Any],
        info: dict[str, Any]) -> Iterator[httpx.Client]:
    """An accounting API client for the seeded organisation."""
    with api_client(emulator, token["access_token"], info["tenant_id"]) as client:
        yield client


# Cross-cutting answers (400 for a bad parameter, 401, 403, 404, 405, 429, 503) are documented
# once for the whole API rather than per operation; the tests check those bodies themselves.
def _problems(responses: list[Recorded]) -> list[str]:
    return [problem for item in responses for problem in schema_errors(item)
            if not (item.status >= 400 and "is not documented" in problem)]


@pytest.fixture(scope="module", autouse=True)
def responses_follow_the_spec(recorder: Recorder) -> Iterator[None]:
    """After a module's tests, every JSON body its emulator sent must fit the spec."""
    yield
    problems = _problems(recorder.responses)
    assert not problems, f"{len(problems)} schema violations:\n" + "\n".join(problems[:40])
