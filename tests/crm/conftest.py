"""CRM test fixtures: the shared hub fixtures (tests/hub_fixtures.py) and the CRM ones."""

from tests.crm.fixtures import crm, reader, writer  # noqa: F401
from tests.hub_fixtures import (  # noqa: F401
    client,
    database_url,
    hub,
    make_key,
    postgres_database,
    settings,
)
