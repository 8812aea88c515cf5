"""A pair's meetings on SQL.

Every change is compare-and-set on ``version``: of two people (or two clicks) choosing a time at once, only the
first save finds the version it read, and the other gets None and nothing changes.

The meetings of a pair someone was erased from stay, anonymous, as part of the pair's record, but no lookup here
returns them and no save changes them, the way :class:`storage.pair_store.SqlPairStore` hides the pair itself. See
:class:`storage.personal_data_holders.MeetingsHolder`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping, Select, exists, select, update

from programme.calendar import Interval
from programme.identity import PersonId
from programme.meetings import Meeting, MeetingState, NewMeeting
from storage.database import Database
from storage.tables import meetings, pairs

# Correlated on the meeting's pair, so it works in a SELECT and an UPDATE of meetings alike.
_PAIR_KNOWS_BOTH = exists(
    select(pairs.c.id).where(
        pairs.c.id == meetings.c.pair_id, pairs.c.mentor_id.is_not(None), pairs.c.mentee_id.is_not(None)
    )
)


class SqlMeetingStore:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine
        self._insert = database.insert

    async def get(self, meeting_id: int) -> Meeting | None:
        return await self._one(select(meetings).where(meetings.c.id == meeting_id, _PAIR_KNOWS_BOTH))

    async def by_ics_token(self, token: str) -> Meeting | None:
        return await self._one(select(meetings).where(meetings.c.ics_token == token, _PAIR_KNOWS_BOTH))

    async def for_pairs(self, pair_ids: Sequence[int]) -> Sequence[Meeting]:
        wanted = sorted(set(pair_ids))
        if not wanted:
            return []
        query = (
            select(meetings)
            .where(meetings.c.pair_id.in_(wanted), _PAIR_KNOWS_BOTH)
            .order_by(meetings.c.pair_id, meetings.c.session)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [meeting_from_row(row) for row in rows]

    async def add(self, meeting: NewMeeting, at: datetime) -> Meeting | None:
        # ON CONFLICT names the one duplicate that is an expected outcome (someone offered that session first); a
        # reused ics token or an unknown pair is a bug, and stays an error.
        statement = (
            self._insert(meetings)
            .values(
                pair_id=meeting.pair_id,
                session=meeting.session,
                state=MeetingState.OFFERED.value,
                version=1,
                window_start=meeting.window.start,
                window_end=meeting.window.end,
                slots=slots_json(meeting.slots),
                ics_token=meeting.ics_token,
                created_at=at,
                updated_at=at,
            )
            .on_conflict_do_nothing(index_elements=[meetings.c.pair_id, meetings.c.session])
            .returning(*meetings.c)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else meeting_from_row(row)

    async def save(self, meeting: Meeting, expected_version: int, at: datetime) -> Meeting | None:
        # The pair, session, token and creation time are the meeting's identity, so a save never moves them.
        statement = (
            update(meetings)
            .where(meetings.c.id == meeting.id, meetings.c.version == expected_version, _PAIR_KNOWS_BOTH)
            .values(
                state=meeting.state.value,
                window_start=meeting.window.start,
                window_end=meeting.window.end,
                slots=slots_json(meeting.slots),
                when_start=None if meeting.when is None else meeting.when.start,
                when_end=None if meeting.when is None else meeting.when.end,
                event_id=meeting.event_id,
                join_url=meeting.join_url,
                chosen_by=None if meeting.chosen_by is None else meeting.chosen_by.value,
                version=meetings.c.version + 1,
                updated_at=at,
            )
            .returning(*meetings.c)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else meeting_from_row(row)

    async def _one(self, query: Select[Any]) -> Meeting | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return None if row is None else meeting_from_row(row)


def slots_json(slots: Sequence[Interval]) -> list[list[str]]:
    # UTC on the way in, so the stored text is one spelling per moment whatever zone the caller used.
    return [[slot.start.astimezone(UTC).isoformat(), slot.end.astimezone(UTC).isoformat()] for slot in slots]


def slots_from_json(stored: object) -> tuple[Interval, ...]:
    if not isinstance(stored, list):
        raise ValueError(f"a meeting's slots must be a list of [start, end] pairs, not {stored!r}")
    return tuple(_interval(slot) for slot in stored)


def _interval(stored: object) -> Interval:
    if not (isinstance(stored, list) and len(stored) == 2 and all(isinstance(moment, str) for moment in stored)):
        raise ValueError(f"a meeting slot must be [start, end] as ISO times, not {stored!r}")
    start, end = (datetime.fromisoformat(moment) for moment in stored)
    if start.tzinfo is None or end.tzinfo is None:
        # astimezone would read a naive time as the server's local time; only a hand-edited row could hold one.
        raise ValueError(f"a meeting slot's times must carry a time zone, not {stored!r}")
    return Interval(start.astimezone(UTC), end.astimezone(UTC))


def meeting_from_row(row: RowMapping) -> Meeting:
    when_start, when_end = row["when_start"], row["when_end"]
    chosen_by = row["chosen_by"]
    return Meeting(
        id=row["id"],
        pair_id=row["pair_id"],
        session=row["session"],
        state=MeetingState(row["state"]),
        version=row["version"],
        window=Interval(row["window_start"], row["window_end"]),
        slots=slots_from_json(row["slots"]),
        when=None if when_start is None or when_end is None else Interval(when_start, when_end),
        event_id=row["event_id"],
        join_url=row["join_url"],
        chosen_by=None if chosen_by is None else PersonId(chosen_by),
        ics_token=row["ics_token"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
