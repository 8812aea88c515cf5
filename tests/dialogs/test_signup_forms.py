"""Reading sign-up card submissions: untrusted values in, typed answers or field-by-field problems out."""

from __future__ import annotations

from typing import Any

import pytest

from cards.signup_forms import (
    ABOUT_FIELDS,
    INTERESTS_FIELDS,
    MAX_SUBMITTED,
    AboutYou,
    Interests,
    build_profile,
    form_values,
    parse_about_you,
    parse_agreement,
    parse_cohort_choice,
    parse_interests,
    parse_role,
    profile_values,
    split_emails,
    usable_manager,
    usable_work_email,
)
from programme.errors import InvalidFields
from programme.grades import Grade
from programme.profiles import Availability, MeetingPreference, Role, Topic
from programme.signup import Agreement
from tests.dialogs.support import MENTOR_ABOUT, MENTOR_INTERESTS


def problems_of(call: Any, *args: Any) -> dict[str, str]:
    with pytest.raises(InvalidFields) as caught:
        call(*args)
    assert all(message.strip() for message in caught.value.problems.values())
    return caught.value.problems


# Cohort ---------------------------------------------------------------------------------------------------------


def test_a_cohort_choice_is_one_of_those_offered() -> None:
    assert parse_cohort_choice({"cohort": "2"}, [1, 2]) == 2
    assert parse_cohort_choice({"cohort": " 1 "}, [1, 2]) == 1


@pytest.mark.parametrize(
    "value",
    [
        {"cohort": ""},
        {},
        {"cohort": "3"},
        {"cohort": "1,2"},
        {"cohort": "-1"},
        {"cohort": "\u0661"},
        {"cohort": 1},
        {"cohort": "9" * 50},
        None,
        ["1"],
    ],
)
def test_a_cohort_choice_not_offered_is_a_problem(value: object) -> None:
    assert set(problems_of(parse_cohort_choice, value, [1, 2])) == {"cohort"}


# Agreement ------------------------------------------------------------------------------------------------------


def test_both_boxes_ticked_is_an_agreement() -> None:
    assert parse_agreement({"consent": "true", "ground_rules": "true"}) == Agreement(True, True)


@pytest.mark.parametrize(
    ("value", "missing"),
    [
        ({"consent": "false", "ground_rules": "true"}, {"consent"}),
        ({"consent": "true", "ground_rules": "false"}, {"ground_rules"}),
        ({}, {"consent", "ground_rules"}),
        ({"consent": "TRUE", "ground_rules": "yes"}, {"consent", "ground_rules"}),
        ({"consent": True, "ground_rules": "true"}, {"consent"}),
        ("true", {"consent", "ground_rules"}),
    ],
)
def test_anything_but_a_tick_is_not_consent(value: object, missing: set[str]) -> None:
    assert set(problems_of(parse_agreement, value)) == missing


# About you ------------------------------------------------------------------------------------------------------


def test_about_you_is_tidied() -> None:
    about = parse_about_you(
        {
            **MENTOR_ABOUT,
            "job_title": "  Staff\tNurse ",
            "band": " band-8a ",
            "line_manager_email": " Ward.Manager@NHS.net ",
        }
    )
    assert about == AboutYou(
        role=Role.MENTOR,
        job_title="Staff Nurse",
        band=Grade.BAND_8A,
        directorate="Adult Mental Health",
        site="Kingsway",
        work_email="staff.nurse@nhs.net",
        line_manager_email="ward.manager@nhs.net",
    )


