"""Idempotency-Keys scoped to their caller, runs leased; refreshes in flight on the grant.

action_runs.caller_id (unique with integration and key) and lease_id;
provider_grants.refreshes_in_flight and refresh_started_at.

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
        batch.add_column(sa.Column("lease_id", sa.String(length=36), nullable=True))
        batch.drop_constraint("uq_action_runs_key", type_="unique")
        batch.create_unique_constraint("uq_action_runs_caller_key",
                                       ["integration_id", "caller_id", "idempotency_key"])
    with op.batch_alter_table("provider_grants") as batch:
        batch.add_column(sa.Column("refreshes_in_flight", sa.Integer(), server_default="0",
                                   nullable=False))
        batch.add_column(sa.Column("refresh_started_at", sa.Float(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    # Not batch mode: rebuilding provider_grants on SQLite would drop a table integrations
    # point at, which its foreign keys refuse; SQLite 3.35+ drops a plain column itself.
    op.drop_column("provider_grants", "refresh_started_at")
    op.drop_column("provider_grants", "refreshes_in_flight")
    with op.batch_alter_table("action_runs") as batch:
        batch.drop_constraint("uq_action_runs_caller_key", type_="unique")
        batch.create_unique_constraint("uq_action_runs_key",
                                       ["integration_id", "idempotency_key"])
        batch.drop_column("lease_id")
        batch.drop_column("caller_id")
