"""Two replicas looking for stalled pairs and sweeping one PostgreSQL database at the same time: each person is
nudged once and each coordinator alerted once per stalled pair.

Each replica has its own engine, stores, check-ins and sweeper, exactly as two processes would.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from programme.check_ins import CheckIns, Reminder, StallAlert, Stalled
from programme.cohorts import CohortState
from programme.coordinators import Coordinators
from programme.identity import PersonId
from programme.local_calendar import LocalCalendar
from programme.meeting_view import MeetingView
from programme.notifier import OutboundMessage, PersonRecipient, Recipient
from programme.nudge_policy import NudgePolicy
from programme.prompts import Prompter
from programme.scheduling import Scheduling
from programme.sweeper import Sweeper
from programme.working_hours import WorkingHours
from storage.application_store import SqlApplicationStore
from storage.attendance_store import SqlAttendanceStore
from storage.cohort_store import SqlCohortStore
from storage.contact_book import SqlContactBook
from storage.coordinator_roster import SqlCoordinatorRoster
from storage.database import Database
from storage.meeting_store import SqlMeetingStore
from storage.migrate import upgrade
from storage.pair_store import SqlPairStore
from storage.participant_store import SqlParticipantStore
from storage.prompt_store import SqlPromptStore
from storage.work_queue import SqlWorkQueue
from tests.programme.builders import LONDON, TENANT, person
from tests.programme.scheduling_world import RecordingMeetingMessages
from tests.storage.test_meeting_store import NOW, two_published_pairs
from tests.support.databases import database_target
from tests.support.fakes import FakeClock

pytestmark = pytest.mark.postgres

# When two_published_pairs publishes: a Monday morning in London, well inside working hours.
PUBLISHED = NOW
COORDINATORS = frozenset({person(90), person(91)})


class Words:
    """The CheckInMessages port as plain text."""

    def reminder(self, reminder: Reminder) -> OutboundMessage:
        return OutboundMessage(summary="meeting reminder", text="reminder")

    def did_you_meet(self, view: MeetingView) -> OutboundMessage:
        return OutboundMessage(summary="did you meet?", text="did you meet?")

    def stalled(self, stalled: Stalled) -> OutboundMessage:
        return OutboundMessage(summary="stalled pair nudge", text=f"stalled: pair {stalled.pair.id}")

    def stall_alert(self, alert: StallAlert) -> OutboundMessage:
        return OutboundMessage(summary="stalled pair alert", text=f"alert: pair {alert.pair_id}")


class Teams:
    def __init__(self) -> None:
        self.delivered: Counter[tuple[PersonId, str]] = Counter()

    async def send(self, recipient: Recipient, message: OutboundMessage) -> None:
        assert isinstance(recipient, PersonRecipient)
        await asyncio.sleep(0.001)
        self.delivered[(recipient.person, message.text or "")] += 1


class Replica:
    def __init__(self, database: Database, clock: FakeClock, teams: Teams, name: str) -> None:
        hours = WorkingHours(LONDON)
        pairs, applications = SqlPairStore(database), SqlApplicationStore(database)
        cohorts, meetings = SqlCohortStore(database), SqlMeetingStore(database)
        participants, work = SqlParticipantStore(database), SqlWorkQueue(database)
        coordinators = Coordinators(SqlCoordinatorRoster(database), COORDINATORS, clock)
        scheduling = Scheduling(
            pairs=pairs,
            applications=applications,
            cohorts=cohorts,
            meetings=meetings,
            calendar=LocalCalendar(LONDON),
            work=work,
            messages=RecordingMeetingMessages(),
            clock=clock,
            zone=LONDON,
            ics_link=lambda meeting: None,
        )
        self.check_ins = CheckIns(
            pairs=pairs,
            applications=applications,
            cohorts=cohorts,
            meetings=meetings,
            attendance=SqlAttendanceStore(database),
            scheduling=scheduling,
            prompter=Prompter(prompts=SqlPromptStore(database), participants=participants, clock=clock, zone=LONDON),
            coordinators=coordinators,
            work=work,
            messages=Words(),
            clock=clock,
            working_hours=hours,
        )
        self.sweeper = Sweeper(
            queue=work,
            handlers=self.check_ins.handlers(teams),
            contacts=SqlContactBook(database),
            clock=clock,
            working_hours=hours,
            owner=name,
            jitter=lambda: 1.0,
            nudge_check=NudgePolicy(participants, applications, LONDON).reason_to_hold,
        )


@pytest.fixture
async def two_databases(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    async with database_target("postgresql", tmp_path) as target:
        first, second = target.open(), target.open()
        try:
            await upgrade(first)
            yield first, second
        finally:
            await first.close()
            await second.close()


async def test_two_replicas_nudge_each_person_and_alert_each_coordinator_once(
    two_databases: tuple[Database, Database],
) -> None:
    first_db, second_db = two_databases
    clock = FakeClock(PUBLISHED)
    cohorts = SqlCohortStore(first_db)
    pair, other = await two_published_pairs(cohorts, SqlApplicationStore(first_db), SqlPairStore(first_db))
    for state, target in pairwise(
        (CohortState.DRAFT, CohortState.RECRUITING, CohortState.MATCHING, CohortState.RUNNING)
    ):
        assert await cohorts.move(pair.cohort_id, state, target, PUBLISHED) is not None
    participants = SqlParticipantStore(first_db)
    for someone in (pair.mentor, pair.mentee, other.mentor, other.mentee):
        await participants.enrol(TENANT, someone, "Someone", PUBLISHED)
    teams = Teams()
    replicas = (Replica(first_db, clock, teams, "replica-1"), Replica(second_db, clock, teams, "replica-2"))

    clock.set(PUBLISHED + timedelta(weeks=5))
    found = await asyncio.gather(*(replica.check_ins.stalled_due() for replica in replicas for _ in range(3)))
    await asyncio.gather(*(replica.sweeper.sweep_until_idle() for replica in replicas))

    assert sum(found) == 2
    nudged = {(who, text): n for (who, text), n in teams.delivered.items() if text.startswith("stalled")}
    assert nudged == {
        (pair.mentor, f"stalled: pair {pair.id}"): 1,
        (pair.mentee, f"stalled: pair {pair.id}"): 1,
        (other.mentor, f"stalled: pair {other.id}"): 1,
        (other.mentee, f"stalled: pair {other.id}"): 1,
    }

    clock.set(PUBLISHED + timedelta(weeks=7))
    await asyncio.gather(*(replica.check_ins.stalled_due() for replica in replicas))
    await asyncio.gather(*(replica.sweeper.sweep_until_idle() for replica in replicas))
    await asyncio.gather(*(replica.sweeper.sweep_until_idle() for replica in replicas))

    alerted = {(who, text): n for (who, text), n in teams.delivered.items() if text.startswith("alert")}
    assert alerted == {
        (coordinator, f"alert: pair {stalled.id}"): 1 for coordinator in COORDINATORS for stalled in (pair, other)
    }
