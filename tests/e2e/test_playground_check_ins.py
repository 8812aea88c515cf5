"""A meeting's check-ins, end to end through the Agents Playground and the real service: a published pair books
their first conversation; the day before, each is reminded of it, with prompts about ground rules and goals; the
mentor raises a concern from her reminder, which reaches the coordinator and nobody else; after the meeting both
are asked "Did you meet?"; the mentor answers "We met", writes a private reflection and finds it in 'my
reflections', while her partner's list stays empty and the coordinator's status counts it without a word of it.

The service runs on the real clock, and a test cannot wait a day for a reminder, nor the 45 minutes of a session
for it to be over. So it lets time pass the only way it can from outside: through the times the service stored.
Nothing else is touched, and the product decides everything from there, exactly as it would have once the clock
got there:

1. The reminders are queued for one working day before the meeting. The test moves their due time to now, which
   is all that waiting until then would change: the meeting is still to come, so the service sends them.
2. "Did you meet?" goes only once a meeting is over, and the service checks that against the meeting's own time
   (moving the question's due time alone would send nothing). So the test moves the meeting two whole days
   earlier (from tomorrow to yesterday, at the same time of day) together with the time its questions were made
   for and their due time: what the service sees is what it would see two days from now.

Working hours are every hour of every day (`deliver_at_any_hour`), so nothing is held for the morning.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from storage.tables import metadata
from tests.e2e.conftest import Stack
from tests.e2e.matching_cohort import publish_as_proposed, ready_for_matching
from tests.e2e.steps import (
    AISHA,
    AISHA_OBJECT_ID,
    DAVID,
    DAVID_OBJECT_ID,
    MORGAN,
    NAMES,
    PROACTIVE_WAIT,
    ZONE,
    cohort_plan,
    command_card,
    connect,
    deliver_at_any_hour,
    heading,
    press,
    queue_settled,
    rows,
    showing,
)
from tests.support.card_reading import button, card_actions, card_text, facts, inputs, text_blocks

pytestmark = pytest.mark.e2e

COHORT_NAME = "Race equality 2026, check-ins"
LONDON = ZoneInfo(ZONE)
# The work kinds of a meeting's check-ins.
REMINDER = "checkin.reminder"
DID_YOU_MEET = "checkin.did-you-meet"
CHECK_INS = (REMINDER, DID_YOU_MEET)
# "Did you meet?" is asked this long after the meeting's end, so a meeting that overran is not interrupted.
ASK_AFTER = timedelta(minutes=10)
# The first conversation's time of day: any will do, as it is booked for tomorrow.
STARTS_AT = time(10, 0)
# How far the test moves the clock on, in effect, once the reminders have gone: from the day before the meeting
# to the day after it.
MEETING_OVER = timedelta(days=2)

BOOKED = "Your conversation is booked"
CONCERN_FORM_OPENED = (
    "I've opened a form to raise a concern, just below. Only the people it names will see what you write."
)
CONCERN_RECEIVED = "A concern raised in the reverse-mentoring programme"
PRIVATE_LINE = (
    "Only you can see this. Your partner can't, and your coordinator only sees that a reflection was written, "
    "never what it says or how you felt."
)

# What Aisha writes. Every phrase is distinctive, so the test can look for it anywhere it must not be.
CONCERN = "Something my partner said about agency staff has stayed with me, and I would like to talk it through."
LEARNED = "How little of the night shift the board sees in the quality reports it reads each month."
DIFFERENTLY = "Speak up in the ward huddle when a new starter is left out of the handover."
ACTIONS = "David will visit Ward 7 on a night shift before we next meet."
REFLECTION = {
    "reflection_learned": LEARNED,
    "reflection_differently": DIFFERENTLY,
    "reflection_actions": ACTIONS,
    "reflection_feeling": "thoughtful",
    "reflection_notes": "",
}
WRITTEN = (CONCERN, LEARNED, DIFFERENTLY, ACTIONS)


@pytest.fixture
def service_env() -> dict[str, str]:
    return deliver_at_any_hour()


async def test_a_reminder_then_did_you_meet_then_a_private_reflection(stack: Stack) -> None:
    client = stack.client
    database = stack.database_path
    plan = cohort_plan(COHORT_NAME, datetime.now(LONDON).date(), mentor_capacity="1")
    length = timedelta(minutes=int(plan["session_minutes"]))

    # Aisha (mentor) and David (mentee) are paired, as in the matching scenario, and introduced.
    _, title = await ready_for_matching(client, plan)
    await publish_as_proposed(client, title)
    chats = {person: await client.personal_chat_id(person) for person in (AISHA, DAVID)}
    morgan_chat = await client.personal_chat_id(MORGAN)
    introductions = {
        person: await client.next_bot_message(
            PROACTIVE_WAIT, conversation_id=chat, predicate=lambda m: (heading(m) or "").startswith("Meet your ")
        )
        for person, chat in chats.items()
    }
    await queue_settled(database)
    # What came before (approvals, introductions) is not what this test is about.
    client.clear()

    # 1. David books their first conversation for tomorrow morning, on the card's own-time form. The queue books it
    # and tells both; with it, it queues a reminder to each for the day before, and "Did you meet?" for after it.
    offer = await press(client, introductions[DAVID], "Find a time", DAVID)
    assert text_blocks(offer)[0] == "Choose a time to meet"
    day = datetime.now(LONDON).date() + timedelta(days=1)
    start = datetime.combine(day, STARTS_AT, tzinfo=LONDON)
    booked_from = datetime.now(UTC)
    booking = await press(
        client,
        showing(introductions[DAVID], offer),
        "Book this time",
        DAVID,
        inputs={"meeting_date": day.isoformat(), "meeting_time": f"{STARTS_AT:%H:%M}"},
    )
    assert text_blocks(booking)[0] == "Booking your conversation"
    for chat in chats.values():
        await client.next_bot_message(PROACTIVE_WAIT, conversation_id=chat, predicate=lambda m: heading(m) == BOOKED)
    await queue_settled(database, later=CHECK_INS)
    booked_by = datetime.now(UTC)
    [meeting] = rows(database, "SELECT * FROM meetings")
    meeting_id = meeting["id"]
    assert (meeting["state"], meeting["session"]) == ("booked", 1)
    assert (_utc(meeting["when_start"]), _utc(meeting["when_end"])) == (start, start + length)
    booked_when = _when(start, start + length)

    queued = _check_ins(database)
    assert sorted((item["kind"], item["recipient_id"]) for item in queued) == sorted(
        (kind, person) for kind in CHECK_INS for person in (AISHA_OBJECT_ID, DAVID_OBJECT_ID)
    )
    for item in queued:
        assert item["state"] == "pending"
        assert item["meeting"] == meeting_id
        if item["kind"] == REMINDER:
            # Booked less than a working day ahead: the same time today if that is still to come, else as the
            # meeting's own working day begins (midnight, with every hour a working one), over an hour before it.
            assert item["due_at"] in {_reminder_due(start, booked_from), _reminder_due(start, booked_by)}
        else:
            assert item["due_at"] == start + length + ASK_AFTER

    # 2. Time passes until the reminders are due (see the module's notes): each of the two is reminded of the
    # meeting, their partner and its time, with prompts for a first conversation, and can raise a concern.
    assert _bring_forward(database, REMINDER) == 2
    reminders = {
        person: await client.next_bot_message(
            PROACTIVE_WAIT,
            conversation_id=chat,
            predicate=lambda m: (heading(m) or "").startswith("Your conversation with "),
        )
        for person, chat in chats.items()
    }
    await queue_settled(database, later=(DID_YOU_MEET,))
    for person, message in reminders.items():
        _check_reminder(message.adaptive_cards[0], person, start, booked_when, meeting["join_url"])
    assert rows(database, "SELECT state FROM work_items WHERE kind = ?", REMINDER) == [{"state": "done"}] * 2

    # 3. Aisha presses "Raise a concern" on her reminder: the form comes as a new message (her reminder stays as it
    # was), says who will read it, and once sent, her words reach Morgan, the coordinator, and nobody else.
    opened = await client.click(reminders[AISHA], "Raise a concern", user_id=AISHA)
    assert opened is not None
    assert opened.card is None
    assert opened.value == CONCERN_FORM_OPENED
    form = await client.next_bot_message(
        conversation_id=chats[AISHA], predicate=lambda m: heading(m) == "Raise a concern"
    )
    assert form.message_id != reminders[AISHA].message_id
    assert (
        "Only the programme coordinators. It won't be sent to your partner, and nobody else in the programme will "
        "see it. Your name goes with it, so they know who to follow up with."
    ) in text_blocks(form.adaptive_cards[0])
    sent = await press(client, form, "Send", AISHA, inputs={"concern_text": CONCERN, "concern_may_contact": "true"})
    assert text_blocks(sent)[:4] == [
        "Thank you: your concern has been sent",
        "It has gone to the programme coordinators, and to nobody else. Your partner hasn't been told.",
        "What happens next",
        "They'll read it, usually during working hours, and get in touch with you privately.",
    ]
    assert CONCERN not in card_text(sent)
    received = await client.next_bot_message(
        PROACTIVE_WAIT, conversation_id=morgan_chat, predicate=lambda m: heading(m) == CONCERN_RECEIVED
    )
    concern_card = received.adaptive_cards[0]
    assert text_blocks(concern_card)[1] == (
        "Aisha Bello raised this from a meeting reminder in ReMEDI bot. They were told it would reach the programme "
        "coordinators and nobody else."
    )
    shown = facts(concern_card)
    assert (shown["From"], shown["Entra object id"]) == ("Aisha Bello", AISHA_OBJECT_ID)
    assert shown["May you contact them?"] == "Yes: they're happy for you to get in touch."
    assert CONCERN in text_blocks(concern_card)
    await queue_settled(database, later=(DID_YOU_MEET,))
    assert [m.describe() for m in client.pending() if m.conversation_id == chats[DAVID]] == []
    # Delivered, so the service keeps nothing of what she wrote, nor whose it was: the audit says only that one
    # was raised, from where, and to how many people.
    assert _traces(database, [CONCERN]) == []
    [audited] = rows(database, "SELECT actor_id, target, detail FROM audit_log WHERE action = 'concern raised'")
    assert audited["actor_id"] != AISHA_OBJECT_ID
    assert audited["target"] is None
    assert json.loads(audited["detail"]) == {"context": "reminder", "readers": 1, "route": "coordinators"}

    # 4. Time passes until after the meeting (see the module's notes): both are asked "Did you meet?", naming the
    # partner and the time they met; each question is a prompt awaiting an answer.
    assert rows(database, "SELECT * FROM prompts") == []
    held_start, held_end = _meeting_is_over(database, meeting_id, MEETING_OVER)
    held_when = _when(held_start, held_end)
    asks = {
        person: await client.next_bot_message(
            PROACTIVE_WAIT, conversation_id=chat, predicate=lambda m: heading(m) == "Did you meet?"
        )
        for person, chat in chats.items()
    }
    await queue_settled(database)
    for person, message in asks.items():
        _check_did_you_meet(message.adaptive_cards[0], person, meeting_id, held_when)
    assert _prompts(database) == [
        (AISHA_OBJECT_ID, "did-you-meet", f"meeting:{meeting_id}", False),
        (DAVID_OBJECT_ID, "did-you-meet", f"meeting:{meeting_id}", False),
    ]
    assert rows(database, "SELECT * FROM meeting_attendance") == []

    # 5. Aisha answers "We met": her answer is recorded (David's stays open), and the card turns into her private
    # reflection form on that conversation.
    reflection_form = await press(client, asks[AISHA], "We met", AISHA)
    held_day = _day(held_start.astimezone(LONDON).date())
    assert text_blocks(reflection_form)[:3] == [
        "A moment to reflect",
        f"How did conversation 1 with David Okoro on {held_day} go? Take a moment to note what you took from it.",
        PRIVATE_LINE,
    ]
    assert set(REFLECTION) <= set(inputs(reflection_form))
    assert button(reflection_form, "Raise a concern")["data"]["context"] == "reflection"
    assert [
        (row["meeting_id"], row["person_id"], row["outcome"])
        for row in rows(database, "SELECT * FROM meeting_attendance")
    ] == [(meeting_id, AISHA_OBJECT_ID, "met")]
    assert _prompts(database) == [
        (AISHA_OBJECT_ID, "did-you-meet", f"meeting:{meeting_id}", True),
        (DAVID_OBJECT_ID, "did-you-meet", f"meeting:{meeting_id}", False),
    ]

    # 6. She fills it in and saves it: the confirmation shows it back to her, and it is stored as hers, about that
    # meeting.
    saved = await press(client, showing(asks[AISHA], reflection_form), "Save my reflection", AISHA, inputs=REFLECTION)
    assert text_blocks(saved) == [
        "Reflection saved",
        f"About conversation 1 with David Okoro on {held_day}.",
        "What I learned",
        LEARNED,
        "What I'll do differently",
        DIFFERENTLY,
        "Actions we agreed",
        ACTIONS,
        "How I feel about it",
        "Thoughtful",
        PRIVATE_LINE,
    ]
    [stored] = rows(database, "SELECT * FROM reflections")
    assert (stored["author_id"], stored["key"], stored["meeting_id"], stored["session"]) == (
        AISHA_OBJECT_ID,
        f"meeting:{meeting_id}",
        meeting_id,
        1,
    )
    assert stored["held_on"] == held_start.astimezone(LONDON).date().isoformat()
    assert (stored["learned"], stored["differently"], stored["actions"], stored["feeling"], stored["notes"]) == (
        LEARNED,
        DIFFERENTLY,
        ACTIONS,
        "thoughtful",
        "",
    )

    # 7. 'my reflections' shows it to her...
    mine = await command_card(client, AISHA, "my reflections", "My reflections")
    listed = text_blocks(mine)
    assert f"About conversation 1 with David Okoro on {held_day}." in listed
    assert LEARNED in listed
    assert "Feeling: Thoughtful" in listed
    assert button(mine, "Read")["data"]["reflection"] == stored["id"]

    # ...and not to David, whose own list is empty; nothing of hers reached his chat at any point.
    theirs = await command_card(client, DAVID, "my reflections", "My reflections")
    assert (
        "You haven't written any reflections yet. After each conversation I'll offer you a card to jot down what "
        "you took from it, or type 'reflect' whenever you like."
    ) in text_blocks(theirs)
    _nothing_written_in(theirs)

    # 8. Morgan's status counts one reflection, by a mentor, and the meeting held: numbers, never a word of it.
    status = await command_card(client, MORGAN, "status", "Programme status")
    counted = facts(status)
    assert counted["Written"] == "1 (1 by mentors, 0 by mentees)"
    assert counted["Pairs reflecting"] == "1 of 2"
    assert counted["Meetings held"] == "1"
    _nothing_written_in(status)
    assert "Thoughtful" not in card_text(status)

    # Nothing anyone wrote is in the service's log either.
    log = stack.service.log()
    assert [words for words in WRITTEN if words in log] == []


# Checking what came back -------------------------------------------------------------------------------------------


def _check_reminder(card: Mapping[str, Any], person: str, start: datetime, when: str, join_url: str) -> None:
    """A reminder names the partner and the time, carries prompts for a first conversation (ground rules and
    goals), and offers the Teams meeting, moving it and raising a concern."""
    partner = NAMES[DAVID if person == AISHA else AISHA]
    blocks = text_blocks(card)
    # Sent today, for a meeting tomorrow (or, should the test have run over midnight, today).
    days_away = (start.date() - datetime.now(LONDON).date()).days
    assert blocks[0] == f"Your conversation with {partner} is {'tomorrow' if days_away == 1 else 'today'}"
    assert blocks[1] == f"**{when}**. Your first conversation."
    assert "For your first conversation" in blocks
    prompts = [block.removeprefix("\u2022 ") for block in blocks if block.startswith("\u2022 ")]
    assert 3 <= len(prompts) <= 4
    assert prompts[0].startswith("Agree your ground rules together")
    assert any("ground rules and goals" in prompt for prompt in prompts)
    if person == AISHA:
        # The mentor is asked to draw out her mentee's goals...
        assert any("which one to three things they most want to learn" in prompt for prompt in prompts)
    else:
        # ...and the mentee to bring them.
        assert any(prompt.startswith("Bring one to three things you'd like to learn") for prompt in prompts)
    actions = card_actions(card)
    assert [(action["type"], action["title"]) for action in actions] == [
        ("Action.OpenUrl", "Set up the Teams meeting"),
        ("Action.Execute", "Reschedule"),
        ("Action.Execute", "Raise a concern"),
    ]
    assert actions[0]["url"] == join_url
    assert (actions[2]["verb"], actions[2]["data"]["context"]) == ("concern", "reminder")


def _check_did_you_meet(card: Mapping[str, Any], person: str, meeting_id: int, when: str) -> None:
    partner = NAMES[DAVID if person == AISHA else AISHA]
    assert text_blocks(card)[1] == f"You had a conversation with {partner} booked on **{when}**. Did it go ahead?"
    answers = [
        (action["title"], action["data"].get("meeting"), action["data"].get("outcome"))
        for action in card_actions(card)
        if action.get("verb") == "checkin.answer"
    ]
    assert answers == [
        ("We met", meeting_id, "met"),
        ("We rescheduled", meeting_id, "rescheduled"),
        ("It didn't happen", meeting_id, "not-held"),
    ]
    assert button(card, "Raise a concern")["data"]["context"] == "check-in"


def _nothing_written_in(card: Mapping[str, Any]) -> None:
    text = card_text(card)
    assert [words for words in WRITTEN if words in text] == []


def _when(start: datetime, end: datetime) -> str:
    """A meeting's time as a person in the UK reads it on a card: "Wednesday 14 January, 10:00-10:45",
    with an en dash between the two times."""
    local_start, local_end = start.astimezone(LONDON), end.astimezone(LONDON)
    assert local_start.date() == local_end.date()
    return f"{_day(local_start.date())}, {local_start:%H:%M}\u2013{local_end:%H:%M}"


def _day(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B}"


def _reminder_due(start: datetime, booked_at: datetime) -> datetime:
    """When a meeting tomorrow, booked at ``booked_at``, is reminded of, with every hour a working one."""
    day_before = start - timedelta(days=1)
    if day_before > booked_at:
        return day_before.astimezone(UTC)
    return datetime.combine(start.date(), time(0), tzinfo=LONDON).astimezone(UTC)


# The service's database --------------------------------------------------------------------------------------------


def _utc(stored: str) -> datetime:
    """A time as the service stored it: ISO text in UTC, with or without its offset."""
    moment = datetime.fromisoformat(stored)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stored(moment: datetime) -> str:
    """A time as the service stores it in SQLite: UTC, without an offset, to the microsecond (so that it compares
    as text with the ones the service writes)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


