"""The contract store's contract, held by the SQL store on both backends and by the in-memory fake."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from programme.applications import ApplicationStore
from programme.cohorts import CohortStore
from programme.contracts import Agreement, ContractStore
from programme.pairs import NewPair, Pair, PairStore
from storage.application_store import SqlApplicationStore
from storage.cohort_store import SqlCohortStore
from storage.contract_store import SqlContractStore
from storage.pair_store import SqlPairStore
from storage.personal_data_holders import ContractsHolder
from tests.programme.builders import (
    COORDINATOR,
    cohort_plan,
    mentee_profile,
    mentor_profile,
    person,
    stored_application,
)
from tests.support.databases import migrated_database
from tests.support.programme_fakes import (
    InMemoryApplicationStore,
    InMemoryCohortStore,
    InMemoryContractStore,
    InMemoryPairStore,
)

NOW = datetime(2026, 1, 12, 10, 41, 7, 208413, tzinfo=UTC)
LATER = NOW + timedelta(days=1, microseconds=3)
AGREEMENT = Agreement(
    # Not ASCII, and in no sorted order: the store keeps what it was given.
    goals=("Understand what stops nurses from overseas speaking up.", "Visit a night shift on Ward 7 — with Zoë."),
    how_we_work="Teams, every four weeks; what is said stays between us.",
)
EDITED = Agreement(goals=("Learn how rota decisions land on the ward.",))


@dataclass(frozen=True)
class Stores:
    contracts: ContractStore
    pair: Pair
    # What erasing one of the pair does to its agreement: the SQL holder, or the fake's own.
    erase_someone: Callable[[], Awaitable[object]]


async def published_pair(cohorts: CohortStore, applications: ApplicationStore, pairs: PairStore) -> Pair:
    cohort = await cohorts.add(cohort_plan(NOW.date()), COORDINATOR, NOW)
    mentor = await stored_application(applications, cohort, person(1), at=NOW, profile=mentor_profile())
    mentee = await stored_application(applications, cohort, person(2), at=NOW, profile=mentee_profile())
    await pairs.add(NewPair(cohort.id, mentor.id, mentee.id, mentor.person, mentee.person, 5, ()), NOW)
    (pair,) = await pairs.publish(cohort.id, NOW)
    return pair


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    if request.param == "memory":
        pair = await published_pair(InMemoryCohortStore(), InMemoryApplicationStore(), InMemoryPairStore())
        contracts = InMemoryContractStore()
        yield Stores(contracts, pair, lambda: contracts.forget(pair.id))
        return
    async with migrated_database(request.param, tmp_path) as database:
        pair = await published_pair(SqlCohortStore(database), SqlApplicationStore(database), SqlPairStore(database))
        yield Stores(SqlContractStore(database), pair, lambda: ContractsHolder(database).erase(pair.mentee, LATER))


async def test_a_pair_has_no_agreement_until_one_is_written(stores: Stores) -> None:
    assert await stores.contracts.get(stores.pair.id) is None
    assert await stores.contracts.get(404) is None


async def test_the_first_write_expects_version_zero_and_keeps_the_agreement_whole(stores: Stores) -> None:
    written = await stores.contracts.write(stores.pair.id, AGREEMENT, 0, NOW)

    assert written is not None
    assert (written.pair_id, written.agreement, written.version) == (stores.pair.id, AGREEMENT, 1)
    assert (written.mentor_confirmed_at, written.mentee_confirmed_at, written.confirmed) == (None, None, False)
    assert await stores.contracts.get(stores.pair.id) == written


async def test_an_agreement_without_ways_of_working_round_trips(stores: Stores) -> None:
    written = await stores.contracts.write(stores.pair.id, EDITED, 0, NOW)

    assert written is not None
    assert await stores.contracts.get(stores.pair.id) == written
    assert written.agreement == Agreement(goals=EDITED.goals, how_we_work="")


async def test_a_write_from_a_stale_read_changes_nothing(stores: Stores) -> None:
    first = await stores.contracts.write(stores.pair.id, AGREEMENT, 0, NOW)

    # The other person also started from an empty agreement.
    assert await stores.contracts.write(stores.pair.id, EDITED, 0, LATER) is None
    assert await stores.contracts.write(stores.pair.id, EDITED, 2, LATER) is None

    assert await stores.contracts.get(stores.pair.id) == first


async def test_two_first_drafts_at_once_let_exactly_one_through(stores: Stores) -> None:
    results = await asyncio.gather(
        stores.contracts.write(stores.pair.id, AGREEMENT, 0, NOW),
        stores.contracts.write(stores.pair.id, EDITED, 0, NOW),
    )

    (winner,) = [result for result in results if result is not None]
    assert await stores.contracts.get(stores.pair.id) == winner


async def test_each_person_confirms_the_version_they_saw(stores: Stores) -> None:
    written = await stores.contracts.write(stores.pair.id, AGREEMENT, 0, NOW)
    assert written is not None

    by_mentee = await stores.contracts.confirm(stores.pair.id, False, written.version, NOW)
    by_both = await stores.contracts.confirm(stores.pair.id, True, written.version, LATER)

    assert by_mentee == replace(written, mentee_confirmed_at=NOW)
    assert not by_mentee.confirmed
    assert by_both == replace(written, mentee_confirmed_at=NOW, mentor_confirmed_at=LATER)
    assert by_both.confirmed
    assert await stores.contracts.get(stores.pair.id) == by_both


async def test_confirming_again_keeps_the_first_confirmation(stores: Stores) -> None:
    written = await stores.contracts.write(stores.pair.id, AGREEMENT, 0, NOW)
    assert written is not None
    first = await stores.contracts.confirm(stores.pair.id, True, written.version, NOW)

    again = await stores.contracts.confirm(stores.pair.id, True, written.version, LATER)

    assert again == first
    assert again is not None
    assert again.mentor_confirmed_at == NOW


async def test_an_edit_bumps_the_version_and_needs_both_to_confirm_again(stores: Stores) -> None:
    written = await stores.contracts.write(stores.pair.id, AGREEMENT, 0, NOW)
    assert written is not None
    await stores.contracts.confirm(stores.pair.id, True, written.version, NOW)
    await stores.contracts.confirm(stores.pair.id, False, written.version, NOW)

    edited = await stores.contracts.write(stores.pair.id, EDITED, written.version, LATER)

    assert edited is not None
    assert (edited.agreement, edited.version) == (EDITED, written.version + 1)
    assert (edited.mentor_confirmed_at, edited.mentee_confirmed_at) == (None, None)
    # A confirmation from a card showing the old wording is refused.
    assert await stores.contracts.confirm(stores.pair.id, True, written.version, LATER) is None
    assert await stores.contracts.get(stores.pair.id) == edited
    assert await stores.contracts.confirm(stores.pair.id, True, edited.version, LATER) is not None


async def test_there_is_nothing_to_confirm_before_an_agreement_is_written(stores: Stores) -> None:
    assert await stores.contracts.confirm(stores.pair.id, True, 0, NOW) is None
    assert await stores.contracts.get(stores.pair.id) is None


async def test_once_someone_in_the_pair_is_erased_the_agreement_is_gone_and_stays_gone(stores: Stores) -> None:
    written = await stores.contracts.write(stores.pair.id, AGREEMENT, 0, NOW)
    assert written is not None
    confirmed = await stores.contracts.confirm(stores.pair.id, True, written.version, NOW)
    assert confirmed is not None

    await stores.erase_someone()

    left = await stores.contracts.get(stores.pair.id)
    assert left == replace(confirmed, agreement=None, version=confirmed.version + 1)
    # Neither a card read before the erasure nor one read after can bring the text back.
    for version in (written.version, left.version):
        assert await stores.contracts.write(stores.pair.id, AGREEMENT, version, LATER) is None
        assert await stores.contracts.confirm(stores.pair.id, False, version, LATER) is None
    assert await stores.contracts.get(stores.pair.id) == left
