"""The coordinator roster: a set of people, each with who added them and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from programme.coordinators import RosterEntry
from programme.identity import PersonId
from storage.coordinator_roster import SqlCoordinatorRoster
from storage.database import Database

ADA = PersonId("11111111-2222-4333-8444-555555555555")
BEN = PersonId("0aaaaaaa-2222-4333-8444-555555555555")
CHI = PersonId("fbbbbbbb-2222-4333-8444-555555555555")
ADDED_AT = datetime(2025, 4, 2, 10, 11, 12, 131415, tzinfo=UTC)


async def test_added_people_are_members(database: Database) -> None:
    roster = SqlCoordinatorRoster(database)

    assert await roster.add(RosterEntry(ADA, added_by=None, added_at=ADDED_AT)) is True
    assert await roster.add(RosterEntry(CHI, added_by=ADA, added_at=ADDED_AT + timedelta(hours=1))) is True
    assert await roster.add(RosterEntry(BEN, added_by=ADA, added_at=ADDED_AT + timedelta(hours=2))) is True

    assert await roster.contains(ADA)
    assert await roster.members() == [
        RosterEntry(BEN, added_by=ADA, added_at=ADDED_AT + timedelta(hours=2)),
        RosterEntry(ADA, added_by=None, added_at=ADDED_AT),
        RosterEntry(CHI, added_by=ADA, added_at=ADDED_AT + timedelta(hours=1)),
    ]


async def test_members_have_aware_utc_times(database: Database) -> None:
    roster = SqlCoordinatorRoster(database)
    await roster.add(RosterEntry(ADA, added_by=None, added_at=ADDED_AT))

    (member,) = await roster.members()

    assert member.added_at.utcoffset() == timedelta(0)


async def test_adding_someone_twice_keeps_the_first_entry(database: Database) -> None:
    roster = SqlCoordinatorRoster(database)
    await roster.add(RosterEntry(BEN, added_by=ADA, added_at=ADDED_AT))

    assert await roster.add(RosterEntry(BEN, added_by=CHI, added_at=ADDED_AT + timedelta(days=1))) is False

    assert await roster.members() == [RosterEntry(BEN, added_by=ADA, added_at=ADDED_AT)]


async def test_removed_people_are_no_longer_members(database: Database) -> None:
    roster = SqlCoordinatorRoster(database)
    await roster.add(RosterEntry(ADA, added_by=None, added_at=ADDED_AT))
    await roster.add(RosterEntry(BEN, added_by=ADA, added_at=ADDED_AT))

    assert await roster.remove(BEN) is True

    assert not await roster.contains(BEN)
    assert [entry.person for entry in await roster.members()] == [ADA]


async def test_removing_someone_absent_reports_false(database: Database) -> None:
    roster = SqlCoordinatorRoster(database)
    await roster.add(RosterEntry(ADA, added_by=None, added_at=ADDED_AT))

    assert await roster.remove(BEN) is False
    assert await roster.contains(ADA)


async def test_empty_roster(database: Database) -> None:
    roster = SqlCoordinatorRoster(database)

    assert await roster.members() == []
    assert not await roster.contains(ADA)
