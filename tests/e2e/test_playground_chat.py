"""End to end through the Agents Playground's API: the real service answering a Teams-like client."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e

MENTOR = "29:mock-aisha-bello"


def _text_of(message_cards: object) -> str:
    return json.dumps(message_cards, ensure_ascii=False)


async def test_help_round_trip_with_a_card(stack: Stack) -> None:
    client = stack.client
    chat = client.config.personal_chat_id
    await client.send_text(chat, client.config.current_user.id, "help")
    messages = await client.bot_messages_until_quiet(conversation_id=chat)

    cards = [card for message in messages for card in message.adaptive_cards]
    everything = _text_of(cards)
    assert "Welcome to ReMEDI reverse mentoring" in everything
    assert "Northmoor Community Health NHS Trust" in everything
    assert "What I can do" in everything
    # Morgan is the configured coordinator, so help lists the coordinator commands too.
    assert "coordinator add <object id>" in everything

    help_message = next(m for m in messages if "What I can do" in _text_of(m.adaptive_cards))
    answer = await client.click(help_message, "How your data is used")
    assert answer is not None
    assert answer.card is not None
    assert "What stays private" in _text_of(answer.card)


async def test_unknown_text_gets_a_suggestion(stack: Stack) -> None:
    client = stack.client
    chat = client.config.personal_chat_id
    await client.send_text(chat, client.config.current_user.id, "coordinater")
    messages = await client.bot_messages_until_quiet(conversation_id=chat)
    everything = _text_of([card for m in messages for card in m.adaptive_cards])
    assert "I didn't catch that" in everything
    assert "**coordinators**" in everything


async def test_a_mentor_sees_participant_help_only_and_cannot_use_coordinator_commands(stack: Stack) -> None:
    client = stack.client
    chat = await client.personal_chat_id(MENTOR)
    await client.send_text(chat, MENTOR, "help")
    messages = await client.bot_messages_until_quiet(conversation_id=chat)
    everything = _text_of([card for m in messages for card in m.adaptive_cards])
    assert "What I can do" in everything
    assert "coordinator add" not in everything

    await client.send_text(chat, MENTOR, "coordinators")
    refusal = await client.next_bot_message(conversation_id=chat)
    assert refusal.text is not None
    assert "only programme coordinators" in refusal.text


async def test_coordinator_adds_a_coordinator_in_a_group_chat_and_it_is_audited(stack: Stack) -> None:
    client = stack.client
    me = client.config.current_user.id
    group = client.config.group_chat_id
    await client.send_text(group, me, "coordinator add ed1ed1ed-0000-4000-8000-000000000011", mention_bot=True)
    reply = await client.next_bot_message(conversation_id=group)
    assert reply.text == "Done: ed1ed1ed-0000-4000-8000-000000000011 is now a programme coordinator."

    await client.send_text(group, me, "audit", mention_bot=True)
    audit = await client.next_bot_message(conversation_id=group)
    assert "coordinator add by ed1ed1ed-0000-4000-8000-000000000010" in _text_of(audit.adaptive_cards)


async def test_installing_the_bot_welcomes_the_person_once(stack: Stack) -> None:
    client = stack.client
    chat = client.config.personal_chat_id
    await client.install(chat)
    first = await client.bot_messages_until_quiet(conversation_id=chat)
    assert sum("Welcome to ReMEDI" in _text_of(m.adaptive_cards) for m in first) == 1
    await client.install(chat)
    await client.send_text(chat, client.config.current_user.id, "about")
    second = await client.bot_messages_until_quiet(conversation_id=chat)
    assert all("Welcome to ReMEDI" not in _text_of(m.adaptive_cards) for m in second)
    assert any("About reverse mentoring" in _text_of(m.adaptive_cards) for m in second)
