"""Fixtures of the hub (tests/hub_fixtures.py): every test runs on SQLite and PostgreSQL."""

from tests.hub_fixtures import (  # noqa: F401
    client,
    database_url,
    hub,
    make_key,
    postgres_database,
    settings,
)
