"""When someone in a published pair withdraws or leaves, their partner hears it from the bot, once."""

from __future__ import annotations

import pytest

from programme.applications import Application, ApplicationState
from programme.cohorts import Cohort, CohortState
from programme.coordinators import Coordinators
from programme.participation import Participation
from programme.partner_notices import tell_partners
from programme.personal_data import PersonalData
from programme.work import WorkItem
from tests.programme.builders import AISHA, BEN, CHIOMA, COORDINATOR, DEV, LONDON, TENANT, scheduled_messages
from tests.programme.pairing_world import (
    AISHA_ANSWERS,
    BEN_ANSWERS,
    CHIOMA_ANSWERS,
    DEV_ANSWERS,
    PairingWorld,
)
from tests.support.fakes import InMemoryCoordinatorRoster
from tests.support.programme_fakes import InMemoryParticipantStore
from tests.support.recording_messages import MessageCall

PARTNER_LEFT = "partner left"


class NoticeWorld(PairingWorld):
    def __init__(self) -> None:
        super().__init__()
        self.participants = InMemoryParticipantStore()
        self.coordinators = Coordinators(InMemoryCoordinatorRoster(), frozenset({COORDINATOR}), self.clock)
        # In the order the SQL holders erase: the pairs before the applications they point at.
        self.personal_data = PersonalData([self.pairs, self.applications, self.participants], self.clock)
        self.listener = tell_partners(
            pairs=self.pairs,
            applications=self.applications,
            cohorts=self.cohorts,
            work=self.work,
            messages=self.messages,
            clock=self.clock,
        )
        self.participation = Participation(
            cohorts=self.cohorts,
            applications=self.applications,
            participants=self.participants,
            coordinators=self.coordinators,
            personal_data=self.personal_data,
            work=self.work,
            clock=self.clock,
            zone=LONDON,
            withdrawal_listeners=[self.listener],
        )

    def partner_notices(self) -> list[WorkItem]:
        return [m for m in scheduled_messages(self.work) if m.payload["summary"] == PARTNER_LEFT]


class Running:
    """A running cohort with two published pairs: Aisha mentors Chioma, Ben mentors Dev."""

    def __init__(
        self, cohort: Cohort, aisha: Application, ben: Application, chioma: Application, dev: Application
    ) -> None:
        self.cohort = cohort
        self.aisha, self.ben, self.chioma, self.dev = aisha, ben, chioma, dev

    @classmethod
    async def arrange(cls, world: NoticeWorld) -> Running:
        cohort = await world.cohort(CohortState.RUNNING)
        aisha = await world.applicant(cohort, AISHA, "Aisha", AISHA_ANSWERS)
        ben = await world.applicant(cohort, BEN, "Ben", BEN_ANSWERS)
        chioma = await world.applicant(cohort, CHIOMA, "Chioma", CHIOMA_ANSWERS)
        dev = await world.applicant(cohort, DEV, "Dev", DEV_ANSWERS)
        await world.published_pair(cohort, aisha, chioma)
        await world.published_pair(cohort, ben, dev)
        return cls(cohort, aisha, ben, chioma, dev)


@pytest.fixture
def world() -> NoticeWorld:
    return NoticeWorld()


async def test_a_mentor_withdrawing_is_told_to_their_mentee_once(world: NoticeWorld) -> None:
    running = await Running.arrange(world)
    pair = (await world.pairs.for_person(AISHA))[0]

    await world.participation.withdraw(AISHA, AISHA)

    assert [(m.idempotency_key, m.recipient, m.tenant, m.payload["text"]) for m in world.partner_notices()] == [
        (
            f"pair:{pair.id}:partner-left:{running.aisha.id}",
            CHIOMA,
            TENANT,
            "Chioma: your partner in Cohort 1: Spring cohort has stepped back",
        )
    ]
    assert world.messages.calls == [MessageCall("partner_left", ("Chioma",))]
    # The coordinator hears too, and nobody else does: Ben and Dev's pair is not touched.
    assert [m.recipient for m in scheduled_messages(world.work)] == [COORDINATOR, CHIOMA]
    # Hearing about the same withdrawal again (a retried request) tells nobody twice.
    await world.listener(await world.current(running.aisha))
    assert len(world.partner_notices()) == 1


