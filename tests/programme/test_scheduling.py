"""Scheduling a pair's meetings: times both are free, one click to book (once, however many clicks), the calendar
work done from the queue, moving and cancelling, and the bot offering the next session on its own.

Unless a test says otherwise Aisha mentors Chioma in a running cohort of six monthly 60-minute sessions, the pair
were introduced at 09:00 on Monday 3 March 2025, and the half-days they share are Tuesday morning, Wednesday
afternoon and Friday afternoon.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from programme.calendar import BookedEvent, Booking, Interval
from programme.deliveries import MESSAGE
from programme.errors import Conflict, InvalidInput, NotAuthorised, NotFound
from programme.identity import PersonId
from programme.local_calendar import AFTERNOON, MORNING
from programme.meeting_times import SEARCH_SPAN, search_window
from programme.meetings import Meeting, MeetingState
from programme.notifier import DeliveryFailed, PersonRecipient
from programme.profiles import Availability, Role
from programme.scheduling import BOOK_MEETING, CADENCE_SLACK, CANCEL_EVENT, MOVING_FROM
from programme.sweeper import ASKED_FOR, NUDGE
from programme.work import WorkState
from tests.programme.builders import AISHA, BEN, CHIOMA, DEV, ELLA, LONDON, person
from tests.programme.scheduling_world import (
    ICS_BASE,
    MENTEE_HALVES,
    MENTOR_HALVES,
    CalendarRefused,
    ProcessDied,
    SchedulingWorld,
)
from tests.support.fakes import DEFAULT_NOW

HANA = person(8)
# The first search runs from Tuesday 4 March (the day after the pair were introduced) for two weeks.
FIRST_WINDOW = Interval(datetime(2025, 3, 4, tzinfo=UTC), datetime(2025, 3, 18, tzinfo=UTC))
CANCEL_NOTE = "This reverse-mentoring conversation has been cancelled."


@pytest.fixture
def world() -> SchedulingWorld:
    return SchedulingWorld()


def local(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


def in_half_days(slot: Interval, halves: tuple[Availability, ...]) -> bool:
    """Whether ``slot`` lies inside one of ``halves`` (09:00-12:30 or 13:30-17:00 London time that weekday)."""
    start, end = local(slot.start), local(slot.end)
    if start.date() != end.date():
        return False
    for half in halves:
        opens, closes = MORNING if half.morning else AFTERNOON
        if half.weekday == start.weekday() and opens <= start.time() and end.time() <= closes:
            return True
    return False


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


async def offered(world: SchedulingWorld) -> Meeting:
    """Chioma asks for times; the stored offer."""
    view = await world.scheduling.find_times(CHIOMA)
    return await world.meeting(view.meeting.id)


# Finding times --------------------------------------------------------------------------------------------------


async def test_times_offered_are_ones_both_are_free_on_different_days_in_the_next_two_weeks(
    world: SchedulingWorld,
) -> None:
    arranged = await world.arrange(session_minutes=45)

    view = await world.scheduling.find_times(CHIOMA)

    meeting = view.meeting
    assert (meeting.state, meeting.session, meeting.version, meeting.pair_id) == (
        MeetingState.OFFERED,
        1,
        1,
        arranged.pair.id,
    )
    assert meeting.window == FIRST_WINDOW
    assert 3 <= len(meeting.slots) <= 5
    for slot in meeting.slots:
        assert slot.length == timedelta(minutes=45)
        assert FIRST_WINDOW.contains(slot)
        assert in_half_days(slot, MENTOR_HALVES)
        assert in_half_days(slot, MENTEE_HALVES)
    assert len({local(slot.start).date() for slot in meeting.slots}) == len(meeting.slots)
    # Six shared half-days fall in the two weeks, so the most the card shows.
    assert len(meeting.slots) == 5
    assert await world.meeting(meeting.id) == meeting
    # One question, about the two of them, over the two weeks.
    assert [(set(q.people), q.window) for q in world.scripted.questions] == [({AISHA, CHIOMA}, FIRST_WINDOW)]
    assert (view.me.person, view.partner.person, view.notice, view.i_am_mentor) == (CHIOMA, AISHA, None, False)


async def test_the_partner_is_sent_the_times_in_working_hours(world: SchedulingWorld) -> None:
    await world.arrange()

    view = await world.scheduling.find_times(CHIOMA)

    sent = world.items(MESSAGE)
    assert [(m.recipient, m.idempotency_key, m.payload.get(ASKED_FOR), m.payload.get(NUDGE)) for m in sent] == [
        # Not marked as asked for: Aisha did not ask, so the message waits for working hours like any other.
        (AISHA, f"meeting:{view.meeting.id}:v1:offered:to:{AISHA.value}", None, None)
    ]
    [card] = world.messages.to(AISHA)
    assert card.view.meeting == view.meeting
    assert (card.view.me.person, card.view.partner.person, card.view.i_am_mentor) == (AISHA, CHIOMA, True)
    assert card.view.notice == "Chioma is finding a time for you both."


async def test_asking_again_shows_the_same_offer_until_one_of_its_times_has_passed(world: SchedulingWorld) -> None:
    await world.arrange()
    first = await world.scheduling.find_times(CHIOMA)

    again = await world.scheduling.find_times(AISHA)

    assert again.meeting == first.meeting
    assert len(world.scripted.questions) == 1
    assert len(world.items(MESSAGE)) == 1

    # Once the first time offered has begun, the card would offer the past: the times are looked for again.
    world.clock.set(first.meeting.slots[0].start + timedelta(minutes=1))
    fresh = await world.scheduling.find_times(CHIOMA)

    assert (fresh.meeting.id, fresh.meeting.version, fresh.meeting.session) == (first.meeting.id, 2, 1)
    assert len(world.scripted.questions) == 2
    assert fresh.meeting.slots
    assert all(slot.start > world.clock.now() for slot in fresh.meeting.slots)
    assert fresh.meeting.window == search_window(world.clock.now(), LONDON)
    assert [m.idempotency_key for m in world.messages_to(AISHA)] == [
        f"meeting:{first.meeting.id}:v1:offered:to:{AISHA.value}",
        f"meeting:{first.meeting.id}:v2:offered:to:{AISHA.value}",
    ]


async def test_later_looks_at_the_two_weeks_after_the_times_offered(world: SchedulingWorld) -> None:
    await world.arrange()
    first = await world.scheduling.find_times(CHIOMA)

    later = await world.scheduling.find_times(CHIOMA, later=True)

    # 18 March to the start of 1 April by the London clock, which goes forward on 30 March; the half-days keep
    # their London hours on either side of the change.
    window = later.meeting.window
    assert (later.meeting.id, later.meeting.version) == (first.meeting.id, 2)
    assert (window.start, local(window.end)) == (FIRST_WINDOW.end, at(date(2025, 4, 1), 0))
    assert 3 <= len(later.meeting.slots) <= 5
    for slot in later.meeting.slots:
        assert window.contains(slot)
        assert in_half_days(slot, MENTOR_HALVES)
        assert in_half_days(slot, MENTEE_HALVES)
    assert [q.window for q in world.scripted.questions] == [FIRST_WINDOW, window]


async def test_with_no_time_in_common_the_offer_is_empty_and_an_own_time_can_still_be_booked(
    world: SchedulingWorld,
) -> None:
    await world.arrange(mentor_halves=(Availability.MON_AM,), mentee_halves=(Availability.FRI_PM,))

    view = await world.scheduling.find_times(CHIOMA)

    assert (view.meeting.state, view.meeting.slots) == (MeetingState.OFFERED, ())
    # The partner still hears, so either of them can suggest a time of their own.
    assert [m.recipient for m in world.items(MESSAGE)] == [AISHA]
    later = await world.scheduling.find_times(CHIOMA, later=True)
    assert later.meeting.slots == ()

    own = at(date(2025, 3, 12), 16)
    chosen = await world.scheduling.pick_time(CHIOMA, later.meeting.id, later.meeting.version, own)

    assert chosen.meeting.state is MeetingState.BOOKING
    assert chosen.meeting.when == Interval(own, own + timedelta(hours=1))


async def test_a_mentors_other_booked_meeting_is_not_offered_again(world: SchedulingWorld) -> None:
    cohort = await world.running_cohort(mentor_capacity=2)
    tuesdays = (Availability.TUE_AM,)
    aisha = await world.participant(cohort, AISHA, "Aisha", Role.MENTOR, tuesdays, "aisha.mentor@nhs.net")
    chioma = await world.participant(cohort, CHIOMA, "Chioma", Role.MENTEE, tuesdays, "chioma.lead@nhs.net")
    dev = await world.participant(cohort, DEV, "Dev", Role.MENTEE, tuesdays, "dev.lead@nhs.net")
    await world.published_pair(cohort, aisha, chioma)
    await world.published_pair(cohort, aisha, dev)
    with_chioma = await world.booked(CHIOMA)
    assert with_chioma.when is not None

    with_dev = await world.scheduling.find_times(DEV)

    assert with_dev.meeting.slots
    # Dev and Aisha are both free then by their half-days; Aisha is taken by her meeting with Chioma.
    assert not any(slot.overlaps(with_chioma.when) for slot in with_dev.meeting.slots)


async def test_only_someone_in_the_pair_can_look_at_or_choose_its_times(world: SchedulingWorld) -> None:
    arranged = await world.arrange()
    ben = await world.participant(arranged.cohort, BEN, "Ben", Role.MENTOR, MENTOR_HALVES, "ben@nhs.net")
    ella = await world.participant(arranged.cohort, ELLA, "Ella", Role.MENTEE, MENTEE_HALVES, "ella@nhs.net")
    theirs = await world.published_pair(arranged.cohort, ben, ella)
    ours = await world.scheduling.find_times(CHIOMA)

    with pytest.raises(NotFound) as unpaired:
        await world.scheduling.find_times(HANA)
    assert unpaired.value.user_message == "You don't have a partner yet. Once pairs are published I'll introduce you."
    with pytest.raises(NotAuthorised) as not_ours:
        await world.scheduling.find_times(AISHA, theirs.id)
    assert not_ours.value.user_message == "That meeting isn't one of yours, so I can't show or change it."
    for attempt in (
        world.scheduling.show(BEN, ours.meeting.id),
        world.scheduling.pick(ELLA, ours.meeting.id, ours.meeting.version, 0),
        world.scheduling.cancel(BEN, ours.meeting.id, ours.meeting.version),
        world.scheduling.show(AISHA, 999),
    ):
        with pytest.raises(NotFound) as refused:
            await attempt
        assert refused.value.user_message == "That meeting isn't one of yours, so I can't show or change it."

    assert (await world.meeting(ours.meeting.id)).state is MeetingState.OFFERED
    assert world.items(BOOK_MEETING) == []
    assert len(world.scripted.questions) == 1


async def test_both_asking_at_once_make_one_offer(world: SchedulingWorld) -> None:
    arranged = await world.arrange()

    mentee, mentor = await asyncio.gather(world.scheduling.find_times(CHIOMA), world.scheduling.find_times(AISHA))

    assert mentee.meeting == mentor.meeting
    assert [m.id for m in await world.meetings.for_pairs([arranged.pair.id])] == [mentee.meeting.id]
    # Only the one whose offer was stored tells the other.
    assert len(world.items(MESSAGE)) == 1


# Choosing a time ------------------------------------------------------------------------------------------------


async def test_choosing_a_time_records_it_and_queues_one_booking(world: SchedulingWorld) -> None:
    await world.arrange()
    offer = await offered(world)

    view = await world.scheduling.pick(CHIOMA, offer.id, offer.version, 2)

    meeting = await world.meeting(offer.id)
    assert view.meeting == meeting
    assert (meeting.state, meeting.version, meeting.when, meeting.chosen_by) == (
        MeetingState.BOOKING,
        2,
        offer.slots[2],
        CHIOMA,
    )
    [booking] = world.items(BOOK_MEETING)
    assert (booking.idempotency_key, booking.recipient, booking.due_at) == (
        f"meeting:{offer.id}:book:2",
        None,
        world.clock.now(),
    )
    assert booking.payload == {"summary": "book a meeting in the calendar", "meeting": offer.id, "version": 2}
    # The click only records the choice: the calendar is asked from the queue.
    assert world.scripted.book_calls == []
    again = await world.scheduling.find_times(AISHA)
    assert again.notice == "That time is being booked now; you'll both hear in a moment."


async def test_a_second_click_on_the_same_card_books_once(world: SchedulingWorld) -> None:
    await world.arrange()
    offer = await offered(world)
    await world.scheduling.pick(CHIOMA, offer.id, offer.version, 0)

    second = await world.scheduling.pick(CHIOMA, offer.id, offer.version, 0)

    assert second.meeting.state is MeetingState.BOOKING
    assert second.notice == "You just chose a time, so that one is being booked; nothing else was booked."
    assert len(world.items(BOOK_MEETING)) == 1
    await world.run(BOOK_MEETING)
    assert len(world.scripted.events) == 1


async def test_both_choosing_at_once_book_once_and_the_other_is_told_why(world: SchedulingWorld) -> None:
    await world.arrange()
    offer = await offered(world)

    mentee, mentor = await asyncio.gather(
        world.scheduling.pick(CHIOMA, offer.id, offer.version, 0),
        world.scheduling.pick(AISHA, offer.id, offer.version, 1),
    )

    # Both read the offer before either wrote: a real race, which the version settled.
    assert world.meetings.lost_saves == 1
    assert (mentee.meeting.state, mentee.meeting.when, mentee.notice) == (MeetingState.BOOKING, offer.slots[0], None)
    assert (mentor.meeting.state, mentor.meeting.when) == (MeetingState.BOOKING, offer.slots[0])
    assert mentor.notice == "Chioma just chose a time, so that one is being booked; nothing else was booked."
    assert len(world.items(BOOK_MEETING)) == 1

    await world.run(BOOK_MEETING)

    [event] = world.scripted.events.values()
    assert event.booking.when == offer.slots[0]
    assert (await world.meeting(offer.id)).when == offer.slots[0]


async def test_a_card_from_an_older_offer_shows_the_current_times(world: SchedulingWorld) -> None:
    await world.arrange()
    old = await offered(world)
    world.clock.set(old.slots[0].start + timedelta(minutes=30))
    current = await offered(world)
    assert current.version == old.version + 1

    view = await world.scheduling.pick(AISHA, old.id, old.version, 1)

    assert view.meeting == current
    assert view.notice == "These times changed since that card was sent; here are the current ones."
    assert world.items(BOOK_MEETING) == []


@pytest.mark.parametrize("slot", [-1, 5, 99])
async def test_a_time_that_was_not_offered_is_refused(world: SchedulingWorld, slot: int) -> None:
    await world.arrange()
    offer = await offered(world)

    with pytest.raises(InvalidInput) as refused:
        await world.scheduling.pick(CHIOMA, offer.id, offer.version, slot)

    assert refused.value.user_message == "That time isn't one I offered; please choose from the card."
    assert await world.meeting(offer.id) == offer
    assert world.items(BOOK_MEETING) == []


async def test_an_offered_time_that_has_begun_is_refused(world: SchedulingWorld) -> None:
    await world.arrange()
    offer = await offered(world)
    world.clock.set(offer.slots[0].start + timedelta(minutes=30))

    with pytest.raises(InvalidInput) as refused:
        await world.scheduling.pick(CHIOMA, offer.id, offer.version, 0)

    assert refused.value.user_message == (
        "That time has already passed; please choose a later one, or ask for new times."
    )
    assert await world.meeting(offer.id) == offer
    # A time still ahead on the same card can be chosen.
    chosen = await world.scheduling.pick(CHIOMA, offer.id, offer.version, 1)
    assert chosen.meeting.when == offer.slots[1]


# Booking, from the queue ----------------------------------------------------------------------------------------


async def test_booking_uses_the_meetings_key_and_tells_both_people(world: SchedulingWorld) -> None:
    await world.arrange()
    offer = await offered(world)
    await world.scheduling.pick(CHIOMA, offer.id, offer.version, 0)

    assert await world.run(BOOK_MEETING) == 1

    [booking] = world.scripted.book_calls
    assert booking.key == f"remedi-meeting-{offer.id}-2"
    assert booking.subject == "Reverse mentoring: Aisha and Chioma"
    assert booking.when == offer.slots[0]
    assert [(i.person, i.email) for i in booking.invitees] == [
        (AISHA, "aisha.mentor@nhs.net"),
        (CHIOMA, "chioma.lead@nhs.net"),
    ]
    assert "booked by the ReMEDI bot" in booking.note
    meeting = await world.meeting(offer.id)
    assert (meeting.state, meeting.version, meeting.event_id, meeting.join_url, meeting.slots) == (
        MeetingState.BOOKED,
        3,
        "event-1",
        "https://teams.example.org/join/1",
        (),
    )
    sent = world.items(MESSAGE)[1:]  # after the offer to Aisha
    # Chioma chose, so hers goes at once; Aisha's waits for working hours like any message she did not ask for.
    assert sorted((m.recipient, m.idempotency_key, m.payload.get(ASKED_FOR), m.payload["summary"]) for m in sent) == [
        (AISHA, f"meeting:{offer.id}:v3:booked:to:{AISHA.value}", None, "meeting booked"),
        (CHIOMA, f"meeting:{offer.id}:v3:booked:to:{CHIOMA.value}", True, "meeting booked"),
    ]
    told = world.messages.rendered[1:]
    assert {(r.view.me.person, r.view.meeting, r.view.notice) for r in told} == {
        (AISHA, meeting, "Booked. The details are below."),
        (CHIOMA, meeting, "Booked. The details are below."),
    }


async def test_a_retry_after_a_crash_after_saving_books_once_and_tells_each_person_once(
    world: SchedulingWorld,
) -> None:
    await world.arrange()
    offer = await offered(world)
    await world.scheduling.pick(CHIOMA, offer.id, offer.version, 0)
    world.work.crash_before_messages = 1

    with pytest.raises(ProcessDied):
        await world.run(BOOK_MEETING)

    # The booking was saved; nobody was told; the item is still to do, so the sweeper will run it again.
    assert (await world.meeting(offer.id)).state is MeetingState.BOOKED
    assert [m.recipient for m in world.items(MESSAGE)] == [AISHA]
    [item] = world.items(BOOK_MEETING)
    assert item.state is WorkState.PENDING

    await world.run(BOOK_MEETING)
    # And once more, as if the process died again before the item was marked done.
    await world.run_item(item)

    assert len(world.scripted.book_calls) == 1
    assert len(world.scripted.events) == 1
    told = world.items(MESSAGE)[1:]
    assert sorted((m.recipient, m.payload["summary"]) for m in told) == [
        (AISHA, "meeting booked"),
        (CHIOMA, "meeting booked"),
    ]
    assert {r.view.notice for r in world.messages.rendered[1:]} == {"Booked. The details are below."}


async def test_a_lost_answer_from_the_calendar_is_retried_under_the_same_key(world: SchedulingWorld) -> None:
    await world.arrange()
    offer = await offered(world)
    await world.scheduling.pick(CHIOMA, offer.id, offer.version, 0)
    # The calendar made the event, and then the answer timed out.
    world.scripted.fail_next("book", DeliveryFailed("timed out", permanent=False), after_doing_it=True)

    with pytest.raises(DeliveryFailed) as failed:
        await world.run(BOOK_MEETING)
    assert failed.value.permanent is False
    assert (await world.meeting(offer.id)).state is MeetingState.BOOKING
    assert len(world.items(MESSAGE)) == 1

    await world.run(BOOK_MEETING)

    assert [b.key for b in world.scripted.book_calls] == [f"remedi-meeting-{offer.id}-2"] * 2
    assert len(world.scripted.events) == 1
    meeting = await world.meeting(offer.id)
    assert (meeting.state, meeting.event_id) == (MeetingState.BOOKED, "event-1")
    assert len(world.items(MESSAGE)) == 3


async def test_the_sweeper_retries_a_booking_the_calendar_could_not_take_yet(world: SchedulingWorld) -> None:
    await world.arrange()
    offer = await offered(world)
    await world.scheduling.pick(CHIOMA, offer.id, offer.version, 0)
    world.scripted.fail_next("book", DeliveryFailed("throttled", permanent=False))
    sweeper = world.sweeper()

    first = await sweeper.sweep_until_idle()

    assert first.retrying == 1
    [item] = world.items(BOOK_MEETING)
    assert (item.state, item.last_error) == (WorkState.PENDING, "throttled")
    assert world.scripted.events == {}

    world.clock.advance(timedelta(minutes=5))
    second = await sweeper.sweep_until_idle()

    assert (second.dead, world.items(BOOK_MEETING)[0].state) == (0, WorkState.DONE)
    assert len(world.scripted.events) == 1
    # The offer to Aisha, then the booking to both.
    reached = [recipient for recipient, _ in world.notifier.sent if isinstance(recipient, PersonRecipient)]
    assert sorted(recipient.person for recipient in reached) == [AISHA, AISHA, CHIOMA]


@pytest.mark.parametrize(
    ("refusal", "who", "notice"),
    [
        (
            CalendarRefused("403 from the calendar", "The programme's calendar is not set up to book meetings."),
            CHIOMA,
            "I couldn't book that time. The programme's calendar is not set up to book meetings.",
        ),
        (
            DeliveryFailed("the mailbox refused the event", permanent=True),
            AISHA,
            "I couldn't book that time. The calendar turned it down.",
        ),
    ],
)
async def test_a_refused_booking_puts_the_times_back_on_offer_and_tells_whoever_chose(
    world: SchedulingWorld, refusal: DeliveryFailed, who: PersonId, notice: str
) -> None:
    await world.arrange()
    offer = await offered(world)
    other = CHIOMA if who == AISHA else AISHA
    await world.scheduling.pick(who, offer.id, offer.version, 0)
    world.scripted.fail_next("book", refusal)

    # Refused for good: the handler does not fail, as retrying would only be refused again.
    await world.run(BOOK_MEETING)

    meeting = await world.meeting(offer.id)
    assert (meeting.state, meeting.version, meeting.when, meeting.event_id, meeting.slots) == (
        MeetingState.OFFERED,
        3,
        None,
        None,
        offer.slots,
    )
    refused = [m for m in world.items(MESSAGE) if "refused" in m.idempotency_key]
    assert [(m.recipient, m.idempotency_key, m.payload[ASKED_FOR]) for m in refused] == [
        (who, f"meeting:{offer.id}:v3:refused:to:{who.value}", True)
    ]
    [told] = world.messages.to(who)[-1:]
    assert (told.summary, told.view.notice, told.view.meeting) == ("meeting could not be booked", notice, meeting)
    assert told.view.problem
    assert all("refused" not in m.idempotency_key for m in world.messages_to(other))

    # The times are there to choose again.
    await world.scheduling.pick(other, meeting.id, meeting.version, 1)
    await world.run(BOOK_MEETING)
    assert (await world.meeting(offer.id)).state is MeetingState.BOOKED


# A time of their own --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "answer"),
    [
        (DEFAULT_NOW - timedelta(hours=1), "That time has already passed; please choose one in the future."),
        (DEFAULT_NOW, "That time has already passed; please choose one in the future."),
        (
            DEFAULT_NOW + timedelta(days=120, minutes=1),
            "That's more than four months away; please choose a time in the next few months.",
        ),
    ],
)
async def test_an_own_time_in_the_past_or_months_away_is_refused_kindly(
    world: SchedulingWorld, start: datetime, answer: str
) -> None:
    await world.arrange()
    offer = await offered(world)

    with pytest.raises(InvalidInput) as refused:
        await world.scheduling.pick_time(CHIOMA, offer.id, offer.version, start)

    assert refused.value.user_message == answer
    assert await world.meeting(offer.id) == offer
    assert world.items(BOOK_MEETING) == []


async def test_an_own_time_is_booked_for_the_sessions_length(world: SchedulingWorld) -> None:
    await world.arrange(session_minutes=45)
    offer = await offered(world)
    own = at(date(2025, 3, 20), 16, 0)

    view = await world.scheduling.pick_time(AISHA, offer.id, offer.version, own)
    await world.run(BOOK_MEETING)

    assert view.meeting.when == Interval(own, own + timedelta(minutes=45))
    meeting = await world.meeting(offer.id)
    assert (meeting.state, meeting.chosen_by, meeting.when) == (MeetingState.BOOKED, AISHA, view.meeting.when)
    assert [b.when for b in world.scripted.book_calls] == [view.meeting.when]


async def test_an_own_time_on_an_older_card_changes_nothing(world: SchedulingWorld) -> None:
    await world.arrange()
    offer = await offered(world)
    await world.scheduling.pick(CHIOMA, offer.id, offer.version, 0)

    view = await world.scheduling.pick_time(AISHA, offer.id, offer.version, at(date(2025, 3, 20), 16))

    assert view.meeting.when == offer.slots[0]
    assert view.notice == "Chioma just chose a time, so that one is being booked; nothing else was booked."
    assert len(world.items(BOOK_MEETING)) == 1


# Moving and keeping ---------------------------------------------------------------------------------------------


async def test_rescheduling_offers_new_times_and_keeps_the_booked_event(world: SchedulingWorld) -> None:
    await world.arrange()
    booked = await world.booked(CHIOMA)

    view = await world.scheduling.reschedule(AISHA, booked.id)

    meeting = await world.meeting(booked.id)
    assert view.meeting == meeting
    assert (meeting.state, meeting.rescheduling) == (MeetingState.OFFERED, True)
    assert (meeting.when, meeting.event_id, meeting.join_url) == (booked.when, booked.event_id, booked.join_url)
    assert meeting.slots
    assert meeting.window == search_window(world.clock.now(), LONDON)
    assert world.messages.to(CHIOMA)[-1].view.notice == "Aisha would like to move this meeting."
    # Until a new time is chosen the old one stands, and is what "my next meeting" shows.
    assert (await world.scheduling.upcoming(CHIOMA)).meeting == meeting


async def test_choosing_a_new_time_moves_the_same_event(world: SchedulingWorld) -> None:
    await world.arrange()
    booked = await world.booked(CHIOMA)
    offer = (await world.scheduling.reschedule(AISHA, booked.id)).meeting
    new_time = next(slot for slot in offer.slots if slot != booked.when)

    await world.scheduling.pick(AISHA, offer.id, offer.version, offer.slots.index(new_time))
    await world.run(BOOK_MEETING)

    assert [(event_id, b.when) for event_id, b in world.scripted.moves] == [("event-1", new_time)]
    assert len(world.scripted.book_calls) == 1
    assert world.scripted.event("event-1").booking.when == new_time
    meeting = await world.meeting(booked.id)
    assert (meeting.state, meeting.when, meeting.event_id) == (MeetingState.BOOKED, new_time, "event-1")
    moved = [r for r in world.messages.rendered if r.summary == "meeting moved"]
    assert {(r.view.me.person, r.view.notice) for r in moved} == {
        (AISHA, "Moved: the new time is below."),
        (CHIOMA, "Moved: the new time is below."),
    }


async def test_keeping_the_time_ends_the_rescheduling(world: SchedulingWorld) -> None:
    await world.arrange()
    booked = await world.booked(CHIOMA)
    offer = (await world.scheduling.reschedule(AISHA, booked.id)).meeting

    kept = await world.scheduling.keep(CHIOMA, offer.id, offer.version)

    assert kept.notice == "Kept as it was."
    meeting = await world.meeting(booked.id)
    assert (meeting.state, meeting.when, meeting.event_id, meeting.slots) == (
        MeetingState.BOOKED,
        booked.when,
        booked.event_id,
        (),
    )
    assert world.messages.to(AISHA)[-1].view.notice == "Chioma kept the time as it was."
    assert world.scripted.moves == []
    # The reschedule card, clicked again, now says what happened.
    stale = await world.scheduling.keep(AISHA, offer.id, offer.version)
    assert stale.notice == "This meeting is already booked, by Chioma."


async def test_a_refused_move_leaves_the_meeting_at_the_time_its_event_still_has(world: SchedulingWorld) -> None:
    await world.arrange()
    booked = await world.booked(CHIOMA)
    offer = (await world.scheduling.reschedule(AISHA, booked.id)).meeting
    new_time = next(slot for slot in offer.slots if slot != booked.when)
    await world.scheduling.pick(AISHA, offer.id, offer.version, offer.slots.index(new_time))
    [_, move] = world.items(BOOK_MEETING)
    assert booked.when is not None
    assert move.payload[MOVING_FROM] == [booked.when.start.isoformat(), booked.when.end.isoformat()]
    world.scripted.fail_next("move", DeliveryFailed("the event is locked", permanent=True))

    await world.run(BOOK_MEETING)

    meeting = await world.meeting(booked.id)
    assert (meeting.state, meeting.rescheduling, meeting.event_id) == (MeetingState.OFFERED, True, "event-1")
    assert meeting.when == booked.when
    assert world.scripted.event("event-1").booking.when == booked.when
    assert world.messages.to(AISHA)[-1].view.notice == "I couldn't book that time. The calendar turned it down."
    # Keeping it now keeps the time the event really has.
    await world.scheduling.keep(AISHA, meeting.id, meeting.version)
    assert (await world.meeting(booked.id)).when == booked.when


async def test_only_a_booked_meeting_still_to_come_can_be_moved(world: SchedulingWorld) -> None:
    await world.arrange()
    offer = await offered(world)

    view = await world.scheduling.reschedule(CHIOMA, offer.id)

    assert view.notice == "Only a booked meeting still to come can be moved."
    assert await world.meeting(offer.id) == offer


# Cancelling -----------------------------------------------------------------------------------------------------


async def test_cancelling_a_booked_meeting_cancels_its_event_from_the_queue(world: SchedulingWorld) -> None:
    await world.arrange()
    booked = await world.booked(CHIOMA)

    view = await world.scheduling.cancel(AISHA, booked.id, booked.version)

    assert view.notice == "Cancelled. Your partner has been told."
    meeting = await world.meeting(booked.id)
    assert (meeting.state, meeting.version) == (MeetingState.CANCELLED, booked.version + 1)
    [item] = world.items(CANCEL_EVENT)
    assert (item.idempotency_key, item.payload["event"]) == (f"meeting:{booked.id}:cancel:{meeting.version}", "event-1")
    assert world.messages.to(CHIOMA)[-1].view.notice == "Aisha cancelled this meeting."
    assert world.scripted.cancels == []

    await world.run(CANCEL_EVENT)

    assert world.scripted.cancels == [("event-1", CANCEL_NOTE)]
    assert world.scripted.live_events() == []


async def test_cancelling_twice_gives_a_kind_answer_and_cancels_once(world: SchedulingWorld) -> None:
    await world.arrange()
    booked = await world.booked(CHIOMA)
    await world.scheduling.cancel(AISHA, booked.id, booked.version)
    cancelled = await world.meeting(booked.id)

    same_card = await world.scheduling.cancel(CHIOMA, booked.id, booked.version)
    fresh_card = await world.scheduling.cancel(CHIOMA, booked.id, cancelled.version)

    assert same_card.notice == "This meeting has been cancelled."
    assert fresh_card.notice == "This meeting is already cancelled."
    assert await world.meeting(booked.id) == cancelled
    assert len(world.items(CANCEL_EVENT)) == 1


async def test_a_meeting_being_booked_or_already_over_cannot_be_cancelled(world: SchedulingWorld) -> None:
    await world.arrange()
    offer = await offered(world)
    booking = (await world.scheduling.pick(CHIOMA, offer.id, offer.version, 0)).meeting

    with pytest.raises(Conflict) as being_booked:
        await world.scheduling.cancel(AISHA, booking.id, booking.version)
    assert being_booked.value.user_message == "That meeting is being booked right now; please try again in a minute."

    await world.run(BOOK_MEETING)
    booked = await world.meeting(offer.id)
    assert booked.when is not None
    world.clock.set(booked.when.end)
    with pytest.raises(Conflict) as over:
        await world.scheduling.cancel(AISHA, booked.id, booked.version)
    assert over.value.user_message == "That meeting has already happened, so there's nothing to cancel."
    assert (await world.meeting(offer.id)).state is MeetingState.BOOKED
    assert world.items(CANCEL_EVENT) == []


async def test_a_cancelled_offer_needs_no_calendar_work_and_can_be_offered_again(world: SchedulingWorld) -> None:
    await world.arrange()
    offer = await offered(world)

    await world.scheduling.cancel(CHIOMA, offer.id, offer.version)

    assert world.items(CANCEL_EVENT) == []
    again = await world.scheduling.find_times(CHIOMA)
    assert (again.meeting.id, again.meeting.session, again.meeting.state) == (offer.id, 1, MeetingState.OFFERED)


# The next booked meeting ----------------------------------------------------------------------------------------


async def test_upcoming_is_the_next_booked_meeting(world: SchedulingWorld) -> None:
    await world.arrange()
    with pytest.raises(NotFound) as nothing_yet:
        await world.scheduling.upcoming(CHIOMA)
    assert nothing_yet.value.user_message == (
        "You don't have a meeting booked at the moment. Type 'schedule' to find a time."
    )

    booked = await world.booked(CHIOMA)

    mine = await world.scheduling.upcoming(AISHA)
    assert (mine.meeting, mine.me.person, mine.partner.person) == (booked, AISHA, CHIOMA)

    assert booked.when is not None
    world.clock.set(booked.when.end)
    with pytest.raises(NotFound):
        await world.scheduling.upcoming(AISHA)


async def test_upcoming_says_when_the_last_meeting_was_cancelled(world: SchedulingWorld) -> None:
    await world.arrange()
    booked = await world.booked(CHIOMA)
    await world.scheduling.cancel(CHIOMA, booked.id, booked.version)

    with pytest.raises(NotFound) as cancelled:
        await world.scheduling.upcoming(AISHA)

    assert cancelled.value.user_message == (
        "Your last meeting was cancelled, so there's nothing booked. Type 'schedule' to find a time."
    )


# Offers the bot makes on its own --------------------------------------------------------------------------------


async def test_a_pair_introduced_three_days_ago_with_nothing_booked_is_offered_times_once(
    world: SchedulingWorld,
) -> None:
    arranged = await world.arrange()
    world.clock.set(DEFAULT_NOW + timedelta(days=3) - timedelta(minutes=1))
    assert await world.scheduling.offer_due() == 0

    world.clock.set(DEFAULT_NOW + timedelta(days=3))
    assert await world.scheduling.offer_due() == 1

    [meeting] = await world.meetings.for_pairs([arranged.pair.id])
    assert (meeting.session, meeting.state, meeting.window) == (
        1,
        MeetingState.OFFERED,
        search_window(world.clock.now(), LONDON),
    )
    assert meeting.slots
    sent = world.items(MESSAGE)
    assert sorted((m.recipient, m.idempotency_key, m.payload.get(NUDGE), m.payload.get(ASKED_FOR)) for m in sent) == [
        (AISHA, f"meeting:{meeting.id}:v1:offer:to:{AISHA.value}", True, None),
        (CHIOMA, f"meeting:{meeting.id}:v1:offer:to:{CHIOMA.value}", True, None),
    ]
    assert {r.view.notice for r in world.messages.rendered} == {
        "It's time to arrange your first conversation. Here are some times when you both look free."
    }

    world.clock.advance(timedelta(hours=1))
    assert await world.scheduling.offer_due() == 0
    assert len(world.items(MESSAGE)) == 2


async def test_the_next_session_is_offered_at_the_cadence_once_the_last_is_over(world: SchedulingWorld) -> None:
    arranged = await world.arrange()
    first = await world.booked(CHIOMA)
    assert first.when is not None
    world.clock.set(first.when.start + timedelta(minutes=30))
    assert await world.scheduling.offer_due() == 0

    world.clock.set(first.when.end)
    assert await world.scheduling.offer_due() == 1

    [_, second] = await world.meetings.for_pairs([arranged.pair.id])
    cadence = first.when.start + timedelta(days=28) - CADENCE_SLACK
    assert (second.session, second.state) == (2, MeetingState.OFFERED)
    # Two weeks from there (by the London clock or by the hour: the search crosses the clock change).
    assert second.window.start == cadence
    assert abs(second.window.length - SEARCH_SPAN) <= timedelta(hours=1)
    assert second.slots
    for slot in second.slots:
        assert second.window.contains(slot)
        assert in_half_days(slot, MENTOR_HALVES)
        assert in_half_days(slot, MENTEE_HALVES)
    assert {r.view.notice for r in world.messages.rendered[-2:]} == {"It's time to arrange conversation 2 of 6."}
    assert await world.scheduling.offer_due() == 0


async def test_nothing_is_offered_after_the_cohorts_last_session(world: SchedulingWorld) -> None:
    await world.arrange(sessions=1)
    only = await world.booked(CHIOMA)
    assert only.when is not None
    world.clock.set(only.when.end + timedelta(days=7))

    assert await world.scheduling.offer_due() == 0
    assert len(world.scripted.questions) == 1


async def test_nothing_is_offered_to_a_pair_when_one_of_them_has_withdrawn(world: SchedulingWorld) -> None:
    arranged = await world.arrange()
    await world.withdraw(arranged.mentor)
    world.clock.set(DEFAULT_NOW + timedelta(days=4))

    assert await world.scheduling.offer_due() == 0
    assert world.scripted.questions == []
    assert await world.meetings.for_pairs([arranged.pair.id]) == []


async def test_calendars_are_asked_once_for_every_pair_due(world: SchedulingWorld) -> None:
    arranged = await world.arrange()
    cohort = arranged.cohort
    ben = await world.participant(cohort, BEN, "Ben", Role.MENTOR, MENTOR_HALVES, "ben@nhs.net")
    ella = await world.participant(cohort, ELLA, "Ella", Role.MENTEE, MENTEE_HALVES, "ella@nhs.net")
    hana = await world.participant(cohort, HANA, "Hana", Role.MENTOR, MENTOR_HALVES, "hana@nhs.net")
    dev = await world.participant(cohort, DEV, "Dev", Role.MENTEE, MENTEE_HALVES, "dev@nhs.net")
    pairs = [
        arranged.pair,
        await world.published_pair(cohort, ben, ella),
        await world.published_pair(cohort, hana, dev),
    ]
    world.clock.set(DEFAULT_NOW + timedelta(days=3))

    assert await world.scheduling.offer_due() == 3

    [question] = world.scripted.questions
    assert set(question.people) == {AISHA, CHIOMA, BEN, ELLA, HANA, DEV}
    assert len(question.people) == 6
    offers = await world.meetings.for_pairs([pair.id for pair in pairs])
    assert [(m.pair_id, m.session, bool(m.slots)) for m in offers] == [(pair.id, 1, True) for pair in pairs]
    assert len(world.items(MESSAGE)) == 6


# Someone leaving ------------------------------------------------------------------------------------------------


async def test_withdrawing_calls_off_meetings_still_to_come_and_leaves_past_ones(world: SchedulingWorld) -> None:
    arranged = await world.arrange()
    first = await world.booked(CHIOMA)
    assert first.when is not None
    world.clock.set(first.when.end)
    await world.scheduling.offer_due()
    [_, offer] = await world.meetings.for_pairs([arranged.pair.id])
    await world.scheduling.pick(AISHA, offer.id, offer.version, 0)
    await world.run(BOOK_MEETING)
    second = await world.meeting(offer.id)
    assert (second.state, second.event_id) == (MeetingState.BOOKED, "event-2")

    leaving = await world.withdraw(arranged.mentee)
    await world.scheduling.withdrawn(leaving)

    assert await world.meeting(first.id) == first
    assert (await world.meeting(second.id)).state is MeetingState.CANCELLED
    [item] = world.items(CANCEL_EVENT)
    assert item.payload["event"] == "event-2"
    await world.run(CANCEL_EVENT)
    assert world.scripted.cancels == [("event-2", CANCEL_NOTE)]
    assert [event.event_id for event in world.scripted.live_events()] == ["event-1"]


# The .ics file --------------------------------------------------------------------------------------------------


def unfolded(ics: str) -> list[str]:
    return ics.replace("\r\n ", "").split("\r\n")


async def test_a_booked_meeting_has_an_ics_file_with_its_time_and_teams_link() -> None:
    world = SchedulingWorld(local_calendar=True)
    # Monday 2 June 2025, 09:00 in London (BST): the first time offered is Tuesday 3 June at 10:00, 09:00 UTC.
    world.clock.set(datetime(2025, 6, 2, 8, 0, tzinfo=UTC))
    await world.arrange()
    offer = await offered(world)
    assert local(offer.slots[0].start) == at(date(2025, 6, 3), 10)
    assert await world.scheduling.calendar_file(offer.ics_token) is None

    chosen = await world.scheduling.pick(CHIOMA, offer.id, offer.version, 0)
    assert await world.scheduling.calendar_file(offer.ics_token) is None
    assert chosen.ics_url is None
    await world.run(BOOK_MEETING)

    meeting = await world.meeting(offer.id)
    assert meeting.event_id == f"local:remedi-meeting-{offer.id}-2"
    assert meeting.join_url is not None
    assert meeting.join_url.startswith("https://teams.microsoft.com/l/meeting/new?")
    ics = await world.scheduling.calendar_file(offer.ics_token)
    assert ics is not None
    lines = unfolded(ics)
    assert "DTSTART:20250603T090000Z" in lines
    assert "DTEND:20250603T100000Z" in lines
    assert "STATUS:CONFIRMED" in lines
    # The file is fetched without signing in, so its Teams link sets up the call at that time and names nobody.
    [url] = [line.removeprefix("URL:") for line in lines if line.startswith("URL:")]
    assert url.startswith("https://teams.microsoft.com/l/meeting/new?")
    link = parse_qs(urlsplit(url).query)
    assert (link["startTime"], link["endTime"]) == (["2025-06-03T10:00:00+01:00"], ["2025-06-03T11:00:00+01:00"])
    assert "attendees" not in link
    for private in ("Aisha", "Chioma", "aisha.mentor@nhs.net", "chioma.lead@nhs.net"):
        assert private not in ics
    # Without invitations, the booked card links to the file.
    view = await world.scheduling.upcoming(CHIOMA)
    assert (view.invitations, view.ics_url) == (False, f"{ICS_BASE}{offer.ics_token}.ics")
    assert await world.scheduling.calendar_file("not-a-token") is None


async def test_a_cancelled_meetings_ics_file_says_so() -> None:
    world = SchedulingWorld(local_calendar=True)
    await world.arrange()
    booked = await world.booked(CHIOMA)
    await world.scheduling.cancel(AISHA, booked.id, booked.version)

    ics = await world.scheduling.calendar_file(booked.ics_token)

    assert ics is not None
    lines = unfolded(ics)
    assert "STATUS:CANCELLED" in lines
    assert "METHOD:CANCEL" in lines
    assert f"SEQUENCE:{booked.version + 1}" in lines


async def test_a_meeting_called_off_while_the_calendar_books_it_leaves_no_event(world: SchedulingWorld) -> None:
    arranged = await world.arrange()
    offer = await offered(world)
    await world.scheduling.pick(CHIOMA, offer.id, offer.version, 0)
    booking = world.scripted.book

    async def book_while_aisha_leaves(request: Booking) -> BookedEvent:
        # The event is made, and before the answer comes back Aisha withdraws, which calls the meeting off.
        made = await booking(request)
        await world.scheduling.withdrawn(await world.withdraw(arranged.mentor))
        return made

    world.scripted.book = book_while_aisha_leaves  # type: ignore[method-assign, assignment]

    assert await world.run(BOOK_MEETING) == 1

    assert (await world.meeting(offer.id)).state is MeetingState.CANCELLED
    assert world.scripted.live_events() == []
    assert [event for event, _note in world.scripted.cancels] == ["event-1"]
    # Nobody is told it was booked.
    assert [m for m in world.items(MESSAGE) if "booked" in m.idempotency_key] == []


async def test_a_refused_booking_forgets_who_chose(world: SchedulingWorld) -> None:
    await world.arrange()
    offer = await offered(world)
    await world.scheduling.pick(CHIOMA, offer.id, offer.version, 0)
    world.scripted.fail_next("book", DeliveryFailed("refused", permanent=True))

    await world.run(BOOK_MEETING)

    again = await world.meeting(offer.id)
    assert (again.state, again.chosen_by, again.when) == (MeetingState.OFFERED, None, None)


async def test_rescheduling_never_offers_the_time_already_booked(world: SchedulingWorld) -> None:
    await world.arrange()
    booked = await world.booked(CHIOMA)
    assert booked.when is not None

    moving = await world.scheduling.reschedule(AISHA, booked.id)

    # Half-days say both are free then, but the meeting itself is there: offering it back would change nothing.
    assert moving.meeting.slots
    assert not any(slot.overlaps(booked.when) for slot in moving.meeting.slots)


async def test_a_meeting_booked_locally_before_the_switch_to_microsoft_365_is_booked_afresh_there(
    world: SchedulingWorld,
) -> None:
    await world.arrange()
    booked = await world.booked(CHIOMA)
    # As the local calendar left it, before REMEDI_ORGANIZER_MAILBOX was set.
    local = await world.meetings.save(
        replace(booked, event_id="local:remedi-meeting-1-2"), booked.version, world.clock.now()
    )
    assert local is not None

    moving = await world.scheduling.reschedule(CHIOMA, local.id)
    await world.scheduling.pick(CHIOMA, local.id, moving.meeting.version, 0)
    await world.run(BOOK_MEETING)
    # The Microsoft 365 calendar never had it, so it is booked there rather than moved.
    assert world.scripted.moves == []
    moved = await world.meeting(local.id)
    assert moved.event_id is not None
    assert not moved.event_id.startswith("local:")

    cancelled = await world.meetings.save(
        replace(moved, event_id="local:remedi-meeting-1-9"), moved.version, world.clock.now()
    )
    assert cancelled is not None
    await world.scheduling.cancel(CHIOMA, cancelled.id, cancelled.version)
    await world.run(CANCEL_EVENT)
    # Nothing to cancel there either: the local id is never sent to Microsoft 365.
    assert world.scripted.cancels == []
