"""The pair store's contract, held by the SQL store on both backends and by the in-memory fake."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from programme.applications import Application, ApplicationStore
from programme.cohorts import Cohort, CohortStore
from programme.errors import Conflict
from programme.identity import PersonId
from programme.pairs import NewPair, Pair, PairState, PairStore
from storage.application_store import SqlApplicationStore
from storage.cohort_store import SqlCohortStore
from storage.pair_store import SqlPairStore
from storage.personal_data_holders import PairsHolder
from tests.programme.builders import (
    COORDINATOR,
    cohort_plan,
    mentee_profile,
    mentor_profile,
    person,
    stored_application,
)
from tests.support.databases import migrated_database
from tests.support.programme_fakes import InMemoryApplicationStore, InMemoryCohortStore, InMemoryPairStore

# Microseconds and a non-midnight time, so truncation or a time-zone shift would show.
NOW = datetime(2026, 1, 12, 10, 41, 7, 208413, tzinfo=UTC)
LATER = NOW + timedelta(hours=3, microseconds=17)

Eraser = Callable[[PersonId, datetime], Awaitable[int]]


@dataclass(frozen=True)
class Stores:
    cohorts: CohortStore
    applications: ApplicationStore
    pairs: PairStore
    erase: Eraser


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    if request.param == "memory":
        pairs = InMemoryPairStore()
        yield Stores(InMemoryCohortStore(), InMemoryApplicationStore(), pairs, pairs.erase)
        return
    async with migrated_database(request.param, tmp_path) as database:
        yield Stores(
            SqlCohortStore(database), SqlApplicationStore(database), SqlPairStore(database), PairsHolder(database).erase
        )


@dataclass(frozen=True)
class Cast:
    """One cohort with three mentors and three mentees signed up."""

    cohort: Cohort
    mentors: tuple[Application, ...]
    mentees: tuple[Application, ...]


async def cast(stores: Stores, name: str = "Board reverse mentoring", first: int = 1) -> Cast:
    cohort = await stores.cohorts.add(cohort_plan(NOW.date(), name=name), COORDINATOR, NOW)
    mentors = [
        await stored_application(stores.applications, cohort, person(first + n), at=NOW, profile=mentor_profile())
        for n in range(3)
    ]
    mentees = [
        await stored_application(stores.applications, cohort, person(first + 10 + n), at=NOW, profile=mentee_profile())
        for n in range(3)
    ]
    return Cast(cohort, tuple(mentors), tuple(mentees))


def new_pair(mentor: Application, mentee: Application, points: int = 7, **changes: Any) -> NewPair:
    pair = NewPair(
        cohort_id=mentor.cohort_id,
        mentor_application=mentor.id,
        mentee_application=mentee.id,
        mentor=mentor.person,
        mentee=mentee.person,
        points=points,
        reasons=("Both care about belonging.", "Both free on Tuesday mornings."),
    )
    return replace(pair, **changes)


def ids(pairs: Sequence[Pair]) -> list[int]:
    return [pair.id for pair in pairs]


PROPOSED = frozenset({PairState.PROPOSED})
PUBLISHED = frozenset({PairState.PUBLISHED})


# Adding and reading -------------------------------------------------------------------------------------------------


async def test_an_added_pair_is_a_proposal_that_keeps_everything_it_was_given(stores: Stores) -> None:
    c = await cast(stores)
    wanted = new_pair(
        c.mentors[0],
        c.mentees[1],
        points=-2,
        # Not in any sorted order, and not ASCII: the store keeps what it was given.
        reasons=("Zoë and Ngữ both work at St Hild's.", "A shared topic: speaking up."),
        locked=True,
        by_hand=True,
        override="Both asked for each other; the directorate rule is waived.",
    )

    pair = await stores.pairs.add(wanted, NOW)

    assert (pair.cohort_id, pair.mentor_application, pair.mentee_application) == (
        c.cohort.id,
        c.mentors[0].id,
        c.mentees[1].id,
    )
    assert (pair.mentor, pair.mentee, pair.points, pair.reasons) == (
        wanted.mentor,
        wanted.mentee,
        -2,
        wanted.reasons,
    )
    assert (pair.locked, pair.by_hand, pair.override) == (True, True, wanted.override)
    assert (pair.state, pair.created_at, pair.published_at, pair.chat_id) == (PairState.PROPOSED, NOW, None, None)
    assert await stores.pairs.get(pair.id) == pair


async def test_a_pair_without_reasons_or_override_round_trips(stores: Stores) -> None:
    c = await cast(stores)

    pair = await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0], reasons=()), NOW)

    assert await stores.pairs.get(pair.id) == pair
    assert (pair.reasons, pair.locked, pair.by_hand, pair.override) == ((), False, False, None)


async def test_nothing_is_found_where_nothing_was_stored(stores: Stores) -> None:
    c = await cast(stores)

    assert await stores.pairs.get(404) is None
    assert await stores.pairs.for_cohort(c.cohort.id) == []
    assert await stores.pairs.for_person(c.mentors[0].person) == []
    assert await stores.pairs.history([c.mentors[0].person]) == []
    assert await stores.pairs.unpaired(c.cohort.id) == frozenset()
    assert await stores.pairs.publish(c.cohort.id, NOW) == []


async def test_a_cohorts_pairs_are_in_the_order_they_were_made_and_filter_by_state(stores: Stores) -> None:
    c = await cast(stores)
    other = await cast(stores, "Another cohort", first=100)
    first = await stores.pairs.add(new_pair(c.mentors[2], c.mentees[2]), NOW)
    await stores.pairs.add(new_pair(other.mentors[0], other.mentees[0]), NOW)
    (published,) = await stores.pairs.publish(c.cohort.id, NOW)
    second = await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0]), NOW)

    assert ids(await stores.pairs.for_cohort(c.cohort.id)) == [first.id, second.id]
    assert await stores.pairs.for_cohort(c.cohort.id, PROPOSED) == [second]
    assert await stores.pairs.for_cohort(c.cohort.id, PUBLISHED) == [published]
    assert await stores.pairs.for_cohort(c.cohort.id, frozenset()) == []


async def test_a_mentee_is_in_one_pair_per_cohort_but_a_mentor_may_be_in_more(stores: Stores) -> None:
    c = await cast(stores)
    other = await cast(stores, "Another cohort", first=100)
    first = await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0]), NOW)

    with pytest.raises(Conflict):
        await stores.pairs.add(new_pair(c.mentors[1], c.mentees[0]), NOW)
    second = await stores.pairs.add(new_pair(c.mentors[0], c.mentees[1]), NOW)

    assert await stores.pairs.for_cohort(c.cohort.id) == [first, second]
    # Another cohort's mentee is another application, so it is no clash.
    assert await stores.pairs.add(new_pair(other.mentors[0], other.mentees[0]), NOW)


# Proposals ----------------------------------------------------------------------------------------------------------


async def test_replacing_proposals_keeps_locked_proposals_and_published_pairs(stores: Stores) -> None:
    c = await cast(stores)
    other = await cast(stores, "Another cohort", first=100)
    await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0]), NOW)
    (published,) = await stores.pairs.publish(c.cohort.id, NOW)
    locked = await stores.pairs.add(new_pair(c.mentors[1], c.mentees[1], locked=True), NOW)
    await stores.pairs.add(new_pair(c.mentors[2], c.mentees[2]), NOW)
    elsewhere = await stores.pairs.add(new_pair(other.mentors[0], other.mentees[0]), NOW)

    # The solver's new suggestion for the one mentee who was not kept.
    (new,) = await stores.pairs.replace_proposals(c.cohort.id, [new_pair(c.mentors[1], c.mentees[2], points=9)], LATER)

    assert (new.mentor_application, new.mentee_application, new.points) == (c.mentors[1].id, c.mentees[2].id, 9)
    assert (new.state, new.created_at) == (PairState.PROPOSED, LATER)
    assert await stores.pairs.for_cohort(c.cohort.id) == [published, locked, new]
    assert await stores.pairs.for_cohort(other.cohort.id) == [elsewhere]


async def test_replacing_proposals_is_all_or_nothing(stores: Stores) -> None:
    c = await cast(stores)
    locked = await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0], locked=True), NOW)
    unlocked = await stores.pairs.add(new_pair(c.mentors[1], c.mentees[1]), NOW)
    # Read before someone locked the first pair: the last proposal clashes with it.
    stale = [new_pair(c.mentors[2], c.mentees[1]), new_pair(c.mentors[1], c.mentees[0])]

    twice = [new_pair(c.mentors[2], c.mentees[2]), new_pair(c.mentors[1], c.mentees[2])]

    with pytest.raises(Conflict):
        await stores.pairs.replace_proposals(c.cohort.id, stale, LATER)
    with pytest.raises(Conflict):
        await stores.pairs.replace_proposals(c.cohort.id, twice, LATER)

    assert await stores.pairs.for_cohort(c.cohort.id) == [locked, unlocked]


async def test_replacing_with_nothing_clears_the_unlocked_proposals(stores: Stores) -> None:
    c = await cast(stores)
    locked = await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0], locked=True), NOW)
    await stores.pairs.add(new_pair(c.mentors[1], c.mentees[1]), NOW)

    assert await stores.pairs.replace_proposals(c.cohort.id, [], LATER) == []

    assert await stores.pairs.for_cohort(c.cohort.id) == [locked]


async def test_proposals_for_another_cohort_are_refused(stores: Stores) -> None:
    c = await cast(stores)
    other = await cast(stores, "Another cohort", first=100)
    kept = await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0]), NOW)

    with pytest.raises(ValueError, match="cohort"):
        await stores.pairs.replace_proposals(c.cohort.id, [new_pair(other.mentors[0], other.mentees[0])], LATER)

    assert await stores.pairs.for_cohort(c.cohort.id) == [kept]
    assert await stores.pairs.for_cohort(other.cohort.id) == []


async def test_two_replacements_at_once_leave_one_whole_set(stores: Stores) -> None:
    c = await cast(stores)
    one = [new_pair(c.mentors[0], c.mentees[0]), new_pair(c.mentors[1], c.mentees[1])]
    two = [new_pair(c.mentors[1], c.mentees[0]), new_pair(c.mentors[0], c.mentees[1])]

    results = await asyncio.gather(
        stores.pairs.replace_proposals(c.cohort.id, one, NOW),
        stores.pairs.replace_proposals(c.cohort.id, two, LATER),
        return_exceptions=True,
    )

    left = await stores.pairs.for_cohort(c.cohort.id)
    assert any(isinstance(result, list) and result == left for result in results), results
    assert all(isinstance(result, list | Conflict) for result in results), results


async def test_only_a_proposal_can_be_removed(stores: Stores) -> None:
    c = await cast(stores)
    first = await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0]), NOW)
    (published,) = await stores.pairs.publish(c.cohort.id, NOW)
    proposal = await stores.pairs.add(new_pair(c.mentors[1], c.mentees[1], locked=True), NOW)

    assert await stores.pairs.remove_proposal(first.id) is False
    assert await stores.pairs.remove_proposal(proposal.id) is True
    assert await stores.pairs.remove_proposal(proposal.id) is False
    assert await stores.pairs.remove_proposal(404) is False

    assert await stores.pairs.for_cohort(c.cohort.id) == [published]
    # The mentee is free again.
    assert await stores.pairs.add(new_pair(c.mentors[2], c.mentees[1]), NOW)


async def test_a_removed_pairs_id_is_never_given_to_another(stores: Stores) -> None:
    # A button on an older review card names a pair by id: that id must never come to mean a different pair.
    c = await cast(stores)
    removed = await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0]), NOW)
    assert await stores.pairs.remove_proposal(removed.id)
    (replaced,) = await stores.pairs.replace_proposals(c.cohort.id, [new_pair(c.mentors[1], c.mentees[1])], NOW)
    assert replaced.id != removed.id
    assert await stores.pairs.replace_proposals(c.cohort.id, [new_pair(c.mentors[1], c.mentees[1])], NOW)
    again = await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0]), NOW)
    assert again.id not in {removed.id, replaced.id}


async def test_only_a_proposal_can_be_locked_or_unlocked(stores: Stores) -> None:
    c = await cast(stores)
    first = await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0]), NOW)
    await stores.pairs.publish(c.cohort.id, NOW)
    proposal = await stores.pairs.add(new_pair(c.mentors[1], c.mentees[1]), NOW)

    locked = await stores.pairs.set_locked(proposal.id, True)
    assert locked == replace(proposal, locked=True)
    assert await stores.pairs.get(proposal.id) == locked
    assert await stores.pairs.set_locked(proposal.id, False) == proposal
    assert await stores.pairs.set_locked(first.id, True) is None
    assert await stores.pairs.set_locked(404, True) is None
    published = await stores.pairs.get(first.id)
    assert published is not None
    assert published.locked is False


async def test_publishing_sends_every_proposal_of_the_cohort_and_nothing_else(stores: Stores) -> None:
    c = await cast(stores)
    other = await cast(stores, "Another cohort", first=100)
    unlocked = await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0]), NOW)
    locked = await stores.pairs.add(new_pair(c.mentors[1], c.mentees[1], locked=True), NOW)
    elsewhere = await stores.pairs.add(new_pair(other.mentors[0], other.mentees[0]), NOW)

    published = await stores.pairs.publish(c.cohort.id, LATER)

    assert published == [
        replace(unlocked, state=PairState.PUBLISHED, published_at=LATER),
        replace(locked, state=PairState.PUBLISHED, published_at=LATER),
    ]
    assert await stores.pairs.for_cohort(c.cohort.id) == published
    assert await stores.pairs.get(elsewhere.id) == elsewhere
    assert await stores.pairs.publish(c.cohort.id, LATER + timedelta(days=1)) == []
    assert await stores.pairs.for_cohort(c.cohort.id) == published


# People and history -------------------------------------------------------------------------------------------------


async def test_a_persons_pairs_are_newest_first_whichever_side_they_are_on(stores: Stores) -> None:
    c = await cast(stores)
    # The same person as a mentee in one cohort and a mentor in the next.
    later = await stores.cohorts.add(cohort_plan(NOW.date(), name="The next cohort"), COORDINATOR, NOW)
    as_mentor = await stored_application(
        stores.applications, later, c.mentees[0].person, at=NOW, profile=mentor_profile()
    )
    newcomer = await stored_application(stores.applications, later, person(50), at=NOW, profile=mentee_profile())
    someone_else = await stores.pairs.add(new_pair(c.mentors[1], c.mentees[1]), NOW)
    first = await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0]), NOW)
    await stores.pairs.publish(c.cohort.id, NOW)
    second = await stores.pairs.add(new_pair(as_mentor, newcomer), NOW)

    mine = await stores.pairs.for_person(c.mentees[0].person)

    assert ids(mine) == [second.id, first.id]
    assert ids(await stores.pairs.for_person(c.mentees[0].person, PROPOSED)) == [second.id]
    assert ids(await stores.pairs.for_person(c.mentees[0].person, PUBLISHED)) == [first.id]
    assert someone_else.id not in ids(mine)


async def test_history_is_the_published_pairs_of_anyone_named_from_any_cohort(stores: Stores) -> None:
    c = await cast(stores)
    other = await cast(stores, "Another cohort", first=100)
    amara_ben = await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0]), NOW)
    chidi_dev = await stores.pairs.add(new_pair(c.mentors[1], c.mentees[1]), NOW)
    await stores.pairs.publish(c.cohort.id, NOW)
    proposal = await stores.pairs.add(new_pair(c.mentors[2], c.mentees[2]), NOW)
    elsewhere = await stores.pairs.add(new_pair(other.mentors[0], other.mentees[0]), NOW)
    (elsewhere,) = await stores.pairs.publish(other.cohort.id, NOW)

    history = await stores.pairs.history([c.mentees[0].person, other.mentors[0].person, c.mentors[2].person])

    assert ids(history) == [amara_ben.id, elsewhere.id]
    assert proposal.id not in ids(history)
    assert chidi_dev.id not in ids(history)
    assert await stores.pairs.history([]) == []


# Taken apart, and chats ---------------------------------------------------------------------------------------------


async def test_pairs_taken_apart_are_remembered_per_cohort_once(stores: Stores) -> None:
    c = await cast(stores)
    other = await cast(stores, "Another cohort", first=100)

    await stores.pairs.remember_unpaired(c.cohort.id, c.mentors[0].id, c.mentees[0].id)
    await stores.pairs.remember_unpaired(c.cohort.id, c.mentors[0].id, c.mentees[0].id)
    await stores.pairs.remember_unpaired(c.cohort.id, c.mentors[1].id, c.mentees[0].id)
    await stores.pairs.remember_unpaired(other.cohort.id, other.mentors[0].id, other.mentees[0].id)

    assert await stores.pairs.unpaired(c.cohort.id) == {
        (c.mentors[0].id, c.mentees[0].id),
        (c.mentors[1].id, c.mentees[0].id),
    }
    assert await stores.pairs.unpaired(other.cohort.id) == {(other.mentors[0].id, other.mentees[0].id)}


async def test_a_pairs_group_chat_is_remembered(stores: Stores) -> None:
    c = await cast(stores)
    pair = await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0]), NOW)
    (published,) = await stores.pairs.publish(c.cohort.id, NOW)
    chat = "19:" + "a1b2c3d4" * 20 + "@thread.v2"

    await stores.pairs.set_chat(pair.id, chat)

    assert await stores.pairs.get(pair.id) == replace(published, chat_id=chat)
    assert [p.chat_id for p in await stores.pairs.for_person(c.mentees[0].person)] == [chat]


# Erasure ------------------------------------------------------------------------------------------------------------


async def test_an_erased_persons_pairs_are_gone_from_every_lookup(stores: Stores) -> None:
    c = await cast(stores)
    other = await cast(stores, "Another cohort", first=100)
    erased = c.mentees[0].person
    await stores.pairs.add(new_pair(c.mentors[0], c.mentees[0]), NOW)
    await stores.pairs.add(new_pair(c.mentors[0], c.mentees[1]), NOW)
    published, kept = await stores.pairs.publish(c.cohort.id, NOW)
    # The same person, proposed as a mentee in another cohort.
    again = await stored_application(stores.applications, other.cohort, erased, at=NOW, profile=mentee_profile())
    proposal = await stores.pairs.add(new_pair(other.mentors[0], again), NOW)

    assert await stores.erase(erased, LATER) == 2

    assert await stores.pairs.get(published.id) is None
    assert await stores.pairs.get(proposal.id) is None
    assert await stores.pairs.for_cohort(c.cohort.id) == [kept]
    assert await stores.pairs.for_cohort(other.cohort.id) == []
    assert await stores.pairs.for_person(erased) == []
    assert await stores.pairs.for_person(c.mentors[0].person) == [kept]
    assert await stores.pairs.history([erased, c.mentors[0].person]) == [kept]
    assert await stores.erase(erased, LATER) == 0
    # What stays of the published pair still holds its mentee's place in the cohort, where the proposal, never
    # sent to anyone, was deleted outright.
    with pytest.raises(Conflict):
        await stores.pairs.add(new_pair(c.mentors[1], c.mentees[0]), LATER)
    assert await stores.pairs.add(new_pair(other.mentors[1], again), LATER)
