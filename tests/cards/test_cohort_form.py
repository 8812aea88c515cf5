"""The new-cohort form: what Teams submits becomes an unchecked CohortPlan, every unreadable answer is reported at
once, and a form shown again keeps what was typed with each problem beside its input. The matching settings
(directorates and weights) have defaults, so they are never required."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from cards.cohorts import (
    INPUT_IDS,
    MAX_FORM_VALUE,
    cohort_created_card,
    cohort_form_card,
    cohort_form_values,
    parse_cohort_form,
)
from cards.elements import Card
from programme.cohorts import Cadence, Cohort, CohortPlan, CohortState
from programme.errors import InvalidFields
from programme.identity import PersonId
from programme.match_weights import MatchWeights
from programme.tracks import MenteeLevel, Track
from tests.support.card_reading import fact_pairs
from tests.support.cohort_form import COHORT_FORM, MATCHING_INPUTS, REQUIRED_INPUTS, WEIGHT_INPUTS

TODAY = date(2026, 1, 12)

# What Teams sends: every input as a string, unchosen ones empty, plus the button's own data.
SUBMITTED = {"action": "cohort.create", **COHORT_FORM, "name": "  Race equality 2026, board  "}
PLAN = CohortPlan(
    name="Race equality 2026, board",
    track=Track.RACE_EQUALITY,
    mentee_level=MenteeLevel.BOARD,
    signup_closes=date(2026, 2, 1),
    starts_on=date(2026, 3, 1),
    ends_on=date(2026, 9, 1),
    sessions=8,
    cadence=Cadence.FORTNIGHTLY,
    session_minutes=45,
    training_dates=(date(2026, 2, 10), date(2026, 2, 20)),
    mentor_capacity=2,
    separate_directorates=True,
    weights=MatchWeights(topics=3, availability=2, place=1),
)
REQUIRED = set(REQUIRED_INPUTS)
# Settings other than the defaults, so a value that was dropped on the way cannot pass for one that was kept.
OWN_MATCHING = {"separate_directorates": "false", "weight_topics": "7", "weight_availability": "0", "weight_place": "4"}
OWN_PLAN = replace(PLAN, separate_directorates=False, weights=MatchWeights(topics=7, availability=0, place=4))


def problems_for(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidFields) as caught:
        parse_cohort_form(data)
    return caught.value.problems


def inputs(card: Card) -> dict[str, dict[str, Any]]:
    return {element["id"]: element for element in card["body"] if element["type"].startswith("Input.")}


def submitted_by(card: Card) -> dict[str, str]:
    """What Teams would send if the form were submitted untouched: each input's value as text, empty if unset."""
    return {input_id: str(element.get("value", "")) for input_id, element in inputs(card).items()}


def attention_after(card: Card) -> Iterator[tuple[str, str]]:
    """(input id, problem text) for each attention block, paired with the input just before it."""
    last = ""
    for element in card["body"]:
        if element["type"].startswith("Input."):
            last = element["id"]
        elif element.get("color") == "Attention":
            yield last, element["text"]


# Parsing -------------------------------------------------------------------------------------------------------


def test_a_complete_form_becomes_a_plan_and_its_values() -> None:
    plan, values = parse_cohort_form(SUBMITTED)
    assert plan == PLAN
    assert values == {key: SUBMITTED[key] for key in INPUT_IDS}


def test_the_plan_is_not_checked_here() -> None:
    # Dates in the past and a one-letter name are the plan's rules to apply, not the form's.
    plan, _ = parse_cohort_form({**SUBMITTED, "name": "x", "signup_closes": "2001-01-01", "sessions": "40"})
    assert plan.name == "x"
    assert plan.signup_closes == date(2001, 1, 1)
    assert plan.sessions == 40
    with pytest.raises(InvalidFields) as caught:
        plan.checked(TODAY)
    assert {"name", "signup_closes", "sessions"} <= set(caught.value.problems)


def test_a_parsed_plan_passes_its_checks_when_the_answers_are_sensible() -> None:
    plan, _ = parse_cohort_form(SUBMITTED)
    assert plan.checked(TODAY).name == "Race equality 2026, board"


def test_training_dates_are_optional() -> None:
    plan, _ = parse_cohort_form({**SUBMITTED, "training_1": "", "training_3": "  "} | {"training_2": ""})
    assert plan.training_dates == ()
    without, _ = parse_cohort_form({k: v for k, v in SUBMITTED.items() if not k.startswith("training")})
    assert without.training_dates == ()


