"""The coordinator's 'status' command, on the in-memory services: the current cohort's pairs appear as counts (how
many are proposed, published, and have confirmed their first-meeting agreement), and never what a pair agreed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from bot.command_set import build_command_table
from bot.commands import CommandRequest, Match
from bot.services import Services
from cards.elements import Card
from programme.applications import Application, ApplicationState
from programme.cohorts import Cohort, CohortState
from programme.contracts import Agreement
from programme.pairs import NewPair, Pair
from programme.profiles import Profile
from tests.programme.builders import TENANT, TODAY, cohort_in_state, cohort_plan, person, stored_application
from tests.programme.pairing_world import (
    AISHA_ANSWERS,
    BEN_ANSWERS,
    CHIOMA_ANSWERS,
    DEV_ANSWERS,
    mentee_answers,
    mentor_answers,
)
from tests.support.card_reading import card_text, fact_pairs, text_blocks
from tests.support.services import Fakes, in_memory_services

COORDINATOR = person(90)
# Words no card may show: only the pair who wrote them get to read them.
GOAL = "Hear what the Zephyrine staff network says about promotion panels"
HOW_WE_WORK = "Quarterly walks around the Quillmere site"


@dataclass
class World:
    services: Services
    fakes: Fakes

    async def cohort(self, state: CohortState, name: str = "Spring cohort") -> Cohort:
        return await cohort_in_state(
            self.fakes.cohorts, cohort_plan(TODAY, name=name), state, created_by=COORDINATOR, at=self.fakes.clock.now()
        )

    async def approved(self, cohort: Cohort, n: int, profile: Profile) -> Application:
        self.fakes.clock.advance(timedelta(minutes=1))
        stored = await stored_application(
            self.fakes.applications, cohort, person(n), at=self.fakes.clock.now(), profile=profile, display_name=f"P{n}"
        )
        moved = await self.fakes.applications.move(
            stored.id, ApplicationState.APPROVED, stored.version, self.fakes.clock.now()
        )
        assert moved is not None
        return moved

    async def published_pairs(self, cohort: Cohort, count: int) -> list[Pair]:
        """``count`` pairs put straight into the store and published, as if matching had run."""
        for n in range(1, count + 1):
            mentor = await self.approved(cohort, n, mentor_answers(n))
            mentee = await self.approved(cohort, 50 + n, mentee_answers(n))
            await self.fakes.pairs.add(
                NewPair(cohort.id, mentor.id, mentee.id, mentor.person, mentee.person, 100, ("arranged",)),
                self.fakes.clock.now(),
            )
        return list(await self.fakes.pairs.publish(cohort.id, self.fakes.clock.now()))

    async def agree(self, pair: Pair, *, confirmed_by: tuple[str, ...]) -> None:
        """The mentee writes the agreement; ``confirmed_by`` ("mentor", "mentee") then confirm it."""
        written = await self.services.first_meeting.write(
            pair.mentee, pair.id, Agreement(goals=(GOAL,), how_we_work=HOW_WE_WORK), expected_version=0
        )
        for who in confirmed_by:
            await self.services.first_meeting.confirm(
                pair.mentor if who == "mentor" else pair.mentee, pair.id, written.contract.version
            )

    async def status(self) -> Card:
        table = build_command_table(self.services)
        found = table.match("status")
        assert isinstance(found, Match)
        reply = await found.command.handler(
            CommandRequest(actor=COORDINATOR, tenant=TENANT, display_name="Coordinator", arguments="")
        )
        assert reply.card is not None
        return reply.card


def world() -> World:
    services, fakes = in_memory_services(frozenset({COORDINATOR}))
    return World(services, fakes)


def pair_facts(card: Card) -> dict[str, str]:
    """The facts of the Pairs section, found by their titles (no other section uses these)."""
    assert "Pairs" in text_blocks(card)
    wanted = {"Proposed", "Published", "First meetings", "Ended"}
    return {title: value for title, value in fact_pairs(card) if title in wanted}


async def test_a_running_cohort_shows_its_pairs_and_confirmed_agreements_as_numbers() -> None:
    w = world()
    cohort = await w.cohort(CohortState.RUNNING)
    pairs = await w.published_pairs(cohort, 5)
    for pair in pairs[:3]:
        await w.agree(pair, confirmed_by=("mentee", "mentor"))
    # Half-confirmed and unwritten agreements are not confirmed.
    await w.agree(pairs[3], confirmed_by=("mentee",))

    card = await w.status()

    assert pair_facts(card) == {"Published": "5", "First meetings": "3 of 5 agreements confirmed"}
    assert any("stays between them" in block for block in text_blocks(card))
    everything = json.dumps(card) + card_text(card)
    assert "Zephyrine" not in everything
    assert "Quillmere site" not in everything


async def test_every_agreement_confirmed_needs_no_nudge() -> None:
    w = world()
    cohort = await w.cohort(CohortState.RUNNING)
    for pair in await w.published_pairs(cohort, 2):
        await w.agree(pair, confirmed_by=("mentor", "mentee"))

    card = await w.status()

    assert pair_facts(card)["First meetings"] == "2 of 2 agreements confirmed"
    assert not any("stays between them" in block for block in text_blocks(card))


async def test_a_cohort_being_matched_counts_its_proposals_and_status_proposes_none_itself() -> None:
    w = world()
    cohort = await w.cohort(CohortState.MATCHING)
    for n, answers in enumerate((AISHA_ANSWERS, BEN_ANSWERS, CHIOMA_ANSWERS, DEV_ANSWERS), start=1):
        await w.approved(cohort, n, answers)

    before = await w.status()
    # Looking must not run the solver: no pairs until a coordinator asks for them.
    assert "Pairs" not in text_blocks(before)
    assert await w.fakes.pairs.for_cohort(cohort.id) == []

    await w.services.matching.propose(cohort.id)
    after = await w.status()
    assert pair_facts(after) == {"Proposed": "2 (nobody has been told yet)"}


async def test_a_cohort_without_pairs_has_no_pairs_section() -> None:
    w = world()
    await w.cohort(CohortState.RECRUITING)
    card = await w.status()
    assert "Pairs" not in text_blocks(card)
    assert "Spring cohort" in card_text(card)


async def test_only_the_current_cohorts_pairs_are_counted() -> None:
    w = world()
    running = await w.cohort(CohortState.RUNNING, name="Last year")
    await w.published_pairs(running, 3)
    # The newest cohort that is not closed is the one the card is about; it has no pairs yet.
    await w.cohort(CohortState.DRAFT, name="Next year")

    card = await w.status()

    assert "Next year" in card_text(card)
    assert "Pairs" not in text_blocks(card)
