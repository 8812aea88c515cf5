"""A clock-driven walk through a cohort's months, through the real adapter, with nobody sleeping.

The test runs the bot as deployed on a :class:`FakeClock` (see :mod:`tests.http.programme_driver`). The scheduler's
own timers never fire within a test, so :class:`Simulation` stands in for them: it moves the clock to the next moment
anything can happen (the next run of the scheduler's periodic jobs; the next work item that falls due; the next thing
a person was scripted to do) and there runs what the service would run. Every activity the fake Bot Connector
receives is kept as a :class:`Delivery` with the simulated time it arrived and what kind of message it is, read from
its card or text the way its reader would, so a test can check the whole schedule afterwards.

People react to what reaches them through a hook the test supplies. Each booking is kept as the meetings table
showed it, from when it was made until it was moved, called off or offered again, so that a test can work out what
should have been sent, and when, independently of how the bot decided it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from programme.meetings import Meeting, MeetingState
from programme.working_hours import WorkingHours
from storage.meeting_store import SqlMeetingStore
from storage.tables import work_items
from tests.http.meeting_world import BOOKED, CANCELLED, OFFERED, notices
from tests.http.programme_driver import Person, Programme
from tests.support.card_reading import card_text, text_blocks
from tests.support.fake_connector import SentActivity

LONDON = ZoneInfo("Europe/London")
# The office hours the simulated bot keeps: the service's defaults, written out here so a change there is noticed.
OFFICE = WorkingHours(LONDON, start=time(9), end=time(17, 30), days=frozenset(range(5)))

# What a message is, as its reader would tell from it.
INTRODUCTION = "introduction"
APPROVED = "approved"
OFFER = "offer"
FINDING = "partner finding a time"
REOFFERED = "partner says it didn't happen"
BOOKED_NOTICE = "booked"
CANCELLED_NOTICE = "meeting cancelled"
REMINDER = "reminder"
DID_YOU_MEET = "did you meet?"
STALLED = "stalled nudge"
STALL_ALERT = "stall alert"
SURVEY = "survey"
SURVEY_REMINDER = "survey reminder"
PAUSED = "paused"
PARTNER_LEFT = "partner left"
WITHDRAWAL_NOTICE = "withdrawal notice"
SURVEY_HEADINGS = {
    "Start-of-programme survey": "baseline",
    "Mid-point check-in": "midpoint",
    "End-of-programme survey": "end",
}


@dataclass(frozen=True)
class Delivery:
    """One activity that reached a 1:1 chat: when (simulated), to whom, and what kind of message it is."""

    at: datetime
    to: Person
    kind: str
    # Sent on the bot's own initiative (by a sweep), rather than as a reply within someone's turn.
    proactive: bool
    activity: SentActivity
    # The meeting a meeting card, reminder or "Did you meet?" is about; the survey a survey card is.
    about: int | str | None = None

    @property
    def card(self) -> Mapping[str, Any]:
        [card] = self.activity.cards
        return card

    @property
    def shown(self) -> str:
        """Everything a reader could see in it, as one string."""
        return json.dumps(self.activity.body)


@dataclass
class Booking:
    """A meeting booked at a time, from when the booking stood until it was moved, called off or offered again."""

    meeting_id: int
    pair_id: int
    session: int
    start: datetime
    end: datetime
    booked_at: datetime
    chosen_by: str | None
    ended_at: datetime | None = None


@dataclass(order=True)
class Scripted:
    at: datetime
    order: int
    what: str = field(compare=False)
    action: Callable[[], Awaitable[None]] = field(compare=False)


Reaction = Callable[[Delivery], Awaitable[None]]
Job = Callable[[], Awaitable[int]]


def next_run(moment: datetime, every: timedelta) -> datetime:
    """The first moment strictly after ``moment`` that is a whole multiple of ``every`` from midnight UTC."""
    utc = moment.astimezone(UTC)
    midnight = utc.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + every * ((utc - midnight) // every + 1)


def is_run(moment: datetime, every: timedelta) -> bool:
    utc = moment.astimezone(UTC)
    return (utc - utc.replace(hour=0, minute=0, second=0, microsecond=0)) % every == timedelta(0)


def local(day: str, clock: str) -> datetime:
    """A London wall-clock time, e.g. ``local("2026-05-03", "21:00")``, in UTC."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=LONDON).astimezone(UTC)


