"""Scheduling on the local calendar (no Microsoft 365 tenant), through the real adapter: times from the half-days
people gave at sign-up, a booking kept in our database, a Teams "new meeting" link and an .ics file to add it.

The pair is built in :mod:`tests.http.meeting_world`. Zadie usually meets on Monday mornings and Thursday
afternoons; Bram here also on Tuesday mornings, so the two of them share Monday mornings and Thursday afternoons.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.dispatcher import PERSONAL_ONLY
from cards.actions import DAMAGED
from cards.meetings import DATE_INPUT, TIME_INPUT, when_text
from programme.calendar import Interval
from programme.meetings import Meeting, MeetingState
from programme.teams_links import TEAMS_NEW_MEETING
from tests.http.conftest import programme_settings
from tests.http.meeting_world import (
    ASK_CANCEL,
    BOOKED,
    BOOKING,
    BRAM_FREE,
    CANCELLED,
    LONDON,
    OFFERED,
    RESCHEDULING,
    SESSION,
    WINDOW,
    answered_card,
    calendar_work,
    link,
    meeting_cards_to,
    meetings_of,
    no_trace_of_failure,
    notices,
    only_meeting,
    own_time_button,
    published_pair,
    running_locally,
    slot_buttons,
    title,
)
from tests.http.programme_driver import (
    BRAM_ANSWERS,
    COORDINATOR_CARYS,
    ERROR_REPLY,
    MENTEE_BRAM,
    MENTOR_ZADIE,
    MESSAGE_REPLY,
    ZADIE_ANSWERS,
    Programme,
    only_card,
    only_text,
)
from tests.support import activities
from tests.support.card_reading import button, card_actions, card_text
from tests.support.fake_connector import FakeConnector
from tests.support.fake_identity import FakeBotIdentity

PUBLIC_URL = "https://remedi.example.nhs.uk"
# The half-days both gave (Monday morning, Thursday afternoon), as the local calendar reads them.
SHARED_HALF_DAYS = {0: (time(9, 0), time(12, 30)), 3: (time(13, 30), time(17, 0))}
OWN_TIME = {DATE_INPUT: "2026-03-20", TIME_INPUT: "10:00"}
NOT_YOURS = "That meeting isn't one of yours, so I can't show or change it."


@pytest.fixture
async def local(
    tmp_path: Path, identity: FakeBotIdentity, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Programme]:
    """The deployed bot without Graph, reachable at a public address for .ics links, on a fixed clock; fails the
    test if anything was logged as an error."""
    settings = programme_settings(tmp_path, identity, connector, REMEDI_PUBLIC_URL=PUBLIC_URL)
    async with running_locally(settings, identity, connector, caplog) as programme:
        yield programme


def in_shared_half_day(start: datetime, end: datetime) -> bool:
    local_start, local_end = start.astimezone(LONDON), end.astimezone(LONDON)
    hours = SHARED_HALF_DAYS.get(local_start.weekday())
    return (
        hours is not None
        and local_start.date() == local_end.date()
        and hours[0] <= local_start.time()
        and local_end.time() <= hours[1]
    )


async def offered_to_bram(programme: Programme) -> tuple[int, dict[str, Any]]:
    """The published pair, and Bram's card after he pressed "Find a time" on his introduction."""
    world = await published_pair(programme, ZADIE_ANSWERS, BRAM_FREE)
    answer = await programme.press(MENTEE_BRAM, button(world.mentee_introduction, "Find a time"))
    return world.pair_id, answered_card(answer)


async def booked_by_bram(programme: Programme) -> tuple[int, Meeting, dict[str, Any]]:
    """The pair's first meeting booked on the first time offered, the queue swept; returns Bram's confirmation."""
    pair_id, offer = await offered_to_bram(programme)
    await programme.press(MENTEE_BRAM, slot_buttons(offer)[0])
    since = len(programme.sent)
    await programme.sweep()
    [confirmation] = meeting_cards_to(programme, MENTEE_BRAM, since=since)
    meeting = await only_meeting(programme, pair_id)
    assert meeting.state is MeetingState.BOOKED
    return pair_id, meeting, confirmation


