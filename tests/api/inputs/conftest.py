"""Fixtures of the input-limit tests: the emulator's organisation connected, an all-scope key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledgerlink.auth.scopes import Scope
from ledgerlink.config import Settings
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, start_in_thread
from ledgerlink.hub import Hub
from tests.hub_fixtures import KeyMaker, bearer, connect_emulator, with_emulator_app


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    """The demo organisation on loopback, shared by a module's tests."""
    handle = start_in_thread(EmulatorConfig(seed="demo"))
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def settings(settings: Settings, emulator: RunningEmulator) -> Settings:
    """The hub's Xero app is the emulator's demo app."""
    return with_emulator_app(settings, emulator)


@pytest.fixture
async def integration_id(hub: Hub, emulator: RunningEmulator) -> str:
    """The demo organisation, connected."""
    return await connect_emulator(hub, emulator)


@pytest.fixture
async def key(make_key: KeyMaker) -> dict[str, str]:
    """The Authorization header of a key with every scope."""
    return bearer(await make_key(*Scope))
