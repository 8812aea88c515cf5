"""The bot's prompts on SQL: which were sent to whom, and whether each was answered (programme.prompts).

Only the fact of an answer is kept here, never the answer: that lives with what the prompt was about.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import RowMapping, select, update

from programme.identity import PersonId
from programme.prompts import Prompt, PromptKind
from storage.database import Database
from storage.tables import prompts


class SqlPromptStore:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine
        self._insert = database.insert

    async def record(self, person: PersonId, kind: PromptKind, ref: str, at: datetime) -> bool:
        # ON CONFLICT names the expected repeat (a retried send); nothing about the first record changes.
        statement = (
            self._insert(prompts)
            .values(person_id=person.value, kind=kind.value, ref=ref, sent_at=at)
            .on_conflict_do_nothing(index_elements=[prompts.c.person_id, prompts.c.kind, prompts.c.ref])
        )
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return bool(result.rowcount)

    async def answered(self, person: PersonId, kind: PromptKind, ref: str, at: datetime) -> None:
        statement = (
            update(prompts)
            .where(
                prompts.c.person_id == person.value,
                prompts.c.kind == kind.value,
                prompts.c.ref == ref,
                prompts.c.answered_at.is_(None),
            )
            .values(answered_at=at)
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def recent(self, person: PersonId, limit: int) -> Sequence[Prompt]:
        if limit < 1:
            return []
        query = (
            select(prompts)
            .where(prompts.c.person_id == person.value)
            # The id breaks ties between prompts sent in the same instant, in the order they were recorded.
            .order_by(prompts.c.sent_at.desc(), prompts.c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [prompt_from_row(row) for row in rows]

    async def close_open(self, person: PersonId, at: datetime) -> int:
        statement = (
            update(prompts)
            .where(
                prompts.c.person_id == person.value,
                prompts.c.answered_at.is_(None),
                prompts.c.closed_at.is_(None),
            )
            .values(closed_at=at)
        )
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount


def prompt_from_row(row: RowMapping) -> Prompt:
    return Prompt(
        person=PersonId(row["person_id"]),
        kind=PromptKind(row["kind"]),
        ref=row["ref"],
        sent_at=row["sent_at"],
        answered_at=row["answered_at"],
        closed_at=row["closed_at"],
    )
