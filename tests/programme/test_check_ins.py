"""Check-ins on the fake clock: reminders the working day before a meeting, "Did you meet?" after it and what each
answer does, the next session offered only once a meeting is known to have been held, and stalled pairs nudged and
then escalated to the coordinators, each once.

Unless a test says otherwise Aisha mentors Chioma (six monthly sessions of an hour), published at 09:00 on Monday
3 March 2025. London is on GMT until Sunday 30 March, so London times and UTC agree in these tests.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from programme.attendance import ASSUMED_HELD_AFTER, Attendance, Outcome
from programme.check_ins import DID_YOU_MEET, REMINDER, STALL_ALERT, STALL_NUDGE, MeetingSummary
from programme.errors import Conflict, NotFound
from programme.meetings import MeetingState
from programme.prompts import PromptKind
from programme.sweeper import NUDGE
from programme.work import WorkState
from tests.programme.builders import AISHA, BEN, CHIOMA, COORDINATOR, SECOND_COORDINATOR
from tests.programme.check_in_world import PAUSED, CheckInWorld, london
from tests.support.fakes import DEFAULT_NOW

MONDAY_AFTERNOON = london(2025, 3, 10, 14)
PUBLISHED = DEFAULT_NOW


@pytest.fixture
def world() -> CheckInWorld:
    return CheckInWorld()


def due(world: CheckInWorld, kind: str) -> set[tuple[object, datetime]]:
    return {(item.recipient, item.due_at) for item in world.items(kind)}


# Reminders ----------------------------------------------------------------------------------------------------------


async def test_a_booked_meeting_is_reminded_the_working_day_before_and_asked_about_after(world: CheckInWorld) -> None:
    await world.arrange()

    meeting = await world.booked_at(CHIOMA, MONDAY_AFTERNOON)

    # Monday's meeting is reminded on Friday, at the meeting's time; "did you meet?" comes ten minutes after it ends.
    assert due(world, REMINDER) == {(AISHA, london(2025, 3, 7, 14)), (CHIOMA, london(2025, 3, 7, 14))}
    assert due(world, DID_YOU_MEET) == {(AISHA, london(2025, 3, 10, 15, 10)), (CHIOMA, london(2025, 3, 10, 15, 10))}
    for item in world.items(REMINDER) + world.items(DID_YOU_MEET):
        assert item.payload[NUDGE] is True
        assert item.payload["meeting"] == meeting.id
    assert {item.idempotency_key for item in world.items(REMINDER)} == {
        f"checkin:reminder:meeting:{meeting.id}:20250310T1400Z:to:{person.value}" for person in (AISHA, CHIOMA)
    }


async def test_a_retried_booking_schedules_nothing_twice(world: CheckInWorld) -> None:
    await world.arrange()
    meeting = await world.booked_at(CHIOMA, MONDAY_AFTERNOON)

    await world.check_ins.booked(meeting)
    [booking] = world.items("meeting.book")
    await world.run_item(booking)

    assert len(world.items(REMINDER)) == 2
    assert len(world.items(DID_YOU_MEET)) == 2


@pytest.mark.parametrize(
    ("booked", "start", "reminded"),
    [
        # Outside working hours, the reminder comes at the start of the working day before.
        (PUBLISHED, london(2025, 3, 10, 8), london(2025, 3, 7, 9)),
        (PUBLISHED, london(2025, 3, 11, 18, 30), london(2025, 3, 10, 9)),
        # A Saturday meeting is reminded on the Friday.
        (PUBLISHED, london(2025, 3, 15, 10), london(2025, 3, 14, 10)),
        # Booked after Friday's moment: on the morning itself, when that is at least an hour ahead.
        (london(2025, 3, 7, 16), MONDAY_AFTERNOON, london(2025, 3, 10, 9)),
        (london(2025, 3, 9, 12), london(2025, 3, 10, 10), london(2025, 3, 10, 9)),
        # Too close for either: the booking's own confirmation is the reminder.
        (london(2025, 3, 8, 12), london(2025, 3, 10, 9, 45), None),
        (london(2025, 3, 10, 9, 30), london(2025, 3, 10, 11), None),
        # Clocks going forward (30 March): still at the meeting's London time on the Friday.
        (PUBLISHED, london(2025, 3, 31, 14), london(2025, 3, 28, 14)),
    ],
)
def test_when_a_meeting_is_reminded(
    world: CheckInWorld, booked: datetime, start: datetime, reminded: datetime | None
) -> None:
    assert world.check_ins.reminder_time(start, booked) == reminded


async def test_the_reminder_arrives_on_the_friday_with_prompts_for_the_first_session(world: CheckInWorld) -> None:
    await world.arrange()
    meeting = await world.booked_at(CHIOMA, MONDAY_AFTERNOON)

    await world.sweep_at(london(2025, 3, 7, 13, 59))
    assert world.check_in_texts("reminder") == []

    await world.sweep_at(london(2025, 3, 7, 14))

    assert sorted(world.check_in_texts("reminder")) == sorted(
        [
            (AISHA, f"reminder to Aisha: meeting {meeting.id} (session 1)"),
            (CHIOMA, f"reminder to Chioma: meeting {meeting.id} (session 1)"),
        ]
    )
    by_person = {r.view.me.person: r for r in world.said.reminders}
    assert by_person[CHIOMA].today == date(2025, 3, 7)
    assert any("ground rules" in prompt for prompt in by_person[CHIOMA].prompts)
    assert any("one to three things" in prompt for prompt in by_person[CHIOMA].prompts)
    assert any("how much of your own experience" in prompt for prompt in by_person[AISHA].prompts)
    # Once is enough.
    await world.sweep_at(london(2025, 3, 7, 16))
    assert len(world.check_in_texts("reminder")) == 2


async def test_did_you_meet_waits_for_working_hours_never_arriving_at_three_in_the_morning(
    world: CheckInWorld,
) -> None:
    await world.arrange()
    meeting = await world.booked_at(CHIOMA, london(2025, 3, 10, 16, 45))

    await world.sweep_at(london(2025, 3, 10, 17, 55))
    await world.sweep_at(london(2025, 3, 11, 3))
    assert world.check_in_texts("did you meet?") == []

    await world.sweep_at(london(2025, 3, 11, 9))

    assert sorted(world.check_in_texts("did you meet?")) == sorted(
        [
            (AISHA, f"did you meet? to Aisha: meeting {meeting.id} (session 1)"),
            (CHIOMA, f"did you meet? to Chioma: meeting {meeting.id} (session 1)"),
        ]
    )
    assert [(p.kind, p.ref) for p in world.prompts.of(AISHA)] == [(PromptKind.DID_YOU_MEET, f"meeting:{meeting.id}")]


async def test_a_moved_meeting_is_reminded_at_its_new_time_only(world: CheckInWorld) -> None:
    await world.arrange()
    meeting = await world.booked_at(CHIOMA, MONDAY_AFTERNOON)
    moving = await world.scheduling.reschedule(AISHA, meeting.id)
    await world.scheduling.pick_time(AISHA, meeting.id, moving.meeting.version, london(2025, 3, 12, 11))
    await world.run("meeting.book")

    await world.sweep_at(london(2025, 3, 7, 14))
    assert world.check_in_texts("reminder") == []
    await world.sweep_at(london(2025, 3, 10, 15, 30))
    assert world.check_in_texts("did you meet?") == []

    await world.sweep_at(london(2025, 3, 11, 11))
    assert {person for person, _ in world.check_in_texts("reminder")} == {AISHA, CHIOMA}
    assert len(world.check_in_texts("reminder")) == 2


async def test_a_cancelled_meeting_is_neither_reminded_nor_asked_about(world: CheckInWorld) -> None:
    await world.arrange()
    meeting = await world.booked_at(CHIOMA, MONDAY_AFTERNOON)
    await world.scheduling.cancel(AISHA, meeting.id, meeting.version)

    await world.sweep_at(london(2025, 3, 7, 14))
    await world.sweep_at(london(2025, 3, 11, 10))

    assert world.check_in_texts("reminder", "did you meet?") == []


async def test_someone_paused_is_not_reminded_and_their_partner_still_is(world: CheckInWorld) -> None:
    await world.arrange()
    await world.booked_at(CHIOMA, MONDAY_AFTERNOON)
    await world.participants.set_pause(AISHA, date(2025, 3, 9), world.clock.now())

    await world.sweep_at(london(2025, 3, 7, 14))

    assert [person for person, _ in world.check_in_texts("reminder")] == [CHIOMA]
    [held] = [i for i in world.items(REMINDER) if i.recipient == AISHA]
    assert held.state is WorkState.CANCELLED


async def test_nobody_is_reminded_once_one_of_them_has_withdrawn(world: CheckInWorld) -> None:
    arranged = await world.arrange()
    await world.booked_at(CHIOMA, MONDAY_AFTERNOON)
    leaving = await world.withdraw(arranged.mentor)
    await world.scheduling.withdrawn(leaving)

    await world.sweep_at(london(2025, 3, 7, 14))
    await world.sweep_at(london(2025, 3, 11, 10))

    assert world.check_in_texts("reminder", "did you meet?") == []


# "Did you meet?" --------------------------------------------------------------------------------------------------


async def held_first(world: CheckInWorld) -> int:
    """The pair's first meeting, booked for Monday afternoon, over, and asked about."""
    await world.arrange()
    meeting = await world.booked_at(CHIOMA, MONDAY_AFTERNOON)
    await world.sweep_at(london(2025, 3, 10, 15, 10))
    return meeting.id


