"""Durable due work, and unreachable marks on contacts.

Revision ID: 0002_work_items
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0002_work_items"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

# Spelled out rather than read from programme.work.WorkState: a migration must keep creating the schema it was
# written for, so a new state needs a migration of its own that widens this check.
_STATES = "'pending', 'leased', 'done', 'dead', 'missed', 'cancelled'"


def upgrade() -> None:
    op.create_table(
        "work_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("recipient_id", sa.String(36), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_items")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_work_items_idempotency_key")),
        sa.CheckConstraint(f"state IN ({_STATES})", name=op.f("ck_work_items_state")),
    )
    op.create_index(
        "ix_work_items_pending_due",
        "work_items",
        ["due_at", "id"],
        postgresql_where=sa.text("state = 'pending'"),
        sqlite_where=sa.text("state = 'pending'"),
    )
    op.create_index(
        "ix_work_items_leased_until",
        "work_items",
        ["lease_until"],
        postgresql_where=sa.text("state = 'leased'"),
        sqlite_where=sa.text("state = 'leased'"),
    )
    op.create_index("ix_work_items_state_updated_at", "work_items", ["state", "updated_at"])
    # Nullable columns: a plain ADD COLUMN on both backends, no table rebuild.
    op.add_column("contacts", sa.Column("unreachable_since", UtcDateTime(), nullable=True))
    op.add_column("contacts", sa.Column("unreachable_reason", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("unreachable_reason")
        batch.drop_column("unreachable_since")
    op.drop_index("ix_work_items_state_updated_at", table_name="work_items")
    op.drop_index("ix_work_items_leased_until", table_name="work_items")
    op.drop_index("ix_work_items_pending_due", table_name="work_items")
    op.drop_table("work_items")
