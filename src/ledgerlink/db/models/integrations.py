"""Integrations (one per provider organisation), their OAuth grants, configuration, action runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledgerlink.db.base import Base, Timestamped, UtcDateTime, UuidPk


class ProviderGrant(UuidPk, Timestamped, Base):
    """One consent (OAuth grant) and its tokens; a grant may cover several organisations.

    Secrets are stored encrypted (the *_enc columns); the token store decrypts them.
    """

    __tablename__ = "provider_grants"

    platform: Mapped[str] = mapped_column(String(32), default="xero")
    kind: Mapped[str] = mapped_column(String(40))  # http.auth.ConnectionKind
    status: Mapped[str] = mapped_column(String(20), default="active")  # ConnectionStatus
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    client_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    client_secret_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    access_token_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    token_type: Mapped[str] = mapped_column(String(20), default="Bearer")
    expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    refreshed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    auth_event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Refreshes announced and not yet settled (each caller adds one before it may call the
    # provider, and takes it back if it did not); a stored pair or needs_reauth clears them.
    # One left over means a process died mid-refresh: the upkeep completes it in the grace.
    refreshes_in_flight: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    refresh_started_at: Mapped[float | None] = mapped_column(Float, nullable=True)

    integrations: Mapped[list[Integration]] = relationship(back_populates="grant")


class Integration(UuidPk, Timestamped, Base):
    """One connected organisation of one provider: what the API calls an integration."""

    __tablename__ = "integrations"
    __table_args__ = (UniqueConstraint("platform", "tenant_id", name="uq_integrations_tenant"),)

    platform: Mapped[str] = mapped_column(String(32), default="xero")
    name: Mapped[str] = mapped_column(String(255))
    # active, needs_reauth, disconnected or error; needs_reauth mirrors the grant's status.
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    grant_id: Mapped[str | None] = mapped_column(ForeignKey("provider_grants.id"),
                                                 nullable=True, index=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    tenant_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    tenant_type: Mapped[str] = mapped_column(String(32), default="ORGANISATION")
    connection_kind: Mapped[str] = mapped_column(String(40))
    connected_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    disconnected_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    grant: Mapped[ProviderGrant | None] = relationship(back_populates="integrations")


class IntegrationConfiguration(Timestamped, Base):
    """Module-wise sync configuration (account, item, transaction, purchase) of one integration."""

    __tablename__ = "integration_configurations"

    integration_id: Mapped[str] = mapped_column(ForeignKey("integrations.id",
                                                           ondelete="CASCADE"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ActionRun(UuidPk, Timestamped, Base):
    """An action executed on an integration; its Idempotency-Key makes repeats return it."""

    __tablename__ = "action_runs"
    __table_args__ = (UniqueConstraint("integration_id", "caller_id", "idempotency_key",
                                       name="uq_action_runs_caller_key"),)

    integration_id: Mapped[str] = mapped_column(ForeignKey("integrations.id",
                                                           ondelete="CASCADE"), index=True)
    # Who ran it ("key:<api key id>"): an Idempotency-Key belongs to its caller, so another
    # key using the same value never sees this run's answer.
    caller_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Who executes it now: a claim or a take-over sets a new lease, and only its holder may
    # keep the run alive or store its outcome.
    lease_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    action_type: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running/succeeded/failed
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
