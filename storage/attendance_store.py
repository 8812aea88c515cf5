"""People's answers to "Did you meet?" on SQL (programme.attendance).

An erased person's answers stay without their id, as anonymous counts of meetings held (see
:class:`storage.personal_data_holders.AttendanceHolder`); no lookup here returns them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import RowMapping, select

from programme.attendance import Attendance, Outcome
from programme.identity import PersonId
from storage.database import Database
from storage.tables import meeting_attendance


class SqlAttendanceStore:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine
        self._insert = database.insert

    async def record(self, meeting_id: int, person: PersonId, outcome: Outcome, at: datetime) -> Attendance | None:
        table = meeting_attendance
        mine = (table.c.meeting_id == meeting_id) & (table.c.person_id == person.value)
        new = self._insert(table).values(
            meeting_id=meeting_id, person_id=person.value, outcome=outcome.value, answered_at=at
        )
        # One upsert, so two clicks at once both land on the one row; the earlier answer is read first to say what
        # it replaced (of two clicks at once, both may see none, which is harmless: both said the same).
        statement = new.on_conflict_do_update(
            index_elements=[table.c.meeting_id, table.c.person_id],
            set_={"outcome": new.excluded.outcome, "answered_at": new.excluded.answered_at},
        )
        async with self._engine.begin() as connection:
            before = (await connection.execute(select(table).where(mine))).mappings().first()
            await connection.execute(statement)
        return None if before is None else attendance_from_row(before)

    async def for_meetings(self, meeting_ids: Sequence[int]) -> Sequence[Attendance]:
        wanted = sorted(set(meeting_ids))
        if not wanted:
            return []
        table = meeting_attendance
        query = (
            select(table)
            .where(table.c.meeting_id.in_(wanted), table.c.person_id.is_not(None))
            .order_by(table.c.meeting_id, table.c.answered_at, table.c.id)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [attendance_from_row(row) for row in rows]


def attendance_from_row(row: RowMapping) -> Attendance:
    return Attendance(
        meeting_id=row["meeting_id"],
        person=PersonId(row["person_id"]),
        outcome=Outcome(row["outcome"]),
        answered_at=row["answered_at"],
    )