async def ics(programme: Programme, path: str) -> tuple[int, str, Mapping[str, str]]:
    response = await programme.bot.client.get(path)
    return response.status, await response.text(), response.headers


async def test_a_pair_book_one_of_the_offered_times_and_both_can_add_it_to_their_calendars(local: Programme) -> None:
    pair_id, offer = await offered_to_bram(local)

    # The times are from the half-days both gave, each on its own day in the next two weeks.
    assert title(offer) == OFFERED
    meeting = await only_meeting(local, pair_id)
    assert (meeting.state, meeting.version, meeting.window) == (MeetingState.OFFERED, 1, WINDOW)
    assert len(meeting.slots) >= 3
    for slot in meeting.slots:
        assert slot.length == SESSION
        assert WINDOW.contains(slot)
        assert in_shared_half_day(slot.start, slot.end), when_text(slot, LONDON)
    assert len({slot.start.astimezone(LONDON).date() for slot in meeting.slots}) == len(meeting.slots)
    picks = slot_buttons(offer)
    assert [p["title"] for p in picks] == [when_text(slot, LONDON) for slot in meeting.slots]
    assert [p["data"] for p in picks] == [
        {"action": "meeting.pick", "meeting": meeting.id, "version": 1, "slot": n} for n in range(len(picks))
    ]
    # Nobody's address is on the card.
    assert MENTOR_ZADIE.email not in card_text(offer)
    assert MENTEE_BRAM.email not in card_text(offer)

    # Zadie hears once the queue is swept, and sees the same times.
    since = len(local.sent)
    assert (await local.sweep()).done == 1
    [to_zadie] = meeting_cards_to(local, MENTOR_ZADIE, since=since)
    assert notices(to_zadie) == [f"{MENTEE_BRAM.name} is finding a time for you both."]
    assert [p["data"] for p in slot_buttons(to_zadie)] == [p["data"] for p in picks]

    # She chooses the second; her card says it is being booked, and nothing is booked inside the click.
    chosen = meeting.slots[1]
    booking = answered_card(await local.press(MENTOR_ZADIE, slot_buttons(to_zadie)[1]))
    assert title(booking) == BOOKING
    assert when_text(chosen, LONDON) in card_text(booking).replace("**", "")
    assert (await only_meeting(local, pair_id)).state is MeetingState.BOOKING

    since = len(local.sent)
    report = await local.sweep()
    assert (report.done, report.retrying, report.dead) == (3, 0, 0)
    booked = await only_meeting(local, pair_id)
    assert (booked.state, booked.when) == (MeetingState.BOOKED, chosen)
    assert booked.chosen_by is not None
    assert booked.chosen_by.value == MENTOR_ZADIE.id
    ics_url = f"{PUBLIC_URL}/meetings/{booked.ics_token}.ics"
    for person in (MENTOR_ZADIE, MENTEE_BRAM):
        [confirmation] = meeting_cards_to(local, person, since=since)
        assert title(confirmation) == BOOKED
        assert notices(confirmation) == ["Booked. The details are below."]
        assert when_text(chosen, LONDON) in card_text(confirmation).replace("**", "")
        assert link(confirmation, "Add to my calendar") == ics_url
        # A Teams "new meeting" link with the time (in London time) and both people filled in.
        teams = urlsplit(link(confirmation, "Set up the Teams meeting"))
        assert f"{teams.scheme}://{teams.netloc}{teams.path}" == TEAMS_NEW_MEETING
        query = parse_qs(teams.query)
        assert datetime.fromisoformat(query["startTime"][0]) == chosen.start
        assert datetime.fromisoformat(query["endTime"][0]) == chosen.end
        assert query["startTime"][0] == chosen.start.astimezone(LONDON).isoformat(timespec="seconds")
        assert query["attendees"][0].split(",") == [MENTOR_ZADIE.email, MENTEE_BRAM.email]
        assert [a["title"] for a in card_actions(confirmation) if "title" in a and a.get("verb")] == [
            "Reschedule",
            "Cancel",
        ]

    # The .ics file: the booked time, never cached.
    status, body, headers = await ics(local, urlsplit(ics_url).path)
    assert status == 200
    assert headers["Content-Type"].startswith("text/calendar")
    assert headers["Cache-Control"] == "no-store"
    unfolded = body.replace("\r\n ", "")
    assert f"DTSTART:{chosen.start.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n" in unfolded
    assert f"DTEND:{chosen.end.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n" in unfolded
    assert "STATUS:CONFIRMED" in unfolded
    # Anyone holding the address can read it without signing in, so it says nothing of who the pair are.
    for private in (MENTOR_ZADIE.email, MENTEE_BRAM.email, "Zadie", "Bram", "Quillfeather", "Tollemarsh"):
        assert private.lower() not in unfolded.lower()

    # Sweeping again sends nothing more.
    assert (await local.sweep()).claimed == 0
    assert [kind for kind, _, _ in await calendar_work(local)] == ["meeting.book"]


