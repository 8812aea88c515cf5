"""The first-meeting agreement: only the pair see and change it, both confirm one version, coordinators see a tick."""

from __future__ import annotations

from datetime import timedelta

import pytest

from programme.applications import Application, ApplicationState
from programme.cohorts import Cohort, CohortState
from programme.contracts import MAX_GOAL, MAX_WAYS, Agreement, Contract
from programme.errors import Conflict, InvalidFields, NotAuthorised, NotFound
from programme.first_meeting import FirstMeeting
from programme.pairs import NewPair, Pair
from tests.programme.builders import AISHA, BEN, CHIOMA, DEV, ELLA, person, scheduled_messages
from tests.programme.pairing_world import (
    AISHA_ANSWERS,
    BEN_ANSWERS,
    CHIOMA_ANSWERS,
    DEV_ANSWERS,
    PairingWorld,
    mentee_answers,
    mentor_answers,
)
from tests.support.recording_messages import MessageCall

HANA = person(8)
GOALS = Agreement(goals=("Understand what the staff network hears",), how_we_work="Monthly, on Teams")


class MeetingWorld(PairingWorld):
    def __init__(self) -> None:
        super().__init__()
        self.first_meeting = FirstMeeting(
            pairs=self.pairs,
            contracts=self.contracts,
            applications=self.applications,
            work=self.work,
            messages=self.messages,
            clock=self.clock,
        )


class Pairs:
    """A running cohort: Aisha mentors Chioma, Ben mentors Dev (both published); Ella and Hana only proposed."""

    def __init__(self, cohort: Cohort, aisha: Application, chioma: Application, first: Pair, second: Pair) -> None:
        self.cohort, self.aisha, self.chioma = cohort, aisha, chioma
        self.first, self.second = first, second

    @classmethod
    async def arrange(cls, world: MeetingWorld) -> Pairs:
        cohort = await world.cohort(CohortState.RUNNING)
        aisha = await world.applicant(cohort, AISHA, "Aisha", AISHA_ANSWERS)
        chioma = await world.applicant(cohort, CHIOMA, "Chioma", CHIOMA_ANSWERS)
        ben = await world.applicant(cohort, BEN, "Ben", BEN_ANSWERS)
        dev = await world.applicant(cohort, DEV, "Dev", DEV_ANSWERS)
        first = await world.published_pair(cohort, aisha, chioma)
        second = await world.published_pair(cohort, ben, dev)
        hana = await world.applicant(cohort, HANA, "Hana", mentor_answers(8))
        ella = await world.applicant(cohort, ELLA, "Ella", mentee_answers(5))
        await world.pairs.add(
            NewPair(cohort.id, hana.id, ella.id, HANA, ELLA, points=10, reasons=("proposed only",)), world.clock.now()
        )
        return cls(cohort, aisha, chioma, first, second)


@pytest.fixture
def world() -> MeetingWorld:
    return MeetingWorld()


# Whose agreement ------------------------------------------------------------------------------------------------


async def test_someone_without_a_published_pair_has_no_agreement_yet(world: MeetingWorld) -> None:
    await Pairs.arrange(world)

    for who in (ELLA, HANA):  # proposed, never published
        with pytest.raises(NotFound) as caught:
            await world.first_meeting.mine(who)
        assert caught.value.user_message == (
            "You don't have a partner yet. Once pairs are published I'll introduce you."
        )


async def test_each_person_sees_their_own_pair(world: MeetingWorld) -> None:
    pairs = await Pairs.arrange(world)

    mentor = await world.first_meeting.mine(AISHA)
    mentee = await world.first_meeting.mine(CHIOMA, pairs.first.id)

    assert (mentor.pair, mentor.me, mentor.partner) == (pairs.first, pairs.aisha, pairs.chioma)
    assert (mentee.pair, mentee.me, mentee.partner) == (pairs.first, pairs.chioma, pairs.aisha)
    assert mentor.contract == Contract(pair_id=pairs.first.id, agreement=None)
    assert (mentor.i_am_mentor, mentee.i_am_mentor) == (True, False)
    assert (mentor.i_confirmed, mentee.i_confirmed) == (False, False)


async def test_someone_elses_agreement_is_neither_shown_nor_changed(world: MeetingWorld) -> None:
    pairs = await Pairs.arrange(world)
    proposed = (await world.pairs.for_person(ELLA))[0]
    refusal = "That agreement isn't one of yours, so I can't show or change it."

    # Someone else's pair, a pair that does not exist and one's own pair that was never published all look alike.
    for pair_id in (pairs.second.id, 999, proposed.id):
        who = ELLA if pair_id == proposed.id else AISHA
        with pytest.raises(NotAuthorised) as caught:
            await world.first_meeting.mine(who, pair_id)
        assert caught.value.user_message == refusal
    with pytest.raises(NotAuthorised):
        await world.first_meeting.write(AISHA, pairs.second.id, GOALS, 0)
    with pytest.raises(NotAuthorised):
        await world.first_meeting.confirm(AISHA, pairs.second.id, 0)

    assert await world.contracts.get(pairs.second.id) is None
    assert world.work.items == {}


