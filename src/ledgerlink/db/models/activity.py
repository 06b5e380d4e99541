"""The activity log: the latest calls the hub made to a provider, per organisation (bounded)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db.base import Base, UtcDateTime


class ProviderCall(Base):
    """One attempt of a call to a provider's API, as `http.observer.CallRecord` reported it.

    Keyed by organisation (platform and tenant id, which name one integration) rather than by
    integration id, so it is written without a lookup; the grant is kept for reference only
    (no foreign key: forgetting a grant must not be blocked by its log). Holds no URL, query,
    header or body. The recorder prunes each organisation to its latest rows.
    """

    __tablename__ = "provider_calls"
    __table_args__ = (Index("ix_provider_calls_tenant", "platform", "tenant_id", "id"),)

    # Insertion order is the log's order; SQLite only autoincrements an INTEGER key.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"),
                                    primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    tenant_id: Mapped[str] = mapped_column(String(64))
    grant_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    operation: Mapped[str] = mapped_column(String(80))
    method: Mapped[str] = mapped_column(String(10))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(String(80), nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    day_remaining: Mapped[int | None] = mapped_column(Integer, nullable=True)
    minute_remaining: Mapped[int | None] = mapped_column(Integer, nullable=True)
