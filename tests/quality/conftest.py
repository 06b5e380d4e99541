"""Fixtures of the quality gates: the shared hub fixtures plus the emulator, limits off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerlink.config import Settings
from ledgerlink.emulator.core.server import RunningEmulator, running
from ledgerlink.hub import Hub
from tests.hub_fixtures import (  # noqa: F401
    client,
    database_url,
    hub,
    make_key,
    postgres_database,
)
from tests.quality.support import connect_demo, emulator_config, hub_settings, unlimited_budget


@pytest.fixture(scope="session")
def emulator() -> Iterator[RunningEmulator]:
    """The demo organisation on loopback, rate limits off, shared by the quality gates."""
    with running(emulator_config()) as handle:
        yield handle


@pytest.fixture
def settings(database_url: str, tmp_path: Path,  # noqa: F811
             emulator: RunningEmulator) -> Settings:
    """The test hub's settings: the emulator as Xero, and every secret setting set."""
    return hub_settings(database_url, tmp_path, emulator)


@pytest.fixture
async def integration_id(hub: Hub, emulator: RunningEmulator) -> str:  # noqa: F811
    """The demo organisation connected through a consent's tokens (budget without limits)."""
    unlimited_budget(hub)
    return await connect_demo(hub, emulator)