async def test_an_agreement_closes_when_either_of_the_pair_steps_back(world: MeetingWorld) -> None:
    pairs = await Pairs.arrange(world)
    await world.applications.move(pairs.aisha.id, ApplicationState.WITHDRAWN, pairs.aisha.version, world.clock.now())

    # The pair stays published (it happened), but the one left is not sent to ask the one who left to confirm.
    with pytest.raises(NotFound) as partner_left:
        await world.first_meeting.write(CHIOMA, pairs.first.id, GOALS, 0)
    assert partner_left.value.user_message == (
        "Your partner has left the programme, so this agreement is closed. Your coordinator knows."
    )
    with pytest.raises(NotFound) as stepped_back:
        await world.first_meeting.mine(AISHA, pairs.first.id)
    assert stepped_back.value.user_message == "You've stepped back from the programme, so this agreement is closed."
    with pytest.raises(NotFound):
        await world.first_meeting.confirm(AISHA, pairs.first.id, 0)

    assert await world.contracts.get(pairs.first.id) is None
    assert world.work.items == {}
    # The other pair carries on.
    assert (await world.first_meeting.mine(BEN)).pair == pairs.second


# Writing ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agreement", "problems"),
    [
        (Agreement(goals=()), {"goals": "Please write at least one learning goal for the mentee."}),
        (Agreement(goals=("  ", "\t\n")), {"goals": "Please write at least one learning goal for the mentee."}),
        (
            Agreement(goals=("One", "Two", "Three", "Four")),
            {"goals": "Please keep to 3 goals at most: the ones that matter most."},
        ),
        (
            Agreement(goals=("g" * (MAX_GOAL + 1),), how_we_work="w" * (MAX_WAYS + 1)),
            {
                "goals": f"Please keep each goal to {MAX_GOAL} characters.",
                "how_we_work": f"Please keep this to {MAX_WAYS} characters.",
            },
        ),
    ],
)
async def test_an_agreement_that_does_not_fit_is_refused_field_by_field(
    world: MeetingWorld, agreement: Agreement, problems: dict[str, str]
) -> None:
    pairs = await Pairs.arrange(world)

    with pytest.raises(InvalidFields) as caught:
        await world.first_meeting.write(AISHA, pairs.first.id, agreement, 0)

    assert caught.value.problems == problems
    assert await world.contracts.get(pairs.first.id) is None
    assert world.work.items == {}


async def test_writing_saves_a_tidy_agreement_and_asks_the_partner_to_confirm(world: MeetingWorld) -> None:
    pairs = await Pairs.arrange(world)
    world.clock.advance(timedelta(days=3))

    mine = await world.first_meeting.write(
        AISHA,
        pairs.first.id,
        Agreement(goals=("  Understand  what the\tnetwork hears ", "", "Visit a ward"), how_we_work=" Monthly "),
        0,
    )

    tidy = Agreement(goals=("Understand what the network hears", "Visit a ward"), how_we_work="Monthly")
    assert mine.contract == Contract(pair_id=pairs.first.id, agreement=tidy, version=1)
    assert await world.contracts.get(pairs.first.id) == mine.contract
    assert (mine.me, mine.partner) == (pairs.aisha, pairs.chioma)
    sent = scheduled_messages(world.work)
    assert [(m.idempotency_key, m.recipient, m.due_at, m.payload["text"]) for m in sent] == [
        (
            f"pair:{pairs.first.id}:agreement:1:to:{CHIOMA.value}",
            CHIOMA,
            world.clock.now(),
            f"Aisha wrote version 1 of the agreement of pair {pairs.first.id}",
        )
    ]


