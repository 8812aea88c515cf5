"""A small world for the scheduling tests: the in-memory stores, a pair to schedule, and doubles of the outside.

The calendar is either the real :class:`LocalCalendar` (free time from sign-up half-days, nothing booked outside)
or :class:`ScriptedCalendar`, which answers free time the same way but keeps the events it was asked to make, so
a test can see every question, booking, move and cancellation, and can make any of them fail as Graph would.
The clock starts at the fakes' Monday 3 March 2025, 09:00 in London, so the first search runs over the two weeks
from Tuesday 4 March.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from programme.applications import Application, ApplicationState
from programme.calendar import BookedEvent, Booking, Calendar, Interval, Invitee
from programme.cohorts import Cohort, CohortState
from programme.deliveries import MESSAGE, message_handler
from programme.errors import ProgrammeError
from programme.identity import PersonId
from programme.local_calendar import LocalCalendar
from programme.meeting_view import MeetingView
from programme.meetings import Meeting, NewMeeting
from programme.notifier import DeliveryFailed, OutboundMessage
from programme.pairs import NewPair, Pair
from programme.profiles import Availability, Profile, Role
from programme.scheduling import BOOK_MEETING, CANCEL_EVENT, Scheduling
from programme.sweeper import Sweeper, WorkHandler
from programme.work import NewWork, WorkItem, WorkState
from programme.working_hours import WorkingHours
from tests.programme.builders import (
    AISHA,
    CHIOMA,
    COORDINATOR,
    LONDON,
    TODAY,
    cohort_in_state,
    cohort_plan,
    mentee_profile,
    mentor_profile,
    stored_application,
)
from tests.support.fakes import DEFAULT_NOW, FakeClock, InMemoryContactBook, InMemoryWorkQueue
from tests.support.programme_fakes import (
    InMemoryApplicationStore,
    InMemoryCohortStore,
    InMemoryMeetingStore,
    InMemoryPairStore,
)
from tests.support.recording_messages import RecordingNotifier

# Common to the two defaults: Tuesday morning, Wednesday afternoon and Friday afternoon, six days in two weeks.
MENTOR_HALVES = (Availability.TUE_AM, Availability.WED_PM, Availability.THU_AM, Availability.FRI_PM)
MENTEE_HALVES = (
    Availability.MON_AM,
    Availability.TUE_AM,
    Availability.WED_PM,
    Availability.THU_PM,
    Availability.FRI_PM,
)
ICS_BASE = "https://remedi.example.org/meetings/"


def ics_link(meeting: Meeting) -> str:
    return f"{ICS_BASE}{meeting.ics_token}.ics"


# The calendar ------------------------------------------------------------------------------------------------------


class CalendarRefused(DeliveryFailed, ProgrammeError):
    """A refusal that also carries a sentence for people, as Graph's errors do (they are both kinds of error)."""

    def __init__(self, reason: str, user_message: str, *, permanent: bool = True) -> None:
        DeliveryFailed.__init__(self, reason, permanent=permanent)
        # DeliveryFailed passes ``reason`` on to ProgrammeError as the words for people; these are the real ones.
        self.user_message = user_message


@dataclass(frozen=True)
class FreeTimeQuestion:
    people: tuple[PersonId, ...]
    window: Interval


@dataclass
class ScriptedEvent:
    """An event the scripted calendar holds; ``booking`` is as last booked or moved."""

    event_id: str
    key: str
    booking: Booking
    join_url: str
    cancelled: bool = False


@dataclass(frozen=True)
class _Failure:
    error: Exception
    # True: the calendar did what it was asked and then the answer was lost (a timeout after the work was done).
    after_doing_it: bool


Operation = Literal["free_time", "book", "move", "cancel"]