def test_numbers_sent_as_numbers_are_accepted_too() -> None:
    plan, values = parse_cohort_form({**SUBMITTED, "sessions": 6, "session_minutes": "60.0", "mentor_capacity": 1})
    assert (plan.sessions, plan.session_minutes, plan.mentor_capacity) == (6, 60, 1)
    assert values["sessions"] == "6"


def test_an_empty_form_names_every_required_answer_kindly() -> None:
    problems = problems_for({"action": "cohort.create"})
    assert set(problems) == REQUIRED
    assert problems["signup_closes"] == "Please choose the date sign-ups close."
    assert all(message.startswith("Please ") for message in problems.values())


def test_every_unreadable_answer_is_reported_together() -> None:
    problems = problems_for(
        {
            "name": "   ",
            "track": "pirates",
            "mentee_level": "everyone",
            "signup_closes": "31/01/2026",
            "starts_on": "2026-02-30",
            "ends_on": "2026-W10-1",
            "sessions": "six",
            "cadence": "weekly",
            "session_minutes": "-60",
            "mentor_capacity": "1.5",
            "training_1": "2026-02-10",
            "training_2": "next Tuesday",
        }
    )
    assert set(problems) == REQUIRED | {"training_dates"}
    assert "from the list" in problems["track"]
    assert "calendar" in problems["starts_on"]
    assert "calendar" in problems["training_dates"]


@pytest.mark.parametrize(
    "tampered",
    [["race-equality"], {"value": "race-equality"}, True, 3.5, b"race-equality"],
    ids=["list", "object", "bool", "float", "bytes"],
)
def test_answers_that_are_not_text_are_reported_not_crashed_on(tampered: object) -> None:
    problems = problems_for({**SUBMITTED, "track": tampered, "signup_closes": tampered, "sessions": tampered})
    assert set(problems) == {"track", "signup_closes", "sessions"}


def test_over_long_answers_are_refused_not_cut() -> None:
    at_limit, _ = parse_cohort_form({**SUBMITTED, "name": "n" * MAX_FORM_VALUE})
    assert at_limit.name == "n" * MAX_FORM_VALUE
    problems = problems_for({**SUBMITTED, "name": "n" * (MAX_FORM_VALUE + 1), "training_2": "2" * 10_000})
    assert set(problems) == {"name", "training_dates"}
    assert str(MAX_FORM_VALUE) in problems["name"]


def test_values_for_showing_again_keep_only_the_form_and_stay_short() -> None:
    values = cohort_form_values({"name": "n" * 10_000, "sessions": 6, "track": ["x"], "sneaky": "extra"})
    assert values == {"name": "n" * MAX_FORM_VALUE, "sessions": "6"}


# Showing the form ------------------------------------------------------------------------------------------------


def test_the_empty_form_has_every_input_and_the_documented_defaults() -> None:
    card = cohort_form_card(TODAY)
    found = inputs(card)
    assert list(found) == list(INPUT_IDS)
    assert found["sessions"]["value"] == 6
    assert (found["sessions"]["min"], found["sessions"]["max"]) == (1, 12)
    assert found["cadence"]["value"] == "monthly"
    assert found["session_minutes"]["value"] == "60"
    assert found["mentor_capacity"]["value"] == "1"
    assert [c["value"] for c in found["mentor_capacity"]["choices"]] == ["1", "2"]
    assert [c["value"] for c in found["track"]["choices"]] == [t.value for t in Track]
    assert [c["value"] for c in found["mentee_level"]["choices"]] == [m.value for m in MenteeLevel]
    assert "value" not in found["name"]
    assert "value" not in found["track"]
    assert all(found[d]["type"] == "Input.Date" for d in ("signup_closes", "starts_on", "ends_on", "training_1"))
    assert found["separate_directorates"]["value"] == "true"
    assert [found[w]["value"] for w in WEIGHT_INPUTS] == [3, 2, 1]
    assert not any(element.get("color") == "Attention" for element in card["body"])
    create, cancel = card["actions"]
    assert (create["verb"], create.get("style")) == ("cohort.create", "positive")
    assert (cancel["verb"], cancel["associatedInputs"]) == ("cohorts", "none")


def test_what_was_typed_round_trips_through_the_form_shown_again() -> None:
    _, values = parse_cohort_form(SUBMITTED)
    again = cohort_form_card(TODAY, values, {"starts_on": "Please choose a later date."})
    resubmitted = submitted_by(again)
    assert resubmitted == {key: SUBMITTED[key] for key in INPUT_IDS}
    plan, _ = parse_cohort_form(resubmitted)
    assert plan == PLAN