@contextlib.contextmanager
def _changing(database: Path) -> Iterator[sqlite3.Connection]:
    """One transaction on the service's database, for the only changes this test makes: letting time pass."""
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as connection, connection:
        connection.row_factory = sqlite3.Row
        yield connection


def _check_ins(database: Path) -> list[dict[str, Any]]:
    return [
        {
            **row,
            "due_at": _utc(row["due_at"]),
            "meeting": json.loads(row["payload"]).get("meeting"),
        }
        for row in rows(
            database,
            "SELECT kind, recipient_id, state, due_at, payload FROM work_items WHERE kind IN (?, ?) ORDER BY id",
            *CHECK_INS,
        )
    ]


def _bring_forward(database: Path, kind: str) -> int:
    """Time passes until the queued items of `kind` are due: they are due now. Returns how many there were."""
    with _changing(database) as connection:
        cursor = connection.execute(
            "UPDATE work_items SET due_at = ? WHERE kind = ? AND state = 'pending'",
            (_stored(datetime.now(UTC)), kind),
        )
        return cursor.rowcount


def _meeting_is_over(database: Path, meeting_id: int, by: timedelta) -> tuple[datetime, datetime]:
    """Time passes by `by`, as far as this meeting's check-ins can tell: the meeting's times, the start its
    "Did you meet?" questions were made for, and their due time all move `by` earlier, in one go (so the sweeper
    never sees one moved without the other). Returns the meeting's start and end as they now are."""
    with _changing(database) as connection:
        columns = ("window_start", "window_end", "when_start", "when_end")
        [meeting] = connection.execute(
            f"SELECT {', '.join(columns)} FROM meetings WHERE id = ?",  # noqa: S608 -- the names above
            (meeting_id,),
        ).fetchall()
        moved = {column: _utc(meeting[column]) - by for column in columns}
        changed = connection.execute(
            f"UPDATE meetings SET {', '.join(f'{column} = ?' for column in columns)} WHERE id = ?",  # noqa: S608
            (*(_stored(moved[column]) for column in columns), meeting_id),
        )
        assert changed.rowcount == 1
        questions = connection.execute(
            "SELECT id, due_at, payload FROM work_items WHERE kind = ? AND state = 'pending'", (DID_YOU_MEET,)
        ).fetchall()
        assert len(questions) == 2
        for question in questions:
            payload = json.loads(question["payload"])
            assert payload["meeting"] == meeting_id
            assert _utc(payload["start"]) == moved["when_start"] + by
            payload["start"] = moved["when_start"].isoformat()
            connection.execute(
                "UPDATE work_items SET due_at = ?, payload = ? WHERE id = ?",
                (_stored(_utc(question["due_at"]) - by), json.dumps(payload), question["id"]),
            )
    assert moved["when_end"] + ASK_AFTER <= datetime.now(UTC), "the questions should be due now"
    return moved["when_start"], moved["when_end"]


def _prompts(database: Path) -> list[tuple[str, str, str, bool]]:
    """(person, kind, ref, answered) of every prompt sent."""
    return [
        (row["person_id"], row["kind"], row["ref"], row["answered_at"] is not None)
        for row in rows(database, "SELECT * FROM prompts ORDER BY person_id")
    ]


def _traces(database: Path, needles: Sequence[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every text value in any table that contains one of the needles. JSON columns
    are text in SQLite, so their contents are searched too."""
    found: list[tuple[str, str, str]] = []
    with connect(database) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        # The service's migrated database, with every table of its schema: none can escape the scan.
        assert set(metadata.tables) <= set(tables)
        for table in tables:
            cursor = connection.execute(f'SELECT * FROM "{table}"')  # noqa: S608 -- names from sqlite_master
            columns = [description[0] for description in cursor.description]
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
                    if isinstance(text, str):
                        found += [(table, column, needle) for needle in needles if needle in text]
    return found
