"""Programme records: cohorts, the applications to them, and each person's standing in the programme.

Revision ID: 0003_programme
Revises: 0002_work_items
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0003_programme"
down_revision = "0002_work_items"
branch_labels = None
depends_on = None

# Spelled out rather than read from the core's enums: a migration must keep creating the schema it was written
# for, so a new state or role needs a migration of its own that widens these checks.
_COHORT_STATES = "'draft', 'recruiting', 'matching', 'running', 'closing', 'closed'"
_APPLICATION_STATES = "'submitted', 'approved', 'waitlisted', 'declined', 'withdrawn'"
_ROLES = "'mentor', 'mentee'"


def upgrade() -> None:
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("track", sa.String(32), nullable=False),
        sa.Column("mentee_level", sa.String(32), nullable=False),
        sa.Column("signup_closes", sa.Date(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("cadence", sa.String(16), nullable=False),
        sa.Column("session_minutes", sa.Integer(), nullable=False),
        sa.Column("training_dates", sa.JSON(), nullable=False),
        sa.Column("mentor_capacity", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohorts")),
        sa.CheckConstraint(f"state IN ({_COHORT_STATES})", name=op.f("ck_cohorts_state")),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("consent_given_at", UtcDateTime(), nullable=True),
        sa.Column("privacy_notice_version", sa.String(32), nullable=True),
        sa.Column("ground_rules_version", sa.String(32), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("erased_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_applications_cohort_id_cohorts")),
        sa.UniqueConstraint("cohort_id", "person_id", name=op.f("uq_applications_cohort_id")),
        sa.CheckConstraint(f"state IN ({_APPLICATION_STATES})", name=op.f("ck_applications_state")),
        sa.CheckConstraint(f"role IN ({_ROLES})", name=op.f("ck_applications_role")),
        sa.CheckConstraint(
            "(erased_at IS NULL AND person_id IS NOT NULL AND consent_given_at IS NOT NULL"
            " AND privacy_notice_version IS NOT NULL AND ground_rules_version IS NOT NULL)"
            " OR (erased_at IS NOT NULL AND person_id IS NULL)",
            name=op.f("ck_applications_erased"),
        ),
    )
    op.create_index("ix_applications_person_id", "applications", ["person_id"])
    op.create_table(
        "participants",
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("joined_at", UtcDateTime(), nullable=False),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_participants")),
    )


def downgrade() -> None:
    op.drop_table("participants")
    op.drop_index("ix_applications_person_id", table_name="applications")
    op.drop_table("applications")
    op.drop_table("cohorts")
