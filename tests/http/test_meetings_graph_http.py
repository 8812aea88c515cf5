"""Scheduling with the Microsoft 365 calendar, through the real adapter: times from both people's Outlook
free/busy inside their working hours, and a real Teams meeting in the programme mailbox's calendar with both of
them invited, moved and cancelled there.

Graph is a local :class:`FakeGraph` that the real msgraph-sdk client talks to, signed in through the real
azure-identity credential whose token requests go to :class:`FakeEntraTransport` instead of Entra. The pair is
built in :mod:`tests.http.meeting_world`.

Their Outlook calendars (London time; the clocks do not change in the fortnight searched):

* Zadie works Monday to Friday, 08:00-16:00. She is busy on Tuesday 3 March 10:00-13:00 and Wednesday 4 March
  08:00-12:00, out of the office all Monday 9 March, and working elsewhere on Wednesday 11 March 13:00-16:00.
* Bram works Monday to Thursday, 10:00-18:00. He is busy on Tuesday 3 March 14:00-18:00 and all Thursday 5 March,
  and has something tentative on Tuesday 10 March 10:00-12:30.

So they are both free, inside both their working hours, on Tuesday 3 March only 13:00-14:00, on Wednesday 4 March
12:00-16:00, on Tuesday 10 March 12:30-16:00, on Wednesday 11 March 10:00-13:00 and on every Monday to Thursday
after that 10:00-16:00; never on Thursday 5 March, a Friday or Monday 9 March.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from cards.meetings import when_text
from programme.calendar import Interval
from programme.meetings import Meeting, MeetingState
from tests.http.conftest import APP_ID, APP_SECRET, BotUnderTest, programme_settings
from tests.http.meeting_world import (
    ASK_CANCEL,
    BOOKED,
    BOOKING,
    CANCELLED,
    LONDON,
    OFFERED,
    RESCHEDULING,
    SESSION,
    WINDOW,
    WINDOW_START,
    answered_card,
    calendar_work,
    link,
    meeting_cards_to,
    no_trace_of_failure,
    notices,
    only_meeting,
    only_titled,
    published_pair,
    slot_buttons,
    title,
)
from tests.http.programme_driver import (
    BRAM_ANSWERS,
    MENTEE_BRAM,
    MENTOR_ZADIE,
    NOW,
    ZADIE_ANSWERS,
    Person,
    Programme,
)
from tests.support.card_reading import button, card_actions, card_text
from tests.support.fake_connector import FakeConnector
from tests.support.fake_graph import FakeEntraTransport, FakeEvent, FakeGraph, Fault, GraphRequest
from tests.support.fake_identity import FakeBotIdentity, FakeCredentialFactory
from tests.support.fakes import FakeClock

CATALOG_APP_ID = "5e1c0a77-3b1d-4e8f-9a2b-6c7d8e9f0a1b"
# The programme mailbox, as an administrator might type it; the bot names it in lower case.
ORGANIZER_AS_GIVEN = "ReMEDI.Meetings@nhs.net"
ORGANIZER = ORGANIZER_AS_GIVEN.lower()
SCHEDULE = f"/users/{ORGANIZER}/calendar/getSchedule"
EVENTS = f"/users/{ORGANIZER}/events"
GRAPH_TIME = "%Y-%m-%dT%H:%M:%S"


@dataclass(frozen=True)
class WorkingWeek:
    days: frozenset[int]
    start: time
    end: time


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in London in March 2026."""
    return datetime(2026, 3, day, hour, minute, tzinfo=LONDON)


WORKING = {
    MENTOR_ZADIE: WorkingWeek(frozenset(range(5)), time(8), time(16)),
    MENTEE_BRAM: WorkingWeek(frozenset(range(4)), time(10), time(18)),
}
# (start, end, how Outlook shows it), as in the module docstring.
BUSY: dict[Person, list[tuple[datetime, datetime, str]]] = {
    MENTOR_ZADIE: [
        (at(3, 10), at(3, 13), "busy"),
        (at(4, 8), at(4, 12), "busy"),
        (at(9, 8), at(9, 16), "oof"),
        (at(11, 13), at(11, 16), "workingElsewhere"),
    ],
    MENTEE_BRAM: [
        (at(3, 14), at(3, 18), "busy"),
        (at(5, 10), at(5, 18), "busy"),
        (at(10, 10), at(10, 12, 30), "tentative"),
    ],
}
# The first five days on which both are free for 45 minutes: one time offered on each.
DAYS_OFFERED = [date(2026, 3, day) for day in (3, 4, 10, 11, 12)]


