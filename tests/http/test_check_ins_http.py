"""Check-ins through the real adapter, on the local calendar: reminders the working day before a meeting, "Did you
meet?" after it and each answer, a stalled pair nudged and then escalated to the coordinators once, three ignored
prompts pausing someone, and damaged buttons answered kindly.

Zadie (mentor) and Bram (mentee) share Monday mornings and Thursday afternoons, so their first meeting is booked on
the first time offered: Thursday 5 March 2026, 13:30-14:15 in London (GMT, so UTC too). The clock starts at 10:00 on
Monday 2 March. The scheduler's hourly jobs do not run on their own here: a test runs the stalled-pairs job itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.dispatcher import PERSONAL_ONLY
from cards.actions import DAMAGED
from programme.attendance import Attendance, Outcome
from programme.check_ins import STALL_ALERT
from programme.identity import PersonId
from programme.meetings import Meeting, MeetingState
from programme.prompts import PromptKind
from storage.attendance_store import SqlAttendanceStore
from storage.participant_store import SqlParticipantStore
from storage.prompt_store import SqlPromptStore
from storage.tables import work_items
from tests.http.conftest import programme_settings
from tests.http.matching_world import cards_to
from tests.http.meeting_world import (
    BRAM_FREE,
    LONDON,
    OFFERED,
    answered_card,
    first_offered_booked,
    meeting_cards_to,
    meetings_of,
    no_trace_of_failure,
    notices,
    only_meeting,
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
    NOW,
    ZADIE_ANSWERS,
    Person,
    Programme,
    only_card,
    only_text,
)
from tests.support import activities
from tests.support.card_reading import button, card_actions, card_text, facts, text_blocks
from tests.support.fake_connector import FakeConnector
from tests.support.fake_identity import FakeBotIdentity

FIRST_MEETING = datetime(2026, 3, 5, 13, 30, tzinfo=LONDON)
REMINDED_AT = datetime(2026, 3, 4, 13, 30, tzinfo=LONDON)
ASKED_AT = datetime(2026, 3, 5, 14, 25, tzinfo=LONDON)
DID_YOU_MEET = "Did you meet?"
STALLED = "It's been a while"
ALERT = "A pair may need a hand"
PAUSED = "I've paused my reminders until"
NOT_YOURS = "That conversation isn't one of yours, so I can't record anything about it."


@pytest.fixture
async def local(
    tmp_path: Path, identity: FakeBotIdentity, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Programme]:
    """The deployed bot without Graph on a fixed clock, keeping office hours (the other suites let the bot speak at
    any hour); fails the test if anything was logged as an error."""
    any_time = programme_settings(tmp_path, identity, connector)
    office = replace(any_time.delivery, day_start=time(9), day_end=time(17, 30), working_days=frozenset(range(5)))
    settings = replace(any_time, delivery=office)
    async with running_locally(settings, identity, connector, caplog) as programme:
        yield programme


# Helpers ----------------------------------------------------------------------------------------------------------


async def first_meeting(programme: Programme) -> tuple[int, Meeting]:
    """The published pair, their first meeting booked by Bram on the first time offered, its cards delivered."""
    pair_id, meeting = await first_offered_booked(programme)
    assert meeting.state is MeetingState.BOOKED
    assert meeting.when is not None
    assert meeting.when.start == FIRST_MEETING
    return pair_id, meeting


async def sweep_at(programme: Programme, moment: datetime) -> int:
    """Move the clock to ``moment`` and sweep; returns how many sends were made before it (for ``since``)."""
    before = len(programme.sent)
    programme.clock.set(moment)
    await programme.sweep()
    return before


def titled(programme: Programme, person: Person, heading: str, *, since: int = 0) -> list[dict[str, Any]]:
    return [card for card in cards_to(programme, person, since=since) if text_blocks(card)[:1] == [heading]]


def starting(programme: Programme, person: Person, heading: str, *, since: int = 0) -> list[dict[str, Any]]:
    return [card for card in cards_to(programme, person, since=since) if text_blocks(card)[0].startswith(heading)]


async def answers(programme: Programme, meeting_id: int) -> list[Attendance]:
    return list(await SqlAttendanceStore(programme.runtime.database).for_meetings([meeting_id]))


async def alerts_queued(programme: Programme) -> list[tuple[str | None, str]]:
    query = select(work_items.c.recipient_id, work_items.c.state).where(work_items.c.kind == STALL_ALERT)
    async with programme.runtime.database.engine.connect() as connection:
        return [(r, str(s)) for r, s in (await connection.execute(query)).all()]


# Reminders ----------------------------------------------------------------------------------------------------------


async def test_a_booked_pair_is_reminded_the_working_day_before_with_prompts_for_their_first_meeting(
    local: Programme,
) -> None:
    await first_meeting(local)

    since = await sweep_at(local, REMINDED_AT - timedelta(minutes=1))
    assert starting(local, MENTEE_BRAM, "Your conversation", since=since) == []

    since = await sweep_at(local, REMINDED_AT)

    [to_bram] = starting(local, MENTEE_BRAM, "Your conversation", since=since)
    [to_zadie] = starting(local, MENTOR_ZADIE, "Your conversation", since=since)
    assert text_blocks(to_bram)[0] == f"Your conversation with {MENTOR_ZADIE.name} is tomorrow"
    assert text_blocks(to_zadie)[0] == f"Your conversation with {MENTEE_BRAM.name} is tomorrow"
    assert "Thursday 5 March, 13:30\u201314:15" in text_blocks(to_bram)[1]
    shown = card_text(to_bram)
    assert "For your first conversation" in shown
    assert "ground rules" in shown
    assert "one to three things you'd like to learn" in shown
    assert "how much of your own experience to share" in card_text(to_zadie)
    assert [a["title"] for a in card_actions(to_bram)] == ["Set up the Teams meeting", "Reschedule", "Raise a concern"]
    # Nothing the pair wrote at sign-up is on it.
    assert ZADIE_ANSWERS.bio not in shown
    assert ZADIE_ANSWERS.experience_note not in shown
    # Once only.
    since = await sweep_at(local, REMINDED_AT + timedelta(hours=2))
    assert starting(local, MENTEE_BRAM, "Your conversation", since=since) == []


async def test_a_reminder_that_fell_due_while_the_bot_was_down_waits_for_the_morning_not_three_am(
    local: Programme,
) -> None:
    await first_meeting(local)

    # The bot comes back at 3 a.m. on the day of the meeting: the reminder is not sent in the night...
    since = await sweep_at(local, datetime(2026, 3, 5, 3, tzinfo=LONDON))
    assert cards_to(local, MENTEE_BRAM, since=since) == []
    assert cards_to(local, MENTOR_ZADIE, since=since) == []

    # ...but at the start of the working day, still hours before the meeting.
    since = await sweep_at(local, datetime(2026, 3, 5, 9, tzinfo=LONDON))
    [to_bram] = starting(local, MENTEE_BRAM, "Your conversation", since=since)
    assert text_blocks(to_bram)[0] == f"Your conversation with {MENTOR_ZADIE.name} is today"


async def test_someone_paused_is_not_reminded_and_their_partner_is(local: Programme) -> None:
    await first_meeting(local)
    paused = only_text(await local.say(MENTOR_ZADIE, "pause until 2026-03-09"))
    assert "9 March" in paused

    since = await sweep_at(local, REMINDED_AT)

    assert starting(local, MENTOR_ZADIE, "Your conversation", since=since) == []
    assert len(starting(local, MENTEE_BRAM, "Your conversation", since=since)) == 1
    since = await sweep_at(local, ASKED_AT)
    assert titled(local, MENTOR_ZADIE, DID_YOU_MEET, since=since) == []
    assert len(titled(local, MENTEE_BRAM, DID_YOU_MEET, since=since)) == 1


async def test_nobody_is_reminded_or_asked_once_one_of_them_has_withdrawn(local: Programme) -> None:
    await first_meeting(local)
    asking = only_card(await local.say(MENTEE_BRAM, "withdraw"))
    await local.press(MENTEE_BRAM, button(asking, "Yes, withdraw"))

    since = await sweep_at(local, REMINDED_AT)
    await sweep_at(local, ASKED_AT)
    await sweep_at(local, ASKED_AT + timedelta(weeks=8))

    for person in (MENTOR_ZADIE, MENTEE_BRAM):
        for heading in ("Your conversation", DID_YOU_MEET, STALLED):
            assert starting(local, person, heading, since=since) == []


# "Did you meet?" --------------------------------------------------------------------------------------------------


async def test_we_met_opens_a_private_reflection_and_a_different_answer_from_the_partner_leaves_it_held(
    local: Programme,
) -> None:
    _, meeting = await first_meeting(local)
    since = await sweep_at(local, ASKED_AT)
    [bram_asked] = titled(local, MENTEE_BRAM, DID_YOU_MEET, since=since)
    [zadie_asked] = titled(local, MENTOR_ZADIE, DID_YOU_MEET, since=since)
    assert [a["title"] for a in card_actions(bram_asked)] == [
        "We met",
        "We rescheduled",
        "It didn't happen",
        "Raise a concern",
    ]

    reflecting = answered_card(await local.press(MENTEE_BRAM, button(bram_asked, "We met")))

    assert text_blocks(reflecting)[0] == "A moment to reflect"
    assert any(a.get("verb") == "reflection.save" for a in card_actions(reflecting))
    mixed = await local.press(MENTOR_ZADIE, button(zadie_asked, "It didn't happen"))
    assert mixed["type"] == MESSAGE_REPLY
    assert f"{MENTEE_BRAM.name} told me you met" in mixed["value"]
    assert [(a.person.value, a.outcome) for a in await answers(local, meeting.id)] == [
        (MENTEE_BRAM.id, Outcome.MET),
        (MENTOR_ZADIE.id, Outcome.NOT_HELD),
    ]
    assert (await only_meeting(local, meeting.pair_id)).state is MeetingState.BOOKED
    prompts = SqlPromptStore(local.runtime.database)
    for person in (MENTEE_BRAM, MENTOR_ZADIE):
        [prompt] = await prompts.recent(PersonId(person.id), 5)
        assert (prompt.kind, prompt.ref, prompt.open) == (PromptKind.DID_YOU_MEET, f"meeting:{meeting.id}", False)


async def test_it_didnt_happen_offers_the_same_session_again_and_the_partner_is_told(local: Programme) -> None:
    pair_id, meeting = await first_meeting(local)
    since = await sweep_at(local, ASKED_AT)
    [bram_asked] = titled(local, MENTEE_BRAM, DID_YOU_MEET, since=since)
    [zadie_asked] = titled(local, MENTOR_ZADIE, DID_YOU_MEET, since=since)

    offered = answered_card(await local.press(MENTEE_BRAM, button(bram_asked, "It didn't happen")))

    assert title(offered) == OFFERED
    assert notices(offered)[0].startswith("Thanks for letting me know; these things happen.")
    again = await only_meeting(local, pair_id)
    assert (again.id, again.session, again.state, again.when) == (meeting.id, 1, MeetingState.OFFERED, None)
    since = len(local.sent)
    await local.sweep()
    [told] = meeting_cards_to(local, MENTOR_ZADIE, since=since)
    assert notices(told) == [
        f"{MENTEE_BRAM.name} let me know your last conversation didn't go ahead, so here are some times to try again."
    ]
    # Zadie's own answer on her older card shows the offer as it now is, and is recorded.
    shown = answered_card(await local.press(MENTOR_ZADIE, button(zadie_asked, "We rescheduled")))
    assert title(shown) == OFFERED
    assert {(a.person.value, a.outcome) for a in await answers(local, meeting.id)} == {
        (MENTEE_BRAM.id, Outcome.NOT_HELD),
        (MENTOR_ZADIE.id, Outcome.RESCHEDULED),
    }
    # The same session is booked again on a new time, with reminders and a question of its own.
    await local.press(MENTEE_BRAM, slot_buttons(offered)[0])
    await local.sweep()
    rebooked = await only_meeting(local, pair_id)
    assert (rebooked.session, rebooked.state) == (1, MeetingState.BOOKED)
    assert rebooked.when is not None
    since = await sweep_at(local, rebooked.when.end + timedelta(minutes=10))
    assert len(titled(local, MENTEE_BRAM, DID_YOU_MEET, since=since)) == 1


async def test_we_rescheduled_offers_times_for_the_moved_conversation(local: Programme) -> None:
    pair_id, _ = await first_meeting(local)
    since = await sweep_at(local, ASKED_AT)
    [zadie_asked] = titled(local, MENTOR_ZADIE, DID_YOU_MEET, since=since)

    offered = answered_card(await local.press(MENTOR_ZADIE, button(zadie_asked, "We rescheduled")))

    assert title(offered) == OFFERED
    assert notices(offered)[0].startswith("Thanks for letting me know. Here are some times for your rescheduled")
    assert (await only_meeting(local, pair_id)).state is MeetingState.OFFERED


# Stalled pairs ----------------------------------------------------------------------------------------------------


async def test_a_stalled_pair_is_nudged_and_two_weeks_later_the_coordinator_is_told_once(local: Programme) -> None:
    world = await published_pair(local, ZADIE_ANSWERS, BRAM_FREE)
    check_ins = local.runtime.services.check_ins
    local.clock.set(NOW + timedelta(weeks=5) - timedelta(hours=1))
    assert await check_ins.stalled_due() == 0

    local.clock.set(NOW + timedelta(weeks=5))
    assert await check_ins.stalled_due() == 1
    since = await sweep_at(local, NOW + timedelta(weeks=5))

    [to_bram] = titled(local, MENTEE_BRAM, STALLED, since=since)
    [to_zadie] = titled(local, MENTOR_ZADIE, STALLED, since=since)
    assert "haven't had your first conversation yet" in card_text(to_bram)
    find = button(to_zadie, "Find a time")
    assert (find["verb"], find["data"]["pair"]) == ("meeting.find", world.pair_id)
    assert any(a.get("verb") == "concern" for a in card_actions(to_bram))
    # Running the job again finds nothing new.
    assert await check_ins.stalled_due() == 0

    since = await sweep_at(local, NOW + timedelta(weeks=7) - timedelta(hours=1))
    assert titled(local, COORDINATOR_CARYS, ALERT, since=since) == []
    since = await sweep_at(local, NOW + timedelta(weeks=7))

    [alert] = titled(local, COORDINATOR_CARYS, ALERT, since=since)
    assert facts(alert) == {
        "Cohort": facts(alert)["Cohort"],
        "Mentor": MENTOR_ZADIE.name,
        "Mentee": MENTEE_BRAM.name,
        "Last met": "not yet (introduced about 7 weeks ago)",
        "Sessions held": "0 of 8",
        "Booked": "Nothing booked",
    }
    shown = card_text(alert)
    for private in (ZADIE_ANSWERS.bio, ZADIE_ANSWERS.experience_note, BRAM_ANSWERS.bio, BRAM_ANSWERS.experience_note):
        assert private not in shown
    assert card_actions(alert) == []
    # Once: later sweeps and runs of the job tell nobody again.
    local.clock.set(NOW + timedelta(weeks=8))
    assert await check_ins.stalled_due() == 0
    since = await sweep_at(local, NOW + timedelta(weeks=8))
    for person in (COORDINATOR_CARYS, MENTEE_BRAM, MENTOR_ZADIE):
        assert starting(local, person, ALERT, since=since) + starting(local, person, STALLED, since=since) == []

    # Bram takes up the nudge: one click shows times to choose from.
    offer = answered_card(await local.press(MENTEE_BRAM, button(to_bram, "Find a time")))
    assert title(offer) == OFFERED
    [bram_prompt] = await SqlPromptStore(local.runtime.database).recent(PersonId(MENTEE_BRAM.id), 5)
    assert (bram_prompt.kind, bram_prompt.open) == (PromptKind.STALLED, False)


async def test_a_pair_who_book_after_the_nudge_are_not_escalated(local: Programme) -> None:
    world = await published_pair(local, ZADIE_ANSWERS, BRAM_FREE)
    local.clock.set(NOW + timedelta(weeks=5))
    await local.runtime.services.check_ins.stalled_due()
    since = await sweep_at(local, NOW + timedelta(weeks=5))
    [to_bram] = titled(local, MENTEE_BRAM, STALLED, since=since)

    offer = answered_card(await local.press(MENTEE_BRAM, button(to_bram, "Find a time")))
    await local.press(MENTEE_BRAM, slot_buttons(offer)[-1])
    await local.sweep()
    assert (await only_meeting(local, world.pair_id)).state is MeetingState.BOOKED

    since = await sweep_at(local, NOW + timedelta(weeks=7))
    assert titled(local, COORDINATOR_CARYS, ALERT, since=since) == []
    assert await alerts_queued(local) == [(None, "done")]


async def test_the_status_card_counts_meetings_held_and_pairs_stalled(local: Programme) -> None:
    _, meeting = await first_meeting(local)
    since = await sweep_at(local, ASKED_AT)
    [asked] = titled(local, MENTEE_BRAM, DID_YOU_MEET, since=since)
    await local.press(MENTEE_BRAM, button(asked, "We met"))

    status = card_text(only_card(await local.say(COORDINATOR_CARYS, "status")))

    assert "Meetings held\n1" in status
    assert "Pairs not meeting\n0 of 1" in status
    assert meeting.when is not None
    local.clock.set(meeting.when.end + timedelta(weeks=6))
    later = card_text(only_card(await local.say(COORDINATOR_CARYS, "status")))
    assert "Pairs not meeting\n1 of 1" in later


# Ignored prompts ----------------------------------------------------------------------------------------------------


async def test_three_ignored_prompts_pause_someone_who_is_told_once_with_a_way_back(local: Programme) -> None:
    pair_id, meeting = await first_meeting(local)
    asked = 0
    while True:
        assert meeting.when is not None
        since = await sweep_at(local, meeting.when.end + timedelta(minutes=10))
        [bram_asked] = titled(local, MENTEE_BRAM, DID_YOU_MEET, since=since)
        zadie_asked = titled(local, MENTOR_ZADIE, DID_YOU_MEET, since=since)
        await local.press(MENTEE_BRAM, button(bram_asked, "We met"))
        if not zadie_asked:
            break
        # Zadie doesn't answer; Bram books their next conversation.
        asked += 1
        offer = only_card(await local.say(MENTEE_BRAM, "schedule"))
        await local.press(MENTEE_BRAM, slot_buttons(offer)[0])
        await local.sweep()
        meeting = (await meetings_of(local, pair_id))[-1]

    assert asked == 3
    [told] = [text for text in local.texts_to(MENTOR_ZADIE) if PAUSED in text]
    assert "'resume'" in told
    participant = await SqlParticipantStore(local.runtime.database).get(PersonId(MENTOR_ZADIE.id))
    assert participant is not None
    assert participant.paused_until == (local.clock.now() + timedelta(weeks=4)).astimezone(LONDON).date()
    prompts = await SqlPromptStore(local.runtime.database).recent(PersonId(MENTOR_ZADIE.id), 5)
    assert len(prompts) == 3
    assert not any(p.open for p in prompts)

    # Resuming starts afresh: the next question reaches her again.
    assert only_text(await local.say(MENTOR_ZADIE, "resume")).startswith("Welcome back")
    offer = only_card(await local.say(MENTEE_BRAM, "schedule"))
    await local.press(MENTEE_BRAM, slot_buttons(offer)[0])
    await local.sweep()
    fifth = (await meetings_of(local, pair_id))[-1]
    assert fifth.when is not None
    since = await sweep_at(local, fifth.when.end + timedelta(minutes=10))
    assert len(titled(local, MENTOR_ZADIE, DID_YOU_MEET, since=since)) == 1
    assert [text for text in local.texts_to(MENTOR_ZADIE) if PAUSED in text] == [told]


# Damaged buttons --------------------------------------------------------------------------------------------------


async def test_damaged_or_misused_check_in_buttons_get_kind_answers_and_record_nothing(local: Programme) -> None:
    _, meeting = await first_meeting(local)

    early = await local.click(MENTEE_BRAM, "checkin.answer", {"meeting": meeting.id, "outcome": "met"})
    assert early["type"] == MESSAGE_REPLY
    assert "hasn't happened yet" in early["value"]

    local.clock.set(ASKED_AT)
    for data in (
        {"meeting": meeting.id},
        {"meeting": meeting.id, "outcome": "maybe"},
        {"meeting": meeting.id, "outcome": ["met"]},
        {"meeting": "one", "outcome": "met"},
        {"meeting": 0, "outcome": "met"},
        {"meeting": 10**30, "outcome": "met"},
    ):
        answer = await local.click(MENTEE_BRAM, "checkin.answer", data)
        assert (answer["statusCode"], answer["type"], answer["value"]["message"]) == (400, ERROR_REPLY, DAMAGED)
    odd = await local.click(MENTEE_BRAM, "checkin.answer", ["not", "an", "object"])
    assert (odd["statusCode"], odd["type"]) == (400, ERROR_REPLY)

    for person, meeting_id in ((COORDINATOR_CARYS, meeting.id), (MENTEE_BRAM, meeting.id + 100)):
        answer = await local.click(person, "checkin.answer", {"meeting": meeting_id, "outcome": "not-held"})
        assert (answer["type"], answer["value"]) == (MESSAGE_REPLY, NOT_YOURS)

    group_click = activities.card_action(
        "checkin.answer",
        {"meeting": meeting.id, "outcome": "met"},
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
    answer_in_group = await response.json()
    assert (answer_in_group["type"], answer_in_group["value"]) == (MESSAGE_REPLY, PERSONAL_ONLY)

    # A submit-style click (the data as a message value) is read the same way.
    submitted = await local.submit(MENTEE_BRAM, {"action": "checkin.answer", "meeting": "x", "outcome": "met"})
    assert only_text(submitted) == DAMAGED

    no_trace_of_failure([early, odd])
    assert await answers(local, meeting.id) == []
    assert (await only_meeting(local, meeting.pair_id)).state is MeetingState.BOOKED
