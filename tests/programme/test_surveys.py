"""The survey engine on a fake clock: the three surveys open on their dates for everyone in a pair, each with one
reminder to those who have not answered; nobody paused or gone is asked; coordinators can send a survey early,
never twice; answers are kept under a pseudonym, and each person answers each survey once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from programme.errors import Conflict, InvalidFields, InvalidInput, NotFound
from programme.notifier import OutboundMessage
from programme.profiles import Role
from programme.prompts import PromptKind
from programme.survey_questions import SurveyKind, current_set
from programme.surveys import (
    DAMAGED_FORM,
    NOT_YOURS,
    OPEN_FOR,
    STEPPED_BACK,
    SurveyRound,
    survey_windows,
)
from tests.programme.builders import LONDON, person
from tests.programme.survey_world import (
    ENDS,
    EVERYONE,
    MENTEES,
    MENTORS,
    MIDPOINT,
    STARTS,
    SurveyWorld,
    agreeing,
    at,
)
from tests.support.fakes import DEFAULT_NOW

BASELINE = "start-of-programme survey"
BASELINE_REMINDER = "start-of-programme survey reminder"
PULSE = "mid-point check-in"
PULSE_REMINDER = "mid-point check-in reminder"
END = "end-of-programme survey"
END_REMINDER = "end-of-programme survey reminder"


@pytest.fixture
async def world() -> SurveyWorld:
    built = SurveyWorld()
    await built.arrange()
    return built


# When ------------------------------------------------------------------------------------------------------------


async def test_the_three_surveys_open_on_their_dates_each_with_one_reminder(world: SurveyWorld) -> None:
    # Published a week before the start: nothing yet.
    await world.at(DEFAULT_NOW)
    assert world.sent() == []
    await world.at(at(STARTS - timedelta(days=1), 16))
    assert world.sent() == []

    # The baseline, on the first morning.
    await world.at(at(STARTS))
    assert sorted(world.invited(BASELINE)) == sorted(EVERYONE)
    # Running the job and sweeping again asks nobody twice.
    await world.at(at(STARTS, 10))
    assert len(world.sent()) == len(EVERYONE)

    # Six answer; a week on, the other four get their one reminder.
    for who in (*MENTORS[:3], *MENTEES[:3]):
        await world.answer(who, SurveyKind.BASELINE)
    before = len(world.sent())
    await world.at(at(STARTS + timedelta(days=7)))
    assert sorted(world.invited(BASELINE_REMINDER, since=before)) == sorted((*MENTORS[3:], *MENTEES[3:]))
    for week in range(2, 13):
        await world.at(at(STARTS + timedelta(weeks=week)))
    assert len(world.sent()) == len(EVERYONE) + 4

    # The mid-point pulse, half way, and its reminder to whoever has not answered it.
    before = len(world.sent())
    await world.at(at(MIDPOINT))
    assert sorted(world.invited(PULSE, since=before)) == sorted(EVERYONE)
    for who in EVERYONE[:8]:
        await world.answer(who, SurveyKind.MIDPOINT)
    await world.at(at(MIDPOINT + timedelta(days=7)))
    assert sorted(world.invited(PULSE_REMINDER, since=before)) == sorted(EVERYONE[8:])

    # The end survey on the last day, and its reminder.
    before = len(world.sent())
    for week in range(1, 13):
        await world.at(at(MIDPOINT + timedelta(weeks=week, days=1)))
    assert world.sent(since=before) == []
    await world.at(at(ENDS))
    assert sorted(world.invited(END, since=before)) == sorted(EVERYONE)
    await world.at(at(ENDS + timedelta(days=7)))
    assert sorted(world.invited(END_REMINDER, since=before)) == sorted(EVERYONE)
    for week in range(2, 8):
        await world.at(at(ENDS + timedelta(weeks=week)))
    assert len(world.sent(since=before)) == 2 * len(EVERYONE)

    # Each survey was one prompt per person, and an answer marks it answered.
    prompts = world.prompts.of(MENTORS[0])
    assert sorted((p.kind, p.ref, p.answered_at is not None) for p in prompts) == [
        (PromptKind.SURVEY, f"survey:{world.cohort_id}:baseline", True),
        (PromptKind.SURVEY, f"survey:{world.cohort_id}:end", False),
        (PromptKind.SURVEY, f"survey:{world.cohort_id}:midpoint", True),
    ]


async def test_invitations_wait_for_working_hours(world: SurveyWorld) -> None:
    # The baseline opens at midnight; the hourly job finds it then, and the sweeper holds it until nine.
    report = await world.at(at(STARTS, 0, 30))
    assert world.sent() == []
    assert report.deferred == len(EVERYONE)

    await world.at(at(STARTS, 9, 5))
    assert len(world.invited(BASELINE)) == len(EVERYONE)


async def test_nobody_paused_or_withdrawn_is_asked(world: SurveyWorld) -> None:
    paused, gone = MENTEES[0], MENTORS[1]
    await world.participants.set_pause(paused, STARTS + timedelta(days=10), world.clock.now())
    await world.withdraw(gone)

    await world.at(at(STARTS))

    assert sorted(world.invited(BASELINE)) == sorted(set(EVERYONE) - {paused, gone})
    # Back from the pause while the survey is still open: asked then, and nobody else again.
    before = len(world.sent())
    await world.at(at(STARTS + timedelta(days=11)))
    assert world.invited(BASELINE, since=before) == [paused]
    # Their reminder comes a week after their own invitation; the gone never hear a thing.
    await world.at(at(STARTS + timedelta(days=18)))
    assert gone not in {s.person for s in world.sent()}
    assert world.invited(BASELINE_REMINDER).count(paused) == 1


async def test_someone_paused_after_being_queued_is_not_sent_it(world: SurveyWorld) -> None:
    world.clock.set(at(STARTS, 0, 30))
    await world.surveys.open_due()
    paused = MENTORS[0]
    await world.participants.set_pause(paused, STARTS + timedelta(days=40), world.clock.now())

    await world.at(at(STARTS))

    assert paused not in world.invited(BASELINE)
    assert len(world.invited(BASELINE)) == len(EVERYONE) - 1


async def test_someone_who_leaves_before_their_reminder_gets_none(world: SurveyWorld) -> None:
    await world.at(at(STARTS))
    await world.withdraw(MENTORS[0])

    await world.at(at(STARTS + timedelta(days=7)))

    assert MENTORS[0] not in world.invited(BASELINE_REMINDER)
    assert len(world.invited(BASELINE_REMINDER)) == len(EVERYONE) - 1


async def test_a_person_paired_late_is_asked_while_the_survey_is_open(world: SurveyWorld) -> None:
    await world.at(at(STARTS))
    assert world.cohort is not None
    late_mentor, late_mentee = person(31), person(41)
    world.clock.set(at(STARTS + timedelta(days=3)))
    await world.pair(world.cohort, late_mentor, late_mentee)

    before = len(world.sent())
    await world.at(at(STARTS + timedelta(days=3), 10))

    assert sorted(world.invited(BASELINE, since=before)) == sorted([late_mentor, late_mentee])


async def test_a_survey_answered_before_its_invitation_is_not_sent(world: SurveyWorld) -> None:
    world.clock.set(at(STARTS, 0, 30))
    await world.surveys.open_due()
    # Typed 'survey' at half past midnight, before the morning's invitations went.
    form = await world.surveys.mine(MENTEES[2])
    assert form.kind is SurveyKind.BASELINE
    await world.answer(MENTEES[2], SurveyKind.BASELINE)

    await world.at(at(STARTS))
    await world.at(at(STARTS + timedelta(days=8)))

    assert MENTEES[2] not in world.invited(BASELINE) + world.invited(BASELINE_REMINDER)


async def test_the_invitation_is_the_survey_itself(world: SurveyWorld) -> None:
    await world.at(at(STARTS))

    (first, *_) = world.messages()
    assert first.card is not None
    inputs = [e["id"] for e in first.card["body"] if e["type"].startswith("Input.")]
    role = world.role(world.sent()[0].person)
    questions = current_set(role, SurveyKind.BASELINE)
    assert inputs == [f"likert-{item.id}" for item in questions.likert] + [
        f"text-{item.id}" for item in questions.free_text
    ]


async def test_three_ignored_prompts_pause_instead_of_a_fourth(world: SurveyWorld) -> None:
    who = MENTEES[4]
    for n in range(3):
        await world.prompter.send(
            world.notifier, world.people[who].tenant, who, PromptKind.DID_YOU_MEET, f"meeting:{n}", _text()
        )

    await world.at(at(STARTS))

    assert who not in world.invited(BASELINE)
    participant = await world.participants.get(who)
    assert participant is not None
    assert participant.paused_until is not None
    # Paused, so the reminder queued with the invitation is dropped, not sent.
    await world.at(at(STARTS + timedelta(days=7)))
    assert who not in world.invited(BASELINE_REMINDER)


async def test_someone_paused_by_the_survey_invitation_is_asked_again_when_they_resume(world: SurveyWorld) -> None:
    who = MENTEES[4]
    for n in range(3):
        await world.prompter.send(
            world.notifier, world.people[who].tenant, who, PromptKind.DID_YOU_MEET, f"meeting:{n}", _text()
        )
    await world.at(at(STARTS))
    assert who not in world.invited(BASELINE)

    # Back a week later, while the baseline is still open: it reaches them now, once.
    await world.at(at(STARTS + timedelta(days=8)))
    await world.participants.set_pause(who, None, world.clock.now())
    await world.surveys.resumed(who)
    await world.surveys.resumed(who)
    await world.sweeper.sweep_until_idle()

    assert world.invited(BASELINE).count(who) == 1


async def test_resuming_asks_nothing_already_answered_or_closed(world: SurveyWorld) -> None:
    who = MENTEES[0]
    await world.at(at(STARTS))
    await world.answer(who, SurveyKind.BASELINE)
    before = len(world.sent())

    await world.surveys.resumed(who)
    await world.sweeper.sweep_until_idle()

    assert world.sent(since=before) == []


# Sending early ---------------------------------------------------------------------------------------------------


async def test_a_coordinator_sends_the_baseline_early_and_it_never_goes_twice(world: SurveyWorld) -> None:
    sending = await world.surveys.send(world.cohort_id, SurveyKind.BASELINE)

    assert (sending.already_open, sending.queued, sending.passed_over) == (False, len(EVERYONE), ())
    assert sending.opened_at == DEFAULT_NOW
    await world.at(DEFAULT_NOW)
    assert sorted(world.invited(BASELINE)) == sorted(EVERYONE)
    (opened,) = await world.store.rounds(world.cohort_id)
    assert opened == SurveyRound(world.cohort_id, SurveyKind.BASELINE, DEFAULT_NOW, early=True)

    again = await world.surveys.send(world.cohort_id, SurveyKind.BASELINE)
    assert (again.already_open, again.queued) == (True, 0)
    # Nor when its planned date comes.
    await world.at(at(STARTS))
    assert len(world.invited(BASELINE)) == len(EVERYONE)
    # Open four weeks from when it was sent.
    assert sending.closes_at == at(date(2025, 3, 31), 0)


async def test_the_later_surveys_wait_for_the_baseline(world: SurveyWorld) -> None:
    for kind in (SurveyKind.MIDPOINT, SurveyKind.END):
        with pytest.raises(Conflict, match="send that first: survey send baseline"):
            await world.surveys.send(world.cohort_id, kind)
    assert world.work.items == {}


async def test_sending_the_end_survey_early_passes_over_a_pulse_not_yet_sent(world: SurveyWorld) -> None:
    await world.at(at(STARTS))
    before = len(world.sent())
    world.clock.set(at(STARTS + timedelta(weeks=6)))

    sending = await world.surveys.send(world.cohort_id, SurveyKind.END)

    assert sending.passed_over == (SurveyKind.MIDPOINT,)
    for week in range(0, 30):
        await world.at(at(STARTS + timedelta(weeks=6 + week, days=1)))
    assert world.invited(PULSE, since=before) == []
    assert len(world.invited(END, since=before)) == len(EVERYONE)


async def test_a_closed_survey_cannot_be_sent_again(world: SurveyWorld) -> None:
    await world.at(at(STARTS))
    world.clock.set(at(STARTS + OPEN_FOR + timedelta(days=1)))

    with pytest.raises(Conflict, match="closed on Sunday 6 April"):
        await world.surveys.send(world.cohort_id, SurveyKind.BASELINE)


async def test_a_cohort_with_nobody_paired_has_nobody_to_survey() -> None:
    world = SurveyWorld()
    cohort = await world.arrange()
    empty = await world.cohorts.add(cohort.plan, person(90), DEFAULT_NOW)

    with pytest.raises(Conflict, match="draft"):
        await world.surveys.send(empty.id, SurveyKind.BASELINE)
    with pytest.raises(NotFound):
        await world.surveys.send(999, SurveyKind.BASELINE)


# Answering -------------------------------------------------------------------------------------------------------


async def test_answers_are_kept_under_a_pseudonym_and_replaced_when_given_again(world: SurveyWorld) -> None:
    await world.at(at(STARTS))
    who = MENTORS[0]

    first = await world.answer(who, SurveyKind.BASELINE, 2, {"hopes": "To be heard"})
    second = await world.answer(who, SurveyKind.BASELINE, 5)

    assert (first.replaced, second.replaced) == (False, True)
    (stored,) = world.store.responses.values()
    pseudonym = await world.links.pseudonym(world.cohort_id, who)
    assert pseudonym is not None
    assert len(pseudonym) == 32
    assert (stored.pseudonym, stored.role, stored.set_id, stored.set_version) == (
        pseudonym,
        Role.MENTOR,
        "mentor-baseline",
        1,
    )
    assert set(stored.likert.values()) == {5}
    assert stored.free_text == {}
    assert who.value not in repr(world.store.responses)
    # Shown again with the answers they gave.
    form = await world.surveys.form(who, world.cohort_id, SurveyKind.BASELINE)
    assert form.answered
    assert set(form.likert.values()) == {"5"}


async def test_unanswered_statements_and_answers_outside_one_to_five_are_named(world: SurveyWorld) -> None:
    await world.at(at(STARTS))
    who = MENTEES[0]
    questions = current_set(Role.MENTEE, SurveyKind.BASELINE)
    answers = agreeing(Role.MENTEE, SurveyKind.BASELINE, 3)
    answers["aware"] = "6"
    del answers["act"]
    answers["listen"] = "three"

    with pytest.raises(InvalidFields) as refused:
        await world.surveys.submit(who, world.cohort_id, SurveyKind.BASELINE, questions.id, 1, answers, {})

    assert set(refused.value.problems) == {"aware", "act", "listen"}
    assert "Please choose an answer for" in refused.value.problems["act"]
    assert world.store.responses == {}


async def test_free_text_is_tidied_and_kept_short(world: SurveyWorld) -> None:
    await world.at(at(STARTS))
    who = MENTEES[0]

    await world.answer(who, SurveyKind.BASELINE, free_text={"hopes": "  More\r\n\r\n\r\nhonesty \u202e "})
    (stored,) = world.store.responses.values()
    assert stored.free_text == {"hopes": "More\n\nhonesty"}

    with pytest.raises(InvalidFields) as refused:
        await world.answer(who, SurveyKind.BASELINE, free_text={"hopes": "x" * 1001})
    assert refused.value.problems == {"hopes": "Please keep your answer to 1000 characters."}


async def test_a_damaged_form_someone_elses_survey_and_a_closed_one_are_refused_kindly(world: SurveyWorld) -> None:
    await world.at(at(STARTS))
    mentor_set = current_set(Role.MENTOR, SurveyKind.BASELINE)
    answers = agreeing(Role.MENTOR, SurveyKind.BASELINE, 4)

    # The mentee's form under a mentor's set, or a set that never existed.
    for set_id, version in ((mentor_set.id, 1), ("mentor-baseline", 7), ("mentor-end", 1)):
        with pytest.raises(InvalidInput, match=DAMAGED_FORM):
            await world.surveys.submit(MENTEES[0], world.cohort_id, SurveyKind.BASELINE, set_id, version, answers, {})
    # A cohort they are not in, or that does not exist: the same answer.
    for cohort_id in (world.cohort_id + 1, 10**9):
        with pytest.raises(NotFound, match=NOT_YOURS):
            await world.surveys.submit(MENTORS[0], cohort_id, SurveyKind.BASELINE, mentor_set.id, 1, answers, {})
        with pytest.raises(NotFound, match=NOT_YOURS):
            await world.surveys.form(MENTORS[0], cohort_id, SurveyKind.BASELINE)
    with pytest.raises(NotFound, match=NOT_YOURS):
        await world.surveys.submit(person(77), world.cohort_id, SurveyKind.BASELINE, mentor_set.id, 1, answers, {})
    # Not open yet, and closed.
    with pytest.raises(Conflict, match="isn't open yet; I'll send it to you on Monday 9 June"):
        await world.surveys.submit(MENTORS[0], world.cohort_id, SurveyKind.MIDPOINT, "mentor-midpoint", 1, {}, {})
    world.clock.set(at(STARTS + OPEN_FOR))
    with pytest.raises(Conflict, match="closed on Sunday 6 April"):
        await world.surveys.submit(MENTORS[0], world.cohort_id, SurveyKind.BASELINE, mentor_set.id, 1, answers, {})
    assert world.store.responses == {}


async def test_someone_who_withdrew_is_thanked_not_asked(world: SurveyWorld) -> None:
    await world.at(at(STARTS))
    await world.withdraw(MENTORS[0])

    with pytest.raises(NotFound, match=STEPPED_BACK):
        await world.answer(MENTORS[0], SurveyKind.BASELINE)
    with pytest.raises(NotFound, match="no survey open for you"):
        await world.surveys.mine(MENTORS[0])


async def test_the_survey_command_finds_the_one_still_to_answer(world: SurveyWorld) -> None:
    with pytest.raises(NotFound, match="no survey open for you"):
        await world.surveys.mine(MENTORS[0])
    await world.at(at(STARTS))

    assert (await world.surveys.mine(MENTORS[0])).kind is SurveyKind.BASELINE
    await world.answer(MENTORS[0], SurveyKind.BASELINE)
    # Answered: still there to change, until it closes.
    form = await world.surveys.mine(MENTORS[0])
    assert (form.kind, form.answered) == (SurveyKind.BASELINE, True)
    world.clock.set(at(STARTS + OPEN_FOR))
    with pytest.raises(NotFound):
        await world.surveys.mine(MENTORS[0])


async def test_the_end_survey_shows_each_person_what_they_hoped_for_at_the_start(world: SurveyWorld) -> None:
    await world.at(at(STARTS))
    await world.answer(MENTEES[1], SurveyKind.BASELINE, free_text={"hopes": "Learn to listen"})
    world.clock.set(at(ENDS))

    mine = await world.surveys.mine(MENTEES[1])
    theirs = await world.surveys.mine(MENTEES[2])

    assert mine.kind is SurveyKind.END
    assert [answer for _, answer in mine.earlier] == ["Learn to listen"]
    assert theirs.earlier == ()


async def test_a_threshold_below_three_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        SurveyWorld(min_responses=2)
    assert SurveyWorld(min_responses=3).surveys.min_responses == 3


# Windows ---------------------------------------------------------------------------------------------------------


async def test_the_baseline_waits_for_pairs_published_after_the_start(world: SurveyWorld) -> None:
    assert world.cohort is not None
    late = at(STARTS + timedelta(days=20), 14)

    windows = survey_windows(world.cohort, [], late, LONDON)

    assert windows[SurveyKind.BASELINE].opens == late
    assert windows[SurveyKind.BASELINE].closes == at(STARTS + timedelta(days=48), 0)
    assert windows[SurveyKind.MIDPOINT].opens == at(MIDPOINT, 0)
    assert survey_windows(world.cohort, [], None, LONDON) == {}


async def test_a_survey_sent_early_closes_the_one_before_it(world: SurveyWorld) -> None:
    assert world.cohort is not None
    sent = at(STARTS + timedelta(days=10), 11)
    rounds = [
        SurveyRound(world.cohort_id, SurveyKind.BASELINE, at(STARTS, 0), early=False),
        SurveyRound(world.cohort_id, SurveyKind.MIDPOINT, sent, early=True),
    ]

    windows = survey_windows(world.cohort, rounds, DEFAULT_NOW, LONDON)

    assert windows[SurveyKind.BASELINE].closes == sent
    assert windows[SurveyKind.MIDPOINT].opens == sent
    assert windows[SurveyKind.END].opens == at(ENDS, 0)


def _text() -> OutboundMessage:
    return OutboundMessage(summary="did you meet", text="Did you meet?")