@dataclass
class GraphProgramme:
    programme: Programme
    graph: FakeGraph


@pytest.fixture
async def world(
    tmp_path: Path, identity: FakeBotIdentity, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[GraphProgramme]:
    """The deployed bot with Graph on and a programme mailbox, on a fixed clock, the two calendars set up as in the
    module docstring; fails the test if anything was logged as an error."""
    async with FakeGraph() as graph:
        graph.add_mailbox(ORGANIZER)
        for person, week in WORKING.items():
            days = [("monday", "tuesday", "wednesday", "thursday", "friday")[d] for d in sorted(week.days)]
            graph.set_working_hours(person.email, days=days, start=week.start, end=week.end)
            for start, end, status in BUSY[person]:
                graph.add_busy(person.email, start, end, status)
        settings = programme_settings(
            tmp_path,
            identity,
            connector,
            REMEDI_GRAPH_ENABLED="true",
            REMEDI_TEAMS_CATALOG_APP_ID=CATALOG_APP_ID,
            REMEDI_GRAPH_BASE_URL=graph.base_url,
            REMEDI_ORGANIZER_MAILBOX=ORGANIZER_AS_GIVEN,
        )
        entra = FakeEntraTransport(client_id=APP_ID, client_secret=APP_SECRET, token=graph.token)
        clock = FakeClock(NOW)
        app = create_app(
            settings, clock=clock, credentials_factory=FakeCredentialFactory(APP_ID), graph_token_transport=entra
        )
        async with TestClient(TestServer(app)) as client:
            bot = BotUnderTest(client=client, connector=connector, identity=identity, settings=settings)
            yield GraphProgramme(Programme(bot, clock), graph)
    errors = [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert errors == [], f"errors were logged: {errors}"


def free_for(person: Person, slot: Interval) -> bool:
    """Whether the slot is inside the person's working hours and clear of everything in their calendar."""
    start, end = slot.start.astimezone(LONDON), slot.end.astimezone(LONDON)
    week = WORKING[person]
    working = (
        start.weekday() in week.days
        and start.date() == end.date()
        and week.start <= start.time()
        and end.time() <= week.end
    )
    return working and not any(slot.overlaps(Interval(b, e)) for b, e, _ in BUSY[person])


def named(body: Mapping[str, Any]) -> dict[str, Any]:
    """An action's parameters by their lower-case names: Graph matches them in any case, and msgraph-sdk sends
    them capitalised."""
    return {name.lower(): value for name, value in body.items()}


def utc_graph_time(moment: datetime) -> dict[str, str]:
    """A time as the adapter writes it for Graph: in UTC, without an offset, the zone named beside it."""
    return {"dateTime": moment.astimezone(UTC).strftime(GRAPH_TIME), "timeZone": "UTC"}


def only_live_event(graph: FakeGraph) -> FakeEvent:
    events = graph.live_events(ORGANIZER)
    assert len(events) == 1, [e.resource["id"] for e in events]
    return events[0]


async def offered(world: GraphProgramme) -> tuple[int, dict[str, Any]]:
    """The pair published, and Bram's card after he pressed "Find a time" on his introduction."""
    pair = await published_pair(world.programme, ZADIE_ANSWERS, BRAM_ANSWERS, sweeps_to=3)
    answer = await world.programme.press(MENTEE_BRAM, button(pair.mentee_introduction, "Find a time"))
    return pair.pair_id, answered_card(answer)


async def booked(world: GraphProgramme) -> tuple[int, Meeting, dict[str, dict[str, Any]]]:
    """Bram books the first time offered and the queue is swept; returns the meeting and each one's confirmation
    by name."""
    programme = world.programme
    pair_id, offer = await offered(world)
    await programme.press(MENTEE_BRAM, slot_buttons(offer)[0])
    since = len(programme.sent)
    report = await programme.sweep()
    assert (report.retrying, report.dead) == (0, 0)
    meeting = await only_meeting(programme, pair_id)
    assert meeting.state is MeetingState.BOOKED
    confirmations = {
        person.name: only_titled(programme, person, BOOKED, since=since) for person in (MENTOR_ZADIE, MENTEE_BRAM)
    }
    return pair_id, meeting, confirmations


def event_posts(graph: FakeGraph) -> list[GraphRequest]:
    return graph.requests_to("POST", EVENTS)


async def test_the_times_offered_are_when_both_are_free_in_their_outlook_calendars(world: GraphProgramme) -> None:
    programme, graph = world.programme, world.graph
    pair_id, offer = await offered(world)

    assert title(offer) == OFFERED
    meeting = await only_meeting(programme, pair_id)
    assert (meeting.state, meeting.window) == (MeetingState.OFFERED, WINDOW)
    for slot in meeting.slots:
        assert slot.length == SESSION
        assert WINDOW.contains(slot)
        assert slot.start > NOW
        for person in (MENTOR_ZADIE, MENTEE_BRAM):
            assert free_for(person, slot), f"{when_text(slot, LONDON)} is not free for {person.name}"
    # One a day, on the first five days both are free: none missed, none on a day either of them cannot meet.
    assert [slot.start.astimezone(LONDON).date() for slot in meeting.slots] == DAYS_OFFERED
    assert [b["title"] for b in slot_buttons(offer)] == [when_text(slot, LONDON) for slot in meeting.slots]

    # One free/busy question for both, from the programme mailbox, in quarter hours over the fortnight.
    [asked] = graph.requests_to("POST", SCHEDULE)
    assert asked.status == 200
    body = named(asked.body)
    assert sorted(body["schedules"]) == sorted([MENTOR_ZADIE.email, MENTEE_BRAM.email])
    assert body["starttime"] == utc_graph_time(WINDOW_START)
    assert body["endtime"] == utc_graph_time(WINDOW.end)
    assert body["availabilityviewinterval"] == 15
    assert [r.path for r in graph.requests if "/calendar" in r.path or "/events" in r.path] == [SCHEDULE]
    assert {r.headers.get("authorization") for r in graph.requests} == {f"Bearer {graph.token}"}

    # Zadie is told, with the same times, and asking again reads nobody's calendar again.
    since = len(programme.sent)
    await programme.sweep()
    [to_zadie] = meeting_cards_to(programme, MENTOR_ZADIE, since=since)
    assert notices(to_zadie) == [f"{MENTEE_BRAM.name} is finding a time for you both."]
    assert [b["data"] for b in slot_buttons(to_zadie)] == [b["data"] for b in slot_buttons(offer)]
    again = answered_card(await programme.click(MENTOR_ZADIE, "meeting.find", {"pair": pair_id}))
    assert slot_buttons(again) == slot_buttons(to_zadie)
    assert len(graph.requests_to("POST", SCHEDULE)) == 1


async def test_one_click_books_one_teams_meeting_with_both_invited(world: GraphProgramme) -> None:
    programme, graph = world.programme, world.graph
    pair_id, offer = await offered(world)
    meeting = await only_meeting(programme, pair_id)
    chosen = meeting.slots[1]

    booking = answered_card(await programme.press(MENTEE_BRAM, slot_buttons(offer)[1]))
    assert title(booking) == BOOKING
    # Nothing is asked of Graph inside the click.
    assert event_posts(graph) == []

    since = len(programme.sent)
    await programme.sweep()
    [made] = event_posts(graph)
    assert made.status == 201
    sent = made.body
    assert sent["isOnlineMeeting"] is True
    assert sent["onlineMeetingProvider"] == "teamsForBusiness"
    assert sent["start"] == utc_graph_time(chosen.start)
    assert sent["end"] == utc_graph_time(chosen.end)
    assert [(a["emailAddress"]["address"], a["type"]) for a in sent["attendees"]] == [
        (MENTOR_ZADIE.email, "required"),
        (MENTEE_BRAM.email, "required"),
    ]
    assert sent["transactionId"] == f"remedi-meeting-{meeting.id}-{meeting.version + 1}"
    # The subject names them (it is in their own calendars); the body says nothing of what they will discuss.
    assert sent["subject"] == f"Reverse mentoring: {MENTOR_ZADIE.name} and {MENTEE_BRAM.name}"

    event = only_live_event(graph)
    join_url = event.resource["onlineMeeting"]["joinUrl"]
    stored = await only_meeting(programme, pair_id)
    assert (stored.state, stored.when, stored.event_id, stored.join_url) == (
        MeetingState.BOOKED,
        chosen,
        event.resource["id"],
        join_url,
    )
    for person in (MENTOR_ZADIE, MENTEE_BRAM):
        confirmation = only_titled(programme, person, BOOKED, since=since)
        assert notices(confirmation) == ["Booked. The details are below."]
        assert when_text(chosen, LONDON) in card_text(confirmation).replace("**", "")
        assert link(confirmation, "Join on Teams") == join_url
        # Outlook has the invitation, so there is no file to add and no meeting to set up by hand.
        assert [a.get("title") for a in card_actions(confirmation) if "title" in a] == [
            "Join on Teams",
            "Reschedule",
            "Cancel",
        ]

    # The booked time is busy for both now, so it is never offered again.
    assert (await programme.sweep()).claimed == 0
    assert len(event_posts(graph)) == 1
    assert [kind for kind, _, _ in await calendar_work(programme)] == ["meeting.book"]


async def test_a_double_click_and_the_partner_choosing_at_once_make_one_event(world: GraphProgramme) -> None:
    programme, graph = world.programme, world.graph
    pair_id, offer = await offered(world)
    since = len(programme.sent)
    await programme.sweep()
    [to_zadie] = meeting_cards_to(programme, MENTOR_ZADIE, since=since)
    meeting = await only_meeting(programme, pair_id)

    answers = await asyncio.gather(
        programme.press(MENTEE_BRAM, slot_buttons(offer)[0]),
        programme.press(MENTEE_BRAM, slot_buttons(offer)[0]),
        programme.press(MENTOR_ZADIE, slot_buttons(to_zadie)[2]),
    )
    assert {title(answered_card(answer)) for answer in answers} == {BOOKING}
    chosen = await only_meeting(programme, pair_id)
    assert chosen.when in (meeting.slots[0], meeting.slots[2])

    since = len(programme.sent)
    await programme.sweep()
    assert len(event_posts(graph)) == 1
    event = only_live_event(graph)
    assert chosen.when is not None
    assert (event.start, event.end) == (chosen.when.start, chosen.when.end)
    for person in (MENTOR_ZADIE, MENTEE_BRAM):
        [confirmation] = meeting_cards_to(programme, person, since=since)
        assert link(confirmation, "Join on Teams") == event.resource["onlineMeeting"]["joinUrl"]
    # The later clicks, pressed again now, show the booking and book nothing.
    late = answered_card(await programme.press(MENTOR_ZADIE, slot_buttons(to_zadie)[1]))
    assert title(late) == BOOKED
    assert (await programme.sweep()).claimed == 0
    assert len(event_posts(graph)) == 1


async def test_a_throttled_booking_is_retried_and_makes_one_event(world: GraphProgramme) -> None:
    programme, graph = world.programme, world.graph
    pair_id, offer = await offered(world)
    graph.fail_next(Fault.throttled(retry_after=1), method="POST", path=EVENTS)

    await programme.press(MENTEE_BRAM, slot_buttons(offer)[0])
    report = await programme.sweep()

    # The client waited the second Graph asked for and sent the same event again, within the one attempt.
    assert (report.retrying, report.dead) == (0, 0)
    posts = event_posts(graph)
    assert [r.status for r in posts] == [429, 201]
    assert posts[0].body == posts[1].body
    event = only_live_event(graph)
    stored = await only_meeting(programme, pair_id)
    assert (stored.state, stored.event_id) == (MeetingState.BOOKED, event.resource["id"])


async def test_a_booking_graph_made_before_failing_is_not_made_twice(world: GraphProgramme) -> None:
    programme, graph = world.programme, world.graph
    pair_id, offer = await offered(world)
    # Graph makes the event, then answers 503 and asks for a minute: longer than the client waits within a call.
    graph.fail_next(Fault.unavailable(retry_after=60).after_processing(), method="POST", path=EVENTS)

    await programme.press(MENTEE_BRAM, slot_buttons(offer)[0])
    since = len(programme.sent)
    first = await programme.sweep()
    assert (first.retrying, first.dead) == (1, 0)
    assert [r.status for r in event_posts(graph)] == [503]
    made = only_live_event(graph)
    waiting = await only_meeting(programme, pair_id)
    assert (waiting.state, waiting.event_id) == (MeetingState.BOOKING, None)
    assert [title(c) for c in meeting_cards_to(programme, MENTEE_BRAM, since=since)] == []

    # Not before Graph said; then the same booking again, which Graph recognises by its transactionId.
    programme.clock.advance(timedelta(seconds=30))
    assert (await programme.sweep()).claimed == 0
    programme.clock.advance(timedelta(seconds=31))
    later = await programme.sweep()
    assert (later.retrying, later.dead) == (0, 0)
    posts = event_posts(graph)
    assert [r.status for r in posts] == [503, 201]
    assert posts[0].body["transactionId"] == posts[1].body["transactionId"]
    assert only_live_event(graph) is made
    assert len(graph.events) == 1
    stored = await only_meeting(programme, pair_id)
    assert (stored.state, stored.event_id) == (MeetingState.BOOKED, made.resource["id"])
    for person in (MENTOR_ZADIE, MENTEE_BRAM):
        confirmation = only_titled(programme, person, BOOKED, since=since)
        assert link(confirmation, "Join on Teams") == made.resource["onlineMeeting"]["joinUrl"]

    programme.clock.advance(timedelta(hours=1))
    assert (await programme.sweep()).claimed == 0
    assert len(event_posts(graph)) == 2


async def test_moving_patches_the_same_event_and_cancelling_cancels_it(world: GraphProgramme) -> None:
    programme, graph = world.programme, world.graph
    pair_id, meeting, confirmations = await booked(world)
    event = only_live_event(graph)
    event_id = event.resource["id"]
    join_url = event.resource["onlineMeeting"]["joinUrl"]
    assert meeting.when is not None
    old_time = meeting.when

    # Bram asks to move it: Outlook is asked again, and the booked time (busy now) is not offered.
    moving = answered_card(await programme.press(MENTEE_BRAM, button(confirmations[MENTEE_BRAM.name], "Reschedule")))
    assert title(moving) == RESCHEDULING
    assert len(graph.requests_to("POST", SCHEDULE)) == 2
    offer = await only_meeting(programme, pair_id)
    assert (offer.state, offer.when, offer.event_id) == (MeetingState.OFFERED, old_time, event_id)
    assert offer.slots
    assert all(not slot.overlaps(old_time) for slot in offer.slots)
    assert all(free_for(MENTOR_ZADIE, slot) and free_for(MENTEE_BRAM, slot) for slot in offer.slots)
    since = len(programme.sent)
    await programme.sweep()
    [told] = meeting_cards_to(programme, MENTOR_ZADIE, since=since)
    assert title(told) == RESCHEDULING
    assert notices(told) == [f"{MENTEE_BRAM.name} would like to move this meeting."]

    # Zadie chooses the last: the same event is moved, not a second one made.
    new_time = offer.slots[-1]
    await programme.press(MENTOR_ZADIE, slot_buttons(told)[-1])
    since = len(programme.sent)
    await programme.sweep()
    [patch] = graph.requests_to("PATCH", f"{EVENTS}/{event_id}")
    assert patch.status == 200
    assert (patch.body["start"], patch.body["end"]) == (utc_graph_time(new_time.start), utc_graph_time(new_time.end))
    assert len(event_posts(graph)) == 1
    assert only_live_event(graph) is event
    assert (event.start, event.end) == (new_time.start, new_time.end)
    moved = await only_meeting(programme, pair_id)
    assert (moved.state, moved.when, moved.event_id, moved.join_url) == (
        MeetingState.BOOKED,
        new_time,
        event_id,
        join_url,
    )
    for person in (MENTOR_ZADIE, MENTEE_BRAM):
        [card] = meeting_cards_to(programme, person, since=since)
        assert notices(card) == ["Moved: the new time is below."]
        assert when_text(new_time, LONDON) in card_text(card).replace("**", "")
        assert link(card, "Join on Teams") == join_url

    # Cancelling asks first, and nothing reaches Outlook until it is confirmed.
    [zadie_card] = meeting_cards_to(programme, MENTOR_ZADIE, since=since)
    asking = answered_card(await programme.press(MENTOR_ZADIE, button(zadie_card, "Cancel")))
    assert title(asking) == ASK_CANCEL
    assert "I'll take it out of both your Outlook calendars" in card_text(asking)
    cancel_path = f"{EVENTS}/{event_id}/cancel"
    await programme.sweep()
    assert graph.requests_to("POST", cancel_path) == []
    assert (await only_meeting(programme, pair_id)) == moved

    cancelled = answered_card(await programme.press(MENTOR_ZADIE, button(asking, "Yes, cancel it")))
    assert title(cancelled) == CANCELLED
    since = len(programme.sent)
    await programme.sweep()
    [cancel] = graph.requests_to("POST", cancel_path)
    assert cancel.status == 202
    assert named(cancel.body) == {"comment": "This reverse-mentoring conversation has been cancelled."}
    assert event.cancelled
    assert graph.live_events(ORGANIZER) == []
    [to_bram] = meeting_cards_to(programme, MENTEE_BRAM, since=since)
    assert title(to_bram) == CANCELLED
    assert notices(to_bram) == [f"{MENTOR_ZADIE.name} cancelled this meeting."]
    assert (await only_meeting(programme, pair_id)).state is MeetingState.CANCELLED

    # The confirmation pressed again cancels nothing more.
    await programme.press(MENTOR_ZADIE, button(asking, "Yes, cancel it"))
    assert (await programme.sweep()).claimed == 0
    assert len(graph.requests_to("POST", cancel_path)) == 1
    assert [kind for kind, _, _ in await calendar_work(programme)] == ["meeting.book", "meeting.book", "meeting.cancel"]


async def test_a_booking_graph_refuses_goes_back_on_offer_with_a_kind_word(world: GraphProgramme) -> None:
    programme, graph = world.programme, world.graph
    pair_id, offer = await offered(world)
    meeting = await only_meeting(programme, pair_id)
    graph.fail_next(Fault.forbidden(), method="POST", path=EVENTS)

    await programme.press(MENTEE_BRAM, slot_buttons(offer)[0])
    since = len(programme.sent)
    report = await programme.sweep()

    # Asked once (a refusal is not retried), nothing made, and the same times are on offer again.
    assert [r.status for r in event_posts(graph)] == [403]
    assert graph.live_events() == []
    assert (report.retrying, report.dead) == (0, 0)
    again = await only_meeting(programme, pair_id)
    assert (again.state, again.slots, again.when, again.event_id) == (MeetingState.OFFERED, meeting.slots, None, None)
    # Bram, who chose, hears why on a card he can choose from again; Zadie hears nothing of it.
    [told] = meeting_cards_to(programme, MENTEE_BRAM, since=since)
    assert title(told) == OFFERED
    assert notices(told) == [
        "I couldn't book that time. I couldn't book the meeting: Microsoft 365 turned the request down. Please let "
        "your programme coordinator know, as trying again won't help until the bot's set-up is checked."
    ]
    no_trace_of_failure(told)
    assert "Forbidden" not in card_text(told)
    assert [c for c in meeting_cards_to(programme, MENTOR_ZADIE, since=since) if title(c) != OFFERED] == []
    assert [b["data"]["version"] for b in slot_buttons(told)] == [again.version] * len(meeting.slots)

    # Once the set-up is put right, choosing from that card books it.
    await programme.press(MENTEE_BRAM, slot_buttons(told)[0])
    await programme.sweep()
    assert [r.status for r in event_posts(graph)] == [403, 201]
    assert (await only_meeting(programme, pair_id)).state is MeetingState.BOOKED
    only_live_event(graph)
