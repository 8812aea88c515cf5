"""What only the SQL application and cohort stores can show: the schema's guards, time zones, concurrent writers,
and loud failure on damaged rows. The shared contract is in test_programme_stores.py."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from programme.applications import ApplicationState, Consent
from programme.profiles import Role
from storage.application_store import SqlApplicationStore
from storage.cohort_store import SqlCohortStore
from storage.database import Database
from storage.tables import applications, cohorts
from tests.storage.test_programme_stores import AMARA, COORDINATOR, NOW, new_application, plan

PARIS = timezone(timedelta(hours=1))


async def test_an_application_to_a_missing_cohort_is_an_error_not_a_duplicate(database: Database) -> None:
    with pytest.raises(IntegrityError):
        await SqlApplicationStore(database).add(new_application(404, AMARA), NOW)


async def test_concurrent_applications_by_one_person_store_one(database: Database) -> None:
    # A double click on "submit" sends two turns at once; exactly one application may come of it.
    cohort = await SqlCohortStore(database).add(plan(), COORDINATOR, NOW)
    store = SqlApplicationStore(database)

    outcomes = await asyncio.gather(*(store.add(new_application(cohort.id, AMARA), NOW) for _ in range(6)))

    assert sum(outcome is not None for outcome in outcomes) == 1
    assert len(await store.for_cohort(cohort.id)) == 1


async def test_concurrent_moves_from_one_version_let_exactly_one_win(database: Database) -> None:
    cohort = await SqlCohortStore(database).add(plan(), COORDINATOR, NOW)
    store = SqlApplicationStore(database)
    added = await store.add(new_application(cohort.id, AMARA), NOW)
    assert added is not None
    targets = [ApplicationState.APPROVED, ApplicationState.DECLINED, ApplicationState.WAITLISTED] * 2

    outcomes = await asyncio.gather(*(store.move(added.id, target, added.version, NOW) for target in targets))

    winners = [outcome for outcome in outcomes if outcome is not None]
    assert len(winners) == 1
    assert await store.get(added.id) == winners[0]


async def test_times_from_any_zone_come_back_as_the_same_instant_in_utc(database: Database) -> None:
    at_paris = datetime(2026, 1, 12, 11, 41, 7, 208413, tzinfo=PARIS)
    cohort = await SqlCohortStore(database).add(plan(), COORDINATOR, at_paris)
    application = replace(new_application(cohort.id, AMARA), consent=Consent(given_at=at_paris))

    added = await SqlApplicationStore(database).add(application, at_paris)

    assert added is not None
    for moment in (cohort.created_at, added.submitted_at, added.consent.given_at):
        assert moment == at_paris
        assert moment.tzinfo is not None
        assert moment.utcoffset() == timedelta(0)
        assert (moment.hour, moment.microsecond) == (10, 208413)


async def test_a_damaged_profile_fails_loudly(database: Database) -> None:
    cohort = await SqlCohortStore(database).add(plan(), COORDINATOR, NOW)
    store = SqlApplicationStore(database)
    added = await store.add(new_application(cohort.id, AMARA), NOW)
    assert added is not None
    async with database.engine.begin() as connection:
        await connection.execute(
            update(applications).where(applications.c.id == added.id).values(profile={"job_title": "Porter"})
        )

    with pytest.raises(ValueError, match="stored profile"):
        await store.get(added.id)


async def test_damaged_training_dates_fail_loudly(database: Database) -> None:
    store = SqlCohortStore(database)
    cohort = await store.add(plan(), COORDINATOR, NOW)
    async with database.engine.begin() as connection:
        await connection.execute(update(cohorts).where(cohorts.c.id == cohort.id).values(training_dates="2026-02-12"))

    with pytest.raises(ValueError, match="training dates"):
        await store.get(cohort.id)


async def test_the_schema_refuses_a_live_application_without_its_consent(database: Database) -> None:
    cohort = await SqlCohortStore(database).add(plan(), COORDINATOR, NOW)
    added = await SqlApplicationStore(database).add(new_application(cohort.id, AMARA), NOW)
    assert added is not None

    with pytest.raises(IntegrityError):
        async with database.engine.begin() as connection:
            await connection.execute(
                update(applications).where(applications.c.id == added.id).values(consent_given_at=None)
            )


async def test_the_schema_refuses_an_unknown_role_or_state(database: Database) -> None:
    cohort = await SqlCohortStore(database).add(plan(), COORDINATOR, NOW)
    added = await SqlApplicationStore(database).add(new_application(cohort.id, AMARA, Role.MENTEE), NOW)
    assert added is not None

    for values in ({"role": "sponsor"}, {"state": "pending"}):
        with pytest.raises(IntegrityError):
            async with database.engine.begin() as connection:
                await connection.execute(update(applications).where(applications.c.id == added.id).values(**values))
    with pytest.raises(IntegrityError):
        async with database.engine.begin() as connection:
            await connection.execute(update(cohorts).where(cohorts.c.id == cohort.id).values(state="archived"))