def kind_of(activity: SentActivity) -> tuple[str, int | str | None]:
    """What a message is, and the meeting or survey it is about, read the way its reader would."""
    if not activity.cards:
        text = activity.text or ""
        if "I've paused my reminders until" in text:
            return PAUSED, None
        if "has stepped back from the programme" in text:
            return PARTNER_LEFT, None
        if "has withdrawn from" in text:
            return WITHDRAWAL_NOTICE, None
        if text.startswith("Good news: your application"):
            return APPROVED, None
        return f"text: {text[:60]}", None
    [card] = activity.cards
    heading = text_blocks(card)[0]
    if card.get("refresh"):
        meeting = card["refresh"]["action"]["data"]["meeting"]
        said = " ".join(notices(card))
        if heading == OFFERED and said.startswith("It's time to arrange"):
            return OFFER, meeting
        if heading == OFFERED and "is finding a time for you both" in said:
            return FINDING, meeting
        if heading == OFFERED and "didn't go ahead" in said:
            return REOFFERED, meeting
        if heading == BOOKED:
            return BOOKED_NOTICE, meeting
        if heading == CANCELLED:
            return CANCELLED_NOTICE, meeting
        return f"meeting card: {heading}: {said[:60]}", meeting
    if heading.startswith("Meet your "):
        return INTRODUCTION, None
    if heading.startswith("Your conversation with "):
        return REMINDER, _meeting_on_button(card, "meeting.reschedule")
    if heading == "Did you meet?":
        return DID_YOU_MEET, _meeting_on_button(card, "checkin.answer")
    if heading == "It's been a while":
        return STALLED, None
    if heading == "A pair may need a hand":
        return STALL_ALERT, None
    if heading in SURVEY_HEADINGS:
        reminder = "A gentle reminder" in card_text(card)
        return (SURVEY_REMINDER if reminder else SURVEY), SURVEY_HEADINGS[heading]
    return f"card: {heading}", None


def _meeting_on_button(card: Mapping[str, Any], verb: str) -> int:
    found = {
        action["data"]["meeting"]
        for action in card.get("actions", [])
        if action.get("verb") == verb and isinstance(action.get("data"), Mapping)
    }
    assert len(found) == 1, found
    meeting: int = found.pop()
    return meeting


