"""Sweepers claiming at the same time: every item goes to exactly one of them and is done exactly once.

On PostgreSQL the sweepers sit on two engines, as two replicas of the service would; on SQLite (one process) they
are concurrent tasks on one engine.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from programme.identity import PersonId, TenantId
from programme.work import Lease, NewWork, WorkQueue, WorkState
from storage.database import Database
from storage.migrate import upgrade
from storage.work_queue import SqlWorkQueue
from tests.support.databases import DatabaseTarget

TENANT = TenantId("72f988bf-86f1-41af-91ab-2d7cd011db47")
NOW = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
LEASE = timedelta(minutes=5)
ITEMS = 200
SWEEPERS = 4
BATCH = 5


@pytest.fixture
async def replicas(empty_database: DatabaseTarget) -> AsyncIterator[list[Database]]:
    """Two engines on one PostgreSQL schema; on SQLite the single engine a single process would have."""
    opened = [empty_database.open() for _ in range(2 if empty_database.backend == "postgresql" else 1)]
    try:
        await upgrade(opened[0])
        yield opened
    finally:
        for database in opened:
            await database.close()


async def enqueue_due_work(queue: WorkQueue) -> None:
    for n in range(ITEMS):
        # Distinct due times, some equal, all due: the order matters, the clock does not.
        due = NOW - timedelta(seconds=n // 2)
        assert await queue.enqueue(NewWork("reminder", f"r:{n}", TENANT, PersonId(f"p-{n}"), due, {"n": n}), NOW)


async def test_concurrent_sweepers_share_the_work_without_overlap(replicas: list[Database]) -> None:
    queues = [SqlWorkQueue(database) for database in replicas]
    await enqueue_due_work(queues[0])
    claims: defaultdict[int, list[str]] = defaultdict(list)
    completions: defaultdict[int, list[str]] = defaultdict(list)

    async def sweep(owner: str, queue: WorkQueue) -> None:
        while batch := await queue.claim(NOW, owner, LEASE, BATCH):
            assert len(batch) <= BATCH
            for item in batch:
                claims[item.id].append(owner)
                assert (item.lease_owner, item.attempts) == (owner, 1)
                assert item.lease_until is not None
                if await queue.complete(Lease(item.id, owner, item.lease_until), NOW):
                    completions[item.id].append(owner)

    await asyncio.gather(*(sweep(f"sweeper-{n}", queues[n % len(queues)]) for n in range(SWEEPERS)))

    assert len(claims) == ITEMS
    assert {item: len(owners) for item, owners in claims.items() if len(owners) != 1} == {}
    assert completions == claims
    # Several sweepers really took part, or this would prove nothing about concurrency.
    assert len({owners[0] for owners in claims.values()}) > 1
    counts = await queues[-1].counts()
    assert (counts[WorkState.DONE], counts[WorkState.PENDING], counts[WorkState.LEASED]) == (ITEMS, 0, 0)


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
async def test_a_claim_skips_rows_another_replica_has_locked_instead_of_waiting(replicas: list[Database]) -> None:
    first, second = (SqlWorkQueue(database) for database in replicas)
    for n in range(3):
        await first.enqueue(NewWork("reminder", f"r:{n}", TENANT, None, NOW - timedelta(minutes=3 - n)), NOW)
    async with replicas[0].engine.connect() as connection, connection.begin():
        # Another replica in the middle of its claim holds the oldest item.
        await connection.execute(text("SELECT id FROM work_items WHERE idempotency_key = 'r:0' FOR UPDATE"))

        claimed = await asyncio.wait_for(second.claim(NOW, "sweeper-b", LEASE, 10), timeout=5)

    assert [item.idempotency_key for item in claimed] == ["r:1", "r:2"]
