"""The calendar port: when people are free, and booking, moving or cancelling a pair's meeting.

Two adapters implement it. With a Microsoft 365 tenant (graph/calendar.py) free time comes from each person's
Outlook free/busy inside their own working hours, and a meeting is a real Teams meeting in a programme mailbox's
calendar with both people invited. Without one (programme/local_calendar.py) free time comes from the half-days
people gave at sign-up, and a booking is kept only in our database, with a Teams link and an .ics file people
add to their own calendars.

Every time here is timezone-aware; adapters answer in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from programme.identity import PersonId
from programme.profiles import Availability

MAX_SUBJECT = 120


@dataclass(frozen=True, order=True)
class Interval:
    """A stretch of time, ``start`` included and ``end`` not."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("an interval's times must be timezone-aware")
        if not self.start < self.end:
            raise ValueError("an interval must end after it starts")

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def contains(self, other: Interval) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Invitee:
    """One person of a pair, as a calendar needs them: who, how to reach their calendar, and (for the local
    calendar) the half-days they said they can usually meet."""

    person: PersonId
    name: str
    email: str
    availability: tuple[Availability, ...] = ()


@dataclass(frozen=True)
class Booking:
    """A meeting to put in the calendar.

    ``key`` names this booking for good (a meeting and its booking round): a calendar that is asked twice with
    the same key makes one event, which is what lets a retried request after a timeout be safe.
    """

    key: str
    subject: str
    note: str
    when: Interval
    invitees: tuple[Invitee, Invitee]

    def __post_init__(self) -> None:
        if not self.key or len(self.key) > 100:
            raise ValueError("a booking key is 1 to 100 characters")
        if not self.subject or len(self.subject) > MAX_SUBJECT:
            raise ValueError(f"a meeting subject is 1 to {MAX_SUBJECT} characters")


@dataclass(frozen=True)
class BookedEvent:
    """What the calendar made: its id for later changes, and the Teams link to join (None when the calendar did
    not give one; the invitation in people's calendars still carries it)."""

    event_id: str
    join_url: str | None


class Calendar(Protocol):
    @property
    def books_invitations(self) -> bool:
        """Whether booking sends real calendar invitations (Graph) or people add the meeting themselves (local)."""
        ...

    async def free_time(self, people: Sequence[Invitee], window: Interval) -> Mapping[PersonId, Sequence[Interval]]:
        """When each person is free inside their working hours within ``window``, sorted and not overlapping.

        Many people are asked at once so an adapter can batch its requests; everyone asked is in the answer (with
        no free time when the calendar knows nothing of them)."""
        ...

    async def book(self, booking: Booking) -> BookedEvent:
        """Make the meeting, or return the one already made under ``booking.key``."""
        ...

    async def move(self, event_id: str, booking: Booking) -> BookedEvent:
        """Move an existing meeting to ``booking.when``; the invitees are told by their calendars."""
        ...

    async def cancel(self, event_id: str, note: str) -> None:
        """Cancel the meeting, telling the invitees ``note``; cancelling one already gone is not an error."""
        ...
