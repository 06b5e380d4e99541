"""API test fixtures live in tests/hub_fixtures.py so every hub test folder can share them."""

from tests.hub_fixtures import (  # noqa: F401
    client,
    database_url,
    hub,
    make_key,
    postgres_database,
    settings,
)
