"""The work queue contract: idempotent enqueue, claims under leases, fenced settling, retries and reports.

Every contract test runs against the SQL store on SQLite and PostgreSQL and against the in-memory fake, so core
tests that use the fake (the sweeper's) say something about the real service.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from programme.identity import PersonId, TenantId
from programme.work import Lease, NewWork, WorkItem, WorkQueue, WorkState
from storage.database import Database
from storage.work_queue import SqlWorkQueue
from tests.support.databases import migrated_database
from tests.support.fakes import InMemoryWorkQueue

TENANT = TenantId("72f988bf-86f1-41af-91ab-2d7cd011db47")
PERSON = PersonId("29f4bc5e-1a7d-4b8e-9f3c-6d2a0e8b7c15")
# Microseconds on purpose: the fencing compares lease expiries exactly, so any rounding on the way would show.
NOW = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def queue(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[WorkQueue]:
    if request.param == "memory":
        yield InMemoryWorkQueue()
        return
    async with migrated_database(request.param, tmp_path) as database:
        yield SqlWorkQueue(database)


def work(key: str, due_at: datetime = NOW, **overrides: object) -> NewWork:
    fields: dict[str, object] = {
        "kind": "reminder",
        "idempotency_key": key,
        "tenant": TENANT,
        "recipient": PERSON,
        "due_at": due_at,
        "payload": {"meeting": key},
    }
    fields.update(overrides)
    return NewWork(**fields)  # type: ignore[arg-type]


def lease_of(item: WorkItem) -> Lease:
    assert item.lease_owner is not None
    assert item.lease_until is not None
    return Lease(item.id, item.lease_owner, item.lease_until)


async def only(queue: WorkQueue, key: str) -> WorkItem:
    matching = [item for item in await queue.listing(frozenset(WorkState), 1000) if item.idempotency_key == key]
    assert len(matching) == 1
    return matching[0]


async def claim_one(queue: WorkQueue, owner: str = "sweeper-a", now: datetime = NOW) -> WorkItem:
    claimed = await queue.claim(now, owner, LEASE, 1)
    assert len(claimed) == 1
    return claimed[0]


# Enqueue


async def test_enqueue_stores_the_work_as_pending(queue: WorkQueue) -> None:
    enqueued_at = NOW - timedelta(days=1)
    assert await queue.enqueue(work("r:1", payload={"meeting": 42}), enqueued_at) is True

    item = await only(queue, "r:1")

    assert (item.kind, item.tenant, item.recipient, item.due_at) == ("reminder", TENANT, PERSON, NOW)
    assert item.payload == {"meeting": 42}
    assert (item.state, item.attempts) == (WorkState.PENDING, 0)
    assert (item.created_at, item.updated_at) == (enqueued_at, enqueued_at)
    assert (item.lease_owner, item.lease_until, item.last_error) == (None, None, None)
    assert await queue.find(item.id) == item


async def test_work_for_no_particular_person_has_no_recipient(queue: WorkQueue) -> None:
    await queue.enqueue(work("digest:weekly", recipient=None), NOW)

    assert (await only(queue, "digest:weekly")).recipient is None


async def test_the_same_key_twice_is_refused_and_the_first_is_kept(queue: WorkQueue) -> None:
    assert await queue.enqueue(work("r:1", payload={"version": 1}), NOW) is True
    later = NOW + timedelta(hours=1)

    again = work("r:1", due_at=later, kind="survey", recipient=None, payload={"version": 2})
    assert await queue.enqueue(again, later) is False

    item = await only(queue, "r:1")
    assert (item.kind, item.recipient, item.due_at, item.payload) == ("reminder", PERSON, NOW, {"version": 1})
    assert item.updated_at == NOW


async def test_a_key_stays_used_after_its_work_is_done(queue: WorkQueue) -> None:
    await queue.enqueue(work("r:1"), NOW)
    assert await queue.complete(lease_of(await claim_one(queue)), NOW)

    assert await queue.enqueue(work("r:1", due_at=NOW + timedelta(days=1)), NOW) is False

    assert (await only(queue, "r:1")).state == WorkState.DONE
    assert await queue.claim(NOW + timedelta(days=2), "sweeper-a", LEASE, 10) == []


async def test_payload_survives_a_round_trip(queue: WorkQueue) -> None:
    payload = {
        "meeting": {"id": 42, "title": "Café ☕ with Zoë Ngữ — 第一次", "slots": [1.5, None, True]},
        "emoji": "🌈",
        "empty": {},
    }
    await queue.enqueue(work("r:1", payload=payload), NOW)

    assert (await only(queue, "r:1")).payload == payload
    assert (await claim_one(queue)).payload == payload


async def test_datetimes_come_back_in_utc(queue: WorkQueue) -> None:
    due_in_paris = datetime(2025, 6, 1, 14, 0, 0, 250000, tzinfo=timezone(timedelta(hours=2)))
    await queue.enqueue(work("r:1", due_at=due_in_paris), due_in_paris)

    item = await claim_one(queue, now=due_in_paris)

    for moment in (item.due_at, item.created_at, item.updated_at, item.lease_until):
        assert moment is not None
        assert moment.utcoffset() == timedelta(0)
    assert item.due_at == due_in_paris
    assert (item.due_at.hour, item.due_at.microsecond) == (12, 250000)


# Claims


async def test_claim_takes_only_due_work_oldest_first_up_to_the_limit(queue: WorkQueue) -> None:
    offsets = {"three-ago": -3, "one-ago": -1, "two-ago": -2, "now": 0, "soon": 1}
    for key, minutes in offsets.items():
        await queue.enqueue(work(key, due_at=NOW + timedelta(minutes=minutes)), NOW - timedelta(hours=1))

    first = await queue.claim(NOW, "sweeper-a", LEASE, 3)
    rest = await queue.claim(NOW, "sweeper-a", LEASE, 10)

    assert [item.idempotency_key for item in first] == ["three-ago", "two-ago", "one-ago"]
    assert [item.idempotency_key for item in rest] == ["now"]
    assert await queue.claim(NOW, "sweeper-a", LEASE, 10) == []
    assert (await only(queue, "soon")).state == WorkState.PENDING


async def test_equally_due_work_is_claimed_in_enqueue_order(queue: WorkQueue) -> None:
    for key in ("b", "c", "a"):
        await queue.enqueue(work(key), NOW)

    claimed = await queue.claim(NOW, "sweeper-a", LEASE, 10)

    assert [item.idempotency_key for item in claimed] == ["b", "c", "a"]


async def test_a_claim_leases_and_counts_the_attempt(queue: WorkQueue) -> None:
    await queue.enqueue(work("r:1"), NOW - timedelta(hours=1))

    item = await claim_one(queue, "sweeper-a")

    assert item.state == WorkState.LEASED
    assert (item.lease_owner, item.lease_until) == ("sweeper-a", NOW + LEASE)
    assert item.attempts == 1
    assert item.updated_at == NOW
    assert await queue.find(item.id) == item


async def test_a_claim_with_nothing_due_or_no_room_takes_nothing(queue: WorkQueue) -> None:
    await queue.enqueue(work("r:1", due_at=NOW + timedelta(seconds=1)), NOW)
    assert await queue.claim(NOW, "sweeper-a", LEASE, 10) == []

    await queue.enqueue(work("r:2"), NOW)
    assert await queue.claim(NOW, "sweeper-a", LEASE, 0) == []
    assert (await only(queue, "r:2")).state == WorkState.PENDING


async def test_an_unexpired_lease_is_not_claimed_again(queue: WorkQueue) -> None:
    await queue.enqueue(work("r:1"), NOW)
    await claim_one(queue, "sweeper-a")

    assert await queue.claim(NOW + LEASE - timedelta(microseconds=1), "sweeper-b", LEASE, 10) == []
    # Expiry is exclusive: at the very instant the lease ends it is still held.
    assert await queue.claim(NOW + LEASE, "sweeper-b", LEASE, 10) == []


async def test_an_expired_lease_is_claimed_by_the_next_sweeper(queue: WorkQueue) -> None:
    await queue.enqueue(work("r:1"), NOW)
    await claim_one(queue, "sweeper-a")
    later = NOW + LEASE + timedelta(seconds=1)

    item = await claim_one(queue, "sweeper-b", now=later)

    assert (item.lease_owner, item.lease_until, item.attempts) == ("sweeper-b", later + LEASE, 2)


async def test_expired_leases_and_due_work_are_claimed_together_by_due_time(queue: WorkQueue) -> None:
    await queue.enqueue(work("stalled", due_at=NOW - timedelta(minutes=10)), NOW)
    await claim_one(queue, "sweeper-a", now=NOW - timedelta(minutes=9))
    await queue.enqueue(work("fresh", due_at=NOW - timedelta(minutes=1)), NOW)
    await queue.enqueue(work("older", due_at=NOW - timedelta(minutes=20)), NOW)

    claimed = await queue.claim(NOW, "sweeper-b", LEASE, 10)

    assert [item.idempotency_key for item in claimed] == ["older", "stalled", "fresh"]


async def test_bad_claims_are_refused(queue: WorkQueue) -> None:
    with pytest.raises(ValueError, match="lease"):
        await queue.claim(NOW, "sweeper-a", timedelta(0), 1)
    with pytest.raises(ValueError, match="owner"):
        await queue.claim(NOW, "", LEASE, 1)
    with pytest.raises(ValueError, match="owner"):
        await queue.claim(NOW, "s" * 65, LEASE, 1)


# Settling under the lease


async def test_complete_with_the_lease_marks_done(queue: WorkQueue) -> None:
    await queue.enqueue(work("r:1"), NOW)
    item = await claim_one(queue)
    done_at = NOW + timedelta(seconds=3)

    assert await queue.complete(lease_of(item), done_at) is True

    done = await queue.find(item.id)
    assert done is not None
    assert (done.state, done.attempts, done.updated_at) == (WorkState.DONE, 1, done_at)
    # The finished item still says who finished it.
    assert (done.lease_owner, done.lease_until) == (item.lease_owner, item.lease_until)
    assert await queue.claim(NOW + timedelta(days=1), "sweeper-b", LEASE, 10) == []


async def test_an_item_is_completed_only_once(queue: WorkQueue) -> None:
    await queue.enqueue(work("r:1"), NOW)
    lease = lease_of(await claim_one(queue))

    assert await queue.complete(lease, NOW) is True
    assert await queue.complete(lease, NOW) is False
    assert await queue.settle(lease, WorkState.DEAD, NOW, "late") is False


async def test_postpone_puts_it_back_until_later_and_counts_the_attempt(queue: WorkQueue) -> None:
    await queue.enqueue(work("r:1"), NOW)
    item = await claim_one(queue)
    retry_at = NOW + timedelta(minutes=30)

    assert await queue.postpone(lease_of(item), retry_at, NOW, "429 Too Many Requests", count=True) is True

    pending = await queue.find(item.id)
    assert pending is not None
    assert (pending.state, pending.due_at, pending.attempts) == (WorkState.PENDING, retry_at, 1)
    assert (pending.lease_owner, pending.lease_until) == (None, None)
    assert pending.last_error == "429 Too Many Requests"
    assert await queue.claim(retry_at - timedelta(microseconds=1), "sweeper-a", LEASE, 10) == []
    assert (await claim_one(queue, now=retry_at)).attempts == 2


async def test_postpone_without_counting_gives_the_attempt_back(queue: WorkQueue) -> None:
    await queue.enqueue(work("r:1"), NOW)
    first = await claim_one(queue)
    assert await queue.postpone(lease_of(first), NOW + timedelta(hours=1), NOW, "failed", count=True)
    second = await claim_one(queue, now=NOW + timedelta(hours=1))
    assert second.attempts == 2

    # Outside the recipient's working hours: no failure, so no attempt used, and the earlier error stays.
    assert await queue.postpone(lease_of(second), NOW + timedelta(hours=9), NOW, None, count=False) is True

    item = await queue.find(first.id)
    assert item is not None
    assert (item.state, item.attempts, item.last_error) == (WorkState.PENDING, 1, "failed")


@pytest.mark.parametrize("state", [WorkState.DEAD, WorkState.MISSED, WorkState.CANCELLED])
async def test_settle_finishes_in_a_terminal_state(queue: WorkQueue, state: WorkState) -> None:
    await queue.enqueue(work("r:1"), NOW)
    item = await claim_one(queue)

    assert await queue.settle(lease_of(item), state, NOW + timedelta(seconds=1), "403 bot blocked") is True

    settled = await queue.find(item.id)
    assert settled is not None
    assert (settled.state, settled.last_error) == (state, "403 bot blocked")
    assert settled.updated_at == NOW + timedelta(seconds=1)
    assert await queue.claim(NOW + timedelta(days=1), "sweeper-b", LEASE, 10) == []


@pytest.mark.parametrize("state", [WorkState.PENDING, WorkState.LEASED, WorkState.DONE])
async def test_settle_refuses_states_that_are_not_its_business(queue: WorkQueue, state: WorkState) -> None:
    await queue.enqueue(work("r:1"), NOW)
    item = await claim_one(queue)

    with pytest.raises(ValueError, match="dead, missed or cancelled"):
        await queue.settle(lease_of(item), state, NOW, None)
    assert await queue.find(item.id) == item


async def test_long_errors_are_cut_to_fit(queue: WorkQueue) -> None:
    await queue.enqueue(work("r:1"), NOW)
    item = await claim_one(queue)

    assert await queue.settle(lease_of(item), WorkState.DEAD, NOW, "é" * 499 + "xyz")

    settled = await queue.find(item.id)
    assert settled is not None
    assert settled.last_error == "é" * 499 + "x"


async def test_a_stale_lease_settles_nothing_once_another_sweeper_took_over(queue: WorkQueue) -> None:
    await queue.enqueue(work("r:1"), NOW)
    stale = lease_of(await claim_one(queue, "sweeper-a"))
    takeover = await claim_one(queue, "sweeper-b", now=NOW + LEASE + timedelta(seconds=1))

    assert await queue.complete(stale, NOW + timedelta(minutes=6)) is False
    assert await queue.postpone(stale, NOW + timedelta(hours=1), NOW, "late", count=True) is False
    assert await queue.postpone(stale, NOW + timedelta(hours=1), NOW, "late", count=False) is False
    assert await queue.settle(stale, WorkState.DEAD, NOW, "late") is False
    assert await queue.find(takeover.id) == takeover

    assert await queue.complete(lease_of(takeover), NOW + timedelta(minutes=7)) is True


async def test_a_stale_lease_is_fenced_even_under_the_same_owner_name(queue: WorkQueue) -> None:
    # A restarted sweeper may reuse its name; the old lease's expiry tells the two runs apart.
    await queue.enqueue(work("r:1"), NOW)
    stale = lease_of(await claim_one(queue, "sweeper"))
    takeover = await claim_one(queue, "sweeper", now=NOW + LEASE + timedelta(seconds=1))

    assert await queue.complete(stale, NOW) is False
    assert await queue.find(takeover.id) == takeover


async def test_an_expired_lease_nobody_took_over_may_still_finish(queue: WorkQueue) -> None:
    # Slow but alone: nobody else did the work, so recording it as done is right.
    await queue.enqueue(work("r:1"), NOW)
    lease = lease_of(await claim_one(queue))

    assert await queue.complete(lease, NOW + LEASE + timedelta(minutes=1)) is True


async def test_a_lease_on_an_unknown_item_settles_nothing(queue: WorkQueue) -> None:
    lease = Lease(item_id=9999, owner="sweeper-a", until=NOW + LEASE)

    assert await queue.complete(lease, NOW) is False
    assert await queue.postpone(lease, NOW, NOW, None, count=True) is False
    assert await queue.settle(lease, WorkState.CANCELLED, NOW, None) is False


# Retry


@pytest.mark.parametrize("state", [WorkState.DEAD, WorkState.MISSED])
async def test_retry_brings_back_dead_and_missed_work(queue: WorkQueue, state: WorkState) -> None:
    await queue.enqueue(work("r:1"), NOW)
    first = await claim_one(queue)
    assert await queue.postpone(lease_of(first), NOW, NOW, "500", count=True)
    second = await claim_one(queue)
    assert await queue.settle(lease_of(second), state, NOW, "gave up")
    retry_due = NOW + timedelta(days=1)

    assert await queue.retry(first.id, retry_due, NOW + timedelta(hours=2)) is True

    item = await queue.find(first.id)
    assert item is not None
    assert (item.state, item.due_at, item.attempts) == (WorkState.PENDING, retry_due, 0)
    assert (item.lease_owner, item.lease_until, item.last_error) == (None, None, None)
    assert item.updated_at == NOW + timedelta(hours=2)
    assert (await claim_one(queue, now=retry_due)).attempts == 1


async def test_retry_leaves_other_states_alone(queue: WorkQueue) -> None:
    for key in ("leased", "done", "cancelled"):
        await queue.enqueue(work(key), NOW)
    by_key = {item.idempotency_key: item for item in await queue.claim(NOW, "sweeper-a", LEASE, 3)}
    await queue.enqueue(work("pending"), NOW)
    assert await queue.complete(lease_of(by_key["done"]), NOW)
    assert await queue.settle(lease_of(by_key["cancelled"]), WorkState.CANCELLED, NOW, None)
    before = {item.id: item for item in await queue.listing(frozenset(WorkState), 10)}

    for item_id in before:
        assert await queue.retry(item_id, NOW + timedelta(days=1), NOW) is False
    assert await queue.retry(9999, NOW, NOW) is False

    assert {item.id: item for item in await queue.listing(frozenset(WorkState), 10)} == before


# Reports


async def test_counts_cover_every_state(queue: WorkQueue) -> None:
    assert await queue.counts() == dict.fromkeys(WorkState, 0)

    for n in range(6):
        await queue.enqueue(work(f"r:{n}"), NOW)
    await queue.enqueue(work("later", due_at=NOW + timedelta(days=1)), NOW)
    claimed = await queue.claim(NOW, "sweeper-a", LEASE, 6)
    assert await queue.complete(lease_of(claimed[0]), NOW)
    assert await queue.complete(lease_of(claimed[1]), NOW)
    assert await queue.settle(lease_of(claimed[2]), WorkState.DEAD, NOW, None)
    assert await queue.settle(lease_of(claimed[3]), WorkState.MISSED, NOW, None)

    assert await queue.counts() == {
        WorkState.PENDING: 1,
        WorkState.LEASED: 2,
        WorkState.DONE: 2,
        WorkState.DEAD: 1,
        WorkState.MISSED: 1,
        WorkState.CANCELLED: 0,
    }


async def test_listing_is_most_recently_updated_first_within_the_states_asked(queue: WorkQueue) -> None:
    for n in range(4):
        await queue.enqueue(work(f"r:{n}"), NOW)
    claimed = await queue.claim(NOW, "sweeper-a", LEASE, 4)
    # r:2 fails first, then r:0, then r:1 is missed; r:3 stays leased.
    assert await queue.settle(lease_of(claimed[2]), WorkState.DEAD, NOW + timedelta(minutes=1), None)
    assert await queue.settle(lease_of(claimed[0]), WorkState.DEAD, NOW + timedelta(minutes=2), None)
    assert await queue.settle(lease_of(claimed[1]), WorkState.MISSED, NOW + timedelta(minutes=3), None)
    attention = frozenset({WorkState.DEAD, WorkState.MISSED})

    assert [item.idempotency_key for item in await queue.listing(attention, 10)] == ["r:1", "r:0", "r:2"]
    assert [item.idempotency_key for item in await queue.listing(attention, 2)] == ["r:1", "r:0"]
    assert [item.idempotency_key for item in await queue.listing(frozenset({WorkState.LEASED}), 10)] == ["r:3"]
    assert await queue.listing(frozenset({WorkState.CANCELLED}), 10) == []
    assert await queue.listing(frozenset(), 10) == []


async def test_find_of_an_unknown_item_is_none(queue: WorkQueue) -> None:
    assert await queue.find(9999) is None


# Time zones


async def test_naive_datetimes_are_refused(queue: WorkQueue) -> None:
    naive = NOW.replace(tzinfo=None)
    with pytest.raises(ValueError, match="timezone-aware"):
        work("r:1", due_at=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        await queue.enqueue(work("r:1"), naive)
    assert await queue.counts() == dict.fromkeys(WorkState, 0)

    await queue.enqueue(work("r:1"), NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        await queue.claim(naive, "sweeper-a", LEASE, 1)
    item = await claim_one(queue)
    lease = lease_of(item)
    with pytest.raises(ValueError, match="timezone-aware"):
        await queue.complete(lease, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        await queue.postpone(lease, naive, NOW, None, count=True)
    with pytest.raises(ValueError, match="timezone-aware"):
        await queue.complete(Lease(lease.item_id, lease.owner, naive), NOW)
    assert await queue.settle(lease, WorkState.DEAD, NOW, None)
    with pytest.raises(ValueError, match="timezone-aware"):
        await queue.retry(item.id, naive, NOW)
    assert (await only(queue, "r:1")).state == WorkState.DEAD


# The schema itself (SQL only)


async def test_the_database_accepts_exactly_the_known_states(database: Database) -> None:
    # The migration spells the states out; this catches a WorkState added without a migration to match.
    await SqlWorkQueue(database).enqueue(work("r:1"), NOW)
    for state in WorkState:
        async with database.engine.begin() as connection:
            await connection.execute(text("UPDATE work_items SET state = :state"), {"state": state.value})
    with pytest.raises(IntegrityError):
        async with database.engine.begin() as connection:
            await connection.execute(text("UPDATE work_items SET state = 'paused'"))


async def test_the_claim_indexes_cover_only_open_work(database: Database) -> None:
    # Alembic's schema comparison ignores index predicates, so check them here.
    if database.dialect == "postgresql":
        query = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'work_items'"
    else:
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'work_items'"
    async with database.engine.connect() as connection:
        definitions = {name: str(sql) for name, sql in (await connection.execute(text(query))).all()}

    def predicate(index: str) -> str:
        # PostgreSQL writes it back as ((state)::text = 'pending'::text).
        return re.sub(r"::text|[()]", "", definitions[index].partition(" WHERE ")[2])

    assert predicate("ix_work_items_pending_due") == "state = 'pending'"
    assert predicate("ix_work_items_leased_until") == "state = 'leased'"


# Retention


async def test_finished_work_keeps_only_its_summary_after_the_retention_period(queue: WorkQueue) -> None:
    message = {"summary": "meeting reminder", "text": "Your meeting with Helen is tomorrow at 10:00."}
    await queue.enqueue(work("done-old", payload=message), NOW)
    await queue.enqueue(work("done-recent", payload=message), NOW)
    await queue.enqueue(work("dead-old", payload=message), NOW)
    await queue.enqueue(work("pending", due_at=NOW + timedelta(days=60), payload=message), NOW)
    for item in await queue.claim(NOW, "sweeper-a", LEASE, 3):
        if item.idempotency_key == "dead-old":
            await queue.settle(lease_of(item), WorkState.DEAD, NOW, "blocked")
        elif item.idempotency_key == "done-old":
            await queue.complete(lease_of(item), NOW)
        else:
            await queue.complete(lease_of(item), NOW + timedelta(days=40))

    assert await queue.redact_finished(NOW + timedelta(days=30), limit=100) == 1
    assert (await only(queue, "done-old")).payload == {"summary": "meeting reminder", "redacted": True}
    assert (await only(queue, "done-recent")).payload == message
    assert (await only(queue, "dead-old")).payload == message  # kept, so an operator can still retry it
    assert (await only(queue, "pending")).payload == message
    # Idempotent, and the key still blocks a repeat.
    assert await queue.redact_finished(NOW + timedelta(days=30), limit=100) == 0
    assert await queue.enqueue(work("done-old", payload=message), NOW + timedelta(days=31)) is False


async def test_redaction_works_in_bounded_batches(queue: WorkQueue) -> None:
    for n in range(5):
        await queue.enqueue(work(f"r:{n}", payload={"summary": "s", "text": "t"}), NOW)
    for item in await queue.claim(NOW, "sweeper-a", LEASE, 5):
        await queue.complete(lease_of(item), NOW)
    later = NOW + timedelta(days=31)
    assert [await queue.redact_finished(later, limit=2) for _ in range(4)] == [2, 2, 1, 0]


async def test_redaction_is_not_held_up_by_items_already_redacted(queue: WorkQueue) -> None:
    # Redacted items stay for ever and come first by id, so they must not take up the batch.
    for n in range(6):
        await queue.enqueue(work(f"r:{n}", payload={"summary": "s", "text": "t"}), NOW)
    for item in await queue.claim(NOW, "sweeper-a", LEASE, 6):
        await queue.complete(lease_of(item), NOW)
    later = NOW + timedelta(days=31)
    assert [await queue.redact_finished(later, limit=1) for _ in range(7)] == [1, 1, 1, 1, 1, 1, 0]
    for n in range(6):
        assert (await only(queue, f"r:{n}")).payload == {"summary": "s", "redacted": True}
