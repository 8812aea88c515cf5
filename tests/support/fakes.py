"""Hand-written in-memory stand-ins for the programme ports.

They mirror the SQL stores' observable behaviour (return values, ordering, what a repeated call does), so a test
that passes against a fake says something about the real service. Keep them small: anything cleverer belongs in
the contract tests that run against both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from programme.audit import AuditEntry
from programme.contacts import Address, Contact, Unreachable
from programme.coordinators import RosterEntry
from programme.identity import PersonId, TenantId
from programme.work import Lease, NewWork, WorkItem, WorkState, redacted

# A fixed, unremarkable instant: tests that care about time set their own.
DEFAULT_NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _require_aware(at: datetime) -> datetime:
    # The core promises timezone-aware datetimes; a fake that accepted naive ones would hide that bug.
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return at


class FakeClock:
    """A Clock that only moves when a test moves it."""

    def __init__(self, now: datetime = DEFAULT_NOW) -> None:
        self._now = _require_aware(now)

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = _require_aware(now)

    def advance(self, by: timedelta) -> datetime:
        self._now += by
        return self._now


class InMemoryContactBook:
    def __init__(self) -> None:
        self.contacts: dict[tuple[TenantId, PersonId], Contact] = {}

    async def remember(self, tenant: TenantId, person: PersonId, address: Address, at: datetime) -> bool:
        _require_aware(at)
        known = self.contacts.get((tenant, person))
        # Copy, as the SQL store does by serialising: a caller mutating its dict later must not change ours.
        stored = dict(address)
        # A bare record (address {}) only says a delivery failed: hearing from them is still a first contact.
        if known is None or not known.address:
            self.contacts[(tenant, person)] = Contact(tenant, person, stored, first_seen=at, last_seen=at)
            return True
        # A fresh Contact also clears any unreachable mark: they just wrote to us.
        self.contacts[(tenant, person)] = Contact(tenant, person, stored, first_seen=known.first_seen, last_seen=at)
        return False

    async def find(self, tenant: TenantId, person: PersonId) -> Contact | None:
        return self.contacts.get((tenant, person))

    async def mark_unreachable(self, tenant: TenantId, person: PersonId, reason: str, at: datetime) -> None:
        _require_aware(at)
        known = self.contacts.get((tenant, person)) or Contact(tenant, person, {}, first_seen=at, last_seen=at)
        since = known.unreachable_since or at
        self.contacts[(tenant, person)] = replace(known, unreachable_since=since, unreachable_reason=reason[:200])

    async def unreachable(self, limit: int) -> list[Unreachable]:
        marked = [
            Unreachable(contact.tenant, contact.person, contact.unreachable_since, contact.unreachable_reason or "")
            for contact in self.contacts.values()
            if contact.unreachable_since is not None
        ]
        # Newest first, ties by tenant then person, as the SQL store orders them.
        marked.sort(key=lambda entry: (entry.tenant, entry.person))
        marked.sort(key=lambda entry: entry.since, reverse=True)
        return marked[: max(limit, 0)]


class InMemoryCoordinatorRoster:
    def __init__(self, entries: Sequence[RosterEntry] = ()) -> None:
        self.entries: dict[PersonId, RosterEntry] = {entry.person: entry for entry in entries}

    async def members(self) -> Sequence[RosterEntry]:
        # The SQL store orders by person id.
        return [self.entries[person] for person in sorted(self.entries)]

    async def contains(self, person: PersonId) -> bool:
        return person in self.entries

    async def add(self, entry: RosterEntry) -> bool:
        if entry.person in self.entries:
            return False
        self.entries[entry.person] = entry
        return True

    async def remove(self, person: PersonId) -> bool:
        return self.entries.pop(person, None) is not None


class InMemoryAuditLog:
    """Append-only, like the SQL audit log; ``entries`` is oldest first for easy assertions."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    async def record(self, entry: AuditEntry) -> None:
        _require_aware(entry.at)
        self.entries.append(entry)

    async def recent(self, limit: int) -> Sequence[AuditEntry]:
        # Newest first, as the SQL store returns them.
        return list(reversed(self.entries))[: max(limit, 0)]


