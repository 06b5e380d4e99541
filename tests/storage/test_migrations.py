"""Alembic migrations build exactly Base.metadata on SQLite and PostgreSQL, and go back to base."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

import ledgerlink.db.models  # noqa: F401  (registers every table)
from ledgerlink.db import migrate
from ledgerlink.db.base import Base
from ledgerlink.db.engine import make_engine

pytestmark = pytest.mark.timeout(60)


def _schema(conn: Connection) -> dict[str, Any]:
    """Tables with their columns, and autogenerate's diff against the models."""
    inspector = inspect(conn)
    tables = {name: {c["name"] for c in inspector.get_columns(name)}
              for name in inspector.get_table_names()}
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return {"tables": tables, "diff": compare_metadata(context, Base.metadata)}


async def _inspect(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_schema)
    finally:
        await engine.dispose()


async def test_upgrade_builds_exactly_the_models_and_downgrade_removes_them(
        empty_database_url: str) -> None:
    url = empty_database_url
    assert await migrate.current_revision(url) is None
    await migrate.upgrade(url)
    assert await migrate.current_revision(url) == migrate.head_revision()

    schema = await _inspect(url)
    assert schema["diff"] == []
    expected = {t.name: {c.name for c in t.columns} for t in Base.metadata.sorted_tables}
    assert schema["tables"] == {**expected, "alembic_version": {"version_num"}}

    await migrate.upgrade(url)  # at head already: nothing to do, nothing fails
    await migrate.downgrade(url, "base")
    after = await _inspect(url)
    assert set(after["tables"]) == {"alembic_version"}
    assert await migrate.current_revision(url) is None


async def test_concurrent_upgrades_take_turns(empty_database_url: str) -> None:
    # Several `ledgerlink serve` processes starting at once: the lock serialises them.
    await asyncio.gather(*(migrate.upgrade(empty_database_url) for _ in range(3)))
    assert (await _inspect(empty_database_url))["diff"] == []


def test_upgrade_sync_works_from_any_directory(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no alembic.ini here: the package's migrations are used
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade_sync(url)
    assert asyncio.run(migrate.current_revision(url)) == migrate.head_revision()


def test_the_package_has_one_head_and_the_first_revision_is_0001() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1
    assert script.get_base() == "0001"
    assert (migrate.MIGRATIONS / "versions" / "0001_initial.py").exists()


def test_make_revision_finds_nothing_to_add_when_models_and_migrations_agree(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An empty autogenerate here is the same check as the diff above, through the tool a
    # developer uses; the file is written to a copy of the migrations, never into the package.
    import shutil

    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS", copy)
    expected = f"{int(migrate.head_revision() or 0) + 1:04d}_nothing_new.py"
    written = migrate.make_revision("nothing new")
    assert [p.name for p in written] == [expected]
    body = written[0].read_text()
    assert "op.create_table" not in body and "op.add_column" not in body


async def test_each_revision_goes_down_and_up_again_with_data(empty_database_url: str) -> None:
    """A connected integration and an action run survive every step down and back up."""
    from sqlalchemy import text

    url = empty_database_url
    await migrate.upgrade(url, "0001")
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            now = "2026-12-01 00:00:00+00:00"
            await conn.execute(text(
                "INSERT INTO provider_grants (id, platform, kind, status, token_type, scopes, "
                "version, created_at, updated_at) VALUES ('g1', 'xero', 'oauth_authorization_"
                "code', 'active', 'Bearer', '[]', 1, :now, :now)"), {"now": now})
            await conn.execute(text(
                "INSERT INTO integrations (id, platform, name, status, grant_id, tenant_id, "
                "tenant_type, connection_kind, created_at, updated_at) VALUES ('i1', 'xero', "
                "'Org', 'active', 'g1', 't1', 'ORGANISATION', 'oauth_authorization_code', "
                ":now, :now)"), {"now": now})
            await conn.execute(text(
                "INSERT INTO action_runs (id, integration_id, idempotency_key, action_type, "
                "request_hash, status, created_at, updated_at) VALUES ('r1', 'i1', 'k', "
                "'xero_create_contact', 'h', 'succeeded', :now, :now)"), {"now": now})
    finally:
        await engine.dispose()
    await migrate.upgrade(url)
    for revision in ("0002", "0001", "head"):
        if revision == "head":
            await migrate.upgrade(url)
        else:
            await migrate.downgrade(url, revision)
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                counts = [(await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar()
                          for table in ("provider_grants", "integrations", "action_runs")]
        finally:
            await engine.dispose()
        assert counts == [1, 1, 1], revision
    assert (await _inspect(url))["diff"] == []
