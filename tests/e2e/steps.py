"""What people do in the Agents Playground, shared by the scenario tests: type to the bot or press a card button and
wait until the bot has finished that turn, read the card that came back, plan and open a cohort, and sign up through
the cards. Also the mock tenant's people (playground/.m365agentsplayground.yml) and a read-only view of the service's
database, for checking what it stored or still has to send."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sqlite3
import time
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.e2e.conftest import COORDINATOR_OBJECT_ID
from tests.e2e.playground import BotMessage, InvokeResult, PlaygroundClient
from tests.support.card_reading import button, facts, inputs, text_blocks
from tests.support.cohort_form import COHORT_FORM
from tests.support.sign_up_answers import Answers

ZONE = "Europe/London"
MORGAN = "29:mock-morgan-ashby"
AISHA = "29:mock-aisha-bello"
TOMASZ = "29:mock-tomasz-nowak"
HELEN = "29:mock-helen-marsh"
DAVID = "29:mock-david-okoro"
MORGAN_OBJECT_ID = COORDINATOR_OBJECT_ID
AISHA_OBJECT_ID = "ed1ed1ed-0000-4000-8000-000000000011"
TOMASZ_OBJECT_ID = "ed1ed1ed-0000-4000-8000-000000000012"
HELEN_OBJECT_ID = "ed1ed1ed-0000-4000-8000-000000000013"
DAVID_OBJECT_ID = "ed1ed1ed-0000-4000-8000-000000000014"
NAMES = {
    MORGAN: "Morgan Ashby",
    AISHA: "Aisha Bello",
    TOMASZ: "Tomasz Nowak",
    HELEN: "Helen Marsh",
    DAVID: "David Okoro",
}
# Who the mock tenant's people are, as they describe themselves when signing up: the same in every scenario. What
# they would like to talk about, and when, is each scenario's choice (see `answers_of`).
CEO_OFFICE = "chief.executive.office@northmoor.example"
_ABOUT_THEM: dict[str, dict[str, str]] = {
    AISHA: {
        "role": "mentor",
        "job_title": "Healthcare Assistant, Ward 7 Elderly Care",
        "band": "band-3",
        "directorate": "Integrated Medicine",
        "site": "Northmoor General Hospital",
        # As the Playground's mock tenant holds it, so the card offers it already filled in.
        "work_email": "aisha.bello@northmoor.example",
        "line_manager_email": "sunita.rao@northmoor.example",
        "meeting_preference": "teams",
        "bio": "Ten years on elderly care wards; I run the welcome buddy scheme for new starters.",
    },
    TOMASZ: {
        "role": "mentor",
        "job_title": "Executive Assistant to the Chief Finance Officer",
        "band": "band-5",
        "directorate": "Corporate Services",
        "site": "Moorside Trust Headquarters",
        "work_email": "tomasz.nowak@northmoor.example",
        "line_manager_email": "david.okoro@northmoor.example",
        "meeting_preference": "either",
        "bio": "I keep the finance executive's diary and chair the Disability Network's steering group.",
    },
    HELEN: {
        "role": "mentee",
        "job_title": "Chief Nursing Officer and Director of Quality",
        "band": "board",
        "directorate": "Nursing, Quality and Patient Safety",
        "site": "Moorside Trust Headquarters",
        "work_email": "helen.marsh@northmoor.example",
        "line_manager_email": CEO_OFFICE,
        "meeting_preference": "in-person",
        "bio": "A nurse by background, twenty years in acute hospitals before joining the board.",
    },
    DAVID: {
        "role": "mentee",
        "job_title": "Chief Finance Officer",
        "band": "board",
        "directorate": "Finance and Digital",
        "site": "Moorside Trust Headquarters",
        "work_email": "david.okoro@northmoor.example",
        "line_manager_email": CEO_OFFICE,
        "meeting_preference": "either",
        "bio": "An accountant who joined the NHS from local government six years ago.",
    },
}
CARD = "application/vnd.microsoft.card.adaptive"
# Proactive messages travel through the work queue, swept once a second here; a few sweeps and a send fit well
# inside this.
PROACTIVE_WAIT = 30.0
# As a person reads them in the band list; the card sends the grade's value.
GRADE_LABELS = {
    "band-3": "Band 3",
    "band-5": "Band 5",
    "board": "Board member (executive or non-executive)",
}
COORDINATORS_ONLY = (
    "Sorry, only programme coordinators can do that. If you think you should be one, please ask your programme's "
    "coordinator."
)


def deliver_at_any_hour() -> dict[str, str]:
    """Settings for a `service_env` fixture. Decisions, introductions and the like reach people through the durable
    queue, which only sends within working hours: make every hour of every day a working one, and sweep often, so a
    test neither depends on the clock nor waits long."""
    return {
        "REMEDI_WORKING_HOURS": "00:00-24:00",
        "REMEDI_WORKING_DAYS": "Mon-Sun",
        "REMEDI_SWEEP_SECONDS": "1",
        "REMEDI_TIMEZONE": ZONE,
    }


def answers_of(
    user_id: str, *, topics: str, availability: str, experience_note: str, avoid_emails: str = ""
) -> Answers:
    """What one of the mock tenant's people answers when signing up: who they are, with the interests given."""
    return Answers(
        **_ABOUT_THEM[user_id],
        topics=topics,
        availability=availability,
        experience_note=experience_note,
        avoid_emails=avoid_emails,
    )


