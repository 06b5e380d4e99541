"""Alembic's environment: migrates on a connection handed over by ledgerlink.db.migrate.

`ledgerlink.db.migrate` opens the async engine, takes the migration lock and passes the
connection in `config.attributes["connection"]`; run without one (plain `alembic` with a
`sqlalchemy.url`), this file opens the async engine itself.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import TypeDecorator
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

import ledgerlink.db.models  # noqa: F401  (registers every table on Base.metadata)
from ledgerlink.db.base import Base, UtcDateTime
from ledgerlink.db.engine import make_engine
from ledgerlink.db.models.crm import ExactDecimal

config = context.config
target_metadata = Base.metadata


def _render_item(kind: str, obj: Any, autogen: AutogenContext) -> str | Literal[False]:
    """Migrations spell our column types in plain SQLAlchemy, so they never import app code."""
    if kind != "type" or not isinstance(obj, TypeDecorator):
        return False
    if isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, ExactDecimal):  # NUMERIC on PostgreSQL, exact text on SQLite
        return (f"sa.Numeric({obj.precision}, {obj.scale})"
                f".with_variant(sa.String({obj.precision + 2}), 'sqlite')")
    if type(obj).load_dialect_impl is TypeDecorator.load_dialect_impl:
        return f"sa.{obj.impl_instance!r}"  # one type on every backend: its impl says it all
    raise TypeError(
        f"{type(obj).__name__} differs per backend: teach _render_item in "
        "ledgerlink/db/migrations/env.py how to write it in plain SQLAlchemy")


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters tables by copying them; batch mode writes those steps for us.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def _offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True,
                      dialect_opts={"paramstyle": "named"}, render_item=_render_item)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _offline()
elif (shared := config.attributes.get("connection")) is not None:
    _run(shared)
else:
    asyncio.run(_run_async(str(config.get_main_option("sqlalchemy.url"))))