class ScriptedCalendar:
    """The Calendar port as a test double that behaves like Graph where it matters.

    Free time comes from each person's half-days (as the local calendar reads them) unless ``free`` names theirs.
    Booking keeps one event per booking key, like Graph's transactionId, so asking twice with the same key gives
    back the same event. Moving keeps the event's id and join link, as a Graph update does."""

    def __init__(self, *, invitations: bool = True) -> None:
        self._half_days = LocalCalendar(LONDON)
        self.invitations = invitations
        self.free: dict[PersonId, list[Interval]] = {}
        self.questions: list[FreeTimeQuestion] = []
        self.book_calls: list[Booking] = []
        self.moves: list[tuple[str, Booking]] = []
        self.cancels: list[tuple[str, str]] = []
        self.events: dict[str, ScriptedEvent] = {}
        self._failures: dict[Operation, list[_Failure]] = {}

    def fail_next(self, operation: Operation, error: Exception, *, after_doing_it: bool = False) -> None:
        """Make the next call of ``operation`` raise ``error`` (before doing anything, unless ``after_doing_it``)."""
        self._failures.setdefault(operation, []).append(_Failure(error, after_doing_it))

    @property
    def books_invitations(self) -> bool:
        return self.invitations

    def event(self, event_id: str) -> ScriptedEvent:
        return next(event for event in self.events.values() if event.event_id == event_id)

    async def free_time(self, people: Sequence[Invitee], window: Interval) -> Mapping[PersonId, Sequence[Interval]]:
        self.questions.append(FreeTimeQuestion(tuple(invitee.person for invitee in people), window))
        self._fail_before("free_time")
        answer = dict(await self._half_days.free_time(people, window))
        for invitee in people:
            if invitee.person in self.free:
                answer[invitee.person] = [i for i in self.free[invitee.person] if i.overlaps(window)]
        return answer

    async def book(self, booking: Booking) -> BookedEvent:
        self.book_calls.append(booking)
        failure = self._fail_before("book")
        event = self.events.get(booking.key)
        if event is None:
            number = len(self.events) + 1
            event = ScriptedEvent(f"event-{number}", booking.key, booking, f"https://teams.example.org/join/{number}")
            self.events[booking.key] = event
        if failure is not None:
            raise failure
        return BookedEvent(event.event_id, event.join_url)

    async def move(self, event_id: str, booking: Booking) -> BookedEvent:
        self.moves.append((event_id, booking))
        failure = self._fail_before("move")
        event = self.event(event_id)
        event.booking = booking
        if failure is not None:
            raise failure
        return BookedEvent(event.event_id, event.join_url)

    async def cancel(self, event_id: str, note: str) -> None:
        self.cancels.append((event_id, note))
        failure = self._fail_before("cancel")
        for event in self.events.values():
            if event.event_id == event_id:
                event.cancelled = True
        if failure is not None:
            raise failure

    def live_events(self) -> list[ScriptedEvent]:
        return [event for event in self.events.values() if not event.cancelled]

    def _fail_before(self, operation: Operation) -> Exception | None:
        """Raise the next failure scripted for ``operation``, or hand it back to raise once the work is done."""
        waiting = self._failures.get(operation)
        if not waiting:
            return None
        failure = waiting.pop(0)
        if not failure.after_doing_it:
            raise failure.error
        return failure.error


# Messages, stores and the queue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    view: MeetingView
    summary: str


class RecordingMeetingMessages:
    """The MeetingMessages port: keeps every view it was asked to render, and answers with a line naming it."""

    def __init__(self) -> None:
        self.rendered: list[Rendered] = []

    def meeting(self, view: MeetingView, summary: str) -> OutboundMessage:
        self.rendered.append(Rendered(view, summary))
        notice = f"; {view.notice}" if view.notice else ""
        return OutboundMessage(
            summary=summary,
            text=f"{summary} for {view.me.display_name}: meeting {view.meeting.id} {view.meeting.state.value}{notice}",
        )

    def to(self, person: PersonId) -> list[Rendered]:
        return [r for r in self.rendered if r.view.me.person == person]


class InterleavingMeetingStore(InMemoryMeetingStore):
    """The in-memory meeting store, giving way to other tasks on every call as a database round trip would.

    Without the pause, two clicks run with asyncio.gather would simply run one after the other and never race.
    ``lost_saves`` counts saves refused because another write got there first."""

    def __init__(self) -> None:
        super().__init__()
        self.lost_saves = 0

    async def get(self, meeting_id: int) -> Meeting | None:
        await asyncio.sleep(0)
        return await super().get(meeting_id)

    async def for_pairs(self, pair_ids: Sequence[int]) -> Sequence[Meeting]:
        await asyncio.sleep(0)
        return await super().for_pairs(pair_ids)

    async def add(self, meeting: NewMeeting, at: datetime) -> Meeting | None:
        await asyncio.sleep(0)
        return await super().add(meeting, at)

    async def save(self, meeting: Meeting, expected_version: int, at: datetime) -> Meeting | None:
        await asyncio.sleep(0)
        saved = await super().save(meeting, expected_version, at)
        if saved is None:
            self.lost_saves += 1
        return saved


class ProcessDied(Exception):
    """What the crashing queue raises: the process stopped here, whatever had been done before stays done."""


class CrashingWorkQueue(InMemoryWorkQueue):
    """The in-memory queue, which can be told that the process dies on the next ``crash_before_messages`` attempts
    to queue a message (after everything before them was saved)."""

    def __init__(self) -> None:
        super().__init__()
        self.crash_before_messages = 0

    async def enqueue(self, work: NewWork, at: datetime) -> bool:
        if work.kind == MESSAGE and self.crash_before_messages > 0:
            self.crash_before_messages -= 1
            raise ProcessDied("the process stopped before queuing a message")
        return await super().enqueue(work, at)


# The world ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arranged:
    cohort: Cohort
    mentor: Application
    mentee: Application
    pair: Pair


