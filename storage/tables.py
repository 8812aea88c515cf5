"""The schema, as SQLAlchemy Core tables; migrations in ``storage/migrations`` create exactly this."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator

from programme.applications import ApplicationState
from programme.cohorts import MAX_NAME_LENGTH, CohortState
from programme.profiles import Role
from programme.work import MAX_KEY_LENGTH, MAX_KIND_LENGTH, WorkState


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend.

    SQLite has no time zone type and hands back naive values; storing UTC and re-attaching it on the way out
    keeps the core's rule that every datetime is aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a time zone first")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

contacts = Table(
    "contacts",
    metadata,
    Column("tenant_id", String(36), primary_key=True),
    Column("person_id", String(36), primary_key=True),
    Column("address", JSON, nullable=False),
    Column("first_seen", UtcDateTime(), nullable=False),
    Column("last_seen", UtcDateTime(), nullable=False),
    # Set when the platform refused delivery for good; the next message from the person clears it.
    Column("unreachable_since", UtcDateTime(), nullable=True),
    Column("unreachable_reason", String(200), nullable=True),
)

coordinators = Table(
    "coordinators",
    metadata,
    Column("person_id", String(36), primary_key=True),
    Column("added_by", String(36), nullable=True),
    Column("added_at", UtcDateTime(), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False, index=True),
    Column("actor_id", String(36), nullable=False, index=True),
    Column("action", String(80), nullable=False),
    Column("outcome", String(80), nullable=False),
    Column("target", String(200), nullable=True),
    Column("detail", JSON, nullable=False),
)

bot_state = Table(
    "bot_state",
    metadata,
    Column("key", String(512), primary_key=True),
    Column("document", Text, nullable=False),
    Column("etag", String(36), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

MAX_ERROR_LENGTH = 500
MAX_OWNER_LENGTH = 64
_WORK_STATES = ", ".join(f"'{state.value}'" for state in WorkState)

work_items = Table(
    "work_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(MAX_KIND_LENGTH), nullable=False),
    Column("idempotency_key", String(MAX_KEY_LENGTH), nullable=False, unique=True),
    Column("tenant_id", String(36), nullable=False),
    Column("recipient_id", String(36), nullable=True),
    Column("payload", JSON, nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_owner", String(MAX_OWNER_LENGTH), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("last_error", String(MAX_ERROR_LENGTH), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint(f"state IN ({_WORK_STATES})", name="state"),
    # The claim looks only at open items, which stay few while finished ones pile up for ever: partial indexes
    # (both backends have them) keep what a sweep reads small however long the history grows.
    Index(
        "ix_work_items_pending_due",
        "due_at",
        "id",
        postgresql_where=text("state = 'pending'"),
        sqlite_where=text("state = 'pending'"),
    ),
    Index(
        "ix_work_items_leased_until",
        "lease_until",
        postgresql_where=text("state = 'leased'"),
        sqlite_where=text("state = 'leased'"),
    ),
    # Listing (newest first per state) and the per-state counts of the operations view.
    Index("ix_work_items_state_updated_at", "state", "updated_at"),
)

# Generous next to what the core accepts (display names are cut to 100 characters at sign-up), so a later
# loosening there does not need a migration here.
MAX_DISPLAY_NAME_LENGTH = 200
MAX_VERSION_LENGTH = 32


def _one_of(values: type[StrEnum]) -> str:
    return ", ".join(f"'{value.value}'" for value in values)


cohorts = Table(
    "cohorts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(MAX_NAME_LENGTH), nullable=False),
    Column("track", String(32), nullable=False),
    Column("mentee_level", String(32), nullable=False),
    Column("signup_closes", Date, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("sessions", Integer, nullable=False),
    Column("cadence", String(16), nullable=False),
    Column("session_minutes", Integer, nullable=False),
    # ISO dates, sorted: only ever read whole, with the rest of the plan.
    Column("training_dates", JSON, nullable=False),
    Column("mentor_capacity", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_by", String(36), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint(f"state IN ({_one_of(CohortState)})", name="state"),
)

applications = Table(
    "applications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cohort_id", Integer, ForeignKey("cohorts.id"), nullable=False),
    Column("tenant_id", String(36), nullable=False),
    # NULL once the person asked to be erased: the row stays, anonymous, so cohort counts do not change.
    Column("person_id", String(36), nullable=True, index=True),
    Column("display_name", String(MAX_DISPLAY_NAME_LENGTH), nullable=False),
    # Its own column rather than inside the profile, because it is the one answer that survives erasure.
    Column("role", String(16), nullable=False),
    Column("profile", JSON, nullable=False),
    Column("consent_given_at", UtcDateTime(), nullable=True),
    Column("privacy_notice_version", String(MAX_VERSION_LENGTH), nullable=True),
    Column("ground_rules_version", String(MAX_VERSION_LENGTH), nullable=True),
    Column("state", String(16), nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("erased_at", UtcDateTime(), nullable=True),
    # NULLs are distinct in a unique constraint on both backends, so any number of erased rows may share a cohort.
    UniqueConstraint("cohort_id", "person_id"),
    CheckConstraint(f"state IN ({_one_of(ApplicationState)})", name="state"),
    CheckConstraint(f"role IN ({_one_of(Role)})", name="role"),
    # A live row always knows whose it is and what they agreed to; an erased one knows neither.
    CheckConstraint(
        "(erased_at IS NULL AND person_id IS NOT NULL AND consent_given_at IS NOT NULL"
        " AND privacy_notice_version IS NOT NULL AND ground_rules_version IS NOT NULL)"
        " OR (erased_at IS NOT NULL AND person_id IS NULL)",
        name="erased",
    ),
)

participants = Table(
    "participants",
    metadata,
    Column("person_id", String(36), primary_key=True),
    Column("tenant_id", String(36), nullable=False),
    Column("display_name", String(MAX_DISPLAY_NAME_LENGTH), nullable=False),
    Column("joined_at", UtcDateTime(), nullable=False),
    Column("paused_until", Date, nullable=True),
)
