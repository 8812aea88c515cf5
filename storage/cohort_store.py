"""Cohorts on SQL: the plan in plain columns (the match weights as one small JSON document), and the state moved
by compare-and-set."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import RowMapping, select, update

from programme.cohorts import Cadence, Cohort, CohortPlan, CohortState
from programme.identity import PersonId
from programme.match_weights import MatchWeights
from programme.tracks import MenteeLevel, Track
from storage.database import Database
from storage.tables import cohorts


class SqlCohortStore:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def add(self, plan: CohortPlan, created_by: PersonId, at: datetime) -> Cohort:
        statement = (
            cohorts.insert()
            .values(
                name=plan.name,
                track=plan.track.value,
                mentee_level=plan.mentee_level.value,
                signup_closes=plan.signup_closes,
                starts_on=plan.starts_on,
                ends_on=plan.ends_on,
                sessions=plan.sessions,
                cadence=plan.cadence.value,
                session_minutes=plan.session_minutes,
                training_dates=[day.isoformat() for day in plan.training_dates],
                mentor_capacity=plan.mentor_capacity,
                separate_directorates=plan.separate_directorates,
                match_weights=_weights_json(plan.weights),
                state=CohortState.DRAFT.value,
                created_by=created_by.value,
                created_at=at,
                updated_at=at,
            )
            .returning(*cohorts.c)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().one()
        return _cohort(row)

    async def get(self, cohort_id: int) -> Cohort | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(cohorts).where(cohorts.c.id == cohort_id))).mappings().first()
        return None if row is None else _cohort(row)

    async def listing(self, states: frozenset[CohortState] | None = None) -> Sequence[Cohort]:
        query = select(cohorts).order_by(cohorts.c.id.desc())
        if states is not None:
            query = query.where(cohorts.c.state.in_(sorted(state.value for state in states)))
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [_cohort(row) for row in rows]

    async def move(self, cohort_id: int, expected: CohortState, target: CohortState, at: datetime) -> Cohort | None:
        statement = (
            update(cohorts)
            .where(cohorts.c.id == cohort_id, cohorts.c.state == expected.value)
            .values(state=target.value, updated_at=at)
            .returning(*cohorts.c)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else _cohort(row)


def _cohort(row: RowMapping) -> Cohort:
    plan = CohortPlan(
        name=row["name"],
        track=Track(row["track"]),
        mentee_level=MenteeLevel(row["mentee_level"]),
        signup_closes=row["signup_closes"],
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        sessions=row["sessions"],
        cadence=Cadence(row["cadence"]),
        session_minutes=row["session_minutes"],
        training_dates=_dates(row["training_dates"]),
        mentor_capacity=row["mentor_capacity"],
        separate_directorates=bool(row["separate_directorates"]),
        weights=_weights(row["match_weights"]),
    )
    return Cohort(
        id=row["id"],
        plan=plan,
        state=CohortState(row["state"]),
        created_by=PersonId(row["created_by"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _dates(stored: object) -> tuple[date, ...]:
    if not isinstance(stored, list) or not all(isinstance(day, str) for day in stored):
        raise ValueError(f"a cohort's training dates must be a list of ISO dates, not {stored!r}")
    return tuple(date.fromisoformat(day) for day in stored)


def _weights_json(weights: MatchWeights) -> dict[str, int]:
    return {"topics": weights.topics, "availability": weights.availability, "place": weights.place}


def _weights(stored: object) -> MatchWeights:
    # Every key is required: a missing one falling back on today's default would quietly change an old cohort's
    # scoring whenever the default moved.
    if (
        not isinstance(stored, dict)
        or stored.keys() != {"topics", "availability", "place"}
        or not all(type(value) is int for value in stored.values())
    ):
        raise ValueError(
            f"a cohort's match weights must be whole numbers for topics, availability and place: {stored!r}"
        )
    return MatchWeights(topics=stored["topics"], availability=stored["availability"], place=stored["place"])