async def test_we_met_is_recorded_and_answers_the_prompt(world: CheckInWorld) -> None:
    meeting_id = await held_first(world)
    world.clock.advance(timedelta(hours=1))

    answer = await world.check_ins.answer(CHIOMA, meeting_id, Outcome.MET)

    assert (answer.outcome, answer.meeting_id, answer.view, answer.note) == (Outcome.MET, meeting_id, None, None)
    assert await world.attendance.for_meetings([meeting_id]) == [
        Attendance(meeting_id, CHIOMA, Outcome.MET, world.clock.now())
    ]
    [prompt] = world.prompts.of(CHIOMA)
    assert prompt.answered_at == world.clock.now()
    assert (await world.meeting(meeting_id)).state is MeetingState.BOOKED


@pytest.mark.parametrize(
    ("outcome", "notice", "told"),
    [
        (
            Outcome.NOT_HELD,
            "Here are some times to try again",
            "Chioma let me know your last conversation didn't go ahead, so here are some times to try again.",
        ),
        (
            Outcome.RESCHEDULED,
            "Here are some times for your rescheduled conversation",
            "Chioma let me know you've agreed to move your conversation, so here are some times for it.",
        ),
    ],
)
async def test_a_meeting_that_did_not_happen_offers_the_same_session_again(
    world: CheckInWorld, outcome: Outcome, notice: str, told: str
) -> None:
    meeting_id = await held_first(world)

    answer = await world.check_ins.answer(CHIOMA, meeting_id, outcome)

    assert answer.view is not None
    offered = answer.view.meeting
    assert (offered.id, offered.session, offered.state) == (meeting_id, 1, MeetingState.OFFERED)
    assert (offered.when, offered.event_id, offered.join_url) == (None, None, None)
    assert offered.slots
    assert all(slot.start > world.clock.now() for slot in offered.slots)
    assert answer.view.notice is not None
    assert notice in answer.view.notice
    assert [r.view.notice for r in world.messages.to(AISHA)][-1] == told
    assert [a.outcome for a in await world.answers(offered)] == [outcome]
    # Booking it again makes a new event, and new reminders.
    await world.scheduling.pick(AISHA, meeting_id, offered.version, 0)
    await world.run("meeting.book")
    rebooked = await world.meeting(meeting_id)
    assert (rebooked.state, rebooked.session) == (MeetingState.BOOKED, 1)
    assert rebooked.event_id is not None
    assert len(world.scripted.live_events()) == 2
    assert len(world.items(DID_YOU_MEET)) == 4


