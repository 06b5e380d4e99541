"""Idempotency-Keys scoped to their caller; refreshes in flight recorded on the grant.

action_runs.caller_id (unique with integration and key); provider_grants.refresh_started_at.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 15:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("action_runs") as batch:
        batch.add_column(sa.Column("caller_id", sa.String(length=64), server_default="",
                                   nullable=False))
        batch.drop_constraint("uq_action_runs_key", type_="unique")
        batch.create_unique_constraint("uq_action_runs_caller_key",
                                       ["integration_id", "caller_id", "idempotency_key"])
    with op.batch_alter_table("provider_grants") as batch:
        batch.add_column(sa.Column("refresh_started_at", sa.Float(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("provider_grants") as batch:
        batch.drop_column("refresh_started_at")
    with op.batch_alter_table("action_runs") as batch:
        batch.drop_constraint("uq_action_runs_caller_key", type_="unique")
        batch.create_unique_constraint("uq_action_runs_key",
                                       ["integration_id", "idempotency_key"])
        batch.drop_column("caller_id")
