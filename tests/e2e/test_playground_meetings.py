"""Booking a pair's meetings on the local calendar (no Microsoft 365 tenant), end to end through the Agents Playground
and the real service: a cohort is matched and published; the mentee asks for times from their introduction and
both see the same few, all in the one half-day the two of them share; the mentee picks one and the queue books it
once, telling both with a calendar file and a Teams link; the mentor's click on their older copy books nothing
more; then the mentee moves the meeting, the mentor picks the new time, and the mentee cancels it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from tests.e2e.conftest import Stack
from tests.e2e.matching_cohort import AISHA_ANSWERS, DAVID_ANSWERS, publish_as_proposed, ready_for_matching
from tests.e2e.playground import PlaygroundClient
from tests.e2e.steps import (
    AISHA,
    DAVID,
    NAMES,
    PROACTIVE_WAIT,
    ZONE,
    cohort_plan,
    command_card,
    deliver_at_any_hour,
    heading,
    press,
    press_this,
    queue_settled,
    rows,
    say,
    showing,
)
from tests.support.card_reading import button, card_actions, text_blocks

pytestmark = pytest.mark.e2e

COHORT_NAME = "Race equality 2026, finance and nursing"
LONDON = ZoneInfo(ZONE)
# The local calendar's afternoon half-day: what "usually free Wednesday afternoon" means when nobody's Outlook is
# there to ask.
AFTERNOON = (time(13, 30), time(17, 0))
BOOKED = "Your conversation is booked"
OFFERED = "Choose a time to meet"
TEAMS_NEW_MEETING = "https://teams.microsoft.com/l/meeting/new"


@pytest.fixture
def service_env() -> dict[str, str]:
    return deliver_at_any_hour()


async def test_a_pair_finds_a_time_books_it_once_then_moves_and_cancels_it(stack: Stack) -> None:
    client = stack.client
    database = stack.database_path
    today = datetime.now(LONDON).date()
    plan = cohort_plan(COHORT_NAME, today, mentor_capacity="1")
    session = timedelta(minutes=int(plan["session_minutes"]))

    # Aisha (mentor) and David (mentee) are paired, as in the matching scenario; Wednesday afternoon is the only
    # half-day both said usually suits them.
    _, title = await ready_for_matching(client, plan)
    await publish_as_proposed(client, title)
    chats = {person: await client.personal_chat_id(person) for person in (AISHA, DAVID)}
    introductions = {
        person: await client.next_bot_message(
            PROACTIVE_WAIT, conversation_id=chat, predicate=lambda m: (heading(m) or "").startswith("Meet your ")
        )
        for person, chat in chats.items()
    }
    await queue_settled(database)
    # What came before (approvals, introductions) is not what this test is about.
    client.clear()
    shared = _half_days(AISHA_ANSWERS.availability) & _half_days(DAVID_ANSWERS.availability)
    assert shared == {"wed-pm"}

    # 1. David presses "Find a time" on his introduction: a few Wednesday afternoons in the next two weeks, each
    # as long as the cohort's sessions, exactly the ones stored on the offer.
    assert rows(database, "SELECT id FROM meetings") == []
    offer = await press(client, introductions[DAVID], "Find a time", DAVID)
    assert text_blocks(offer)[:3] == [
        OFFERED,
        f"Conversation 1 of {plan['sessions']} with Aisha Bello, your mentor",
        "Times when you're both free",
    ]
    [stored] = rows(database, "SELECT * FROM meetings")
    assert (stored["session"], stored["state"], stored["version"], stored["when_start"]) == (1, "offered", 1, None)
    slots = [(_utc(start), _utc(end)) for start, end in json.loads(stored["slots"])]
    assert 3 <= len(slots) <= 5
    assert slots == sorted(set(slots))
    window_opens = datetime.combine(today + timedelta(days=1), time(0), tzinfo=LONDON)
    for start, end in slots:
        local_start, local_end = start.astimezone(LONDON), end.astimezone(LONDON)
        assert _half_day(local_start) in shared, f"{local_start} is not a time both said suits them"
        assert AFTERNOON[0] <= local_start.time()
        assert local_end.time() <= AFTERNOON[1]
        assert local_end.date() == local_start.date()
        assert end - start == session
        assert window_opens <= local_start
        assert local_end <= window_opens + timedelta(days=14)
    times = [_when(start, end) for start, end in slots]
    assert _offered_times(offer) == times
    meeting_id = stored["id"]
    assert {(a["data"]["meeting"], a["data"]["version"]) for a in _picks(offer)} == {(meeting_id, 1)}

    # Aisha is sent the same offer in her own chat, saying who is looking.
    aisha_offer = await client.next_bot_message(
        PROACTIVE_WAIT, conversation_id=chats[AISHA], predicate=lambda m: heading(m) == OFFERED
    )
    aisha_card = aisha_offer.adaptive_cards[0]
    assert text_blocks(aisha_card)[1:3] == [
        "David Okoro is finding a time for you both.",
        f"Conversation 1 of {plan['sessions']} with David Okoro, your mentee",
    ]
    assert _offered_times(aisha_card) == times
    await queue_settled(database)

    # 2. David picks the second time: his card says it is being booked, and the queue books it and tells both.
    chosen = slots[1]
    booking = await press(client, showing(introductions[DAVID], offer), times[1], DAVID)
    assert text_blocks(booking) == [
        "Booking your conversation",
        f"Conversation 1 of {plan['sessions']} with Aisha Bello, your mentor",
        f"Booking **{times[1]}** with Aisha Bello…",
        "You'll both get a confirmation in a moment.",
    ]
    assert _buttons(booking) == []
    booked = await _booked_cards(client, chats)
    await queue_settled(database)
    links = {
        person: _check_booked(card, person, times[1], "Booked. The details are below.")
        for person, card in booked.items()
    }
    assert links[AISHA] == links[DAVID], "both should be offered the same file and the same Teams meeting"
    ics_url, teams_link = links[DAVID]

    [stored] = rows(database, "SELECT * FROM meetings")
    assert stored["state"] == "booked"
    assert (_utc(stored["when_start"]), _utc(stored["when_end"])) == chosen
    assert stored["join_url"] == teams_link
    assert stored["event_id"].startswith("local:")
    assert ics_url == f"{_service_as_linked(stack)}/meetings/{stored['ics_token']}.ics"
    sent_to = _teams_link(teams_link, chosen)
    assert set(sent_to["attendees"][0].split(",")) == {AISHA_ANSWERS.work_email, DAVID_ANSWERS.work_email}
    assert sent_to["subject"] == ["Reverse mentoring: Aisha Bello and David Okoro"]
    assert _bookings(database) == [{"state": "done"}]

    # 3. The calendar file, fetched from the service as a calendar app would (no sign-in). It carries the time and
    # a Teams link for it, but, since anyone holding the address can read it, neither person's name nor address.
    ics = await _fetch_ics(ics_url)
    assert ics["METHOD"] == "PUBLISH"
    assert ics["STATUS"] == "CONFIRMED"
    assert (ics["DTSTART"], ics["DTEND"]) == (_ics_time(chosen[0]), _ics_time(chosen[1]))
    assert "attendees" not in _teams_link(ics["URL"], chosen)
    assert f"Teams: {ics['URL']}" in ics["DESCRIPTION"].replace("\\,", ",").replace("\\;", ";")
    first_sequence = int(ics["SEQUENCE"])

    # 4. Aisha presses a time on her copy of the offer, sent before David chose: nothing more is booked, and her
    # card says why.
    before = rows(database, "SELECT * FROM meetings")
    too_late = await press(client, aisha_offer, times[0], AISHA)
    assert text_blocks(too_late)[:2] == [BOOKED, "This meeting is already booked, by David Okoro."]
    assert f"**{times[1]}** with David Okoro." in text_blocks(too_late)
    await queue_settled(database)
    assert rows(database, "SELECT * FROM meetings") == before
    assert _bookings(database) == [{"state": "done"}]
    assert [m.describe() for m in client.pending() if m.conversation_id in chats.values()] == []

    # 5. David types 'reschedule': new times, with the booked one kept until someone chooses. Aisha is told and
    # chooses another time from her card; both hear it has moved.
    moving = await command_card(client, DAVID, "reschedule", "Choose a new time")
    assert f"You're booked for **{times[1]}** now." in " ".join(text_blocks(moving))
    assert button(moving, "Keep the current time")["verb"] == "meeting.keep"
    aisha_moving = await client.next_bot_message(
        PROACTIVE_WAIT, conversation_id=chats[AISHA], predicate=lambda m: heading(m) == "Choose a new time"
    )
    assert text_blocks(aisha_moving.adaptive_cards[0])[1] == "David Okoro would like to move this meeting."
    new_times = _offered_times(aisha_moving.adaptive_cards[0])
    assert new_times == _offered_times(moving)
    new_index = next(index for index, shown in enumerate(new_times) if shown != times[1])
    [stored] = rows(database, "SELECT * FROM meetings")
    new_slot = [(_utc(start), _utc(end)) for start, end in json.loads(stored["slots"])][new_index]
    assert new_times[new_index] == _when(*new_slot)
    rebooking = await press_this(client, aisha_moving, _picks(aisha_moving.adaptive_cards[0])[new_index], AISHA)
    assert text_blocks(rebooking)[0] == "Booking your conversation"
    moved = await _booked_cards(client, chats)
    await queue_settled(database)
    moved_links = {
        person: _check_booked(card, person, new_times[new_index], "Moved: the new time is below.")
        for person, card in moved.items()
    }
    assert moved_links[AISHA] == moved_links[DAVID]
    moved_ics_url, moved_teams_link = moved_links[DAVID]
    # The same file, so a calendar that added it replaces the old time rather than keeping both.
    assert moved_ics_url == ics_url
    assert moved_teams_link != teams_link
    assert _teams_link(moved_teams_link, new_slot)["attendees"] == sent_to["attendees"]
    assert _bookings(database) == [{"state": "done"}, {"state": "done"}]
    ics = await _fetch_ics(ics_url)
    assert (ics["STATUS"], ics["DTSTART"], ics["DTEND"]) == (
        "CONFIRMED",
        _ics_time(new_slot[0]),
        _ics_time(new_slot[1]),
    )
    assert int(ics["SEQUENCE"]) > first_sequence
    _teams_link(ics["URL"], new_slot)

    # 6. David types 'cancel': asked first; confirming cancels it, Aisha is told, and the calendar file now tells
    # calendars to take it out.
    await say(client, DAVID, "cancel")
    question = await client.next_bot_message(
        conversation_id=chats[DAVID], predicate=lambda m: heading(m) == "Cancel this conversation?"
    )
    assert f"**{new_times[new_index]}** with Aisha Bello." in text_blocks(question.adaptive_cards[0])
    assert rows(database, "SELECT state FROM meetings") == [{"state": "booked"}]
    cancelled = await press(client, question, "Yes, cancel it", DAVID)
    assert text_blocks(cancelled)[:2] == ["Conversation cancelled", "Cancelled. Your partner has been told."]
    told = await client.next_bot_message(
        PROACTIVE_WAIT, conversation_id=chats[AISHA], predicate=lambda m: heading(m) == "Conversation cancelled"
    )
    told_blocks = text_blocks(told.adaptive_cards[0])
    assert told_blocks[1] == "David Okoro cancelled this meeting."
    assert f"Your conversation with David Okoro on **{new_times[new_index]}** is cancelled." in told_blocks
    assert button(told.adaptive_cards[0], "Find a new time")["verb"] == "meeting.find"
    await queue_settled(database)
    assert rows(database, "SELECT state FROM meetings") == [{"state": "cancelled"}]
    assert rows(database, "SELECT state FROM work_items WHERE kind = 'meeting.cancel'") == [{"state": "done"}]
    ics = await _fetch_ics(ics_url)
    assert (ics["METHOD"], ics["STATUS"]) == ("CANCEL", "CANCELLED")
    assert ics["DTSTART"] == _ics_time(new_slot[0])


# Reading what came back ----------------------------------------------------------------------------------------------


def _half_days(availability: str) -> set[str]:
    return set(availability.split(","))


def _half_day(moment: datetime) -> str:
    """The sign-up form's name for the half-day a local time falls in, such as "wed-pm"."""
    return f"{moment:%a}".lower() + ("-am" if moment.hour < 13 else "-pm")


