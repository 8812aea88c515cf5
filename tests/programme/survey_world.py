"""A cohort to survey: five mentors and five mentees in five published pairs, the in-memory stores, the real
prompter, sweeper and nudge policy, and a notifier that keeps what it was given.

The cohort runs for 26 weeks from Monday 10 March 2025 (the fakes' clock starts a week earlier, on Monday 3 March,
09:00 in London): the baseline opens on the 10 March, the mid-point pulse on Monday 9 June and the end survey on
Monday 8 September. Pairs are published on 3 March, before the start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from bot.survey_messages import CardSurveyMessages
from programme.applications import Application, ApplicationState
from programme.cohorts import Cohort, CohortState
from programme.identity import PersonId
from programme.notifier import OutboundMessage, PersonRecipient
from programme.nudge_policy import NudgePolicy
from programme.pairs import NewPair
from programme.profiles import Role
from programme.prompts import Prompter
from programme.survey_questions import SurveyKind, current_set
from programme.surveys import SURVEY_OPEN, SURVEY_REMINDER, Surveys, SurveyThanks
from programme.sweeper import Sweeper, SweepReport
from programme.working_hours import WorkingHours
from tests.programme.builders import (
    COORDINATOR,
    LONDON,
    TENANT,
    TODAY,
    cohort_in_state,
    cohort_plan,
    mentee_profile,
    mentor_profile,
    person,
    stored_application,
)
from tests.support.fakes import DEFAULT_NOW, FakeClock, InMemoryContactBook, InMemoryWorkQueue
from tests.support.programme_fakes import (
    InMemoryApplicationStore,
    InMemoryCohortStore,
    InMemoryPairStore,
    InMemoryParticipantStore,
    InMemoryPromptStore,
    InMemorySurveyLinks,
    InMemorySurveyStore,
)
from tests.support.recording_messages import RecordingNotifier

STARTS = date(2025, 3, 10)
ENDS = STARTS + timedelta(weeks=26)
MIDPOINT = STARTS + timedelta(weeks=13)
MENTORS = tuple(person(n) for n in range(11, 16))
MENTEES = tuple(person(n) for n in range(21, 26))
EVERYONE = MENTORS + MENTEES


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A wall-clock time in London."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def agreeing(role: Role, kind: SurveyKind, value: int) -> dict[str, str]:
    """Every statement of the current set answered ``value``, as a card sends it."""
    return {item.id: str(value) for item in current_set(role, kind).likert}


@dataclass
class Sent:
    person: PersonId
    summary: str


class SurveyWorld:
    def __init__(self, *, min_responses: int = 5) -> None:
        self.clock = FakeClock(DEFAULT_NOW)
        self.cohorts = InMemoryCohortStore()
        self.applications = InMemoryApplicationStore()
        self.participants = InMemoryParticipantStore()
        self.pairs = InMemoryPairStore()
        self.work = InMemoryWorkQueue()
        self.prompts = InMemoryPromptStore()
        self.store = InMemorySurveyStore()
        self.links = InMemorySurveyLinks(self.store)
        self.notifier = RecordingNotifier()
        self.nudges = NudgePolicy(self.participants, self.applications, LONDON)
        self.prompter = Prompter(prompts=self.prompts, participants=self.participants, clock=self.clock, zone=LONDON)
        self.surveys = Surveys(
            cohorts=self.cohorts,
            applications=self.applications,
            pairs=self.pairs,
            store=self.store,
            links=self.links,
            work=self.work,
            prompter=self.prompter,
            messages=CardSurveyMessages(),
            clock=self.clock,
            zone=LONDON,
            hold=self.nudges.reason_to_hold,
            min_responses=min_responses,
        )
        self.sweeper = Sweeper(
            queue=self.work,
            handlers={
                SURVEY_OPEN: self.surveys.open_handler(self.notifier),
                SURVEY_REMINDER: self.surveys.reminder_handler(self.notifier),
            },
            contacts=InMemoryContactBook(),
            clock=self.clock,
            working_hours=WorkingHours(LONDON),
            owner="survey-test",
            jitter=lambda: 1.0,
            nudge_check=self.nudges.reason_to_hold,
        )
        self.cohort: Cohort | None = None
        self.people: dict[PersonId, Application] = {}

    async def arrange(self, **plan: object) -> Cohort:
        """The running cohort with its five pairs, published now."""
        changes: Mapping[str, object] = {"starts_on": STARTS, "ends_on": ENDS, "training_dates": (), **plan}
        cohort = await cohort_in_state(
            self.cohorts, cohort_plan(TODAY, **changes), CohortState.RUNNING, created_by=COORDINATOR, at=DEFAULT_NOW
        )
        for mentor, mentee in zip(MENTORS, MENTEES, strict=True):
            await self.pair(cohort, mentor, mentee)
        self.cohort = cohort
        return cohort

    async def pair(self, cohort: Cohort, mentor: PersonId, mentee: PersonId) -> None:
        """Two more people signed up, approved and paired in the cohort, published now."""
        both = []
        for who, profile in ((mentor, mentor_profile()), (mentee, mentee_profile())):
            application = await stored_application(self.applications, cohort, who, at=self.clock.now(), profile=profile)
            approved = await self.applications.move(
                application.id, ApplicationState.APPROVED, application.version, self.clock.now()
            )
            assert approved is not None
            self.people[who] = approved
            await self.participants.enrol(TENANT, who, "Colleague", self.clock.now())
            both.append(approved)
        mentor_application, mentee_application = both
        await self.pairs.add(
            NewPair(cohort.id, mentor_application.id, mentee_application.id, mentor, mentee, 5, ()),
            self.clock.now(),
        )
        await self.pairs.publish(cohort.id, self.clock.now())

    @property
    def cohort_id(self) -> int:
        assert self.cohort is not None
        return self.cohort.id

    # Time and the queue --------------------------------------------------------------------------------------------

    async def at(self, moment: datetime) -> SweepReport:
        """Move the clock to ``moment``, run the hourly job and sweep, as the service would then."""
        self.clock.set(moment)
        await self.surveys.open_due()
        return await self.sweeper.sweep_until_idle()

    def sent(self, *, since: int = 0) -> list[Sent]:
        found = []
        for recipient, message in self.notifier.sent[since:]:
            assert isinstance(recipient, PersonRecipient)
            found.append(Sent(recipient.person, message.summary))
        return found

    def messages(self) -> list[OutboundMessage]:
        return [message for _, message in self.notifier.sent]

    def invited(self, summary: str, *, since: int = 0) -> list[PersonId]:
        """Who got a message with this summary, in the order sent."""
        return [s.person for s in self.sent(since=since) if s.summary == summary]

    # People --------------------------------------------------------------------------------------------------------

    def role(self, who: PersonId) -> Role:
        return Role.MENTOR if who in MENTORS else Role.MENTEE

    async def answer(
        self, who: PersonId, kind: SurveyKind, value: int = 4, free_text: Mapping[str, str] | None = None
    ) -> SurveyThanks:
        role = self.role(who)
        questions = current_set(role, kind)
        return await self.surveys.submit(
            who,
            self.cohort_id,
            kind,
            questions.id,
            questions.version,
            agreeing(role, kind, value),
            dict(free_text or {}),
        )

    async def withdraw(self, who: PersonId) -> None:
        current = self.people[who]
        moved = await self.applications.move(current.id, ApplicationState.WITHDRAWN, current.version, self.clock.now())
        assert moved is not None
        self.people[who] = replace(moved)
