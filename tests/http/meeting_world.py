"""A published pair ready to meet, built through the real adapter, and helpers to read meeting cards and what
scheduling left in the database.

Zadie (mentor) and Bram (mentee) sign up through the cards, are approved, matched and published, and their
introductions are delivered, exactly as in :mod:`tests.http.matching_world`. What the calendar knows of them (the
half-days they gave at sign-up, or their Outlook free/busy) is up to each suite.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import create_app
from bot.settings import Settings
from programme.calendar import Interval
from programme.meetings import Meeting
from programme.scheduling import BOOK_MEETING, CANCEL_EVENT
from storage.meeting_store import SqlMeetingStore
from storage.tables import work_items
from tests.http.conftest import APP_ID, BotUnderTest
from tests.http.matching_world import cards_to, cohort_to_match, pairs
from tests.http.programme_driver import (
    BRAM_ANSWERS,
    CARD_REPLY,
    COORDINATOR_CARYS,
    MENTEE_BRAM,
    MENTOR_ZADIE,
    NOW,
    ZADIE_ANSWERS,
    Person,
    Programme,
    only_card,
)
from tests.support.card_reading import button, card_actions, card_text, text_blocks
from tests.support.fake_connector import FakeConnector
from tests.support.fake_identity import FakeBotIdentity, FakeCredentialFactory
from tests.support.fakes import FakeClock
from tests.support.sign_up_answers import Answers

LONDON = ZoneInfo("Europe/London")
# Where scheduling looks first: the two weeks from the start of the day after NOW (Tuesday 3 March, London).
WINDOW_START = datetime(2026, 3, 3, tzinfo=LONDON)
WINDOW = Interval(WINDOW_START, WINDOW_START + timedelta(days=14))
# The cohort form's session length.
SESSION = timedelta(minutes=45)
# The meeting card's titles, in each state.
OFFERED = "Choose a time to meet"
RESCHEDULING = "Choose a new time"
BOOKING = "Booking your conversation"
BOOKED = "Your conversation is booked"
CANCELLED = "Conversation cancelled"
ASK_CANCEL = "Cancel this conversation?"
# Bram also gives Zadie's half-days (Monday mornings, Thursday afternoons), so the calendar finds shared times.
BRAM_FREE = replace(BRAM_ANSWERS, availability="mon-am,tue-am,thu-pm")


@asynccontextmanager
async def running_locally(
    settings: Settings, identity: FakeBotIdentity, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Programme]:
    """The deployed bot with these settings on a clock fixed at NOW, behind the real adapter; on a normal exit,
    fails the test if anything was logged as an error."""
    clock = FakeClock(NOW)
    app = create_app(settings, clock=clock, credentials_factory=FakeCredentialFactory(APP_ID))
    async with TestClient(TestServer(app)) as client:
        yield Programme(BotUnderTest(client=client, connector=connector, identity=identity, settings=settings), clock)
    errors = [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert errors == [], f"errors were logged: {errors}"


@dataclass(frozen=True)
class PublishedPair:
    cohort_id: int
    pair_id: int
    # The introduction cards each of them got in their 1:1 chat.
    mentor_introduction: Mapping[str, Any]
    mentee_introduction: Mapping[str, Any]


async def published_pair(
    programme: Programme, mentor: Answers, mentee: Answers, *, sweeps_to: int = 2
) -> PublishedPair:
    """Zadie and Bram with these answers, matched, published and introduced; ``sweeps_to`` is how many work items
    publishing makes (two introductions, and with Graph a pair chat too)."""
    cohort_id = await cohort_to_match(programme, ((MENTOR_ZADIE, mentor), (MENTEE_BRAM, mentee)))
    only_card(await programme.say(COORDINATOR_CARYS, "match"))
    asking = only_card(await programme.say(COORDINATOR_CARYS, "publish"))
    before = len(programme.sent)
    published = await programme.press(COORDINATOR_CARYS, button(asking, "Publish and introduce"))
    assert "Pairs published" in card_text(published["value"])
    report = await programme.sweep()
    assert (report.done, report.retrying, report.dead) == (sweeps_to, 0, 0), report
    [pair] = await pairs(programme, cohort_id)
    [to_mentor] = cards_to(programme, MENTOR_ZADIE, since=before)
    [to_mentee] = cards_to(programme, MENTEE_BRAM, since=before)
    return PublishedPair(cohort_id, pair.id, to_mentor, to_mentee)


async def first_offered_booked(programme: Programme) -> tuple[int, Meeting]:
    """Zadie and Bram (with :data:`BRAM_FREE`) published, Bram booking the first time offered on his introduction,
    the queue swept; the pair's id and its only meeting."""
    world = await published_pair(programme, ZADIE_ANSWERS, BRAM_FREE)
    offer = answered_card(await programme.press(MENTEE_BRAM, button(world.mentee_introduction, "Find a time")))
    await programme.press(MENTEE_BRAM, slot_buttons(offer)[0])
    await programme.sweep()
    return world.pair_id, await only_meeting(programme, world.pair_id)