async def test_a_second_not_held_shows_the_offer_already_made(world: CheckInWorld) -> None:
    meeting_id = await held_first(world)
    first = await world.check_ins.answer(CHIOMA, meeting_id, Outcome.NOT_HELD)

    second = await world.check_ins.answer(AISHA, meeting_id, Outcome.NOT_HELD)

    assert first.view is not None
    assert second.view is not None
    assert second.view.meeting == first.view.meeting
    # Times were looked for twice: for the first booking, and once (not twice) to offer it again.
    assert len(world.scripted.questions) == 2
    assert {a.person for a in await world.answers(first.view.meeting)} == {AISHA, CHIOMA}


async def test_when_the_partner_said_they_met_a_not_held_leaves_it_held(world: CheckInWorld) -> None:
    meeting_id = await held_first(world)
    await world.check_ins.answer(AISHA, meeting_id, Outcome.MET)

    answer = await world.check_ins.answer(CHIOMA, meeting_id, Outcome.NOT_HELD)

    assert answer.view is None
    assert answer.note is not None
    assert "Aisha told me you met" in answer.note
    assert (await world.meeting(meeting_id)).state is MeetingState.BOOKED


async def test_changing_ones_answer_replaces_it(world: CheckInWorld) -> None:
    meeting_id = await held_first(world)
    await world.check_ins.answer(AISHA, meeting_id, Outcome.NOT_HELD)

    await world.check_ins.answer(AISHA, meeting_id, Outcome.MET)

    assert [a.outcome for a in await world.attendance.for_meetings([meeting_id])] == [Outcome.MET]


