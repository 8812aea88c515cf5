"""The audit trail of coordinator actions.

Information governance needs to know who did what and when; it must not become a second copy of sensitive
content, so entries hold ids and short facts, never free text a person typed about themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from programme.identity import PersonId

AuditDetail = Mapping[str, str | int | bool | None]


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: PersonId
    action: str
    outcome: str
    target: str | None = None
    detail: AuditDetail = field(default_factory=dict)


class AuditLog(Protocol):
    async def record(self, entry: AuditEntry) -> None: ...

    async def recent(self, limit: int) -> Sequence[AuditEntry]: ...
