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
from programme.cohorts import Cohort, CohortState
from programme.identity import PersonId, TenantId
from programme.profiles import Profile, Role
from tests.programme.builders import cohort_plan, mentor_profile, profile_at_limits

AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
FORM = "k3J9x2-Qm0aZ7pLr4sT1vw"
MARKDOWN = "**bold** _it_ [link](https://example.com) `code` # > ~ \\"
LONG_ORGANISATION = "The Very Long Name of an NHS Foundation Trust & Partners " * 2


def cohort(name: str = "Spring 2025", *, cohort_id: int = 1, training: tuple[date, ...] = ()) -> Cohort:
    return Cohort(
        id=cohort_id,
        plan=cohort_plan(AT.date(), name=name, training_dates=training),
        state=CohortState.RECRUITING,
        created_by=PersonId("c0000000-0000-4000-8000-000000000009"),
        created_at=AT,
        updated_at=AT,
    )


PROFILE = mentor_profile(experience_note="Happy to talk about progression.")
# Every field at its longest, full of Markdown: the biggest card a person can make, and the hardest to escape.
LONGEST = profile_at_limits(MARKDOWN, role=Role.MENTEE)


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
