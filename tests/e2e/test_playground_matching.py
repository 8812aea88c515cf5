"""Matching a cohort, end to end through the Agents Playground: four people sign up and are approved, the coordinator
reviews the proposed pairs (one pairing is ruled out because one person manages the other), locks one, runs matching
again and publishes; each person is introduced to their partner in their own chat, and one pair writes and both
confirm their first-meeting agreement, which the coordinator sees as confirmed without ever seeing what it says."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.matching_cohort import PEOPLE, ready_for_matching
from tests.e2e.playground import BotMessage
from tests.e2e.steps import (
    AISHA,
    AISHA_OBJECT_ID,
    COORDINATORS_ONLY,
    DAVID,
    DAVID_OBJECT_ID,
    HELEN,
    HELEN_OBJECT_ID,
    MORGAN,
    MORGAN_OBJECT_ID,
    NAMES,
    PROACTIVE_WAIT,
    TOMASZ,
    TOMASZ_OBJECT_ID,
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
from tests.support.card_reading import button, card_actions, card_text, elements, facts, inputs, text_blocks

pytestmark = pytest.mark.e2e

COHORT_NAME = "Race equality 2026, executive team"
PARTNERS = {AISHA: DAVID, DAVID: AISHA, TOMASZ: HELEN, HELEN: TOMASZ}
AISHA_AND_DAVID = "Aisha Bello — David Okoro"
TOMASZ_AND_HELEN = "Tomasz Nowak — Helen Marsh"
GOALS = (
    "Understand why so few colleagues from ethnic minorities apply for posts above band 7 in finance.",
    "Hear what a first year on the wards is like for internationally recruited staff.",
)
HOW_WE_WORK = "An hour on Teams every other Wednesday afternoon; we message first if one of us has to cancel."


@pytest.fixture
def service_env() -> dict[str, str]:
    return deliver_at_any_hour()


async def test_pairs_are_proposed_within_the_rules_published_introduced_and_agreed(stack: Stack) -> None:
    client = stack.client
    today = datetime.now(ZoneInfo(ZONE)).date()

    # 1. Morgan plans and opens a cohort with one mentee per mentor; the four sign up; Morgan approves them all and
    # closes sign-ups. Each hears they were approved.
    plan = cohort_plan(COHORT_NAME, today, mentor_capacity="1")
    cohort_id, title = await ready_for_matching(client, plan)
    chats = {user_id: await client.personal_chat_id(user_id) for user_id in PEOPLE}
    for user_id, chat in chats.items():
        approved = await client.next_bot_message(
            PROACTIVE_WAIT, conversation_id=chat, predicate=lambda m: "has been approved" in (m.text or "")
        )
        assert approved.text is not None
        assert approved.text.startswith(
            f"Good news: your application to be a {PEOPLE[user_id].role} in {title} has been approved."
        )

    # 2. Aisha is not a coordinator: asking for the pairs is refused politely, and nothing is proposed.
    aisha_chat = await say(client, AISHA, "match")
    refusal = await client.next_bot_message(conversation_id=aisha_chat, predicate=lambda m: m.text is not None)
    assert refusal.text == COORDINATORS_ONLY
    assert rows(stack.database_path, "SELECT id FROM pairs") == []
    assert rows(stack.database_path, "SELECT action, outcome FROM audit_log WHERE actor_id = ?", AISHA_OBJECT_ID) == [
        {"action": "match", "outcome": "refused: not a coordinator"}
    ]

    # 3. Morgan asks for the pairs: two, within the rules, each with its reasons; nobody has been told anything.
    morgan_chat = await say(client, MORGAN, "match")
    review = await client.next_bot_message(
        conversation_id=morgan_chat, predicate=lambda m: heading(m) == f"Matching {title}"
    )
    proposed = review.adaptive_cards[0]
    assert "2 pairs proposed · 0 people without a partner" in text_blocks(proposed)
    pairs = _pair_blocks(proposed)
    assert set(pairs) == {AISHA_AND_DAVID, TOMASZ_AND_HELEN}
    assert facts(pairs[AISHA_AND_DAVID]) == {
        "Mentor": "Band 3 · Integrated Medicine",
        "Mentee": "Board member (executive or non-executive) · Finance and Digital",
        "Fit": "380 of 600 points",
    }
    assert (
        "Why: 2 shared topics: Career progression and development, Belonging and being heard; both usually free "
        "Wednesday afternoon; both happy to meet on Teams."
    ) in text_blocks(pairs[AISHA_AND_DAVID])
    assert facts(pairs[TOMASZ_AND_HELEN])["Fit"] == "250 of 600 points"
    assert (
        "Why: 1 shared topic: Everyday incivility and microaggressions; no usual free time in common yet; both "
        "based at Moorside Trust Headquarters."
    ) in text_blocks(pairs[TOMASZ_AND_HELEN])
    # The rule is applied without showing who declared which manager.
    assert "david.okoro" not in card_text(proposed).lower()
    await queue_settled(stack.database_path)
    for chat in [*chats.values(), morgan_chat]:
        assert _introductions(client.pending(), chat) == []
    assert rows(stack.database_path, "SELECT id FROM work_items WHERE idempotency_key LIKE '%:introduction:%'") == []

    # Swapping the two mentees would pair Tomasz with David: refused, naming the rule, and nothing changes.
    adjust = await press(client, review, "Adjust pairs")
    assert text_blocks(adjust)[0] == f"Adjust the pairs of {title}"
    swap_choices = {choice["title"]: choice["value"] for choice in inputs(adjust)["swap_first"]["choices"]}
    assert set(swap_choices) == {AISHA_AND_DAVID, TOMASZ_AND_HELEN}
    refused = await press(
        client,
        showing(review, adjust),
        "Swap their mentees",
        inputs={"swap_first": swap_choices[AISHA_AND_DAVID], "swap_second": swap_choices[TOMASZ_AND_HELEN]},
    )
    assert text_blocks(refused)[1] == (
        "I haven't swapped them, because Tomasz Nowak with David Okoro: one is in the other's line-management "
        "chain. To pair people against a rule, pair them by hand and give the reason."
    )
    assert set(_pair_blocks(refused)) == {AISHA_AND_DAVID, TOMASZ_AND_HELEN}

    # 4. Morgan locks Tomasz and Helen, runs matching again (the lock holds; the other pair is proposed afresh, and
    # Tomasz is still never paired with David), then publishes through the confirmation.
    pairs = _pair_blocks(refused)
    locked_id = button(pairs[TOMASZ_AND_HELEN], "Lock")["data"]["pair"]
    after_lock = await press_this(client, showing(review, refused), button(pairs[TOMASZ_AND_HELEN], "Lock"))
    assert "Locked" in text_blocks(_pair_blocks(after_lock)[TOMASZ_AND_HELEN])
    assert button(_pair_blocks(after_lock)[TOMASZ_AND_HELEN], "Unlock")["data"]["pair"] == locked_id
    before_rerun = _proposals(stack)
    assert {people: row["locked"] for people, row in before_rerun.items()} == {
        (TOMASZ_OBJECT_ID, HELEN_OBJECT_ID): 1,
        (AISHA_OBJECT_ID, DAVID_OBJECT_ID): 0,
    }

    rerun = await press(client, showing(review, after_lock), "Run matching again")
    again = _pair_blocks(rerun)
    assert set(again) == {AISHA_AND_DAVID, TOMASZ_AND_HELEN}
    assert "Locked" in text_blocks(again[TOMASZ_AND_HELEN])
    assert button(again[TOMASZ_AND_HELEN], "Unlock")["data"]["pair"] == locked_id
    assert "Locked" not in text_blocks(again[AISHA_AND_DAVID])
    # The locked proposal is the very same record; the unlocked one was dropped and proposed again.
    after_rerun = _proposals(stack)
    assert set(after_rerun) == set(before_rerun)
    assert after_rerun[TOMASZ_OBJECT_ID, HELEN_OBJECT_ID] == before_rerun[TOMASZ_OBJECT_ID, HELEN_OBJECT_ID]
    assert (
        after_rerun[AISHA_OBJECT_ID, DAVID_OBJECT_ID]["created_at"]
        > before_rerun[AISHA_OBJECT_ID, DAVID_OBJECT_ID]["created_at"]
    )

    confirmation = await press(client, showing(review, rerun), "Publish…")
    assert text_blocks(confirmation)[:2] == ["Publish 2 pairs?", title]
    assert "Everyone approved has a partner, so nobody moves to the waiting list." in text_blocks(confirmation)
    published = await press(client, showing(review, confirmation), "Publish and introduce")
    assert text_blocks(published)[:2] == [
        "Pairs published",
        f"{title}: 2 pairs introduced. Each person has an introduction to their partner and a way to book their "
        "first meeting.",
    ]
    assert facts(published) == {AISHA_AND_DAVID: "Not yet", TOMASZ_AND_HELEN: "Not yet"}

    # 5. Each of the four is introduced to their partner, once, in their own chat.
    introductions = {
        user_id: await client.next_bot_message(PROACTIVE_WAIT, conversation_id=chat, predicate=_is_introduction)
        for user_id, chat in chats.items()
    }
    await queue_settled(stack.database_path)
    for user_id, message in introductions.items():
        _check_introduction(user_id, message)
    with pytest.raises(TimeoutError):
        await client.next_bot_message(1.0, predicate=_is_introduction)
    assert rows(
        stack.database_path,
        "SELECT count(*) AS sent FROM work_items WHERE idempotency_key LIKE '%:introduction:%' AND state = 'done'",
    ) == [{"sent": 4}]

    # 6. David writes down two goals and saves; Aisha is asked to confirm, reads them and agrees; then David agrees.
    pair_id = button(introductions[DAVID].adaptive_cards[0], "Agree how we'll work")["data"]["pair"]
    await say(client, DAVID, "agreement")
    david_form = await client.next_bot_message(
        conversation_id=chats[DAVID], predicate=lambda m: heading(m) == "How we'll work together"
    )
    blank = david_form.adaptive_cards[0]
    assert "Your agreement with Aisha Bello, your mentor." in " ".join(text_blocks(blank))
    assert "Nothing written yet. Either of you can write it, ideally together at your first meeting." in (
        text_blocks(blank)
    )
    # Typing 'agreement' opens the one for the pair he was introduced to, with nothing in it to agree to yet.
    assert [(a["title"], a["data"]["pair"]) for a in card_actions(blank) if a["type"] == "Action.Execute"] == [
        ("Save", pair_id)
    ]
    written = {"goal_1": GOALS[0], "goal_2": GOALS[1], "goal_3": "", "how_we_work": HOW_WE_WORK}
    saved = await press(client, david_form, "Save", DAVID, written)
    assert "Saved. Your partner has been asked to read and confirm it." in text_blocks(saved)
    assert {"Waiting for you", "Waiting for Aisha Bello"} <= set(text_blocks(saved))
    assert _typed(saved) == {"goal_1": GOALS[0], "goal_2": GOALS[1], "how_we_work": HOW_WE_WORK}

    to_confirm = await client.next_bot_message(
        PROACTIVE_WAIT,
        conversation_id=chats[AISHA],
        predicate=lambda m: heading(m) == "Your agreement is ready to read",
    )
    assert text_blocks(to_confirm.adaptive_cards[0])[1].startswith(
        "David Okoro has written down how you'll work together."
    )
    # The notice only points to the agreement; its words stay on the agreement card itself.
    assert GOALS[0] not in card_text(to_confirm.adaptive_cards[0])
    assert button(to_confirm.adaptive_cards[0], "Read and confirm")["data"]["pair"] == pair_id
    aisha_reads = await press(client, to_confirm, "Read and confirm", AISHA)
    assert "Your agreement with David Okoro, your mentee." in " ".join(text_blocks(aisha_reads))
    assert _typed(aisha_reads) == {"goal_1": GOALS[0], "goal_2": GOALS[1], "how_we_work": HOW_WE_WORK}
    aisha_agrees = await press(client, showing(to_confirm, aisha_reads), "I agree", AISHA)
    assert "Thank you; waiting for your partner." in text_blocks(aisha_agrees)
    assert {"You confirmed", "Waiting for David Okoro"} <= set(text_blocks(aisha_agrees))

    david_agrees = await press(client, showing(david_form, saved), "I agree", DAVID)
    assert "Thank you: you've both agreed." in text_blocks(david_agrees)
    assert {"You confirmed", "Aisha Bello confirmed"} <= set(text_blocks(david_agrees))

    # Morgan sees that this pair has confirmed, and the other not yet; never what either wrote.
    final = await command_card(client, MORGAN, f"match {cohort_id}", f"Matching {title}")
    assert "2 pairs published. 1 of 2 confirmed their first-meeting agreement." in text_blocks(final)
    shown = _pair_blocks(final)
    assert "First-meeting agreement: confirmed" in text_blocks(shown[AISHA_AND_DAVID])
    assert "First-meeting agreement: not yet" in text_blocks(shown[TOMASZ_AND_HELEN])
    everything = card_text(final)
    for words in (*GOALS, HOW_WE_WORK):
        assert words not in everything

    # Every step Morgan took in matching is accountable, the refused swap included.
    cohort = f"cohort {cohort_id}"
    assert rows(
        stack.database_path,
        "SELECT action, outcome, target FROM audit_log WHERE actor_id = ? AND (action LIKE 'match%' OR action "
        "LIKE 'pair %') ORDER BY id",
        MORGAN_OBJECT_ID,
    ) == [
        {"action": "match", "outcome": "done", "target": None},
        {"action": "match adjust", "outcome": "done", "target": cohort},
        {
            "action": "pair swap",
            "outcome": "rejected: Conflict",
            "target": f"pairs {swap_choices[AISHA_AND_DAVID]} and {swap_choices[TOMASZ_AND_HELEN]}",
        },
        {"action": "pair lock", "outcome": "done", "target": f"pair {locked_id}"},
        {"action": "match rerun", "outcome": "done", "target": cohort},
        {"action": "match publish", "outcome": "done", "target": cohort},
        {"action": "match publish confirm", "outcome": "done", "target": cohort},
        {"action": "match", "outcome": "done", "target": cohort},
    ]


# Reading what came back ----------------------------------------------------------------------------------------------


def _pair_blocks(review: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Each pair's part of the review card, by its "Mentor — Mentee" line."""
    found: dict[str, Mapping[str, Any]] = {}
    for container in elements(review):
        items = container.get("items") if container.get("type") == "Container" else None
        if isinstance(items, list) and items and " — " in str(items[0].get("text", "")):
            found[str(items[0]["text"])] = container
    return found


