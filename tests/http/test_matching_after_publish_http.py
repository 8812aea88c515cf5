"""After pairs are published, through the real adapter: the pair's first-meeting agreement, which only the two of
them can read or change, and a partner who steps back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.http.matching_world import (
    CARD_TITLE,
    ONE_PAIR,
    cards_to,
    cohort_to_match,
    contract,
    pairs,
    texts_to,
    work_keys,
)
from tests.http.programme_driver import (
    CARD_REPLY,
    COORDINATOR_CARYS,
    MENTEE_BRAM,
    MENTOR_ZADIE,
    MESSAGE_REPLY,
    OUTSIDER,
    Programme,
    only_card,
    only_text,
)
from tests.support.card_reading import button, card_actions, card_text, inputs, text_blocks

NOT_YOURS = "That agreement isn't one of yours, so I can't show or change it."
NO_GOAL = "Please write at least one learning goal for the mentee."
GOAL_TOO_LONG = "Please keep each goal to 200 characters."
STALE = (
    "The agreement changed since you opened it, so I haven't recorded your confirmation. Please read the latest "
    "version and confirm that one."
)
FIRST_GOAL = "Understand what keeps Quillmere night staff from speaking up"
SECOND_GOAL = "Hear how the Tolleboard's decisions land on the wards"
HOW_WE_WORK = "Monthly on Teams, Tuesday mornings; either of us can move a meeting with a day's notice"
PARTNER_LEFT = "Your partner has left the programme, so this agreement is closed. Your coordinator knows."
YOU_LEFT = "You've stepped back from the programme, so this agreement is closed."
EMPTY_FORM = {"goal_1": "", "goal_2": "", "goal_3": "", "how_we_work": ""}


async def published_pair(programme: Programme) -> tuple[int, int]:
    """Zadie and Bram, matched and published, their introductions delivered; returns (cohort id, pair id)."""
    cohort_id = await cohort_to_match(programme, ONE_PAIR)
    only_card(await programme.say(COORDINATOR_CARYS, "match"))
    asking = only_card(await programme.say(COORDINATOR_CARYS, "publish"))
    published = await programme.press(COORDINATOR_CARYS, button(asking, "Publish and introduce"))
    assert "Pairs published" in card_text(published["value"])
    assert (await programme.sweep()).done == 2
    [pair] = await pairs(programme, cohort_id)
    return cohort_id, pair.id


def attention(card: Mapping[str, Any]) -> list[str]:
    """The card's highlighted lines (notices and problems), as a person reads them."""
    return [
        str(e["text"]).replace("\\", "")
        for e in card.get("body", [])
        if e.get("type") == "TextBlock" and e.get("color") == "Attention"
    ]


