"""The declarative base, with a naming convention so migrations name constraints stably."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, String, TypeDecorator
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which has no zones) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Aware UTC now."""
    return datetime.now(UTC)


def insert_or_skip(dialect: str, model: Any, values: Any, key: list[str]) -> Any:
    """INSERT … ON CONFLICT (key) DO NOTHING, on PostgreSQL and SQLite alike: two first
    writers meet on one row instead of one failing."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return insert(model).values(values).on_conflict_do_nothing(index_elements=key)


def new_uuid() -> str:
    """A random UUID as text (stored as a 36-character string on every backend)."""
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    """Base of every table."""

    metadata = MetaData(naming_convention=NAMING)


class Timestamped:
    """created_at and updated_at columns."""

    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow,
                                                 nullable=False)


class UuidPk:
    """A UUID primary key named id."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
