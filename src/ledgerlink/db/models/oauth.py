"""Authorizations under way: a browser sent to Xero's consent, until its callback is settled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db.base import Base, Timestamped, UtcDateTime, UuidPk


class PendingAuthorization(UuidPk, Timestamped, Base):
    """One authorization-code flow, kept server-side so any hub process can take its callback.

    Only hashes of the `state` and of the browser session are stored; the PKCE verifier and,
    while the person chooses organisations, the tokens are encrypted (the *_enc columns) and
    cleared once used. `stage` moves once: started → awaiting_choice → completed, or failed.
    """

    __tablename__ = "oauth_pending_authorizations"

    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    browser_session_hash: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(20), default="started")
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Set when reconnecting one integration: the consent must cover its organisation.
    integration_id: Mapped[str | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), nullable=True)
    code_verifier_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    tokens_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The organisations the consent connected (ids and names; no secret).
    connections: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    auth_event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