async def test_a_meeting_still_to_come_or_someone_elses_cannot_be_answered(world: CheckInWorld) -> None:
    arranged = await world.arrange()
    meeting = await world.booked_at(CHIOMA, MONDAY_AFTERNOON)

    with pytest.raises(Conflict, match="hasn't happened yet"):
        await world.check_ins.answer(CHIOMA, meeting.id, Outcome.MET)
    world.clock.set(london(2025, 3, 10, 16))
    with pytest.raises(NotFound, match="isn't one of yours"):
        await world.check_ins.answer(BEN, meeting.id, Outcome.MET)
    with pytest.raises(NotFound, match="isn't one of yours"):
        await world.check_ins.answer(CHIOMA, 999, Outcome.MET)
    await world.withdraw(arranged.mentee)
    with pytest.raises(NotFound):
        await world.check_ins.answer(CHIOMA, meeting.id, Outcome.MET)
    assert await world.attendance.for_meetings([meeting.id]) == []


async def test_someone_who_already_answered_is_not_asked(world: CheckInWorld) -> None:
    await world.arrange()
    meeting = await world.booked_at(CHIOMA, london(2025, 3, 10, 16, 45))
    world.clock.set(london(2025, 3, 10, 17, 50))
    await world.check_ins.answer(CHIOMA, meeting.id, Outcome.MET)

    await world.sweep_at(london(2025, 3, 11, 9))

    assert [person for person, _ in world.check_in_texts("did you meet?")] == [AISHA]


# The next session ---------------------------------------------------------------------------------------------------


async def test_the_next_session_is_offered_once_someone_says_they_met(world: CheckInWorld) -> None:
    meeting_id = await held_first(world)
    world.clock.advance(timedelta(hours=1))
    assert await world.scheduling.offer_due() == 0

    await world.check_ins.answer(AISHA, meeting_id, Outcome.MET)

    assert await world.scheduling.offer_due() == 1
    sessions = [m.session for m in await world.meetings.for_pairs([1])]
    assert sessions == [1, 2]


async def test_without_an_answer_the_next_session_is_offered_a_few_days_after(world: CheckInWorld) -> None:
    meeting_id = await held_first(world)
    ended = (await world.meeting(meeting_id)).when
    assert ended is not None

    world.clock.set(ended.end + ASSUMED_HELD_AFTER - timedelta(minutes=1))
    assert await world.scheduling.offer_due() == 0
    world.clock.set(ended.end + ASSUMED_HELD_AFTER)
    assert await world.scheduling.offer_due() == 1


async def test_a_meeting_said_not_to_have_happened_never_brings_the_next_session(world: CheckInWorld) -> None:
    meeting_id = await held_first(world)
    await world.check_ins.answer(CHIOMA, meeting_id, Outcome.NOT_HELD)

    world.clock.advance(ASSUMED_HELD_AFTER * 3)

    assert await world.scheduling.offer_due() == 0
    assert [m.session for m in await world.meetings.for_pairs([1])] == [1]


