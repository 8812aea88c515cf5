"""Check-ins: what the bot does around a pair's meetings so nobody has to chase them.

- **Before a meeting**, a reminder to each person one working day ahead (a meeting on Monday is reminded on the
  Friday before, at the meeting's time of day, or at the start of the working day if the meeting is outside
  working hours), with a few conversation prompts for that session (:mod:`programme.conversation_prompts`). A
  meeting booked too late for that is reminded at the start of its own working day, if that is still at least an
  hour before it; otherwise not at all: the booking's confirmation, a moment old, says everything a reminder
  would.
- **After a meeting**, "Did you meet?" to each person shortly after it ends (in working hours): met, we
  rescheduled, or it didn't happen. Each answer is recorded for that person (:mod:`programme.attendance`). "Met"
  leads on to a private reflection; the other two offer the same session again (:meth:`Scheduling.not_held`).
- **Stalled pairs**: a live pair in a running cohort with nothing booked ahead and no meeting held for
  ``stall_after`` (counted from their last meeting that took place, or from when they were introduced) gets a
  friendly nudge with one click to find a time; if still nothing is booked or held ``escalate_after`` later, every
  coordinator is told the pair's state (names, cohort, weeks since they last met, sessions held), never anything
  the pair said or wrote.

Every one of these is durable work with a key naming its occasion, so it is sent once however often the jobs run,
on however many replicas. Reminders, "did you meet?" and stall nudges are nudges: the sweeper holds them to working
hours and drops them for someone paused or gone. Each handler looks again when it runs: a moved meeting's old
reminder sends nothing (the new time has its own), a cancelled one's neither, and a stall that ended in a booking
is not escalated.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from programme.applications import Application, ApplicationStore
from programme.attendance import Attendance, AttendanceStore, Outcome, about_its_time, took_place
from programme.clock import Clock
from programme.cohorts import Cohort, CohortState, CohortStore
from programme.conversation_prompts import conversation_prompts
from programme.coordinators import Coordinators
from programme.errors import Conflict, NotAuthorised, NotFound
from programme.identity import PersonId
from programme.meeting_view import MeetingView
from programme.meetings import Meeting, MeetingState, MeetingStore
from programme.my_pair import LIVE_PAIRS, my_pair
from programme.notifier import Notifier, OutboundMessage, PersonRecipient
from programme.pairs import Pair, PairStore
from programme.prompts import Prompter, PromptKind
from programme.scheduling import Scheduling, both_live
from programme.sweeper import NUDGE, WorkHandler
from programme.work import NewWork, WorkItem, WorkQueue
from programme.working_hours import WorkingHours

log = logging.getLogger(__name__)

REMINDER = "checkin.reminder"
DID_YOU_MEET = "checkin.did-you-meet"
STALL_NUDGE = "stall.nudge"
STALL_ALERT = "stall.alert"

# "Did you meet?" goes this long after the meeting's end, so a meeting that overran is not interrupted.
ASK_AFTER = timedelta(minutes=10)
# A reminder on the meeting's own day is worth sending only this far ahead of it.
SAME_DAY_LEAD = timedelta(hours=1)
DEFAULT_STALL_AFTER = timedelta(weeks=5)
DEFAULT_ESCALATE_AFTER = timedelta(weeks=2)

NOT_YOURS = "That conversation isn't one of yours, so I can't record anything about it."


@dataclass(frozen=True)
class Reminder:
    """A meeting to come, as one of the pair sees it, with prompts for its session."""

    view: MeetingView
    prompts: tuple[str, ...]
    # The day the reminder is sent, in the organisation's time zone, so it can say "tomorrow".
    today: date


@dataclass(frozen=True)
class Stalled:
    """A pair who have not met for a while, as one of them sees it."""

    pair: Pair
    cohort: Cohort
    me: Application
    partner: Application
    # Whole weeks since they last met, or since they were introduced if they never have.
    weeks: int
    met_before: bool


@dataclass(frozen=True)
class StallAlert:
    """What coordinators are told of a pair still stalled after the nudge: logistics only."""

    cohort: Cohort
    pair_id: int
    mentor_name: str
    mentee_name: str
    weeks: int
    met_before: bool
    sessions_held: int
    sessions_planned: int


@dataclass(frozen=True)
class CheckInAnswer:
    """What follows a person's answer to "Did you meet?"."""

    outcome: Outcome
    meeting_id: int
    # The meeting as it now stands, offered again, after "we rescheduled" or "it didn't happen".
    view: MeetingView | None = None
    # A sentence to show instead, when there is no card to follow.
    note: str | None = None


