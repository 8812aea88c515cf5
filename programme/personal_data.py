"""Everything the bot holds about one person: gathered for a subject access request, erased on request.

Each store that keeps personal data registers a holder here, so "my data" and "delete my data" cannot forget a
table: a test checks that every table with a person column is covered by some holder.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from programme.clock import Clock
from programme.identity import PersonId

# Written in place of a person's id where a record must stay for accountability (e.g. the audit of a decision).
ERASED = "erased person"


class PersonalDataHolder(Protocol):
    @property
    def section(self) -> str:
        """A short name for the kind of data, e.g. "applications"; unique across holders."""
        ...

    async def export(self, person: PersonId) -> Any:
        """Everything held about the person, as JSON-ready values (None or empty when nothing)."""
        ...

    async def erase(self, person: PersonId, at: datetime) -> int:
        """Remove (or, where a record must stay, anonymise) the person's data; returns how many records changed.
        Running it twice is harmless."""
        ...


@dataclass(frozen=True)
class SubjectAccessReport:
    person: PersonId
    generated_at: datetime
    sections: Mapping[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "person": self.person.value,
            "generated_at": self.generated_at.isoformat(),
            "sections": dict(self.sections),
        }


class PersonalData:
    def __init__(
        self,
        holders: Sequence[PersonalDataHolder],
        clock: Clock,
        after_erase: Sequence[Callable[[PersonId], None]] = (),
        flush: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        sections = [h.section for h in holders]
        if len(sections) != len(set(sections)):
            raise ValueError("personal data holders need unique sections")
        self._holders = list(holders)
        self._clock = clock
        # In-process caches that may still hold something about the person once the stores are clean.
        self._after_erase = list(after_erase)
        # The store's chance to make erased rows unrecoverable, not merely unreferenced (e.g. old copies of pages
        # that a database keeps in its log until a checkpoint).
        self._flush = flush

    @property
    def sections(self) -> tuple[str, ...]:
        return tuple(h.section for h in self._holders)

    async def export(self, person: PersonId) -> SubjectAccessReport:
        sections = {h.section: await h.export(person) for h in self._holders}
        return SubjectAccessReport(person=person, generated_at=self._clock.now(), sections=sections)

    async def erase(self, person: PersonId) -> Mapping[str, int]:
        """Erase in registration order (a holder may need another's records to find its own, so the order is the
        composition root's to choose); returns how many records each holder changed."""
        now = self._clock.now()
        changed = {h.section: await h.erase(person, now) for h in self._holders}
        if self._flush is not None:
            await self._flush()
        for forget in self._after_erase:
            forget(person)
        return changed
