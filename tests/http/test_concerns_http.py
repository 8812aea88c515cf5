"""Raising a concern through the real adapter: from a card's button and by command, in a 1:1 chat only. The words
reach the coordinators (or the configured contact) and nobody else, never the partner; once delivered they are in
no table of the database, and at no point in any log line, even at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import create_app
from bot.concern_actions import FORM_OPENED
from bot.dispatcher import PERSONAL_ONLY
from bot.logging_setup import QUIET_LIBRARIES
from cards.concerns import CONTACT_INPUT, TEXT_INPUT, concern_action
from programme.concerns import NOBODY_TO_TELL, SOMEONE, SUMMARY
from storage.personal_data_holders import ABOUT_SOMEONE_ERASED
from storage.tables import work_items
from tests.http.conftest import APP_ID, BotUnderTest, programme_settings
from tests.http.matching_world import audit_details, cards_to
from tests.http.meeting_world import published_pair
from tests.http.programme_driver import (
    BRAM_ANSWERS,
    CARD_REPLY,
    COORDINATOR_CARYS,
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
from tests.support.card_reading import button, card_actions, card_text, inputs, text_blocks
from tests.support.fake_connector import FakeConnector
from tests.support.fake_identity import FakeBotIdentity, FakeCredentialFactory
from tests.support.fakes import FakeClock

# Distinctive, so a scan of the database or the logs cannot mistake anything else for them.
WORDS = "Zorblatt remarks at our second meeting left me shaken and unsure whom to tell."
NEEDLE = "Zorblatt"
# A Freedom to Speak Up Guardian who has never written to the bot: the bot opens a chat with them to deliver.
GUARDIAN = Person("e0000000-0000-4000-8000-000000000005", "Gwendolyn Ashcombe", "gwendolyn.ashcombe@nhs.net")
GUARDIAN_ROLE = "the Freedom to Speak Up Guardian"


@pytest.fixture
async def guarded(
    tmp_path: Path, identity: FakeBotIdentity, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Programme]:
    """The deployed bot with concerns going to a Freedom to Speak Up Guardian rather than the coordinators."""
    settings = programme_settings(
        tmp_path,
        identity,
        connector,
        REMEDI_CONCERN_CONTACTS=GUARDIAN.id,
        REMEDI_CONCERN_CONTACT_ROLE=GUARDIAN_ROLE,
    )
    clock = FakeClock(NOW)
    app = create_app(settings, clock=clock, credentials_factory=FakeCredentialFactory(APP_ID))
    async with TestClient(TestServer(app)) as client:
        yield Programme(BotUnderTest(client=client, connector=connector, identity=identity, settings=settings), clock)
    errors = [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert errors == [], f"errors were logged: {errors}"


def debug_logging_as_deployed(caplog: pytest.LogCaptureFixture) -> None:
    """Everything at DEBUG, as with REMEDI_LOG_LEVEL=DEBUG: only the libraries the deployed logging keeps quiet
    (bot.logging_setup) stay at WARNING."""
    for name in QUIET_LIBRARIES:
        caplog.set_level(logging.WARNING, logger=name)
    # Last, because each call also sets the capturing handler's own level.
    caplog.set_level(logging.DEBUG)


def answered_card(answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["type"] == CARD_REPLY, answer
    card: dict[str, Any] = answer["value"]
    return card


async def concern_items(programme: Programme) -> list[tuple[str, str | None, Any]]:
    """(state, recipient, payload) of every concern in the work queue, as the database holds them."""
    query = select(work_items.c.state, work_items.c.recipient_id, work_items.c.payload).order_by(work_items.c.id)
    async with programme.runtime.database.engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [(state, recipient, payload) for state, recipient, payload in rows if payload.get("summary") == SUMMARY]


async def open_form_from_a_card(programme: Programme, person: Person, context: str) -> dict[str, Any]:
    """Click "Raise a concern" on a card; the form arrives as a new message, leaving that card as it was."""
    before = len(programme.sent)
    answer = await programme.press(person, concern_action(context))
    assert (answer["type"], answer["value"]) == (MESSAGE_REPLY, FORM_OPENED)
    [form] = cards_to(programme, person, since=before)
    return form


async def test_a_concern_from_a_card_reaches_the_coordinator_alone_and_leaves_no_trace(
    programme: Programme, caplog: pytest.LogCaptureFixture
) -> None:
    debug_logging_as_deployed(caplog)
    await published_pair(programme, ZADIE_ANSWERS, BRAM_ANSWERS)
    before = len(programme.sent)

    form = await open_form_from_a_card(programme, MENTOR_ZADIE, "reflection")
    assert "Only the programme coordinators." in text_blocks(form)[3]
    sent = answered_card(
        await programme.press(MENTOR_ZADIE, button(form, "Send"), **{TEXT_INPUT: WORDS, CONTACT_INPUT: "true"})
    )

    # The form is replaced by what happened: who will read it, what next; the words are no longer on screen.
    shown = card_text(sent)
    assert "It has gone to the programme coordinators, and to nobody else." in shown
    assert "get in touch with you privately" in shown
    assert NEEDLE not in shown
    # Held in the queue only until it is delivered.
    assert await programme.find_anywhere([NEEDLE]) != []

    report = await programme.sweep()

    assert (report.done, report.dead, report.retrying) == (1, 0, 0)
    [delivered] = cards_to(programme, COORDINATOR_CARYS, since=before)
    assert WORDS in card_text(delivered)
    assert "Zadie Quillfeather raised this from a reflection card" in card_text(delivered)
    assert MENTOR_ZADIE.id in card_text(delivered)
    # The partner hears nothing, and the person only the form they opened.
    assert [a for a in programme.sent[before:] if a.conversation_id == MENTEE_BRAM.chat] == []
    assert len(cards_to(programme, MENTOR_ZADIE, since=before)) == 1
    # Once delivered, not a trace of the words in any table; the queue keeps only that a concern went.
    assert await programme.find_anywhere([NEEDLE, WORDS]) == []
    assert await concern_items(programme) == [("done", COORDINATOR_CARYS.id, {"summary": SUMMARY, "redacted": True})]
    # The audit says a concern was raised and from where; not by whom, nor what.
    assert (await programme.audit())[-1] == (SOMEONE.value, "concern raised", "passed on", None)
    assert (await audit_details(programme, "concern raised")) == [
        ("passed on", {"context": "reflection", "readers": 1, "route": "coordinators"})
    ]
    assert "a concern was raised (reflection) and passed to 1 person" in caplog.text
    assert NEEDLE not in caplog.text


async def test_a_concern_by_command_names_the_role_and_asks_nothing_of_the_partner(
    programme: Programme, caplog: pytest.LogCaptureFixture
) -> None:
    debug_logging_as_deployed(caplog)
    await programme.meet(MENTOR_ZADIE, MENTEE_BRAM)
    before = len(programme.sent)

    form = only_card(await programme.say(MENTEE_BRAM, "raise a concern"))
    assert "Raise a concern" in text_blocks(form)[0]
    assert inputs(form)[CONTACT_INPUT]["value"] == "false"
    sent = answered_card(await programme.press(MENTEE_BRAM, button(form, "Send"), **{TEXT_INPUT: WORDS}))
    assert "You didn't ask to be contacted" in card_text(sent)
    await programme.sweep()

    [delivered] = cards_to(programme, COORDINATOR_CARYS, since=before)
    assert "Bram Tollemarsh raised this by typing 'raise a concern'" in card_text(delivered)
    assert "They didn't ask to be contacted." in card_text(delivered)
    assert [a for a in programme.sent[before:] if a.conversation_id == MENTOR_ZADIE.chat] == []
    assert await programme.find_anywhere([NEEDLE]) == []
    assert NEEDLE not in caplog.text


async def test_help_lists_the_command_and_offers_the_button(programme: Programme) -> None:
    await programme.meet(MENTOR_ZADIE)
    shown = only_card(await programme.say(MENTOR_ZADIE, "help"))

    assert "raise a concern" in card_text(shown)
    assert concern_action("help") in card_actions(shown)
    form = await open_form_from_a_card(programme, MENTOR_ZADIE, "help")
    assert button(form, "Send")["data"]["context"] == "help"


async def test_in_a_group_chat_it_is_refused_as_personal_and_nothing_is_read(
    programme: Programme, caplog: pytest.LogCaptureFixture
) -> None:
    debug_logging_as_deployed(caplog)

    assert only_text(await programme.mention(MENTOR_ZADIE, "raise a concern")) == PERSONAL_ONLY
    for verb, data in (
        ("concern", {"context": "reminder"}),
        ("concern.send", {"context": "reminder", TEXT_INPUT: WORDS, CONTACT_INPUT: "true"}),
        ("concern.cancel", {"context": "reminder"}),
    ):
        click = activities.card_action(verb, data, service_url=programme.bot.service_url, person=MENTOR_ZADIE.id)
        click["conversation"] = {
            "id": "19:group@thread.v2",
            "conversationType": "groupChat",
            "isGroup": True,
            "tenantId": activities.TENANT,
        }
        response = await programme.bot.post(click)
        assert response.status == 200
        answer = await response.json()
        assert (answer["type"], answer["value"]) == (MESSAGE_REPLY, PERSONAL_ONLY)

    assert await concern_items(programme) == []
    assert await programme.find_anywhere([NEEDLE]) == []
    assert NEEDLE not in caplog.text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", "There's nothing to send yet."),
        ("   \n\n  ", "There's nothing to send yet."),
        (f"{WORDS} " * 3_000, "please keep it to 2,000 characters"),
    ],
    ids=["empty", "blank", "huge"],
)
async def test_nothing_or_too_much_is_answered_kindly_on_the_form(
    programme: Programme, caplog: pytest.LogCaptureFixture, typed: str, expected: str
) -> None:
    debug_logging_as_deployed(caplog)
    await programme.meet(MENTOR_ZADIE)
    form = await open_form_from_a_card(programme, MENTOR_ZADIE, "check-in")

    again = answered_card(
        await programme.press(MENTOR_ZADIE, button(form, "Send"), **{TEXT_INPUT: typed, CONTACT_INPUT: "true"})
    )

    assert any(expected in text for text in text_blocks(again))
    # Shown again as it was (up to the box's limit), with the same token and the choice kept.
    assert inputs(again)[TEXT_INPUT].get("value", "") == typed[:2000]
    assert inputs(again)[CONTACT_INPUT]["value"] == "true"
    assert button(again, "Send")["data"]["form"] == button(form, "Send")["data"]["form"]
    assert await concern_items(programme) == []
    assert await programme.find_anywhere([NEEDLE]) == []
    assert NEEDLE not in caplog.text


async def test_a_damaged_send_still_gets_the_concern_through(programme: Programme) -> None:
    await programme.meet(MENTOR_ZADIE)

    answer = await programme.click(MENTOR_ZADIE, "concern.send", {"context": ["x"], "form": 7, TEXT_INPUT: WORDS})

    assert "It has gone to the programme coordinators" in card_text(answered_card(answer))
    await programme.sweep()
    assert "Zadie Quillfeather raised this from a card in ReMEDI bot" in card_text(
        cards_to(programme, COORDINATOR_CARYS)[-1]
    )


async def test_sending_the_same_form_twice_delivers_it_once(programme: Programme) -> None:
    await programme.meet(MENTOR_ZADIE)
    form = await open_form_from_a_card(programme, MENTOR_ZADIE, "reminder")

    await programme.press(MENTOR_ZADIE, button(form, "Send"), **{TEXT_INPUT: WORDS})
    again = answered_card(await programme.press(MENTOR_ZADIE, button(form, "Send"), **{TEXT_INPUT: WORDS}))
    await programme.sweep()

    assert text_blocks(again)[0] == "You've already sent this concern"
    assert len(await concern_items(programme)) == 1
    assert len(await audit_details(programme, "concern raised")) == 1


async def test_cancelling_sends_nothing_and_keeps_nothing(programme: Programme) -> None:
    await programme.meet(MENTOR_ZADIE)
    form = await open_form_from_a_card(programme, MENTOR_ZADIE, "survey")

    cancel = button(form, "Cancel")
    # The client sends no inputs for this button; even if one did, nothing would be read.
    cancelled = answered_card(await programme.press(MENTOR_ZADIE, cancel, **{TEXT_INPUT: WORDS}))

    assert text_blocks(cancelled)[0] == "Nothing was sent"
    assert card_actions(cancelled) == [concern_action("survey")]
    assert await concern_items(programme) == []
    assert await programme.find_anywhere([NEEDLE]) == []


async def test_the_only_coordinator_raising_one_is_told_kindly_there_is_nobody_else(
    programme: Programme, caplog: pytest.LogCaptureFixture
) -> None:
    debug_logging_as_deployed(caplog)
    await programme.meet(COORDINATOR_CARYS)
    form = only_card(await programme.say(COORDINATOR_CARYS, "raise a concern"))
    # Nobody else to read it: the form says so rather than inviting her to write.
    assert card_actions(form) == []
    assert any("Nobody is set up to receive concerns" in text for text in text_blocks(form))

    # A form from before (or from another device) is answered with where to go instead, the words kept on screen.
    answer = await programme.click(
        COORDINATOR_CARYS, "concern.send", {"context": "command", "form": "a" * 32, TEXT_INPUT: WORDS}
    )

    again = answered_card(answer)
    assert NOBODY_TO_TELL in text_blocks(again)
    assert inputs(again)[TEXT_INPUT]["value"] == WORDS
    assert card_actions(again) == []
    assert await concern_items(programme) == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("nobody is set up to receive it" in w for w in warnings)
    assert NEEDLE not in caplog.text


async def test_a_configured_guardian_receives_it_and_the_coordinators_do_not(
    guarded: Programme, caplog: pytest.LogCaptureFixture
) -> None:
    debug_logging_as_deployed(caplog)
    await guarded.meet(MENTOR_ZADIE)
    before = len(guarded.sent)

    form = await open_form_from_a_card(guarded, MENTOR_ZADIE, "stalled")
    assert any(f"Only {GUARDIAN_ROLE}." in text for text in text_blocks(form))
    sent = answered_card(await guarded.press(MENTOR_ZADIE, button(form, "Send"), **{TEXT_INPUT: WORDS}))
    assert f"It has gone to {GUARDIAN_ROLE}, and to nobody else." in card_text(sent)
    await guarded.sweep()

    # The guardian had never written to the bot: a chat was opened with them to deliver it.
    [delivered] = cards_to(guarded, GUARDIAN, since=before)
    assert WORDS in card_text(delivered)
    assert f"would reach {GUARDIAN_ROLE} and nobody else" in card_text(delivered)
    assert cards_to(guarded, COORDINATOR_CARYS, since=before) == []
    assert await concern_items(guarded) == [("done", GUARDIAN.id, {"summary": SUMMARY, "redacted": True})]
    assert await guarded.find_anywhere([NEEDLE]) == []
    # Coordinators can read the audit log: it must not tell them who went to the guardian.
    assert await audit_details(guarded, "concern raised") == [
        ("passed on", {"context": "stalled", "readers": 1, "route": "configured contacts"})
    ]
    assert MENTOR_ZADIE.id not in str(await guarded.audit())
    assert NEEDLE not in caplog.text


async def test_deleting_my_data_before_delivery_sends_neither_my_name_nor_my_words(programme: Programme) -> None:
    await programme.meet(MENTOR_ZADIE)
    before = len(programme.sent)
    form = await open_form_from_a_card(programme, MENTOR_ZADIE, "reflection")
    await programme.press(MENTOR_ZADIE, button(form, "Send"), **{TEXT_INPUT: WORDS})

    confirm = only_card(await programme.say(MENTOR_ZADIE, "delete my data"))
    await programme.press(MENTOR_ZADIE, button(confirm, "Yes, delete my data"))
    await programme.sweep()

    told = [a for a in programme.sent[before:] if a.conversation_id == COORDINATOR_CARYS.chat]
    assert [a.text for a in told if a.cards == []] == [ABOUT_SOMEONE_ERASED]
    assert all(NEEDLE not in card_text(card) and "Zadie" not in card_text(card) for a in told for card in a.cards)
    assert await programme.find_anywhere([NEEDLE, MENTOR_ZADIE.id, "Zadie"]) == []
