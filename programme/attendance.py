"""Whether a pair's meeting took place: each person's answer to "Did you meet?", and the rules read from them.

Each person answers for themselves (met, we rescheduled, it didn't happen), so two people may answer differently or
not at all. What the programme concludes, in one place:

- A meeting **took place** when it was booked, its time is over, and either nobody said otherwise or at least one
  of the two said they met. This is what "meetings held" and a pair's quiet time are counted from: silence is
  taken in good faith, because most meetings that are booked do happen.
- A meeting is **known to have been held** (so the next session may be offered) once someone answered "met", or
  once :data:`ASSUMED_HELD_AFTER` has passed since it ended without anyone saying it didn't happen. Waiting that
  long gives the pair time to say "it didn't happen", which offers the same session again instead of the next.

Only logistics are stored: which meeting, whose answer, which of the three, and when.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from programme.identity import PersonId
from programme.meetings import Meeting, MeetingState

# Three days: long enough for a reply to "Did you meet?" sent after a Friday afternoon meeting to come back on
# Monday, short enough that the next session's times are still offered near its cadence date.
ASSUMED_HELD_AFTER = timedelta(days=3)


class Outcome(StrEnum):
    MET = "met"
    RESCHEDULED = "rescheduled"
    NOT_HELD = "not-held"

    @property
    def held(self) -> bool:
        return self is Outcome.MET


@dataclass(frozen=True)
class Attendance:
    meeting_id: int
    person: PersonId
    outcome: Outcome
    answered_at: datetime


class AttendanceStore(Protocol):
    async def record(self, meeting_id: int, person: PersonId, outcome: Outcome, at: datetime) -> Attendance | None:
        """Keep the person's answer for the meeting, replacing an earlier one of theirs (people correct a slip);
        returns the answer it replaced, or None when this is their first."""
        ...

    async def for_meetings(self, meeting_ids: Sequence[int]) -> Sequence[Attendance]:
        """Every answer about these meetings, by meeting and then by when it was given."""
        ...


def about_its_time(meeting: Meeting, answers: Iterable[Attendance]) -> list[Attendance]:
    """The answers about the meeting at the time it has now.

    A meeting that didn't happen is offered again as the same meeting (the same session), so answers about its
    earlier time stay with it. Nobody can answer before a time is over, so an answer given before the current time
    ended was about an earlier one."""
    if meeting.when is None:
        return []
    end = meeting.when.end
    return [a for a in answers if a.meeting_id == meeting.id and a.answered_at >= end]


def took_place(meeting: Meeting, answers: Iterable[Attendance], now: datetime) -> bool:
    """Booked, over, and not said by its people to have fallen through (see the module's docstring)."""
    if meeting.state is not MeetingState.BOOKED or meeting.when is None or meeting.when.end > now:
        return False
    said = [a.outcome for a in about_its_time(meeting, answers)]
    return not said or any(outcome.held for outcome in said)


def known_held(meeting: Meeting, answers: Iterable[Attendance], now: datetime) -> bool:
    """Took place, and someone said so or long enough has passed for anyone to have said otherwise."""
    mine = about_its_time(meeting, answers)
    if not took_place(meeting, mine, now):
        return False
    assert meeting.when is not None
    return any(a.outcome.held for a in mine) or now - meeting.when.end >= ASSUMED_HELD_AFTER
