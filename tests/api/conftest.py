"""API test fixtures: the shared hub fixtures (tests/hub_fixtures.py) and the emulator as Xero.

A module may override `emulator` (another seed, a fixed clock); `settings` and
`integration_id` then use its emulator.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerlink.config import Settings
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, running
from ledgerlink.hub import Hub
from tests.hub_fixtures import (  # noqa: F401
    base_settings,
    client,
    connect_emulator,
    database_url,
    hub,
    make_key,
    postgres_database,
    with_emulator_app,
)


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    """The demo organisation on loopback, shared by a module's tests."""
    with running(EmulatorConfig(seed="demo")) as handle:
        yield handle


@pytest.fixture
def settings(database_url: str, tmp_path: Path,  # noqa: F811
             emulator: RunningEmulator) -> Settings:
    """The test hub's settings, its Xero app the emulator's demo app."""
    return with_emulator_app(base_settings(database_url, tmp_path), emulator)


@pytest.fixture
async def integration_id(hub: Hub, emulator: RunningEmulator) -> str:  # noqa: F811
    """The demo organisation connected through a real consent's tokens and /connections."""
    return await connect_emulator(hub, emulator)
