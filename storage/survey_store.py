"""Surveys on SQL: the rounds and answers (:class:`SqlSurveyStore`, no person in them) and the link from people to
their pseudonyms (:class:`SqlSurveyLinks`), in tables of their own so that erasure can cut the link.

See :class:`storage.personal_data_holders.SurveysHolder` for what a person's export and erasure do here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import RowMapping, select, update

from programme.identity import PersonId
from programme.profiles import Role
from programme.survey_questions import SurveyKind
from programme.surveys import SurveyResponse, SurveyRound
from storage.database import Database
from storage.tables import survey_links, survey_responses, survey_rounds

_ORDER = list(SurveyKind)


class SqlSurveyStore:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine
        self._insert = database.insert

    async def open_round(self, cohort_id: int, kind: SurveyKind, at: datetime, *, early: bool) -> SurveyRound | None:
        statement = (
            self._insert(survey_rounds)
            .values(cohort_id=cohort_id, kind=kind.value, opened_at=at, early=early)
            .on_conflict_do_nothing(index_elements=[survey_rounds.c.cohort_id, survey_rounds.c.kind])
            .returning(*survey_rounds.c)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else _round(row)

    async def rounds(self, cohort_id: int) -> Sequence[SurveyRound]:
        query = select(survey_rounds).where(survey_rounds.c.cohort_id == cohort_id)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return sorted((_round(row) for row in rows), key=lambda r: _ORDER.index(r.kind))

    async def save(self, response: SurveyResponse) -> bool:
        answers = {
            "role": response.role.value,
            "set_id": response.set_id,
            "set_version": response.set_version,
            "likert": dict(response.likert),
            "free_text": dict(response.free_text),
        }
        key = (
            survey_responses.c.cohort_id == response.cohort_id,
            survey_responses.c.kind == response.kind.value,
            survey_responses.c.pseudonym == response.pseudonym,
        )
        insert = (
            self._insert(survey_responses)
            .values(cohort_id=response.cohort_id, kind=response.kind.value, pseudonym=response.pseudonym, **answers)
            .on_conflict_do_nothing(
                index_elements=[survey_responses.c.cohort_id, survey_responses.c.kind, survey_responses.c.pseudonym]
            )
            .returning(survey_responses.c.pseudonym)
        )
        async with self._engine.begin() as connection:
            if (await connection.execute(insert)).first() is not None:
                return True
            # Answered before: the new answers replace the old ones (of two at once, the later stands).
            await connection.execute(update(survey_responses).where(*key).values(**answers))
        return False

    async def find(self, cohort_id: int, kind: SurveyKind, pseudonym: str) -> SurveyResponse | None:
        query = select(survey_responses).where(
            survey_responses.c.cohort_id == cohort_id,
            survey_responses.c.kind == kind.value,
            survey_responses.c.pseudonym == pseudonym,
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return None if row is None else response_from_row(row)

    async def for_cohort(self, cohort_id: int) -> Sequence[SurveyResponse]:
        query = select(survey_responses).where(survey_responses.c.cohort_id == cohort_id)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [response_from_row(row) for row in rows]


class SqlSurveyLinks:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine
        self._insert = database.insert

    async def pseudonym(self, cohort_id: int, person: PersonId) -> str | None:
        query = select(survey_links.c.pseudonym).where(
            survey_links.c.cohort_id == cohort_id, survey_links.c.person_id == person.value
        )
        async with self._engine.connect() as connection:
            found: str | None = (await connection.execute(query)).scalar()
        return found

    async def link(self, cohort_id: int, person: PersonId, candidate: str) -> str:
        # Only the person's own existing link is an expected conflict; a pseudonym taken by someone else would be
        # a broken random source, and stays an error.
        statement = (
            self._insert(survey_links)
            .values(cohort_id=cohort_id, person_id=person.value, pseudonym=candidate)
            .on_conflict_do_nothing(index_elements=[survey_links.c.cohort_id, survey_links.c.person_id])
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)
        found = await self.pseudonym(cohort_id, person)
        if found is None:
            raise RuntimeError("a survey link vanished while it was being made")
        return found


def _round(row: RowMapping) -> SurveyRound:
    return SurveyRound(
        cohort_id=row["cohort_id"], kind=SurveyKind(row["kind"]), opened_at=row["opened_at"], early=row["early"]
    )


def response_from_row(row: RowMapping) -> SurveyResponse:
    return SurveyResponse(
        cohort_id=row["cohort_id"],
        kind=SurveyKind(row["kind"]),
        role=Role(row["role"]),
        pseudonym=row["pseudonym"],
        set_id=row["set_id"],
        set_version=row["set_version"],
        likert=_numbers(row["likert"]),
        free_text=_texts(row["free_text"]),
    )


def _numbers(stored: object) -> dict[str, int]:
    if not isinstance(stored, Mapping):
        raise ValueError(f"survey answers must be a JSON object, not {stored!r}")
    return {str(k): v for k, v in stored.items() if isinstance(v, int) and not isinstance(v, bool)}


def _texts(stored: object) -> dict[str, str]:
    if not isinstance(stored, Mapping):
        raise ValueError(f"survey free text must be a JSON object, not {stored!r}")
    return {str(k): v for k, v in stored.items() if isinstance(v, str)}
