"""Fixtures for driving real Xero clients against an emulator served on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, start_in_thread
from tests.conformance.spec import Recorder, validate_all
from tests.conformance.xero_python_support import Sdk, default_sdk, sdk_token_urls
from tests.xero_openapi import spec_file


@pytest.fixture(scope="module")
def recorder() -> Recorder:
    """Every response of the module's emulator, validated against the spec at the end."""
    return Recorder()


@pytest.fixture(scope="module")
def emulator(recorder: Recorder) -> Iterator[RunningEmulator]:
    """A demo-seeded emulator on a free loopback port, with response recording."""
    handle = start_in_thread(EmulatorConfig(seed="demo", auto_consent=False),
                             wrap=recorder.wrap)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module", autouse=True)
def responses_follow_the_spec(recorder: Recorder) -> Iterator[None]:
    """After a module's tests, every JSON body the emulator sent must fit the spec."""
    spec_file("xero_accounting.yaml")  # without the spec, say how to get it before any test runs
    yield
    checked, problems = validate_all(recorder.responses)
    assert not problems, f"{len(problems)} schema violations:\n" + "\n".join(problems[:40])
    assert checked or not recorder.responses, "no JSON body was checked against the spec"


def info(emulator: RunningEmulator) -> dict[str, Any]:
    """The seeded app and organisation."""
    return emulator.emulator.info()


@pytest.fixture(scope="module")
def sdk(emulator: RunningEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sdk]:
    """xero-python as the seeded app, connected to the demo organisation."""
    with sdk_token_urls(emulator):
        yield default_sdk(emulator, str(tmp_path_factory.mktemp("xero-python")))


@pytest.fixture(scope="module")
def tenant(emulator: RunningEmulator) -> str:
    """The demo organisation's tenant id."""
    return str(emulator.emulator.info()["tenant_id"])
