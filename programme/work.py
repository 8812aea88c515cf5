"""Durable due work: the single source of truth for everything the bot does on its own.

A use case that wants something to happen later enqueues a :class:`NewWork` with an idempotency key that names the
thing (e.g. ``reminder:meeting-42:day-before``), so enqueuing it twice is a no-op. Sweepers claim due items under
a lease; only the holder of the lease may settle an item, so a sweeper whose lease ran out (it stalled or died)
cannot overwrite what another sweeper did with the same item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from programme.identity import PersonId, TenantId

MAX_KEY_LENGTH = 200
MAX_KIND_LENGTH = 64


class WorkState(StrEnum):
    PENDING = "pending"  # waiting for its time (or for a retry)
    LEASED = "leased"  # a sweeper is working on it
    DONE = "done"
    DEAD = "dead"  # failed for good: a permanent delivery failure, or too many attempts
    MISSED = "missed"  # came due while nothing ran, and is too old to be worth sending now
    CANCELLED = "cancelled"  # no longer wanted (e.g. the person withdrew)


OPEN_STATES = frozenset({WorkState.PENDING, WorkState.LEASED})
NEEDS_ATTENTION = frozenset({WorkState.DEAD, WorkState.MISSED})


@dataclass(frozen=True)
class NewWork:
    kind: str
    idempotency_key: str
    tenant: TenantId
    recipient: PersonId | None
    due_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.kind or len(self.kind) > MAX_KIND_LENGTH:
            raise ValueError("a work kind is 1 to 64 characters")
        if not self.idempotency_key or len(self.idempotency_key) > MAX_KEY_LENGTH:
            raise ValueError("an idempotency key is 1 to 200 characters")
        if self.due_at.tzinfo is None:
            raise ValueError("due_at must be timezone-aware")


@dataclass(frozen=True)
class WorkItem:
    id: int
    kind: str
    idempotency_key: str
    tenant: TenantId
    recipient: PersonId | None
    due_at: datetime
    payload: Mapping[str, Any]
    state: WorkState
    attempts: int
    created_at: datetime
    updated_at: datetime
    lease_owner: str | None = None
    lease_until: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class Lease:
    """Proof that a sweeper holds an item; settling with a stale lease changes nothing."""

    item_id: int
    owner: str
    until: datetime


class WorkQueue(Protocol):
    async def enqueue(self, work: NewWork, at: datetime) -> bool:
        """Add the work; False (and no change) when its idempotency key is already known, whatever its state."""
        ...

    async def claim(self, now: datetime, owner: str, lease_for: timedelta, limit: int) -> Sequence[WorkItem]:
        """Lease up to ``limit`` items that are due (pending and ``due_at <= now``) or whose lease has expired,
        oldest due first. Each returned item's ``lease_owner``/``lease_until`` are the new lease; ``attempts``
        counts this claim."""
        ...

    async def complete(self, lease: Lease, at: datetime, *, payload: Mapping[str, Any] | None = None) -> bool:
        """Mark done, replacing the payload when one is given (e.g. to forget a message once delivered); False
        when the lease is no longer held (another sweeper took over)."""
        ...

    async def postpone(self, lease: Lease, until: datetime, at: datetime, error: str | None, *, count: bool) -> bool:
        """Back to pending until ``until``; ``count=False`` gives back the attempt this claim used (e.g. the
        recipient's working day has not started, which is no failure)."""
        ...

    async def settle(self, lease: Lease, state: WorkState, at: datetime, error: str | None) -> bool:
        """Finish the item in a terminal state (dead, missed, cancelled)."""
        ...

    async def find(self, item_id: int) -> WorkItem | None: ...

    async def listing(self, states: frozenset[WorkState], limit: int) -> Sequence[WorkItem]:
        """Items in these states, most recently updated first."""
        ...

    async def retry(self, item_id: int, due_at: datetime, at: datetime) -> bool:
        """Put a dead or missed item back to pending with a fresh attempt count; False if it is in another state."""
        ...

    async def counts(self) -> Mapping[WorkState, int]: ...

    async def redact_finished(self, before: datetime, limit: int) -> int:
        """Strip the payload of done and cancelled items last updated before ``before`` down to its summary;
        returns how many were redacted. The rows stay, so their idempotency keys still prevent a repeat."""
        ...


# A payload flag: forget the message's content as soon as it is delivered, not after the usual retention period
# (used where a message names someone who has just asked to be forgotten).
FORGET_ON_DELIVERY = "forget_on_delivery"


def redacted(payload: Mapping[str, Any]) -> dict[str, Any]:
    """What is kept of a finished item's payload: its summary, never the message itself."""
    summary = payload.get("summary")
    return {"summary": summary if isinstance(summary, str) else "message", "redacted": True}