async def test_a_late_not_held_after_the_next_session_was_offered_shows_that_one(world: CheckInWorld) -> None:
    meeting_id = await held_first(world)
    world.clock.advance(ASSUMED_HELD_AFTER)
    await world.scheduling.offer_due()

    answer = await world.check_ins.answer(CHIOMA, meeting_id, Outcome.NOT_HELD)

    assert answer.view is not None
    assert answer.view.meeting.session == 2
    assert answer.view.notice == "Thanks for letting me know. Your next conversation is already being arranged."
    assert (await world.meeting(meeting_id)).state is MeetingState.BOOKED


# Stalled pairs ----------------------------------------------------------------------------------------------------

STALLED_AT = PUBLISHED + timedelta(weeks=5)


async def test_a_pair_who_never_met_is_nudged_five_weeks_after_being_introduced(world: CheckInWorld) -> None:
    await world.arrange()
    world.clock.set(STALLED_AT - timedelta(minutes=1))
    assert await world.check_ins.stalled_due() == 0

    world.clock.set(STALLED_AT)
    assert await world.check_ins.stalled_due() == 1
    assert await world.check_ins.stalled_due() == 0

    assert due(world, STALL_NUDGE) == {(AISHA, STALLED_AT), (CHIOMA, STALLED_AT)}
    assert all(item.payload[NUDGE] is True for item in world.items(STALL_NUDGE))
    assert due(world, STALL_ALERT) == {(None, STALLED_AT + timedelta(weeks=2))}
    await world.sweep_at(STALLED_AT)
    assert sorted(world.check_in_texts("stalled")) == sorted(
        [(AISHA, "stalled to Aisha: pair 1, 5 weeks"), (CHIOMA, "stalled to Chioma: pair 1, 5 weeks")]
    )
    assert all(not stalled.met_before for stalled in world.said.stalls)
    assert [(p.kind, p.ref) for p in world.prompts.of(CHIOMA)] == [(PromptKind.STALLED, "pair:1:stalled:2025-03-03")]


async def test_still_stalled_two_weeks_later_every_coordinator_is_told_once_with_the_pairs_state_only(
    world: CheckInWorld,
) -> None:
    await world.arrange()
    world.clock.set(STALLED_AT)
    await world.check_ins.stalled_due()
    await world.sweep_at(STALLED_AT)

    await world.sweep_at(STALLED_AT + timedelta(weeks=2) - timedelta(minutes=1))
    assert world.check_in_texts("alert") == []
    await world.sweep_at(STALLED_AT + timedelta(weeks=2))

    assert sorted(world.check_in_texts("alert")) == sorted(
        [
            (COORDINATOR, "alert: Aisha and Chioma, 7 weeks, 0 of 6 held"),
            (SECOND_COORDINATOR, "alert: Aisha and Chioma, 7 weeks, 0 of 6 held"),
        ]
    )
    alert = world.said.alerts[0]
    assert (alert.pair_id, alert.met_before, alert.cohort.id) == (1, False, 1)
    # Once: neither the job nor a later sweep tells them again.
    world.clock.advance(timedelta(days=3))
    assert await world.check_ins.stalled_due() == 0
    await world.sweep_at(world.clock.now())
    assert len(world.check_in_texts("alert")) == 2
    assert len(world.check_in_texts("stalled")) == 2


async def test_booking_after_the_nudge_answers_it_and_calls_off_the_alert(world: CheckInWorld) -> None:
    await world.arrange()
    world.clock.set(STALLED_AT)
    await world.check_ins.stalled_due()
    await world.sweep_at(STALLED_AT)

    await world.booked_at(AISHA, STALLED_AT + timedelta(weeks=2, days=3))
    await world.sweep_at(STALLED_AT + timedelta(weeks=2))

    assert world.check_in_texts("alert") == []
    assert [item.state for item in world.items(STALL_ALERT)] == [WorkState.DONE]
    assert all(p.answered_at is not None for person in (AISHA, CHIOMA) for p in world.prompts.of(person))


