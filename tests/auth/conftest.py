"""API key test fixtures: the shared hub fixtures (tests/hub_fixtures.py)."""

from tests.hub_fixtures import (  # noqa: F401
    client,
    database_url,
    hub,
    make_key,
    postgres_database,
    settings,
)