def test_values_that_were_typed_in_any_case_round_trip_even_when_unparsable() -> None:
    typed = {**SUBMITTED, "name": "**Spring** cohort", "sessions": "six", "track": "pirates", "ends_on": "soon"}
    shown = inputs(cohort_form_card(TODAY, cohort_form_values(typed)))
    assert shown["name"]["value"] == "**Spring** cohort"
    # Values no input could hold are left empty rather than shown broken; the problem note explains.
    assert "value" not in shown["sessions"]
    assert "value" not in shown["track"]
    assert "value" not in shown["ends_on"]
    assert shown["starts_on"]["value"] == "2026-03-01"


def test_each_problem_is_shown_under_its_input_with_a_summary_first() -> None:
    # Field names as messages, spelt without the underscore that escaping would change.
    fields = REQUIRED | {"training_dates"} | set(MATCHING_INPUTS)
    problems = {field: f"Problem with {field.replace('_', ' ')}." for field in fields}
    card = cohort_form_card(TODAY, cohort_form_values(SUBMITTED), problems)
    placed = dict(attention_after(card))
    summary = placed.pop("")
    assert "another look" in summary
    expected = {field: problems[field] for field in REQUIRED | set(MATCHING_INPUTS)}
    expected["training_3"] = problems["training_dates"]
    assert placed == expected


def test_a_problem_without_an_input_is_still_shown_at_the_top() -> None:
    card = cohort_form_card(TODAY, None, {"created_by": "You can no longer create cohorts."})
    assert [text for input_id, text in attention_after(card) if input_id == ""][-1] == (
        "You can no longer create cohorts."
    )


def test_problems_are_escaped() -> None:
    card = cohort_form_card(TODAY, None, {"name": "The name **Spring** is taken"})
    assert ("name", "The name \\*\\*Spring\\*\\* is taken") in list(attention_after(card))


def test_the_problems_from_parsing_fit_straight_into_the_form() -> None:
    broken = {**SUBMITTED, "track": "", "ends_on": "soon", "training_2": "later"}
    with pytest.raises(InvalidFields) as caught:
        parse_cohort_form(broken)
    card = cohort_form_card(TODAY, cohort_form_values(broken), caught.value.problems)
    placed = {input_id for input_id, _ in attention_after(card)}
    assert placed == {"", "track", "ends_on", "training_3"}


# How pairs are matched -------------------------------------------------------------------------------------------


def test_the_matching_settings_have_their_own_section_with_a_word_of_explanation() -> None:
    body = cohort_form_card(TODAY)["body"]
    start = next(n for n, element in enumerate(body) if element.get("text") == "How pairs are matched")
    explanation = body[start + 1]
    assert explanation["type"] == "TextBlock"
    assert "points" in explanation["text"]
    section = {element["id"]: element for element in body[start:] if element["type"].startswith("Input.")}
    assert list(section) == list(MATCHING_INPUTS)
    toggle = section["separate_directorates"]
    assert toggle["type"] == "Input.Toggle"
    assert (toggle["title"], toggle["valueOn"], toggle["valueOff"]) == (
        "Pair people from different directorates only",
        "true",
        "false",
    )
    assert [(section[w]["type"], section[w]["label"], section[w]["min"], section[w]["max"]) for w in WEIGHT_INPUTS] == [
        ("Input.Number", "Shared topics", 0, 10),
        ("Input.Number", "Shared free time", 0, 10),
        ("Input.Number", "Where they can meet", 0, 10),
    ]
    hint = [e["text"] for e in body[start:] if e["type"] == "TextBlock" and "0 ignores it" in e["text"]]
    assert len(hint) == 1


def test_a_form_without_the_matching_settings_gets_the_defaults() -> None:
    # As a form card sent before the settings existed would submit it.
    older = {key: value for key, value in SUBMITTED.items() if key not in MATCHING_INPUTS}
    plan, values = parse_cohort_form(older)
    assert (plan.separate_directorates, plan.weights) == (True, MatchWeights())
    assert not set(MATCHING_INPUTS) & set(values)


def test_blank_weights_and_a_blank_toggle_mean_the_defaults() -> None:
    plan, _ = parse_cohort_form({**SUBMITTED, **dict.fromkeys(MATCHING_INPUTS, "  ")})
    assert (plan.separate_directorates, plan.weights) == (True, MatchWeights())


