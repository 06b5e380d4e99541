"""Fixtures of the input-limit tests: the emulator's organisation connected, an all-scope key."""

from __future__ import annotations

import pytest

from ledgerlink.auth.scopes import Scope
from tests.hub_fixtures import KeyMaker, bearer


@pytest.fixture
async def key(make_key: KeyMaker) -> dict[str, str]:
    """The Authorization header of a key with every scope."""
    return bearer(await make_key(*Scope))
