"""Everything held about a person, gathered for a subject access request and erased on request."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from programme.applications import ApplicationState
from programme.cohorts import CohortState
from programme.identity import PersonId
from programme.personal_data import PersonalData
from programme.profiles import Role
from tests.programme.builders import (
    AISHA,
    BEN,
    COORDINATOR,
    TENANT,
    TODAY,
    cohort_in_state,
    cohort_plan,
    stored_application,
)
from tests.support.fakes import DEFAULT_NOW, FakeClock
from tests.support.programme_fakes import (
    ErasedApplication,
    InMemoryApplicationStore,
    InMemoryCohortStore,
    InMemoryParticipantStore,
)


class RecordingHolder:
    """A holder that notes, in a log shared with the others, when it is asked to erase."""

    def __init__(self, section: str, log: list[str], held: int = 1) -> None:
        self._section = section
        self._log = log
        self._held = held
        self.erased_at: datetime | None = None

    @property
    def section(self) -> str:
        return self._section

    async def export(self, person: PersonId) -> Any:
        return {"held": self._held, "person": person.value}

    async def erase(self, person: PersonId, at: datetime) -> int:
        self._log.append(f"erase {self._section}")
        self.erased_at = at
        erased, self._held = self._held, 0
        return erased


def test_sections_must_be_unique() -> None:
    log: list[str] = []
    with pytest.raises(ValueError, match="unique sections"):
        PersonalData([RecordingHolder("messages", log), RecordingHolder("messages", log)], FakeClock())


def test_sections_are_listed_in_registration_order() -> None:
    log: list[str] = []
    data = PersonalData([RecordingHolder("b", log), RecordingHolder("a", log), RecordingHolder("c", log)], FakeClock())
    assert data.sections == ("b", "a", "c")


async def test_erasing_goes_holder_by_holder_in_order_then_clears_caches() -> None:
    log: list[str] = []
    clock = FakeClock()
    clock.advance(timedelta(hours=5))
    first, second = RecordingHolder("pairs", log, held=3), RecordingHolder("applications", log, held=2)
    data = PersonalData(
        [first, second],
        clock,
        after_erase=[lambda p: log.append(f"forget cache one {p.value}"), lambda p: log.append("forget cache two")],
    )
    changed = await data.erase(AISHA)
    assert changed == {"pairs": 3, "applications": 2}
    assert log == ["erase pairs", "erase applications", f"forget cache one {AISHA.value}", "forget cache two"]
    assert first.erased_at == second.erased_at == DEFAULT_NOW + timedelta(hours=5)


async def test_export_gathers_every_section_for_the_person() -> None:
    clock = FakeClock()
    cohorts = InMemoryCohortStore()
    applications = InMemoryApplicationStore()
    participants = InMemoryParticipantStore()
    cohort = await cohort_in_state(
        cohorts, cohort_plan(TODAY), CohortState.RECRUITING, created_by=COORDINATOR, at=DEFAULT_NOW
    )
    application = await stored_application(applications, cohort, AISHA, at=DEFAULT_NOW, display_name="Aisha")
    await stored_application(applications, cohort, BEN, at=DEFAULT_NOW, display_name="Ben")
    await participants.enrol(TENANT, AISHA, "Aisha", DEFAULT_NOW)
    await participants.set_pause(AISHA, TODAY + timedelta(days=5), DEFAULT_NOW)
    clock.advance(timedelta(minutes=7))
    data = PersonalData([applications, participants], clock)

    report = await data.export(AISHA)

    assert report.person == AISHA
    assert report.generated_at == DEFAULT_NOW + timedelta(minutes=7)
    assert dict(report.sections) == {
        "applications": [{"id": application.id, "cohort": cohort.id, "state": "submitted", "role": "mentor"}],
        "participation": {"display_name": "Aisha", "paused_until": "2025-03-08"},
    }
    assert report.as_json() == {
        "person": AISHA.value,
        "generated_at": "2025-03-03T09:07:00+00:00",
        "sections": dict(report.sections),
    }
    # Someone the bot knows nothing about gets an empty report, section by section.
    empty = await data.export(PersonId("c0ffee00-0000-4000-8000-000000000077"))
    assert dict(empty.sections) == {"applications": [], "participation": None}


async def test_erasing_with_the_real_fakes_leaves_only_anonymous_counts_and_is_repeatable() -> None:
    cohorts = InMemoryCohortStore()
    applications = InMemoryApplicationStore()
    participants = InMemoryParticipantStore()
    cohort = await cohort_in_state(
        cohorts, cohort_plan(TODAY), CohortState.RECRUITING, created_by=COORDINATOR, at=DEFAULT_NOW
    )
    await stored_application(applications, cohort, AISHA, at=DEFAULT_NOW)
    await participants.enrol(TENANT, AISHA, "Aisha", DEFAULT_NOW)
    forgotten: list[PersonId] = []
    data = PersonalData([applications, participants], FakeClock(), after_erase=[forgotten.append])

    assert await data.erase(AISHA) == {"applications": 1, "participation": 1}
    assert dict((await data.export(AISHA)).sections) == {"applications": [], "participation": None}
    assert applications.erased == [ErasedApplication(cohort_id=cohort.id, role=Role.MENTOR)]
    assert await applications.counts(cohort.id) == {(Role.MENTOR, ApplicationState.WITHDRAWN): 1}

    assert await data.erase(AISHA) == {"applications": 0, "participation": 0}
    assert forgotten == [AISHA, AISHA]
