"""The coordinator roster on SQL."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from programme.coordinators import RosterEntry
from programme.identity import PersonId
from storage.database import Database
from storage.tables import coordinators


class SqlCoordinatorRoster:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def members(self) -> Sequence[RosterEntry]:
        async with self._engine.connect() as connection:
            rows = (await connection.execute(select(coordinators).order_by(coordinators.c.person_id))).mappings()
            return [
                RosterEntry(
                    person=PersonId(row["person_id"]),
                    added_by=PersonId(row["added_by"]) if row["added_by"] else None,
                    added_at=row["added_at"],
                )
                for row in rows
            ]

    async def contains(self, person: PersonId) -> bool:
        query = select(coordinators.c.person_id).where(coordinators.c.person_id == person.value)
        async with self._engine.connect() as connection:
            return (await connection.execute(query)).first() is not None

    async def add(self, entry: RosterEntry) -> bool:
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    coordinators.insert().values(
                        person_id=entry.person.value,
                        added_by=entry.added_by.value if entry.added_by else None,
                        added_at=entry.added_at,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def remove(self, person: PersonId) -> bool:
        async with self._engine.begin() as connection:
            result = await connection.execute(delete(coordinators).where(coordinators.c.person_id == person.value))
        return bool(result.rowcount)
