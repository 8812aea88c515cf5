"""Matching: each cohort's matching settings, the pairs, the proposals a coordinator took apart, and the
agreement each pair writes at its first meeting.

Revision ID: 0004_matching
Revises: 0003_programme
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0004_matching"
down_revision = "0003_programme"
branch_labels = None
depends_on = None

# Spelled out for the same reason as in 0003: this migration must keep creating the schema it was written for.
_PAIR_STATES = "'proposed', 'published', 'ended'"
# Cohorts that exist already were planned before these settings: they get what a new plan starts with.
_DEFAULT_WEIGHTS = '{"topics": 3, "availability": 2, "place": 1}'


def upgrade() -> None:
    op.add_column("cohorts", sa.Column("separate_directorates", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("cohorts", sa.Column("match_weights", sa.JSON(), nullable=False, server_default=_DEFAULT_WEIGHTS))
    op.create_table(
        "pairs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("mentor_application_id", sa.Integer(), nullable=False),
        sa.Column("mentee_application_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.String(36), nullable=True),
        sa.Column("mentee_id", sa.String(36), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("by_hand", sa.Boolean(), nullable=False),
        sa.Column("override", sa.String(200), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(200), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairs")),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_pairs_cohort_id_cohorts")),
        sa.ForeignKeyConstraint(
            ["mentor_application_id"],
            ["applications.id"],
            name=op.f("fk_pairs_mentor_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["mentee_application_id"],
            ["applications.id"],
            name=op.f("fk_pairs_mentee_application_id_applications"),
        ),
        sa.UniqueConstraint("cohort_id", "mentee_application_id", name=op.f("uq_pairs_cohort_id")),
        sa.CheckConstraint(f"state IN ({_PAIR_STATES})", name=op.f("ck_pairs_state")),
        sa.CheckConstraint(
            "state <> 'proposed' OR (mentor_id IS NOT NULL AND mentee_id IS NOT NULL)",
            name=op.f("ck_pairs_proposal_people"),
        ),
        # Proposals are deleted and made again; without AUTOINCREMENT SQLite would hand a new pair the id of a
        # removed one, and a button on an older review card would then act on the wrong pair.
        sqlite_autoincrement=True,
    )
    op.create_index("ix_pairs_mentor_id", "pairs", ["mentor_id"])
    op.create_index("ix_pairs_mentee_id", "pairs", ["mentee_id"])
    op.create_table(
        "pair_exclusions",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("mentor_application_id", sa.Integer(), nullable=False),
        sa.Column("mentee_application_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "cohort_id", "mentor_application_id", "mentee_application_id", name=op.f("pk_pair_exclusions")
        ),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_pair_exclusions_cohort_id_cohorts")),
        sa.ForeignKeyConstraint(
            ["mentor_application_id"],
            ["applications.id"],
            name=op.f("fk_pair_exclusions_mentor_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["mentee_application_id"],
            ["applications.id"],
            name=op.f("fk_pair_exclusions_mentee_application_id_applications"),
        ),
    )
    op.create_table(
        "contracts",
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("agreement", sa.JSON(), nullable=True),
        sa.Column("mentor_confirmed_at", UtcDateTime(), nullable=True),
        sa.Column("mentee_confirmed_at", UtcDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pair_id", name=op.f("pk_contracts")),
        sa.ForeignKeyConstraint(["pair_id"], ["pairs.id"], name=op.f("fk_contracts_pair_id_pairs")),
    )


def downgrade() -> None:
    op.drop_table("contracts")
    op.drop_table("pair_exclusions")
    op.drop_index("ix_pairs_mentee_id", table_name="pairs")
    op.drop_index("ix_pairs_mentor_id", table_name="pairs")
    op.drop_table("pairs")
    op.drop_column("cohorts", "match_weights")
    op.drop_column("cohorts", "separate_directorates")
