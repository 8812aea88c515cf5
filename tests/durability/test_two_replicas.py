"""Two replicas of the service sweeping one PostgreSQL database: every message is delivered exactly once.

Each replica has its own engine (its own connection pool), its own sweeper and its own lease owner, exactly as two
processes would; they sweep at the same time while deliveries take a little while and some fail transiently.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from programme.deliveries import MESSAGE, message_handler, schedule_message
from programme.identity import PersonId, TenantId
from programme.notifier import DeliveryFailed, OutboundMessage, PersonRecipient, Recipient
from programme.sweeper import Sweeper, SweepPolicy
from programme.work import WorkState
from programme.working_hours import WorkingHours
from storage.contact_book import SqlContactBook
from storage.database import Database
from storage.migrate import upgrade
from storage.work_queue import SqlWorkQueue
from tests.support.databases import database_target
from tests.support.fakes import DEFAULT_NOW, FakeClock

pytestmark = pytest.mark.postgres

TENANT = TenantId("8a5d7f3c-1b2e-4c6d-9e0f-a1b2c3d4e5f6")
PEOPLE = 300


class SlowFlakyTeams:
    """Stands in for Teams: each send takes a moment; about one in ten fails transiently the first time."""

    def __init__(self, seed: int) -> None:
        self.delivered: Counter[PersonId] = Counter()
        self._random = random.Random(seed)
        self._failed_once: set[PersonId] = set()

    async def send(self, recipient: Recipient, message: OutboundMessage) -> None:
        assert isinstance(recipient, PersonRecipient)
        await asyncio.sleep(self._random.uniform(0, 0.003))
        if recipient.person not in self._failed_once and self._random.random() < 0.1:
            self._failed_once.add(recipient.person)
            raise DeliveryFailed("service unavailable", permanent=False, retry_after=timedelta(seconds=1))
        self.delivered[recipient.person] += 1


@pytest.fixture
async def two_replicas(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    async with database_target("postgresql", tmp_path) as target:
        first, second = target.open(), target.open()
        try:
            await upgrade(first)
            yield first, second
        finally:
            await first.close()
            await second.close()


async def test_two_sweepers_on_one_database_deliver_every_item_once(two_replicas: tuple[Database, Database]) -> None:
    clock = FakeClock(DEFAULT_NOW)  # Monday 09:00 in London: inside working hours
    teams = SlowFlakyTeams(seed=7)
    people = [PersonId(f"a0000000-0000-4000-8000-{n:012d}") for n in range(PEOPLE)]
    queue = SqlWorkQueue(two_replicas[0])
    for person in people:
        await schedule_message(
            queue,
            key=f"welcome:{person}",
            tenant=TENANT,
            person=person,
            message=OutboundMessage(summary="welcome", text="Welcome to the programme"),
            due_at=clock.now(),
            now=clock.now(),
        )

    def replica(database: Database, owner: str) -> Sweeper:
        return Sweeper(
            queue=SqlWorkQueue(database),
            handlers={MESSAGE: message_handler(teams)},
            contacts=SqlContactBook(database),
            clock=clock,
            working_hours=WorkingHours(ZoneInfo("Europe/London")),
            owner=owner,
            policy=SweepPolicy(batch_size=10, concurrency=4),
            jitter=lambda: 0.0,
        )

    sweepers = [replica(two_replicas[0], "replica-a"), replica(two_replicas[1], "replica-b")]
    for _round in range(10):
        reports = await asyncio.gather(*(s.sweep_until_idle() for s in sweepers))
        if all(r.claimed == 0 for r in reports) and (await queue.counts())[WorkState.PENDING] == 0:
            break
        clock.advance(timedelta(seconds=2))  # let transient failures come due again

    assert sorted(teams.delivered) == sorted(people)
    assert {p: n for p, n in teams.delivered.items() if n != 1} == {}
    counts = await queue.counts()
    assert counts[WorkState.DONE] == PEOPLE
    assert counts[WorkState.PENDING] == counts[WorkState.LEASED] == counts[WorkState.DEAD] == 0
    # Both replicas really worked, or this would prove nothing.
    done = await queue.listing(frozenset({WorkState.DONE}), PEOPLE)
    assert {item.lease_owner for item in done} == {"replica-a", "replica-b"}
