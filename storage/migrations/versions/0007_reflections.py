"""Private reflections: what each person took from a conversation, readable only by them.

Revision ID: 0007_reflections
Revises: 0006_check_ins
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0007_reflections"
down_revision = "0006_check_ins"
branch_labels = None
depends_on = None

# Spelled out for the same reason as in 0003: this migration must keep creating the schema it was written for.
_FEELINGS = "'encouraged', 'thoughtful', 'mixed', 'unsettled', 'drained'"


def upgrade() -> None:
    op.create_table(
        "reflections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("author_id", sa.String(36), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("pair_id", sa.Integer(), nullable=True),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("session", sa.Integer(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("learned", sa.Text(), nullable=False),
        sa.Column("differently", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("feeling", sa.String(16), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflections")),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_reflections_meeting_id_meetings")),
        sa.ForeignKeyConstraint(["pair_id"], ["pairs.id"], name=op.f("fk_reflections_pair_id_pairs")),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_reflections_cohort_id_cohorts")),
        # Also the index an author's reflections are found by: it leads with author_id.
        sa.UniqueConstraint("author_id", "key", name=op.f("uq_reflections_author_id")),
        sa.CheckConstraint(f"feeling IS NULL OR feeling IN ({_FEELINGS})", name=op.f("ck_reflections_feeling")),
        sa.CheckConstraint(
            "(meeting_id IS NULL AND pair_id IS NULL AND cohort_id IS NULL AND session IS NULL AND held_on IS NULL)"
            " OR (meeting_id IS NOT NULL AND pair_id IS NOT NULL AND cohort_id IS NOT NULL AND session IS NOT NULL)",
            name=op.f("ck_reflections_occasion"),
        ),
        # Ids are in the buttons of cards already sent; without AUTOINCREMENT SQLite could give a deleted
        # reflection's id to a new one, and an old button would then open or delete the wrong reflection.
        sqlite_autoincrement=True,
    )
    op.create_index("ix_reflections_pair_id", "reflections", ["pair_id"])


def downgrade() -> None:
    op.drop_index("ix_reflections_pair_id", table_name="reflections")
    op.drop_table("reflections")
