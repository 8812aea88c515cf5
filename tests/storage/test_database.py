"""Opening databases and the UTC datetime column type every table relies on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import StatementError

from programme.coordinators import RosterEntry
from programme.identity import PersonId
from storage.coordinator_roster import SqlCoordinatorRoster
from storage.database import Database, open_database
from storage.migrate import current_revision, head_revision, upgrade
from storage.tables import UtcDateTime

PERSON = PersonId("7d3c1b2a-4e5f-4a6b-8c7d-9e0f1a2b3c4d")


async def test_sqlite_file_is_created_in_a_folder_that_does_not_exist_yet(tmp_path: Path) -> None:
    path = tmp_path / "not" / "there" / "yet" / "remedi.db"
    database = open_database(f"sqlite:///{path}")
    try:
        await upgrade(database)

        assert path.is_file()
        assert await current_revision(database) == head_revision()
    finally:
        await database.close()


async def test_a_reachable_database_says_so(database: Database) -> None:
    assert await database.is_reachable()


async def test_an_unreachable_database_says_so_instead_of_raising() -> None:
    # Port 1 is privileged and unused, so the connection is refused at once.
    database = open_database("postgresql://nobody@127.0.0.1:1/none")
    try:
        assert not await database.is_reachable()
    finally:
        await database.close()


async def test_naive_datetimes_are_refused_by_the_store(database: Database) -> None:
    roster = SqlCoordinatorRoster(database)

    with pytest.raises(StatementError, match="naive datetimes") as refused:
        await roster.add(RosterEntry(PERSON, added_by=None, added_at=datetime(2025, 1, 1, 12, 0)))

    assert isinstance(refused.value.orig, ValueError)
    assert not await roster.contains(PERSON)


def test_utc_date_time_converts_other_zones_to_utc() -> None:
    column = UtcDateTime()
    new_york = datetime(2025, 1, 1, 7, 0, tzinfo=timezone(timedelta(hours=-5)))

    stored = column.process_bind_param(new_york, sqlite.dialect())

    assert stored == datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert stored is not None
    assert stored.tzinfo is UTC


def test_utc_date_time_reads_naive_values_as_utc() -> None:
    # SQLite hands back what it stored (UTC) without a zone.
    read = UtcDateTime().process_result_value(datetime(2025, 1, 1, 12, 0), sqlite.dialect())

    assert read == datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert read is not None
    assert read.tzinfo is UTC
