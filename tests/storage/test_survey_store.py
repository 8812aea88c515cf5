"""The survey stores' contract (rounds, answers, and the link from people to pseudonyms), held by the SQL stores on
both backends and by the in-memory fakes; and what a person's export and erasure do to their answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from programme.cohorts import Cohort, CohortStore
from programme.personal_data import PersonalDataHolder
from programme.profiles import Role
from programme.survey_questions import SurveyKind
from programme.surveys import SurveyLinks, SurveyResponse, SurveyStore
from programme.tracks import Track
from storage.cohort_store import SqlCohortStore
from storage.personal_data_holders import SurveysHolder
from storage.survey_store import SqlSurveyLinks, SqlSurveyStore
from storage.tables import survey_links, survey_responses
from tests.programme.builders import COORDINATOR, cohort_plan, person
from tests.support.databases import migrated_database
from tests.support.programme_fakes import InMemoryCohortStore, InMemorySurveyLinks, InMemorySurveyStore

# Microseconds and summer time, so truncation or a time-zone shift would show.
NOW = datetime(2026, 5, 11, 10, 41, 7, 208413, tzinfo=ZoneInfo("Europe/London"))
AMARA = person(1)
BEN = person(2)
HOPE = "That the board hears what the night shift goes through at Quillford."


@dataclass(frozen=True)
class Stores:
    surveys: SurveyStore
    links: SurveyLinks
    holder: PersonalDataHolder
    cohort: Cohort
    other_cohort: Cohort


async def two_cohorts(cohorts: CohortStore) -> tuple[Cohort, Cohort]:
    first = await cohorts.add(cohort_plan(NOW.date()), COORDINATOR, NOW)
    second = await cohorts.add(
        cohort_plan(NOW.date(), name="Disability pilot", track=Track.DISABILITY), COORDINATOR, NOW
    )
    return first, second


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    if request.param == "memory":
        cohort, other = await two_cohorts(InMemoryCohortStore())
        store = InMemorySurveyStore()
        links = InMemorySurveyLinks(store)
        yield Stores(store, links, links, cohort, other)
        return
    async with migrated_database(request.param, tmp_path) as database:
        cohort, other = await two_cohorts(SqlCohortStore(database))
        yield Stores(SqlSurveyStore(database), SqlSurveyLinks(database), SurveysHolder(database), cohort, other)


def response(
    stores: Stores, pseudonym: str, kind: SurveyKind = SurveyKind.BASELINE, **changes: object
) -> SurveyResponse:
    answer = SurveyResponse(
        cohort_id=stores.cohort.id,
        kind=kind,
        role=Role.MENTOR,
        pseudonym=pseudonym,
        set_id=f"mentor-{kind.value}",
        set_version=1,
        likert={"talk-about": 2, "speak-truth": 3, "heard": 1, "committed": 4},
        free_text={"hopes": HOPE},
    )
    return replace(answer, **changes)  # type: ignore[arg-type]


# Rounds -------------------------------------------------------------------------------------------------------------


async def test_a_survey_opens_once_per_cohort(stores: Stores) -> None:
    opened = await stores.surveys.open_round(stores.cohort.id, SurveyKind.BASELINE, NOW, early=True)

    assert opened is not None
    assert (opened.cohort_id, opened.kind, opened.opened_at, opened.early) == (
        stores.cohort.id,
        SurveyKind.BASELINE,
        NOW,
        True,
    )
    assert opened.opened_at.utcoffset() == timedelta(0)
    assert (
        await stores.surveys.open_round(stores.cohort.id, SurveyKind.BASELINE, NOW + timedelta(days=1), early=False)
        is None
    )
    assert await stores.surveys.rounds(stores.cohort.id) == [opened]
    assert await stores.surveys.rounds(stores.other_cohort.id) == []


async def test_rounds_come_back_in_survey_order(stores: Stores) -> None:
    for kind in (SurveyKind.END, SurveyKind.BASELINE, SurveyKind.MIDPOINT):
        await stores.surveys.open_round(stores.cohort.id, kind, NOW, early=False)

    assert [r.kind for r in await stores.surveys.rounds(stores.cohort.id)] == list(SurveyKind)


async def test_two_openings_at_once_store_one(stores: Stores) -> None:
    results = await asyncio.gather(
        *(stores.surveys.open_round(stores.cohort.id, SurveyKind.MIDPOINT, NOW, early=False) for _ in range(4))
    )

    assert len([r for r in results if r is not None]) == 1
    assert len(await stores.surveys.rounds(stores.cohort.id)) == 1


# Answers ------------------------------------------------------------------------------------------------------------


async def test_answers_are_kept_under_their_pseudonym(stores: Stores) -> None:
    first = response(stores, "p-1")

    assert await stores.surveys.save(first) is True

    assert await stores.surveys.find(stores.cohort.id, SurveyKind.BASELINE, "p-1") == first
    assert await stores.surveys.find(stores.cohort.id, SurveyKind.END, "p-1") is None
    assert await stores.surveys.find(stores.other_cohort.id, SurveyKind.BASELINE, "p-1") is None
    assert await stores.surveys.for_cohort(stores.cohort.id) == [first]
    assert await stores.surveys.for_cohort(stores.other_cohort.id) == []


async def test_answering_again_replaces_the_answers(stores: Stores) -> None:
    await stores.surveys.save(response(stores, "p-1"))
    again = response(stores, "p-1", likert={"talk-about": 5}, free_text={}, set_version=2)

    assert await stores.surveys.save(again) is False

    assert await stores.surveys.find(stores.cohort.id, SurveyKind.BASELINE, "p-1") == again
    assert await stores.surveys.for_cohort(stores.cohort.id) == [again]


async def test_each_survey_and_pseudonym_has_its_own_response(stores: Stores) -> None:
    saved = [
        response(stores, "p-1"),
        response(stores, "p-1", SurveyKind.END, likert={"talk-about": 4}),
        response(stores, "p-2", role=Role.MENTEE, set_id="mentee-baseline", likert={"aware": 1}, free_text={}),
    ]
    for answer in saved:
        assert await stores.surveys.save(answer) is True

    found = await stores.surveys.for_cohort(stores.cohort.id)
    assert sorted(found, key=lambda r: (r.pseudonym, r.kind.value)) == sorted(
        saved, key=lambda r: (r.pseudonym, r.kind.value)
    )


async def test_two_saves_at_once_leave_one_response(stores: Stores) -> None:
    versions = [response(stores, "p-1", likert={"talk-about": n}) for n in (1, 2, 3)]

    firsts = await asyncio.gather(*(stores.surveys.save(answer) for answer in versions))

    assert sorted(firsts) == [False, False, True]
    (kept,) = await stores.surveys.for_cohort(stores.cohort.id)
    assert kept in versions


# Links --------------------------------------------------------------------------------------------------------------


async def test_a_person_has_one_pseudonym_per_cohort(stores: Stores) -> None:
    assert await stores.links.pseudonym(stores.cohort.id, AMARA) is None

    assert await stores.links.link(stores.cohort.id, AMARA, "amara-1") == "amara-1"
    # A later candidate is ignored: the first stays hers.
    assert await stores.links.link(stores.cohort.id, AMARA, "amara-2") == "amara-1"
    assert await stores.links.pseudonym(stores.cohort.id, AMARA) == "amara-1"
    assert await stores.links.link(stores.other_cohort.id, AMARA, "amara-3") == "amara-3"
    assert await stores.links.pseudonym(stores.cohort.id, BEN) is None


async def test_two_links_at_once_agree_on_one_pseudonym(stores: Stores) -> None:
    made = await asyncio.gather(*(stores.links.link(stores.cohort.id, AMARA, f"try-{n}") for n in range(4)))

    assert len(set(made)) == 1
    assert await stores.links.pseudonym(stores.cohort.id, AMARA) == made[0]


# Erasure ------------------------------------------------------------------------------------------------------------


async def test_erasure_cuts_the_link_and_the_free_text_and_keeps_the_numbers(stores: Stores) -> None:
    amara = await stores.links.link(stores.cohort.id, AMARA, "amara-1")
    ben = await stores.links.link(stores.cohort.id, BEN, "ben-1")
    await stores.surveys.save(response(stores, amara))
    await stores.surveys.save(response(stores, amara, SurveyKind.END, free_text={}))
    await stores.surveys.save(response(stores, ben))

    changed = await stores.holder.erase(AMARA, NOW)

    # Her link, and the one response that held words of hers.
    assert changed == 2
    assert await stores.links.pseudonym(stores.cohort.id, AMARA) is None
    assert await stores.holder.export(AMARA) == []
    kept = await stores.surveys.find(stores.cohort.id, SurveyKind.BASELINE, amara)
    assert kept == response(stores, amara, free_text={})
    assert await stores.surveys.find(stores.cohort.id, SurveyKind.END, amara) is not None
    # Ben's answers and link are his.
    assert await stores.surveys.find(stores.cohort.id, SurveyKind.BASELINE, ben) == response(stores, ben)
    assert await stores.links.pseudonym(stores.cohort.id, BEN) == ben
    assert await stores.holder.erase(AMARA, NOW) == 0


async def test_the_export_holds_the_persons_own_answers_only(stores: Stores) -> None:
    amara = await stores.links.link(stores.cohort.id, AMARA, "amara-1")
    await stores.surveys.save(response(stores, amara))
    await stores.surveys.save(response(stores, "someone-else", free_text={"hopes": "not hers"}))

    (exported,) = await stores.holder.export(AMARA)

    assert HOPE in str(exported)
    assert "not hers" not in str(exported)
    assert await stores.holder.export(BEN) == []


# What the SQL export says -------------------------------------------------------------------------------------------


async def test_the_sql_export_shows_each_statement_as_the_person_was_asked_it(tmp_path: Path) -> None:
    async with migrated_database("sqlite", tmp_path) as database:
        _, disability = await two_cohorts(SqlCohortStore(database))
        links, store = SqlSurveyLinks(database), SqlSurveyStore(database)
        pseudonym = await links.link(disability.id, AMARA, "amara-1")
        await store.save(
            SurveyResponse(
                disability.id,
                SurveyKind.BASELINE,
                Role.MENTOR,
                pseudonym,
                "mentor-baseline",
                1,
                {"talk-about": 4, "committed": 1},
                {"hopes": HOPE},
            )
        )

        exported = await SurveysHolder(database).export(AMARA)

    assert exported == [
        {
            "cohort": {"id": disability.id, "name": "Disability pilot"},
            "survey": "baseline",
            "role": "mentor",
            "questions": {"id": "mentor-baseline", "version": 1},
            "answers": [
                {
                    "statement": "I feel confident talking about disability and ableism at work.",
                    "answer": 4,
                    "meaning": "Agree",
                },
                {
                    "statement": "I believe this organisation is committed to real change on disability equality.",
                    "answer": 1,
                    "meaning": "Strongly disagree",
                },
            ],
            "written": [
                {
                    "question": "In a sentence or two, what do you hope will be different by the end of the programme?",
                    "answer": HOPE,
                }
            ],
        }
    ]


async def test_no_person_id_is_stored_with_the_answers(tmp_path: Path) -> None:
    async with migrated_database("sqlite", tmp_path) as database:
        cohort, _ = await two_cohorts(SqlCohortStore(database))
        pseudonym = await SqlSurveyLinks(database).link(cohort.id, AMARA, "amara-1")
        await SqlSurveyStore(database).save(
            SurveyResponse(cohort.id, SurveyKind.BASELINE, Role.MENTEE, pseudonym, "mentee-baseline", 1, {"act": 3})
        )
        async with database.engine.connect() as connection:
            answers = (await connection.execute(select(survey_responses))).mappings().all()
            links = (await connection.execute(select(survey_links))).mappings().all()

    assert AMARA.value not in str([dict(row) for row in answers])
    assert [(row["person_id"], row["pseudonym"]) for row in links] == [(AMARA.value, "amara-1")]
