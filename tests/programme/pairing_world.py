"""A small world for the matching tests: the in-memory stores, a recording MatchMessages, and people to pair.

Four profiles make the case where choosing the best-scoring pair first loses (see ``test_matching``): with the
default weights (topics 3, free time 2, place 1) and everyone happy to meet on Teams,

=================  ==============  ===============
points             CHIOMA_ANSWERS  DEV_ANSWERS
=================  ==============  ===============
AISHA_ANSWERS      580             380
BEN_ANSWERS        380             80
=================  ==============  ===============

so best-first pairs Aisha with Chioma and Ben with Dev (660), while the best total is Aisha with Dev and Ben with
Chioma (760). Every profile has its own work email, so nobody is in anyone's line-management chain by accident.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from programme.applications import Application, ApplicationState
from programme.cohorts import Cohort, CohortState
from programme.directory import NoDirectory
from programme.grades import Grade
from programme.identity import PersonId
from programme.matching import Matching
from programme.pairs import NewPair, Pair
from programme.profiles import Availability, MeetingPreference, Profile, Topic
from tests.programme.builders import (
    COORDINATOR,
    LONDON,
    TODAY,
    cohort_in_state,
    cohort_plan,
    mentee_profile,
    mentor_profile,
    stored_application,
)
from tests.support.fakes import DEFAULT_NOW, FakeClock, InMemoryWorkQueue
from tests.support.programme_fakes import (
    InMemoryApplicationStore,
    InMemoryCohortStore,
    InMemoryContractStore,
    InMemoryPairStore,
)
from tests.support.recording_messages import RecordingMatchMessages


def mentor_answers(n: int, **changes: Any) -> Profile:
    """A junior colleague's answers with a work email and line manager of their own."""
    answers: dict[str, Any] = {
        "work_email": f"mentor.{n}@nhs.net",
        "line_manager_email": f"ward.manager.{n}@nhs.net",
    }
    return mentor_profile(**(answers | changes))


def mentee_answers(n: int, **changes: Any) -> Profile:
    """A senior leader's answers with a work email of their own."""
    answers: dict[str, Any] = {
        "work_email": f"leader.{n}@nhs.net",
        "line_manager_email": "chief.executive@nhs.net",
    }
    return mentee_profile(**(answers | changes))


AISHA_ANSWERS = mentor_answers(
    1,
    topics=(Topic.BELONGING, Topic.CAREER_PROGRESSION),
    availability=(Availability.TUE_AM,),
    meeting_preference=MeetingPreference.TEAMS,
)
BEN_ANSWERS = mentor_answers(
    2,
    topics=(Topic.BELONGING, Topic.SPEAKING_UP),
    availability=(Availability.FRI_PM,),
    meeting_preference=MeetingPreference.TEAMS,
)
CHIOMA_ANSWERS = mentee_answers(
    3,
    topics=(Topic.BELONGING,),
    availability=(Availability.TUE_AM,),
    meeting_preference=MeetingPreference.EITHER,
)
DEV_ANSWERS = mentee_answers(
    4,
    topics=(Topic.CAREER_PROGRESSION,),
    availability=(Availability.MON_PM,),
    meeting_preference=MeetingPreference.EITHER,
)
# Junior: no mentor here is less senior than Band 4, so nobody can mentor them.
JUNIOR_MENTEE = Grade.BAND_4


class PairingWorld:
    def __init__(self, *, pair_chats: bool = False) -> None:
        self.clock = FakeClock()
        self.cohorts = InMemoryCohortStore()
        self.applications = InMemoryApplicationStore()
        self.pairs = InMemoryPairStore()
        self.contracts = InMemoryContractStore()
        self.work = InMemoryWorkQueue()
        self.messages = RecordingMatchMessages()
        self.matching = Matching(
            cohorts=self.cohorts,
            applications=self.applications,
            pairs=self.pairs,
            directory=NoDirectory(),
            work=self.work,
            messages=self.messages,
            clock=self.clock,
            zone=LONDON,
            pair_chats=pair_chats,
        )

    async def cohort(
        self, state: CohortState = CohortState.MATCHING, name: str = "Spring cohort", **changes: Any
    ) -> Cohort:
        return await cohort_in_state(
            self.cohorts, cohort_plan(TODAY, name=name, **changes), state, created_by=COORDINATOR, at=DEFAULT_NOW
        )

    async def applicant(
        self,
        cohort: Cohort,
        who: PersonId,
        name: str,
        profile: Profile,
        state: ApplicationState = ApplicationState.APPROVED,
    ) -> Application:
        """Someone who applied a minute after the last one, and was then decided on (``state``)."""
        self.clock.advance(timedelta(minutes=1))
        application = await stored_application(
            self.applications, cohort, who, at=self.clock.now(), profile=profile, display_name=name
        )
        if state is ApplicationState.SUBMITTED:
            return application
        moved = await self.applications.move(application.id, state, application.version, self.clock.now())
        assert moved is not None
        return moved

    async def current(self, application: Application) -> Application:
        found = await self.applications.get(application.id)
        assert found is not None
        return found

    async def published_pair(self, cohort: Cohort, mentor: Application, mentee: Application) -> Pair:
        """A pair put straight into the store and published, skipping matching (for arranging a state)."""
        await self.pairs.add(
            NewPair(
                cohort_id=cohort.id,
                mentor_application=mentor.id,
                mentee_application=mentee.id,
                mentor=mentor.person,
                mentee=mentee.person,
                points=100,
                reasons=("arranged by the test",),
            ),
            self.clock.now(),
        )
        published = await self.pairs.publish(cohort.id, self.clock.now())
        return next(p for p in published if p.mentee_application == mentee.id)