class SchedulingWorld:
    def __init__(self, *, local_calendar: bool = False) -> None:
        self.clock = FakeClock()
        self.cohorts = InMemoryCohortStore()
        self.applications = InMemoryApplicationStore()
        self.pairs = InMemoryPairStore()
        self.meetings = InterleavingMeetingStore()
        self.work = CrashingWorkQueue()
        self.messages = RecordingMeetingMessages()
        self.scripted = ScriptedCalendar()
        self.calendar: Calendar = LocalCalendar(LONDON) if local_calendar else self.scripted
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
        )
        self.notifier = RecordingNotifier()

    # Arranging ---------------------------------------------------------------------------------------------------

    async def running_cohort(self, **plan: Any) -> Cohort:
        return await cohort_in_state(
            self.cohorts, cohort_plan(TODAY, **plan), CohortState.RUNNING, created_by=COORDINATOR, at=DEFAULT_NOW
        )

    async def participant(
        self, cohort: Cohort, who: PersonId, name: str, role: Role, halves: Sequence[Availability], email: str
    ) -> Application:
        """An approved applicant who can usually meet in ``halves`` and whose work email is ``email``."""
        answers: Profile = (mentor_profile if role is Role.MENTOR else mentee_profile)(
            work_email=email, availability=tuple(halves)
        )
        application = await stored_application(
            self.applications, cohort, who, at=self.clock.now(), profile=answers, display_name=name
        )
        approved = await self.applications.move(
            application.id, ApplicationState.APPROVED, application.version, self.clock.now()
        )
        assert approved is not None
        return approved

    async def published_pair(self, cohort: Cohort, mentor: Application, mentee: Application) -> Pair:
        """The pair stored and published now (so introduced now), skipping matching."""
        await self.pairs.add(
            NewPair(cohort.id, mentor.id, mentee.id, mentor.person, mentee.person, 100, ("arranged by the test",)),
            self.clock.now(),
        )
        published = await self.pairs.publish(cohort.id, self.clock.now())
        return next(pair for pair in published if pair.mentee_application == mentee.id)

    async def arrange(
        self,
        *,
        mentor_halves: Sequence[Availability] = MENTOR_HALVES,
        mentee_halves: Sequence[Availability] = MENTEE_HALVES,
        **plan: Any,
    ) -> Arranged:
        """A running cohort (``plan`` changes its plan) with Aisha mentoring Chioma, published now."""
        cohort = await self.running_cohort(**plan)
        mentor = await self.participant(cohort, AISHA, "Aisha", Role.MENTOR, mentor_halves, "aisha.mentor@nhs.net")
        mentee = await self.participant(cohort, CHIOMA, "Chioma", Role.MENTEE, mentee_halves, "chioma.lead@nhs.net")
        pair = await self.published_pair(cohort, mentor, mentee)
        return Arranged(cohort, mentor, mentee, pair)

    async def withdraw(self, application: Application) -> Application:
        current = await self.applications.get(application.id)
        assert current is not None
        moved = await self.applications.move(current.id, ApplicationState.WITHDRAWN, current.version, self.clock.now())
        assert moved is not None
        return moved

    # Looking ------------------------------------------------------------------------------------------------------

    async def meeting(self, meeting_id: int) -> Meeting:
        found = await self.meetings.get(meeting_id)
        assert found is not None
        return found

    def items(self, kind: str) -> list[WorkItem]:
        return [self.work.items[i] for i in sorted(self.work.items) if self.work.items[i].kind == kind]

    def messages_to(self, person: PersonId) -> list[WorkItem]:
        return [item for item in self.items(MESSAGE) if item.recipient == person]

    # Running queued work ------------------------------------------------------------------------------------------

    def handler(self, kind: str) -> WorkHandler:
        handlers = {BOOK_MEETING: self.scheduling.booking_handler(), CANCEL_EVENT: self.scheduling.cancel_handler()}
        return handlers[kind]

    async def run(self, kind: str) -> int:
        """Run every pending item of ``kind`` through its scheduling handler, oldest first, marking each done as the
        sweeper would; returns how many ran. A handler's exception propagates and leaves its item pending."""
        ran = 0
        for item in self.items(kind):
            if item.state is not WorkState.PENDING:
                continue
            await self.run_item(item)
            self.work.items[item.id] = replace(item, state=WorkState.DONE, attempts=item.attempts + 1)
            ran += 1
        return ran

    async def run_item(self, item: WorkItem) -> None:
        """Run one item's handler again, whatever its state: a retry after a crash that left it unfinished."""
        await self.handler(item.kind)(item)

    def sweeper(self) -> Sweeper:
        """The real sweeper with the scheduling handlers, delivering messages to ``notifier``."""
        return Sweeper(
            queue=self.work,
            handlers={
                BOOK_MEETING: self.scheduling.booking_handler(),
                CANCEL_EVENT: self.scheduling.cancel_handler(),
                MESSAGE: message_handler(self.notifier),
            },
            contacts=InMemoryContactBook(),
            clock=self.clock,
            working_hours=WorkingHours(LONDON),
            owner="scheduling-test",
            jitter=lambda: 1.0,
        )

    # Doing --------------------------------------------------------------------------------------------------------

    async def booked(self, person: PersonId, slot: int = 0) -> Meeting:
        """Find times as ``person``, choose slot ``slot`` and run the booking: the booked meeting."""
        offer = await self.scheduling.find_times(person)
        chosen = await self.scheduling.pick(person, offer.meeting.id, offer.meeting.version, slot)
        await self.run(BOOK_MEETING)
        return await self.meeting(chosen.meeting.id)
