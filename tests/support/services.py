"""The bot's services built on in-memory fakes, for tests of commands, card actions and dialogs."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.check_in_messages import CardCheckInMessages
from bot.concern_messages import CardConcernMessages
from bot.match_messages import CardMatchMessages
from bot.meeting_messages import CardMeetingMessages
from bot.services import Services
from bot.survey_messages import CardSurveyMessages
from programme.check_ins import CheckIns
from programme.cohort_admin import CohortAdmin
from programme.concerns import Concerns
from programme.coordinators import CoordinatorGate, Coordinators
from programme.directory import NoDirectory
from programme.first_meeting import FirstMeeting
from programme.identity import PersonId
from programme.local_calendar import LocalCalendar
from programme.matching import Matching
from programme.nudge_policy import NudgePolicy
from programme.participation import Participation
from programme.personal_data import PersonalData
from programme.prompts import Prompter
from programme.reflections import Reflections
from programme.scheduling import Scheduling
from programme.signup import SignUp
from programme.surveys import Surveys
from programme.working_hours import WorkingHours
from tests.support.fakes import (
    FakeClock,
    InMemoryAuditLog,
    InMemoryContactBook,
    InMemoryCoordinatorRoster,
    InMemoryWorkQueue,
)
from tests.support.programme_fakes import (
    InMemoryApplicationStore,
    InMemoryAttendanceStore,
    InMemoryCohortStore,
    InMemoryContractStore,
    InMemoryMeetingStore,
    InMemoryPairStore,
    InMemoryParticipantStore,
    InMemoryPromptStore,
    InMemoryReflectionStore,
    InMemorySurveyLinks,
    InMemorySurveyStore,
)

LONDON = ZoneInfo("Europe/London")


@dataclass
class Fakes:
    """The fakes behind a :class:`Services`, so a test can look inside them."""

    clock: FakeClock
    audit: InMemoryAuditLog
    work: InMemoryWorkQueue
    contacts: InMemoryContactBook
    cohorts: InMemoryCohortStore
    applications: InMemoryApplicationStore
    participants: InMemoryParticipantStore
    pairs: InMemoryPairStore
    contracts: InMemoryContractStore
    meetings: InMemoryMeetingStore
    prompts: InMemoryPromptStore
    attendance: InMemoryAttendanceStore
    reflections: InMemoryReflectionStore
    surveys: InMemorySurveyStore
    survey_links: InMemorySurveyLinks


def in_memory_services(
    configured_coordinators: frozenset[PersonId] = frozenset(),
    *,
    clock: FakeClock | None = None,
    organisation_name: str = "Contoso",
) -> tuple[Services, Fakes]:
    survey_store = InMemorySurveyStore()
    fakes = Fakes(
        clock=clock or FakeClock(),
        audit=InMemoryAuditLog(),
        work=InMemoryWorkQueue(),
        contacts=InMemoryContactBook(),
        cohorts=InMemoryCohortStore(),
        applications=InMemoryApplicationStore(),
        participants=InMemoryParticipantStore(),
        pairs=InMemoryPairStore(),
        contracts=InMemoryContractStore(),
        meetings=InMemoryMeetingStore(),
        prompts=InMemoryPromptStore(),
        attendance=InMemoryAttendanceStore(),
        reflections=InMemoryReflectionStore(),
        surveys=survey_store,
        survey_links=InMemorySurveyLinks(survey_store),
    )
    messages = CardMatchMessages()
    coordinators = Coordinators(InMemoryCoordinatorRoster(), configured_coordinators, fakes.clock)
    personal_data = PersonalData(
        [fakes.applications, fakes.participants, fakes.reflections, fakes.survey_links], fakes.clock
    )
    # One Prompter for everything that sends a prompt or takes its answer, as in the service.
    prompter = Prompter(prompts=fakes.prompts, participants=fakes.participants, clock=fakes.clock, zone=LONDON)
    scheduling = Scheduling(
        pairs=fakes.pairs,
        applications=fakes.applications,
        cohorts=fakes.cohorts,
        meetings=fakes.meetings,
        calendar=LocalCalendar(LONDON),
        work=fakes.work,
        messages=CardMeetingMessages(),
        clock=fakes.clock,
        zone=LONDON,
        ics_link=lambda meeting: f"http://localhost:3978/meetings/{meeting.ics_token}.ics",
        attendance=fakes.attendance,
    )
    check_ins = CheckIns(
        pairs=fakes.pairs,
        applications=fakes.applications,
        cohorts=fakes.cohorts,
        meetings=fakes.meetings,
        attendance=fakes.attendance,
        scheduling=scheduling,
        prompter=prompter,
        coordinators=coordinators,
        work=fakes.work,
        messages=CardCheckInMessages(),
        clock=fakes.clock,
        working_hours=WorkingHours(LONDON),
    )
    scheduling.on_booked(check_ins.booked)
    services = Services(
        clock=fakes.clock,
        contacts=fakes.contacts,
        coordinators=coordinators,
        gate=CoordinatorGate(coordinators, fakes.audit, fakes.clock),
        audit=fakes.audit,
        work=fakes.work,
        organisation_name=organisation_name,
        zone=LONDON,
        signup=SignUp(fakes.cohorts, fakes.applications, fakes.participants, NoDirectory(), fakes.clock, LONDON),
        cohorts=CohortAdmin(fakes.cohorts, fakes.applications, fakes.work, fakes.clock, LONDON),
        participation=Participation(
            cohorts=fakes.cohorts,
            applications=fakes.applications,
            participants=fakes.participants,
            coordinators=coordinators,
            personal_data=personal_data,
            work=fakes.work,
            clock=fakes.clock,
            zone=LONDON,
        ),
        personal_data=personal_data,
        nudges=NudgePolicy(fakes.participants, fakes.applications, LONDON),
        matching=Matching(
            cohorts=fakes.cohorts,
            applications=fakes.applications,
            pairs=fakes.pairs,
            directory=NoDirectory(),
            work=fakes.work,
            messages=messages,
            clock=fakes.clock,
            zone=LONDON,
        ),
        first_meeting=FirstMeeting(
            pairs=fakes.pairs,
            contracts=fakes.contracts,
            applications=fakes.applications,
            work=fakes.work,
            messages=messages,
            clock=fakes.clock,
        ),
        scheduling=scheduling,
        surveys=Surveys(
            cohorts=fakes.cohorts,
            applications=fakes.applications,
            pairs=fakes.pairs,
            store=fakes.surveys,
            links=fakes.survey_links,
            work=fakes.work,
            prompter=prompter,
            messages=CardSurveyMessages(),
            clock=fakes.clock,
            zone=LONDON,
            hold=NudgePolicy(fakes.participants, fakes.applications, LONDON).reason_to_hold,
        ),
        check_ins=check_ins,
        prompter=prompter,
        reflections=Reflections(
            reflections=fakes.reflections,
            meetings=fakes.meetings,
            attendance=fakes.attendance,
            pairs=fakes.pairs,
            applications=fakes.applications,
            prompts=prompter,
            clock=fakes.clock,
            zone=LONDON,
        ),
        concerns=Concerns(
            coordinators=coordinators,
            work=fakes.work,
            audit=fakes.audit,
            messages=CardConcernMessages(),
            clock=fakes.clock,
            zone=LONDON,
        ),
    )
    return services, fakes