async def test_a_mentee_withdrawing_is_told_to_their_mentor(world: NoticeWorld) -> None:
    running = await Running.arrange(world)

    await world.participation.withdraw(DEV, DEV)

    assert [(m.recipient, m.payload["text"]) for m in world.partner_notices()] == [
        (BEN, "Ben: your partner in Cohort 1: Spring cohort has stepped back")
    ]
    assert (await world.current(running.dev)).state is ApplicationState.WITHDRAWN


async def test_the_partner_is_told_when_someone_leaves_and_erases_their_data(world: NoticeWorld) -> None:
    running = await Running.arrange(world)
    pair = (await world.pairs.for_person(AISHA))[0]

    await world.participation.erase(TENANT, AISHA, AISHA)

    assert [(m.idempotency_key, m.recipient, m.payload["text"]) for m in world.partner_notices()] == [
        (
            f"pair:{pair.id}:partner-left:{running.aisha.id}",
            CHIOMA,
            "Chioma: your partner in Cohort 1: Spring cohort has stepped back",
        )
    ]
    # The erasure itself happened: no lookup finds Aisha's pair or application any more.
    assert await world.pairs.get(pair.id) is None
    assert await world.applications.get(running.aisha.id) is None
    assert await world.pairs.for_person(CHIOMA) == []
    # The notice to the partner says nothing about who left.
    assert "Aisha" not in world.partner_notices()[0].payload["text"]


async def test_a_partner_who_already_left_is_not_told(world: NoticeWorld) -> None:
    await Running.arrange(world)

    await world.participation.withdraw(CHIOMA, CHIOMA)
    await world.participation.withdraw(AISHA, AISHA)

    assert [m.recipient for m in world.partner_notices()] == [AISHA]


async def test_nobody_is_told_about_a_pair_that_was_only_proposed(world: NoticeWorld) -> None:
    cohort = await world.cohort(CohortState.MATCHING)
    await world.applicant(cohort, AISHA, "Aisha", AISHA_ANSWERS)
    await world.applicant(cohort, CHIOMA, "Chioma", CHIOMA_ANSWERS)
    review = await world.matching.review(cohort.id)
    assert [(p.mentor.display_name, p.mentee.display_name) for p in review.pairs] == [("Aisha", "Chioma")]

    await world.participation.withdraw(AISHA, AISHA)

    assert world.partner_notices() == []
    assert world.messages.calls == []
    assert [m.recipient for m in scheduled_messages(world.work)] == [COORDINATOR]


async def test_nobody_is_told_when_there_is_no_pair_at_all(world: NoticeWorld) -> None:
    cohort: Cohort = await world.cohort(CohortState.MATCHING)
    await world.applicant(cohort, AISHA, "Aisha", AISHA_ANSWERS)
    await world.applicant(cohort, BEN, "Ben", BEN_ANSWERS, ApplicationState.SUBMITTED)

    await world.participation.withdraw(AISHA, AISHA)
    await world.participation.erase(TENANT, BEN, BEN)

    assert world.partner_notices() == []
    assert world.messages.calls == []


async def test_only_the_pair_in_the_cohort_left_is_told(world: NoticeWorld) -> None:
    running = await Running.arrange(world)
    # Aisha was also paired with Dev in an earlier cohort, which has ended for her application there.
    earlier = await world.cohort(CohortState.RUNNING, name="Earlier cohort")
    old_aisha = await world.applicant(earlier, AISHA, "Aisha", AISHA_ANSWERS, ApplicationState.WITHDRAWN)
    old_dev = await world.applicant(earlier, DEV, "Dev", DEV_ANSWERS)
    await world.published_pair(earlier, old_aisha, old_dev)

    await world.participation.withdraw(AISHA, AISHA)

    assert [m.recipient for m in world.partner_notices()] == [CHIOMA]
    assert (await world.current(running.aisha)).state is ApplicationState.WITHDRAWN
