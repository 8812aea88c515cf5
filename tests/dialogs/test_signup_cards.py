"""Every sign-up card validates against Adaptive Cards 1.5, fits in a Teams message, escapes what people typed,
and carries the form token on every button the dialog waits for."""

from __future__ import annotations

import inspect
import json
from dataclasses import replace
from typing import Any

import pytest

import cards.signup
from cards.actions import EditProfile, ShowMyData, parse_action
from cards.elements import CARD_VERSION, Card
from cards.signup import (
    ACTION_PREFIX,
    CANCEL,
    about_you_card,
    application_received_card,
    consent_card,
    interests_card,
    review_card,
)
from cards.signup_forms import ABOUT_FIELDS, INTERESTS_FIELDS
from programme.grades import Grade
from programme.profiles import MAX_AVOIDED, MAX_BIO, MAX_EMAIL, MAX_NOTE, Role
from tests.cards.test_card_schema import MAX_CARD_UTF16_BYTES, schema_errors
from tests.dialogs.signup_samples import (
    ALL_PROBLEMS,
    FORM,
    PROFILE,
    SAMPLES,
    TYPED_ABOUT,
    TYPED_INTERESTS,
    application,
    cohort,
)
from tests.dialogs.support import card_text, elements, inputs, submits

ALL = [pytest.param(built, id=f"{name}-{label}") for name, builds in SAMPLES.items() for label, built in builds]


def test_every_sign_up_card_builder_has_a_sample() -> None:
    builders = {
        name
        for name, value in vars(cards.signup).items()
        if name.endswith("_card") and inspect.isfunction(value) and value.__module__ == "cards.signup"
    }
    assert builders == set(SAMPLES)


@pytest.mark.parametrize("card", ALL)
def test_card_validates_against_the_adaptive_card_1_5_schema(card: Card) -> None:
    assert schema_errors(card) == []
    assert card["version"] == CARD_VERSION


@pytest.mark.parametrize("card", ALL)
def test_card_fits_in_a_teams_message(card: Card) -> None:
    assert len(json.dumps(card, ensure_ascii=False).encode("utf-16-le")) < MAX_CARD_UTF16_BYTES


@pytest.mark.parametrize("card", ALL)
def test_every_button_is_one_the_bot_routes(card: Card) -> None:
    for action in (e for e in elements(card) if e["type"].startswith("Action.")):
        verb = action["data"]["action"]
        if verb.startswith(ACTION_PREFIX):
            # The dialog waits for messages, and refuses a card from another sign-up by its token.
            assert action["type"] == "Action.Submit"
            assert action["data"]["form"] == FORM
        else:
            # Anything else leaves the sign-up, so the bot itself must parse it.
            assert isinstance(parse_action(None, action["data"]), (EditProfile, ShowMyData))


@pytest.mark.parametrize("card", ALL)
def test_input_ids_never_clash_with_the_button_data(card: Card) -> None:
    assert not {"action", "form"} & set(inputs(card))


@pytest.mark.parametrize("card", ALL)
def test_cancel_sends_no_answers(card: Card) -> None:
    for action in submits(card):
        if action["data"]["action"] == CANCEL:
            assert action["associatedInputs"] == "None"


@pytest.mark.parametrize(
    "card",
    [
        pytest.param(SAMPLES["review_card"][2][1], id="review"),
        pytest.param(SAMPLES["choose_cohort_card"][1][1], id="choose"),
        pytest.param(SAMPLES["profile_updated_card"][0][1], id="updated"),
        pytest.param(SAMPLES["about_you_card"][2][1], id="directory manager"),
    ],
)
def test_typed_text_is_shown_literally(card: Card) -> None:
    shown = [e["text"] for e in elements(card) if e["type"] == "TextBlock"]
    shown += [fact["value"] for e in elements(card) if e["type"] == "FactSet" for fact in e["facts"]]
    text = "\n".join(shown)
    assert "**bold**" not in text
    assert "[link](" not in text
    assert "boss_[x]" not in text


def test_consent_toggles_are_off_until_ticked() -> None:
    toggles = inputs(consent_card(FORM, "Contoso"))
    for name in ("consent", "ground_rules"):
        assert toggles[name]["type"] == "Input.Toggle"
        assert (toggles[name]["value"], toggles[name]["valueOn"]) == ("false", "true")
    assert inputs(consent_card(FORM, "Contoso", {"consent": "true"}))["consent"]["value"] == "true"


def test_the_consent_card_explains_use_rights_and_the_limits_of_confidentiality() -> None:
    text = card_text(consent_card(FORM, "Contoso"))
    for words in (
        "line manager",
        "management chain",
        "coordinators see your answers",
        "short bio",
        "yours alone",
        "my data",
        "delete my data",
        "safeguarding",
        "risk of harm",
        "professional-conduct",
        "told first",
        "without giving a reason",
        "privacy notice",
    ):
        assert words in text, words
    assert [a["title"] for a in submits(consent_card(FORM, "Contoso"))] == ["Continue", "Not now"]