async def test_the_pair_write_and_confirm_their_agreement_and_only_they_can(programme: Programme) -> None:
    cohort_id, pair_id = await published_pair(programme)
    start = len(programme.sent)

    # The mentee writes it. Nothing typed, then a goal far too long: each shown beside the goals, nothing saved.
    blank = only_card(await programme.say(MENTEE_BRAM, "agreement"))
    assert "How we'll work together" in text_blocks(blank)
    assert f"Your agreement with {MENTOR_ZADIE.name}, your mentor." in card_text(blank)
    save = button(blank, "Save")
    assert save["data"] == {"action": "agreement.save", "pair": pair_id, "version": 0}
    assert [a["title"] for a in card_actions(blank)] == ["Save"]

    nothing = await programme.press(MENTEE_BRAM, save, **EMPTY_FORM)
    assert nothing["type"] == CARD_REPLY
    assert NO_GOAL in attention(nothing["value"])
    long_goal = "Quill" * 41  # 205 characters
    too_long = await programme.press(MENTEE_BRAM, save, **{**EMPTY_FORM, "goal_1": long_goal})
    assert GOAL_TOO_LONG in attention(too_long["value"])
    assert inputs(too_long["value"])["goal_1"]["value"] == long_goal[:200]
    assert await contract(programme, pair_id) is None

    saved = await programme.press(MENTEE_BRAM, save, **{**EMPTY_FORM, "goal_1": FIRST_GOAL, "how_we_work": HOW_WE_WORK})
    assert attention(saved["value"]) == ["Saved. Your partner has been asked to read and confirm it."]
    assert inputs(saved["value"])["goal_1"]["value"] == FIRST_GOAL
    first = await contract(programme, pair_id)
    assert first is not None
    assert (first.version, first.mentor_confirmed_at, first.mentee_confirmed_at) == (1, None, None)

    # The mentor is asked to read it once the queue is swept, and only then.
    assert cards_to(programme, MENTOR_ZADIE, since=start) == []
    assert (await programme.sweep()).done == 1
    [to_confirm] = cards_to(programme, MENTOR_ZADIE, since=start)
    assert text_blocks(to_confirm)[0] == "Your agreement is ready to read"
    assert f"{MENTEE_BRAM.name} has written down how you'll work together." in card_text(to_confirm)
    # The notice itself does not carry the words.
    assert FIRST_GOAL not in card_text(to_confirm)
    reading = await programme.press(MENTOR_ZADIE, button(to_confirm, "Read and confirm"))
    assert inputs(reading["value"])["goal_1"]["value"] == FIRST_GOAL
    assert inputs(reading["value"])["how_we_work"]["value"] == HOW_WE_WORK
    assert "Waiting for you" in text_blocks(reading["value"])
    stale_agree = button(reading["value"], "I agree")
    assert stale_agree["data"] == {"action": "agreement.confirm", "pair": pair_id, "version": 1}

    # Before she agrees, he adds a goal: her "I agree" is for a version that is no longer the latest.
    changed = await programme.press(
        MENTEE_BRAM,
        button(saved["value"], "Save"),
        **{**EMPTY_FORM, "goal_1": FIRST_GOAL, "goal_2": SECOND_GOAL, "how_we_work": HOW_WE_WORK},
    )
    assert attention(changed["value"]) == ["Saved. Your partner has been asked to read and confirm it."]
    refused = await programme.press(MENTOR_ZADIE, stale_agree)
    assert attention(refused["value"]) == [STALE]
    assert inputs(refused["value"])["goal_2"]["value"] == SECOND_GOAL
    latest = button(refused["value"], "I agree")
    assert latest["data"]["version"] == 2
    second = await contract(programme, pair_id)
    assert second is not None
    assert (second.version, second.mentor_confirmed_at, second.mentee_confirmed_at) == (2, None, None)

    # Someone outside the pair, with the pair's id on a forged button, neither confirms nor reads it; nor does the
    # coordinator.
    forged = await programme.click(OUTSIDER, "agreement.confirm", {"pair": pair_id, "version": 2})
    assert (forged["type"], forged["value"]) == (MESSAGE_REPLY, NOT_YOURS)
    peek = await programme.click(COORDINATOR_CARYS, "agreement", {"pair": pair_id})
    assert (peek["type"], peek["value"]) == (MESSAGE_REPLY, NOT_YOURS)
    assert await contract(programme, pair_id) == second

    # Both confirm the latest version.
    mentor_agrees = await programme.press(MENTOR_ZADIE, latest)
    assert attention(mentor_agrees["value"]) == ["Thank you; waiting for your partner."]
    mentee_agrees = await programme.press(MENTEE_BRAM, button(changed["value"], "I agree"))
    assert attention(mentee_agrees["value"]) == ["Thank you: you've both agreed."]
    assert "You confirmed" in text_blocks(mentee_agrees["value"])
    assert f"{MENTOR_ZADIE.name} confirmed" in text_blocks(mentee_agrees["value"])
    confirmed = await contract(programme, pair_id)
    assert confirmed is not None
    assert confirmed.confirmed
    assert confirmed.version == 2

    # The mentor was asked once for each version, the mentee never (he wrote both).
    assert (await programme.sweep()).done == 1
    assert [text_blocks(c)[0] for c in cards_to(programme, MENTOR_ZADIE, since=start)] == [
        "Your agreement is ready to read",
        "Your agreement is ready to read",
    ]
    # (What Bram has in his chat is only the card he asked for by typing "agreement".)
    assert [text_blocks(c)[0] for c in cards_to(programme, MENTEE_BRAM, since=start)] == ["How we'll work together"]
    assert [key for key in await work_keys(programme) if ":agreement:" in key] == [
        f"pair:{pair_id}:agreement:1:to:{MENTOR_ZADIE.id}",
        f"pair:{pair_id}:agreement:2:to:{MENTOR_ZADIE.id}",
    ]

    # The coordinator sees that the pair confirmed, and never what they wrote.
    review = only_card(await programme.say(COORDINATOR_CARYS, f"match {cohort_id}"))
    shown = card_text(review)
    assert "1 pair published. 1 of 1 confirmed their first-meeting agreement." in shown
    assert "First-meeting agreement: confirmed" in shown
    every_pair = await programme.click(COORDINATOR_CARYS, "match", {"cohort": cohort_id})
    assert "First-meeting agreement: confirmed" in card_text(every_pair["value"])
    # Every card and message that reached her chat, and the card her last click showed.
    seen_by_coordinator = [card_text(c) for c in [*cards_to(programme, COORDINATOR_CARYS), every_pair["value"]]]
    seen_by_coordinator += programme.texts_to(COORDINATOR_CARYS)
    for private in (FIRST_GOAL, SECOND_GOAL, HOW_WE_WORK, "Quillmere night staff", "Tolleboard's decisions"):
        assert not [seen for seen in seen_by_coordinator if private in seen]


