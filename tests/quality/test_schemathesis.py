"""Schemathesis over /openapi.json, on the hub served by uvicorn (SQLite, then PostgreSQL).

With an all-scopes API key, every operation gets its examples plus positive and negative
generated cases (routes naming an integration also with the connected demo organisation, so
queries really reach the emulator). No answer may be a 5xx, an undocumented status, or a body
that breaks its documented schema; data the schema allows is never refused as breaking it
(`invalid_input`), and data it forbids is always refused (tests/quality/fuzz.py). Bounded by
counts alone: a fixed number of derandomized examples per operation and no shrinking, so every
run (on an idle or a loaded machine) sends the same requests and covers every operation.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerlink.api.app import create_app
from ledgerlink.auth import service as auth_service
from ledgerlink.auth.scopes import Scope
from ledgerlink.db.base import Base
from ledgerlink.emulator.core.server import RunningEmulator
from tests.quality.fuzz import Fuzzer, FuzzReport, load
from tests.quality.support import LiveHub, connect_demo, hub_settings, unlimited_budget

# Only a guard against a hang: the amount of work is fixed by EXAMPLES, not by the clock.
pytestmark = pytest.mark.timeout(900)
# Examples per operation, generation mode and path-parameter choice. PostgreSQL gets fewer: the
# code paths are the same, only the database's answers to odd inputs (NUL, sizes) differ.
EXAMPLES = {"sqlite": 8, "postgresql": 3}


@pytest.fixture
def live(database_url: str, tmp_path: Path, emulator: RunningEmulator) -> Iterator[LiveHub]:
    """The hub over real HTTP on loopback, its schema fresh, the demo organisation connected."""
    served = LiveHub(hub_settings(database_url, tmp_path, emulator))
    try:
        yield served
    finally:
        served.close()


async def _prepare(live: LiveHub, emulator: RunningEmulator) -> tuple[str, str]:
    import ledgerlink.db.models  # noqa: F401  (registers every table)

    async with live.hub.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    unlimited_budget(live.hub)
    integration_id = await connect_demo(live.hub, emulator)
    async with live.hub.db.session() as session:
        key = await auth_service.create_key(session, "schemathesis", set(Scope), live.hub.pepper)
    return integration_id, key.secret


def test_no_server_error_and_no_schema_violation(live: LiveHub, emulator: RunningEmulator,
                                                 database_url: str) -> None:
    integration_id, api_key = live.run(_prepare(live, emulator))
    base_url = live.serve()
    examples = EXAMPLES["sqlite" if database_url.startswith("sqlite") else "postgresql"]
    # A longer one-off run (the closing note's figures): LEDGERLINK_FUZZ_EXAMPLES=40.
    examples = int(os.environ.get("LEDGERLINK_FUZZ_EXAMPLES", examples))
    schema = load(create_app(hub=live.hub).openapi())
    report = Fuzzer(base_url, api_key, integration_id, examples).run(schema)
    print(report.summary())
    assert not report.failures, "\n\n".join(report.failures)
    _assert_it_did_real_work(report)


def _assert_it_did_real_work(report: FuzzReport) -> None:
    """Guard against a run that only met 401s and 404s: the connected routes answered 2xx."""
    if os.environ.get("LEDGERLINK_FUZZ_ONLY"):
        return  # a developer's run of some operations only
    ops = report.by_operation
    assert ops["POST /api/v1/integrations/{integration_id}/query"].get(200, 0) >= 10
    for label in ("GET /api/v1/integrations/{integration_id}",
                  "GET /api/v2/integration-connections/{connection_uuid}",
                  "PUT /api/v3/integration/{integration_uuid}/configuration",
                  "POST /api/v3/integration/{integration_uuid}/partner-function",
                  "POST /api/v1/customers"):
        assert any(200 <= code < 300 for code in ops[label]), (label, ops[label])
    # Every operation of the schema was called (nothing is left for lack of time).
    assert len(report.operations) >= 50, report.summary()
    assert sorted(set(report.operations) - set(ops)) == [], report.summary()
