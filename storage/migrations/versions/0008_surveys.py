"""Surveys: when each of a cohort's surveys opened, the answers under pseudonyms, and the separate link from each
person to their pseudonym.

Revision ID: 0008_surveys
Revises: 0007_reflections
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0008_surveys"
down_revision = "0007_reflections"
branch_labels = None
depends_on = None

# Spelled out for the same reason as in 0003: this migration must keep creating the schema it was written for.
_KINDS = "'baseline', 'midpoint', 'end'"
_ROLES = "'mentor', 'mentee'"


def upgrade() -> None:
    op.create_table(
        "survey_rounds",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("early", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("cohort_id", "kind", name=op.f("pk_survey_rounds")),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_survey_rounds_cohort_id_cohorts")),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name=op.f("ck_survey_rounds_kind")),
    )
    op.create_table(
        "survey_links",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("pseudonym", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("cohort_id", "person_id", name=op.f("pk_survey_links")),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_survey_links_cohort_id_cohorts")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_survey_links_pseudonym")),
    )
    op.create_index(op.f("ix_survey_links_person_id"), "survey_links", ["person_id"])
    op.create_table(
        "survey_responses",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("pseudonym", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("set_id", sa.String(40), nullable=False),
        sa.Column("set_version", sa.Integer(), nullable=False),
        sa.Column("likert", sa.JSON(), nullable=False),
        sa.Column("free_text", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("cohort_id", "kind", "pseudonym", name=op.f("pk_survey_responses")),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_survey_responses_cohort_id_cohorts")),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name=op.f("ck_survey_responses_kind")),
        sa.CheckConstraint(f"role IN ({_ROLES})", name=op.f("ck_survey_responses_role")),
    )


def downgrade() -> None:
    op.drop_table("survey_responses")
    op.drop_index(op.f("ix_survey_links_person_id"), table_name="survey_links")
    op.drop_table("survey_links")
    op.drop_table("survey_rounds")