async def test_each_version_reaches_the_partner_once_and_a_stale_edit_is_refused(world: MeetingWorld) -> None:
    pairs = await Pairs.arrange(world)
    await world.first_meeting.write(AISHA, pairs.first.id, GOALS, 0)
    theirs = Agreement(goals=("Hear about recruitment",), how_we_work="Fortnightly, in person")
    second = await world.first_meeting.write(CHIOMA, pairs.first.id, theirs, 1)
    assert second.contract.version == 2

    with pytest.raises(Conflict) as caught:
        # Aisha still has version 1 open.
        await world.first_meeting.write(AISHA, pairs.first.id, GOALS, 1)

    assert caught.value.user_message == (
        "Your partner changed the agreement while you were writing; here is their latest version."
    )
    assert await world.contracts.get(pairs.first.id) == Contract(pairs.first.id, theirs, version=2)
    assert [(m.idempotency_key, m.recipient) for m in scheduled_messages(world.work)] == [
        (f"pair:{pairs.first.id}:agreement:1:to:{CHIOMA.value}", CHIOMA),
        (f"pair:{pairs.first.id}:agreement:2:to:{AISHA.value}", AISHA),
    ]
    assert world.messages.calls == [
        MessageCall("agreement_to_confirm", ("Aisha", "1")),
        MessageCall("agreement_to_confirm", ("Chioma", "2")),
    ]


# Confirming ------------------------------------------------------------------------------------------------------


async def test_there_is_nothing_to_confirm_before_someone_writes(world: MeetingWorld) -> None:
    pairs = await Pairs.arrange(world)

    with pytest.raises(Conflict) as caught:
        await world.first_meeting.confirm(CHIOMA, pairs.first.id, 0)

    assert caught.value.user_message == (
        "There is nothing to confirm yet: one of you needs to write the agreement first."
    )
    assert await world.contracts.get(pairs.first.id) is None


async def test_both_confirming_the_same_version_makes_it_agreed(world: MeetingWorld) -> None:
    pairs = await Pairs.arrange(world)
    await world.first_meeting.write(AISHA, pairs.first.id, GOALS, 0)
    world.clock.advance(timedelta(hours=1))
    mentee_at = world.clock.now()

    mentee = await world.first_meeting.confirm(CHIOMA, pairs.first.id, 1)

    assert (mentee.contract.mentee_confirmed_at, mentee.contract.mentor_confirmed_at) == (mentee_at, None)
    assert (mentee.i_confirmed, mentee.contract.confirmed) == (True, False)
    assert not (await world.first_meeting.mine(AISHA)).i_confirmed

    world.clock.advance(timedelta(hours=1))
    mentor = await world.first_meeting.confirm(AISHA, pairs.first.id, 1)

    assert mentor.contract == Contract(
        pairs.first.id, GOALS.checked(), mentor_confirmed_at=world.clock.now(), mentee_confirmed_at=mentee_at, version=1
    )
    assert (mentor.i_confirmed, mentor.contract.confirmed) == (True, True)
    # Confirming is not a change of the words: the partner is not asked to confirm again.
    assert len(scheduled_messages(world.work)) == 1


async def test_a_confirmation_of_an_older_version_is_refused(world: MeetingWorld) -> None:
    pairs = await Pairs.arrange(world)
    await world.first_meeting.write(AISHA, pairs.first.id, GOALS, 0)
    await world.first_meeting.confirm(AISHA, pairs.first.id, 1)
    # Chioma opened version 1; meanwhile Aisha changed it, which clears her own confirmation too.
    changed = Agreement(goals=("Understand what the network hears", "Shadow a board meeting"))
    await world.first_meeting.write(AISHA, pairs.first.id, changed, 1)

    with pytest.raises(Conflict) as caught:
        await world.first_meeting.confirm(CHIOMA, pairs.first.id, 1)

    assert caught.value.user_message == (
        "The agreement changed since you opened it, so I haven't recorded your confirmation. Please read the "
        "latest version and confirm that one."
    )
    assert await world.contracts.get(pairs.first.id) == Contract(pairs.first.id, changed, version=2)
    assert not (await world.first_meeting.mine(AISHA)).i_confirmed


# What coordinators see -------------------------------------------------------------------------------------------


async def test_coordinators_see_only_whether_each_published_pair_has_agreed(world: MeetingWorld) -> None:
    pairs = await Pairs.arrange(world)
    await world.first_meeting.write(AISHA, pairs.first.id, GOALS, 0)
    await world.first_meeting.confirm(AISHA, pairs.first.id, 1)
    await world.first_meeting.confirm(CHIOMA, pairs.first.id, 1)
    # Ben and Dev wrote theirs, but only Ben has confirmed.
    await world.first_meeting.write(DEV, pairs.second.id, GOALS, 0)
    await world.first_meeting.confirm(BEN, pairs.second.id, 1)

    seen = await world.first_meeting.confirmed_by_pair(pairs.cohort.id)

    # The proposed pair (Hana and Ella) is not there at all; the others are plain yes or no.
    assert seen == {pairs.first.id: True, pairs.second.id: False}
    assert all(type(value) is bool for value in seen.values())
    assert await world.first_meeting.confirmed_by_pair(pairs.cohort.id + 1) == {}
