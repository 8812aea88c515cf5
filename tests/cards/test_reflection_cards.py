"""The reflection cards: private and saying so, "Raise a concern" on each, the form filled in when editing and
showing problems beside their boxes with what was typed, and reading the form back from what a host sends."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cards.actions import SaveReflection, parse_action
from cards.elements import Card
from cards.reflections import (
    INPUT_IDS,
    MAX_FORM_VALUE,
    NO_FEELING,
    PRIVATE_LINE,
    delete_question_card,
    my_reflections_card,
    parse_reflection_form,
    reflection_card,
    reflection_form_card,
    reflection_form_values,
    reflection_saved_card,
)
from programme.errors import InvalidFields
from programme.reflections import (
    ACTIONS,
    DIFFERENTLY,
    FEELING,
    LEARNED,
    MAX_ANSWER,
    NOTES,
    DeleteQuestion,
    Feeling,
    ReflectionPage,
    ReflectionText,
    Saved,
)
from tests.cards.reflection_samples import (
    LONDON,
    MARKDOWN,
    SAMPLES,
    SUBJECT,
    TEXT,
    entry,
    page,
    reflection,
    view,
)
from tests.support.card_reading import button, card_actions, card_text, inputs, text_blocks

ALL = [
    pytest.param(built, id=f"{name.rsplit('.', 1)[1]}-{label}")
    for name, builds in SAMPLES.items()
    for label, built in builds
]


@pytest.mark.parametrize("built", ALL)
def test_every_reflection_card_offers_raise_a_concern(built: Card) -> None:
    concern = button(built, "Raise a concern")
    assert concern["data"] == {"action": "concern", "context": "reflection"}


@pytest.mark.parametrize(
    "built",
    [p for p in ALL if "delete_question" not in str(p.id)],
)
def test_every_reflection_card_but_the_question_says_only_the_author_can_see_it(built: Card) -> None:
    assert PRIVATE_LINE in text_blocks(built)


def test_a_new_form_is_empty_and_saves_under_its_key_at_version_zero() -> None:
    built = reflection_form_card(view())
    assert all("value" not in box for box in inputs(built).values())
    save = button(built, "Save my reflection")
    assert save["data"] == {"action": "reflection.save", "about": "meeting:9", "version": 0}
    assert "How did conversation 2 with Dana Whitfield on Tuesday 3 March go?" in card_text(built)


def test_editing_fills_in_every_answer_and_saves_that_version() -> None:
    saved = reflection(version=4)
    built = reflection_form_card(view(saved))
    boxes = inputs(built)
    assert boxes[INPUT_IDS[LEARNED]]["value"] == TEXT.learned
    assert boxes[INPUT_IDS[DIFFERENTLY]]["value"] == TEXT.differently
    assert boxes[INPUT_IDS[ACTIONS]]["value"] == TEXT.actions
    assert boxes[INPUT_IDS[FEELING]]["value"] == "thoughtful"
    assert "value" not in boxes[INPUT_IDS[NOTES]]
    assert button(built, "Save changes")["data"] == {
        "action": "reflection.save",
        "about": "meeting:9",
        "version": 4,
        "reflection": saved.id,
    }


def test_problems_sit_beside_their_boxes_with_what_was_typed() -> None:
    built = reflection_form_card(
        view(values={LEARNED: "typed here", NOTES: "and here"}, problems={NOTES: "Too long for this box."})
    )
    body = built["body"]
    ids = [element.get("id") for element in body]
    notes_at = ids.index(INPUT_IDS[NOTES])
    assert body[notes_at + 1] == {
        "type": "TextBlock",
        "text": "Too long for this box.",
        "wrap": True,
        "color": "Attention",
    }
    assert inputs(built)[INPUT_IDS[LEARNED]]["value"] == "typed here"
    assert inputs(built)[INPUT_IDS[NOTES]]["value"] == "and here"


def test_words_people_typed_are_shown_as_typed_never_as_markdown() -> None:
    marked = reflection(ReflectionText(learned=MARKDOWN, notes=MARKDOWN))
    for built in (
        reflection_card(entry(marked)),
        reflection_saved_card(Saved(marked, SUBJECT, LONDON, edited=False)),
        delete_question_card(DeleteQuestion(entry(marked), LONDON)),
        my_reflections_card(ReflectionPage(marked.author, (entry(marked),), 1, 1, 1, LONDON)),
    ):
        text = json.dumps(built)
        assert "**bold**" not in text
        assert "[link](" not in text


def test_the_list_pages_newer_and_older() -> None:
    first = my_reflections_card(page(5, total=12))
    assert [a["title"] for a in card_actions(first) if a["data"]["action"] == "reflection.list"] == ["Older"]
    assert button(first, "Older")["data"]["page"] == 2
    middle = my_reflections_card(page(5, page_number=2, total=12))
    assert button(middle, "Newer")["data"]["page"] == 1
    assert button(middle, "Older")["data"]["page"] == 3
    assert "Page 2 of 3 (12 in all)" in card_text(middle)


def test_deleting_asks_with_a_destructive_button_for_this_version() -> None:
    built = delete_question_card(DeleteQuestion(entry(reflection(version=3)), LONDON))
    yes = button(built, "Yes, delete it")
    assert yes["style"] == "destructive"
    assert yes["data"] == {"action": "reflection.delete.confirm", "reflection": 5, "version": 3}


def test_a_heavy_feeling_gets_a_gentle_word_about_support() -> None:
    heavy = reflection_saved_card(Saved(reflection(ReflectionText(feeling=Feeling.DRAINED)), None, LONDON, False))
    light = reflection_saved_card(Saved(reflection(ReflectionText(feeling=Feeling.ENCOURAGED)), None, LONDON, False))
    assert "Raise a concern' reaches someone who can help" in card_text(heavy)
    assert "someone who can help" not in card_text(light)


def submitted(built: Card, **answers: Any) -> dict[str, Any]:
    save = next(a for a in card_actions(built) if a["data"]["action"] == "reflection.save")
    return {**save["data"], **answers}


def test_a_submitted_form_round_trips_through_the_parser() -> None:
    built = reflection_form_card(view())
    data = submitted(
        built,
        **{
            INPUT_IDS[LEARNED]: "learned",
            INPUT_IDS[DIFFERENTLY]: "",
            INPUT_IDS[FEELING]: "unsettled",
            INPUT_IDS[NOTES]: "notes",
        },
    )
    action = parse_action("reflection.save", data)
    assert isinstance(action, SaveReflection)
    assert (action.key, action.reflection, action.version) == ("meeting:9", None, 0)
    text = parse_reflection_form(action.data)
    assert (text.learned, text.actions, text.feeling, text.notes) == ("learned", "", Feeling.UNSETTLED, "notes")


def test_rather_not_say_is_no_feeling_and_can_be_chosen_again() -> None:
    assert parse_reflection_form({INPUT_IDS[FEELING]: NO_FEELING}).feeling is None
    assert parse_reflection_form({}).feeling is None
    built = reflection_form_card(view(values={FEELING: NO_FEELING}))
    assert inputs(built)[INPUT_IDS[FEELING]]["value"] == NO_FEELING


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({INPUT_IDS[LEARNED]: "x" * (MAX_FORM_VALUE + 1)}, LEARNED),
        ({INPUT_IDS[NOTES]: ["a list"]}, NOTES),
        ({INPUT_IDS[ACTIONS]: {"text": "an object"}}, ACTIONS),
        ({INPUT_IDS[FEELING]: "furious"}, FEELING),
        ({INPUT_IDS[FEELING]: 3}, FEELING),
    ],
)
def test_what_no_box_could_send_is_refused_beside_its_box(answers: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidFields) as caught:
        parse_reflection_form(answers)
    assert set(caught.value.problems) == {field}


def test_what_was_typed_comes_back_cut_to_each_box() -> None:
    values = reflection_form_values(
        {INPUT_IDS[LEARNED]: "y" * (MAX_ANSWER + 50), INPUT_IDS[NOTES]: 12, INPUT_IDS[ACTIONS]: ["no"]}
    )
    assert values == {LEARNED: "y" * MAX_ANSWER, NOTES: "12"}