# Reading meeting cards --------------------------------------------------------------------------------------------


def title(card: Mapping[str, Any]) -> str:
    return text_blocks(card)[0]


def notices(card: Mapping[str, Any]) -> list[str]:
    """The card's highlighted lines (what just happened, or why nothing did), as a person reads them."""
    return [str(e["text"]).replace("\\", "") for e in card.get("body", []) if _highlighted(e)]


def _highlighted(element: Mapping[str, Any]) -> bool:
    """A warning, or news in plain bold (headings and subheadings are bold too, but sized or spaced apart)."""
    if element.get("type") != "TextBlock":
        return False
    bold_line = element.get("weight") == "Bolder" and "size" not in element and "spacing" not in element
    return element.get("color") == "Attention" or bold_line


def slot_buttons(card: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The offered times' buttons, in the card's order."""
    return [a for a in card_actions(card) if a.get("verb") == "meeting.pick"]


def own_time_button(card: Mapping[str, Any]) -> Mapping[str, Any]:
    return button(card, "Book this time")


def link(card: Mapping[str, Any], title_of_button: str) -> str:
    found = button(card, title_of_button)
    assert found["type"] == "Action.OpenUrl", found
    return str(found["url"])


def answered_card(answer: Mapping[str, Any]) -> dict[str, Any]:
    """The card an Action.Execute answered with (it replaces the one clicked)."""
    assert answer["type"] == CARD_REPLY, answer
    card: dict[str, Any] = answer["value"]
    return card


def meeting_cards_to(programme: Programme, person: Person, *, since: int) -> list[dict[str, Any]]:
    """The meeting cards (those that refresh themselves from the meeting) delivered to the person's chat."""
    return [card for card in cards_to(programme, person, since=since) if card.get("refresh")]


def only_titled(programme: Programme, person: Person, heading: str, *, since: int) -> dict[str, Any]:
    """The one meeting card with this title delivered to the person's chat (others, such as a notice that times
    were being found, may have come in the same sweep)."""
    found = [card for card in meeting_cards_to(programme, person, since=since) if title(card) == heading]
    assert len(found) == 1, f"expected one {heading!r} card for {person.name}, got {len(found)}"
    return found[0]


def no_trace_of_failure(answer: object) -> None:
    """Nothing technical leaks into what a person is shown."""
    shown = repr(answer)
    for leak in ("Traceback", "Exception", "Error:", "HTTP 4", "HTTP 5", "request-id", "APIError", "Graph refused"):
        assert leak not in shown, f"{leak!r} shown to a person: {shown[:500]}"


# Times ------------------------------------------------------------------------------------------------------------


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def london(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


def to_come(slots: Sequence[Interval]) -> bool:
    return all(slot.start > NOW for slot in slots)


# The database -----------------------------------------------------------------------------------------------------


async def meetings_of(programme: Programme, pair_id: int) -> list[Meeting]:
    return list(await SqlMeetingStore(programme.runtime.database).for_pairs([pair_id]))


async def only_meeting(programme: Programme, pair_id: int) -> Meeting:
    found = await meetings_of(programme, pair_id)
    assert len(found) == 1, found
    return found[0]


async def calendar_work(programme: Programme) -> list[tuple[str, str, str]]:
    """(kind, idempotency key, state) of every booking and cancelling queued, oldest first."""
    query = (
        select(work_items.c.kind, work_items.c.idempotency_key, work_items.c.state)
        .where(work_items.c.kind.in_((BOOK_MEETING, CANCEL_EVENT)))
        .order_by(work_items.c.id)
    )
    async with programme.runtime.database.engine.connect() as connection:
        return [(k, i, str(s)) for k, i, s in (await connection.execute(query)).all()]
