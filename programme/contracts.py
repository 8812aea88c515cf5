"""The first-meeting agreement: how a pair will work together, and the mentee's learning goals.

Both people confirm it. What it says belongs to the pair: coordinators see only whether it has been confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from programme.errors import InvalidFields
from programme.text import clean_line

MAX_GOALS = 3
MAX_GOAL = 200
MAX_WAYS = 500


@dataclass(frozen=True)
class Agreement:
    goals: tuple[str, ...]
    how_we_work: str = ""

    def checked(self) -> Agreement:
        goals = tuple(g for g in (clean_line(goal) for goal in self.goals) if g)
        how = clean_line(self.how_we_work)
        problems: dict[str, str] = {}
        if not goals:
            problems["goals"] = "Please write at least one learning goal for the mentee."
        elif len(goals) > MAX_GOALS:
            problems["goals"] = f"Please keep to {MAX_GOALS} goals at most: the ones that matter most."
        elif any(len(goal) > MAX_GOAL for goal in goals):
            problems["goals"] = f"Please keep each goal to {MAX_GOAL} characters."
        if len(how) > MAX_WAYS:
            problems["how_we_work"] = f"Please keep this to {MAX_WAYS} characters."
        if problems:
            raise InvalidFields(problems)
        return Agreement(goals=goals, how_we_work=how)


@dataclass(frozen=True)
class Contract:
    pair_id: int
    agreement: Agreement | None
    mentor_confirmed_at: datetime | None = None
    mentee_confirmed_at: datetime | None = None
    # Bumped by every change: a confirmation is of the version the person saw, so a later edit needs a new one.
    version: int = 0

    @property
    def confirmed(self) -> bool:
        return self.mentor_confirmed_at is not None and self.mentee_confirmed_at is not None


class ContractStore(Protocol):
    async def get(self, pair_id: int) -> Contract | None: ...

    async def write(self, pair_id: int, agreement: Agreement, expected_version: int, at: datetime) -> Contract | None:
        """Save the agreement (clearing both confirmations); None when it changed since ``expected_version``."""
        ...

    async def confirm(self, pair_id: int, as_mentor: bool, expected_version: int, at: datetime) -> Contract | None:
        """Record one person's confirmation of this version; None when the agreement changed meanwhile."""
        ...
