"""The calendar without a Microsoft 365 tenant: free time from sign-up answers, bookings kept in our database.

Each person said which half-days they can usually meet (Monday morning ... Friday afternoon). Those half-days,
in the organisation's time zone, are their free time; the programme's own booked meetings are taken out by the
scheduling use case, which knows them. Booking makes no outside event: the meeting's id is its booking key, and
its link is a Teams "new meeting" link with the time and both people filled in, which either person can follow
to put a real Teams meeting in their calendar (they also get an .ics file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from programme.calendar import BookedEvent, Booking, Interval, Invitee
from programme.identity import PersonId
from programme.meeting_times import within
from programme.profiles import Availability
from programme.teams_links import teams_meeting_link

# Half-days as most NHS teams keep them, leaving lunch free.
MORNING = (time(9, 0), time(12, 30))
AFTERNOON = (time(13, 30), time(17, 0))
LOCAL_EVENT_PREFIX = "local:"


class LocalCalendar:
    def __init__(self, zone: tzinfo) -> None:
        self._zone = zone

    @property
    def books_invitations(self) -> bool:
        return False

    async def free_time(self, people: Sequence[Invitee], window: Interval) -> Mapping[PersonId, Sequence[Interval]]:
        return {person.person: self._free(person.availability, window) for person in people}

    async def book(self, booking: Booking) -> BookedEvent:
        return BookedEvent(event_id=LOCAL_EVENT_PREFIX + booking.key, join_url=self._link(booking))

    async def move(self, event_id: str, booking: Booking) -> BookedEvent:
        # Nothing outside to change: the new key and link replace the old; the new .ics file carries the time.
        return await self.book(booking)

    async def cancel(self, event_id: str, note: str) -> None:
        return None

    def _free(self, availability: Sequence[Availability], window: Interval) -> list[Interval]:
        halves = set(availability)
        free: list[Interval] = []
        first = window.start.astimezone(self._zone).date()
        last = window.end.astimezone(self._zone).date()
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            for half in halves:
                if half.weekday == day.weekday():
                    start, end = MORNING if half.morning else AFTERNOON
                    free.append(Interval(self._at(day, start), self._at(day, end)))
        return within(free, window)

    def _at(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self._zone).astimezone(UTC)

    def _link(self, booking: Booking) -> str:
        minutes = int(booking.when.length.total_seconds() // 60)
        return teams_meeting_link(
            booking.subject,
            [invitee.email for invitee in booking.invitees if invitee.email],
            minutes,
            # In local time, so the link reads naturally to anyone who looks at it.
            booking.when.start.astimezone(self._zone),
        )