def test_everything_missing_is_reported_at_once() -> None:
    assert set(problems_of(parse_about_you, {})) == set(ABOUT_FIELDS)
    assert set(problems_of(parse_about_you, [])) == set(ABOUT_FIELDS)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"role": "boss"}, "role", "mentor"),
        ({"role": ""}, "role", "mentor"),
        ({"line_manager_email": "not an email"}, "line_manager_email", "doesn't look like an email"),
        ({"job_title": "x" * 101}, "job_title", "100 characters"),
        ({"band": "   "}, "band", "choose your band or grade from the list"),
        ({"band": "Band 5"}, "band", "choose your band or grade from the list"),
        ({"band": ["band-5"]}, "band", "couldn't read"),
        ({"work_email": ""}, "work_email", "your own work email"),
        ({"work_email": "staff nurse at nhs"}, "work_email", "doesn't look like an email"),
        ({"work_email": "WARD.manager@nhs.net"}, "work_email", "are the same"),
        ({"site": 7}, "site", "couldn't read"),
        ({"directorate": ["a"]}, "directorate", "couldn't read"),
        ({"directorate": "x" * (MAX_SUBMITTED + 1)}, "directorate", "much longer"),
    ],
)
def test_about_you_problems_name_their_field(change: dict[str, Any], field: str, words: str) -> None:
    problems = problems_of(parse_about_you, {**MENTOR_ABOUT, **change})
    assert set(problems) == {field}
    assert words in problems[field]


def test_the_directory_manager_wins_over_anything_submitted() -> None:
    about = parse_about_you({**MENTOR_ABOUT, "line_manager_email": "nonsense"}, "boss@nhs.net")
    assert about.line_manager_email == "boss@nhs.net"


def test_the_own_email_must_differ_from_the_directory_manager_too() -> None:
    problems = problems_of(parse_about_you, {**MENTOR_ABOUT, "work_email": "boss@nhs.net"}, "Boss@nhs.net")
    assert set(problems) == {"work_email"}


def test_an_email_from_teams_is_offered_only_when_it_is_an_email() -> None:
    assert usable_work_email(" Ada.Lovelace@NHS.net ") == "ada.lovelace@nhs.net"
    assert usable_work_email("ada lovelace") is None
    assert usable_work_email("") is None
    assert usable_work_email(None) is None


def test_a_directory_manager_is_used_only_when_it_is_an_email() -> None:
    assert usable_manager("Boss@NHS.net") == "boss@nhs.net"
    assert usable_manager("not an email") is None
    assert usable_manager("") is None
    assert usable_manager(None) is None


def test_roles_are_exact() -> None:
    assert parse_role(" mentee ") is Role.MENTEE
    assert parse_role("Mentee") is None


# Interests ------------------------------------------------------------------------------------------------------


def test_interests_are_read_from_comma_separated_choices() -> None:
    interests = parse_interests(
        {
            **MENTOR_INTERESTS,
            "topics": "allyship, belonging,allyship,",
            "availability": "fri-pm,mon-am",
            "experience_note": "  line one\r\n\r\n\r\nline two  ",
        }
    )
    assert interests == Interests(
        topics=(Topic.ALLYSHIP, Topic.BELONGING),
        availability=(Availability.MON_AM, Availability.FRI_PM),
        meeting_preference=MeetingPreference.TEAMS,
        experience_note="line one\n\nline two",
        bio="Nurse for ten years; I love my team.",
    )


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"topics": ""}, "topics", "at least one topic"),
        ({"topics": "allyship,knitting"}, "topics", "isn't one I recognise"),
        ({"topics": ",".join(t.value for t in Topic)}, "topics", "at most 8"),
        ({"availability": ""}, "availability", "at least one half-day"),
        ({"availability": "sat-am"}, "availability", "isn't one I recognise"),
        ({"meeting_preference": ""}, "meeting_preference", "how you'd prefer to meet"),
        ({"meeting_preference": "zoom"}, "meeting_preference", "from the list"),
        ({"experience_note": "x" * 501}, "experience_note", "500 characters"),
        ({"bio": "x" * 401}, "bio", "400 characters"),
        ({"bio": {"text": "hi"}}, "bio", "couldn't read"),
        ({"avoid_emails": "zoe.ward@nhs.net\nzoe ward"}, "avoid_emails", "doesn't look like an email"),
        ({"avoid_emails": "\n".join(f"c{n}@nhs.net" for n in range(6))}, "avoid_emails", "at most 5"),
        ({"avoid_emails": ["zoe.ward@nhs.net"]}, "avoid_emails", "couldn't read"),
    ],
)
def test_interests_problems_name_their_field(change: dict[str, Any], field: str, words: str) -> None:
    problems = problems_of(parse_interests, {**MENTOR_INTERESTS, **change})
    assert set(problems) == {field}
    assert words in problems[field]