async def test_a_calendar_file_address_that_is_malformed_or_unknown_is_not_found(local: Programme) -> None:
    _pair_id, meeting, confirmation = await booked_by_bram(local)
    token = meeting.ics_token
    for path in (
        "/meetings/short.ics",
        f"/meetings/{'a' * 65}.ics",
        f"/meetings/{token[:-1]}!.ics",
        f"/meetings/{token}%00.ics",
        f"/meetings/{token.upper() if token.upper() != token else token.lower()}.ics",
        f"/meetings/{'Q' * len(token)}.ics",
        "/meetings/..%2F..%2Fetc%2Fpasswd.ics",
        "/meetings/.ics",
        f"/meetings/{token}",
    ):
        status, body, _headers = await ics(local, path)
        assert status == 404, (path, status, body)
        assert "Traceback" not in body
    assert (await ics(local, f"/meetings/{token}.ics"))[0] == 200

    # Once cancelled, the same address gives the cancellation, for calendars that fetched the file.
    asking = answered_card(await local.press(MENTEE_BRAM, button(confirmation, "Cancel")))
    await local.press(MENTEE_BRAM, button(asking, "Yes, cancel it"))
    status, body, _headers = await ics(local, f"/meetings/{token}.ics")
    assert status == 200
    assert "METHOD:CANCEL" in body
    assert "STATUS:CANCELLED" in body