async def test_finding_times_from_the_nudge_answers_it_for_whoever_clicked(world: CheckInWorld) -> None:
    await world.arrange()
    world.clock.set(STALLED_AT)
    await world.check_ins.stalled_due()
    await world.sweep_at(STALLED_AT)

    await world.scheduling.find_times(CHIOMA, 1)
    await world.check_ins.engaged(CHIOMA, 1)

    [chiomas] = world.prompts.of(CHIOMA)
    [aishas] = world.prompts.of(AISHA)
    assert (chiomas.answered_at, aishas.answered_at) == (world.clock.now(), None)
    # Times on offer are not a meeting: the pair is still stalled, and the alert still goes if nothing is booked.
    await world.sweep_at(STALLED_AT + timedelta(weeks=2))
    assert len(world.check_in_texts("alert")) == 2


async def test_quiet_time_counts_from_the_last_meeting_held(world: CheckInWorld) -> None:
    await world.arrange()
    meeting = await world.booked_at(CHIOMA, MONDAY_AFTERNOON)
    assert meeting.when is not None
    quiet_from = meeting.when.end

    world.clock.set(STALLED_AT)
    assert await world.check_ins.stalled_due() == 0
    world.clock.set(quiet_from + timedelta(weeks=5))
    assert await world.check_ins.stalled_due() == 1

    await world.sweep_at(world.clock.now())
    assert all(stalled.met_before for stalled in world.said.stalls)
    assert world.prompts.of(AISHA)[-1].ref == "pair:1:stalled:2025-03-10"


async def test_a_meeting_booked_ahead_is_not_a_stall(world: CheckInWorld) -> None:
    await world.arrange()
    await world.booked_at(CHIOMA, STALLED_AT + timedelta(days=10))

    world.clock.set(STALLED_AT + timedelta(days=9))

    assert await world.check_ins.stalled_due() == 0


async def test_a_meeting_that_did_not_happen_does_not_end_the_quiet(world: CheckInWorld) -> None:
    meeting_id = await held_first(world)
    await world.check_ins.answer(CHIOMA, meeting_id, Outcome.NOT_HELD)

    world.clock.set(STALLED_AT)

    assert await world.check_ins.stalled_due() == 1
    assert world.items(STALL_NUDGE)[0].payload["since"] == "2025-03-03"


async def test_a_pair_who_held_every_session_or_lost_someone_is_not_stalled(world: CheckInWorld) -> None:
    await world.arrange(sessions=1)
    await world.booked_at(CHIOMA, MONDAY_AFTERNOON)
    world.clock.set(MONDAY_AFTERNOON + timedelta(weeks=8))
    assert await world.check_ins.stalled_due() == 0

    other = CheckInWorld()
    arranged = await other.arrange()
    await other.withdraw(arranged.mentor)
    other.clock.set(STALLED_AT)
    assert await other.check_ins.stalled_due() == 0


async def test_a_stall_that_began_again_later_is_a_new_one(world: CheckInWorld) -> None:
    await world.arrange()
    world.clock.set(STALLED_AT)
    await world.check_ins.stalled_due()
    meeting = await world.booked_at(CHIOMA, STALLED_AT + timedelta(days=7))
    assert meeting.when is not None

    world.clock.set(meeting.when.end + timedelta(weeks=5))

    assert await world.check_ins.stalled_due() == 1
    assert len(world.items(STALL_NUDGE)) == 4
    assert len(world.items(STALL_ALERT)) == 2


async def test_the_status_summary_counts_meetings_held_and_pairs_stalled(world: CheckInWorld) -> None:
    meeting_id = await held_first(world)
    await world.check_ins.answer(AISHA, meeting_id, Outcome.MET)

    assert await world.check_ins.summary(1) == MeetingSummary(held=1, pairs=1, stalled=0, stall_weeks=5)
    world.clock.set(MONDAY_AFTERNOON + timedelta(weeks=6))
    assert await world.check_ins.summary(1) == MeetingSummary(held=1, pairs=1, stalled=1, stall_weeks=5)
    assert await world.check_ins.summary(99) == MeetingSummary(held=0, pairs=0, stalled=0, stall_weeks=5)


