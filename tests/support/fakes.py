"""Hand-written in-memory stand-ins for the programme ports.

They mirror the SQL stores' observable behaviour (return values, ordering, what a repeated call does), so a test
that passes against a fake says something about the real service. Keep them small: anything cleverer belongs in
the contract tests that run against both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from programme.audit import AuditEntry
from programme.contacts import Address, Contact
from programme.coordinators import RosterEntry
from programme.identity import PersonId, TenantId

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
        if known is None:
            self.contacts[(tenant, person)] = Contact(tenant, person, stored, first_seen=at, last_seen=at)
            return True
        self.contacts[(tenant, person)] = Contact(tenant, person, stored, first_seen=known.first_seen, last_seen=at)
        return False

    async def find(self, tenant: TenantId, person: PersonId) -> Contact | None:
        return self.contacts.get((tenant, person))


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
