"""Conversations through the real adapter: welcome, help, commands, card actions, coordinator commands."""

from __future__ import annotations

from tests.http.conftest import COORDINATOR, MENTEE, MENTOR, BotUnderTest
from tests.support import activities
from tests.support.fake_identity import FAKE_OUTBOUND_TOKEN


def _card_texts(card: dict[str, object]) -> str:
    """Every string in a card, for asserting on what a person would read."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            found.append(node)

    walk(card)
    return "\n".join(found)


async def test_first_message_gets_a_welcome_then_the_answer(bot: BotUnderTest) -> None:
    response = await bot.post(activities.message("help", service_url=bot.service_url, person=MENTOR))
    assert response.status == 200
    sent = await bot.connector.wait_for(2)
    welcome, help_reply = sent[0], sent[1]
    assert "Welcome to ReMEDI reverse mentoring" in _card_texts(welcome.cards[0])
    help_text = _card_texts(help_reply.cards[0])
    assert "What I can do" in help_text
    assert "privacy" in help_text
    assert "coordinator add" not in help_text  # participants are not shown coordinator commands
    # Replies are authenticated to the connector with the bot's own token.
    assert help_reply.authorization == f"Bearer {FAKE_OUTBOUND_TOKEN}"
    assert help_reply.conversation_id == f"a:personal-{MENTOR}"


async def test_second_message_is_answered_without_a_second_welcome(bot: BotUnderTest) -> None:
    await bot.post(activities.message("about", service_url=bot.service_url, person=MENTOR))
    await bot.connector.wait_for(2)
    bot.connector.clear()
    await bot.post(activities.message("privacy", service_url=bot.service_url, person=MENTOR))
    sent = await bot.connector.wait_for(1)
    assert len(sent) == 1
    assert "How your data is used" in _card_texts(sent[0].cards[0])


async def test_coordinators_see_their_commands_in_help(bot: BotUnderTest) -> None:
    await bot.post(activities.message("  HELP ", service_url=bot.service_url, person=COORDINATOR))
    sent = await bot.connector.wait_for(2)
    help_text = _card_texts(sent[-1].cards[0])
    assert "coordinator add <object id>" in help_text
    assert "For coordinators" in help_text


async def test_installation_welcomes_once(bot: BotUnderTest) -> None:
    await bot.post(activities.installation(service_url=bot.service_url, person=MENTEE))
    await bot.post(activities.members_added(service_url=bot.service_url, person=MENTEE))
    sent = await bot.connector.wait_for(1)
    await bot.post(activities.message("about", service_url=bot.service_url, person=MENTEE))
    sent = await bot.connector.wait_for(2)
    welcomes = [s for s in sent if s.cards and "Welcome to ReMEDI" in _card_texts(s.cards[0])]
    assert len(welcomes) == 1


async def test_unknown_text_gets_a_helpful_card(bot: BotUnderTest) -> None:
    await bot.post(activities.message("hlep", service_url=bot.service_url, person=MENTOR))
    sent = await bot.connector.wait_for(2)
    text = _card_texts(sent[-1].cards[0])
    assert "I didn't catch that" in text
    assert "**help**" in text


async def test_group_chat_mention_is_stripped_before_matching(bot: BotUnderTest) -> None:
    await bot.post(activities.mention_message("help", service_url=bot.service_url, person=MENTOR))
    sent = await bot.connector.wait_for(1)
    assert "What I can do" in _card_texts(sent[0].cards[0])
    assert sent[0].conversation_id == "19:group@thread.v2"


async def test_card_button_navigates_in_place(bot: BotUnderTest) -> None:
    response = await bot.post(
        activities.card_action("privacy", {"action": "privacy"}, service_url=bot.service_url, person=MENTOR)
    )
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "How your data is used" in _card_texts(body["value"])


async def test_unknown_card_verb_is_a_4xx_inside_a_200(bot: BotUnderTest) -> None:
    response = await bot.post(activities.card_action("delete-everything", service_url=bot.service_url, person=MENTOR))
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 400
    assert body["type"] == "application/vnd.microsoft.error"
    assert "not one I recognise" in body["value"]["message"]


async def test_malformed_card_action_is_a_4xx_inside_a_200(bot: BotUnderTest) -> None:
    activity = activities.card_action("help", service_url=bot.service_url, person=MENTOR)
    activity["value"] = {"action": "not an object"}
    response = await bot.post(activity)
    assert response.status == 200
    assert (await response.json())["statusCode"] == 400


async def test_action_submit_is_routed_like_a_command(bot: BotUnderTest) -> None:
    await bot.post(activities.message("", value={"action": "about"}, service_url=bot.service_url, person=MENTOR))
    sent = await bot.connector.wait_for(2)
    assert "About reverse mentoring" in _card_texts(sent[-1].cards[0])


async def test_non_coordinator_is_refused_politely_and_audited(bot: BotUnderTest) -> None:
    await bot.post(activities.message(f"coordinator add {MENTOR}", service_url=bot.service_url, person=MENTOR))
    sent = await bot.connector.wait_for(2)
    assert sent[-1].text is not None
    assert "only programme coordinators" in sent[-1].text
    bot.connector.clear()
    await bot.post(activities.message("audit", service_url=bot.service_url, person=COORDINATOR))
    sent = await bot.connector.wait_for(2)
    audit_text = _card_texts(sent[-1].cards[0])
    assert f"coordinator add by {MENTOR}" in audit_text
    assert "refused: not a coordinator" in audit_text


async def test_coordinator_add_and_remove_are_audited(bot: BotUnderTest) -> None:
    await bot.post(
        activities.message(f"coordinator add {MENTEE.upper()}", service_url=bot.service_url, person=COORDINATOR)
    )
    sent = await bot.connector.wait_for(2)
    assert sent[-1].text == f"Done: {MENTEE} is now a programme coordinator."
    bot.connector.clear()

    # The new coordinator now sees coordinator help.
    await bot.post(activities.message("help", service_url=bot.service_url, person=MENTEE))
    sent = await bot.connector.wait_for(2)
    assert "For coordinators" in _card_texts(sent[-1].cards[0])
    bot.connector.clear()

    await bot.post(activities.message(f"coordinator remove {MENTEE}", service_url=bot.service_url, person=COORDINATOR))
    sent = await bot.connector.wait_for(1)
    assert sent[-1].text == f"Done: {MENTEE} is no longer a programme coordinator."
    bot.connector.clear()

    await bot.post(
        activities.message(f"coordinator remove {COORDINATOR}", service_url=bot.service_url, person=COORDINATOR)
    )
    sent = await bot.connector.wait_for(1)
    assert sent[-1].text is not None
    assert "service configuration" in sent[-1].text
    bot.connector.clear()

    await bot.post(activities.message("audit", service_url=bot.service_url, person=COORDINATOR))
    sent = await bot.connector.wait_for(1)
    audit_text = _card_texts(sent[-1].cards[0])
    assert f"coordinator add by {COORDINATOR} \u2192 done ({MENTEE})" in audit_text
    assert f"coordinator remove by {COORDINATOR} \u2192 done ({MENTEE})" in audit_text
    assert f"coordinator remove by {COORDINATOR} \u2192 rejected: InvalidInput ({COORDINATOR})" in audit_text


async def test_bad_coordinator_argument_gets_a_kind_explanation(bot: BotUnderTest) -> None:
    await bot.post(activities.message("coordinator add Jane Smith", service_url=bot.service_url, person=COORDINATOR))
    sent = await bot.connector.wait_for(2)
    assert sent[-1].text is not None
    assert "Entra object id" in sent[-1].text


async def test_conversation_reference_is_kept_for_personal_chats_only(bot: BotUnderTest) -> None:
    from bot.app import RUNTIME
    from programme.identity import PersonId, TenantId

    await bot.post(activities.mention_message("help", service_url=bot.service_url, person=MENTEE))
    await bot.connector.wait_for(1)
    contacts = bot.client.app[RUNTIME].services.contacts
    assert await contacts.find(TenantId(activities.TENANT), PersonId(MENTEE)) is None

    await bot.post(activities.message("about", service_url=bot.service_url, person=MENTEE))
    await bot.connector.wait_for(3)
    contact = await contacts.find(TenantId(activities.TENANT), PersonId(MENTEE))
    assert contact is not None
    assert contact.address["conversation"]["id"] == f"a:personal-{MENTEE}"
    assert contact.address["serviceUrl"] == bot.service_url
