"""Cohorts: one run of the programme, from draft to closed.

A cohort's plan (track, dates, sessions) is what the coordinator decides when creating it; its state moves along
a fixed lifecycle, and a move the lifecycle does not allow is refused with a message that says what *can* happen
next, rather than a bare "invalid transition".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from programme.errors import Conflict, InvalidFields
from programme.identity import PersonId
from programme.match_weights import MatchWeights
from programme.text import clean_line
from programme.tracks import MenteeLevel, Track

MAX_NAME_LENGTH = 80
MAX_TRAINING_DATES = 5
MAX_SESSIONS = 12
SESSION_MINUTES = (30, 45, 60, 90)
# How far ahead a cohort may be planned: further than this is almost certainly a typo in the year.
PLANNING_HORIZON = timedelta(days=3 * 365)


class CohortState(StrEnum):
    DRAFT = "draft"
    RECRUITING = "recruiting"
    MATCHING = "matching"
    RUNNING = "running"
    CLOSING = "closing"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    CohortState.DRAFT: "a draft",
    CohortState.RECRUITING: "open for sign-ups",
    CohortState.MATCHING: "closed to sign-ups and being matched",
    CohortState.RUNNING: "running",
    CohortState.CLOSING: "closing",
    CohortState.CLOSED: "closed",
}

# Matching may send a cohort back to recruiting, when too few people signed up to make pairs.
TRANSITIONS: dict[CohortState, frozenset[CohortState]] = {
    CohortState.DRAFT: frozenset({CohortState.RECRUITING}),
    CohortState.RECRUITING: frozenset({CohortState.MATCHING}),
    CohortState.MATCHING: frozenset({CohortState.RECRUITING, CohortState.RUNNING}),
    CohortState.RUNNING: frozenset({CohortState.CLOSING}),
    CohortState.CLOSING: frozenset({CohortState.CLOSED}),
    CohortState.CLOSED: frozenset(),
}

_NEXT_STEP = {
    CohortState.DRAFT: "open it for sign-ups",
    CohortState.RECRUITING: "close its sign-ups",
    CohortState.MATCHING: "match and publish its pairs, or reopen its sign-ups",
    CohortState.RUNNING: "start closing it",
    CohortState.CLOSING: "close it",
}


class Cadence(StrEnum):
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    SIX_WEEKLY = "six-weekly"

    @property
    def interval(self) -> timedelta:
        return _CADENCE_INTERVALS[self]

    @property
    def label(self) -> str:
        return self.value.replace("-", " ")


_CADENCE_INTERVALS = {
    Cadence.FORTNIGHTLY: timedelta(days=14),
    Cadence.MONTHLY: timedelta(days=28),
    Cadence.SIX_WEEKLY: timedelta(days=42),
}


@dataclass(frozen=True)
class CohortPlan:
    """What a coordinator decides when creating a cohort. Build it with :meth:`checked`."""

    name: str
    track: Track
    mentee_level: MenteeLevel
    signup_closes: date
    starts_on: date
    ends_on: date
    sessions: int = 6
    cadence: Cadence = Cadence.MONTHLY
    session_minutes: int = 60
    training_dates: tuple[date, ...] = ()
    mentor_capacity: int = 1
    # Whether a mentor and mentee from the same directorate may be paired (many programmes want a fresh view).
    separate_directorates: bool = True
    weights: MatchWeights = field(default_factory=MatchWeights)

    def checked(self, today: date) -> CohortPlan:
        """This plan with its name tidied, or :class:`InvalidFields` naming every problem at once."""
        problems: dict[str, str] = {}
        name = clean_line(self.name)
        if not 3 <= len(name) <= MAX_NAME_LENGTH:
            problems["name"] = f"The cohort's name should be 3 to {MAX_NAME_LENGTH} characters."
        horizon = today + PLANNING_HORIZON
        if self.signup_closes < today:
            problems["signup_closes"] = "The sign-up deadline is in the past; please choose today or a later date."
        elif self.signup_closes > horizon:
            problems["signup_closes"] = "The sign-up deadline is more than three years away; is the year right?"
        if self.starts_on <= self.signup_closes:
            problems["starts_on"] = (
                "The cohort should start after sign-ups close, to leave time for approval, training and matching."
            )
        if self.ends_on <= self.starts_on:
            problems["ends_on"] = "The end date is on or before the start date; please choose a later end date."
        elif not 1 <= self.sessions <= MAX_SESSIONS:
            pass  # reported below, and the span check needs a sensible number of sessions
        elif (self.ends_on - self.starts_on) < self.cadence.interval * (self.sessions - 1):
            problems["ends_on"] = (
                f"{self.sessions} {self.cadence.label} sessions need at least "
                f"{(self.cadence.interval * (self.sessions - 1)).days} days between the start and end dates."
            )
        if self.ends_on > today + PLANNING_HORIZON + timedelta(days=366):
            problems.setdefault("ends_on", "The end date is very far away; is the year right?")
        if not 1 <= self.sessions <= MAX_SESSIONS:
            problems["sessions"] = f"The number of sessions should be between 1 and {MAX_SESSIONS}."
        if self.session_minutes not in SESSION_MINUTES:
            problems["session_minutes"] = "Please choose a session length of 30, 45, 60 or 90 minutes."
        if not 1 <= self.mentor_capacity <= 2:
            problems["mentor_capacity"] = "Each mentor can have one or two mentees."
        if len(self.training_dates) > MAX_TRAINING_DATES:
            problems["training_dates"] = f"Please give at most {MAX_TRAINING_DATES} training dates."
        elif any(d < today for d in self.training_dates):
            problems["training_dates"] = "A training date is in the past."
        elif any(d >= self.starts_on for d in self.training_dates):
            problems["training_dates"] = "Training should happen before the cohort starts."
        try:
            self.weights.checked()
        except InvalidFields as weights:
            problems.update(weights.problems)
        if problems:
            raise InvalidFields(problems)
        return CohortPlan(
            name=name,
            track=self.track,
            mentee_level=self.mentee_level,
            signup_closes=self.signup_closes,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            sessions=self.sessions,
            cadence=self.cadence,
            session_minutes=self.session_minutes,
            training_dates=tuple(sorted(set(self.training_dates))),
            mentor_capacity=self.mentor_capacity,
            separate_directorates=self.separate_directorates,
            weights=self.weights,
        )


@dataclass(frozen=True)
class Cohort:
    id: int
    plan: CohortPlan
    state: CohortState
    created_by: PersonId
    created_at: datetime
    updated_at: datetime

    @property
    def title(self) -> str:
        return f"Cohort {self.id}: {self.plan.name}"

    def accepts_signups(self, today: date) -> bool:
        return self.state is CohortState.RECRUITING and today <= self.plan.signup_closes

    def check_move(self, target: CohortState) -> None:
        """Raise :class:`Conflict` with a helpful message when the lifecycle does not allow ``target``."""
        if target in TRANSITIONS[self.state]:
            return
        if target is self.state:
            raise Conflict(f"{self.title} is already {self.state.label}; nothing changed.")
        if self.state is CohortState.CLOSED:
            raise Conflict(f"{self.title} is closed, so it can't change any more. Create a new cohort instead.")
        raise Conflict(
            f"{self.title} is {self.state.label}, so it can't become {target.label} from there. "
            f"The next step for it is to {_NEXT_STEP[self.state]}."
        )


class CohortStore(Protocol):
    async def add(self, plan: CohortPlan, created_by: PersonId, at: datetime) -> Cohort: ...

    async def get(self, cohort_id: int) -> Cohort | None: ...

    async def listing(self, states: frozenset[CohortState] | None = None) -> Sequence[Cohort]:
        """Cohorts (in these states), newest first."""
        ...

    async def move(self, cohort_id: int, expected: CohortState, target: CohortState, at: datetime) -> Cohort | None:
        """Compare-and-set the state; None when the cohort is no longer in ``expected`` (someone moved it first)."""
        ...
