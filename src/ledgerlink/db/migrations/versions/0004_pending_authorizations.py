"""Authorizations under way: state and PKCE verifier server-side, so any process takes a callback.

oauth_pending_authorizations.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "oauth_pending_authorizations",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("browser_session_hash", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2048), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("integration_id", sa.String(length=36), nullable=True),
        sa.Column("code_verifier_enc", sa.Text(), nullable=True),
        sa.Column("tokens_enc", sa.Text(), nullable=True),
        sa.Column("connections", sa.JSON(), nullable=True),
        sa.Column("auth_event_id", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_oauth_pending_authorizations_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_pending_authorizations")),
        sa.UniqueConstraint("state_hash",
                            name=op.f("uq_oauth_pending_authorizations_state_hash")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("oauth_pending_authorizations")
