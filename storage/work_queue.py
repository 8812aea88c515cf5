"""The work queue on SQL: claims under leases, safe for several sweepers on PostgreSQL and on SQLite.

What an item keeps when it changes state:

- ``postpone`` and ``retry`` clear the lease (a pending item has no holder); a finished item (``complete``,
  ``settle``) keeps the lease it was finished under, which says which sweeper finished it.
- ``last_error`` is the most recent error reported; settling or postponing without one keeps the earlier error,
  so a delivery that failed twice and then succeeded still shows why it was slow. ``retry`` clears it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Text, and_, cast, func, or_, select, update

from programme.identity import PersonId, TenantId
from programme.work import Lease, NewWork, WorkItem, WorkState, redacted
from storage.database import Database
from storage.tables import MAX_ERROR_LENGTH, MAX_OWNER_LENGTH, work_items

_SETTLED_STATES = frozenset({WorkState.DEAD, WorkState.MISSED, WorkState.CANCELLED})
_RETRYABLE_STATES = (WorkState.DEAD.value, WorkState.MISSED.value)
# What redacted() leaves, {"summary": ..., "redacted": true}, ends like this as stored: both backends keep the JSON
# text as serialised (as storage/contact_book.py relies on too), and inside a JSON string the quotes are escaped.
_NOT_REDACTED = cast(work_items.c.payload, Text).not_like('%, "redacted": true}')


class SqlWorkQueue:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine
        self._dialect = database.dialect
        self._insert = database.insert

    async def enqueue(self, work: NewWork, at: datetime) -> bool:
        _require_aware(at)
        # ON CONFLICT DO NOTHING rather than catching IntegrityError: on PostgreSQL a failed insert would abort
        # the whole transaction, and a duplicate is an expected outcome here, not an error.
        statement = (
            self._insert(work_items)
            .values(
                kind=work.kind,
                idempotency_key=work.idempotency_key,
                tenant_id=work.tenant.value,
                recipient_id=work.recipient.value if work.recipient else None,
                payload=dict(work.payload),
                due_at=work.due_at,
                state=WorkState.PENDING.value,
                attempts=0,
                created_at=at,
                updated_at=at,
            )
            .on_conflict_do_nothing(index_elements=[work_items.c.idempotency_key])
            .returning(work_items.c.id)
        )
        async with self._engine.begin() as connection:
            inserted = (await connection.execute(statement)).first()
        return inserted is not None

    async def claim(self, now: datetime, owner: str, lease_for: timedelta, limit: int) -> Sequence[WorkItem]:
        _require_aware(now)
        if lease_for <= timedelta(0):
            raise ValueError("a lease must last a while")
        if not owner or len(owner) > MAX_OWNER_LENGTH:
            raise ValueError(f"a lease owner is 1 to {MAX_OWNER_LENGTH} characters")
        if limit <= 0:
            return []
        claimable = _claimable(now)
        candidates = (
            select(work_items.c.id).where(claimable).order_by(work_items.c.due_at, work_items.c.id).limit(limit)
        )
        if self._dialect == "postgresql":
            # Concurrent sweepers each lock a different batch instead of queueing behind one another.
            candidates = candidates.with_for_update(skip_locked=True)
        # MATERIALIZED makes the choice happen exactly once. As a plain "id IN (subquery)" PostgreSQL may plan a
        # nested loop that re-runs the subquery for every row; each re-run skips the rows this statement has
        # already updated and takes the next ones, so a claim leased more than its limit.
        chosen = candidates.cte("candidates").prefix_with("MATERIALIZED")
        # One statement, so choosing and leasing are one atomic step. On SQLite the UPDATE takes the database's
        # write lock before it reads, so a second claim waits and then sees the first one's leases. On
        # PostgreSQL the row locks do that (a locked row is re-checked against the condition in its latest
        # version). The condition is repeated in the UPDATE as a last guard: nothing is leased unless claimable.
        statement = (
            update(work_items)
            .where(work_items.c.id.in_(select(chosen.c.id)), claimable)
            .values(
                state=WorkState.LEASED.value,
                lease_owner=owner,
                lease_until=now + lease_for,
                attempts=work_items.c.attempts + 1,
                updated_at=now,
            )
            .returning(*work_items.c)
        )
        async with self._engine.begin() as connection:
            rows = (await connection.execute(statement)).mappings().all()
        # RETURNING promises no order.
        return sorted((_item(row) for row in rows), key=lambda item: (item.due_at, item.id))

    async def complete(self, lease: Lease, at: datetime, *, payload: Mapping[str, Any] | None = None) -> bool:
        if payload is None:
            return await self._settle_leased(lease, at, state=WorkState.DONE.value)
        return await self._settle_leased(lease, at, state=WorkState.DONE.value, payload=dict(payload))

    async def postpone(self, lease: Lease, until: datetime, at: datetime, error: str | None, *, count: bool) -> bool:
        _require_aware(until)
        return await self._settle_leased(
            lease,
            at,
            state=WorkState.PENDING.value,
            due_at=until,
            lease_owner=None,
            lease_until=None,
            # Claims only ever add one, so a held lease means attempts >= 1.
            attempts=work_items.c.attempts if count else work_items.c.attempts - 1,
            **_error(error),
        )

    async def settle(self, lease: Lease, state: WorkState, at: datetime, error: str | None) -> bool:
        if state not in _SETTLED_STATES:
            raise ValueError(f"settle finishes an item as dead, missed or cancelled, not {state.value}")
        return await self._settle_leased(lease, at, state=state.value, **_error(error))

    async def find(self, item_id: int) -> WorkItem | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(work_items).where(work_items.c.id == item_id))).mappings().first()
        return None if row is None else _item(row)

    async def listing(self, states: frozenset[WorkState], limit: int) -> Sequence[WorkItem]:
        if not states or limit <= 0:
            return []
        query = (
            select(work_items)
            .where(work_items.c.state.in_(sorted(state.value for state in states)))
            .order_by(work_items.c.updated_at.desc(), work_items.c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [_item(row) for row in rows]

    async def retry(self, item_id: int, due_at: datetime, at: datetime) -> bool:
        _require_aware(due_at)
        _require_aware(at)
        statement = (
            update(work_items)
            .where(work_items.c.id == item_id, work_items.c.state.in_(_RETRYABLE_STATES))
            .values(
                state=WorkState.PENDING.value,
                due_at=due_at,
                attempts=0,
                lease_owner=None,
                lease_until=None,
                last_error=None,
                updated_at=at,
            )
        )
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return bool(result.rowcount)

    async def counts(self) -> Mapping[WorkState, int]:
        query = select(work_items.c.state, func.count()).group_by(work_items.c.state)
        async with self._engine.connect() as connection:
            found = {WorkState(state): count for state, count in (await connection.execute(query)).all()}
        return {state: found.get(state, 0) for state in WorkState}

    async def redact_finished(self, before: datetime, limit: int) -> int:
        _require_aware(before)
        # Already redacted rows are left out in SQL: they pile up for ever, and skipping them in Python would let
        # them fill every batch. The new payload is built in Python rather than with each backend's JSON functions.
        query = (
            select(work_items.c.id, work_items.c.payload)
            .where(
                work_items.c.state.in_([WorkState.DONE.value, WorkState.CANCELLED.value]),
                work_items.c.updated_at < before,
                _NOT_REDACTED,
            )
            .order_by(work_items.c.id)
            .limit(limit)
        )
        async with self._engine.begin() as connection:
            rows = (await connection.execute(query)).all()
            for item_id, payload in rows:
                await connection.execute(
                    update(work_items).where(work_items.c.id == item_id).values(payload=redacted(payload or {}))
                )
        return len(rows)

    async def _settle_leased(self, lease: Lease, at: datetime, **values: Any) -> bool:
        """Apply ``values`` only while ``lease`` is still the item's lease.

        Owner and expiry together fence off a stale holder: a sweeper that stalled past its lease may find the
        item re-claimed, possibly by a later run under the same owner name, and then the expiry differs.
        """
        _require_aware(at)
        _require_aware(lease.until)
        statement = (
            update(work_items)
            .where(
                work_items.c.id == lease.item_id,
                work_items.c.state == WorkState.LEASED.value,
                work_items.c.lease_owner == lease.owner,
                work_items.c.lease_until == lease.until,
            )
            .values(updated_at=at, **values)
        )
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return bool(result.rowcount)


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(work_items.c.state == WorkState.PENDING.value, work_items.c.due_at <= now),
        and_(work_items.c.state == WorkState.LEASED.value, work_items.c.lease_until < now),
    )


def _error(error: str | None) -> dict[str, str]:
    return {} if error is None else {"last_error": error[:MAX_ERROR_LENGTH]}


def _require_aware(moment: datetime) -> None:
    # The column type refuses naive values too, but only once a statement runs and wrapped in a StatementError;
    # refusing here gives callers the same ValueError the fake raises.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")


def _item(row: RowMapping) -> WorkItem:
    return WorkItem(
        id=row["id"],
        kind=row["kind"],
        idempotency_key=row["idempotency_key"],
        tenant=TenantId(row["tenant_id"]),
        recipient=PersonId(row["recipient_id"]) if row["recipient_id"] is not None else None,
        due_at=row["due_at"],
        payload=row["payload"],
        state=WorkState(row["state"]),
        attempts=row["attempts"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        lease_owner=row["lease_owner"],
        lease_until=row["lease_until"],
        last_error=row["last_error"],
    )
