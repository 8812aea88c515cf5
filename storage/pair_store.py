"""Pairs on SQL, and the proposals a coordinator took apart.

A pair someone was erased from keeps its row (the cohort had that pair, and counts of pairs must not change) but
loses that person's id, so no lookup here returns it: the core's :class:`Pair` always knows both people. See
:class:`storage.personal_data_holders.PairsHolder`.

Replacing and publishing proposals first lock the cohort's row, so two coordinators doing either at once take
turns instead of interleaving; SQLite has no row locks, but it allows one writer at a time anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, Select, delete, false, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from programme.errors import Conflict
from programme.identity import PersonId
from programme.pairs import NewPair, Pair, PairState
from storage.database import Database
from storage.tables import cohorts, pair_exclusions, pairs

_BOTH_KNOWN = pairs.c.mentor_id.is_not(None) & pairs.c.mentee_id.is_not(None)
_HISTORY = sorted(state.value for state in (PairState.PUBLISHED, PairState.ENDED))


class SqlPairStore:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine
        self._insert = database.insert

    async def for_cohort(self, cohort_id: int, states: frozenset[PairState] | None = None) -> Sequence[Pair]:
        query = _in_states(select(pairs).where(pairs.c.cohort_id == cohort_id, _BOTH_KNOWN), states)
        # Ids are handed out in insertion order, so they are the order the pairs were made in.
        return await self._many(query.order_by(pairs.c.id))

    async def get(self, pair_id: int) -> Pair | None:
        query = select(pairs).where(pairs.c.id == pair_id, _BOTH_KNOWN)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return None if row is None else _pair(row)

    async def replace_proposals(self, cohort_id: int, proposals: Sequence[NewPair], at: datetime) -> Sequence[Pair]:
        _all_in(cohort_id, proposals)
        async with self._engine.begin() as connection:
            await _lock_cohort(connection, cohort_id)
            await connection.execute(
                delete(pairs).where(
                    pairs.c.cohort_id == cohort_id,
                    pairs.c.state == PairState.PROPOSED.value,
                    pairs.c.locked == false(),
                )
            )
            added = []
            for proposal in proposals:
                pair = await self._propose(connection, proposal, at)
                if pair is None:
                    # Raised inside the transaction, so the unlocked proposals deleted above come back.
                    raise Conflict(
                        "The cohort's pairs changed while new ones were being worked out; please suggest pairs again."
                    )
                added.append(pair)
        return added

    async def add(self, pair: NewPair, at: datetime) -> Pair:
        async with self._engine.begin() as connection:
            added = await self._propose(connection, pair, at)
        if added is None:
            raise Conflict("That mentee is already in a pair in this cohort; take that pair apart first.")
        return added

    async def remove_proposal(self, pair_id: int) -> bool:
        statement = delete(pairs).where(pairs.c.id == pair_id, pairs.c.state == PairState.PROPOSED.value)
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return bool(result.rowcount)

    async def set_locked(self, pair_id: int, locked: bool) -> Pair | None:
        statement = (
            update(pairs)
            .where(pairs.c.id == pair_id, pairs.c.state == PairState.PROPOSED.value)
            .values(locked=locked)
            .returning(*pairs.c)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else _pair(row)

    async def publish(self, cohort_id: int, at: datetime) -> Sequence[Pair]:
        statement = (
            update(pairs)
            .where(pairs.c.cohort_id == cohort_id, pairs.c.state == PairState.PROPOSED.value)
            .values(state=PairState.PUBLISHED.value, published_at=at)
            .returning(*pairs.c)
        )
        async with self._engine.begin() as connection:
            await _lock_cohort(connection, cohort_id)
            rows = (await connection.execute(statement)).mappings().all()
        # RETURNING promises no order.
        return sorted((_pair(row) for row in rows), key=lambda pair: pair.id)

    async def for_person(self, person: PersonId, states: frozenset[PairState] | None = None) -> Sequence[Pair]:
        mine = or_(pairs.c.mentor_id == person.value, pairs.c.mentee_id == person.value)
        query = _in_states(select(pairs).where(mine, _BOTH_KNOWN), states)
        return await self._many(query.order_by(pairs.c.id.desc()))

    async def history(self, people: Sequence[PersonId]) -> Sequence[Pair]:
        ids = sorted({person.value for person in people})
        if not ids:
            return []
        query = (
            select(pairs)
            .where(
                pairs.c.state.in_(_HISTORY),
                or_(pairs.c.mentor_id.in_(ids), pairs.c.mentee_id.in_(ids)),
                _BOTH_KNOWN,
            )
            .order_by(pairs.c.id)
        )
        return await self._many(query)

    async def unpaired(self, cohort_id: int) -> frozenset[tuple[int, int]]:
        query = select(pair_exclusions.c.mentor_application_id, pair_exclusions.c.mentee_application_id).where(
            pair_exclusions.c.cohort_id == cohort_id
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return frozenset((mentor, mentee) for mentor, mentee in rows)

    async def remember_unpaired(self, cohort_id: int, mentor_application: int, mentee_application: int) -> None:
        statement = (
            self._insert(pair_exclusions)
            .values(
                cohort_id=cohort_id,
                mentor_application_id=mentor_application,
                mentee_application_id=mentee_application,
            )
            .on_conflict_do_nothing()
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def set_chat(self, pair_id: int, chat_id: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(update(pairs).where(pairs.c.id == pair_id).values(chat_id=chat_id))

    async def _propose(self, connection: AsyncConnection, pair: NewPair, at: datetime) -> Pair | None:
        """The stored proposal, or None when its mentee is already in a pair of the cohort."""
        # ON CONFLICT names the one duplicate that is an expected outcome; an unknown cohort or application is a
        # foreign key failure, a bug, and stays an error.
        statement = (
            self._insert(pairs)
            .values(
                cohort_id=pair.cohort_id,
                mentor_application_id=pair.mentor_application,
                mentee_application_id=pair.mentee_application,
                mentor_id=pair.mentor.value,
                mentee_id=pair.mentee.value,
                points=pair.points,
                reasons=list(pair.reasons),
                locked=pair.locked,
                by_hand=pair.by_hand,
                override=pair.override,
                state=PairState.PROPOSED.value,
                created_at=at,
            )
            .on_conflict_do_nothing(index_elements=[pairs.c.cohort_id, pairs.c.mentee_application_id])
            .returning(*pairs.c)
        )
        row = (await connection.execute(statement)).mappings().first()
        return None if row is None else _pair(row)

    async def _many(self, query: Select[Any]) -> list[Pair]:
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [_pair(row) for row in rows]


def _in_states(query: Select[Any], states: frozenset[PairState] | None) -> Select[Any]:
    if states is None:
        return query
    return query.where(pairs.c.state.in_(sorted(state.value for state in states)))


def _all_in(cohort_id: int, proposals: Sequence[NewPair]) -> None:
    strays = sorted({proposal.cohort_id for proposal in proposals} - {cohort_id})
    if strays:
        raise ValueError(f"proposals for cohort {cohort_id} include some for cohorts {strays}")


async def _lock_cohort(connection: AsyncConnection, cohort_id: int) -> None:
    await connection.execute(select(cohorts.c.id).where(cohorts.c.id == cohort_id).with_for_update())


def _pair(row: RowMapping) -> Pair:
    mentor, mentee = row["mentor_id"], row["mentee_id"]
    if mentor is None or mentee is None:
        # Every query filters these out; an anonymous pair must never pass for a live one.
        raise ValueError(f"pair {row['id']} has lost a person, so it is not a pair the programme can use")
    return Pair(
        id=row["id"],
        cohort_id=row["cohort_id"],
        mentor_application=row["mentor_application_id"],
        mentee_application=row["mentee_application_id"],
        mentor=PersonId(mentor),
        mentee=PersonId(mentee),
        points=row["points"],
        reasons=_reasons(row["reasons"]),
        locked=bool(row["locked"]),
        by_hand=bool(row["by_hand"]),
        override=row["override"],
        state=PairState(row["state"]),
        created_at=row["created_at"],
        published_at=row["published_at"],
        chat_id=row["chat_id"],
    )


def _reasons(stored: object) -> tuple[str, ...]:
    if not isinstance(stored, list) or not all(isinstance(reason, str) for reason in stored):
        raise ValueError(f"a pair's reasons must be a list of sentences, not {stored!r}")
    return tuple(stored)
