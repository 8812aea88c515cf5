"""The audit log: append-only, read back newest first, exactly as written."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from programme.audit import AuditEntry
from programme.identity import PersonId
from storage.audit_log import SqlAuditLog
from storage.database import Database

ACTOR = PersonId("5e0c7a2b-3d4f-4a1b-9c8d-7e6f5a4b3c2d")
START = datetime(2025, 5, 6, 7, 8, 9, 101112, tzinfo=UTC)


def entry(n: int) -> AuditEntry:
    return AuditEntry(
        at=START + timedelta(minutes=n),
        actor=ACTOR,
        action=f"action-{n}",
        outcome="done",
        target=f"cohort:{n}",
        detail={"n": n},
    )


async def test_recent_is_newest_first(database: Database) -> None:
    log = SqlAuditLog(database)
    for n in range(3):
        await log.record(entry(n))

    assert list(await log.recent(10)) == [entry(2), entry(1), entry(0)]


async def test_recent_is_ordered_by_recording_not_by_timestamp(database: Database) -> None:
    # Two replicas' clocks can disagree slightly; the log's order is the order entries reached it.
    log = SqlAuditLog(database)
    await log.record(entry(5))
    await log.record(entry(1))

    assert [e.action for e in await log.recent(10)] == ["action-1", "action-5"]


async def test_recent_honours_the_limit(database: Database) -> None:
    log = SqlAuditLog(database)
    for n in range(5):
        await log.record(entry(n))

    assert [e.action for e in await log.recent(2)] == ["action-4", "action-3"]


async def test_empty_log(database: Database) -> None:
    assert list(await SqlAuditLog(database).recent(10)) == []


async def test_detail_and_optional_fields_round_trip(database: Database) -> None:
    log = SqlAuditLog(database)
    written = replace(
        entry(0),
        target=None,
        detail={"cohort": "2025 spring", "pairs": 12, "published": True, "reason": None, "note": "ünïcødé"},
    )
    await log.record(written)

    (read,) = await log.recent(1)

    assert read == written
    assert dict(read.detail) == dict(written.detail)
    assert read.detail["published"] is True
    assert read.detail["reason"] is None


async def test_entries_come_back_with_aware_utc_times(database: Database) -> None:
    log = SqlAuditLog(database)
    await log.record(entry(0))

    (read,) = await log.recent(1)

    assert read.at == START
    assert read.at.utcoffset() == timedelta(0)
