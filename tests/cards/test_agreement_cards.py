"""The first-meeting agreement card: private to the pair, pre-filled with what they saved, confirmable only once
written and only by someone who hasn't confirmed this version; and reading its form back."""

from __future__ import annotations

import pytest

from cards.agreements import (
    GOAL_INPUTS,
    MAX_FORM_VALUE,
    agreement_card,
    agreement_form_values,
    parse_agreement_form,
)
from cards.elements import escape_markdown
from programme.contracts import MAX_GOAL, MAX_WAYS, Agreement
from programme.errors import InvalidFields
from tests.cards.match_samples import AGREEMENT, MARKDOWN, my_agreement
from tests.support.card_reading import button, card_actions, inputs, text_blocks


def _values(card: dict[str, object]) -> dict[str, object]:
    return {key: element.get("value") for key, element in inputs(card).items()}


def test_an_agreement_not_yet_written_can_only_be_saved() -> None:
    built = agreement_card(my_agreement())
    texts = text_blocks(built)
    assert texts[0] == "How we'll work together"
    assert "Nothing written yet. Either of you can write it, ideally together at your first meeting." in texts
    assert [(a["title"], a["data"]) for a in card_actions(built)] == [
        ("Save", {"action": "agreement.save", "pair": 101, "version": 0})
    ]
    assert _values(built) == {"goal_1": None, "goal_2": None, "goal_3": None, "how_we_work": None}
    fields = inputs(built)
    assert [fields[g]["maxLength"] for g in GOAL_INPUTS] == [MAX_GOAL] * 3
    assert (fields["how_we_work"]["maxLength"], fields["how_we_work"]["isMultiline"]) == (MAX_WAYS, True)


def test_it_explains_that_it_is_private_and_repeats_the_ground_rules() -> None:
    texts = text_blocks(agreement_card(my_agreement()))
    assert any("private to the two of you" in t and "never what it says" in t for t in texts)
    assert "The ground rules" in texts
    assert any("safeguarding" in t for t in texts)
    assert any("up to three things Dana Whitfield would most like to learn" in t for t in texts)
    as_mentee = text_blocks(agreement_card(my_agreement(as_mentor=False)))
    assert any("up to three things you would most like to learn" in t for t in as_mentee)


def test_a_saved_agreement_is_shown_ready_to_confirm() -> None:
    built = agreement_card(my_agreement(agreement=AGREEMENT, mentee_confirmed=True, version=3))
    assert _values(built) == {
        "goal_1": AGREEMENT.goals[0],
        "goal_2": AGREEMENT.goals[1],
        "goal_3": None,
        "how_we_work": AGREEMENT.how_we_work,
    }
    texts = text_blocks(built)
    assert "Waiting for you" in texts
    assert "Dana Whitfield confirmed" in texts
    agree = button(built, "I agree")
    assert agree["data"] == {"action": "agreement.confirm", "pair": 101, "version": 3}
    # Confirming is of the saved words, not of whatever is being typed.
    assert agree["associatedInputs"] == "none"
    assert button(built, "Save")["data"] == {"action": "agreement.save", "pair": 101, "version": 3}


def test_once_i_confirmed_i_am_not_asked_again() -> None:
    built = agreement_card(my_agreement(agreement=AGREEMENT, mentor_confirmed=True, version=3))
    texts = text_blocks(built)
    assert "You confirmed" in texts
    assert "Waiting for Dana Whitfield" in texts
    assert [a["title"] for a in card_actions(built)] == ["Save"]
    both = text_blocks(
        agreement_card(my_agreement(agreement=AGREEMENT, mentor_confirmed=True, mentee_confirmed=True, version=3))
    )
    start = both.index("You confirmed")
    assert both[start : start + 2] == ["You confirmed", "Dana Whitfield confirmed"]