def test_optional_interests_may_be_left_out() -> None:
    interests = parse_interests({**MENTOR_INTERESTS, "experience_note": "", "bio": None, "avoid_emails": None})
    assert (interests.experience_note, interests.bio, interests.avoid_emails) == ("", "", ())


@pytest.mark.parametrize(
    "typed",
    [
        "zoe.ward@nhs.net\nAmir.Khan@NHS.net",
        "zoe.ward@nhs.net, amir.khan@nhs.net",
        "zoe.ward@nhs.net;amir.khan@nhs.net;",
        "\r\n  zoe.ward@nhs.net \r\n\r\n amir.khan@nhs.net\n zoe.ward@nhs.net",
    ],
)
def test_colleagues_to_avoid_may_be_typed_a_line_each_or_in_a_list(typed: str) -> None:
    interests = parse_interests({**MENTOR_INTERESTS, "avoid_emails": typed})
    assert interests.avoid_emails == ("zoe.ward@nhs.net", "amir.khan@nhs.net")


def test_splitting_a_typed_list_drops_only_blanks() -> None:
    assert split_emails(" a@nhs.net,,\n;b@nhs.net\tc ") == ("a@nhs.net", "b@nhs.net", "c")
    assert split_emails("   ") == ()


def test_the_own_email_on_the_list_of_colleagues_is_pointed_out_on_the_interests_card() -> None:
    typed = {**MENTOR_INTERESTS, "avoid_emails": "zoe.ward@nhs.net\nStaff.Nurse@nhs.net"}
    problems = problems_of(parse_interests, typed, "staff.nurse@nhs.net")
    assert problems == {"avoid_emails": "Your own email is on the list of colleagues; please take it off."}
    # Without the about-you answers the step cannot know, and the whole profile's check catches it later.
    assert parse_interests(typed).avoid_emails == ("zoe.ward@nhs.net", "staff.nurse@nhs.net")
    with pytest.raises(InvalidFields):
        build_profile(parse_about_you(MENTOR_ABOUT), parse_interests(typed))


# Values and profiles --------------------------------------------------------------------------------------------


def test_form_values_keep_only_the_text_of_known_inputs() -> None:
    submitted = {
        "action": "signup.about",
        "form": "token",
        "job_title": "Nurse",
        "band": 5,
        "work_email": ["me@nhs.net"],
        "site": "x" * (MAX_SUBMITTED + 1),
        "unknown": "kept nowhere",
    }
    assert form_values(submitted, ABOUT_FIELDS) == {"job_title": "Nurse"}
    assert form_values("job_title=Nurse", ABOUT_FIELDS) == {}


def test_a_stored_profile_round_trips_through_the_cards_values() -> None:
    typed = {**MENTOR_INTERESTS, "avoid_emails": "zoe.ward@nhs.net, amir.khan@nhs.net"}
    profile = build_profile(parse_about_you(MENTOR_ABOUT), parse_interests(typed))
    assert profile.avoid_emails == ("zoe.ward@nhs.net", "amir.khan@nhs.net")
    about, interests = profile_values(profile)
    assert about["band"] == "band-5"
    assert interests["avoid_emails"] == "zoe.ward@nhs.net\namir.khan@nhs.net"
    assert set(about) == set(ABOUT_FIELDS)
    assert set(interests) == set(INTERESTS_FIELDS)
    assert build_profile(parse_about_you(about), parse_interests(interests)) == profile
