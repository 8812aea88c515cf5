"""Meetings: each session of a pair, from the times offered to the one booked.

Revision ID: 0005_meetings
Revises: 0004_matching
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0005_meetings"
down_revision = "0004_matching"
branch_labels = None
depends_on = None

# Spelled out for the same reason as in 0003: this migration must keep creating the schema it was written for.
_MEETING_STATES = "'offered', 'booking', 'booked', 'cancelled'"


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("session", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("window_start", UtcDateTime(), nullable=False),
        sa.Column("window_end", UtcDateTime(), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("when_start", UtcDateTime(), nullable=True),
        sa.Column("when_end", UtcDateTime(), nullable=True),
        sa.Column("event_id", sa.Text(), nullable=True),
        sa.Column("join_url", sa.Text(), nullable=True),
        sa.Column("chosen_by", sa.String(36), nullable=True),
        sa.Column("ics_token", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.ForeignKeyConstraint(["pair_id"], ["pairs.id"], name=op.f("fk_meetings_pair_id_pairs")),
        # Also the index a pair's meetings are found by: it leads with pair_id.
        sa.UniqueConstraint("pair_id", "session", name=op.f("uq_meetings_pair_id")),
        sa.UniqueConstraint("ics_token", name=op.f("uq_meetings_ics_token")),
        sa.CheckConstraint(f"state IN ({_MEETING_STATES})", name=op.f("ck_meetings_state")),
        sa.CheckConstraint(
            "(when_start IS NULL AND when_end IS NULL) OR (when_start IS NOT NULL AND when_end IS NOT NULL)",
            name=op.f("ck_meetings_when"),
        ),
        # A meeting's id is in the buttons of cards already sent; without AUTOINCREMENT SQLite could give it to a
        # new meeting after the newest one was deleted, and an old button would then act on the wrong meeting.
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("meetings")