async def test_a_pair_can_move_or_cancel_their_meeting_and_the_partner_is_told(local: Programme) -> None:
    pair_id, meeting, confirmation = await booked_by_bram(local)
    assert meeting.when is not None
    first_time = meeting.when

    # Reschedule: new times, the booked one standing until one is chosen.
    moving = answered_card(await local.press(MENTEE_BRAM, button(confirmation, "Reschedule")))
    assert title(moving) == RESCHEDULING
    assert f"You're booked for **{when_text(first_time, LONDON)}** now." in card_text(moving)
    rescheduling = await only_meeting(local, pair_id)
    assert (rescheduling.state, rescheduling.when) == (MeetingState.OFFERED, first_time)
    since = len(local.sent)
    await local.sweep()
    [told] = meeting_cards_to(local, MENTOR_ZADIE, since=since)
    assert notices(told) == [f"{MENTEE_BRAM.name} would like to move this meeting."]

    # The local calendar has no event that keeps the booked time busy, so it may be among those offered again.
    new_index = next(n for n, slot in enumerate(rescheduling.slots) if slot != first_time)
    new_time = rescheduling.slots[new_index]
    await local.press(MENTEE_BRAM, slot_buttons(moving)[new_index])
    since = len(local.sent)
    await local.sweep()
    moved = await only_meeting(local, pair_id)
    assert (moved.state, moved.when) == (MeetingState.BOOKED, new_time)
    for person in (MENTOR_ZADIE, MENTEE_BRAM):
        [card] = meeting_cards_to(local, person, since=since)
        assert notices(card) == ["Moved: the new time is below."]
        assert when_text(new_time, LONDON) in card_text(card).replace("**", "")
        teams = parse_qs(urlsplit(link(card, "Set up the Teams meeting")).query)
        assert datetime.fromisoformat(teams["startTime"][0]) == new_time.start
    status, body, _headers = await ics(local, f"/meetings/{moved.ics_token}.ics")
    assert status == 200
    assert f"DTSTART:{new_time.start.astimezone(UTC):%Y%m%dT%H%M%SZ}" in body

    # Cancel asks first; keeping it changes nothing.
    [zadie_card] = meeting_cards_to(local, MENTOR_ZADIE, since=since)
    asking = answered_card(await local.press(MENTOR_ZADIE, button(zadie_card, "Cancel")))
    assert title(asking) == ASK_CANCEL
    assert (await only_meeting(local, pair_id)) == moved
    kept = answered_card(await local.press(MENTOR_ZADIE, button(asking, "Keep it")))
    assert title(kept) == BOOKED
    assert (await only_meeting(local, pair_id)) == moved

    cancelled = answered_card(await local.press(MENTOR_ZADIE, button(asking, "Yes, cancel it")))
    assert title(cancelled) == CANCELLED
    assert notices(cancelled) == ["Cancelled. Your partner has been told."]
    assert (await only_meeting(local, pair_id)).state is MeetingState.CANCELLED
    since = len(local.sent)
    await local.sweep()
    [to_bram] = meeting_cards_to(local, MENTEE_BRAM, since=since)
    assert title(to_bram) == CANCELLED
    assert notices(to_bram) == [f"{MENTOR_ZADIE.name} cancelled this meeting."]

    # The same confirmation pressed again: already cancelled, nothing more sent.
    again = answered_card(await local.press(MENTOR_ZADIE, button(asking, "Yes, cancel it")))
    assert title(again) == CANCELLED
    assert (await local.sweep()).claimed == 0


async def test_two_people_choosing_at_once_book_one_meeting(local: Programme) -> None:
    pair_id, offer = await offered_to_bram(local)
    since = len(local.sent)
    await local.sweep()
    [to_zadie] = meeting_cards_to(local, MENTOR_ZADIE, since=since)
    meeting = await only_meeting(local, pair_id)

    # Bram double-clicks his first time while Zadie clicks her second.
    answers = await asyncio.gather(
        local.press(MENTEE_BRAM, slot_buttons(offer)[0]),
        local.press(MENTEE_BRAM, slot_buttons(offer)[0]),
        local.press(MENTOR_ZADIE, slot_buttons(to_zadie)[1]),
    )
    assert {title(answered_card(answer)) for answer in answers} == {BOOKING}
    chosen = await only_meeting(local, pair_id)
    assert chosen.state is MeetingState.BOOKING
    assert chosen.version == meeting.version + 1
    assert chosen.when in meeting.slots[:2]
    assert [kind for kind, _, _ in await calendar_work(local)] == ["meeting.book"]

    since = len(local.sent)
    await local.sweep()
    booked = await only_meeting(local, pair_id)
    assert (booked.state, booked.when) == (MeetingState.BOOKED, chosen.when)
    assert booked.when is not None
    for person in (MENTOR_ZADIE, MENTEE_BRAM):
        [confirmation] = meeting_cards_to(local, person, since=since)
        assert when_text(booked.when, LONDON) in card_text(confirmation).replace("**", "")


