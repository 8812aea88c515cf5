"""Who coordinates the programme, and the gate every coordinator action passes through.

Coordinators come from two places: the service configuration (so a new deployment always has someone in charge)
and the roster that coordinators manage themselves in chat. Every coordinator action, whether it succeeds, is
refused or fails, leaves exactly one audit entry, because the gate is the only way in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from programme.audit import AuditDetail, AuditEntry, AuditLog
from programme.clock import Clock
from programme.errors import InvalidInput, NotAuthorised, ProgrammeError
from programme.identity import PersonId

T = TypeVar("T")


@dataclass(frozen=True)
class RosterEntry:
    person: PersonId
    added_by: PersonId | None
    added_at: datetime


class CoordinatorRoster(Protocol):
    async def members(self) -> Sequence[RosterEntry]: ...

    async def contains(self, person: PersonId) -> bool: ...

    async def add(self, entry: RosterEntry) -> bool:
        """Add; False when already present."""
        ...

    async def remove(self, person: PersonId) -> bool:
        """Remove; False when absent."""
        ...


@dataclass(frozen=True)
class Coordinator:
    person: PersonId
    configured: bool
    added_by: PersonId | None = None
    added_at: datetime | None = None


class Coordinators:
    """Role checks and roster changes; the configured ones cannot be removed from chat."""

    def __init__(
        self,
        roster: CoordinatorRoster,
        configured: frozenset[PersonId],
        clock: Clock,
        display_staleness: timedelta = timedelta(seconds=30),
    ) -> None:
        self._roster = roster
        self._configured = configured
        self._clock = clock
        self._display_staleness = display_staleness
        self._display_cache: dict[PersonId, tuple[bool, datetime]] = {}

    async def is_coordinator(self, person: PersonId) -> bool:
        """The authoritative check: always asks the roster."""
        return person in self._configured or await self._roster.contains(person)

    async def shown_as_coordinator(self, person: PersonId) -> bool:
        """Whether to *show* coordinator options (e.g. in help); never use it to allow anything.

        It may be up to ``display_staleness`` out of date, which only affects what a menu lists: every coordinator
        action still passes the gate's authoritative check. Saves a database read on the most common turn.
        """
        now = self._clock.now()
        cached = self._display_cache.get(person)
        if cached is not None and now - cached[1] < self._display_staleness:
            return cached[0]
        answer = await self.is_coordinator(person)
        if len(self._display_cache) > 10_000:
            self._display_cache.clear()
        self._display_cache[person] = (answer, now)
        return answer

    async def all(self) -> list[Coordinator]:
        listed = {entry.person: entry for entry in await self._roster.members()}
        people = sorted(set(listed) | self._configured)
        return [
            Coordinator(
                person=person,
                configured=person in self._configured,
                added_by=listed[person].added_by if person in listed else None,
                added_at=listed[person].added_at if person in listed else None,
            )
            for person in people
        ]

    async def add(self, actor: PersonId, person: PersonId) -> bool:
        self._display_cache.pop(person, None)
        if await self.is_coordinator(person):
            return False
        return await self._roster.add(RosterEntry(person=person, added_by=actor, added_at=self._clock.now()))

    async def remove(self, actor: PersonId, person: PersonId) -> bool:
        if person in self._configured:
            raise InvalidInput(
                "That person is a coordinator through the service configuration, so they can only be removed "
                "there. Please ask whoever runs the bot to change it."
            )
        self._display_cache.pop(person, None)
        if not await self._roster.contains(person):
            return False
        remaining = [c for c in await self.all() if c.person != person]
        if not remaining:
            raise InvalidInput("That would leave the programme with no coordinator, so I have not removed them.")
        return await self._roster.remove(person)


class CoordinatorGate:
    """Runs one coordinator action: checks the role, runs it, and audits the outcome whatever happens."""

    def __init__(self, coordinators: Coordinators, audit: AuditLog, clock: Clock) -> None:
        self._coordinators = coordinators
        self._audit = audit
        self._clock = clock

    async def perform(
        self,
        actor: PersonId,
        action: str,
        operation: Callable[[], Awaitable[T]],
        *,
        target: str | None = None,
        detail: AuditDetail | None = None,
    ) -> T:
        if not await self._coordinators.is_coordinator(actor):
            await self._record(actor, action, "refused: not a coordinator", target, detail)
            raise NotAuthorised(
                "Sorry, only programme coordinators can do that. If you think you should be one, "
                "please ask your programme's coordinator."
            )
        try:
            result = await operation()
        except ProgrammeError as error:
            await self._record(actor, action, f"rejected: {type(error).__name__}", target, detail)
            raise
        except BaseException:
            await self._record(actor, action, "failed", target, detail)
            raise
        await self._record(actor, action, "done", target, detail)
        return result

    async def _record(
        self, actor: PersonId, action: str, outcome: str, target: str | None, detail: AuditDetail | None
    ) -> None:
        await self._audit.record(
            AuditEntry(
                at=self._clock.now(),
                actor=actor,
                action=action,
                outcome=outcome,
                target=target,
                detail=dict(detail or {}),
            )
        )
