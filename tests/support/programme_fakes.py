"""In-memory stand-ins for the cohort, application and participant stores.

They follow the same contract as the SQL stores (tests/storage runs the contract suite against both), so a
use-case test that passes here says something about the real service.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from programme.applications import Application, ApplicationState, NewApplication
from programme.cohorts import Cohort, CohortPlan, CohortState
from programme.identity import PersonId, TenantId
from programme.participants import Participant
from programme.profiles import Profile, Role


class InMemoryCohortStore:
    def __init__(self) -> None:
        self._cohorts: dict[int, Cohort] = {}

    async def add(self, plan: CohortPlan, created_by: PersonId, at: datetime) -> Cohort:
        cohort = Cohort(
            id=len(self._cohorts) + 1,
            plan=plan,
            state=CohortState.DRAFT,
            created_by=created_by,
            created_at=at,
            updated_at=at,
        )
        self._cohorts[cohort.id] = cohort
        return cohort

    async def get(self, cohort_id: int) -> Cohort | None:
        return self._cohorts.get(cohort_id)

    async def listing(self, states: frozenset[CohortState] | None = None) -> Sequence[Cohort]:
        chosen = [c for c in self._cohorts.values() if states is None or c.state in states]
        return sorted(chosen, key=lambda c: c.id, reverse=True)

    async def move(self, cohort_id: int, expected: CohortState, target: CohortState, at: datetime) -> Cohort | None:
        cohort = self._cohorts.get(cohort_id)
        if cohort is None or cohort.state is not expected:
            return None
        moved = replace(cohort, state=target, updated_at=at)
        self._cohorts[cohort_id] = moved
        return moved


@dataclass(frozen=True)
class ErasedApplication:
    """What stays of an application after its person asked for their data to be erased."""

    cohort_id: int
    role: Role


class InMemoryApplicationStore:
    def __init__(self) -> None:
        self._applications: dict[int, Application] = {}
        self.erased: list[ErasedApplication] = []
        self._next_id = 1

    async def add(self, application: NewApplication, at: datetime) -> Application | None:
        if await self.find(application.cohort_id, application.person) is not None:
            return None
        stored = Application(
            id=self._next_id,
            cohort_id=application.cohort_id,
            tenant=application.tenant,
            person=application.person,
            display_name=application.display_name,
            profile=application.profile,
            consent=application.consent,
            state=ApplicationState.SUBMITTED,
            submitted_at=at,
            updated_at=at,
            version=1,
        )
        self._next_id += 1
        self._applications[stored.id] = stored
        return stored

    async def get(self, application_id: int) -> Application | None:
        return self._applications.get(application_id)

    async def find(self, cohort_id: int, person: PersonId) -> Application | None:
        return next((a for a in self._applications.values() if a.cohort_id == cohort_id and a.person == person), None)

    async def for_person(self, person: PersonId) -> Sequence[Application]:
        return sorted((a for a in self._applications.values() if a.person == person), key=lambda a: -a.id)

    async def for_cohort(
        self, cohort_id: int, states: frozenset[ApplicationState] | None = None
    ) -> Sequence[Application]:
        return sorted(
            (
                a
                for a in self._applications.values()
                if a.cohort_id == cohort_id and (states is None or a.state in states)
            ),
            key=lambda a: a.id,
        )

    async def update_profile(
        self, application_id: int, profile: Profile, expected_version: int, at: datetime
    ) -> Application | None:
        current = self._applications.get(application_id)
        if current is None or current.version != expected_version:
            return None
        updated = replace(current, profile=profile, updated_at=at, version=current.version + 1)
        self._applications[application_id] = updated
        return updated

    async def move(
        self, application_id: int, target: ApplicationState, expected_version: int, at: datetime
    ) -> Application | None:
        current = self._applications.get(application_id)
        if current is None or current.version != expected_version:
            return None
        updated = replace(current, state=target, updated_at=at, version=current.version + 1)
        self._applications[application_id] = updated
        return updated

    async def counts(self, cohort_id: int) -> Mapping[tuple[Role, ApplicationState], int]:
        tally: dict[tuple[Role, ApplicationState], int] = {}
        for application in self._applications.values():
            if application.cohort_id == cohort_id:
                key = (application.profile.role, application.state)
                tally[key] = tally.get(key, 0) + 1
        for erased in self.erased:
            if erased.cohort_id == cohort_id:
                key = (erased.role, ApplicationState.WITHDRAWN)
                tally[key] = tally.get(key, 0) + 1
        return tally

    # Personal data holder -------------------------------------------------------------------------------------

    section = "applications"

    async def export(self, person: PersonId) -> list[dict[str, object]]:
        return [
            {"id": a.id, "cohort": a.cohort_id, "state": a.state.value, "role": a.profile.role.value}
            for a in await self.for_person(person)
        ]

    async def erase(self, person: PersonId, at: datetime) -> int:
        mine = [a for a in self._applications.values() if a.person == person]
        for application in mine:
            del self._applications[application.id]
            self.erased.append(ErasedApplication(application.cohort_id, application.profile.role))
        return len(mine)


class InMemoryParticipantStore:
    def __init__(self) -> None:
        self._people: dict[PersonId, Participant] = {}

    async def get(self, person: PersonId) -> Participant | None:
        return self._people.get(person)

    async def enrol(self, tenant: TenantId, person: PersonId, display_name: str, at: datetime) -> Participant:
        current = self._people.get(person)
        participant = (
            replace(current, display_name=display_name)
            if current is not None
            else Participant(tenant=tenant, person=person, display_name=display_name, joined_at=at)
        )
        self._people[person] = participant
        return participant

    async def set_pause(self, person: PersonId, until: date | None, at: datetime) -> bool:
        current = self._people.get(person)
        if current is None:
            return False
        self._people[person] = replace(current, paused_until=until)
        return True

    section = "participation"

    async def export(self, person: PersonId) -> dict[str, object] | None:
        current = self._people.get(person)
        if current is None:
            return None
        return {
            "display_name": current.display_name,
            "paused_until": current.paused_until.isoformat() if current.paused_until else None,
        }

    async def erase(self, person: PersonId, at: datetime) -> int:
        return 1 if self._people.pop(person, None) is not None else 0