async def test_damaged_or_stale_meeting_buttons_get_kind_answers_and_change_nothing(local: Programme) -> None:
    pair_id, meeting, confirmation = await booked_by_bram(local)
    work_before = await calendar_work(local)
    sent_before = len(local.sent)

    async def unchanged() -> None:
        assert await meetings_of(local, pair_id) == [meeting]
        assert await calendar_work(local) == work_before

    def refused(answer: Mapping[str, Any]) -> None:
        assert answer["statusCode"] == 400, answer
        assert (answer["type"], answer["value"]["message"]) == (ERROR_REPLY, DAMAGED)

    damaged: list[dict[str, object]] = [
        {"meeting": "one", "version": 1, "slot": 0},
        {"meeting": meeting.id, "version": True, "slot": 0},
        {"meeting": meeting.id, "version": 1, "slot": -1},
        {"meeting": meeting.id, "version": 1, "slot": 1.0},
        {"meeting": meeting.id, "version": 1, "slot": 99},
        {"meeting": [meeting.id], "version": 1, "slot": 0},
        {"meeting": meeting.id, "version": 1},
        {"meeting": 0, "version": 1, "slot": 0},
        {"meeting": 10**30, "version": 1, "slot": 0},
    ]
    for data in damaged:
        refused(await local.click(MENTEE_BRAM, "meeting.pick", data))
    for verb in ("meeting.show", "meeting.reschedule", "meeting.cancel"):
        refused(await local.click(MENTEE_BRAM, verb, {"meeting": {"id": meeting.id}}))
    refused(await local.click(MENTEE_BRAM, "meeting.cancel.confirm", {"meeting": meeting.id, "version": "v2"}))
    refused(await local.click(MENTEE_BRAM, "meeting.find", {"pair": "mine"}))
    bad_data = await local.click(MENTEE_BRAM, "meeting.pick", ["not", "an", "object"])
    assert (bad_data["statusCode"], bad_data["type"]) == (400, ERROR_REPLY)
    no_trace_of_failure(bad_data)
    await unchanged()

    # Someone else's meeting, or one that does not exist: the same answer, and nothing shown of it.
    someone_elses: tuple[tuple[str, dict[str, object]], ...] = (
        ("meeting.show", {"meeting": meeting.id}),
        ("meeting.pick", {"meeting": meeting.id, "version": meeting.version, "slot": 0}),
        ("meeting.reschedule", {"meeting": meeting.id}),
        ("meeting.cancel", {"meeting": meeting.id}),
        ("meeting.cancel.confirm", {"meeting": meeting.id, "version": meeting.version}),
        ("meeting.pick-time", {"meeting": meeting.id, "version": meeting.version, **OWN_TIME}),
        ("meeting.keep", {"meeting": meeting.id, "version": meeting.version}),
    )
    for verb, data in someone_elses:
        answer = await local.click(COORDINATOR_CARYS, verb, data)
        assert (answer["type"], answer["value"]) == (MESSAGE_REPLY, NOT_YOURS), (verb, answer)
    missing = await local.click(MENTEE_BRAM, "meeting.show", {"meeting": meeting.id + 100})
    assert (missing["type"], missing["value"]) == (MESSAGE_REPLY, NOT_YOURS)
    others = await local.click(COORDINATOR_CARYS, "meeting.find", {"pair": pair_id})
    assert (others["type"], others["value"]) == (MESSAGE_REPLY, NOT_YOURS)
    await unchanged()

    # Buttons from the card of times that was offered before the booking: the meeting as it is, nothing booked.
    for version, slot in ((1, 0), (1, 1), (meeting.version - 1, 2)):
        stale = answered_card(
            await local.click(MENTOR_ZADIE, "meeting.pick", {"meeting": meeting.id, "version": version, "slot": slot})
        )
        assert title(stale) == BOOKED
        assert notices(stale) == [f"This meeting is already booked, by {MENTEE_BRAM.name}."]
    old_form = {"meeting": meeting.id, "version": 1, **OWN_TIME}
    assert title(answered_card(await local.click(MENTEE_BRAM, "meeting.pick-time", old_form))) == BOOKED
    old_keep = answered_card(await local.click(MENTEE_BRAM, "meeting.keep", {"meeting": meeting.id, "version": 1}))
    assert notices(old_keep) == ["This meeting is already booked, by you."]
    await unchanged()
    assert local.sent[sent_before:] == []

    # Now offered anew (rescheduling): a slot the offer does not have, and own times that can't be read or have
    # passed, are each answered on the card or in a sentence, and the booked time stands.
    moving = answered_card(await local.press(MENTEE_BRAM, button(confirmation, "Reschedule")))
    offer = await only_meeting(local, pair_id)
    assert len(offer.slots) < 5
    beyond = {"meeting": offer.id, "version": offer.version, "slot": len(offer.slots)}
    outside = await local.click(MENTEE_BRAM, "meeting.pick", beyond)
    assert (outside["type"], outside["value"]) == (
        MESSAGE_REPLY,
        "That time isn't one I offered; please choose from the card.",
    )
    form = own_time_button(moving)
    for typed, problem in (
        ({DATE_INPUT: "2026-02-30", TIME_INPUT: "10:00"}, "That day doesn't look like a date"),
        ({DATE_INPUT: "20/03/2026", TIME_INPUT: "10:00"}, "That day doesn't look like a date"),
        ({DATE_INPUT: "2026-03-20", TIME_INPUT: "25:61"}, "That doesn't look like a time"),
        ({DATE_INPUT: "2026-03-20", TIME_INPUT: "ten o'clock"}, "That doesn't look like a time"),
        ({DATE_INPUT: "2026-03-20", TIME_INPUT: ""}, "Please choose the time you'd like to start."),
        ({DATE_INPUT: "2026-03-20" * 10, TIME_INPUT: "10:00"}, "That day doesn't look like a date"),
    ):
        shown = answered_card(await local.press(MENTEE_BRAM, form, **typed))
        assert title(shown) == RESCHEDULING
        [notice] = notices(shown)
        assert problem in notice, (typed, notice)
    for typed in (
        {DATE_INPUT: "2026-03-02", TIME_INPUT: "09:00"},  # an hour before NOW
        {DATE_INPUT: "2025-12-25", TIME_INPUT: "10:00"},
    ):
        past = await local.press(MENTEE_BRAM, form, **typed)
        assert (past["type"], past["value"]) == (
            MESSAGE_REPLY,
            "That time has already passed; please choose one in the future.",
        )
    far = await local.press(MENTEE_BRAM, form, **{DATE_INPUT: "2027-03-02", TIME_INPUT: "10:00"})
    assert far["type"] == MESSAGE_REPLY
    assert "more than four months away" in far["value"]
    # Values no Input.Date or Input.Time sends.
    for typed_values in ({DATE_INPUT: ["2026-03-20"], TIME_INPUT: "10:00"}, {DATE_INPUT: 20260320, TIME_INPUT: {}}):
        answer = await local.click(MENTEE_BRAM, "meeting.pick-time", {**form["data"], **typed_values})
        assert title(answered_card(answer)) == RESCHEDULING
    no_trace_of_failure([outside, far])
    still = await only_meeting(local, pair_id)
    assert (still.state, still.when, still.event_id) == (MeetingState.OFFERED, meeting.when, meeting.event_id)
    assert await calendar_work(local) == work_before

    # A good time of their own books: 45 minutes from the time typed, in London time.
    booking = answered_card(await local.press(MENTEE_BRAM, form, **{DATE_INPUT: "2026-03-20", TIME_INPUT: "15:30"}))
    assert title(booking) == BOOKING
    await local.sweep()
    moved = await only_meeting(local, pair_id)
    assert moved.state is MeetingState.BOOKED
    assert moved.when is not None
    assert moved.when.start == datetime(2026, 3, 20, 15, 30, tzinfo=LONDON)
    assert moved.when.length == SESSION


