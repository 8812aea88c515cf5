"""Valid starting points for programme tests: a cohort plan, mentor and mentee answers, people and a tenant.

Each builder returns something that passes validation as it is, so a test changes only the one thing it is about
(``cohort_plan(today, sessions=13)``) and every other field stays sensible.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from programme.applications import Application, ApplicationStore, Consent, NewApplication
from programme.cohorts import Cadence, Cohort, CohortPlan, CohortState, CohortStore
from programme.deliveries import MESSAGE
from programme.grades import Grade
from programme.identity import PersonId, TenantId
from programme.profiles import (
    MAX_AVOIDED,
    MAX_BIO,
    MAX_LINE,
    MAX_NOTE,
    MAX_TOPICS,
    Availability,
    MeetingPreference,
    Profile,
    Role,
    Topic,
)
from programme.tracks import MenteeLevel, Track
from programme.work import WorkItem
from tests.support.fakes import DEFAULT_NOW, InMemoryWorkQueue

LONDON = ZoneInfo("Europe/London")
TENANT = TenantId("5c1e2d3f-4a5b-4c6d-8e7f-901a2b3c4d5e")
# The fakes' default moment, Monday 3 March 2025 at 09:00, is 09:00 in London too (GMT in winter).
TODAY = DEFAULT_NOW.astimezone(LONDON).date()


def person(n: int) -> PersonId:
    """A well-formed, lower-case Entra object id that is easy to tell apart in a failure message."""
    return PersonId(f"c0ffee00-0000-4000-8000-{n:012d}")


AISHA = person(1)
BEN = person(2)
CHIOMA = person(3)
DEV = person(4)
ELLA = person(5)
COORDINATOR = person(90)
SECOND_COORDINATOR = person(91)


def cohort_plan(today: date, **changes: Any) -> CohortPlan:
    """A plan that :meth:`CohortPlan.checked` accepts on ``today``: sign-ups close in two weeks, training is in
    three, and six monthly sessions run from week five. ``changes`` replace any field."""
    starts_on = today + timedelta(days=35)
    plan = CohortPlan(
        name="Board reverse mentoring",
        track=Track.RACE_EQUALITY,
        mentee_level=MenteeLevel.BOARD,
        signup_closes=today + timedelta(days=14),
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=28 * 5),
        sessions=6,
        cadence=Cadence.MONTHLY,
        session_minutes=60,
        training_dates=(today + timedelta(days=21),),
        mentor_capacity=1,
    )
    return replace(plan, **changes)


def mentor_profile(**changes: Any) -> Profile:
    """A mentor's complete answers, already tidy (so ``checked()`` returns an equal profile)."""
    profile = Profile(
        role=Role.MENTOR,
        job_title="Staff nurse",
        band=Grade.BAND_5,
        directorate="Medicine",
        site="City Hospital",
        work_email="staff.nurse@nhs.net",
        line_manager_email="ward.manager@nhs.net",
        topics=(Topic.BELONGING, Topic.CAREER_PROGRESSION),
        availability=(Availability.TUE_AM, Availability.THU_PM),
        meeting_preference=MeetingPreference.TEAMS,
        experience_note="",
        bio="I have worked on the wards for eight years.",
    )
    return replace(profile, **changes)


def mentee_profile(**changes: Any) -> Profile:
    """A mentee's (a senior leader's) complete answers, already tidy."""
    profile = Profile(
        role=Role.MENTEE,
        job_title="Director of Nursing",
        band=Grade.BOARD,
        directorate="Corporate",
        site="Headquarters",
        work_email="director.of.nursing@nhs.net",
        line_manager_email="chief.executive@nhs.net",
        topics=(Topic.LEADERSHIP_VISIBILITY, Topic.BELONGING),
        availability=(Availability.MON_PM, Availability.TUE_AM),
        meeting_preference=MeetingPreference.EITHER,
    )
    return replace(profile, **changes)


def profile_at_limits(text: str, **changes: Any) -> Profile:
    """The biggest profile a person can give: every free-text answer ``text`` repeated up to its limit, the
    longest grade label, very long email addresses (as many colleagues to avoid as allowed), as many topics as
    allowed, every half-day and the longest meeting preference. For checking that whatever shows a profile still
    fits, and escapes what was typed. ``changes`` replace any field."""

    def filled(limit: int) -> str:
        return (text * limit)[:limit]

    longest = mentor_profile(
        job_title=filled(MAX_LINE),
        band=max(Grade, key=lambda grade: len(grade.label)),
        directorate=filled(MAX_LINE),
        site=filled(MAX_LINE),
        work_email="w" * 240 + "@example.org",
        line_manager_email="a" * 240 + "@example.org",
        avoid_emails=tuple(f"{n}" * 240 + "@example.org" for n in range(MAX_AVOIDED)),
        topics=tuple(Topic)[:MAX_TOPICS],
        availability=tuple(Availability),
        meeting_preference=MeetingPreference.IN_PERSON,
        experience_note=filled(MAX_NOTE),
        bio=filled(MAX_BIO),
    )
    return replace(longest, **changes)


async def cohort_in_state(
    cohorts: CohortStore, plan: CohortPlan, state: CohortState, *, created_by: PersonId, at: datetime
) -> Cohort:
    """Store ``plan`` as a new cohort and walk it along the lifecycle until it reaches ``state``."""
    path = [
        CohortState.DRAFT,
        CohortState.RECRUITING,
        CohortState.MATCHING,
        CohortState.RUNNING,
        CohortState.CLOSING,
        CohortState.CLOSED,
    ]
    cohort = await cohorts.add(plan, created_by, at)
    for current, target in pairwise(path[: path.index(state) + 1]):
        moved = await cohorts.move(cohort.id, current, target, at)
        assert moved is not None
        cohort = moved
    assert cohort.state is state
    return cohort


async def stored_application(
    applications: ApplicationStore,
    cohort: Cohort,
    who: PersonId,
    *,
    at: datetime,
    profile: Profile | None = None,
    display_name: str = "Colleague",
) -> Application:
    """An application put straight into the store, skipping the sign-up rules (for arranging a state)."""
    stored = await applications.add(
        NewApplication(
            cohort_id=cohort.id,
            tenant=TENANT,
            person=who,
            display_name=display_name,
            profile=profile or mentor_profile(),
            consent=Consent(given_at=at),
        ),
        at,
    )
    assert stored is not None
    return stored


def scheduled_messages(queue: InMemoryWorkQueue) -> list[WorkItem]:
    """Every message the queue holds, in the order it was scheduled."""
    return [queue.items[item_id] for item_id in sorted(queue.items) if queue.items[item_id].kind == MESSAGE]
