"""Check-ins: the prompts the bot sent and whether they were answered, and each person's "Did you meet?" answer.

Revision ID: 0006_check_ins
Revises: 0005_meetings
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0006_check_ins"
down_revision = "0005_meetings"
branch_labels = None
depends_on = None

# Spelled out for the same reason as in 0003: this migration must keep creating the schema it was written for.
_PROMPT_KINDS = "'did-you-meet', 'reflection', 'stalled', 'survey'"
_OUTCOMES = "'met', 'rescheduled', 'not-held'"


def upgrade() -> None:
    op.create_table(
        "prompts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(120), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompts")),
        # Also the index a person's latest prompts are found by: it leads with person_id.
        sa.UniqueConstraint("person_id", "kind", "ref", name=op.f("uq_prompts_person_id")),
        sa.CheckConstraint(f"kind IN ({_PROMPT_KINDS})", name=op.f("ck_prompts_kind")),
    )
    op.create_table(
        "meeting_attendance",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("answered_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendance")),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_attendance_meeting_id_meetings")
        ),
        # Also the index a meeting's answers are found by: it leads with meeting_id.
        sa.UniqueConstraint("meeting_id", "person_id", name=op.f("uq_meeting_attendance_meeting_id")),
        sa.CheckConstraint(f"outcome IN ({_OUTCOMES})", name=op.f("ck_meeting_attendance_outcome")),
    )
    op.create_index("ix_meeting_attendance_person_id", "meeting_attendance", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_meeting_attendance_person_id", table_name="meeting_attendance")
    op.drop_table("meeting_attendance")
    op.drop_table("prompts")