# Talking to the bot --------------------------------------------------------------------------------------------------


async def say(client: PlaygroundClient, user_id: str, text: str) -> str:
    """Type `text` in the person's 1:1 chat and wait until the bot has finished that turn; returns the chat id."""
    chat = await client.personal_chat_id(user_id)
    seen = len(client.connector_log)
    await client.send_text(chat, user_id, text)
    await turn_finished(client, seen, lambda body: body.get("text") == text and _sender(body) == user_id)
    return chat


async def submit(
    client: PlaygroundClient, message: BotMessage, title: str, user_id: str, inputs: Mapping[str, str]
) -> None:
    """Press an Action.Submit button and wait until the bot has finished the turn it started."""
    seen = len(client.connector_log)
    assert await client.click(message, title, user_id=user_id, inputs=inputs) is None
    await turn_finished(
        client, seen, lambda body: body.get("replyToId") == message.message_id and _sender(body) == user_id
    )


async def press(
    client: PlaygroundClient,
    message: BotMessage,
    title: str,
    user_id: str | None = None,
    inputs: Mapping[str, str] | None = None,
) -> Mapping[str, Any]:
    """Press an Action.Execute button and return the card the bot put in place of the one pressed."""
    return card_of(await client.click(message, title, user_id=user_id, inputs=inputs))


async def press_this(
    client: PlaygroundClient, message: BotMessage, action: Mapping[str, Any], user_id: str = MORGAN
) -> Mapping[str, Any]:
    """Press one particular Action.Execute button, for a card with several of the same title (each pair on the
    matching review has its own "Lock"), the way the Playground's UI does; returns the card put in its place."""
    data = action.get("data")
    result = await client.invoke_action(
        message.post_conversation_id or message.conversation_id,
        user_id,
        message.message_id,
        str(action["verb"]),
        dict(data) if isinstance(data, Mapping) else {},
        title=str(action["title"]),
    )
    return card_of(result)


async def command_card(client: PlaygroundClient, user_id: str, command: str, title: str) -> Mapping[str, Any]:
    """Type a command and return the card the bot answers with, whose heading is `title`."""
    chat = await say(client, user_id, command)
    message = await client.next_bot_message(conversation_id=chat, predicate=lambda m: heading(m) == title)
    return message.adaptive_cards[0]


async def turn_finished(
    client: PlaygroundClient, seen: int, sent: Callable[[Mapping[str, Any]], bool], within: float = 15.0
) -> None:
    """Wait for the Playground to log the bot's HTTP answer to an activity it was sent (it logs each one only once
    the answer is in). The bot answers after saving the turn's state, so acting sooner would be acting on a card
    faster than any person could: before the bot has recorded that it showed it."""
    deadline = time.monotonic() + within
    while True:
        for item in client.connector_log[seen:]:
            body = (item.get("request") or {}).get("body") or {}
            if item.get("to") == "User Application" and isinstance(body, Mapping) and sent(body):
                status = (item.get("response") or {}).get("statusCode")
                assert status == 200, f"the bot answered {status}: {item}"
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"the bot did not finish the turn within {within} s")
        await asyncio.sleep(0.02)


