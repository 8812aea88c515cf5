"""Private reflections on SQL.

Every query that reads, changes or deletes a reflection has its author's id in the WHERE clause, so asking for
someone else's reflection finds nothing, exactly as asking for one that does not exist. The only query without an
author is :meth:`SqlReflectionStore.counts`, and it selects counts, never a column of what was written.

Edits and deletes are compare-and-set on ``version``: a card shown before an edit can neither overwrite that edit
nor delete the reflection as it now stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, func, select, update

from programme.identity import PersonId
from programme.reflections import (
    Feeling,
    NewReflection,
    Occasion,
    Reflection,
    ReflectionCount,
    ReflectionText,
)
from storage.database import Database
from storage.tables import reflections


class SqlReflectionStore:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine
        self._insert = database.insert

    async def get(self, author: PersonId, reflection_id: int) -> Reflection | None:
        query = select(reflections).where(reflections.c.author_id == author.value, reflections.c.id == reflection_id)
        return await self._one(query)

    async def by_key(self, author: PersonId, key: str) -> Reflection | None:
        query = select(reflections).where(reflections.c.author_id == author.value, reflections.c.key == key)
        return await self._one(query)

    async def by_author(self, author: PersonId, offset: int, limit: int) -> Sequence[Reflection]:
        query = (
            select(reflections)
            .where(reflections.c.author_id == author.value)
            .order_by(reflections.c.created_at.desc(), reflections.c.id.desc())
            .offset(max(offset, 0))
            .limit(max(limit, 0))
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [reflection_from_row(row) for row in rows]

    async def count_by_author(self, author: PersonId) -> int:
        query = select(func.count()).select_from(reflections).where(reflections.c.author_id == author.value)
        async with self._engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())

    async def add(self, reflection: NewReflection, at: datetime) -> Reflection | None:
        occasion = reflection.occasion
        # ON CONFLICT names the one duplicate that is an expected outcome (the same Save twice, or a second form
        # about the same meeting); anything else is a bug and stays an error.
        statement = (
            self._insert(reflections)
            .values(
                author_id=reflection.author.value,
                key=reflection.key,
                meeting_id=None if occasion is None else occasion.meeting_id,
                pair_id=None if occasion is None else occasion.pair_id,
                cohort_id=None if occasion is None else occasion.cohort_id,
                session=None if occasion is None else occasion.session,
                held_on=None if occasion is None else occasion.held_on,
                **_text_values(reflection.text),
                version=1,
                created_at=at,
                updated_at=at,
            )
            .on_conflict_do_nothing(index_elements=[reflections.c.author_id, reflections.c.key])
            .returning(*reflections.c)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else reflection_from_row(row)

    async def save(
        self, author: PersonId, reflection_id: int, text: ReflectionText, expected_version: int, at: datetime
    ) -> Reflection | None:
        statement = (
            update(reflections)
            .where(
                reflections.c.author_id == author.value,
                reflections.c.id == reflection_id,
                reflections.c.version == expected_version,
            )
            .values(**_text_values(text), version=reflections.c.version + 1, updated_at=at)
            .returning(*reflections.c)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else reflection_from_row(row)

    async def delete(self, author: PersonId, reflection_id: int, expected_version: int) -> bool:
        statement = delete(reflections).where(
            reflections.c.author_id == author.value,
            reflections.c.id == reflection_id,
            reflections.c.version == expected_version,
        )
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return bool(result.rowcount)

    async def counts(self, pair_ids: Sequence[int]) -> Sequence[ReflectionCount]:
        wanted = sorted(set(pair_ids))
        if not wanted:
            return []
        query = (
            select(reflections.c.pair_id, reflections.c.author_id, func.count().label("done"))
            .where(reflections.c.pair_id.in_(wanted))
            .group_by(reflections.c.pair_id, reflections.c.author_id)
            .order_by(reflections.c.pair_id, reflections.c.author_id)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [ReflectionCount(pair_id, PersonId(author), int(done)) for pair_id, author, done in rows]

    async def _one(self, query: Any) -> Reflection | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return None if row is None else reflection_from_row(row)


def _text_values(text: ReflectionText) -> dict[str, Any]:
    return {
        "learned": text.learned,
        "differently": text.differently,
        "actions": text.actions,
        "feeling": None if text.feeling is None else text.feeling.value,
        "notes": text.notes,
    }


def reflection_json(reflection: Reflection) -> dict[str, Any]:
    """A reflection in full, as its author's subject access export shows it: it is their own writing."""
    occasion = reflection.occasion
    text = reflection.text
    return {
        "id": reflection.id,
        "about": None
        if occasion is None
        else {
            "meeting": occasion.meeting_id,
            "pair": occasion.pair_id,
            "cohort": occasion.cohort_id,
            "session": occasion.session,
            "held_on": None if occasion.held_on is None else occasion.held_on.isoformat(),
        },
        "what_i_learned": text.learned,
        "what_i_will_do_differently": text.differently,
        "actions_agreed": text.actions,
        "how_i_felt": None if text.feeling is None else text.feeling.value,
        "anything_else": text.notes,
        "version": reflection.version,
        "written_at": reflection.created_at.isoformat(),
        "changed_at": reflection.updated_at.isoformat(),
    }


def reflection_from_row(row: RowMapping) -> Reflection:
    occasion = None
    if row["meeting_id"] is not None:
        occasion = Occasion(
            meeting_id=row["meeting_id"],
            pair_id=row["pair_id"],
            cohort_id=row["cohort_id"],
            session=row["session"],
            held_on=row["held_on"],
        )
    feeling = row["feeling"]
    return Reflection(
        id=row["id"],
        author=PersonId(row["author_id"]),
        key=row["key"],
        occasion=occasion,
        text=ReflectionText(
            learned=row["learned"],
            differently=row["differently"],
            actions=row["actions"],
            feeling=None if feeling is None else Feeling(feeling),
            notes=row["notes"],
        ),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