class InMemoryWorkQueue:
    """The WorkQueue contract without a database; ``items`` is open for assertions (and for arranging a state)."""

    def __init__(self) -> None:
        self.items: dict[int, WorkItem] = {}
        self._next_id = 1

    async def enqueue(self, work: NewWork, at: datetime) -> bool:
        _require_aware(at)
        if any(item.idempotency_key == work.idempotency_key for item in self.items.values()):
            return False
        item = WorkItem(
            id=self._next_id,
            kind=work.kind,
            idempotency_key=work.idempotency_key,
            tenant=work.tenant,
            recipient=work.recipient,
            due_at=_utc(work.due_at),
            # A JSON round trip, as the SQL store's column does: non-JSON payloads fail here too, and a caller
            # mutating its dict later cannot change the stored one.
            payload=json.loads(json.dumps(dict(work.payload))),
            state=WorkState.PENDING,
            attempts=0,
            created_at=_utc(at),
            updated_at=_utc(at),
        )
        self.items[item.id] = item
        self._next_id += 1
        return True

    async def claim(self, now: datetime, owner: str, lease_for: timedelta, limit: int) -> Sequence[WorkItem]:
        _require_aware(now)
        if lease_for <= timedelta(0):
            raise ValueError("a lease must last a while")
        if not owner or len(owner) > 64:
            raise ValueError("a lease owner is 1 to 64 characters")
        claimable = sorted(
            (item for item in self.items.values() if _claimable(item, now)), key=lambda item: (item.due_at, item.id)
        )
        claimed = []
        for item in claimable[: max(limit, 0)]:
            leased = replace(
                item,
                state=WorkState.LEASED,
                lease_owner=owner,
                lease_until=_utc(now + lease_for),
                attempts=item.attempts + 1,
                updated_at=_utc(now),
            )
            self.items[item.id] = leased
            claimed.append(leased)
        return claimed

    async def complete(self, lease: Lease, at: datetime, *, payload: Mapping[str, Any] | None = None) -> bool:
        if payload is None:
            return self._settle_leased(lease, at, state=WorkState.DONE)
        return self._settle_leased(lease, at, state=WorkState.DONE, payload=dict(payload))

    async def postpone(self, lease: Lease, until: datetime, at: datetime, error: str | None, *, count: bool) -> bool:
        _require_aware(until)
        held = self._held(lease)
        if held is None:
            return False
        return self._settle_leased(
            lease,
            at,
            error,
            state=WorkState.PENDING,
            due_at=_utc(until),
            lease_owner=None,
            lease_until=None,
            attempts=held.attempts if count else held.attempts - 1,
        )

    async def settle(self, lease: Lease, state: WorkState, at: datetime, error: str | None) -> bool:
        if state not in {WorkState.DEAD, WorkState.MISSED, WorkState.CANCELLED}:
            raise ValueError(f"settle finishes an item as dead, missed or cancelled, not {state.value}")
        return self._settle_leased(lease, at, error, state=state)

    async def find(self, item_id: int) -> WorkItem | None:
        return self.items.get(item_id)

    async def listing(self, states: frozenset[WorkState], limit: int) -> Sequence[WorkItem]:
        chosen = [item for item in self.items.values() if item.state in states]
        chosen.sort(key=lambda item: (item.updated_at, item.id), reverse=True)
        return chosen[: max(limit, 0)]

    async def retry(self, item_id: int, due_at: datetime, at: datetime) -> bool:
        _require_aware(due_at)
        _require_aware(at)
        item = self.items.get(item_id)
        if item is None or item.state not in {WorkState.DEAD, WorkState.MISSED}:
            return False
        self.items[item_id] = replace(
            item,
            state=WorkState.PENDING,
            due_at=_utc(due_at),
            attempts=0,
            lease_owner=None,
            lease_until=None,
            last_error=None,
            updated_at=_utc(at),
        )
        return True

    async def counts(self) -> Mapping[WorkState, int]:
        counted = dict.fromkeys(WorkState, 0)
        for item in self.items.values():
            counted[item.state] += 1
        return counted

    async def redact_finished(self, before: datetime, limit: int) -> int:
        _require_aware(before)
        done = 0
        for item_id in sorted(self.items):
            item = self.items[item_id]
            finished = item.state in (WorkState.DONE, WorkState.CANCELLED) and item.updated_at < before
            if done < limit and finished and item.payload.get("redacted") is not True:
                self.items[item_id] = replace(item, payload=redacted(item.payload))
                done += 1
        return done

    def _held(self, lease: Lease) -> WorkItem | None:
        _require_aware(lease.until)
        item = self.items.get(lease.item_id)
        if item is None or item.state is not WorkState.LEASED:
            return None
        if item.lease_owner != lease.owner or item.lease_until != lease.until:
            return None
        return item

    def _settle_leased(self, lease: Lease, at: datetime, error: str | None = None, **changes: Any) -> bool:
        _require_aware(at)
        held = self._held(lease)
        if held is None:
            return False
        if error is not None:
            changes["last_error"] = error[:500]
        self.items[held.id] = replace(held, updated_at=_utc(at), **changes)
        return True


def _claimable(item: WorkItem, now: datetime) -> bool:
    if item.state is WorkState.PENDING:
        return item.due_at <= now
    return item.state is WorkState.LEASED and item.lease_until is not None and item.lease_until < now


def _utc(moment: datetime) -> datetime:
    # The SQL stores hand every datetime back in UTC.
    return _require_aware(moment).astimezone(UTC)
