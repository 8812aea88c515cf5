"""A pair's meetings: times offered, one chosen, booked in a calendar, moved or cancelled.

Each meeting is one session of the pair (1, 2, ... up to the cohort's number of sessions, or beyond if the pair
carry on). Its life:

- **offered**: the bot found times when both are free and offered them (possibly none: then the pair are asked
  for a time of their own). A booked meeting that is being rescheduled is *offered* again while keeping its
  event and time until a new one is chosen.
- **booking**: someone chose a time; the calendar is being asked. Only one choice can win: every change is
  compare-and-set on ``version``, so two clicks (or two people) choosing at once book once.
- **booked**: in the calendar, with the event's id and the Teams link.
- **cancelled**: called off; the same session can be offered again later.

What is stored is logistics only: times, states and who chose. Nothing the pair say to each other is here.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from programme.calendar import Interval
from programme.identity import PersonId

MAX_SLOTS = 5


def new_ics_token() -> str:
    return secrets.token_urlsafe(24)


class MeetingState(StrEnum):
    OFFERED = "offered"
    BOOKING = "booking"
    BOOKED = "booked"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class NewMeeting:
    pair_id: int
    session: int
    window: Interval
    slots: tuple[Interval, ...]
    ics_token: str = field(default_factory=new_ics_token)


@dataclass(frozen=True)
class Meeting:
    id: int
    pair_id: int
    session: int
    state: MeetingState
    version: int
    # The stretch of time searched for the current offer, and what was found in it (oldest first).
    window: Interval
    slots: tuple[Interval, ...]
    # The chosen (booking) or booked time; while a booked meeting is being rescheduled, still the booked one.
    when: Interval | None
    event_id: str | None
    join_url: str | None
    chosen_by: PersonId | None
    # Unguessable: names the meeting in the link to its .ics file, which needs no sign-in.
    ics_token: str
    created_at: datetime
    updated_at: datetime

    @property
    def rescheduling(self) -> bool:
        return self.state is MeetingState.OFFERED and self.event_id is not None

    @property
    def booking_key(self) -> str:
        """Names this booking round: the calendar makes one event per key, however often it is asked."""
        return f"remedi-meeting-{self.id}-{self.version}"

    def offered(self, window: Interval, slots: Sequence[Interval]) -> Meeting:
        """Offered again (fresh times, or rescheduling a booked meeting, whose event and time stay until moved)."""
        keep = self.state is MeetingState.BOOKED or self.rescheduling
        return replace(
            self,
            state=MeetingState.OFFERED,
            window=window,
            slots=tuple(slots)[:MAX_SLOTS],
            when=self.when if keep else None,
            event_id=self.event_id if keep else None,
            join_url=self.join_url if keep else None,
            chosen_by=None,
        )

    def chosen(self, when: Interval, by: PersonId) -> Meeting:
        return replace(self, state=MeetingState.BOOKING, when=when, chosen_by=by)

    def booked(self, event_id: str, join_url: str | None) -> Meeting:
        return replace(self, state=MeetingState.BOOKED, event_id=event_id, join_url=join_url, slots=())

    def cancelled(self) -> Meeting:
        return replace(self, state=MeetingState.CANCELLED, slots=())

    def back_to_offer(self) -> Meeting:
        """A booking the calendar refused: the times stay on offer, so someone can choose again."""
        return replace(
            self, state=MeetingState.OFFERED, when=None if self.event_id is None else self.when, chosen_by=None
        )


class MeetingStore(Protocol):
    async def get(self, meeting_id: int) -> Meeting | None: ...

    async def by_ics_token(self, token: str) -> Meeting | None: ...

    async def for_pairs(self, pair_ids: Sequence[int]) -> Sequence[Meeting]:
        """The meetings of these pairs, by pair and then session."""
        ...

    async def add(self, meeting: NewMeeting, at: datetime) -> Meeting | None:
        """Store a new offer at version 1; None when the pair already has that session (someone got there first)."""
        ...

    async def save(self, meeting: Meeting, expected_version: int, at: datetime) -> Meeting | None:
        """Write the meeting's state, times, event and chooser, bumping the version, if it is still at
        ``expected_version``; None (and no change) when it moved on since it was read."""
        ...