async def test_the_meeting_commands_work_in_a_personal_chat_only(local: Programme) -> None:
    world = await published_pair(local, ZADIE_ANSWERS, BRAM_FREE)

    # Nothing booked yet: reschedule and cancel say so, kindly.
    nothing = "You don't have a meeting booked at the moment. Type 'schedule' to find a time."
    assert only_text(await local.say(MENTOR_ZADIE, "reschedule")) == nothing
    assert only_text(await local.say(MENTOR_ZADIE, "cancel")) == nothing

    offer = only_card(await local.say(MENTOR_ZADIE, "schedule"))
    assert title(offer) == OFFERED
    meeting = await only_meeting(local, world.pair_id)
    assert [p["data"]["meeting"] for p in slot_buttons(offer)] == [meeting.id] * len(meeting.slots)
    # Asking again shows the same offer rather than a new one.
    assert slot_buttons(only_card(await local.say(MENTEE_BRAM, "schedule"))) == slot_buttons(offer)
    assert len(await meetings_of(local, world.pair_id)) == 1

    await local.press(MENTOR_ZADIE, slot_buttons(offer)[0])
    # While it is being booked, "schedule" says so rather than offering more times.
    being_booked = only_card(await local.say(MENTEE_BRAM, "schedule"))
    assert title(being_booked) == BOOKING
    await local.sweep()
    booked = only_card(await local.say(MENTEE_BRAM, "schedule"))
    assert title(booked) == BOOKED
    assert notices(booked) == ["This is already booked. To change it, choose Reschedule or Cancel below."]

    moving = only_card(await local.say(MENTEE_BRAM, "reschedule"))
    assert title(moving) == RESCHEDULING
    kept = answered_card(await local.press(MENTEE_BRAM, button(moving, "Keep the current time")))
    assert notices(kept) == ["Kept as it was."]
    assert (await only_meeting(local, world.pair_id)).state is MeetingState.BOOKED

    asking = only_card(await local.say(MENTEE_BRAM, "cancel"))
    assert title(asking) == ASK_CANCEL
    assert (await only_meeting(local, world.pair_id)).state is MeetingState.BOOKED

    # In a group chat, each is refused as personal, and nothing changes.
    before = await meetings_of(local, world.pair_id)
    for command in ("schedule", "reschedule", "cancel"):
        for person in (MENTOR_ZADIE, MENTEE_BRAM):
            assert only_text(await local.mention(person, command)) == PERSONAL_ONLY
    group_click = activities.card_action(
        "meeting.cancel.confirm",
        {"meeting": meeting.id, "version": before[0].version},
        service_url=local.bot.service_url,
        person=MENTEE_BRAM.id,
    )
    group_click["conversation"] = {
        "id": "19:group@thread.v2",
        "conversationType": "groupChat",
        "isGroup": True,
        "tenantId": activities.TENANT,
    }
    response = await local.bot.post(group_click)
    assert response.status == 200
    answer = await response.json()
    assert (answer["type"], answer["value"]) == (MESSAGE_REPLY, PERSONAL_ONLY)
    assert await meetings_of(local, world.pair_id) == before


