"""Where to reach people: an opaque, JSON-serialisable address per person.

The core neither knows nor cares that the address is a Bot Framework conversation reference; it only keeps the
latest one, so a message can reach someone who has not written to us recently.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from programme.identity import PersonId, TenantId

Address = Mapping[str, Any]


@dataclass(frozen=True)
class Contact:
    tenant: TenantId
    person: PersonId
    address: Address
    first_seen: datetime
    last_seen: datetime
    unreachable_since: datetime | None = None
    unreachable_reason: str | None = None


@dataclass(frozen=True)
class Unreachable:
    """Someone the bot could not reach for good (blocked or uninstalled it): coordinators need to know."""

    tenant: TenantId
    person: PersonId
    since: datetime
    reason: str


class ContactBook(Protocol):
    async def remember(self, tenant: TenantId, person: PersonId, address: Address, at: datetime) -> bool:
        """Store the latest address and clear any unreachable mark (they just wrote to us, so they can be
        reached again); return True when this is the first time we hear of the person."""
        ...

    async def find(self, tenant: TenantId, person: PersonId) -> Contact | None: ...

    async def mark_unreachable(self, tenant: TenantId, person: PersonId, reason: str, at: datetime) -> None:
        """Record that the platform refused delivery for good; creates a bare record if none exists, keeping
        the first time it happened."""
        ...

    async def unreachable(self, limit: int) -> list[Unreachable]:
        """People currently marked unreachable, most recent first."""
        ...


class RecentContacts:
    """A contact book that skips writes which would change nothing.

    Every turn from a person offers their conversation address, which almost never changes. Writing it each time
    costs a database round trip per message; here a write happens only when the address differs from the one
    this process last stored, or when ``refresh_after`` has passed (so ``last_seen`` stays accurate to that).
    Memory is bounded: the oldest entries are forgotten first.
    """

    def __init__(
        self, inner: ContactBook, refresh_after: timedelta = timedelta(minutes=5), capacity: int = 10_000
    ) -> None:
        self._inner = inner
        self._refresh_after = refresh_after
        self._capacity = capacity
        self._stored: OrderedDict[tuple[TenantId, PersonId], tuple[Address, datetime]] = OrderedDict()

    async def remember(self, tenant: TenantId, person: PersonId, address: Address, at: datetime) -> bool:
        key = (tenant, person)
        known = self._stored.get(key)
        if known is not None and known[0] == address and at - known[1] < self._refresh_after:
            return False
        first = await self._inner.remember(tenant, person, address, at)
        self._stored[key] = (address, at)
        self._stored.move_to_end(key)
        while len(self._stored) > self._capacity:
            self._stored.popitem(last=False)
        return first

    async def find(self, tenant: TenantId, person: PersonId) -> Contact | None:
        return await self._inner.find(tenant, person)

    def forget(self, person: PersonId) -> None:
        """Drop what this process remembers writing for the person (their record was erased), so their next
        message is stored again rather than skipped as unchanged."""
        for key in [key for key in self._stored if key[1] == person]:
            del self._stored[key]

    async def mark_unreachable(self, tenant: TenantId, person: PersonId, reason: str, at: datetime) -> None:
        # The next message from them must reach the store, to clear the mark.
        self._stored.pop((tenant, person), None)
        await self._inner.mark_unreachable(tenant, person, reason, at)

    async def unreachable(self, limit: int) -> list[Unreachable]:
        return await self._inner.unreachable(limit)
