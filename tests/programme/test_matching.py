"""Matching a cohort: proposals under the rules, a coordinator's changes, history across cohorts, and publishing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from programme.applications import Application, ApplicationState
from programme.cohort_admin import decision_key
from programme.cohorts import Cohort, CohortState
from programme.deliveries import MESSAGE
from programme.errors import Conflict, InvalidInput, NotFound
from programme.grades import Grade
from programme.match_rules import RuleBreak
from programme.matching import PAIR_CHAT, MatchReview
from programme.pairs import MAX_OVERRIDE, PairState
from programme.profiles import Availability, Topic
from programme.solver import greedy
from tests.programme.builders import AISHA, BEN, CHIOMA, DEV, ELLA, TENANT, person, scheduled_messages
from tests.programme.pairing_world import (
    AISHA_ANSWERS,
    BEN_ANSWERS,
    CHIOMA_ANSWERS,
    DEV_ANSWERS,
    JUNIOR_MENTEE,
    PairingWorld,
    mentee_answers,
    mentor_answers,
)
from tests.support.fakes import DEFAULT_NOW
from tests.support.recording_messages import MessageCall

FEMI = person(6)
GITA = person(7)
HANA = person(8)
# A mentor who fits nobody well (80 points with Chioma or Dev), so adding her changes no best choice.
HANA_ANSWERS = mentor_answers(8, topics=(Topic.ALLYSHIP,), availability=(Availability.FRI_AM,))

AISHA_WITH_DEV = ("1 shared topic: Career progression and development", "no usual free time in common yet")
BEN_WITH_CHIOMA = ("1 shared topic: Belonging and being heard", "no usual free time in common yet")
AISHA_WITH_CHIOMA = ("1 shared topic: Belonging and being heard", "both usually free Tuesday morning")
BEN_WITH_DEV = ("no topics in common", "no usual free time in common yet")
ON_TEAMS = "both happy to meet on Teams"


@pytest.fixture
def world() -> PairingWorld:
    return PairingWorld()


class Four:
    """Two approved mentors and two approved mentees (the table in ``pairing_world``), and three applications in
    other states that matching must leave alone: one still waiting for a decision, one declined, one waitlisted."""

    def __init__(
        self, cohort: Cohort, aisha: Application, ben: Application, chioma: Application, dev: Application
    ) -> None:
        self.cohort = cohort
        self.aisha, self.ben, self.chioma, self.dev = aisha, ben, chioma, dev

    @classmethod
    async def arrange(cls, world: PairingWorld, cohort: Cohort | None = None) -> Four:
        cohort = cohort or await world.cohort()
        aisha = await world.applicant(cohort, AISHA, "Aisha", AISHA_ANSWERS)
        # Everyone's ideal partner, but nobody has decided on her application yet.
        await world.applicant(cohort, ELLA, "Ella", mentee_answers(5), ApplicationState.SUBMITTED)
        ben = await world.applicant(cohort, BEN, "Ben", BEN_ANSWERS)
        await world.applicant(cohort, FEMI, "Femi", mentor_answers(6), ApplicationState.DECLINED)
        chioma = await world.applicant(cohort, CHIOMA, "Chioma", CHIOMA_ANSWERS)
        await world.applicant(cohort, GITA, "Gita", mentee_answers(7), ApplicationState.WAITLISTED)
        dev = await world.applicant(cohort, DEV, "Dev", DEV_ANSWERS)
        return cls(cohort, aisha, ben, chioma, dev)


def pairs_of(review: MatchReview) -> list[tuple[str, str]]:
    return [(p.mentor.display_name, p.mentee.display_name) for p in review.pairs]


def unmatched_of(review: MatchReview) -> list[tuple[str, str]]:
    return [(u.application.display_name, u.reason) for u in review.unmatched]


def pair_id(review: MatchReview, mentor: str, mentee: str) -> int:
    return next(p.pair.id for p in review.pairs if (p.mentor.display_name, p.mentee.display_name) == (mentor, mentee))


# Proposing -------------------------------------------------------------------------------------------------------


async def test_the_first_review_proposes_the_best_total_rather_than_the_best_pair_first(world: PairingWorld) -> None:
    four = await Four.arrange(world)
    # The quick method would take the best-scoring pair first, and do worse overall.
    quick = greedy(
        {"aisha": 1, "ben": 1},
        ["chioma", "dev"],
        {("aisha", "chioma"): 580, ("aisha", "dev"): 380, ("ben", "chioma"): 380, ("ben", "dev"): 80},
    )
    assert (set(quick.pairs), quick.points) == ({("aisha", "chioma"), ("ben", "dev")}, 660)

    world.clock.advance(timedelta(minutes=5))
    review = await world.matching.review(four.cohort.id)

    assert review.cohort == four.cohort
    assert not review.published
    assert pairs_of(review) == [("Ben", "Chioma"), ("Aisha", "Dev")]
    assert [(p.pair.points, p.pair.reasons) for p in review.pairs] == [
        (380, (*BEN_WITH_CHIOMA, ON_TEAMS)),
        (380, (*AISHA_WITH_DEV, ON_TEAMS)),
    ]
    assert review.unmatched == []
    first, second = review.pairs
    assert (first.mentor, first.mentee) == (four.ben, four.chioma)
    assert (second.mentor, second.mentee) == (four.aisha, four.dev)
    assert (first.pair.mentor, first.pair.mentee) == (BEN, CHIOMA)
    assert (first.pair.mentor_application, first.pair.mentee_application) == (four.ben.id, four.chioma.id)
    assert all(p.pair.state is PairState.PROPOSED for p in review.pairs)
    assert all((p.pair.locked, p.pair.by_hand, p.pair.override) == (False, False, None) for p in review.pairs)
    assert all(p.pair.created_at == DEFAULT_NOW + timedelta(minutes=12) for p in review.pairs)
    # The proposals are stored, so a second look (or a second coordinator) sees the same pairs, not new ones.
    stored = await world.pairs.for_cohort(four.cohort.id)
    assert stored == [p.pair for p in review.pairs]
    again = await world.matching.review(four.cohort.id)
    assert [p.pair for p in again.pairs] == [p.pair for p in review.pairs]


async def test_a_cohort_with_no_mentees_says_so_about_each_mentor(world: PairingWorld) -> None:
    cohort = await world.cohort()
    await world.applicant(cohort, AISHA, "Aisha", AISHA_ANSWERS)
    await world.applicant(cohort, BEN, "Ben", BEN_ANSWERS)
    await world.applicant(cohort, CHIOMA, "Chioma", CHIOMA_ANSWERS, ApplicationState.SUBMITTED)

    review = await world.matching.review(cohort.id)

    assert review.pairs == []
    assert unmatched_of(review) == [
        ("Aisha", "There are no approved mentees in this cohort yet."),
        ("Ben", "There are no approved mentees in this cohort yet."),
    ]


async def test_nobody_is_paired_inside_their_line_management_chain(world: PairingWorld) -> None:
    cohort = await world.cohort()
    # Aisha reports to Chioma, who reports to Dev: both mentees are above her.
    await world.applicant(cohort, AISHA, "Aisha", mentor_answers(1, line_manager_email="leader.3@nhs.net"))
    await world.applicant(cohort, CHIOMA, "Chioma", mentee_answers(3, line_manager_email="leader.4@nhs.net"))
    await world.applicant(cohort, DEV, "Dev", mentee_answers(4))

    review = await world.matching.review(cohort.id)

    assert review.pairs == []
    assert unmatched_of(review) == [
        ("Aisha", "No mentee fits the rules: 2 are in their line-management chain."),
        ("Chioma", "No mentor fits the rules: 1 is in their line-management chain."),
        ("Dev", "No mentor fits the rules: 1 is in their line-management chain."),
    ]


async def test_a_mentee_who_is_not_more_senior_than_any_mentor_is_told_why(world: PairingWorld) -> None:
    cohort = await world.cohort()
    await world.applicant(cohort, AISHA, "Aisha", mentor_answers(1, band=Grade.BAND_5))
    await world.applicant(cohort, BEN, "Ben", mentor_answers(2, band=Grade.BAND_6))
    await world.applicant(cohort, CHIOMA, "Chioma", mentee_answers(3, band=Grade.BAND_5))

    review = await world.matching.review(cohort.id)

    assert review.pairs == []
    assert unmatched_of(review) == [
        ("Aisha", "No mentee fits the rules: 1 is not at the right seniority (the mentee must be more senior)."),
        ("Ben", "No mentee fits the rules: 1 is not at the right seniority (the mentee must be more senior)."),
        ("Chioma", "No mentor fits the rules: 2 are not at the right seniority (the mentee must be more senior)."),
    ]


async def test_the_most_common_broken_rule_comes_first(world: PairingWorld) -> None:
    cohort = await world.cohort()
    await world.applicant(cohort, AISHA, "Aisha", mentor_answers(1, line_manager_email="leader.3@nhs.net"))
    await world.applicant(cohort, CHIOMA, "Chioma", mentee_answers(3, line_manager_email="leader.4@nhs.net"))
    await world.applicant(cohort, DEV, "Dev", mentee_answers(4))
    await world.applicant(cohort, ELLA, "Ella", mentee_answers(5, band=Grade.BAND_5))

    review = await world.matching.review(cohort.id)

    assert unmatched_of(review)[0] == (
        "Aisha",
        "No mentee fits the rules: 2 are in their line-management chain; 1 is not at the right seniority (the "
        "mentee must be more senior).",
    )


async def test_someone_suitable_but_outnumbered_is_told_there_were_not_enough_places(world: PairingWorld) -> None:
    cohort = await world.cohort()
    await world.applicant(cohort, AISHA, "Aisha", AISHA_ANSWERS)
    await world.applicant(cohort, BEN, "Ben", BEN_ANSWERS)
    await world.applicant(cohort, CHIOMA, "Chioma", CHIOMA_ANSWERS)

    review = await world.matching.review(cohort.id)

    assert pairs_of(review) == [("Aisha", "Chioma")]
    assert unmatched_of(review) == [
        ("Ben", "1 mentee would suit, but was needed for other pairs: there are more mentors than places this time."),
    ]

    other = await world.cohort(name="Autumn cohort")
    await world.applicant(other, AISHA, "Aisha", AISHA_ANSWERS)
    await world.applicant(other, CHIOMA, "Chioma", CHIOMA_ANSWERS)
    await world.applicant(other, DEV, "Dev", DEV_ANSWERS)
    await world.applicant(
        other, ELLA, "Ella", mentee_answers(5, topics=DEV_ANSWERS.topics, availability=(Availability.MON_PM,))
    )

    review = await world.matching.review(other.id)

    assert pairs_of(review) == [("Aisha", "Chioma")]
    reason = "1 mentor would suit, but was needed for other pairs: there are more mentees than places this time."
    assert unmatched_of(review) == [("Dev", reason), ("Ella", reason)]


async def test_a_mentor_with_two_places_takes_two_mentees(world: PairingWorld) -> None:
    cohort = await world.cohort(mentor_capacity=2)
    await world.applicant(cohort, AISHA, "Aisha", AISHA_ANSWERS)
    await world.applicant(cohort, CHIOMA, "Chioma", CHIOMA_ANSWERS)
    await world.applicant(cohort, DEV, "Dev", DEV_ANSWERS)

    review = await world.matching.review(cohort.id)

    assert pairs_of(review) == [("Aisha", "Chioma"), ("Aisha", "Dev")]
    assert review.unmatched == []


async def test_nothing_is_sent_while_pairs_are_being_worked_out(world: PairingWorld) -> None:
    four = await Four.arrange(world)
    review = await world.matching.review(four.cohort.id)
    review = await world.matching.propose(four.cohort.id)
    review = await world.matching.lock(pair_id(review, "Ben", "Chioma"), True)
    review = await world.matching.swap(pair_id(review, "Ben", "Chioma"), pair_id(review, "Aisha", "Dev"))
    review = await world.matching.unpair(pair_id(review, "Ben", "Dev"))
    review, _ = await world.matching.pair_by_hand(four.cohort.id, four.ben.id, four.dev.id, "They asked to")

    assert pairs_of(review) == [("Aisha", "Chioma"), ("Ben", "Dev")]
    assert world.work.items == {}
    assert world.messages.calls == []


# Locking, unpairing, swapping ------------------------------------------------------------------------------------


async def test_a_locked_pair_survives_a_new_proposal(world: PairingWorld) -> None:
    cohort = await world.cohort()
    await world.applicant(cohort, AISHA, "Aisha", AISHA_ANSWERS)
    await world.applicant(cohort, DEV, "Dev", DEV_ANSWERS)
    first = await world.matching.review(cohort.id)
    assert pairs_of(first) == [("Aisha", "Dev")]
    locked_id = first.pairs[0].pair.id

    locked = await world.matching.lock(locked_id, True)
    assert [(p.pair.id, p.pair.locked) for p in locked.pairs] == [(locked_id, True)]
    # Chioma is approved late, and would suit Aisha better (580 points against 380).
    await world.applicant(cohort, CHIOMA, "Chioma", CHIOMA_ANSWERS)

    kept = await world.matching.propose(cohort.id)
    assert [(p.pair.id, p.mentor.display_name, p.mentee.display_name) for p in kept.pairs] == [
        (locked_id, "Aisha", "Dev")
    ]
    assert unmatched_of(kept) == [
        (
            "Chioma",
            "1 mentor would suit, but was needed for other pairs: there are more mentees than places this time.",
        )
    ]

    await world.matching.lock(locked_id, False)
    redone = await world.matching.propose(cohort.id)
    assert pairs_of(redone) == [("Aisha", "Chioma")]
    assert await world.pairs.get(locked_id) is None


async def test_unpairing_takes_the_pair_apart_for_good_in_this_cohort(world: PairingWorld) -> None:
    four = await Four.arrange(world)
    review = await world.matching.review(four.cohort.id)
    apart = pair_id(review, "Aisha", "Dev")

    review = await world.matching.unpair(apart)

    assert pairs_of(review) == [("Ben", "Chioma")]
    assert await world.pairs.get(apart) is None
    assert await world.pairs.unpaired(four.cohort.id) == {(four.aisha.id, four.dev.id)}
    assert unmatched_of(review) == [
        ("Aisha", "1 mentee would suit, but was needed for other pairs: there are more mentors than places this time."),
        ("Dev", "1 mentor would suit, but was needed for other pairs: there are more mentees than places this time."),
    ]
    # Without Aisha and Dev together, the best two pairs are Aisha with Chioma and Ben with Dev: never Aisha and Dev.
    for _ in range(3):
        review = await world.matching.propose(four.cohort.id)
        assert sorted(pairs_of(review)) == [("Aisha", "Chioma"), ("Ben", "Dev")]

    with pytest.raises(NotFound, match="can't find that pair"):
        await world.matching.unpair(apart)


async def test_a_pair_taken_apart_becomes_the_only_reason_left(world: PairingWorld) -> None:
    cohort = await world.cohort()
    await world.applicant(cohort, AISHA, "Aisha", AISHA_ANSWERS)
    await world.applicant(cohort, CHIOMA, "Chioma", CHIOMA_ANSWERS)
    review = await world.matching.review(cohort.id)

    review = await world.matching.unpair(review.pairs[0].pair.id)
    # Looking again does not bring them back, even though the cohort has no pairs at all now.
    review = await world.matching.review(cohort.id)

    assert review.pairs == []
    assert unmatched_of(review) == [
        ("Aisha", "No mentee fits the rules: 1 is taken apart from them by a coordinator."),
        ("Chioma", "No mentor fits the rules: 1 is taken apart from them by a coordinator."),
    ]


async def test_swapping_exchanges_the_mentees_and_keeps_the_new_pairs(world: PairingWorld) -> None:
    four = await Four.arrange(world)
    review = await world.matching.review(four.cohort.id)
    first, second = pair_id(review, "Ben", "Chioma"), pair_id(review, "Aisha", "Dev")

    swapped = await world.matching.swap(first, second)

    # Ben (the first pair's mentor) takes Dev, and Aisha takes Chioma.
    assert pairs_of(swapped) == [("Ben", "Dev"), ("Aisha", "Chioma")]
    assert [(p.pair.points, p.pair.reasons) for p in swapped.pairs] == [
        (80, (*BEN_WITH_DEV, ON_TEAMS)),
        (580, (*AISHA_WITH_CHIOMA, ON_TEAMS)),
    ]
    assert all((p.pair.locked, p.pair.by_hand, p.pair.override) == (True, True, None) for p in swapped.pairs)
    assert await world.pairs.get(first) is None
    assert await world.pairs.get(second) is None
    # A coordinator's swap is kept when the solver runs again.
    again = await world.matching.propose(four.cohort.id)
    assert [p.pair for p in again.pairs] == [p.pair for p in swapped.pairs]


async def test_a_swap_that_would_break_a_rule_is_refused_and_changes_nothing(world: PairingWorld) -> None:
    cohort = await world.cohort()
    await world.applicant(cohort, AISHA, "Aisha", AISHA_ANSWERS)
    # Dev is Ben's line manager.
    await world.applicant(cohort, BEN, "Ben", replace(BEN_ANSWERS, line_manager_email="leader.4@nhs.net"))
    await world.applicant(cohort, CHIOMA, "Chioma", CHIOMA_ANSWERS)
    await world.applicant(cohort, DEV, "Dev", DEV_ANSWERS)
    review = await world.matching.review(cohort.id)
    assert pairs_of(review) == [("Ben", "Chioma"), ("Aisha", "Dev")]
    before = await world.pairs.for_cohort(cohort.id)

    with pytest.raises(Conflict) as caught:
        await world.matching.swap(pair_id(review, "Ben", "Chioma"), pair_id(review, "Aisha", "Dev"))

    assert caught.value.user_message == (
        "I haven't swapped them, because Ben with Dev: one is in the other's line-management chain. To pair people "
        "against a rule, pair them by hand and give the reason."
    )
    assert await world.pairs.for_cohort(cohort.id) == before


async def test_a_swap_needs_two_different_pairs_of_one_cohort(world: PairingWorld) -> None:
    four = await Four.arrange(world)
    review = await world.matching.review(four.cohort.id)
    one = review.pairs[0].pair.id
    other = await Four.arrange(world, await world.cohort(name="Autumn cohort"))
    elsewhere = (await world.matching.review(other.cohort.id)).pairs[0].pair.id

    with pytest.raises(InvalidInput, match="two different pairs"):
        await world.matching.swap(one, one)
    with pytest.raises(InvalidInput, match="different cohorts"):
        await world.matching.swap(one, elsewhere)
    with pytest.raises(NotFound):
        await world.matching.swap(one, 999)


# Pairing by hand -------------------------------------------------------------------------------------------------


async def by_hand_world(world: PairingWorld) -> tuple[Cohort, Application, Application, Application]:
    """Aisha is paired with Dev; Ben is free; Chioma (Band 4, in Ben's directorate) fits nobody."""
    cohort = await world.cohort()
    aisha = await world.applicant(cohort, AISHA, "Aisha", AISHA_ANSWERS)
    ben = await world.applicant(cohort, BEN, "Ben", BEN_ANSWERS)
    chioma = await world.applicant(
        cohort, CHIOMA, "Chioma", mentee_answers(3, band=JUNIOR_MENTEE, directorate=" medicine ")
    )
    await world.applicant(cohort, DEV, "Dev", DEV_ANSWERS)
    review = await world.matching.review(cohort.id)
    assert pairs_of(review) == [("Aisha", "Dev")]
    return cohort, aisha, ben, chioma


async def test_pairing_against_a_rule_needs_a_reason_naming_nothing_until_given(world: PairingWorld) -> None:
    cohort, _, ben, chioma = await by_hand_world(world)
    before = await world.pairs.for_cohort(cohort.id)

    for missing in (None, "", "   \n "):
        with pytest.raises(Conflict) as caught:
            await world.matching.pair_by_hand(cohort.id, ben.id, chioma.id, missing)
        assert caught.value.user_message == (
            "Pairing Ben with Chioma would break a rule: the mentee is not more senior than the mentor; they work in "
            "the same directorate, and this cohort pairs across directorates. If you still want to, tick the "
            "override and say why; it is kept in the audit log."
        )
    assert await world.pairs.for_cohort(cohort.id) == before


async def test_pairing_against_a_rule_with_a_reason_keeps_the_reason_and_the_pair(world: PairingWorld) -> None:
    cohort, _, ben, chioma = await by_hand_world(world)
    world.clock.advance(timedelta(hours=1))

    review, broken = await world.matching.pair_by_hand(
        cohort.id, ben.id, chioma.id, "  Chioma asked for Ben\n\tby name "
    )

    assert broken == (RuleBreak.NOT_MORE_SENIOR, RuleBreak.SAME_DIRECTORATE)
    assert pairs_of(review) == [("Aisha", "Dev"), ("Ben", "Chioma")]
    made = review.pairs[1].pair
    assert (made.locked, made.by_hand, made.override) == (True, True, "Chioma asked for Ben by name")
    assert (made.mentor, made.mentee, made.state) == (BEN, CHIOMA, PairState.PROPOSED)
    assert made.created_at == world.clock.now()
    assert review.unmatched == []
    # Kept through a new proposal, like any pair a coordinator made.
    again = await world.matching.propose(cohort.id)
    assert made in [p.pair for p in again.pairs]


async def test_a_reason_given_when_no_rule_is_broken_is_not_stored(world: PairingWorld) -> None:
    cohort = await world.cohort()
    await world.applicant(cohort, AISHA, "Aisha", AISHA_ANSWERS)
    await world.applicant(cohort, BEN, "Ben", BEN_ANSWERS)
    await world.applicant(cohort, CHIOMA, "Chioma", CHIOMA_ANSWERS)
    review = await world.matching.review(cohort.id)
    assert pairs_of(review) == [("Aisha", "Chioma")]
    await world.matching.unpair(review.pairs[0].pair.id)
    ben = await world.applications.find(cohort.id, BEN)
    chioma = await world.applications.find(cohort.id, CHIOMA)
    assert ben is not None
    assert chioma is not None

    review, broken = await world.matching.pair_by_hand(cohort.id, ben.id, chioma.id, "Just because")

    assert broken == ()
    assert [(p.pair.override, p.pair.locked, p.pair.by_hand) for p in review.pairs] == [(None, True, True)]


async def test_a_mentors_capacity_cannot_be_overridden(world: PairingWorld) -> None:
    cohort, aisha, _, chioma = await by_hand_world(world)

    with pytest.raises(Conflict) as caught:
        await world.matching.pair_by_hand(cohort.id, aisha.id, chioma.id, "She has the time, she says")

    assert caught.value.user_message == (
        "Aisha already mentors as many people as this cohort allows (1). Unpair one of their pairs first."
    )
    assert pairs_of(await world.matching.review(cohort.id)) == [("Aisha", "Dev")]


async def test_a_mentee_who_has_a_mentor_cannot_be_given_another(world: PairingWorld) -> None:
    cohort, _, ben, _ = await by_hand_world(world)
    dev = await world.applications.find(cohort.id, DEV)
    assert dev is not None

    with pytest.raises(Conflict) as caught:
        await world.matching.pair_by_hand(cohort.id, ben.id, dev.id, "Better fit")

    assert caught.value.user_message == "Dev already has a mentor; unpair them first."
    assert pairs_of(await world.matching.review(cohort.id)) == [("Aisha", "Dev")]


async def test_pairing_by_hand_needs_approved_people_and_a_short_reason(world: PairingWorld) -> None:
    cohort, _, ben, chioma = await by_hand_world(world)
    waiting = await world.applicant(cohort, ELLA, "Ella", mentee_answers(5), ApplicationState.SUBMITTED)

    with pytest.raises(NotFound, match="approved mentor and an approved mentee"):
        await world.matching.pair_by_hand(cohort.id, ben.id, waiting.id, None)
    with pytest.raises(NotFound, match="approved mentor and an approved mentee"):
        # The other way round: a mentee given as the mentor.
        await world.matching.pair_by_hand(cohort.id, chioma.id, ben.id, None)
    with pytest.raises(InvalidInput) as caught:
        await world.matching.pair_by_hand(cohort.id, ben.id, chioma.id, "x" * (MAX_OVERRIDE + 1))
    assert caught.value.user_message == f"Please keep the reason to {MAX_OVERRIDE} characters."
    assert pairs_of(await world.matching.review(cohort.id)) == [("Aisha", "Dev")]


# Only while matching ---------------------------------------------------------------------------------------------


def changes(world: PairingWorld, four: Four, first: int, second: int) -> list[Callable[[], Awaitable[object]]]:
    """Every change a coordinator can make, each named after the method it calls."""

    async def lock() -> object:
        return await world.matching.lock(first, True)

    async def unpair() -> object:
        return await world.matching.unpair(first)

    async def swap() -> object:
        return await world.matching.swap(first, second)

    async def propose() -> object:
        return await world.matching.propose(four.cohort.id)

    async def pair_by_hand() -> object:
        return await world.matching.pair_by_hand(four.cohort.id, four.aisha.id, four.chioma.id, "Reason")

    return [lock, unpair, swap, propose, pair_by_hand]


async def test_pairs_cannot_be_changed_once_published(world: PairingWorld) -> None:
    four = await Four.arrange(world)
    await world.applicant(four.cohort, HANA, "Hana", HANA_ANSWERS)
    review = await world.matching.review(four.cohort.id)
    await world.matching.publish(four.cohort.id)
    first, second = (p.pair.id for p in review.pairs)
    published = await world.pairs.for_cohort(four.cohort.id)
    not_matching = (
        "Cohort 1: Spring cohort is running. Pairs can be changed only while a cohort is being matched, after its "
        "sign-ups close."
    )

    published_already = "That pair has been published already, so it can't be changed here."
    # Changes to a pair find it published; changes to the cohort find it running.
    expected = {
        "lock": published_already,
        "unpair": published_already,
        "swap": published_already,
        "propose": not_matching,
        "pair_by_hand": not_matching,
    }

    for change in changes(world, four, first, second):
        with pytest.raises(Conflict) as caught:
            await change()
        assert caught.value.user_message == expected[change.__name__]
    assert await world.pairs.for_cohort(four.cohort.id) == published
    assert await world.pairs.unpaired(four.cohort.id) == frozenset()


async def test_pairs_cannot_be_changed_while_sign_ups_are_open_again(world: PairingWorld) -> None:
    four = await Four.arrange(world)
    review = await world.matching.review(four.cohort.id)
    reopened = await world.cohorts.move(four.cohort.id, CohortState.MATCHING, CohortState.RECRUITING, DEFAULT_NOW)
    assert reopened is not None
    before = await world.pairs.for_cohort(four.cohort.id)
    first, second = (p.pair.id for p in review.pairs)
    message = (
        "Cohort 1: Spring cohort is open for sign-ups. Pairs can be changed only while a cohort is being matched, "
        "after its sign-ups close."
    )

    for change in changes(world, four, first, second):
        with pytest.raises(Conflict) as caught:
            await change()
        assert caught.value.user_message == message
    assert await world.pairs.for_cohort(four.cohort.id) == before
    assert await world.pairs.unpaired(four.cohort.id) == frozenset()
    # Looking is still fine, and lists nobody as unmatched while sign-ups are open.
    look = await world.matching.review(four.cohort.id)
    assert (pairs_of(look), look.unmatched) == ([("Ben", "Chioma"), ("Aisha", "Dev")], ())


# History ---------------------------------------------------------------------------------------------------------


async def test_people_paired_in_an_earlier_cohort_are_never_proposed_together_again(world: PairingWorld) -> None:
    spring = await world.cohort(name="Spring cohort")
    await world.applicant(spring, AISHA, "Aisha", AISHA_ANSWERS)
    await world.applicant(spring, CHIOMA, "Chioma", CHIOMA_ANSWERS)
    assert pairs_of(await world.matching.review(spring.id)) == [("Aisha", "Chioma")]
    await world.matching.publish(spring.id)

    autumn = await world.cohort(name="Autumn cohort")
    aisha = await world.applicant(autumn, AISHA, "Aisha", AISHA_ANSWERS)
    await world.applicant(autumn, BEN, "Ben", BEN_ANSWERS)
    chioma = await world.applicant(autumn, CHIOMA, "Chioma", CHIOMA_ANSWERS)

    for _ in range(2):
        review = await world.matching.propose(autumn.id)
        # Aisha with Chioma would score 580 and Ben with Chioma 380, but they have been paired before.
        assert pairs_of(review) == [("Ben", "Chioma")]
    assert unmatched_of(review) == [
        ("Aisha", "No mentee fits the rules: 1 is ruled out because they were paired before.")
    ]
    await world.matching.unpair(review.pairs[0].pair.id)
    with pytest.raises(Conflict, match="they have been paired before"):
        await world.matching.pair_by_hand(autumn.id, aisha.id, chioma.id, None)


async def test_a_pair_only_proposed_in_another_cohort_is_no_history(world: PairingWorld) -> None:
    spring = await world.cohort(name="Spring cohort")
    await world.applicant(spring, AISHA, "Aisha", AISHA_ANSWERS)
    await world.applicant(spring, CHIOMA, "Chioma", CHIOMA_ANSWERS)
    assert pairs_of(await world.matching.review(spring.id)) == [("Aisha", "Chioma")]

    autumn = await world.cohort(name="Autumn cohort")
    await world.applicant(autumn, AISHA, "Aisha", AISHA_ANSWERS)
    await world.applicant(autumn, CHIOMA, "Chioma", CHIOMA_ANSWERS)

    assert pairs_of(await world.matching.review(autumn.id)) == [("Aisha", "Chioma")]


# Publishing ------------------------------------------------------------------------------------------------------


class Published:
    """The four, plus Hana (an approved mentor nobody is left for) and Ivy (an approved mentee too junior for
    anyone), published at one moment."""

    def __init__(self, four: Four, hana: Application, ivy: Application) -> None:
        self.four, self.hana, self.ivy = four, hana, ivy

    @classmethod
    async def arrange(cls, world: PairingWorld) -> Published:
        four = await Four.arrange(world)
        hana = await world.applicant(four.cohort, HANA, "Hana", HANA_ANSWERS)
        ivy = await world.applicant(four.cohort, person(9), "Ivy", mentee_answers(9, band=JUNIOR_MENTEE))
        review = await world.matching.review(four.cohort.id)
        assert pairs_of(review) == [("Ben", "Chioma"), ("Aisha", "Dev")]
        world.clock.advance(timedelta(hours=2))
        return cls(four, hana, ivy)


async def test_publishing_introduces_every_pair_and_waitlists_the_rest(world: PairingWorld) -> None:
    arranged = await Published.arrange(world)
    four = arranged.four
    now = world.clock.now()

    publication = await world.matching.publish(four.cohort.id)

    cohort = await world.cohorts.get(four.cohort.id)
    assert cohort is not None
    assert (cohort.state, cohort.updated_at) == (CohortState.RUNNING, now)
    assert (publication.cohort, publication.pairs, publication.waitlisted) == (cohort, 2, 2)
    pairs = await world.pairs.for_cohort(four.cohort.id)
    assert [(p.mentor, p.mentee, p.state, p.published_at) for p in pairs] == [
        (BEN, CHIOMA, PairState.PUBLISHED, now),
        (AISHA, DEV, PairState.PUBLISHED, now),
    ]
    ben_chioma, aisha_dev = (p.id for p in pairs)

    sent = scheduled_messages(world.work)
    introductions = [m for m in sent if m.payload["summary"] == "introduction"]
    assert [(m.idempotency_key, m.recipient, m.tenant, m.payload["text"]) for m in introductions] == [
        (
            f"pair:{ben_chioma}:introduction:{BEN.value}",
            BEN,
            TENANT,
            "introduction to Ben about Chioma in Cohort 1: Spring cohort; shared: belonging",
        ),
        (
            f"pair:{ben_chioma}:introduction:{CHIOMA.value}",
            CHIOMA,
            TENANT,
            "introduction to Chioma about Ben in Cohort 1: Spring cohort; shared: belonging",
        ),
        (
            f"pair:{aisha_dev}:introduction:{AISHA.value}",
            AISHA,
            TENANT,
            "introduction to Aisha about Dev in Cohort 1: Spring cohort; shared: career-progression",
        ),
        (
            f"pair:{aisha_dev}:introduction:{DEV.value}",
            DEV,
            TENANT,
            "introduction to Dev about Aisha in Cohort 1: Spring cohort; shared: career-progression",
        ),
    ]
    assert all(m.due_at == now for m in introductions)
    assert Counter(m.recipient for m in introductions) == {BEN: 1, CHIOMA: 1, AISHA: 1, DEV: 1}

    hana, ivy = await world.current(arranged.hana), await world.current(arranged.ivy)
    assert (hana.state, ivy.state) == (ApplicationState.WAITLISTED, ApplicationState.WAITLISTED)
    told = [m for m in sent if m.payload["summary"] == "not matched"]
    assert [(m.idempotency_key, m.recipient, m.payload["text"]) for m in told] == [
        (decision_key(hana), HANA, "no partner for Hana in Cohort 1: Spring cohort"),
        (decision_key(ivy), person(9), "no partner for Ivy in Cohort 1: Spring cohort"),
    ]
    assert len(sent) == 6
    # Nobody else is touched: the application waiting for a decision, the declined and the waitlisted one.
    states = {a.display_name: a.state for a in await world.applications.for_cohort(four.cohort.id)}
    assert (states["Ella"], states["Femi"], states["Gita"]) == (
        ApplicationState.SUBMITTED,
        ApplicationState.DECLINED,
        ApplicationState.WAITLISTED,
    )
    assert [i for i in world.work.items.values() if i.kind == PAIR_CHAT] == []
    assert [i.kind for i in world.work.items.values()] == [MESSAGE] * 6


async def test_publishing_again_sends_nothing_new(world: PairingWorld) -> None:
    arranged = await Published.arrange(world)
    cohort_id = arranged.four.cohort.id
    await world.matching.publish(cohort_id)
    published_at = world.clock.now()
    items = dict(world.work.items)
    calls = len(world.messages.calls)
    world.clock.advance(timedelta(minutes=10))

    again = await world.matching.publish(cohort_id)

    assert (again.cohort.state, again.pairs, again.waitlisted) == (CohortState.RUNNING, 2, 0)
    assert world.work.items == items
    # Messages are written again but their keys are known, so none is queued twice.
    assert [call.kind for call in world.messages.calls[calls:]] == ["introduction"] * 4
    assert [p.published_at for p in await world.pairs.for_cohort(cohort_id)] == [published_at] * 2


async def test_publishing_finishes_a_publication_that_was_interrupted(world: PairingWorld) -> None:
    arranged = await Published.arrange(world)
    cohort_id = arranged.four.cohort.id
    # The cohort moved to running, and then the service stopped before anything else happened.
    await world.cohorts.move(cohort_id, CohortState.MATCHING, CohortState.RUNNING, world.clock.now())

    publication = await world.matching.publish(cohort_id)

    assert (publication.pairs, publication.waitlisted) == (2, 2)
    assert {p.state for p in await world.pairs.for_cohort(cohort_id)} == {PairState.PUBLISHED}
    assert len(scheduled_messages(world.work)) == 6


async def test_publishing_with_pair_chats_queues_one_chat_per_pair() -> None:
    world = PairingWorld(pair_chats=True)
    arranged = await Published.arrange(world)

    await world.matching.publish(arranged.four.cohort.id)
    await world.matching.publish(arranged.four.cohort.id)

    ben_chioma, aisha_dev = (p.id for p in await world.pairs.for_cohort(arranged.four.cohort.id))
    chats = [i for i in world.work.items.values() if i.kind == PAIR_CHAT]
    assert [(i.idempotency_key, i.tenant, i.recipient, dict(i.payload), i.due_at) for i in chats] == [
        (
            f"pair:{ben_chioma}:chat",
            TENANT,
            None,
            {"summary": "pair chat and introduction", "pair": ben_chioma},
            world.clock.now(),
        ),
        (
            f"pair:{aisha_dev}:chat",
            TENANT,
            None,
            {"summary": "pair chat and introduction", "pair": aisha_dev},
            world.clock.now(),
        ),
    ]
    # The people themselves are still introduced one to one.
    assert len(scheduled_messages(world.work)) == 6


async def test_publishing_needs_proposed_pairs(world: PairingWorld) -> None:
    cohort = await world.cohort()
    await world.applicant(cohort, AISHA, "Aisha", AISHA_ANSWERS)

    with pytest.raises(Conflict) as caught:
        await world.matching.publish(cohort.id)

    assert caught.value.user_message == (
        "Cohort 1: Spring cohort has no proposed pairs to publish yet. Type 'match' to propose some."
    )
    assert (await world.cohorts.get(cohort.id)) == cohort
    assert world.work.items == {}
    aisha = await world.applications.find(cohort.id, AISHA)
    assert aisha is not None
    assert aisha.state is ApplicationState.APPROVED


async def test_a_draft_cannot_be_published(world: PairingWorld) -> None:
    draft = await world.cohort(CohortState.DRAFT)

    with pytest.raises(Conflict) as caught:
        await world.matching.publish(draft.id)

    assert caught.value.user_message == "Cohort 1: Spring cohort is a draft, so there is nothing to publish."
    assert await world.cohorts.get(draft.id) == draft
    assert world.work.items == {}


async def test_a_cohort_that_does_not_exist_is_not_found(world: PairingWorld) -> None:
    with pytest.raises(NotFound, match="There is no cohort 7"):
        await world.matching.review(7)
    with pytest.raises(NotFound, match="There is no cohort 7"):
        await world.matching.publish(7)


async def test_nobody_who_withdrew_after_the_proposal_is_introduced(world: PairingWorld) -> None:
    four = await Four.arrange(world)
    review = await world.matching.review(four.cohort.id)
    await world.matching.lock(pair_id(review, "Aisha", "Dev"), True)
    withdrawn = await world.applications.move(
        four.dev.id, ApplicationState.WITHDRAWN, four.dev.version, world.clock.now()
    )
    assert withdrawn is not None

    with pytest.raises(Conflict) as caught:
        await world.matching.publish(four.cohort.id)

    assert caught.value.user_message == (
        "Dev withdrew after these pairs were proposed, so I haven't published anything. Type 'match' to propose "
        "pairs again."
    )
    assert (await world.cohorts.get(four.cohort.id)) == four.cohort
    assert world.work.items == {}
    # Proposing again lets go of the pair, even though it was locked, and finds Aisha a new partner.
    review = await world.matching.propose(four.cohort.id)
    assert pairs_of(review) == [("Aisha", "Chioma")]
    assert unmatched_of(review) == [
        ("Ben", "1 mentee would suit, but was needed for other pairs: there are more mentors than places this time.")
    ]
    publication = await world.matching.publish(four.cohort.id)
    assert (publication.pairs, publication.waitlisted) == (1, 1)
    recipients = {m.recipient for m in scheduled_messages(world.work)}
    assert recipients == {AISHA, CHIOMA, BEN}
    assert MessageCall("introduction", ("Aisha", "Chioma")) in world.messages.calls


async def test_a_swap_with_someone_who_withdrew_is_refused(world: PairingWorld) -> None:
    four = await Four.arrange(world)
    review = await world.matching.review(four.cohort.id)
    before = await world.pairs.for_cohort(four.cohort.id)
    await world.applications.move(four.chioma.id, ApplicationState.WITHDRAWN, four.chioma.version, world.clock.now())

    with pytest.raises(Conflict) as caught:
        await world.matching.swap(pair_id(review, "Ben", "Chioma"), pair_id(review, "Aisha", "Dev"))

    assert caught.value.user_message == (
        "Someone in those pairs has withdrawn since they were proposed, so I haven't swapped them. Type 'match' to "
        "propose pairs again."
    )
    assert await world.pairs.for_cohort(four.cohort.id) == before


async def test_everyone_who_withdrew_after_the_proposal_is_named(world: PairingWorld) -> None:
    four = await Four.arrange(world)
    await world.matching.review(four.cohort.id)
    for gone in (four.dev, four.ben):
        await world.applications.move(gone.id, ApplicationState.WITHDRAWN, gone.version, world.clock.now())

    with pytest.raises(Conflict, match=r"^Ben and Dev withdrew after these pairs were proposed"):
        await world.matching.publish(four.cohort.id)
    assert world.work.items == {}