async def test_an_offer_with_no_shared_time_asks_for_one_of_their_own(local: Programme) -> None:
    # Zadie's half-days and Bram's own (Tuesday morning, Friday afternoon) never meet.
    world = await published_pair(local, ZADIE_ANSWERS, BRAM_ANSWERS)
    offer = answered_card(await local.press(MENTEE_BRAM, button(world.mentee_introduction, "Find a time")))
    assert title(offer) == OFFERED
    assert slot_buttons(offer) == []
    assert "couldn't find a time when you're both free" in card_text(offer)
    later = answered_card(await local.press(MENTEE_BRAM, button(offer, "Look at the two weeks after")))
    meeting = await only_meeting(local, world.pair_id)
    # The clocks go forward on 29 March: the fortnight searched ends at midnight in London all the same.
    assert meeting.window == Interval(WINDOW.end, datetime(2026, 3, 31, tzinfo=LONDON))
    assert meeting.window.length == timedelta(days=14, hours=-1)
    assert "from Tuesday 17 March to Monday 30 March" in card_text(later)
    answer = await local.press(MENTEE_BRAM, own_time_button(later), **{DATE_INPUT: "2026-03-10", TIME_INPUT: "08:00"})
    assert title(answered_card(answer)) == BOOKING
    await local.sweep()
    booked = await only_meeting(local, world.pair_id)
    assert booked.when is not None
    assert booked.when.start == datetime(2026, 3, 10, 8, 0, tzinfo=LONDON)
