"""Scheduling a pair's meetings: offer times both are free, book the one chosen, move or cancel it, and offer
the next session at the cohort's cadence.

Executives cancelling and momentum dying is how reverse mentoring usually fails, so booking takes one click and
the bot offers the next meeting on its own. Either person may choose a time; the first choice wins and the other
person's card shows it (see :mod:`programme.meetings` for how two clicks book once).

Calendar work that may be slow or throttled (booking, moving, cancelling the event) runs from the durable work
queue, never inside the click: the click records the choice and answers at once, and the queue books it and
tells both people. A retried booking reuses the booking's key, so the calendar makes one event however often it
is asked.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo

from programme.applications import Application, ApplicationStore
from programme.attendance import AttendanceStore, known_held
from programme.calendar import Booking, Calendar, Interval, Invitee
from programme.clock import Clock
from programme.cohorts import Cohort, CohortState, CohortStore
from programme.deliveries import schedule_message
from programme.errors import Conflict, InvalidInput, NotFound, ProgrammeError
from programme.ics import meeting_ics
from programme.identity import PersonId, TenantId
from programme.local_calendar import LOCAL_EVENT_PREFIX
from programme.meeting_messages import MeetingMessages
from programme.meeting_times import common, search_window, span_from, suggestions, within, without
from programme.meeting_view import MeetingView
from programme.meetings import Meeting, MeetingState, MeetingStore, NewMeeting
from programme.my_pair import LIVE_PAIRS, MyPair, my_pair
from programme.notifier import DeliveryFailed
from programme.pairs import Pair, PairStore
from programme.sweeper import WorkHandler
from programme.teams_links import teams_meeting_link
from programme.work import NewWork, WorkItem, WorkQueue

log = logging.getLogger(__name__)

BOOK_MEETING = "meeting.book"
CANCEL_EVENT = "meeting.cancel"
# In a booking's work item: the time the event had before a move, as [start, end] in ISO 8601.
MOVING_FROM = "moving_from"
# A pair who have not booked their first meeting this long after being introduced are offered times.
FIRST_OFFER_AFTER = timedelta(days=3)
# The next session is looked for from a few days before its cadence date, so a busy week need not push it on.
CADENCE_SLACK = timedelta(days=3)
# An own time further ahead than this is almost certainly a slip of the calendar picker.
FURTHEST_OWN_TIME = timedelta(days=120)
# Calendars refuse a single free/busy question spanning more than about two months.
LONGEST_QUESTION = timedelta(days=62)
CANCELLED_NOTE = "This reverse-mentoring conversation has been cancelled."
CHANGED_BY_PARTNER = "Your partner changed this meeting a moment ago; here it is now."
NOTE = (
    "A reverse-mentoring conversation, booked by the ReMEDI bot. What you talk about stays between the two of you. "
    "To move or cancel it, use the bot in Teams, so you both stay up to date."
)

# Turns a meeting into the link of its .ics file (None when there is none to offer).
IcsLink = Callable[[Meeting], str | None]
# Told of every meeting once it is in the calendar (booked, or moved to a new time), e.g. to schedule its reminder.
# Called again if the booking's work item is retried, so it must be idempotent.
BookingListener = Callable[[Meeting], Awaitable[None]]


@dataclass(frozen=True)
class _Request:
    """One pair's search for times, gathered so that many pairs' calendars are read in one go."""

    mine: MyPair
    cohort: Cohort
    window: Interval


class Scheduling:
    def __init__(
        self,
        *,
        pairs: PairStore,
        applications: ApplicationStore,
        cohorts: CohortStore,
        meetings: MeetingStore,
        calendar: Calendar,
        work: WorkQueue,
        messages: MeetingMessages,
        clock: Clock,
        zone: tzinfo,
        ics_link: IcsLink,
        attendance: AttendanceStore | None = None,
    ) -> None:
        """``attendance`` (people's answers to "Did you meet?") decides when a meeting counts as held, so that the next
        session is offered only then (see :func:`programme.attendance.known_held`); without it, a meeting counts as
        held as soon as its time is over."""
        self._pairs = pairs
        self._applications = applications
        self._cohorts = cohorts
        self._meetings = meetings
        self._calendar = calendar
        self._work = work
        self._messages = messages
        self._clock = clock
        self._zone = zone
        self._ics_link = ics_link
        self._attendance = attendance
        self._booking_listeners: list[BookingListener] = []

    def on_booked(self, listener: BookingListener) -> None:
        """Call ``listener`` with each meeting once it is booked in the calendar (and again when it is moved)."""
        self._booking_listeners.append(listener)

    # What people do ---------------------------------------------------------------------------------------------

    async def find_times(self, person: PersonId, pair_id: int | None = None, *, later: bool = False) -> MeetingView:
        """The pair's next meeting: times to choose from, or the meeting already booked.

        ``later`` looks at the two weeks after the times offered now (when none of those suit)."""
        mine = await self._mine(person, pair_id)
        cohort = await self._cohort(mine.pair)
        now = self._clock.now()
        latest = await self._latest(mine.pair)
        if latest is not None and latest.state is MeetingState.BOOKING:
            return self._view(latest, mine, cohort, "That time is being booked now; you'll both hear in a moment.")
        if latest is not None and latest.state is MeetingState.BOOKED and not _over(latest, now):
            return self._view(
                latest, mine, cohort, "This is already booked. To change it, choose Reschedule or Cancel below."
            )
        reuse = (
            latest if latest is not None and latest.state in (MeetingState.OFFERED, MeetingState.CANCELLED) else None
        )
        if reuse is not None and reuse.state is MeetingState.OFFERED and not later and _fresh(reuse, now):
            return self._view(reuse, mine, cohort)
        if later and reuse is not None:
            window = span_from(max(reuse.window.end, search_window(now, self._zone).start), self._zone)
        else:
            window = self._next_window(latest, cohort, now)
        (slots,) = await self._slots([_Request(mine, cohort, window)])
        if reuse is not None:
            saved = await self._meetings.save(reuse.offered(window, slots), reuse.version, now)
        else:
            session = 1 if latest is None else latest.session + 1
            saved = await self._meetings.add(NewMeeting(mine.pair.id, session, window, tuple(slots)), now)
        if saved is None:
            # The partner asked at the same moment: theirs stands, and is what both see.
            current = await self._latest(mine.pair)
            if current is None:
                raise Conflict("Something changed while I was looking; please try again.")
            return self._view(current, mine, cohort)
        await self._tell_partner(saved, mine, cohort, f"{mine.me.display_name} is finding a time for you both.")
        return self._view(saved, mine, cohort)

    async def upcoming(self, person: PersonId) -> MeetingView:
        """The person's next booked meeting (the one to move or cancel)."""
        mine = await self._mine(person, None)
        latest = await self._latest(mine.pair)
        if latest is None or latest.when is None or latest.event_id is None or _over(latest, self._clock.now()):
            raise NotFound("You don't have a meeting booked at the moment. Type 'schedule' to find a time.")
        if latest.state is MeetingState.CANCELLED:
            raise NotFound(
                "Your last meeting was cancelled, so there's nothing booked. Type 'schedule' to find a time."
            )
        return self._view(latest, mine, await self._cohort(mine.pair))

    async def show(
        self, person: PersonId, meeting_id: int, notice: str | None = None, *, problem: bool = False
    ) -> MeetingView:
        meeting, mine, cohort = await self._meeting_of(person, meeting_id)
        return self._view(meeting, mine, cohort, notice, problem=problem)

    async def pick(self, person: PersonId, meeting_id: int, version: int, slot: int) -> MeetingView:
        """Choose one of the offered times."""
        meeting, mine, cohort = await self._meeting_of(person, meeting_id)
        if meeting.version == version and meeting.state is MeetingState.OFFERED:
            if not 0 <= slot < len(meeting.slots):
                raise InvalidInput("That time isn't one I offered; please choose from the card.")
            if meeting.slots[slot].start <= self._clock.now():
                # A card stays in the chat for days: booking its times as they were would book the past.
                raise InvalidInput("That time has already passed; please choose a later one, or ask for new times.")
            return await self._choose(meeting, mine, cohort, meeting.slots[slot])
        return self._view(meeting, mine, cohort, _moved_on(meeting, mine))

    async def pick_time(self, person: PersonId, meeting_id: int, version: int, start: datetime) -> MeetingView:
        """Choose a time of the pair's own, when none of the offered ones suit."""
        meeting, mine, cohort = await self._meeting_of(person, meeting_id)
        if meeting.version != version or meeting.state is not MeetingState.OFFERED:
            return self._view(meeting, mine, cohort, _moved_on(meeting, mine))
        # In UTC from here: a local time the clocks pass twice compares unreliably with times in other zones.
        start = start.astimezone(UTC)
        now = self._clock.now()
        if start <= now:
            raise InvalidInput("That time has already passed; please choose one in the future.")
        if start - now > FURTHEST_OWN_TIME:
            raise InvalidInput("That's more than four months away; please choose a time in the next few months.")
        return await self._choose(meeting, mine, cohort, Interval(start, start + _length(cohort)))

    async def reschedule(self, person: PersonId, meeting_id: int) -> MeetingView:
        """Offer new times for a booked meeting; it stays booked as it is until one is chosen."""
        meeting, mine, cohort = await self._meeting_of(person, meeting_id)
        now = self._clock.now()
        if meeting.state is not MeetingState.BOOKED or _over(meeting, now):
            return self._view(meeting, mine, cohort, "Only a booked meeting still to come can be moved.", problem=True)
        window = search_window(now, self._zone)
        # The time booked now counts as taken, so it is not offered back as a "new" time.
        (slots,) = await self._slots([_Request(mine, cohort, window)])
        saved = await self._meetings.save(meeting.offered(window, slots), meeting.version, now)
        if saved is None:
            return await self.show(
                person, meeting_id, "Your partner changed this meeting a moment ago; here it is now."
            )
        await self._tell_partner(saved, mine, cohort, f"{mine.me.display_name} would like to move this meeting.")
        return self._view(saved, mine, cohort)

    async def keep(self, person: PersonId, meeting_id: int, version: int) -> MeetingView:
        """Stop rescheduling: the booked time stands."""
        meeting, mine, cohort = await self._meeting_of(person, meeting_id)
        if meeting.version != version or not meeting.rescheduling:
            return self._view(meeting, mine, cohort, _moved_on(meeting, mine))
        saved = await self._meetings.save(
            replace(meeting, state=MeetingState.BOOKED, slots=()), meeting.version, self._clock.now()
        )
        if saved is None:
            return await self.show(
                person, meeting_id, "Your partner changed this meeting a moment ago; here it is now."
            )
        await self._tell_partner(saved, mine, cohort, f"{mine.me.display_name} kept the time as it was.")
        return self._view(saved, mine, cohort, "Kept as it was.")

    async def cancel(self, person: PersonId, meeting_id: int, version: int) -> MeetingView:
        meeting, mine, cohort = await self._meeting_of(person, meeting_id)
        if meeting.version != version:
            return self._view(meeting, mine, cohort, _moved_on(meeting, mine))
        if meeting.state is MeetingState.CANCELLED:
            return self._view(meeting, mine, cohort, "This meeting is already cancelled.")
        if meeting.state is MeetingState.BOOKING:
            raise Conflict("That meeting is being booked right now; please try again in a minute.")
        if meeting.when is not None and meeting.event_id is not None and _over(meeting, self._clock.now()):
            raise Conflict("That meeting has already happened, so there's nothing to cancel.")
        now = self._clock.now()
        saved = await self._meetings.save(meeting.cancelled(), meeting.version, now)
        if saved is None:
            return await self.show(
                person, meeting_id, "Your partner changed this meeting a moment ago; here it is now."
            )
        if meeting.event_id is not None:
            await self._cancel_event(meeting, saved, mine.me.tenant, now)
        await self._tell_partner(saved, mine, cohort, f"{mine.me.display_name} cancelled this meeting.")
        return self._view(saved, mine, cohort, "Cancelled. Your partner has been told.")

    async def not_held(self, person: PersonId, meeting_id: int, *, rescheduled: bool = False) -> MeetingView:
        """The person says a booked meeting whose time has passed did not take place (``rescheduled``: the two of
        them agreed to move it): the same session is offered again, with fresh times, and the partner is told.

        Only the pair's latest meeting is offered again; if the next session is already being arranged, that one is
        shown instead, so that a late answer never leaves a pair with two offers."""
        meeting, mine, cohort = await self._meeting_of(person, meeting_id)
        now = self._clock.now()
        latest = await self._latest(mine.pair)
        if latest is not None and latest.id != meeting.id:
            return self._view(
                latest, mine, cohort, "Thanks for letting me know. Your next conversation is already being arranged."
            )
        if meeting.state is MeetingState.BOOKED and not _over(meeting, now):
            return self._view(
                meeting, mine, cohort, "This conversation is still to come, so there's nothing to change yet."
            )
        if meeting.state is not MeetingState.BOOKED:
            # Offered again already (the partner said so first, or this is a second click), or being rebooked.
            return self._view(meeting, mine, cohort, _moved_on(meeting, mine))
        window = search_window(now, self._zone)
        (slots,) = await self._slots([_Request(mine, cohort, window)])
        # Through "cancelled", so the offer forgets the past time and its event: a new time books a new event, and
        # the past one stays in people's calendars as what was planned.
        saved = await self._meetings.save(meeting.cancelled().offered(window, slots), meeting.version, now)
        if saved is None:
            return await self.show(person, meeting_id, CHANGED_BY_PARTNER)
        me = mine.me.display_name
        told = (
            f"{me} let me know you've agreed to move your conversation, so here are some times for it."
            if rescheduled
            else f"{me} let me know your last conversation didn't go ahead, so here are some times to try again."
        )
        await self._tell_partner(saved, mine, cohort, told)
        notice = (
            "Thanks for letting me know. Here are some times for your rescheduled conversation; if you've already "
            "agreed one, choose it yourself below."
            if rescheduled
            else "Thanks for letting me know; these things happen. Here are some times to try again, and either of "
            "you can choose one."
        )
        return self._view(saved, mine, cohort, notice)

    async def calendar_file(self, token: str) -> str | None:
        """The .ics file of the meeting with this link token, or None when there is no such booked meeting.

        Only the time, a neutral title and the Teams link are in it: the link needs no sign-in, so it carries
        nothing about who the pair are."""
        meeting = await self._meetings.by_ics_token(token)
        if meeting is None or meeting.when is None or meeting.state is MeetingState.BOOKING:
            return None
        if meeting.state is MeetingState.OFFERED and not meeting.rescheduling:
            return None
        link = meeting.join_url
        if meeting.event_id is not None and meeting.event_id.startswith(LOCAL_EVENT_PREFIX):
            # The local link names both people and their addresses to pre-fill the meeting; this file is fetched
            # without sign-in, so it gets a link with only the time.
            minutes = int(meeting.when.length.total_seconds() // 60)
            link = teams_meeting_link(
                "Reverse mentoring conversation", [], minutes, meeting.when.start.astimezone(self._zone)
            )
        return meeting_ics(
            uid=f"remedi-meeting-{meeting.id}@remedi-bot",
            sequence=meeting.version,
            summary="Reverse mentoring conversation",
            description=NOTE + (f"\n\nTeams: {link}" if link else ""),
            when=meeting.when,
            url=link,
            cancelled=meeting.state is MeetingState.CANCELLED,
            stamp=meeting.updated_at,
        )

    # What the bot does on its own -------------------------------------------------------------------------------

    async def offer_due(self) -> int:
        """Offer times to every pair whose next meeting is due to be arranged; returns how many were offered.

        Due: a pair introduced a few days ago who have booked nothing, and a pair whose last meeting is known to have
        been held while sessions remain: someone answered "met", or a few days passed without anyone saying it
        didn't happen (see :func:`programme.attendance.known_held`). A meeting that didn't happen is offered again
        by :meth:`not_held` instead. Calendars are read for all of them at once. Safe to run on several replicas at
        once: a pair's session is stored once, and only the replica that stored it sends the cards."""
        now = self._clock.now()
        requests: list[_Request] = []
        for cohort in await self._cohorts.listing(frozenset({CohortState.RUNNING})):
            pairs = await self._pairs.for_cohort(cohort.id, LIVE_PAIRS)
            latest = _latest_by_pair(await self._meetings.for_pairs([pair.id for pair in pairs]))
            held = await self._held({meeting.id: meeting for meeting in latest.values()}, now)
            for pair in pairs:
                last = latest.get(pair.id)
                window = self._due_window(pair, last, cohort, now, held=last is not None and last.id in held)
                if window is None:
                    continue
                mine = await self._both_live(pair)
                if mine is not None:
                    requests.append(_Request(mine, cohort, window))
        return await self._offer(requests, now)

    async def _offer(self, requests: Sequence[_Request], now: datetime) -> int:
        offered = 0
        for request, slots in zip(requests, await self._slots(requests), strict=True):
            latest = await self._latest(request.mine.pair)
            session = 1 if latest is None else latest.session + 1
            saved = await self._meetings.add(
                NewMeeting(request.mine.pair.id, session, request.window, tuple(slots)), now
            )
            if saved is None:
                continue
            offered += 1
            for view in self._both_views(saved, request.mine, request.cohort, _offer_notice(saved, request.cohort)):
                await self._send(view, "offer", "times offered for the next meeting", nudge=True)
        return offered

    async def withdrawn(self, leaving: Application) -> None:
        """Someone left: call off their pairs' meetings still to come, so nobody turns up to an empty room."""
        now = self._clock.now()
        pairs = [
            pair
            for pair in await self._pairs.for_cohort(leaving.cohort_id, LIVE_PAIRS)
            if leaving.id in (pair.mentor_application, pair.mentee_application)
        ]
        for meeting in await self._meetings.for_pairs([pair.id for pair in pairs]):
            if meeting.state is MeetingState.CANCELLED or _over(meeting, now):
                continue
            saved = await self._meetings.save(meeting.cancelled(), meeting.version, now)
            if saved is not None and meeting.event_id is not None:
                await self._cancel_event(meeting, saved, leaving.tenant, now)

    def booking_handler(self) -> WorkHandler:
        async def book(item: WorkItem) -> None:
            await self._book(item)

        return book

    def cancel_handler(self) -> WorkHandler:
        async def cancel(item: WorkItem) -> None:
            event = item.payload.get("event")
            if not isinstance(event, str) or not event:
                raise InvalidInput(f"work item {item.id} names no calendar event")
            existing = self._in_this_calendar(event)
            if existing is not None:
                await self._calendar.cancel(existing, CANCELLED_NOTE)

        return cancel

    # Inside -----------------------------------------------------------------------------------------------------

    def _in_this_calendar(self, event_id: str | None) -> str | None:
        """The event's id if the calendar in use made it. A meeting booked on the local calendar before the programme
        switched to Microsoft 365 has no event there: moving it books one, and cancelling it has nothing to do."""
        if event_id is None or (self._calendar.books_invitations and event_id.startswith(LOCAL_EVENT_PREFIX)):
            return None
        return event_id

    async def _cancel_event(self, meeting: Meeting, saved: Meeting, tenant: TenantId, now: datetime) -> None:
        await self._work.enqueue(
            NewWork(
                kind=CANCEL_EVENT,
                idempotency_key=f"meeting:{meeting.id}:cancel:{saved.version}",
                tenant=tenant,
                recipient=None,
                due_at=now,
                payload={"summary": "cancel a meeting in the calendar", "event": meeting.event_id},
            ),
            now,
        )

    async def _choose(self, meeting: Meeting, mine: MyPair, cohort: Cohort, when: Interval) -> MeetingView:
        now = self._clock.now()
        saved = await self._meetings.save(meeting.chosen(when, mine.me.person), meeting.version, now)
        if saved is None:
            # Someone else chose first (or this was a second click): show what happened instead of booking twice.
            current = await self._meetings.get(meeting.id)
            if current is None:
                raise NotFound("That meeting no longer exists.")
            return self._view(current, mine, cohort, _moved_on(current, mine))
        payload: dict[str, object] = {
            "summary": "book a meeting in the calendar",
            "meeting": saved.id,
            "version": saved.version,
        }
        if saved.event_id is not None and meeting.when is not None:
            # A move. The meeting now holds the new time, so the time its event still has is kept here: a refused
            # move puts it back, and a retry after a crash still knows to say "moved" rather than "booked".
            payload[MOVING_FROM] = [meeting.when.start.isoformat(), meeting.when.end.isoformat()]
        await self._work.enqueue(
            NewWork(
                kind=BOOK_MEETING,
                idempotency_key=f"meeting:{saved.id}:book:{saved.version}",
                tenant=mine.me.tenant,
                recipient=None,
                due_at=now,
                payload=payload,
            ),
            now,
        )
        return self._view(saved, mine, cohort)

    async def _book(self, item: WorkItem) -> None:
        meeting_id, version = item.payload.get("meeting"), item.payload.get("version")
        if not isinstance(meeting_id, int) or not isinstance(version, int):
            raise InvalidInput(f"work item {item.id} names no meeting")
        meeting = await self._meetings.get(meeting_id)
        if meeting is None:
            raise NotFound("the meeting no longer exists")
        if meeting.state is MeetingState.BOOKED and meeting.version == version + 1:
            # Booked by an earlier attempt that stopped before telling anyone: tell them now (the keys keep it once).
            booked = meeting
        elif meeting.state is MeetingState.BOOKING and meeting.version == version:
            booked_or_none = await self._make_event(meeting, item)
            if booked_or_none is None:
                return
            booked = booked_or_none
        else:
            log.info("meeting %s moved on since booking round %s; nothing to book", meeting_id, version)
            return
        pair = await self._pairs.get(booked.pair_id)
        mine = await self._both_live(pair) if pair is not None else None
        if mine is None:
            raise NotFound("one of the pair has left the programme")
        cohort = await self._cohort(mine.pair)
        moved = MOVING_FROM in item.payload
        for view in self._both_views(booked, mine, cohort, _booked_notice(moved)):
            # Whoever chose the time is waiting to hear; their partner can hear in working hours.
            summary = "meeting moved" if moved else "meeting booked"
            await self._send(view, "booked", summary, asked_for=view.me.person == booked.chosen_by)
        for listener in self._booking_listeners:
            await listener(booked)

    async def _make_event(self, meeting: Meeting, item: WorkItem) -> Meeting | None:
        """Put the chosen time in the calendar; the booked meeting, or None when the calendar said no for good
        (the times go back on offer and whoever chose is told why)."""
        pair = await self._pairs.get(meeting.pair_id)
        mine = await self._both_live(pair) if pair is not None else None
        if mine is None or meeting.when is None:
            raise NotFound("one of the pair has left the programme")
        cohort = await self._cohort(mine.pair)
        mentor, mentee = (mine.me, mine.partner) if mine.pair.mentor == mine.me.person else (mine.partner, mine.me)
        booking = Booking(
            key=meeting.booking_key,
            subject=f"Reverse mentoring: {mentor.display_name} and {mentee.display_name}"[:120],
            note=NOTE,
            when=meeting.when,
            invitees=(_invitee(mentor), _invitee(mentee)),
        )
        existing = self._in_this_calendar(meeting.event_id)
        try:
            if existing is None:
                event = await self._calendar.book(booking)
            else:
                event = await self._calendar.move(existing, booking)
        except DeliveryFailed as failure:
            if not failure.permanent:
                raise
            await self._refused(meeting, mine, cohort, failure, _moving_from(item))
            return None
        now = self._clock.now()
        saved = await self._meetings.save(meeting.booked(event.event_id, event.join_url), meeting.version, now)
        if saved is not None:
            return saved
        current = await self._meetings.get(meeting.id)
        if current is not None and current.state is MeetingState.CANCELLED:
            # Called off while the calendar was booking it (someone left the programme). A moved event is cancelled
            # by its id already; a new one is known only here, so it is taken out here.
            if existing is None:
                await self._calendar.cancel(event.event_id, CANCELLED_NOTE)
            return None
        # Nothing else moves a meeting on while it is being booked (people's cancelling waits), so this is a bug or
        # a hand edit: say so, and leave the event for the next attempt to find under the same key.
        raise Conflict(f"meeting {meeting.id} changed while it was being booked")

    async def _refused(
        self, meeting: Meeting, mine: MyPair, cohort: Cohort, failure: DeliveryFailed, booked: Interval | None
    ) -> None:
        now = self._clock.now()
        offer = meeting.back_to_offer()
        if booked is not None:
            # A refused move: the event keeps its old time, so the meeting must say that time, not the refused one.
            offer = replace(offer, when=booked)
        saved = await self._meetings.save(offer, meeting.version, now)
        log.warning("the calendar refused to book meeting %s: %s", meeting.id, failure.reason)
        if saved is None or meeting.chosen_by is None:
            return
        why = failure.user_message if isinstance(failure, ProgrammeError) else "The calendar turned it down."
        chooser = mine if mine.me.person == meeting.chosen_by else MyPair(mine.pair, mine.partner, mine.me)
        view = self._view(saved, chooser, cohort, f"I couldn't book that time. {why}", problem=True)
        await self._send(view, "refused", "meeting could not be booked", asked_for=True)

    async def _slots(self, requests: Sequence[_Request]) -> list[list[Interval]]:
        """Suggested times for each request, reading everyone's calendars in one question."""
        if not requests:
            return []
        now = self._clock.now()
        people = {
            invitee.person: invitee for r in requests for invitee in (_invitee(r.mine.me), _invitee(r.mine.partner))
        }
        start = max(min(r.window.start for r in requests), now)
        end = min(max(r.window.end for r in requests), start + LONGEST_QUESTION)
        if not start < end:
            return [[] for _ in requests]
        free = await self._calendar.free_time(list(people.values()), Interval(start, end))
        taken = await self._booked_times(requests)
        result = []
        for request in requests:
            me, partner = request.mine.me.person, request.mine.partner.person
            both = common(free.get(me, ()), free.get(partner, ()))
            busy = taken.get(me, []) + taken.get(partner, [])
            usable = [i for i in within(without(both, busy), request.window) if i.end > now]
            result.append(suggestions(usable, request.cohort.plan.session_minutes, self._zone))
        return result

    async def _booked_times(self, requests: Sequence[_Request]) -> Mapping[PersonId, list[Interval]]:
        """The programme's own booked meetings of everyone asked about (a mentor may have two mentees)."""
        people = {p for r in requests for p in (r.mine.me.person, r.mine.partner.person)}
        pairs: dict[int, Pair] = {}
        for person in people:
            for pair in await self._pairs.for_person(person, LIVE_PAIRS):
                pairs[pair.id] = pair
        taken: dict[PersonId, list[Interval]] = {}
        for meeting in await self._meetings.for_pairs(sorted(pairs)):
            if meeting.when is None or meeting.state is MeetingState.CANCELLED:
                continue
            for person in (pairs[meeting.pair_id].mentor, pairs[meeting.pair_id].mentee):
                taken.setdefault(person, []).append(meeting.when)
        return taken

    def _next_window(self, latest: Meeting | None, cohort: Cohort, now: datetime) -> Interval:
        """Where to look for the next session: from tomorrow, or nearer its cadence date if that is later."""
        window = search_window(now, self._zone)
        if latest is None or latest.state is not MeetingState.BOOKED or latest.when is None:
            return window
        cadence_start = latest.when.start + cohort.plan.cadence.interval - CADENCE_SLACK
        return span_from(cadence_start, self._zone) if cadence_start > window.start else window

    def _due_window(
        self, pair: Pair, latest: Meeting | None, cohort: Cohort, now: datetime, *, held: bool
    ) -> Interval | None:
        """Where to look for the pair's next session if the bot should offer it now, else None. ``held``: whether
        ``latest`` is known to have been held."""
        if latest is None:
            introduced = pair.published_at or pair.created_at
            return search_window(now, self._zone) if now - introduced >= FIRST_OFFER_AFTER else None
        if latest.state is not MeetingState.BOOKED or not _over(latest, now) or not held:
            return None
        if latest.session >= cohort.plan.sessions:
            return None
        return self._next_window(latest, cohort, now)

    async def _held(self, meetings: Mapping[int, Meeting], now: datetime) -> set[int]:
        """The ids of those of ``meetings`` known to have been held."""
        if self._attendance is None:
            return {meeting_id for meeting_id, meeting in meetings.items() if _over(meeting, now)}
        answers = await self._attendance.for_meetings(sorted(meetings))
        return {meeting_id for meeting_id, meeting in meetings.items() if known_held(meeting, answers, now)}

    async def _tell_partner(self, meeting: Meeting, mine: MyPair, cohort: Cohort, notice: str) -> None:
        partner_side = MyPair(mine.pair, mine.partner, mine.me)
        view = self._view(meeting, partner_side, cohort, notice)
        # The partner did not ask; their card shows the change whenever they look, and the message itself can wait
        # for working hours.
        await self._send(view, meeting.state.value, f"meeting {meeting.state.value}")

    async def _send(
        self, view: MeetingView, occasion: str, summary: str, *, nudge: bool = False, asked_for: bool = False
    ) -> None:
        """The meeting's card to ``view.me``, once per version of the meeting and occasion."""
        meeting, now = view.meeting, self._clock.now()
        await schedule_message(
            self._work,
            key=f"meeting:{meeting.id}:v{meeting.version}:{occasion}:to:{view.me.person.value}",
            tenant=view.me.tenant,
            person=view.me.person,
            message=self._messages.meeting(view, summary),
            due_at=now,
            now=now,
            nudge=nudge,
            asked_for=asked_for,
        )

    def _both_views(self, meeting: Meeting, mine: MyPair, cohort: Cohort, notice: str) -> tuple[MeetingView, ...]:
        other = MyPair(mine.pair, mine.partner, mine.me)
        return (self._view(meeting, mine, cohort, notice), self._view(meeting, other, cohort, notice))

    def _view(
        self, meeting: Meeting, mine: MyPair, cohort: Cohort, notice: str | None = None, *, problem: bool = False
    ) -> MeetingView:
        ics = self._ics_link(meeting) if meeting.when is not None and not self._calendar.books_invitations else None
        return MeetingView(
            meeting=meeting,
            pair=mine.pair,
            cohort=cohort,
            me=mine.me,
            partner=mine.partner,
            zone=self._zone,
            invitations=self._calendar.books_invitations,
            ics_url=ics if meeting.state is MeetingState.BOOKED or meeting.rescheduling else None,
            notice=notice,
            problem=problem,
        )

    async def _meeting_of(self, person: PersonId, meeting_id: int) -> tuple[Meeting, MyPair, Cohort]:
        meeting = await self._meetings.get(meeting_id)
        pair = await self._pairs.get(meeting.pair_id) if meeting is not None else None
        if meeting is None or pair is None or not pair.includes(person):
            # The same answer whether it does not exist or is someone else's.
            raise NotFound("That meeting isn't one of yours, so I can't show or change it.")
        mine = await self._mine(person, pair.id)
        return meeting, mine, await self._cohort(pair)

    async def _mine(self, person: PersonId, pair_id: int | None) -> MyPair:
        return await my_pair(self._pairs, self._applications, person, pair_id, what="meeting")

    async def _both_live(self, pair: Pair) -> MyPair | None:
        both = await both_live(self._applications, pair)
        if both is None:
            return None
        mentor, mentee = both
        return MyPair(pair=pair, me=mentee, partner=mentor)

    async def _latest(self, pair: Pair) -> Meeting | None:
        return _latest_by_pair(await self._meetings.for_pairs([pair.id])).get(pair.id)

    async def _cohort(self, pair: Pair) -> Cohort:
        cohort = await self._cohorts.get(pair.cohort_id)
        if cohort is None:
            raise NotFound("That pair's cohort no longer exists.")
        return cohort


async def both_live(applications: ApplicationStore, pair: Pair) -> tuple[Application, Application] | None:
    """The mentor's and the mentee's applications, if both are still taking part and the pair is live."""
    if pair.state not in LIVE_PAIRS:
        return None
    mentor = await applications.get(pair.mentor_application)
    mentee = await applications.get(pair.mentee_application)
    if mentor is None or mentee is None or not mentor.live or not mentee.live:
        return None
    return mentor, mentee


def _invitee(application: Application) -> Invitee:
    return Invitee(
        person=application.person,
        name=application.display_name,
        email=application.profile.work_email,
        availability=application.profile.availability,
    )


def _latest_by_pair(meetings: Sequence[Meeting]) -> dict[int, Meeting]:
    latest: dict[int, Meeting] = {}
    for meeting in meetings:
        if meeting.pair_id not in latest or meeting.session > latest[meeting.pair_id].session:
            latest[meeting.pair_id] = meeting
    return latest


def _over(meeting: Meeting, now: datetime) -> bool:
    return meeting.when is not None and meeting.when.end <= now


def _fresh(meeting: Meeting, now: datetime) -> bool:
    """An offer still worth showing as it is: every time on it is still to come (or it offered none today)."""
    if not meeting.slots:
        return now - meeting.updated_at < timedelta(hours=12)
    return all(slot.start > now for slot in meeting.slots)


def _moving_from(item: WorkItem) -> Interval | None:
    stored = item.payload.get(MOVING_FROM)
    if not isinstance(stored, list) or len(stored) != 2 or not all(isinstance(part, str) for part in stored):
        return None
    return Interval(datetime.fromisoformat(stored[0]), datetime.fromisoformat(stored[1]))


def _length(cohort: Cohort) -> timedelta:
    return timedelta(minutes=cohort.plan.session_minutes)


def _moved_on(meeting: Meeting, mine: MyPair) -> str:
    """Why a click on an older card changed nothing, in terms of what the meeting is now."""
    by_me = meeting.chosen_by == mine.me.person
    match meeting.state:
        case MeetingState.BOOKING:
            who = "You" if by_me else mine.partner.display_name
            return f"{who} just chose a time, so that one is being booked; nothing else was booked."
        case MeetingState.BOOKED:
            return "This meeting is already booked" + (", by you." if by_me else f", by {mine.partner.display_name}.")
        case MeetingState.CANCELLED:
            return "This meeting has been cancelled."
        case MeetingState.OFFERED:
            return "These times changed since that card was sent; here are the current ones."


def _booked_notice(moved: bool) -> str:
    return "Moved: the new time is below." if moved else "Booked. The details are below."


def _offer_notice(meeting: Meeting, cohort: Cohort) -> str:
    if meeting.session == 1:
        return "It's time to arrange your first conversation. Here are some times when you both look free."
    return f"It's time to arrange conversation {meeting.session} of {cohort.plan.sessions}."
