"""A person's standing in the programme as a whole, across cohorts: today, whether they asked for a pause."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from programme.identity import PersonId, TenantId


@dataclass(frozen=True)
class Participant:
    tenant: TenantId
    person: PersonId
    display_name: str
    joined_at: datetime
    paused_until: date | None = None

    def paused_on(self, day: date) -> bool:
        """Paused *through* ``paused_until``: nudges start again the day after."""
        return self.paused_until is not None and day <= self.paused_until


class ParticipantStore(Protocol):
    async def get(self, person: PersonId) -> Participant | None: ...

    async def enrol(self, tenant: TenantId, person: PersonId, display_name: str, at: datetime) -> Participant:
        """Create the record on a first application, or refresh the display name on a later one."""
        ...

    async def set_pause(self, person: PersonId, until: date | None, at: datetime) -> bool:
        """Pause through ``until`` (None resumes); False when the person has no record."""
        ...