def _proposals(stack: Stack) -> dict[tuple[str, str], dict[str, Any]]:
    """The cohort's pairs as stored, by (mentor, mentee) account id."""
    found = rows(stack.database_path, "SELECT id, mentor_id, mentee_id, locked, state, created_at FROM pairs")
    return {(row["mentor_id"], row["mentee_id"]): row for row in found}


def _is_introduction(message: BotMessage) -> bool:
    return (heading(message) or "").startswith("Meet your ")


def _introductions(messages: Sequence[BotMessage], chat: str) -> list[BotMessage]:
    return [m for m in messages if chat in (m.conversation_id, m.post_conversation_id) and _is_introduction(m)]


def _check_introduction(user_id: str, message: BotMessage) -> None:
    """Introduced to their partner and only to them, with what the partner chose to share and nothing private."""
    partner = PARTNERS[user_id]
    mine, theirs = PEOPLE[user_id], PEOPLE[partner]
    card = message.adaptive_cards[0]
    their_part = theirs.role
    assert heading(message) == f"Meet your {their_part}, {NAMES[partner]}"
    assert facts(card) == {"Name": NAMES[partner], "Their part": f"Your {their_part}", "Job title": theirs.job_title}
    assert theirs.bio in text_blocks(card)
    everything = card_text(card)
    others = [NAMES[u] for u in PEOPLE if u not in (user_id, partner)]
    for private in (*others, theirs.experience_note, theirs.line_manager_email, theirs.directorate, theirs.site):
        assert private not in everything, f"{NAMES[user_id]}'s introduction shows {private!r}"
    actions = card_actions(card)
    assert [(a["type"], a["title"]) for a in actions] == [
        ("Action.Execute", "Suggest a time" if mine.role == "mentor" else "Find a time"),
        ("Action.Execute", "Agree how we'll work"),
    ]
    # Booking goes through the bot, which looks at both calendars; nobody's address is on the card.
    assert actions[0]["verb"] == "meeting.find"
    assert theirs.work_email not in json.dumps(card)
    assert actions[1]["verb"] == "agreement"


def _typed(agreement: Mapping[str, Any]) -> dict[str, str]:
    """What the agreement card's boxes hold."""
    return {key: str(field["value"]) for key, field in inputs(agreement).items() if field.get("value")}
