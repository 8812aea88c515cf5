"""The scheduling world with check-ins wired in: attendance, prompts, coordinators, and a sweeper that runs every
kind of work (bookings, messages, reminders, "did you meet?", stall nudges and alerts) with the nudge policy, so a
test can walk a pair through weeks on the fake clock and see exactly what reached whom.

Unless a test says otherwise Aisha mentors Chioma in a running cohort of six monthly 60-minute sessions, published at
09:00 on Monday 3 March 2025 (London is on GMT until 30 March). Check-in messages come out as one line of text that
names the occasion, the person and the meeting or pair, e.g. ``reminder to Aisha: meeting 1 (session 1)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from programme.applications import Application
from programme.attendance import Attendance
from programme.check_ins import CheckIns, Reminder, StallAlert, Stalled
from programme.coordinators import Coordinators
from programme.deliveries import MESSAGE, message_handler
from programme.identity import PersonId
from programme.meeting_view import MeetingView
from programme.meetings import Meeting
from programme.notifier import OutboundMessage, PersonRecipient
from programme.nudge_policy import NudgePolicy
from programme.profiles import Availability
from programme.prompts import Prompter
from programme.scheduling import BOOK_MEETING, CANCEL_EVENT, Scheduling
from programme.sweeper import Sweeper, SweepReport
from programme.working_hours import WorkingHours
from tests.programme.builders import COORDINATOR, LONDON, SECOND_COORDINATOR
from tests.programme.scheduling_world import MENTEE_HALVES, MENTOR_HALVES, Arranged, SchedulingWorld, ics_link
from tests.support.fakes import InMemoryContactBook, InMemoryCoordinatorRoster
from tests.support.programme_fakes import InMemoryAttendanceStore, InMemoryParticipantStore, InMemoryPromptStore

PAUSED = "I've paused my reminders until"


class RecordingCheckInMessages:
    """The CheckInMessages port as one line of text each, keeping what it was asked to render."""

    def __init__(self) -> None:
        self.reminders: list[Reminder] = []
        self.stalls: list[Stalled] = []
        self.alerts: list[StallAlert] = []

    def reminder(self, reminder: Reminder) -> OutboundMessage:
        self.reminders.append(reminder)
        view = reminder.view
        return OutboundMessage(summary="meeting reminder", text=f"reminder to {_about(view)}")

    def did_you_meet(self, view: MeetingView) -> OutboundMessage:
        return OutboundMessage(summary="did you meet?", text=f"did you meet? to {_about(view)}")

    def stalled(self, stalled: Stalled) -> OutboundMessage:
        self.stalls.append(stalled)
        return OutboundMessage(
            summary="stalled pair nudge",
            text=f"stalled to {stalled.me.display_name}: pair {stalled.pair.id}, {stalled.weeks} weeks",
        )

    def stall_alert(self, alert: StallAlert) -> OutboundMessage:
        self.alerts.append(alert)
        return OutboundMessage(
            summary="stalled pair alert",
            text=f"alert: {alert.mentor_name} and {alert.mentee_name}, {alert.weeks} weeks, "
            f"{alert.sessions_held} of {alert.sessions_planned} held",
        )


def _about(view: MeetingView) -> str:
    return f"{view.me.display_name}: meeting {view.meeting.id} (session {view.meeting.session})"


class CheckInWorld(SchedulingWorld):
    def __init__(self, *, stall_after: timedelta = timedelta(weeks=5)) -> None:
        super().__init__()
        self.attendance = InMemoryAttendanceStore()
        self.prompts = InMemoryPromptStore()
        self.participants = InMemoryParticipantStore()
        self.coordinators = Coordinators(
            InMemoryCoordinatorRoster(), frozenset({COORDINATOR, SECOND_COORDINATOR}), self.clock
        )
        self.hours = WorkingHours(LONDON)
        # Scheduling again, now knowing who said they met (the base world's knows nothing of attendance).
        self.scheduling = Scheduling(
            pairs=self.pairs,
            applications=self.applications,
            cohorts=self.cohorts,
            meetings=self.meetings,
            calendar=self.calendar,
            work=self.work,
            messages=self.messages,
            clock=self.clock,
            zone=LONDON,
            ics_link=ics_link,
            attendance=self.attendance,
        )
        self.prompter = Prompter(prompts=self.prompts, participants=self.participants, clock=self.clock, zone=LONDON)
        self.said = RecordingCheckInMessages()
        self.check_ins = CheckIns(
            pairs=self.pairs,
            applications=self.applications,
            cohorts=self.cohorts,
            meetings=self.meetings,
            attendance=self.attendance,
            scheduling=self.scheduling,
            prompter=self.prompter,
            coordinators=self.coordinators,
            work=self.work,
            messages=self.said,
            clock=self.clock,
            working_hours=self.hours,
            stall_after=stall_after,
        )
        self.scheduling.on_booked(self.check_ins.booked)

    async def arrange(
        self,
        *,
        mentor_halves: Sequence[Availability] = MENTOR_HALVES,
        mentee_halves: Sequence[Availability] = MENTEE_HALVES,
        **plan: Any,
    ) -> Arranged:
        """As the base world's, with both people on record as taking part (so they can be paused)."""
        arranged = await super().arrange(mentor_halves=mentor_halves, mentee_halves=mentee_halves, **plan)
        for application in (arranged.mentor, arranged.mentee):
            await self.enrol(application)
        return arranged

    async def enrol(self, application: Application) -> None:
        await self.participants.enrol(
            application.tenant, application.person, application.display_name, self.clock.now()
        )

    # Doing --------------------------------------------------------------------------------------------------------

    async def booked_at(self, person: PersonId, start: datetime) -> Meeting:
        """Find times as ``person``, choose ``start`` of their own and run the booking: the booked meeting."""
        offer = await self.scheduling.find_times(person)
        chosen = await self.scheduling.pick_time(person, offer.meeting.id, offer.meeting.version, start)
        await self.run(BOOK_MEETING)
        return await self.meeting(chosen.meeting.id)

    def everything(self) -> Sweeper:
        """The real sweeper with every handler and the nudge policy, delivering to ``notifier``."""
        return Sweeper(
            queue=self.work,
            handlers={
                BOOK_MEETING: self.scheduling.booking_handler(),
                CANCEL_EVENT: self.scheduling.cancel_handler(),
                MESSAGE: message_handler(self.notifier),
                **self.check_ins.handlers(self.notifier),
            },
            contacts=InMemoryContactBook(),
            clock=self.clock,
            working_hours=self.hours,
            owner="check-in-test",
            jitter=lambda: 1.0,
            nudge_check=NudgePolicy(self.participants, self.applications, LONDON).reason_to_hold,
        )

    async def sweep_at(self, moment: datetime) -> SweepReport:
        """Move the clock to ``moment`` and sweep everything due."""
        self.clock.set(moment)
        return await self.everything().sweep_until_idle()

    # Looking ------------------------------------------------------------------------------------------------------

    def texts(self) -> list[tuple[PersonId, str]]:
        """Every text delivered, to whom, oldest first."""
        return [
            (recipient.person, message.text)
            for recipient, message in self.notifier.sent
            if isinstance(recipient, PersonRecipient) and message.text is not None
        ]

    def check_in_texts(self, *starts: str) -> list[tuple[PersonId, str]]:
        """The delivered texts that start with one of ``starts`` (e.g. "reminder", "did you meet?")."""
        return [(person, text) for person, text in self.texts() if text.startswith(starts)]

    async def answers(self, meeting: Meeting) -> list[Attendance]:
        return list(await self.attendance.for_meetings([meeting.id]))


def london(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)
