"""Participants on SQL: one row per person who has ever applied, until they ask to be erased."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import RowMapping, select, update

from programme.identity import PersonId, TenantId
from programme.participants import Participant
from storage.database import Database
from storage.tables import participants


class SqlParticipantStore:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine
        self._insert = database.insert

    async def get(self, person: PersonId) -> Participant | None:
        query = select(participants).where(participants.c.person_id == person.value)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return None if row is None else _participant(row)

    async def enrol(self, tenant: TenantId, person: PersonId, display_name: str, at: datetime) -> Participant:
        # One upsert, so two first applications at once (two cohorts in two tabs) cannot both try to create the
        # row. A later one refreshes only the name: when they joined, and any pause they asked for, stay.
        new = self._insert(participants).values(
            person_id=person.value, tenant_id=tenant.value, display_name=display_name, joined_at=at
        )
        statement = new.on_conflict_do_update(
            index_elements=[participants.c.person_id], set_={"display_name": new.excluded.display_name}
        ).returning(*participants.c)
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().one()
        return _participant(row)

    async def set_pause(self, person: PersonId, until: date | None, at: datetime) -> bool:
        statement = update(participants).where(participants.c.person_id == person.value).values(paused_until=until)
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return bool(result.rowcount)


def _participant(row: RowMapping) -> Participant:
    return Participant(
        tenant=TenantId(row["tenant_id"]),
        person=PersonId(row["person_id"]),
        display_name=row["display_name"],
        joined_at=row["joined_at"],
        paused_until=row["paused_until"],
    )
