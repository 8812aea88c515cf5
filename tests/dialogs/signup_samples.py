"""Sample builds of every sign-up card, shared by the schema tests here and tests/cards/test_card_schema.py.

Kept apart from the tests so that file can import them without importing these tests (which import it).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from cards.elements import Card
from cards.signup import (
    about_you_card,
    application_received_card,
    choose_cohort_card,
    consent_card,
    interests_card,
    profile_updated_card,
    review_card,
)
from cards.signup_forms import ABOUT_FIELDS, INTERESTS_FIELDS
from programme.applications import Application, ApplicationState, Consent
from programme.cohorts import Cohort, CohortPlan, CohortState
from programme.identity import PersonId, TenantId
from programme.profiles import MAX_BIO, MAX_LINE, MAX_NOTE, Availability, MeetingPreference, Profile, Role, Topic
from programme.tracks import MenteeLevel, Track

AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
FORM = "k3J9x2-Qm0aZ7pLr4sT1vw"
MARKDOWN = "**bold** _it_ [link](https://example.com) `code` # > ~ \\"
LONG_ORGANISATION = "The Very Long Name of an NHS Foundation Trust & Partners " * 2


def cohort(name: str = "Spring 2025", *, cohort_id: int = 1, training: tuple[date, ...] = ()) -> Cohort:
    plan = CohortPlan(
        name=name,
        track=Track.RACE_EQUALITY,
        mentee_level=MenteeLevel.BOARD,
        signup_closes=date(2025, 3, 31),
        starts_on=date(2025, 4, 14),
        ends_on=date(2025, 10, 31),
        training_dates=training,
    )
    return Cohort(
        id=cohort_id,
        plan=plan,
        state=CohortState.RECRUITING,
        created_by=PersonId("c0000000-0000-4000-8000-000000000009"),
        created_at=AT,
        updated_at=AT,
    )


PROFILE = Profile(
    role=Role.MENTOR,
    job_title="Staff Nurse",
    band="Band 5",
    directorate="Adult Mental Health",
    site="Kingsway",
    line_manager_email="ward.manager@nhs.net",
    topics=(Topic.CAREER_PROGRESSION, Topic.MICROAGGRESSIONS),
    availability=(Availability.MON_AM, Availability.TUE_PM),
    meeting_preference=MeetingPreference.TEAMS,
    experience_note="Happy to talk about progression.",
    bio="Nurse for ten years.",
)
# Every field at its longest, full of Markdown: the biggest card a person can make, and the hardest to escape.
LONGEST = Profile(
    role=Role.MENTEE,
    job_title=(MARKDOWN * 5)[:MAX_LINE],
    band=(MARKDOWN * 5)[:MAX_LINE],
    directorate=(MARKDOWN * 5)[:MAX_LINE],
    site=(MARKDOWN * 5)[:MAX_LINE],
    line_manager_email="a" * 240 + "@example.org",
    topics=tuple(Topic)[:8],
    availability=tuple(Availability),
    meeting_preference=MeetingPreference.EITHER,
    experience_note=(MARKDOWN * 20)[:MAX_NOTE],
    bio=(MARKDOWN * 20)[:MAX_BIO],
)


def application(profile: Profile = PROFILE, state: ApplicationState = ApplicationState.SUBMITTED) -> Application:
    return Application(
        id=7,
        cohort_id=1,
        tenant=TenantId("8a5d7f3c-1b2e-4c6d-9e0f-a1b2c3d4e5f6"),
        person=PersonId("a0000000-0000-4000-8000-000000000001"),
        display_name="Ada Lovelace",
        profile=profile,
        consent=Consent(given_at=AT),
        state=state,
        submitted_at=AT,
        updated_at=AT,
    )


TYPED_ABOUT = {field: MARKDOWN for field in ABOUT_FIELDS} | {"role": "mentee"}
TYPED_INTERESTS = {field: MARKDOWN for field in INTERESTS_FIELDS} | {
    "topics": "belonging,allyship",
    "availability": "mon-am,fri-pm",
    "meeting_preference": "teams",
}
ALL_PROBLEMS = {
    field: f"A problem with {field}."
    for field in ("cohort", "consent", "ground_rules", *ABOUT_FIELDS, *INTERESTS_FIELDS, "something-else")
}

SAMPLES: dict[str, list[tuple[str, Card]]] = {
    "choose_cohort_card": [
        ("two cohorts", choose_cohort_card(FORM, [cohort(), cohort("Autumn 2025", cohort_id=2)])),
        ("problem", choose_cohort_card(FORM, [cohort(), cohort(MARKDOWN, cohort_id=2)], {"cohort": "2"}, ALL_PROBLEMS)),
    ],
    "consent_card": [
        ("plain", consent_card(FORM, "Contoso")),
        ("problems", consent_card(FORM, LONG_ORGANISATION, {"consent": "true"}, ALL_PROBLEMS)),
    ],
    "about_you_card": [
        ("empty", about_you_card(FORM)),
        ("typed with problems", about_you_card(FORM, TYPED_ABOUT, ALL_PROBLEMS)),
        ("manager from directory", about_you_card(FORM, {}, {}, "boss_[x]@nhs.net")),
    ],
    "interests_card": [
        ("mentor", interests_card(FORM, Role.MENTOR)),
        ("mentee typed with problems", interests_card(FORM, Role.MENTEE, TYPED_INTERESTS, ALL_PROBLEMS)),
    ],
    "review_card": [
        ("joining", review_card(FORM, cohort(), PROFILE, editing=False)),
        ("editing", review_card(FORM, cohort(), PROFILE, editing=True)),
        ("longest", review_card(FORM, cohort(MARKDOWN), LONGEST, editing=False)),
    ],
    "application_received_card": [
        ("plain", application_received_card(cohort(), application())),
        ("training", application_received_card(cohort(training=(date(2025, 4, 1),)), application(LONGEST))),
    ],
    "profile_updated_card": [("plain", profile_updated_card(cohort(MARKDOWN), application()))],
}
