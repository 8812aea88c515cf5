"""The schema, as SQLAlchemy Core tables; migrations in ``storage/migrations`` create exactly this."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
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
    true,
)
from sqlalchemy.types import TypeDecorator

from programme.applications import ApplicationState
from programme.attendance import Outcome
from programme.cohorts import MAX_NAME_LENGTH, CohortState
from programme.meetings import MeetingState
from programme.pairs import MAX_OVERRIDE, PairState
from programme.profiles import Role
from programme.prompts import MAX_REF as MAX_PROMPT_REF
from programme.prompts import PromptKind
from programme.reflections import Feeling
from programme.survey_questions import MAX_SET_ID as MAX_SURVEY_SET_ID
from programme.survey_questions import SurveyKind
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

# Delivery errors as the platform worded them; only the start is kept.
MAX_UNREACHABLE_REASON_LENGTH = 200

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
    Column("unreachable_reason", String(MAX_UNREACHABLE_REASON_LENGTH), nullable=True),
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


def _one_of(values: type[StrEnum]) -> str:
    return ", ".join(f"'{value.value}'" for value in values)


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
    CheckConstraint(f"state IN ({_one_of(WorkState)})", name="state"),
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


# The weights MatchWeights defaults to, as stored; cohorts made before matching existed were scored with them.
DEFAULT_MATCH_WEIGHTS = '{"topics": 3, "availability": 2, "place": 1}'

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
    # Added by a later migration, hence after the timestamps; the defaults are what cohorts made before had.
    Column("separate_directorates", Boolean, nullable=False, server_default=true()),
    Column("match_weights", JSON, nullable=False, server_default=DEFAULT_MATCH_WEIGHTS),
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

# Teams conversation ids are long (``19:...@thread.v2``), but well under this.
MAX_CHAT_ID_LENGTH = 200

pairs = Table(
    "pairs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cohort_id", Integer, ForeignKey("cohorts.id"), nullable=False),
    Column("mentor_application_id", Integer, ForeignKey("applications.id"), nullable=False),
    Column("mentee_application_id", Integer, ForeignKey("applications.id"), nullable=False),
    # NULL once that person asked to be erased: the pair stays, anonymous, as part of the cohort's record.
    Column("mentor_id", String(36), nullable=True, index=True),
    Column("mentee_id", String(36), nullable=True, index=True),
    Column("points", Integer, nullable=False),
    # Why they fit, as sentences for the coordinator; they can name a site or a directorate.
    Column("reasons", JSON, nullable=False),
    Column("locked", Boolean, nullable=False),
    Column("by_hand", Boolean, nullable=False),
    Column("override", String(MAX_OVERRIDE), nullable=True),
    Column("state", String(16), nullable=False),
    # The pair's own Teams group chat, once one was made for them.
    Column("chat_id", String(MAX_CHAT_ID_LENGTH), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("published_at", UtcDateTime(), nullable=True),
    # With a mentor capacity of two a mentor may be in two pairs, but a mentee is only ever in one.
    UniqueConstraint("cohort_id", "mentee_application_id"),
    CheckConstraint(f"state IN ({_one_of(PairState)})", name="state"),
    # Erasure deletes proposals instead of anonymising them, so a proposal always knows both people and can
    # never be published with someone missing.
    CheckConstraint(
        "state <> 'proposed' OR (mentor_id IS NOT NULL AND mentee_id IS NOT NULL)",
        name="proposal_people",
    ),
    # See the 0004 migration: ids of removed proposals must never come back.
    sqlite_autoincrement=True,
)

# Proposals a coordinator took apart, so the solver does not suggest them again in the same review.
pair_exclusions = Table(
    "pair_exclusions",
    metadata,
    Column("cohort_id", Integer, ForeignKey("cohorts.id"), primary_key=True),
    Column("mentor_application_id", Integer, ForeignKey("applications.id"), primary_key=True),
    Column("mentee_application_id", Integer, ForeignKey("applications.id"), primary_key=True),
)

contracts = Table(
    "contracts",
    metadata,
    Column("pair_id", Integer, ForeignKey("pairs.id"), primary_key=True),
    # {"goals": [...], "how_we_work": "..."}; SQL NULL (not JSON null) once erasure removed the text.
    Column("agreement", JSON(none_as_null=True), nullable=True),
    Column("mentor_confirmed_at", UtcDateTime(), nullable=True),
    Column("mentee_confirmed_at", UtcDateTime(), nullable=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# new_ics_token() makes 32 characters; the room is for a longer token later without a migration.
MAX_ICS_TOKEN_LENGTH = 64

meetings = Table(
    "meetings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # The unique constraint below leads with pair_id, so it is also the index for finding a pair's meetings.
    Column("pair_id", Integer, ForeignKey("pairs.id"), nullable=False),
    Column("session", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("window_start", UtcDateTime(), nullable=False),
    Column("window_end", UtcDateTime(), nullable=False),
    # [[start, end], ...] as ISO times in UTC: only ever read whole, with the rest of the offer.
    Column("slots", JSON, nullable=False),
    Column("when_start", UtcDateTime(), nullable=True),
    Column("when_end", UtcDateTime(), nullable=True),
    # Graph event ids and Teams join links are long and their length is Microsoft's to change.
    Column("event_id", Text, nullable=True),
    Column("join_url", Text, nullable=True),
    # NULL once the person who chose asked to be erased (see MeetingsHolder).
    Column("chosen_by", String(36), nullable=True),
    Column("ics_token", String(MAX_ICS_TOKEN_LENGTH), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("pair_id", "session"),
    CheckConstraint(f"state IN ({_one_of(MeetingState)})", name="state"),
    CheckConstraint(
        "(when_start IS NULL AND when_end IS NULL) OR (when_start IS NOT NULL AND when_end IS NOT NULL)",
        name="when",
    ),
    # Like pairs: a meeting's id is in the buttons of cards already sent, so it must never name another meeting.
    sqlite_autoincrement=True,
)

# The bot's questions that expect an answer (programme.prompts): only whether and when each was answered, never
# the answer itself, which lives with what it was about (attendance, a reflection, a survey).
prompts = Table(
    "prompts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # The unique constraint below leads with person_id, so it is also the index for a person's latest prompts.
    Column("person_id", String(36), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("ref", String(MAX_PROMPT_REF), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=False),
    Column("answered_at", UtcDateTime(), nullable=True),
    Column("closed_at", UtcDateTime(), nullable=True),
    UniqueConstraint("person_id", "kind", "ref"),
    CheckConstraint(f"kind IN ({_one_of(PromptKind)})", name="kind"),
)

# Each person's answer to "Did you meet?" (programme.attendance). Erasure blanks the person and keeps the answer,
# as an anonymous count of meetings held, like the meetings of an erased pair.
meeting_attendance = Table(
    "meeting_attendance",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # The unique constraint below leads with meeting_id, so it is also the index for a meeting's answers.
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=False),
    Column("person_id", String(36), nullable=True, index=True),
    Column("outcome", String(16), nullable=False),
    Column("answered_at", UtcDateTime(), nullable=False),
    UniqueConstraint("meeting_id", "person_id"),
    CheckConstraint(f"outcome IN ({_one_of(Outcome)})", name="outcome"),
)

# Room for "general:" and a random token, or "meeting:" and an id.
MAX_REFLECTION_KEY_LENGTH = 64

# Private reflections: only ever read, changed or deleted with their author's id in the query (storage.
# reflection_store). The occasion columns are logistics, so coordinators can count reflections per pair.
reflections = Table(
    "reflections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("author_id", String(36), nullable=False),
    # "meeting:<id>" or "general:<token>"; one reflection per author and key.
    Column("key", String(MAX_REFLECTION_KEY_LENGTH), nullable=False),
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=True),
    # The unique constraint below leads with author_id, so this is the only other index needed: counting by pair.
    Column("pair_id", Integer, ForeignKey("pairs.id"), nullable=True, index=True),
    Column("cohort_id", Integer, ForeignKey("cohorts.id"), nullable=True),
    Column("session", Integer, nullable=True),
    Column("held_on", Date, nullable=True),
    Column("learned", Text, nullable=False),
    Column("differently", Text, nullable=False),
    Column("actions", Text, nullable=False),
    Column("feeling", String(16), nullable=True),
    Column("notes", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("author_id", "key"),
    CheckConstraint(f"feeling IS NULL OR feeling IN ({_one_of(Feeling)})", name="feeling"),
    # A reflection is about a meeting (and then knows its pair, cohort and session) or about none.
    CheckConstraint(
        "(meeting_id IS NULL AND pair_id IS NULL AND cohort_id IS NULL AND session IS NULL AND held_on IS NULL)"
        " OR (meeting_id IS NOT NULL AND pair_id IS NOT NULL AND cohort_id IS NOT NULL AND session IS NOT NULL)",
        name="occasion",
    ),
    # Ids are in the buttons of cards already sent: a deleted reflection's id must never name a new one.
    sqlite_autoincrement=True,
)

# Surveys (programme.surveys). Answers are stored under a random pseudonym per person and cohort; only survey_links
# says whose a pseudonym is, so erasure can cut that link and leave the answers as anonymous numbers. Neither the
# rounds nor the answers have a person column or a time of answering, which could be matched to a delivery log.
MAX_PSEUDONYM_LENGTH = 64

survey_rounds = Table(
    "survey_rounds",
    metadata,
    Column("cohort_id", Integer, ForeignKey("cohorts.id"), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("opened_at", UtcDateTime(), nullable=False),
    # Sent by a coordinator before its date.
    Column("early", Boolean, nullable=False),
    CheckConstraint(f"kind IN ({_one_of(SurveyKind)})", name="kind"),
)

survey_links = Table(
    "survey_links",
    metadata,
    Column("cohort_id", Integer, ForeignKey("cohorts.id"), primary_key=True),
    # The primary key leads with the cohort; a person's links are looked up for their export and erasure.
    Column("person_id", String(36), primary_key=True, index=True),
    Column("pseudonym", String(MAX_PSEUDONYM_LENGTH), nullable=False, unique=True),
)

survey_responses = Table(
    "survey_responses",
    metadata,
    Column("cohort_id", Integer, ForeignKey("cohorts.id"), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("pseudonym", String(MAX_PSEUDONYM_LENGTH), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("set_id", String(MAX_SURVEY_SET_ID), nullable=False),
    Column("set_version", Integer, nullable=False),
    # {"item id": 1..5}
    Column("likert", JSON, nullable=False),
    # {"item id": "text"}; emptied when the person's data is erased.
    Column("free_text", JSON, nullable=False),
    CheckConstraint(f"kind IN ({_one_of(SurveyKind)})", name="kind"),
    CheckConstraint(f"role IN ({_one_of(Role)})", name="role"),
)