def test_the_mentee_sees_their_own_and_their_partners_confirmation() -> None:
    built = agreement_card(my_agreement(as_mentor=False, agreement=AGREEMENT, mentee_confirmed=True, version=2))
    texts = text_blocks(built)
    assert "You confirmed" in texts
    assert "Waiting for Dana Whitfield" in texts


def test_typed_values_problems_and_a_notice_are_shown_escaped() -> None:
    built = agreement_card(
        my_agreement(agreement=AGREEMENT, version=2, partner_name="Dana *Whitfield*"),
        values={"goal_1": "x" * 5000, "goal_2": MARKDOWN, "how_we_work": "", "not_an_input": "y"},
        problems={"goals": "Please keep each goal to 200 characters.", "other": MARKDOWN},
        notice="Your partner changed it **just now**.",
    )
    values = _values(built)
    assert values["goal_1"] == "x" * MAX_GOAL
    # Input values are plain text: shown exactly as typed.
    assert values["goal_2"] == MARKDOWN
    assert values["goal_3"] is None
    texts = text_blocks(built)
    assert escape_markdown("Your partner changed it **just now**.") in texts
    assert "Please keep each goal to 200 characters." in texts
    assert escape_markdown(MARKDOWN) in texts
    assert "Waiting for Dana \\*Whitfield\\*" in texts
    assert texts.index("Please keep each goal to 200 characters.") > texts.index("Learning goals")


# Reading the form back --------------------------------------------------------------------------------------------


def test_the_form_becomes_an_unchecked_agreement_and_its_raw_answers() -> None:
    data: dict[str, object] = {
        "action": "agreement.save",
        "goal_1": "  Listen   more ",
        "goal_2": "",
        "goal_3": 2026,
        "how_we_work": "Monthly.\nOn Teams.",
    }
    agreement, raw = parse_agreement_form(data)
    assert agreement == Agreement(goals=("  Listen   more ", "", "2026"), how_we_work="Monthly.\nOn Teams.")
    assert raw == {"goal_1": "  Listen   more ", "goal_2": "", "goal_3": "2026", "how_we_work": "Monthly.\nOn Teams."}
    assert agreement.checked() == Agreement(goals=("Listen more", "2026"), how_we_work="Monthly. On Teams.")


def test_missing_answers_are_empty_and_the_rules_then_ask_for_a_goal() -> None:
    agreement, raw = parse_agreement_form({})
    assert raw == {"goal_1": "", "goal_2": "", "goal_3": "", "how_we_work": ""}
    with pytest.raises(InvalidFields) as caught:
        agreement.checked()
    assert set(caught.value.problems) == {"goals"}


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("goal_2", "g" * (MAX_FORM_VALUE + 1), "goals"),
        ("how_we_work", "h" * 100_000, "how_we_work"),
        ("goal_1", ["a list"], "goals"),
        ("how_we_work", {"text": "x"}, "how_we_work"),
        ("goal_3", True, "goals"),
        ("goal_1", 1.5, "goals"),
    ],
)
def test_unreadable_or_absurd_answers_are_named(field: str, value: object, problem: str) -> None:
    with pytest.raises(InvalidFields) as caught:
        parse_agreement_form({field: value})
    assert set(caught.value.problems) == {problem}


def test_an_answer_at_the_raw_limit_is_left_to_the_rules() -> None:
    agreement, _ = parse_agreement_form({"goal_1": "g" * MAX_FORM_VALUE})
    with pytest.raises(InvalidFields) as caught:
        agreement.checked()
    assert caught.value.problems == {"goals": f"Please keep each goal to {MAX_GOAL} characters."}


def test_the_answers_can_be_shown_again_cut_to_each_box() -> None:
    values = agreement_form_values({"goal_1": "g" * 5000, "goal_2": 7, "goal_3": ["x"], "how_we_work": "w" * 900})
    assert values == {"goal_1": "g" * MAX_GOAL, "goal_2": "7", "how_we_work": "w" * MAX_WAYS}