# Ignored prompts ----------------------------------------------------------------------------------------------------


async def test_three_ignored_prompts_pause_the_person_who_is_told_once_and_not_reminded_meanwhile(
    world: CheckInWorld,
) -> None:
    await world.arrange()
    # Three meetings, each over and asked about; Chioma answers each time, Aisha never does.
    for week in (1, 5, 9):
        start = MONDAY_AFTERNOON + timedelta(weeks=week - 1)
        meeting = await world.booked_at(CHIOMA, start)
        await world.sweep_at(start + timedelta(hours=1, minutes=10))
        await world.check_ins.answer(CHIOMA, meeting.id, Outcome.MET)
    assert len([p for p in world.prompts.of(AISHA) if p.open]) == 3

    fourth = await world.booked_at(CHIOMA, MONDAY_AFTERNOON + timedelta(weeks=12))
    await world.sweep_at(MONDAY_AFTERNOON + timedelta(weeks=12, hours=1, minutes=10))

    told = [text for person, text in world.texts() if person == AISHA and PAUSED in text]
    assert len(told) == 1
    assert "'resume'" in told[0]
    participant = await world.participants.get(AISHA)
    assert participant is not None
    assert participant.paused_until == (world.clock.now() + timedelta(weeks=4)).date()
    assert not any(p.open for p in world.prompts.of(AISHA))
    # Chioma was asked about the fourth as usual; Aisha was not.
    asked = [person for person, text in world.check_in_texts("did you meet?") if f"meeting {fourth.id}" in text]
    assert asked == [CHIOMA]
    # While paused, a reminder for Aisha is held back.
    fifth = await world.booked_at(CHIOMA, MONDAY_AFTERNOON + timedelta(weeks=14))
    assert fifth.when is not None
    await world.sweep_at(fifth.when.start - timedelta(days=3))
    assert [person for person, text in world.check_in_texts("reminder") if f"meeting {fifth.id}" in text] == [CHIOMA]


async def test_a_meeting_booked_again_after_it_didnt_happen_is_asked_about_and_counted_afresh(
    world: CheckInWorld,
) -> None:
    meeting_id = await held_first(world)
    answer = await world.check_ins.answer(CHIOMA, meeting_id, Outcome.NOT_HELD)
    assert answer.view is not None
    await world.scheduling.pick(AISHA, meeting_id, answer.view.meeting.version, 0)
    await world.run("meeting.book")
    rebooked = await world.meeting(meeting_id)
    assert rebooked.when is not None

    # Chioma's "it didn't happen" was about the earlier time: she is asked again about the new one...
    await world.sweep_at(rebooked.when.end + timedelta(minutes=10))
    asked = [person for person, text in world.check_in_texts("did you meet?") if f"meeting {meeting_id}" in text]
    assert sorted(asked, key=str) == sorted([AISHA, CHIOMA, AISHA, CHIOMA], key=str)
    # ...and, unanswered, it counts as held a few days later, bringing the next session.
    world.clock.set(rebooked.when.end + ASSUMED_HELD_AFTER)
    assert await world.scheduling.offer_due() == 1
    summary = await world.check_ins.summary(1)
    assert summary.held == 1


async def test_the_partner_answering_after_it_was_booked_again_is_shown_the_new_time(world: CheckInWorld) -> None:
    meeting_id = await held_first(world)
    first = await world.check_ins.answer(CHIOMA, meeting_id, Outcome.NOT_HELD)
    assert first.view is not None
    await world.scheduling.pick(CHIOMA, meeting_id, first.view.meeting.version, 0)
    await world.run("meeting.book")
    rebooked = await world.meeting(meeting_id)
    assert rebooked.state is MeetingState.BOOKED

    # Aisha answers her own card about the earlier time only now: her answer still counts, and she sees the new one.
    late = await world.check_ins.answer(AISHA, meeting_id, Outcome.NOT_HELD)

    assert late.view is not None
    assert late.view.meeting == rebooked
    assert late.view.notice is not None
    assert "booked again" in late.view.notice
    assert {a.person for a in await world.answers(rebooked)} == {AISHA, CHIOMA}
