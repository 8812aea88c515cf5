"""The cohort, application and participant stores' contract, held by the SQL stores on both backends and by the
in-memory fakes that use-case tests rely on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from programme.applications import Application, ApplicationState, ApplicationStore, Consent, NewApplication
from programme.cohorts import Cadence, CohortPlan, CohortState, CohortStore
from programme.identity import PersonId, TenantId
from programme.match_weights import MatchWeights
from programme.participants import ParticipantStore
from programme.profiles import Profile, Role, Topic
from programme.tracks import MenteeLevel, Track
from storage.application_store import SqlApplicationStore
from storage.cohort_store import SqlCohortStore
from storage.participant_store import SqlParticipantStore
from storage.personal_data_holders import ApplicationsHolder, ParticipationHolder
from tests.programme.builders import cohort_plan, mentor_profile
from tests.support.databases import migrated_database
from tests.support.programme_fakes import InMemoryApplicationStore, InMemoryCohortStore, InMemoryParticipantStore

TENANT = TenantId("72f988bf-86f1-41af-91ab-2d7cd011db47")
COORDINATOR = PersonId("5e0c8a3b-2f7d-4c1a-9b6e-0d4f8a2c7e13")
AMARA = PersonId("8d3e1f6a-0b2c-4e9d-a7f5-3c1b9e2d4a60")
BEN = PersonId("1c7a9e4f-6d2b-4f3e-8a0c-5b9d7e1f2a48")
CHIDI = PersonId("a4f2c8e1-9b3d-4a7e-b6c0-2e8f1d5a9c37")
# Microseconds and a non-midnight time, so truncation or a time-zone shift would show.
NOW = datetime(2026, 1, 12, 10, 41, 7, 208413, tzinfo=UTC)
TODAY = NOW.date()

Eraser = Callable[[PersonId, datetime], Awaitable[int]]


@dataclass(frozen=True)
class Stores:
    cohorts: CohortStore
    applications: ApplicationStore
    participants: ParticipantStore
    # What "delete my data" does to each store: the SQL holders, or the fakes' own erase.
    erase_applications: Eraser
    erase_participant: Eraser


@pytest.fixture(
    params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    if request.param == "memory":
        applications = InMemoryApplicationStore()
        participants = InMemoryParticipantStore()
        yield Stores(InMemoryCohortStore(), applications, participants, applications.erase, participants.erase)
        return
    async with migrated_database(request.param, tmp_path) as database:
        yield Stores(
            SqlCohortStore(database),
            SqlApplicationStore(database),
            SqlParticipantStore(database),
            ApplicationsHolder(database).erase,
            ParticipationHolder(database).erase,
        )


def plan(name: str = "Board reverse mentoring, spring", **changes: Any) -> CohortPlan:
    # Every field away from CohortPlan's defaults, so a store that dropped one and fell back on them would show.
    base = cohort_plan(
        TODAY,
        name=name,
        track=Track.DISABILITY,
        mentee_level=MenteeLevel.SENIOR_LEADERS,
        sessions=4,
        cadence=Cadence.SIX_WEEKLY,
        session_minutes=45,
        training_dates=(TODAY + timedelta(days=20), TODAY + timedelta(days=27)),
        mentor_capacity=2,
        separate_directorates=False,
        weights=MatchWeights(topics=5, availability=0, place=2),
    )
    return replace(base, **changes)


def profile(role: Role = Role.MENTOR, **changes: Any) -> Profile:
    base = mentor_profile(
        role=role,
        # Not in declaration order: the store must keep the order given.
        topics=(Topic.SPEAKING_UP, Topic.BELONGING, Topic.INTERNATIONAL_STAFF),
        experience_note="Ten years on nights; happy to talk about being overlooked for training.",
        bio="Zoë, HCA in ED. Ngữ is my family name.",
    )
    return replace(base, **changes)


def new_application(cohort_id: int, person: PersonId, role: Role = Role.MENTOR, name: str = "Amara") -> NewApplication:
    return NewApplication(
        cohort_id=cohort_id,
        tenant=TENANT,
        person=person,
        display_name=name,
        profile=profile(role),
        consent=Consent(given_at=NOW - timedelta(minutes=3), privacy_notice="2026-11", ground_rules="2026-10"),
    )


async def add_application(
    stores: Stores, cohort_id: int, person: PersonId, role: Role = Role.MENTOR, at: datetime = NOW
) -> Application:
    added = await stores.applications.add(new_application(cohort_id, person, role), at)
    assert added is not None
    return added


# Cohorts ----------------------------------------------------------------------------------------------------------


async def test_a_new_cohort_is_a_draft_that_keeps_its_whole_plan(stores: Stores) -> None:
    cohort = await stores.cohorts.add(plan(), COORDINATOR, NOW)

    assert cohort.plan == plan()
    assert cohort.state is CohortState.DRAFT
    assert (cohort.created_by, cohort.created_at, cohort.updated_at) == (COORDINATOR, NOW, NOW)
    assert await stores.cohorts.get(cohort.id) == cohort


async def test_a_cohort_without_training_dates_round_trips(stores: Stores) -> None:
    cohort = await stores.cohorts.add(plan(training_dates=()), COORDINATOR, NOW)

    fetched = await stores.cohorts.get(cohort.id)

    assert fetched is not None
    assert fetched.plan.training_dates == ()


async def test_a_cohort_with_the_default_matching_settings_round_trips(stores: Stores) -> None:
    cohort = await stores.cohorts.add(plan(separate_directorates=True, weights=MatchWeights()), COORDINATOR, NOW)

    fetched = await stores.cohorts.get(cohort.id)

    assert fetched is not None
    assert (fetched.plan.separate_directorates, fetched.plan.weights) == (True, MatchWeights())


async def test_an_unknown_cohort_is_not_found(stores: Stores) -> None:
    assert await stores.cohorts.get(404) is None


async def test_listing_is_newest_first_and_filters_by_state(stores: Stores) -> None:
    first = await stores.cohorts.add(plan("First cohort"), COORDINATOR, NOW)
    second = await stores.cohorts.add(plan("Second cohort"), COORDINATOR, NOW)
    third = await stores.cohorts.add(plan("Third cohort"), COORDINATOR, NOW)
    opened = await stores.cohorts.move(second.id, CohortState.DRAFT, CohortState.RECRUITING, NOW)
    assert opened is not None

    assert [c.id for c in await stores.cohorts.listing()] == [third.id, second.id, first.id]
    assert [c.id for c in await stores.cohorts.listing(frozenset({CohortState.DRAFT}))] == [third.id, first.id]
    assert await stores.cohorts.listing(frozenset({CohortState.RECRUITING})) == [opened]
    assert await stores.cohorts.listing(frozenset()) == []


async def test_move_is_compare_and_set(stores: Stores) -> None:
    cohort = await stores.cohorts.add(plan(), COORDINATOR, NOW)
    later = NOW + timedelta(hours=2)

    moved = await stores.cohorts.move(cohort.id, CohortState.DRAFT, CohortState.RECRUITING, later)
    stale = await stores.cohorts.move(cohort.id, CohortState.DRAFT, CohortState.RECRUITING, later)

    assert moved == replace(cohort, state=CohortState.RECRUITING, updated_at=later)
    assert stale is None
    assert await stores.cohorts.get(cohort.id) == moved
    assert await stores.cohorts.move(404, CohortState.DRAFT, CohortState.RECRUITING, later) is None


# Applications -----------------------------------------------------------------------------------------------------


async def test_a_new_application_is_submitted_at_version_one_with_everything_kept(stores: Stores) -> None:
    cohort = await stores.cohorts.add(plan(), COORDINATOR, NOW)
    application = new_application(cohort.id, AMARA, Role.MENTEE)

    added = await stores.applications.add(application, NOW)

    assert added is not None
    assert (added.cohort_id, added.tenant, added.person, added.display_name) == (cohort.id, TENANT, AMARA, "Amara")
    assert added.profile == profile(Role.MENTEE)
    assert added.consent == application.consent
    assert (added.state, added.version) == (ApplicationState.SUBMITTED, 1)
    assert (added.submitted_at, added.updated_at) == (NOW, NOW)
    assert await stores.applications.get(added.id) == added
    assert await stores.applications.find(cohort.id, AMARA) == added


async def test_applying_twice_to_one_cohort_is_refused_quietly(stores: Stores) -> None:
    cohort = await stores.cohorts.add(plan(), COORDINATOR, NOW)
    other = await stores.cohorts.add(plan("Another cohort"), COORDINATOR, NOW)
    first = await add_application(stores, cohort.id, AMARA)

    again = await stores.applications.add(new_application(cohort.id, AMARA, Role.MENTEE), NOW + timedelta(days=1))

    assert again is None
    assert await stores.applications.find(cohort.id, AMARA) == first
    assert await stores.applications.add(new_application(other.id, AMARA), NOW) is not None


async def test_unknown_applications_are_not_found(stores: Stores) -> None:
    cohort = await stores.cohorts.add(plan(), COORDINATOR, NOW)

    assert await stores.applications.get(404) is None
    assert await stores.applications.find(cohort.id, AMARA) is None
    assert await stores.applications.for_person(AMARA) == []
    assert await stores.applications.for_cohort(cohort.id) == []
    assert await stores.applications.counts(cohort.id) == {}


async def test_a_persons_applications_are_newest_first(stores: Stores) -> None:
    cohorts = [await stores.cohorts.add(plan(f"Cohort number {n}"), COORDINATOR, NOW) for n in range(3)]
    mine = [await add_application(stores, c.id, AMARA, at=NOW + timedelta(days=n)) for n, c in enumerate(cohorts)]
    await add_application(stores, cohorts[0].id, BEN)

    assert await stores.applications.for_person(AMARA) == list(reversed(mine))


async def test_a_cohorts_applications_are_in_the_order_people_applied(stores: Stores) -> None:
    cohort = await stores.cohorts.add(plan(), COORDINATOR, NOW)
    other = await stores.cohorts.add(plan("Another cohort"), COORDINATOR, NOW)
    amara = await add_application(stores, cohort.id, AMARA)
    await add_application(stores, other.id, AMARA)
    ben = await add_application(stores, cohort.id, BEN, Role.MENTEE)
    chidi = await add_application(stores, cohort.id, CHIDI)
    approved = await stores.applications.move(ben.id, ApplicationState.APPROVED, ben.version, NOW)
    assert approved is not None

    assert await stores.applications.for_cohort(cohort.id) == [amara, approved, chidi]
    submitted = frozenset({ApplicationState.SUBMITTED})
    assert await stores.applications.for_cohort(cohort.id, submitted) == [amara, chidi]
    assert await stores.applications.for_cohort(cohort.id, frozenset()) == []


async def test_update_profile_replaces_the_answers_and_bumps_the_version(stores: Stores) -> None:
    cohort = await stores.cohorts.add(plan(), COORDINATOR, NOW)
    added = await add_application(stores, cohort.id, AMARA)
    later = NOW + timedelta(hours=1)
    changed = profile(Role.MENTEE, topics=(Topic.ALLYSHIP,), experience_note="", bio="")

    updated = await stores.applications.update_profile(added.id, changed, added.version, later)

    assert updated == replace(added, profile=changed, updated_at=later, version=2)
    assert await stores.applications.get(added.id) == updated
    assert await stores.applications.counts(cohort.id) == {(Role.MENTEE, ApplicationState.SUBMITTED): 1}


async def test_update_profile_from_a_stale_read_changes_nothing(stores: Stores) -> None:
    cohort = await stores.cohorts.add(plan(), COORDINATOR, NOW)
    added = await add_application(stores, cohort.id, AMARA)
    moved = await stores.applications.move(added.id, ApplicationState.WAITLISTED, added.version, NOW)

    stale = await stores.applications.update_profile(added.id, profile(Role.MENTEE), added.version, NOW)

    assert stale is None
    assert await stores.applications.get(added.id) == moved
    assert await stores.applications.update_profile(404, profile(), 1, NOW) is None


async def test_move_is_compare_and_set_on_the_version(stores: Stores) -> None:
    cohort = await stores.cohorts.add(plan(), COORDINATOR, NOW)
    added = await add_application(stores, cohort.id, AMARA)
    later = NOW + timedelta(minutes=5)

    approved = await stores.applications.move(added.id, ApplicationState.APPROVED, added.version, later)
    # A second coordinator decided from the same card, read before the first decision.
    declined = await stores.applications.move(added.id, ApplicationState.DECLINED, added.version, later)

    assert approved == replace(added, state=ApplicationState.APPROVED, updated_at=later, version=2)
    assert declined is None
    assert await stores.applications.get(added.id) == approved
    assert await stores.applications.move(404, ApplicationState.APPROVED, 1, later) is None


async def test_counts_are_per_role_and_state(stores: Stores) -> None:
    cohort = await stores.cohorts.add(plan(), COORDINATOR, NOW)
    other = await stores.cohorts.add(plan("Another cohort"), COORDINATOR, NOW)
    await add_application(stores, cohort.id, AMARA, Role.MENTOR)
    ben = await add_application(stores, cohort.id, BEN, Role.MENTOR)
    await add_application(stores, cohort.id, CHIDI, Role.MENTEE)
    await add_application(stores, other.id, AMARA, Role.MENTEE)
    await stores.applications.move(ben.id, ApplicationState.APPROVED, ben.version, NOW)

    assert await stores.applications.counts(cohort.id) == {
        (Role.MENTOR, ApplicationState.SUBMITTED): 1,
        (Role.MENTOR, ApplicationState.APPROVED): 1,
        (Role.MENTEE, ApplicationState.SUBMITTED): 1,
    }


async def test_an_erased_application_is_gone_from_every_lookup_but_still_counted(stores: Stores) -> None:
    cohort = await stores.cohorts.add(plan(), COORDINATOR, NOW)
    amara = await add_application(stores, cohort.id, AMARA, Role.MENTEE)
    ben = await add_application(stores, cohort.id, BEN, Role.MENTEE)
    approved = await stores.applications.move(amara.id, ApplicationState.APPROVED, amara.version, NOW)
    assert approved is not None

    assert await stores.erase_applications(AMARA, NOW) == 1

    assert await stores.applications.get(amara.id) is None
    assert await stores.applications.find(cohort.id, AMARA) is None
    assert await stores.applications.for_person(AMARA) == []
    assert await stores.applications.for_cohort(cohort.id) == [ben]
    assert await stores.applications.counts(cohort.id) == {
        (Role.MENTEE, ApplicationState.WITHDRAWN): 1,
        (Role.MENTEE, ApplicationState.SUBMITTED): 1,
    }
    # A card read before the erasure cannot bring the row back to life.
    assert await stores.applications.move(amara.id, ApplicationState.WITHDRAWN, approved.version, NOW) is None
    assert await stores.applications.update_profile(amara.id, profile(), approved.version, NOW) is None
    assert await stores.erase_applications(AMARA, NOW) == 0


async def test_an_erased_person_may_apply_again_as_someone_new(stores: Stores) -> None:
    cohort = await stores.cohorts.add(plan(), COORDINATOR, NOW)
    await add_application(stores, cohort.id, AMARA, Role.MENTOR)
    await stores.erase_applications(AMARA, NOW)

    again = await stores.applications.add(new_application(cohort.id, AMARA, Role.MENTEE), NOW + timedelta(days=1))

    assert again is not None
    assert await stores.applications.for_person(AMARA) == [again]
    assert await stores.applications.counts(cohort.id) == {
        (Role.MENTOR, ApplicationState.WITHDRAWN): 1,
        (Role.MENTEE, ApplicationState.SUBMITTED): 1,
    }


# Participants -----------------------------------------------------------------------------------------------------


async def test_enrolling_creates_the_record_once_and_later_refreshes_only_the_name(stores: Stores) -> None:
    first = await stores.participants.enrol(TENANT, AMARA, "Amara", NOW)
    assert await stores.participants.set_pause(AMARA, date(2026, 2, 1), NOW)

    again = await stores.participants.enrol(TenantId("c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"), AMARA, "Amara O.", NOW)

    assert (first.tenant, first.person, first.display_name, first.joined_at) == (TENANT, AMARA, "Amara", NOW)
    assert first.paused_until is None
    assert again == replace(first, display_name="Amara O.", paused_until=date(2026, 2, 1))
    assert await stores.participants.get(AMARA) == again


async def test_enrolling_later_keeps_when_they_joined(stores: Stores) -> None:
    first = await stores.participants.enrol(TENANT, AMARA, "Amara", NOW)

    again = await stores.participants.enrol(TENANT, AMARA, "Amara", NOW + timedelta(days=40))

    assert again.joined_at == first.joined_at == NOW


async def test_pausing_and_resuming(stores: Stores) -> None:
    await stores.participants.enrol(TENANT, AMARA, "Amara", NOW)
    await stores.participants.enrol(TENANT, BEN, "Ben", NOW)

    assert await stores.participants.set_pause(AMARA, date(2026, 3, 31), NOW) is True
    paused = await stores.participants.get(AMARA)
    assert paused is not None
    assert paused.paused_until == date(2026, 3, 31)
    assert paused.paused_on(date(2026, 3, 31))
    ben = await stores.participants.get(BEN)
    assert ben is not None
    assert ben.paused_until is None

    assert await stores.participants.set_pause(AMARA, None, NOW) is True
    resumed = await stores.participants.get(AMARA)
    assert resumed is not None
    assert resumed.paused_until is None


async def test_someone_unknown_has_no_record_to_pause(stores: Stores) -> None:
    assert await stores.participants.get(AMARA) is None
    assert await stores.participants.set_pause(AMARA, date(2026, 3, 31), NOW) is False
    assert await stores.participants.get(AMARA) is None


async def test_an_erased_participant_is_forgotten(stores: Stores) -> None:
    await stores.participants.enrol(TENANT, AMARA, "Amara", NOW)
    await stores.participants.enrol(TENANT, BEN, "Ben", NOW)

    assert await stores.erase_participant(AMARA, NOW) == 1

    assert await stores.participants.get(AMARA) is None
    assert await stores.participants.get(BEN) is not None
    assert await stores.erase_participant(AMARA, NOW) == 0
