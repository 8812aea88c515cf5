"""The reflection store's contract, held by the SQL store on both backends and by the in-memory fake: it answers
only for the author asked about, edits and deletes are compare-and-set, and counts are all anyone else gets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from programme.applications import ApplicationStore
from programme.calendar import Interval
from programme.cohorts import CohortStore
from programme.identity import PersonId
from programme.meetings import MeetingStore, NewMeeting
from programme.pairs import Pair, PairStore
from programme.reflections import (
    Feeling,
    NewReflection,
    Occasion,
    Reflection,
    ReflectionCount,
    ReflectionStore,
    ReflectionText,
    general_key,
    meeting_key,
)
from storage.application_store import SqlApplicationStore
from storage.cohort_store import SqlCohortStore
from storage.database import Database
from storage.meeting_store import SqlMeetingStore
from storage.pair_store import SqlPairStore
from storage.personal_data_holders import ReflectionsHolder
from storage.reflection_store import SqlReflectionStore, reflection_json
from storage.tables import reflections
from tests.storage.test_meeting_store import two_published_pairs
from tests.support.databases import migrated_database
from tests.support.programme_fakes import (
    InMemoryApplicationStore,
    InMemoryCohortStore,
    InMemoryMeetingStore,
    InMemoryPairStore,
    InMemoryReflectionStore,
)

# Microseconds and a non-midnight time, so truncation or a time-zone shift would show.
NOW = datetime(2026, 5, 11, 10, 41, 7, 208413, tzinfo=UTC)
LATER = NOW + timedelta(hours=2, microseconds=3)
WINDOW = Interval(datetime(2026, 6, 1, 8, tzinfo=UTC), datetime(2026, 6, 13, 18, tzinfo=UTC))
TEXT = ReflectionText(
    learned="What I learned, with an apostrophe's worth of 'quotes' and \"doubles\".",
    differently="Line one\nLine two\n\nAfter a blank line",
    actions="Emoji \U0001f44d and accents: café, naïve",
    feeling=Feeling.ENCOURAGED,
    notes="x" * 2000,
)
OTHER_TEXT = ReflectionText(learned="Changed my mind", feeling=None)


@dataclass(frozen=True)
class Stores:
    reflections: ReflectionStore
    pair: Pair
    other_pair: Pair
    meeting_ids: tuple[int, ...]
    export: Callable[[PersonId], Awaitable[object]]
    erase: Callable[[PersonId], Awaitable[int]]


async def _world(
    cohorts: CohortStore, applications: ApplicationStore, pairs: PairStore, meetings: MeetingStore
) -> tuple[Pair, Pair, tuple[int, ...]]:
    pair, other = await two_published_pairs(cohorts, applications, pairs)
    ids = []
    for owner, session in ((pair, 1), (pair, 2), (other, 1)):
        meeting = await meetings.add(NewMeeting(owner.id, session, WINDOW, ()), NOW)
        assert meeting is not None
        ids.append(meeting.id)
    return pair, other, tuple(ids)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    if request.param == "memory":
        fake = InMemoryReflectionStore()
        pair, other, ids = await _world(
            InMemoryCohortStore(), InMemoryApplicationStore(), InMemoryPairStore(), InMemoryMeetingStore()
        )
        yield Stores(fake, pair, other, ids, fake.export, lambda person: fake.erase(person, LATER))
        return
    async with migrated_database(request.param, tmp_path) as database:
        pair, other, ids = await _world(
            SqlCohortStore(database), SqlApplicationStore(database), SqlPairStore(database), SqlMeetingStore(database)
        )
        holder = ReflectionsHolder(database)
        yield Stores(
            SqlReflectionStore(database), pair, other, ids, holder.export, lambda person: holder.erase(person, LATER)
        )


def occasion(stores: Stores, index: int = 0) -> Occasion:
    pair = stores.other_pair if index == 2 else stores.pair
    return Occasion(
        meeting_id=stores.meeting_ids[index],
        pair_id=pair.id,
        cohort_id=pair.cohort_id,
        session=2 if index == 1 else 1,
        held_on=date(2026, 6, 2),
    )


def about_meeting(stores: Stores, author: PersonId, index: int = 0, text: ReflectionText = TEXT) -> NewReflection:
    found = occasion(stores, index)
    return NewReflection(author, meeting_key(found.meeting_id), found, text)


def general(author: PersonId, text: ReflectionText = TEXT, key: str | None = None) -> NewReflection:
    return NewReflection(author, key or general_key(), None, text)


async def added(stores: Stores, new: NewReflection, at: datetime = NOW) -> Reflection:
    stored = await stores.reflections.add(new, at)
    assert stored is not None
    return stored


# Writing --------------------------------------------------------------------------------------------------------


async def test_a_new_reflection_comes_back_whole_at_version_one(stores: Stores) -> None:
    mentor = stores.pair.mentor
    new = about_meeting(stores, mentor)

    stored = await added(stores, new)

    assert (stored.author, stored.key, stored.occasion, stored.text) == (mentor, new.key, new.occasion, TEXT)
    assert (stored.version, stored.created_at, stored.updated_at) == (1, NOW, NOW)
    assert stored.created_at.tzinfo is UTC
    assert await stores.reflections.get(mentor, stored.id) == stored
    assert await stores.reflections.by_key(mentor, new.key) == stored


async def test_a_general_reflection_has_no_occasion_and_no_feeling_is_kept_as_none(stores: Stores) -> None:
    author = stores.pair.mentee
    stored = await added(stores, general(author, ReflectionText(notes="Only notes")))
    again = await stores.reflections.get(author, stored.id)
    assert again is not None
    assert again.occasion is None
    assert again.text == ReflectionText(notes="Only notes")


async def test_one_reflection_per_author_and_key(stores: Stores) -> None:
    mentor, mentee = stores.pair.mentor, stores.pair.mentee
    first = await added(stores, about_meeting(stores, mentor))

    assert await stores.reflections.add(about_meeting(stores, mentor, text=OTHER_TEXT), LATER) is None
    assert await stores.reflections.get(mentor, first.id) == first
    # The partner's reflection on the same meeting, and the author's on the next, are their own.
    assert await stores.reflections.add(about_meeting(stores, mentee), LATER) is not None
    assert await stores.reflections.add(about_meeting(stores, mentor, 1), LATER) is not None


async def test_two_saves_of_the_same_new_reflection_at_once_store_one(stores: Stores) -> None:
    new = general(stores.pair.mentor)
    results = await asyncio.gather(stores.reflections.add(new, NOW), stores.reflections.add(new, NOW))
    assert len([r for r in results if r is not None]) == 1
    assert await stores.reflections.count_by_author(stores.pair.mentor) == 1


# Only the author ----------------------------------------------------------------------------------------------


async def test_nobody_but_the_author_finds_changes_or_deletes_it(stores: Stores) -> None:
    mentor, mentee = stores.pair.mentor, stores.pair.mentee
    stored = await added(stores, about_meeting(stores, mentor))
    stranger = stores.other_pair.mentor

    for someone in (mentee, stranger):
        assert await stores.reflections.get(someone, stored.id) is None
        assert await stores.reflections.by_key(someone, stored.key) is None
        assert await stores.reflections.by_author(someone, 0, 100) == []
        assert await stores.reflections.count_by_author(someone) == 0
        assert await stores.reflections.save(someone, stored.id, OTHER_TEXT, stored.version, LATER) is None
        assert await stores.reflections.delete(someone, stored.id, stored.version) is False
    assert await stores.reflections.get(mentor, stored.id) == stored


async def test_nothing_is_found_for_what_was_never_stored(stores: Stores) -> None:
    mentor = stores.pair.mentor
    assert await stores.reflections.get(mentor, 1) is None
    assert await stores.reflections.by_key(mentor, "meeting:1") is None
    assert await stores.reflections.save(mentor, 1, TEXT, 1, NOW) is None
    assert await stores.reflections.delete(mentor, 1, 1) is False
    assert await stores.reflections.counts([stores.pair.id]) == []
    assert await stores.reflections.counts([]) == []


# Editing and deleting -----------------------------------------------------------------------------------------------


async def test_an_edit_replaces_the_text_only_and_bumps_the_version(stores: Stores) -> None:
    mentor = stores.pair.mentor
    stored = await added(stores, about_meeting(stores, mentor))

    edited = await stores.reflections.save(mentor, stored.id, OTHER_TEXT, 1, LATER)

    assert edited == replace(stored, text=OTHER_TEXT, version=2, updated_at=LATER)
    assert await stores.reflections.get(mentor, stored.id) == edited


async def test_an_edit_or_delete_from_a_stale_read_changes_nothing(stores: Stores) -> None:
    mentor = stores.pair.mentor
    stored = await added(stores, general(mentor))
    edited = await stores.reflections.save(mentor, stored.id, OTHER_TEXT, 1, LATER)

    assert await stores.reflections.save(mentor, stored.id, TEXT, 1, LATER) is None
    assert await stores.reflections.delete(mentor, stored.id, 1) is False
    assert await stores.reflections.get(mentor, stored.id) == edited


async def test_two_edits_at_once_from_the_same_version_keep_one(stores: Stores) -> None:
    mentor = stores.pair.mentor
    stored = await added(stores, general(mentor))
    results = await asyncio.gather(
        stores.reflections.save(mentor, stored.id, OTHER_TEXT, 1, LATER),
        stores.reflections.save(mentor, stored.id, replace(OTHER_TEXT, learned="The other one"), 1, LATER),
    )
    (winner,) = [r for r in results if r is not None]
    assert await stores.reflections.get(mentor, stored.id) == winner
    assert winner.version == 2


async def test_deleting_removes_it_for_good(stores: Stores) -> None:
    mentor = stores.pair.mentor
    stored = await added(stores, about_meeting(stores, mentor))

    assert await stores.reflections.delete(mentor, stored.id, 1) is True

    assert await stores.reflections.get(mentor, stored.id) is None
    assert await stores.reflections.delete(mentor, stored.id, 1) is False
    # The meeting can be written about again, under a new id.
    again = await added(stores, about_meeting(stores, mentor))
    assert again.id > stored.id


# Listing and counting --------------------------------------------------------------------------------------------


async def test_an_authors_reflections_come_newest_first_a_slice_at_a_time(stores: Stores) -> None:
    mentor = stores.pair.mentor
    written = [await added(stores, general(mentor), NOW + timedelta(minutes=n)) for n in range(7)]
    # Two written in the same instant: the later one (by id) counts as newer.
    twin = await added(stores, general(mentor), NOW + timedelta(minutes=6))
    await added(stores, general(stores.pair.mentee), LATER)

    newest_first = [twin, *reversed(written)]
    assert await stores.reflections.by_author(mentor, 0, 3) == newest_first[:3]
    assert await stores.reflections.by_author(mentor, 3, 3) == newest_first[3:6]
    assert await stores.reflections.by_author(mentor, 6, 3) == newest_first[6:]
    assert await stores.reflections.by_author(mentor, 9, 3) == []
    assert await stores.reflections.count_by_author(mentor) == 8


async def test_counts_are_per_pair_and_author_for_meetings_only(stores: Stores) -> None:
    mentor, mentee = stores.pair.mentor, stores.pair.mentee
    await added(stores, about_meeting(stores, mentor, 0))
    await added(stores, about_meeting(stores, mentor, 1))
    await added(stores, about_meeting(stores, mentee, 0))
    await added(stores, general(mentor))
    await added(stores, about_meeting(stores, stores.other_pair.mentee, 2))

    counts = await stores.reflections.counts([stores.pair.id, stores.other_pair.id, stores.pair.id])

    assert sorted(counts, key=lambda c: (c.pair_id, c.person.value)) == sorted(
        [
            ReflectionCount(stores.pair.id, mentor, 2),
            ReflectionCount(stores.pair.id, mentee, 1),
            ReflectionCount(stores.other_pair.id, stores.other_pair.mentee, 1),
        ],
        key=lambda c: (c.pair_id, c.person.value),
    )
    assert await stores.reflections.counts([stores.other_pair.id]) == [
        ReflectionCount(stores.other_pair.id, stores.other_pair.mentee, 1)
    ]


# Personal data ------------------------------------------------------------------------------------------------------


async def test_the_export_is_the_authors_own_reflections_in_full_and_nobody_elses(stores: Stores) -> None:
    mentor, mentee = stores.pair.mentor, stores.pair.mentee
    mine = await added(stores, about_meeting(stores, mentor))
    general_one = await added(stores, general(mentor, OTHER_TEXT), LATER)
    await added(stores, about_meeting(stores, mentee, text=replace(TEXT, learned="The partner's own words")))

    exported = await stores.export(mentor)

    assert exported == [reflection_json(general_one), reflection_json(mine)]
    first = reflection_json(mine)
    assert first["what_i_learned"] == TEXT.learned
    assert first["anything_else"] == TEXT.notes
    assert first["how_i_felt"] == "encouraged"
    assert first["about"] == {
        "meeting": mine.occasion.meeting_id if mine.occasion else None,
        "pair": stores.pair.id,
        "cohort": stores.pair.cohort_id,
        "session": 1,
        "held_on": "2026-06-02",
    }
    assert "partner's own words" not in repr(exported)
    assert await stores.export(stores.other_pair.mentor) == []


async def test_erasure_deletes_every_reflection_of_the_person_and_only_theirs(stores: Stores) -> None:
    mentor, mentee = stores.pair.mentor, stores.pair.mentee
    await added(stores, about_meeting(stores, mentor))
    await added(stores, general(mentor))
    theirs = await added(stores, about_meeting(stores, mentee))

    assert await stores.erase(mentor) == 2

    assert await stores.reflections.count_by_author(mentor) == 0
    assert await stores.export(mentor) == []
    assert await stores.reflections.counts([stores.pair.id]) == [ReflectionCount(stores.pair.id, mentee, 1)]
    assert await stores.reflections.get(mentee, theirs.id) == theirs
    assert await stores.erase(mentor) == 0


# SQL only -----------------------------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with migrated_database(request.param, tmp_path) as opened:
        yield opened


async def test_the_id_of_a_deleted_reflection_is_never_handed_out_again(database: Database) -> None:
    store = SqlReflectionStore(database)
    author = PersonId("0b6f2c1e-5d3a-4f7e-9c2b-8a1d4e6f0a11")
    newest = await store.add(general(author), NOW)
    assert newest is not None
    async with database.engine.begin() as connection:
        await connection.execute(delete(reflections).where(reflections.c.id == newest.id))

    again = await store.add(general(author), NOW)

    assert again is not None
    assert again.id > newest.id


async def test_a_database_error_never_carries_what_was_written(database: Database) -> None:
    # An error's text reaches the log (bot.dispatcher logs what failed); SQLAlchemy would put the statement's
    # parameters, a reflection's words among them, into that text unless the engine hides them.
    secret = "words only the author should ever read"
    row = {
        "author_id": "0b6f2c1e-5d3a-4f7e-9c2b-8a1d4e6f0a11",
        "key": "general:abcdefgh",
        "learned": secret,
        "differently": "",
        "actions": "",
        "feeling": "furious",
        "notes": "",
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    with pytest.raises(IntegrityError) as caught:
        async with database.engine.begin() as connection:
            await connection.execute(insert(reflections).values(**row))
    assert secret not in str(caught.value)
    # Its cause, the driver's own error, can still quote the row (PostgreSQL's DETAIL); the log's filter withholds
    # that (tests/bot/test_reflection_logging.py).
    async with database.engine.connect() as connection:
        assert (await connection.execute(select(reflections.c.id))).all() == []