class Simulation:
    """Drives :class:`Programme` through time; see the module's docstring.

    ``jobs`` are the scheduler's periodic jobs, run at every whole multiple of ``every`` (from midnight UTC, which
    is a whole hour in London too), as the scheduler would run them on its own timer."""

    def __init__(
        self, programme: Programme, people: Sequence[Person], jobs: Mapping[str, Job], every: timedelta
    ) -> None:
        self.programme = programme
        self.people = {person.chat: person for person in people}
        self.jobs = jobs
        self.every = every
        self.deliveries: list[Delivery] = []
        self.bookings: list[Booking] = []
        self.pair_ids: list[int] = []
        self.react: Reaction | None = None
        # When the periodic jobs ran.
        self.job_runs: list[datetime] = []
        self._seen = len(programme.sent)
        self._scripted: list[Scripted] = []
        self._order = 0
        self._meetings: dict[int, Meeting] = {}

    @property
    def now(self) -> datetime:
        return self.programme.clock.now()

    # What people do -------------------------------------------------------------------------------------------

    def later(self, at: datetime, what: str, action: Callable[[], Awaitable[None]]) -> None:
        """Have something done at ``at`` (a person acting on their own, not in reply to a message)."""
        assert at > self.now, f"{what} is scripted for {at}, which has passed"
        self._order += 1
        self._scripted.append(Scripted(at, self._order, what, action))
        self._scripted.sort()

    def take(self, *, proactive: bool) -> list[Delivery]:
        """Keep whatever reached the connector since last time, stamped with the simulated time."""
        new = self.programme.sent[self._seen :]
        self._seen += len(new)
        kept = []
        for activity in new:
            person = self.people.get(activity.conversation_id)
            assert person is not None, f"a message to a chat nobody in the cohort has: {activity.conversation_id}"
            kind, about = kind_of(activity)
            kept.append(Delivery(self.now, person, kind, proactive, activity, about))
        self.deliveries += kept
        return kept

    # Time -------------------------------------------------------------------------------------------------------

    async def run_until(self, end: datetime) -> None:
        """Walk the clock to ``end``, stopping wherever anything can happen, and settle everything at each stop."""
        while True:
            now = self.now
            stops = [next_run(now, self.every), end]
            due = await self._next_due()
            if due is not None:
                assert due > now, f"work due at {due} was left behind at {now}"
                stops.append(due)
            if self._scripted:
                stops.append(self._scripted[0].at)
            moment = min(stops)
            self.programme.clock.set(moment)
            if is_run(moment, self.every):
                self.job_runs.append(moment)
                for job in self.jobs.values():
                    await job()
            acted = False
            while self._scripted and self._scripted[0].at <= moment:
                await self._scripted.pop(0).action()
                self.take(proactive=False)
                acted = True
            await self.settle(changed=acted)
            if moment >= end:
                return

    async def settle(self, *, changed: bool = False) -> None:
        """Sweep until nothing is due, letting people react to what reached them; keep :attr:`bookings` up to
        date."""
        while True:
            report = await self.programme.sweep()
            arrived = self.take(proactive=True)
            changed = changed or report.claimed > 0
            for delivery in arrived:
                if self.react is not None:
                    await self.react(delivery)
                    self.take(proactive=False)
            if changed:
                await self._note_meetings()
                changed = False
            if not arrived:
                return
            changed = True

    async def _next_due(self) -> datetime | None:
        query = select(func.min(work_items.c.due_at)).where(work_items.c.state == "pending")
        async with self.programme.runtime.database.engine.connect() as connection:
            due: datetime | None = (await connection.execute(query)).scalar()
        return due

    async def _note_meetings(self) -> None:
        """Open a :class:`Booking` for each meeting newly booked at a time, and end the ones whose meeting moved on."""
        if not self.pair_ids:
            return
        now = self.now
        for meeting in await SqlMeetingStore(self.programme.runtime.database).for_pairs(self.pair_ids):
            before = self._meetings.get(meeting.id)
            self._meetings[meeting.id] = meeting
            if before is not None and before.version == meeting.version:
                continue
            if meeting.state is MeetingState.BOOKING:
                # Chosen, and being put in the calendar: the booking stands once that is done.
                continue
            standing = [b for b in self.bookings if b.meeting_id == meeting.id and b.ended_at is None]
            # A booked meeting someone is moving keeps its time until a new one is chosen.
            booked = meeting.when is not None and (meeting.state is MeetingState.BOOKED or meeting.rescheduling)
            if booked and meeting.when is not None and any(b.start == meeting.when.start for b in standing):
                continue
            for booking in standing:
                booking.ended_at = now
            if booked and meeting.when is not None:
                self.bookings.append(
                    Booking(
                        meeting_id=meeting.id,
                        pair_id=meeting.pair_id,
                        session=meeting.session,
                        start=meeting.when.start,
                        end=meeting.when.end,
                        booked_at=now,
                        chosen_by=meeting.chosen_by.value if meeting.chosen_by is not None else None,
                    )
                )

    def meeting(self, meeting_id: int) -> Meeting:
        """The meeting as it stood when last looked at."""
        return self._meetings[meeting_id]

    # Reading what was sent --------------------------------------------------------------------------------------

    def to(self, person: Person, *kinds: str, proactive: bool | None = True) -> list[Delivery]:
        """What reached the person (of these kinds; sent on the bot's initiative unless ``proactive`` says)."""
        return [
            d
            for d in self.deliveries
            if d.to == person and (not kinds or d.kind in kinds) and (proactive is None or d.proactive == proactive)
        ]