@dataclass(frozen=True)
class MeetingSummary:
    """A cohort's meetings at a glance, for coordinators: counts only."""

    held: int
    pairs: int
    stalled: int
    # After how many quiet weeks a pair counts as stalled.
    stall_weeks: int


class CheckInMessages(Protocol):
    """How check-ins look. The core decides when and to whom; the bot's cards decide the words and buttons."""

    def reminder(self, reminder: Reminder) -> OutboundMessage: ...

    def did_you_meet(self, view: MeetingView) -> OutboundMessage: ...

    def stalled(self, stalled: Stalled) -> OutboundMessage: ...

    def stall_alert(self, alert: StallAlert) -> OutboundMessage: ...


@dataclass(frozen=True)
class _Progress:
    """Where a pair is with their meetings."""

    quiet_since: datetime
    held: int
    booked_ahead: bool

    @property
    def met_before(self) -> bool:
        return self.held > 0


class CheckIns:
    def __init__(
        self,
        *,
        pairs: PairStore,
        applications: ApplicationStore,
        cohorts: CohortStore,
        meetings: MeetingStore,
        attendance: AttendanceStore,
        scheduling: Scheduling,
        prompter: Prompter,
        coordinators: Coordinators,
        work: WorkQueue,
        messages: CheckInMessages,
        clock: Clock,
        working_hours: WorkingHours,
        stall_after: timedelta = DEFAULT_STALL_AFTER,
        escalate_after: timedelta = DEFAULT_ESCALATE_AFTER,
    ) -> None:
        if stall_after <= timedelta(0) or escalate_after <= timedelta(0):
            raise ValueError("the stall and escalation periods must be positive")
        self._pairs = pairs
        self._applications = applications
        self._cohorts = cohorts
        self._meetings = meetings
        self._attendance = attendance
        self._scheduling = scheduling
        self._prompter = prompter
        self._coordinators = coordinators
        self._work = work
        self._messages = messages
        self._clock = clock
        self._hours = working_hours
        self._zone: tzinfo = working_hours.zone
        self._stall_after = stall_after
        self._escalate_after = escalate_after

    # Meetings booked ---------------------------------------------------------------------------------------------

    async def booked(self, meeting: Meeting) -> None:
        """A meeting went into the calendar (or moved): schedule its reminder and "Did you meet?" for both people.

        Keys name the meeting and its time, so a retried booking schedules nothing twice, and a moved meeting gets
        new ones (the old ones find the meeting no longer at their time, and send nothing)."""
        if meeting.state is not MeetingState.BOOKED or meeting.when is None:
            return
        pair = await self._pairs.get(meeting.pair_id)
        both = await both_live(self._applications, pair) if pair is not None else None
        if pair is None or both is None:
            return
        now = self._clock.now()
        remind_at = self.reminder_time(meeting.when.start, now)
        ask_at = meeting.when.end + ASK_AFTER
        at = f"{meeting.when.start.astimezone(UTC):%Y%m%dT%H%MZ}"
        for person in both:
            if remind_at is not None:
                await self._nudge(
                    REMINDER,
                    f"checkin:reminder:meeting:{meeting.id}:{at}:to:{person.person.value}",
                    person,
                    remind_at,
                    {"summary": "meeting reminder", "meeting": meeting.id, "start": _iso(meeting.when.start)},
                    now,
                )
            await self._nudge(
                DID_YOU_MEET,
                f"checkin:did-you-meet:meeting:{meeting.id}:{at}:to:{person.person.value}",
                person,
                ask_at,
                {"summary": "did you meet?", "meeting": meeting.id, "start": _iso(meeting.when.start)},
                now,
            )
        # Booking again answers the "it's been a while" nudge, for both of them.
        progress = await self._progress(pair, now)
        for person in both:
            await self._prompter.answered(person.person, PromptKind.STALLED, _stall_ref(pair.id, self._day(progress)))

    def reminder_time(self, start: datetime, now: datetime) -> datetime | None:
        """When to remind people of a meeting starting at ``start``, booked at ``now``; None for no reminder."""
        local = start.astimezone(self._zone)
        day = local.date() - timedelta(days=1)
        while day.weekday() not in self._hours.days:
            day -= timedelta(days=1)
        clock = local.time() if self._hours.start <= local.time() < self._hours.end else self._hours.start
        before = datetime.combine(day, clock, tzinfo=self._zone).astimezone(UTC)
        if before > now:
            return before
        opening = datetime.combine(local.date(), self._hours.start, tzinfo=self._zone).astimezone(UTC)
        if local.weekday() in self._hours.days and now < opening <= start - SAME_DAY_LEAD:
            return opening
        return None

    # "Did you meet?" answered ------------------------------------------------------------------------------------

    async def answer(self, person: PersonId, meeting_id: int, outcome: Outcome) -> CheckInAnswer:
        """Record the person's answer about the meeting, and say what follows."""
        meeting = await self._meetings.get(meeting_id)
        pair = await self._pairs.get(meeting.pair_id) if meeting is not None else None
        if meeting is None or pair is None or not pair.includes(person):
            raise NotFound(NOT_YOURS)
        mine = await my_pair(self._pairs, self._applications, person, pair.id, what="conversation")
        now = self._clock.now()
        answers = await self._attendance.for_meetings([meeting.id])
        over = meeting.when is not None and meeting.when.end <= now
        # Offered again (or already booked again) after someone said it didn't happen: its earlier time is over, and
        # answers about it still count. Nobody can answer before a time is over, so answers about a meeting still to
        # come were about an earlier time of it.
        again = not over and bool(answers)
        if not over and not again:
            raise Conflict(
                "That conversation hasn't happened yet, so there's nothing to record. I'll ask how it went afterwards."
            )
        await self._attendance.record(meeting.id, person, outcome, now)
        await self._prompter.answered(person, PromptKind.DID_YOU_MEET, _meeting_ref(meeting.id))
        if outcome is Outcome.MET:
            return CheckInAnswer(outcome, meeting.id)
        current = answers if again else about_its_time(meeting, answers)
        if any(a.person != person and a.outcome is Outcome.MET for a in current):
            partner = mine.partner.display_name
            return CheckInAnswer(
                outcome,
                meeting.id,
                note=(
                    f"Thanks for letting me know. {partner} told me you met, so I've left this conversation as held. "
                    "If you'd like another one, type 'schedule' and I'll find some times."
                ),
            )
        if again and meeting.when is not None:
            # The partner has already chosen its new time: show that rather than offer times again.
            view = await self._scheduling.show(
                person, meeting.id, "Thanks for letting me know. It has already been booked again, for the time below."
            )
            return CheckInAnswer(outcome, meeting.id, view=view)
        view = await self._scheduling.not_held(person, meeting.id, rescheduled=outcome is Outcome.RESCHEDULED)
        return CheckInAnswer(outcome, meeting.id, view=view)

    async def engaged(self, person: PersonId, pair_id: int) -> None:
        """The person acted on their pair's meetings (e.g. "Find a time" on the stall nudge): that answers it."""
        pair = await self._pairs.get(pair_id)
        if pair is None or not pair.includes(person):
            return
        progress = await self._progress(pair, self._clock.now())
        await self._prompter.answered(person, PromptKind.STALLED, _stall_ref(pair.id, self._day(progress)))

    # Stalled pairs ------------------------------------------------------------------------------------------------

    async def stalled_due(self) -> int:
        """Find pairs newly stalled and schedule their nudges and the escalation after them; returns how many pairs
        were newly found. Safe to run often and on several replicas: every step is keyed by the pair and the day
        it went quiet."""
        now = self._clock.now()
        found = 0
        for cohort in await self._cohorts.listing(frozenset({CohortState.RUNNING})):
            pairs = await self._pairs.for_cohort(cohort.id, LIVE_PAIRS)
            meetings = await self._meetings.for_pairs([pair.id for pair in pairs])
            answers = await self._attendance.for_meetings([meeting.id for meeting in meetings])
            for pair in pairs:
                progress = _progress(pair, [m for m in meetings if m.pair_id == pair.id], answers, now)
                if not self._is_stalled(progress, cohort, now):
                    continue
                both = await both_live(self._applications, pair)
                if both is None:
                    continue
                since = self._day(progress)
                payload = {"summary": "stalled pair", "pair": pair.id, "since": since}
                for person in both:
                    await self._nudge(
                        STALL_NUDGE,
                        f"stall:nudge:pair:{pair.id}:{since}:to:{person.person.value}",
                        person,
                        now,
                        payload,
                        now,
                    )
                # The escalation is decided now and checked then: it goes only if nothing has changed by its time.
                # Queued last and once per stall, so whichever run queues it is the one that found the stall.
                found += await self._work.enqueue(
                    NewWork(
                        kind=STALL_ALERT,
                        idempotency_key=f"stall:alert:pair:{pair.id}:{since}",
                        tenant=both[1].tenant,
                        recipient=None,
                        due_at=now + self._escalate_after,
                        payload={"summary": "stalled pair: tell the coordinators", "pair": pair.id, "since": since},
                    ),
                    now,
                )
        return found

    async def summary(self, cohort_id: int) -> MeetingSummary:
        """The cohort's meetings held and pairs stalled now, for the coordinators' status card."""
        cohort = await self._cohorts.get(cohort_id)
        weeks = self._stall_after // timedelta(weeks=1)
        if cohort is None:
            return MeetingSummary(held=0, pairs=0, stalled=0, stall_weeks=weeks)
        now = self._clock.now()
        pairs = await self._pairs.for_cohort(cohort_id, LIVE_PAIRS)
        meetings = await self._meetings.for_pairs([pair.id for pair in pairs])
        answers = await self._attendance.for_meetings([meeting.id for meeting in meetings])
        held = stalled = 0
        for pair in pairs:
            progress = _progress(pair, [m for m in meetings if m.pair_id == pair.id], answers, now)
            held += progress.held
            stalled += cohort.state is CohortState.RUNNING and self._is_stalled(progress, cohort, now)
        return MeetingSummary(held=held, pairs=len(pairs), stalled=stalled, stall_weeks=weeks)

    # Work handlers ------------------------------------------------------------------------------------------------

    def handlers(self, notifier: Notifier) -> dict[str, WorkHandler]:
        """The work kinds of check-ins, sending through ``notifier``."""

        async def remind(item: WorkItem) -> None:
            await self._remind(item, notifier)

        async def ask(item: WorkItem) -> None:
            await self._ask(item, notifier)

        async def nudge(item: WorkItem) -> None:
            await self._nudge_stalled(item, notifier)

        async def alert(item: WorkItem) -> None:
            await self._alert(item, notifier)

        return {REMINDER: remind, DID_YOU_MEET: ask, STALL_NUDGE: nudge, STALL_ALERT: alert}

    async def _remind(self, item: WorkItem, notifier: Notifier) -> None:
        meeting = await self._still_booked(item)
        now = self._clock.now()
        if meeting is None or meeting.when is None or item.recipient is None:
            return
        if meeting.when.start <= now:
            log.info("reminder %s for meeting %s came too late; not sent", item.id, meeting.id)
            return
        view = await self._view(item.recipient, meeting.id)
        if view is None:
            return
        plan = view.cohort.plan
        prompts = conversation_prompts(meeting.session, plan.sessions, plan.track, mentor=view.i_am_mentor)
        reminder = Reminder(view=view, prompts=prompts, today=now.astimezone(self._zone).date())
        await notifier.send(PersonRecipient(item.tenant, item.recipient), self._messages.reminder(reminder))

    async def _ask(self, item: WorkItem, notifier: Notifier) -> None:
        meeting = await self._still_booked(item)
        now = self._clock.now()
        if meeting is None or meeting.when is None or item.recipient is None or meeting.when.end > now:
            return
        answers = about_its_time(meeting, await self._attendance.for_meetings([meeting.id]))
        if any(a.person == item.recipient for a in answers):
            return
        view = await self._view(item.recipient, meeting.id)
        if view is None:
            return
        await self._prompter.send(
            notifier,
            item.tenant,
            item.recipient,
            PromptKind.DID_YOU_MEET,
            _meeting_ref(meeting.id),
            self._messages.did_you_meet(view),
        )

    async def _nudge_stalled(self, item: WorkItem, notifier: Notifier) -> None:
        found = await self._still_stalled(item)
        if found is None or item.recipient is None:
            return
        pair, cohort, progress = found
        try:
            mine = await my_pair(self._pairs, self._applications, item.recipient, pair.id, what="pair")
        except (NotFound, NotAuthorised):
            return
        stalled = Stalled(
            pair=pair,
            cohort=cohort,
            me=mine.me,
            partner=mine.partner,
            weeks=self._weeks(progress),
            met_before=progress.met_before,
        )
        await self._prompter.send(
            notifier,
            item.tenant,
            item.recipient,
            PromptKind.STALLED,
            _stall_ref(pair.id, self._day(progress)),
            self._messages.stalled(stalled),
        )

    async def _alert(self, item: WorkItem, notifier: Notifier) -> None:
        found = await self._still_stalled(item)
        if found is None:
            return
        pair, cohort, progress = found
        now = self._clock.now()
        if item.recipient is None:
            # Whoever coordinates when the escalation falls due is told, each in their own working hours.
            for coordinator in await self._coordinators.all():
                await self._work.enqueue(
                    NewWork(
                        kind=STALL_ALERT,
                        idempotency_key=f"{item.idempotency_key}:to:{coordinator.person.value}",
                        tenant=item.tenant,
                        recipient=coordinator.person,
                        due_at=now,
                        payload={"summary": "stalled pair", "pair": pair.id, "since": item.payload.get("since")},
                    ),
                    now,
                )
            return
        if not await self._coordinators.is_coordinator(item.recipient):
            return
        both = await both_live(self._applications, pair)
        if both is None:
            return
        mentor, mentee = both
        alert = StallAlert(
            cohort=cohort,
            pair_id=pair.id,
            mentor_name=mentor.display_name,
            mentee_name=mentee.display_name,
            weeks=self._weeks(progress),
            met_before=progress.met_before,
            sessions_held=progress.held,
            sessions_planned=cohort.plan.sessions,
        )
        await notifier.send(PersonRecipient(item.tenant, item.recipient), self._messages.stall_alert(alert))

    # Inside -------------------------------------------------------------------------------------------------------

    async def _nudge(
        self, kind: str, key: str, person: Application, due_at: datetime, payload: Mapping[str, Any], now: datetime
    ) -> bool:
        return await self._work.enqueue(
            NewWork(
                kind=kind,
                idempotency_key=key,
                tenant=person.tenant,
                recipient=person.person,
                due_at=due_at,
                payload={**payload, NUDGE: True},
            ),
            now,
        )

    async def _still_booked(self, item: WorkItem) -> Meeting | None:
        """The item's meeting if it is still booked for the time the item was made for."""
        meeting_id, start = item.payload.get("meeting"), item.payload.get("start")
        if not isinstance(meeting_id, int) or not isinstance(start, str):
            log.warning("work item %s (%s) names no meeting; nothing sent", item.id, item.kind)
            return None
        meeting = await self._meetings.get(meeting_id)
        if meeting is None or meeting.when is None:
            return None
        if meeting.state is not MeetingState.BOOKED and not meeting.rescheduling:
            # Cancelled, offered again after it didn't happen, or being moved: nothing to remind of or ask about.
            return None
        if _iso(meeting.when.start) != start:
            # Moved since: the new time has a reminder of its own.
            return None
        return meeting

    async def _still_stalled(self, item: WorkItem) -> tuple[Pair, Cohort, _Progress] | None:
        """The item's pair, if it is still live, in a running cohort, and quiet since the same day."""
        pair_id, since = item.payload.get("pair"), item.payload.get("since")
        if not isinstance(pair_id, int) or not isinstance(since, str):
            log.warning("work item %s (%s) names no pair; nothing sent", item.id, item.kind)
            return None
        pair = await self._pairs.get(pair_id)
        if pair is None or pair.state not in LIVE_PAIRS:
            return None
        cohort = await self._cohorts.get(pair.cohort_id)
        if cohort is None or cohort.state is not CohortState.RUNNING:
            return None
        now = self._clock.now()
        progress = await self._progress(pair, now)
        if not self._is_stalled(progress, cohort, now) or self._day(progress) != since:
            return None
        return pair, cohort, progress

    async def _progress(self, pair: Pair, now: datetime) -> _Progress:
        meetings = await self._meetings.for_pairs([pair.id])
        answers = await self._attendance.for_meetings([meeting.id for meeting in meetings])
        return _progress(pair, meetings, answers, now)

    def _is_stalled(self, progress: _Progress, cohort: Cohort, now: datetime) -> bool:
        if progress.booked_ahead or progress.held >= cohort.plan.sessions:
            return False
        return now - progress.quiet_since >= self._stall_after

    async def _view(self, person: PersonId, meeting_id: int) -> MeetingView | None:
        try:
            return await self._scheduling.show(person, meeting_id)
        except (NotFound, NotAuthorised):
            # Someone left the programme since, or the pair was closed: nothing to say to them.
            return None

    def _day(self, progress: _Progress) -> str:
        return progress.quiet_since.astimezone(self._zone).date().isoformat()

    def _weeks(self, progress: _Progress) -> int:
        return (self._clock.now() - progress.quiet_since) // timedelta(weeks=1)


def _progress(pair: Pair, meetings: Sequence[Meeting], answers: Sequence[Attendance], now: datetime) -> _Progress:
    held = [m for m in meetings if took_place(m, answers, now)]
    introduced = pair.published_at or pair.created_at
    ends = [m.when.end for m in held if m.when is not None]
    return _Progress(
        quiet_since=max([introduced, *ends]),
        held=len(held),
        booked_ahead=any(_ahead(m, now) for m in meetings),
    )


def _ahead(meeting: Meeting, now: datetime) -> bool:
    """Booked (or being booked, or being moved) for a time not yet over."""
    if meeting.when is None or meeting.when.end <= now:
        return False
    return meeting.state in (MeetingState.BOOKING, MeetingState.BOOKED) or meeting.rescheduling


def _meeting_ref(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def _stall_ref(pair_id: int, since: str) -> str:
    return f"pair:{pair_id}:stalled:{since}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