def test_chosen_matching_settings_become_the_plan_and_round_trip() -> None:
    plan, values = parse_cohort_form({**SUBMITTED, **OWN_MATCHING})
    assert plan == OWN_PLAN
    assert plan.checked(TODAY).weights == MatchWeights(topics=7, availability=0, place=4)
    resubmitted = submitted_by(cohort_form_card(TODAY, values, {"name": "Please choose another name."}))
    assert {key: resubmitted[key] for key in MATCHING_INPUTS} == OWN_MATCHING
    assert parse_cohort_form(resubmitted)[0] == OWN_PLAN


@pytest.mark.parametrize(("sent", "expected"), [(True, True), (False, False), ("FALSE", False), (" true ", True)])
def test_the_toggle_is_read_from_text_or_a_plain_boolean(sent: object, expected: bool) -> None:
    plan, values = parse_cohort_form({**SUBMITTED, "separate_directorates": sent})
    assert plan.separate_directorates is expected
    shown = inputs(cohort_form_card(TODAY, values))
    assert shown["separate_directorates"]["value"] == ("true" if expected else "false")


def test_unreadable_matching_settings_are_reported_under_their_own_inputs() -> None:
    bad = {
        **SUBMITTED,
        "separate_directorates": "sometimes",
        "weight_topics": "lots",
        "weight_availability": "2.5",
        "weight_place": "near the station",
    }
    problems = problems_for(bad)
    assert set(problems) == set(MATCHING_INPUTS)
    assert problems["weight_topics"] == "Please give the weight for shared topics as a whole number from 0 to 10."
    assert "on or off" in problems["separate_directorates"]
    card = cohort_form_card(TODAY, cohort_form_values(bad), problems)
    assert {input_id for input_id, _ in attention_after(card)} == {"", *MATCHING_INPUTS}
    shown = inputs(card)
    # Nothing broken goes back in: the toggle shows its default, the weights stay empty for typing again.
    assert shown["separate_directorates"]["value"] == "true"
    assert all("value" not in shown[w] for w in WEIGHT_INPUTS)


@pytest.mark.parametrize("sent", ["-1", "3 points", "1e1", True, 2.0, ["1"], "9" * (MAX_FORM_VALUE + 1)])
def test_a_weight_that_is_not_a_whole_number_is_refused(sent: object) -> None:
    assert set(problems_for({**SUBMITTED, "weight_place": sent})) == {"weight_place"}


def test_a_weight_above_ten_reads_but_the_plan_refuses_it_beside_its_input() -> None:
    plan, values = parse_cohort_form({**SUBMITTED, "weight_availability": "11"})
    assert plan.weights.availability == 11
    with pytest.raises(InvalidFields) as caught:
        plan.checked(TODAY)
    assert set(caught.value.problems) == {"weight_availability"}
    card = cohort_form_card(TODAY, values, caught.value.problems)
    assert [input_id for input_id, _ in attention_after(card)] == ["", "weight_availability"]


def test_all_weights_at_zero_is_the_plans_problem_and_shown_beside_the_first_weight() -> None:
    zeros = {**SUBMITTED, **dict.fromkeys(WEIGHT_INPUTS, "0")}
    plan, values = parse_cohort_form(zeros)
    assert plan.weights == MatchWeights(topics=0, availability=0, place=0)
    with pytest.raises(InvalidFields) as caught:
        plan.checked(TODAY)
    with pytest.raises(InvalidFields) as direct:
        MatchWeights(topics=0, availability=0, place=0).checked()
    assert caught.value.problems == direct.value.problems
    assert set(caught.value.problems) == {"weight_topics"}
    card = cohort_form_card(TODAY, values, caught.value.problems)
    assert ("weight_topics", caught.value.problems["weight_topics"]) in list(attention_after(card))
    assert [inputs(card)[w]["value"] for w in WEIGHT_INPUTS] == [0, 0, 0]


def test_the_created_cohort_shows_its_matching_settings() -> None:
    at = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
    creator = PersonId("a0000000-0000-4000-8000-000000000001")
    usual = dict(fact_pairs(cohort_created_card(Cohort(7, PLAN, CohortState.DRAFT, creator, at, at))))
    assert usual["Directorates"] == "Pairs come from different directorates"
    assert usual["Matching weights"] == "Shared topics 3 · Shared free time 2 · Where they can meet 1"
    own = dict(fact_pairs(cohort_created_card(Cohort(8, OWN_PLAN, CohortState.DRAFT, creator, at, at))))
    assert own["Directorates"] == "Pairs may share one"
    assert own["Matching weights"] == "Shared topics 7 · Shared free time 0 · Where they can meet 4"