def _sender(body: Mapping[str, Any]) -> object:
    sender = body.get("from")
    return sender.get("id") if isinstance(sender, Mapping) else None


# Reading cards -------------------------------------------------------------------------------------------------------


def heading(message: BotMessage) -> str | None:
    """The first text of the message's card, which is its heading on every card the bot sends."""
    cards = message.adaptive_cards
    blocks = text_blocks(cards[0]) if cards else []
    return blocks[0] if blocks else None


def card_of(result: InvokeResult | None) -> Mapping[str, Any]:
    assert result is not None, "an Action.Execute button should answer its invoke"
    assert result.card is not None, f"expected a card in place of the old one, got {result.type}: {result.value!r}"
    return result.card


def showing(message: BotMessage, card: Mapping[str, Any]) -> BotMessage:
    """The message as the Playground now shows it: an invoke's answer card replaces the card that was clicked, so
    the next click is on the new card's buttons."""
    return dataclasses.replace(message, attachments=({"contentType": CARD, "content": card},))


# Planning a cohort ---------------------------------------------------------------------------------------------------


def cohort_plan(name: str, today: date, **changes: str) -> dict[str, str]:
    """A new-cohort form that the bot accepts on `today`: sign-ups close in three weeks, a six-month run starts in
    five, with one training date before it. `changes` replaces any input."""
    starts = today + timedelta(days=35)
    return {
        **COHORT_FORM,
        "name": name,
        "signup_closes": (today + timedelta(days=21)).isoformat(),
        "starts_on": starts.isoformat(),
        "ends_on": (starts + timedelta(days=182)).isoformat(),
        "training_1": (today + timedelta(days=28)).isoformat(),
        "training_2": "",
        "training_3": "",
        **changes,
    }


async def new_cohort_form(client: PlaygroundClient) -> BotMessage:
    """Morgan, the coordinator, types `cohort new`; returns the form."""
    assert client.config.current_user.id == MORGAN
    chat = await say(client, MORGAN, "cohort new")
    return await client.next_bot_message(conversation_id=chat, predicate=lambda m: heading(m) == "New cohort")


async def create_cohort(client: PlaygroundClient, form: BotMessage, plan: Mapping[str, str]) -> tuple[int, BotMessage]:
    """Press "Create cohort" on the form with an acceptable plan; returns the cohort's number and the message as it
    now shows (the created card)."""
    created = await press(client, form, "Create cohort", inputs=plan)
    assert text_blocks(created)[0] == "Cohort created"
    cohort_id = button(created, "Open sign-ups now")["data"]["cohort"]
    assert isinstance(cohort_id, int)
    assert f"Cohort {cohort_id}: {plan['name']} is saved as a draft." in text_blocks(created)
    return cohort_id, showing(form, created)


async def open_cohort(client: PlaygroundClient, created: BotMessage, cohort_id: int, name: str) -> None:
    """Press "Open sign-ups now" on the created card."""
    opened = await press(client, created, "Open sign-ups now")
    blocks = text_blocks(opened)
    assert blocks[0] == f"Cohort {cohort_id}: {name}"
    assert blocks[1].startswith(f"Cohort {cohort_id}: {name} is now open for sign-ups.")
    assert "It is now open for sign-ups." in blocks


async def create_and_open_cohort(client: PlaygroundClient, plan: Mapping[str, str]) -> int:
    """The coordinator's quickest way to a cohort people can join; returns its number."""
    cohort_id, created = await create_cohort(client, await new_cohort_form(client), plan)
    await open_cohort(client, created, cohort_id, plan["name"])
    return cohort_id


# Signing up ----------------------------------------------------------------------------------------------------------


