"""Pairs: a mentor and a mentee in one cohort, from proposal through publication to the end of the cohort.

Proposals are what the solver (or a coordinator, by hand) suggests; nothing is sent until the coordinator
publishes. Published pairs are the programme's history: they stop a pairing being repeated in a later cohort.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from programme.identity import PersonId

MAX_OVERRIDE = 200


class PairState(StrEnum):
    PROPOSED = "proposed"
    PUBLISHED = "published"
    ENDED = "ended"


@dataclass(frozen=True)
class NewPair:
    cohort_id: int
    mentor_application: int
    mentee_application: int
    mentor: PersonId
    mentee: PersonId
    points: int
    reasons: tuple[str, ...]
    locked: bool = False
    # Made by a coordinator rather than proposed by the solver.
    by_hand: bool = False
    # Why a coordinator paired them against a rule; None when no rule was broken.
    override: str | None = None


@dataclass(frozen=True)
class Pair:
    id: int
    cohort_id: int
    mentor_application: int
    mentee_application: int
    mentor: PersonId
    mentee: PersonId
    points: int
    reasons: tuple[str, ...]
    locked: bool
    by_hand: bool
    override: str | None
    state: PairState
    created_at: datetime
    published_at: datetime | None = None
    # The pair's own Teams group chat, once one was made for them (see :mod:`programme.pair_chats`).
    chat_id: str | None = None

    def includes(self, person: PersonId) -> bool:
        return person in (self.mentor, self.mentee)


class PairStore(Protocol):
    """Once someone in a pair asks to be erased, the pair stays only as an anonymous record: no method returns it."""

    async def for_cohort(self, cohort_id: int, states: frozenset[PairState] | None = None) -> Sequence[Pair]:
        """Pairs of a cohort (in these states), in the order they were made."""
        ...

    async def get(self, pair_id: int) -> Pair | None: ...

    async def replace_proposals(self, cohort_id: int, proposals: Sequence[NewPair], at: datetime) -> Sequence[Pair]:
        """Drop the cohort's unlocked proposals and store these instead, in one transaction; returns the new ones.
        :class:`~programme.errors.Conflict`, changing nothing, when one of them has a mentee who is already in a
        locked or published pair (someone changed the pairs since they were read)."""
        ...

    async def add(self, pair: NewPair, at: datetime) -> Pair:
        """Store one proposal; :class:`~programme.errors.Conflict` when its mentee is already in a pair."""
        ...

    async def remove_proposal(self, pair_id: int) -> bool:
        """Delete a proposed (never a published) pair; False when there was none."""
        ...

    async def set_locked(self, pair_id: int, locked: bool) -> Pair | None:
        """Lock or unlock a proposal; None when it is not a proposal any more."""
        ...

    async def publish(self, cohort_id: int, at: datetime) -> Sequence[Pair]:
        """Every proposal of the cohort becomes published; returns them."""
        ...

    async def for_person(self, person: PersonId, states: frozenset[PairState] | None = None) -> Sequence[Pair]:
        """Pairs this person is in (in these states), newest first."""
        ...

    async def history(self, people: Sequence[PersonId]) -> Sequence[Pair]:
        """Published or ended pairs that include any of these people, from any cohort."""
        ...

    async def unpaired(self, cohort_id: int) -> frozenset[tuple[int, int]]:
        """(mentor application, mentee application) pairs a coordinator took apart in this cohort's review."""
        ...

    async def remember_unpaired(self, cohort_id: int, mentor_application: int, mentee_application: int) -> None: ...

    async def set_chat(self, pair_id: int, chat_id: str) -> None:
        """Remember the group chat made for the pair, so it is made only once and later messages go there."""
        ...
