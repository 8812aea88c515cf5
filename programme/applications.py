"""Applications to a cohort, and the decisions coordinators make about them.

An application exists only once a person has finished signing up, consented and agreed to the ground rules: a
half-finished sign-up is never stored here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from programme.errors import Conflict
from programme.identity import PersonId, TenantId
from programme.profiles import Profile, Role

# Bumped whenever the wording people agree to changes, so we know which version each person agreed to.
PRIVACY_NOTICE_VERSION = "2026-11"
GROUND_RULES_VERSION = "2026-11"


class ApplicationState(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            "submitted": "Waiting for a decision",
            "approved": "Approved",
            "waitlisted": "On the waiting list",
            "declined": "Not taken forward",
            "withdrawn": "Withdrawn",
        }[self.value]


TRANSITIONS: dict[ApplicationState, frozenset[ApplicationState]] = {
    ApplicationState.SUBMITTED: frozenset(
        {ApplicationState.APPROVED, ApplicationState.WAITLISTED, ApplicationState.DECLINED, ApplicationState.WITHDRAWN}
    ),
    ApplicationState.WAITLISTED: frozenset(
        {ApplicationState.APPROVED, ApplicationState.DECLINED, ApplicationState.WITHDRAWN}
    ),
    ApplicationState.APPROVED: frozenset({ApplicationState.WITHDRAWN}),
    ApplicationState.DECLINED: frozenset(),
    ApplicationState.WITHDRAWN: frozenset(),
}

# Still taking part, or still hoping to.
LIVE_STATES = frozenset({ApplicationState.SUBMITTED, ApplicationState.APPROVED, ApplicationState.WAITLISTED})
DECISIONS = frozenset({ApplicationState.APPROVED, ApplicationState.WAITLISTED, ApplicationState.DECLINED})


@dataclass(frozen=True)
class Consent:
    """When the person agreed, and to which versions of the privacy notice and ground rules."""

    given_at: datetime
    privacy_notice: str = PRIVACY_NOTICE_VERSION
    ground_rules: str = GROUND_RULES_VERSION


@dataclass(frozen=True)
class NewApplication:
    cohort_id: int
    tenant: TenantId
    person: PersonId
    display_name: str
    profile: Profile
    consent: Consent


@dataclass(frozen=True)
class Application:
    id: int
    cohort_id: int
    tenant: TenantId
    person: PersonId
    display_name: str
    profile: Profile
    consent: Consent
    state: ApplicationState
    submitted_at: datetime
    updated_at: datetime
    # Bumped by every change, so two coordinators deciding at once cannot both win.
    version: int = 1

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES

    def check_move(self, target: ApplicationState) -> None:
        if target in TRANSITIONS[self.state]:
            return
        if target is self.state:
            raise Conflict(f"That application is already {self.state.label.lower()}; nothing changed.")
        raise Conflict(
            f"That application is {self.state.label.lower()}, so it can't be "
            f"{'marked ' if target is ApplicationState.WITHDRAWN else ''}{_VERB[target]} now."
        )


_VERB = {
    ApplicationState.SUBMITTED: "submitted again",
    ApplicationState.APPROVED: "approved",
    ApplicationState.WAITLISTED: "put on the waiting list",
    ApplicationState.DECLINED: "declined",
    ApplicationState.WITHDRAWN: "withdrawn",
}


class ApplicationStore(Protocol):
    async def add(self, application: NewApplication, at: datetime) -> Application | None:
        """Store a new application; None when this person already applied to this cohort."""
        ...

    async def get(self, application_id: int) -> Application | None: ...

    async def find(self, cohort_id: int, person: PersonId) -> Application | None: ...

    async def for_person(self, person: PersonId) -> Sequence[Application]:
        """Every application of this person, newest first."""
        ...

    async def for_cohort(
        self, cohort_id: int, states: frozenset[ApplicationState] | None = None
    ) -> Sequence[Application]:
        """Applications to a cohort (in these states), oldest first: the order people applied in."""
        ...

    async def update_profile(
        self, application_id: int, profile: Profile, expected_version: int, at: datetime
    ) -> Application | None:
        """Replace the answers; None when the application changed since ``expected_version`` was read."""
        ...

    async def move(
        self, application_id: int, target: ApplicationState, expected_version: int, at: datetime
    ) -> Application | None:
        """Change the state; None when the application changed since ``expected_version`` was read."""
        ...

    async def counts(self, cohort_id: int) -> Mapping[tuple[Role, ApplicationState], int]:
        """How many applications per role and state; erased people's anonymous rows included."""
        ...
