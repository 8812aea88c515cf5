"""Migrations: an empty database reaches head, repeats are harmless, and the way back down works."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, inspect, text
from sqlalchemy.engine import Connection

from programme.coordinators import RosterEntry
from programme.identity import PersonId
from programme.match_weights import MatchWeights
from storage.cohort_store import SqlCohortStore
from storage.coordinator_roster import SqlCoordinatorRoster
from storage.database import Database
from storage.migrate import current_revision, downgrade, head_revision, upgrade
from storage.tables import cohorts, metadata
from tests.support.databases import DatabaseTarget

OUR_TABLES = {
    "contacts",
    "coordinators",
    "audit_log",
    "bot_state",
    "work_items",
    "cohorts",
    "applications",
    "participants",
    "pairs",
    "pair_exclusions",
    "contracts",
    "meetings",
    "prompts",
    "meeting_attendance",
    "reflections",
    "survey_rounds",
    "survey_links",
    "survey_responses",
}
PERSON = PersonId("0b6f2c1e-5d3a-4f7e-9c2b-8a1d4e6f0a11")


async def table_names(database: Database) -> set[str]:
    async with database.engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


def schema_differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_upgrade_from_empty_reaches_head(empty_database: DatabaseTarget) -> None:
    database = empty_database.open()
    try:
        assert await current_revision(database) is None
        assert not await table_names(database)

        await upgrade(database)

        assert await current_revision(database) == head_revision()
        assert await table_names(database) == OUR_TABLES | {"alembic_version"}
    finally:
        await database.close()


async def test_migrations_create_exactly_the_declared_tables(database: Database) -> None:
    async with database.engine.connect() as connection:
        differences = await connection.run_sync(schema_differences)
    assert differences == []


async def test_second_upgrade_changes_nothing(database: Database) -> None:
    roster = SqlCoordinatorRoster(database)
    await roster.add(RosterEntry(PERSON, None, datetime(2025, 1, 2, tzinfo=UTC)))

    await upgrade(database)

    assert await current_revision(database) == head_revision()
    assert await roster.contains(PERSON)


async def test_downgrade_to_base_and_up_again(database: Database) -> None:
    await downgrade(database)

    assert await current_revision(database) is None
    assert not (await table_names(database)) & OUR_TABLES

    await upgrade(database)

    assert await current_revision(database) == head_revision()
    roster = SqlCoordinatorRoster(database)
    assert await roster.add(RosterEntry(PERSON, None, datetime(2025, 1, 2, tzinfo=UTC)))


async def test_cohorts_planned_before_matching_existed_get_the_default_settings(database: Database) -> None:
    await downgrade(database, "0003_programme")
    at = datetime(2025, 1, 2, tzinfo=UTC)
    async with database.engine.begin() as connection:
        # Only the columns 0003 made: the matching settings do not exist yet.
        await connection.execute(
            cohorts.insert().values(
                id=1,
                name="Made before matching",
                track="race-equality",
                mentee_level="board",
                signup_closes=date(2025, 2, 1),
                starts_on=date(2025, 3, 1),
                ends_on=date(2025, 9, 1),
                sessions=6,
                cadence="monthly",
                session_minutes=60,
                training_dates=[],
                mentor_capacity=1,
                state="recruiting",
                created_by=PERSON.value,
                created_at=at,
                updated_at=at,
            )
        )

    await upgrade(database)

    cohort = await SqlCohortStore(database).get(1)
    assert cohort is not None
    assert cohort.plan.separate_directorates is True
    assert cohort.plan.weights == MatchWeights()


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
async def test_replicas_migrating_at_once_do_not_collide(empty_database: DatabaseTarget) -> None:
    # Several replicas booting together each run upgrade(); without the advisory lock the losers fail on
    # "relation already exists". SQLite is single-process, so it is not asked to cope with this.
    replicas = [empty_database.open() for _ in range(3)]
    try:
        await asyncio.gather(*(upgrade(replica) for replica in replicas))
        for replica in replicas:
            assert await current_revision(replica) == head_revision()
    finally:
        for replica in replicas:
            await replica.close()


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
async def test_postgresql_tables_land_in_the_test_schema(database: Database) -> None:
    # Guards the test harness itself: if search_path were ignored, tests would share (and pollute) "public".
    async with database.engine.connect() as connection:
        schema = (await connection.execute(text("SELECT current_schema()"))).scalar_one()
        homes = await connection.execute(
            text(
                "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.oid IN ('alembic_version'::regclass, 'contacts'::regclass)"
            )
        )
        schemas = set(homes.scalars())
    assert schema.startswith("t_")
    assert schemas == {schema}


def check_constraints(connection: Connection) -> dict[str, set[str]]:
    inspector = inspect(connection)
    return {
        table: {str(check["name"]) for check in inspector.get_check_constraints(table)}
        for table in inspector.get_table_names()
        if table != "alembic_version"
    }


async def test_migrations_create_the_declared_check_constraints(database: Database) -> None:
    # compare_metadata does not look at CHECK constraints, and they guard the states and the erasure rule.
    async with database.engine.connect() as connection:
        created = await connection.run_sync(check_constraints)
    declared = {
        table.name: {str(c.name) for c in table.constraints if isinstance(c, CheckConstraint)}
        for table in metadata.sorted_tables
    }
    assert created == declared