async def test_a_partner_stepping_back_is_told_kindly_once(programme: Programme) -> None:
    _cohort_id, pair_id = await published_pair(programme)
    start = len(programme.sent)
    # Her way in to the agreement, from before she stepped back.
    opened = await programme.click(MENTOR_ZADIE, "agreement", {"pair": pair_id})
    her_save = button(opened["value"], "Save")

    asking = only_card(await programme.say(MENTOR_ZADIE, "withdraw"))
    yes = button(asking, "Yes, withdraw")
    withdrawn = await programme.press(MENTOR_ZADIE, yes)
    assert withdrawn["type"] == MESSAGE_REPLY
    assert withdrawn["value"].startswith(f"You've withdrawn from {CARD_TITLE}.")
    # Nobody hears before the sweep.
    assert texts_to(programme, MENTEE_BRAM, since=start) == []
    assert texts_to(programme, COORDINATOR_CARYS, since=start) == []

    assert (await programme.sweep()).done == 2
    [told] = texts_to(programme, MENTEE_BRAM, since=start)
    assert told.startswith(
        f"Your reverse-mentoring partner in {CARD_TITLE} has stepped back from the programme. People step back for "
        "all sorts of reasons, and it isn't a reflection on you or on your conversations."
    )
    # Kind and no-fault: no name, no reason.
    assert MENTOR_ZADIE.name not in told
    [notice] = texts_to(programme, COORDINATOR_CARYS, since=start)
    assert notice.startswith(
        f"{MENTOR_ZADIE.name} (mentor) has withdrawn from {CARD_TITLE}. Withdrawing is no-fault and they weren't "
        "asked for a reason. If they were matched, their partner has been told kindly"
    )

    # Nothing more, however often the queue is swept or the old card is pressed.
    assert (await programme.sweep()).claimed == 0
    again = await programme.press(MENTOR_ZADIE, yes)
    assert (again["type"], again["value"]) == (
        MESSAGE_REPLY,
        "You're not taking part in a cohort at the moment, so there's nothing to change.",
    )
    assert (await programme.sweep()).claimed == 0
    assert len(texts_to(programme, MENTEE_BRAM, since=start)) == 1
    assert len(texts_to(programme, COORDINATOR_CARYS, since=start)) == 1

    # The agreement is closed for both: nobody asks the one who left to read anything, and she changes nothing.
    closing = len(programme.sent)
    closed = only_text(await programme.say(MENTEE_BRAM, "agreement"))
    assert closed == PARTNER_LEFT
    late = await programme.click(MENTEE_BRAM, "agreement.save", {"pair": pair_id, "version": 0, "goal_1": FIRST_GOAL})
    assert (late["type"], late["value"]) == (MESSAGE_REPLY, PARTNER_LEFT)
    hers = await programme.press(MENTOR_ZADIE, her_save, goal_1=FIRST_GOAL, goal_2="", goal_3="", how_we_work="")
    assert (hers["type"], hers["value"]) == (MESSAGE_REPLY, YOU_LEFT)
    assert await contract(programme, pair_id) is None
    assert (await programme.sweep()).claimed == 0
    assert [a for a in programme.sent[closing:] if a.conversation_id == MENTOR_ZADIE.chat] == []