def test_every_problem_is_shown_and_none_is_lost() -> None:
    for name, card in [
        ("about", about_you_card(FORM, TYPED_ABOUT, ALL_PROBLEMS)),
        ("interests", interests_card(FORM, Role.MENTOR, TYPED_INTERESTS, ALL_PROBLEMS)),
        ("consent", consent_card(FORM, "Contoso", {}, ALL_PROBLEMS)),
    ]:
        text = card_text(card)
        assert "A problem with something-else." in text, name
    about = card_text(about_you_card(FORM, TYPED_ABOUT, ALL_PROBLEMS))
    assert all(f"A problem with {field}." in about for field in ABOUT_FIELDS)


def test_typed_values_fill_the_inputs_again() -> None:
    about = inputs(about_you_card(FORM, TYPED_ABOUT))
    assert {field: about[field]["value"] for field in ABOUT_FIELDS} == TYPED_ABOUT
    interests = inputs(interests_card(FORM, Role.MENTEE, TYPED_INTERESTS))
    assert {field: interests[field]["value"] for field in INTERESTS_FIELDS} == TYPED_INTERESTS
    assert interests["topics"]["isMultiSelect"] is interests["availability"]["isMultiSelect"] is True


def test_the_manager_input_is_left_out_when_the_directory_knows() -> None:
    assert "line_manager_email" in inputs(about_you_card(FORM))
    assert "line_manager_email" not in inputs(about_you_card(FORM, {}, {}, "boss@nhs.net"))


def test_the_band_is_chosen_from_the_grades_by_their_labels() -> None:
    band = inputs(about_you_card(FORM))["band"]
    assert band["type"] == "Input.ChoiceSet"
    assert band["style"] == "compact"
    assert [(choice["value"], choice["title"]) for choice in band["choices"]] == [(g.value, g.label) for g in Grade]
    assert "value" not in band
    assert inputs(about_you_card(FORM, {"band": "band-8a"}))["band"]["value"] == "band-8a"


def test_the_work_email_input_shows_what_the_dialog_filled_in() -> None:
    empty = inputs(about_you_card(FORM))["work_email"]
    assert (empty["style"], empty["maxLength"]) == ("email", MAX_EMAIL)
    assert "value" not in empty
    filled = inputs(about_you_card(FORM, {"work_email": "ada.lovelace@nhs.net"}))["work_email"]
    assert filled["value"] == "ada.lovelace@nhs.net"
    assert "please check it" in card_text(about_you_card(FORM))
    # It is asked for even when the directory supplies the line manager.
    assert "work_email" in inputs(about_you_card(FORM, {}, {}, "boss@nhs.net"))


def test_the_colleagues_to_avoid_are_asked_for_gently_and_privately() -> None:
    built = interests_card(FORM, Role.MENTEE)
    avoid = inputs(built)["avoid_emails"]
    assert avoid["isMultiline"] is True
    assert avoid["maxLength"] >= MAX_AVOIDED * MAX_EMAIL
    assert "optional" in avoid["label"]
    text = card_text(built)
    assert "You don't need to give a reason." in text
    assert "used only when making pairs, and never shown to anyone, including the people you name" in text


def test_the_persons_own_review_lists_the_colleagues_they_named() -> None:
    profile = replace(PROFILE, avoid_emails=("zoe_ward@nhs.net", "amir.khan@nhs.net"))
    named = review_card(FORM, cohort(), profile, editing=False)
    text = card_text(named)
    assert "You asked not to be paired with 2 colleagues:" in text
    assert "\u2022 zoe\\_ward@nhs.net" in text
    assert "\u2022 amir.khan@nhs.net" in text
    nobody = card_text(review_card(FORM, cohort(), PROFILE, editing=False))
    assert "Colleagues you'd rather not be paired with\nNone" in nobody
    assert "Band or grade: Band 5" in nobody
    assert "Work email: staff.nurse@nhs.net" in nobody


def test_interests_wording_follows_the_role() -> None:
    assert "share your experience" in card_text(interests_card(FORM, Role.MENTOR))
    assert "learn about" in card_text(interests_card(FORM, Role.MENTEE))
    limits = inputs(interests_card(FORM, Role.MENTOR))
    assert (limits["experience_note"]["maxLength"], limits["bio"]["maxLength"]) == (MAX_NOTE, MAX_BIO)


def test_the_review_buttons_depend_on_editing() -> None:
    def titles(editing: bool) -> list[str]:
        return [a["title"] for a in submits(review_card(FORM, cohort(), PROFILE, editing=editing))]

    assert titles(False) == ["Submit application", "Change my answers", "Cancel"]
    assert titles(True) == ["Save changes", "Change my answers", "Cancel"]


def test_the_confirmation_offers_changing_answers_and_seeing_data() -> None:
    built = application_received_card(cohort(), application())
    actions: list[dict[str, Any]] = built["actions"]
    assert [(a["type"], a["title"], a["data"]["action"]) for a in actions] == [
        ("Action.Submit", "Change my answers", EditProfile.verb),
        ("Action.Execute", "See my data", ShowMyData.verb),
    ]
    assert "profile" in card_text(built)
