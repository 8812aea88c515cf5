"""The survey cards: a 1-to-5 choice per statement with its meaning, optional free text, a submit that round-trips
through the parser; the thank-you; and a results card that shows totals only, and only what may be shown."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cards.actions import DAMAGED, ShowSurvey, ShowSurveyResults, SubmitSurvey, parse_action
from cards.surveys import NOT_ENOUGH, parse_survey_answers, survey_form_card, survey_results_card, survey_thanks_card
from programme.errors import InvalidInput
from programme.profiles import Role
from programme.survey_questions import SurveyKind, current_set
from programme.surveys import SurveyThanks
from tests.cards.match_samples import MARKDOWN
from tests.cards.survey_samples import CLOSES, COHORT, LONDON, everything_closed, form, results
from tests.support.card_reading import card_actions, card_text, of_kind, text_blocks


def inputs(card: dict[str, Any]) -> dict[str, Any]:
    return {str(e["id"]): e for e in of_kind(card, "Input.")}


def test_each_statement_is_a_required_choice_from_one_to_five_with_its_meaning() -> None:
    built = survey_form_card(form(Role.MENTEE, SurveyKind.BASELINE))

    questions = current_set(Role.MENTEE, SurveyKind.BASELINE)
    found = inputs(built)
    assert list(found) == [f"likert-{i.id}" for i in questions.likert] + [f"text-{i.id}" for i in questions.free_text]
    chooser = found["likert-aware"]
    assert chooser["label"] == (
        "I have a good understanding of what working here is like for Black and minority ethnic colleagues."
    )
    assert (chooser["type"], chooser["style"], chooser["isRequired"]) == ("Input.ChoiceSet", "expanded", True)
    assert [(c["value"], c["title"]) for c in chooser["choices"]] == [
        ("1", "Strongly disagree"),
        ("2", "Disagree"),
        ("3", "Neither agree nor disagree"),
        ("4", "Agree"),
        ("5", "Strongly agree"),
    ]
    assert "value" not in chooser
    box = found["text-hopes"]
    assert (box["type"], box["isMultiline"], box["maxLength"], box.get("isRequired")) == (
        "Input.Text",
        True,
        1000,
        None,
    )
    assert any("coordinators never see what you write here" in t for t in text_blocks(built))
    assert any("totals for groups of at least 5 people" in t for t in text_blocks(built))
    assert "Open until Sunday 1 March." in text_blocks(built)


def test_the_buttons_send_the_answers_and_offer_a_concern() -> None:
    built = survey_form_card(form(Role.MENTOR, SurveyKind.MIDPOINT))

    submit, concern = card_actions(built)
    assert (submit["title"], submit["verb"]) == ("Send my answers", "survey.submit")
    assert submit["data"] == {
        "action": "survey.submit",
        "cohort": COHORT.id,
        "survey": "midpoint",
        "set": "mentor-midpoint",
        "version": 1,
    }
    assert (concern["title"], concern["verb"], concern["data"]["context"]) == ("Raise a concern", "concern", "survey")


def test_a_submission_round_trips_to_the_answers_by_item() -> None:
    built = survey_form_card(form(Role.MENTOR, SurveyKind.BASELINE))
    (submit, _) = card_actions(built)
    # As Teams sends it: every input as text, the free text left empty.
    sent = {**submit["data"], **{key: "4" for key in inputs(built) if key.startswith("likert-")}, "text-hopes": ""}

    action = parse_action(submit["verb"], sent)

    assert isinstance(action, SubmitSurvey)
    assert (action.cohort, action.kind, action.set_id, action.version) == (
        COHORT.id,
        SurveyKind.BASELINE,
        "mentor-baseline",
        1,
    )
    likert, written = parse_survey_answers(action.data)
    assert likert == {item.id: "4" for item in current_set(Role.MENTOR, SurveyKind.BASELINE).likert}
    assert written == {"hopes": ""}


def test_answers_arrive_as_numbers_from_some_hosts_and_anything_else_is_not_an_answer() -> None:
    likert, written = parse_survey_answers(
        {"likert-a": 4, "likert-b": True, "likert-c": None, "likert-d": [1], "text-x": 7, "other": "1", "likert-e": ""}
    )

    assert likert == {"a": "4", "b": "", "c": "", "d": "", "e": ""}
    assert written == {"x": "7"}


@pytest.mark.parametrize(
    "damaged",
    [
        {"cohort": 3, "survey": "weekly", "set": "mentor-baseline", "version": 1},
        {"cohort": 3, "survey": None, "set": "mentor-baseline", "version": 1},
        {"cohort": 3, "survey": "baseline", "set": "../../mentor", "version": 1},
        {"cohort": 3, "survey": "baseline", "set": "x" * 41, "version": 1},
        {"cohort": 3, "survey": "baseline", "set": 12, "version": 1},
        {"cohort": "three", "survey": "baseline", "set": "mentor-baseline", "version": 1},
        {"cohort": 3, "survey": "baseline", "set": "mentor-baseline", "version": 0},
        {"cohort": 3, "survey": "baseline", "set": "mentor-baseline"},
    ],
)
def test_a_damaged_submission_is_refused_kindly(damaged: dict[str, object]) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_action("survey.submit", damaged)

    assert refused.value.user_message == DAMAGED


def test_the_other_survey_buttons_parse() -> None:
    assert parse_action("survey.show", {"cohort": "3", "survey": "end"}) == ShowSurvey(3, SurveyKind.END)
    assert parse_action(None, {"action": "survey.results", "cohort": 3}) == ShowSurveyResults(3)
    with pytest.raises(InvalidInput):
        parse_action("survey.show", {"cohort": 3, "survey": "END"})


def test_answers_given_are_shown_chosen_and_what_was_written_at_the_start_is_escaped() -> None:
    built = survey_form_card(
        form(
            Role.MENTEE,
            SurveyKind.END,
            likert={"talk-about": "2", "aware": "9"},
            free_text={"changed": "More *listening*"},
            answered=True,
            earlier=(("What do you hope?", MARKDOWN),),
        )
    )

    found = inputs(built)
    assert found["likert-talk-about"]["value"] == "2"
    # Not one of the choices: shown unchosen rather than as something the card cannot show.
    assert "value" not in found["likert-aware"]
    assert found["text-changed"]["value"] == "More *listening*"
    assert "**bold**" not in json.dumps(built)
    assert card_actions(built)[0]["title"] == "Update my answers"
    assert any("You've answered this already" in t for t in text_blocks(built))


def test_each_problem_is_shown_beside_its_question() -> None:
    built = survey_form_card(form(problems={"heard": "Please choose an answer for this one."}, notice="Nearly there"))

    body = built["body"]
    place = next(n for n, e in enumerate(body) if e.get("id") == "likert-heard")
    assert body[place + 1]["text"] == "Please choose an answer for this one."
    assert body[place + 1]["color"] == "Attention"


def test_the_thank_you_offers_to_change_the_answers() -> None:
    built = survey_thanks_card(SurveyThanks(COHORT, SurveyKind.BASELINE, CLOSES, LONDON, replaced=True))

    assert "Your new answers have replaced your earlier ones." in card_text(built)
    change, concern = card_actions(built)
    assert (change["verb"], change["data"]["cohort"], change["data"]["survey"]) == (
        "survey.show",
        COHORT.id,
        "baseline",
    )
    assert concern["verb"] == "concern"


def test_the_results_card_shows_totals_and_says_when_there_are_too_few() -> None:
    texts = text_blocks(survey_results_card(results()))

    assert "**Mentors**: 7 answers" in texts
    assert "Average 3.4 · 57% agree · 7 answered" in texts
    # Four mentees answered: counted, never shown.
    assert texts[texts.index("**Mentees**: 4 answers") + 1] == NOT_ENOUGH
    assert "Open until Sunday 1 March. Results once it closes." in texts
    assert "Opens on Monday 2 February." in texts
    assert "3 people also wrote something in their own words; that stays private to them." in texts
    assert "Shown once both the start and end surveys have closed." in texts


def test_the_results_card_shows_the_change_only_where_it_may() -> None:
    texts = text_blocks(survey_results_card(everything_closed()))

    assert "+0.8 on average (6 people)" in texts
    assert texts.count(NOT_ENOUGH) == 1
    assert any(t.startswith("Not shown: too few people answered only one") for t in texts)
