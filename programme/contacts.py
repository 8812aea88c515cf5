"""Where to reach people: an opaque, JSON-serialisable address per person.

The core neither knows nor cares that the address is a Bot Framework conversation reference; it only keeps the
latest one, so a message can reach someone who has not written to us recently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
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


class ContactBook(Protocol):
    async def remember(self, tenant: TenantId, person: PersonId, address: Address, at: datetime) -> bool:
        """Store the latest address; return True when this is the first time we hear of the person."""
        ...

    async def find(self, tenant: TenantId, person: PersonId) -> Contact | None: ...
