"""The check-in cards: what each says and offers, that a participant can always raise a concern from them, that the
coordinators' alert is logistics only, and that damaged "Did you meet?" buttons are refused kindly."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cards.actions import DAMAGED, AnswerCheckIn, UnknownAction, parse_action
from cards.check_ins import did_you_meet_card, reminder_card, stall_alert_card, stalled_card
from cards.concerns import CONCERN_VERB
from programme.attendance import Outcome
from programme.errors import InvalidInput
from tests.cards.check_in_samples import SAME_DAY, SAMPLES, alert, reminder, stalled
from tests.cards.meeting_samples import GRAPH_JOIN_URL, MEETING_ID, PAIR_ID, booked, view
from tests.support.card_reading import card_actions, card_text, facts, text_blocks


def titles(card: dict[str, Any]) -> list[str]:
    return [str(action.get("title")) for action in card_actions(card)]


PARTICIPANT_CARDS = [
    pytest.param(built, id=f"{name.rsplit('.', 1)[1]}-{label}")
    for name, builds in SAMPLES.items()
    if not name.endswith("stall_alert_card")
    for label, built in builds
]


@pytest.mark.parametrize("card", PARTICIPANT_CARDS)
def test_every_card_a_participant_reads_can_raise_a_concern(card: dict[str, Any]) -> None:
    concerns = [a for a in card_actions(card) if a.get("verb") == CONCERN_VERB]
    assert [a["title"] for a in concerns] == ["Raise a concern"]


def test_the_reminder_says_when_and_offers_the_sessions_prompts() -> None:
    card = reminder_card(reminder())

    texts = text_blocks(card)
    assert texts[0] == "Your conversation with Dana Whitfield is tomorrow"
    assert texts[1].startswith("**Tuesday 20 January, 14:30\u201315:30**. Your first conversation")
    assert "For your first conversation" in texts
    assert any("ground rules" in text for text in texts)
    assert titles(card) == ["Join on Teams", "Reschedule", "Raise a concern"]
    [join] = [a for a in card_actions(card) if a["title"] == "Join on Teams"]
    assert join["url"] == GRAPH_JOIN_URL
    assert reminder_card(reminder(today=SAME_DAY))["body"][0]["text"].endswith("is today")


def test_the_reminder_on_the_local_calendar_offers_to_set_up_the_teams_meeting() -> None:
    card = reminder_card(reminder(session=3, local=True))

    assert titles(card) == ["Set up the Teams meeting", "Reschedule", "Raise a concern"]
    assert "Conversation 3 of 6" in card_text(card)
    assert "A few things you might talk about" in text_blocks(card)


def test_did_you_meet_offers_the_three_answers_each_naming_the_meeting() -> None:
    card = did_you_meet_card(view(booked()))

    assert text_blocks(card)[0] == "Did you meet?"
    assert "Dana Whitfield" in text_blocks(card)[1]
    answers = [a for a in card_actions(card) if a.get("verb") == "checkin.answer"]
    assert [a["title"] for a in answers] == ["We met", "We rescheduled", "It didn't happen"]
    assert [parse_action(a["verb"], a["data"]) for a in answers] == [
        AnswerCheckIn(MEETING_ID, Outcome.MET),
        AnswerCheckIn(MEETING_ID, Outcome.RESCHEDULED),
        AnswerCheckIn(MEETING_ID, Outcome.NOT_HELD),
    ]
    assert answers[0].get("style") == "positive"


def test_the_stalled_nudge_is_kind_and_finds_a_time_in_one_click() -> None:
    met = stalled_card(stalled())
    never = stalled_card(stalled(met_before=False, weeks=5))

    assert "It's been about 6 weeks since you and Dana Whitfield last met." in text_blocks(met)
    assert any("haven't had your first conversation yet" in text for text in text_blocks(never))
    [find] = [a for a in card_actions(met) if a.get("verb") == "meeting.find"]
    assert (find["title"], find["data"]["pair"], find.get("style")) == ("Find a time", PAIR_ID, "positive")
    assert "'pause until'" in card_text(met)


def test_the_coordinators_alert_carries_the_pairs_state_and_nothing_else() -> None:
    card = stall_alert_card(alert())

    assert facts(card) == {
        "Cohort": "Cohort 3: Race equality 2026, board",
        "Mentor": "Amara Okafor",
        "Mentee": "Dana Whitfield",
        "Last met": "about 7 weeks ago",
        "Sessions held": "2 of 6",
        "Booked": "Nothing booked",
    }
    # No buttons: nothing on it leads to the pair's meetings, agreement or anything they wrote.
    assert card_actions(card) == []
    never = stall_alert_card(alert(met_before=False, weeks=8, sessions_held=0))
    assert facts(never)["Last met"] == "not yet (introduced about 8 weeks ago)"


def test_names_are_shown_as_typed_never_as_markdown() -> None:
    laden = stalled()
    marked = replace(laden, partner=replace(laden.partner, display_name="**Dana** [x](y)"))
    text = card_text(stalled_card(marked))
    assert "**Dana**" not in text
    assert "\\*\\*Dana\\*\\*" in text
    alert_text = card_text(stall_alert_card(alert(mentor_name="_Amara_")))
    assert "\\_Amara\\_" in alert_text


@pytest.mark.parametrize(
    "data",
    [
        {"meeting": 7},
        {"meeting": 7, "outcome": "maybe"},
        {"meeting": 7, "outcome": 1},
        {"meeting": 7, "outcome": None},
        {"meeting": "seven", "outcome": "met"},
        {"meeting": 0, "outcome": "met"},
        {"outcome": "met"},
    ],
)
def test_a_damaged_did_you_meet_button_is_refused_kindly(data: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_action("checkin.answer", data)
    assert caught.value.user_message == DAMAGED
    assert not isinstance(caught.value, UnknownAction)
