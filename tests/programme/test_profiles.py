"""A person's answers: tidied before they are judged, every problem reported at once."""

from __future__ import annotations

import pytest

from programme.errors import InvalidFields
from programme.profiles import MAX_TOPICS, Availability, Profile, Role, Topic
from tests.programme.builders import mentee_profile, mentor_profile


def problems_of(profile: Profile) -> dict[str, str]:
    with pytest.raises(InvalidFields) as caught:
        profile.checked()
    return caught.value.problems


def test_the_builders_profiles_are_already_tidy() -> None:
    assert mentor_profile().checked() == mentor_profile()
    assert mentee_profile().checked() == mentee_profile()
    assert mentor_profile().role is Role.MENTOR
    assert mentee_profile().role is Role.MENTEE


def test_text_is_tidied_and_the_email_lower_cased() -> None:
    messy = mentor_profile(
        job_title="  Staff\t nurse ",
        band="Band\n5",
        directorate=" Medicine\x00 ",
        site="City   Hospital",
        line_manager_email="  Ward.Manager@NHS.net ",
        experience_note="\n\nFirst line.\r\n\r\n\r\n\r\nSecond   line.\n\n",
        bio="  Hello  there  ",
    )
    tidy = messy.checked()
    assert (tidy.job_title, tidy.band, tidy.directorate, tidy.site) == (
        "Staff nurse",
        "Band 5",
        "Medicine",
        "City Hospital",
    )
    assert tidy.line_manager_email == "ward.manager@nhs.net"
    assert tidy.experience_note == "First line.\n\nSecond line."
    assert tidy.bio == "Hello there"


def test_repeated_choices_are_kept_once_topics_in_the_order_chosen_and_half_days_in_week_order() -> None:
    profile = mentor_profile(
        topics=(Topic.SPEAKING_UP, Topic.ALLYSHIP, Topic.SPEAKING_UP, Topic.BELONGING, Topic.ALLYSHIP),
        availability=(Availability.FRI_PM, Availability.MON_AM, Availability.WED_PM, Availability.MON_AM),
    ).checked()
    assert profile.topics == (Topic.SPEAKING_UP, Topic.ALLYSHIP, Topic.BELONGING)
    assert profile.availability == (Availability.MON_AM, Availability.WED_PM, Availability.FRI_PM)


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("job_title", "Please give your job title."),
        ("band", "Please give your band or level."),
        ("directorate", "Please give your directorate."),
        ("site", "Please give your main site."),
    ],
)
@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_each_required_line_must_be_given(field: str, message: str, blank: str) -> None:
    assert problems_of(mentor_profile(**{field: blank})) == {field: message}


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("job_title", "Please shorten your job title to 100 characters."),
        ("band", "Please shorten your band or level to 100 characters."),
        ("directorate", "Please shorten your directorate to 100 characters."),
        ("site", "Please shorten your main site to 100 characters."),
    ],
)
def test_each_line_is_at_most_100_characters(field: str, message: str) -> None:
    assert problems_of(mentor_profile(**{field: "a" * 101})) == {field: message}
    # Length is measured after tidying, so padding does not count.
    accepted = mentor_profile(**{field: "  " + "a" * 100 + "  "}).checked()
    assert getattr(accepted, field) == "a" * 100


def test_the_line_managers_email_must_be_given() -> None:
    assert problems_of(mentor_profile(line_manager_email="  ")) == {
        "line_manager_email": "Please give your line manager's work email address."
    }


@pytest.mark.parametrize(
    "email",
    [
        "ward.manager",
        "ward.manager@nhs",
        "ward.manager@@nhs.net",
        "ward manager@nhs.net",
        "@nhs.net",
        "ward.manager@nhs.",
        "ward.manager@.net",
        "a@" + "b" * 250 + ".net",
    ],
)
def test_an_email_that_is_not_an_address_is_refused(email: str) -> None:
    assert problems_of(mentor_profile(line_manager_email=email)) == {
        "line_manager_email": (
            "Your line manager's email doesn't look like an email address (for example name@nhs.net)."
        )
    }


@pytest.mark.parametrize(
    ("email", "kept"),
    [
        ("first.last@nhs.net", "first.last@nhs.net"),
        ("First.Last+rm@Trust.NHS.UK", "first.last+rm@trust.nhs.uk"),
        ("o'brien@nhs.net", "o'brien@nhs.net"),
    ],
)
def test_ordinary_work_addresses_are_accepted(email: str, kept: str) -> None:
    assert mentor_profile(line_manager_email=email).checked().line_manager_email == kept


def test_at_least_one_topic() -> None:
    assert problems_of(mentor_profile(topics=())) == {"topics": "Please choose at least one topic."}


def test_at_most_eight_distinct_topics() -> None:
    topics = tuple(Topic)
    assert problems_of(mentor_profile(topics=topics[: MAX_TOPICS + 1])) == {
        "topics": "Please choose at most 8 topics, the ones that matter most to you."
    }
    assert mentor_profile(topics=topics[:MAX_TOPICS]).checked().topics == topics[:MAX_TOPICS]
    # Repeats do not count against the limit.
    repeated = topics[:MAX_TOPICS] + topics[:2]
    assert mentor_profile(topics=repeated).checked().topics == topics[:MAX_TOPICS]


def test_at_least_one_half_day() -> None:
    assert problems_of(mentor_profile(availability=())) == {
        "availability": "Please choose at least one half-day when you could usually meet."
    }


def test_the_experience_note_is_at_most_500_characters_after_tidying() -> None:
    assert problems_of(mentor_profile(experience_note="n" * 501)) == {
        "experience_note": "Please keep the note to 500 characters; it has 501."
    }
    assert mentor_profile(experience_note="\n\n" + "n" * 500 + "   \n\n").checked().experience_note == "n" * 500


def test_the_introduction_is_at_most_400_characters_after_tidying() -> None:
    assert problems_of(mentor_profile(bio="b" * 401)) == {
        "bio": "Please keep the introduction to 400 characters; it has 401."
    }
    assert mentor_profile(bio="  " + "b" * 400 + "  ").checked().bio == "b" * 400


def test_the_optional_texts_may_be_left_empty() -> None:
    profile = mentee_profile(experience_note="", bio=" \n ").checked()
    assert (profile.experience_note, profile.bio) == ("", "")


def test_every_problem_is_reported_together() -> None:
    profile = mentor_profile(
        job_title="",
        band="",
        directorate="",
        site="",
        line_manager_email="nobody",
        topics=(),
        availability=(),
        experience_note="n" * 600,
        bio="b" * 500,
    )
    with pytest.raises(InvalidFields) as caught:
        profile.checked()
    assert set(caught.value.problems) == {
        "job_title",
        "band",
        "directorate",
        "site",
        "line_manager_email",
        "topics",
        "availability",
        "experience_note",
        "bio",
    }
    assert caught.value.problems["experience_note"].endswith("it has 600.")
    for message in caught.value.problems.values():
        assert message in caught.value.user_message


def test_labels_read_as_people_expect() -> None:
    assert Availability.THU_PM.label == "Thursday afternoon"
    assert Availability.MON_AM.label == "Monday morning"
    assert [a.weekday for a in (Availability.MON_PM, Availability.FRI_AM)] == [0, 4]
    assert Role.MENTEE.label == "Mentee"
    assert Topic.BULLYING.label == "Bullying and harassment"