def _utc(stored: str) -> datetime:
    """A time as the service stored it: ISO text in UTC, with or without its offset."""
    moment = datetime.fromisoformat(stored)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _when(start: datetime, end: datetime) -> str:
    """A meeting's time as a person in the UK reads it on the card: "Wednesday 14 January, 13:30 to 14:15", with an
    en dash between the two times."""
    local_start, local_end = start.astimezone(LONDON), end.astimezone(LONDON)
    return f"{local_start:%A} {local_start.day} {local_start:%B}, {local_start:%H:%M}\u2013{local_end:%H:%M}"


def _picks(card: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [action for action in card_actions(card) if action.get("verb") == "meeting.pick"]


def _buttons(card: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """What a person can press: every action but the card's refresh, which redraws it for whoever looks."""
    refresh = card["refresh"]["action"]
    assert refresh["verb"] == "meeting.show"
    return [action for action in card_actions(card) if action is not refresh]


def _offered_times(card: Mapping[str, Any]) -> list[str]:
    picks = _picks(card)
    assert [action["data"]["slot"] for action in picks] == list(range(len(picks)))
    return [str(action["title"]) for action in picks]


async def _booked_cards(client: PlaygroundClient, chats: Mapping[str, str]) -> dict[str, Mapping[str, Any]]:
    """The booked card each of the two is sent once the queue has booked the meeting."""
    found = {}
    for person, chat in chats.items():
        message = await client.next_bot_message(
            PROACTIVE_WAIT, conversation_id=chat, predicate=lambda m: heading(m) == BOOKED
        )
        found[person] = message.adaptive_cards[0]
    return found


def _check_booked(card: Mapping[str, Any], person: str, when: str, notice: str) -> tuple[str, str]:
    """A booked card names the time and the partner and offers the two links; returns (.ics URL, Teams link)."""
    partner = NAMES[DAVID if person == AISHA else AISHA]
    blocks = text_blocks(card)
    assert blocks[:2] == [BOOKED, notice]
    assert f"**{when}** with {partner}." in blocks
    actions = _buttons(card)
    assert [(a["type"], a["title"]) for a in actions] == [
        ("Action.OpenUrl", "Add to my calendar"),
        ("Action.OpenUrl", "Set up the Teams meeting"),
        ("Action.Execute", "Reschedule"),
        ("Action.Execute", "Cancel"),
    ]
    return str(actions[0]["url"]), str(actions[1]["url"])


def _teams_link(link: str, when: tuple[datetime, datetime]) -> dict[str, list[str]]:
    """Checks a Teams "new meeting" link is filled in with this time (local, with its offset); returns its query."""
    assert link.startswith(TEAMS_NEW_MEETING + "?")
    query = parse_qs(urlsplit(link).query)
    start, end = (datetime.fromisoformat(query[name][0]) for name in ("startTime", "endTime"))
    assert (start, end) == when
    assert start.utcoffset() == when[0].astimezone(LONDON).utcoffset()
    return query


def _service_as_linked(stack: Stack) -> str:
    """The service's own address as its links spell it (localhost, as the browser on the same machine does)."""
    return f"http://localhost:{urlsplit(stack.service.url).port}"


def _bookings(database: Path) -> list[dict[str, Any]]:
    return rows(database, "SELECT state FROM work_items WHERE kind = 'meeting.book' ORDER BY id")


async def _fetch_ics(url: str) -> dict[str, str]:
    """The calendar file's properties by name, with its folded lines joined back (RFC 5545 section 3.1)."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200, await response.text()
        assert response.content_type == "text/calendar"
        text = await response.text()
    assert text.endswith("\r\n")
    lines = text.replace("\r\n ", "").split("\r\n")[:-1]
    properties: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition(":")
        properties.setdefault(name, value)
    assert properties["BEGIN"] == "VCALENDAR"
    everything = "\n".join(properties.values()).lower()
    for private in (*NAMES.values(), AISHA_ANSWERS.work_email, DAVID_ANSWERS.work_email):
        assert private.lower() not in everything, f"the calendar file, open to anyone with its link, names {private}"
    return properties


def _ics_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