async def sign_up(client: PlaygroundClient, user_id: str, answers: Answers, cohort_title: str) -> None:
    """Type `join` and go through the sign-up cards with these answers, checking each card on the way."""
    chat = await say(client, user_id, "join")

    consent = await client.next_bot_message(
        conversation_id=chat, predicate=lambda m: heading(m) == "Before you sign up"
    )
    assert any("Northmoor Community Health NHS Trust" in block for block in text_blocks(consent.adaptive_cards[0]))
    await submit(client, consent, "Continue", user_id, {"consent": "true", "ground_rules": "true"})

    about = await client.next_bot_message(conversation_id=chat, predicate=lambda m: heading(m) == "About you")
    fields = inputs(about.adaptive_cards[0])
    # The band is picked from the list by the label a person reads; the card sends the grade's value.
    grades = fields["band"]
    assert grades["type"] == "Input.ChoiceSet"
    [picked] = [choice["value"] for choice in grades["choices"] if choice["title"] == GRADE_LABELS[answers.band]]
    assert picked == answers.band
    # The Playground answers the bot's Teams member lookup with the mock user's email, so it is already filled in.
    assert fields["work_email"].get("value") == answers.work_email
    await submit(client, about, "Continue", user_id, {**answers.about(), "band": picked})

    interests = await client.next_bot_message(
        conversation_id=chat, predicate=lambda m: heading(m) == "What you'd like to talk about"
    )
    await submit(client, interests, "Continue", user_id, answers.interests())

    review = await client.next_bot_message(conversation_id=chat, predicate=lambda m: heading(m) == "Check your answers")
    shown = facts(review.adaptive_cards[0])
    assert shown["Taking part as"] == answers.role.capitalize()
    assert shown["Job title"] == answers.job_title
    assert shown["Band or grade"] == GRADE_LABELS[answers.band]
    assert shown["Work email"] == answers.work_email
    assert shown["Line manager"] == answers.line_manager_email
    reviewed = text_blocks(review.adaptive_cards[0])
    assert answers.bio in reviewed
    # Only the applicant's own review names the colleagues they would rather not be paired with.
    count = len(answers.avoided())
    if count:
        assert f"You asked not to be paired with {count} colleague{'' if count == 1 else 's'}:" in reviewed
        for avoided in answers.avoided():
            assert f"\u2022 {avoided}" in reviewed
    else:
        assert not any(block.startswith("You asked not to be paired") for block in reviewed)
    await submit(client, review, "Submit application", user_id, {})

    received = await client.next_bot_message(
        conversation_id=chat, predicate=lambda m: heading(m) == "Thank you, your application is in"
    )
    blocks = text_blocks(received.adaptive_cards[0])
    assert f"You've applied to join **{cohort_title}** as a {answers.role}." in blocks


# Reading the service's database --------------------------------------------------------------------------------------


def connect(database: Path) -> contextlib.closing[sqlite3.Connection]:
    # Read-only, so a test can never change what it is checking (the service keeps writing while it runs).
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    connection.row_factory = sqlite3.Row
    return contextlib.closing(connection)


def rows(database: Path, query: str, *parameters: object) -> list[dict[str, Any]]:
    with connect(database) as connection:
        return [dict(row) for row in connection.execute(query, parameters)]


async def queue_settled(database: Path, within: float = PROACTIVE_WAIT, *, later: Collection[str] = ()) -> None:
    """Wait until nothing due is waiting or being sent: a delivered message is marked done (and forgotten, if it
    asked to be) just after the Playground has shown it. Work queued for a time still to come (a meeting's reminder,
    "Did you meet?") is not waited for, nor are the kinds named in ``later`` while they are pending."""
    deadline = time.monotonic() + within
    while True:
        # SQLite keeps UTC times as text in this form, so they compare as strings.
        soon = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")
        open_items = [
            item
            for item in rows(
                database, "SELECT id, kind, state, due_at FROM work_items WHERE state IN ('pending', 'leased')"
            )
            if item["state"] == "leased" or (item["kind"] not in later and str(item["due_at"]) <= soon)
        ]
        if not open_items:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"messages still open after {within} s: {open_items}")
        await asyncio.sleep(0.2)
