"""A person's answers: tidied before they are judged, every problem reported at once."""

from __future__ import annotations

import pytest

from programme.errors import InvalidFields
from programme.grades import Grade
from programme.profiles import MAX_AVOIDED, MAX_TOPICS, Availability, Profile, Role, Topic
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
        directorate=" Medicine\x00 ",
        site="City   Hospital",
        work_email=" Staff.Nurse@NHS.NET\t",
        line_manager_email="  Ward.Manager@NHS.net ",
        experience_note="\n\nFirst line.\r\n\r\n\r\n\r\nSecond   line.\n\n",
        bio="  Hello  there  ",
    )
    tidy = messy.checked()
    assert (tidy.job_title, tidy.directorate, tidy.site) == ("Staff nurse", "Medicine", "City Hospital")
    assert tidy.work_email == "staff.nurse@nhs.net"
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
        ("directorate", "Please shorten your directorate to 100 characters."),
        ("site", "Please shorten your main site to 100 characters."),
    ],
)
def test_each_line_is_at_most_100_characters(field: str, message: str) -> None:
    assert problems_of(mentor_profile(**{field: "a" * 101})) == {field: message}
    # Length is measured after tidying, so padding does not count.
    accepted = mentor_profile(**{field: "  " + "a" * 100 + "  "}).checked()
    assert getattr(accepted, field) == "a" * 100


def test_the_band_is_a_grade_from_the_list() -> None:
    assert mentor_profile(band="band-8a").checked().band is Grade.BAND_8A
    for typed in ("Band 5", "", "band 5"):
        assert problems_of(mentor_profile(band=typed)) == {"band": "Please choose your band or grade from the list."}


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


# The person's own work email -------------------------------------------------------------------------------------


def test_the_persons_own_work_email_must_be_given() -> None:
    assert problems_of(mentor_profile(work_email=" \t")) == {"work_email": "Please give your own work email address."}


@pytest.mark.parametrize(
    "email", ["staff.nurse", "staff nurse@nhs.net", "staff@nhs", "@nhs.net", "s@" + "n" * 250 + ".net"]
)
def test_an_own_email_that_is_not_an_address_is_refused(email: str) -> None:
    assert problems_of(mentor_profile(work_email=email)) == {
        "work_email": "Your work email doesn't look like an email address (for example name@nhs.net)."
    }


@pytest.mark.parametrize("manager", ["staff.nurse@nhs.net", " Staff.Nurse@NHS.net "])
def test_the_own_email_must_differ_from_the_line_managers(manager: str) -> None:
    # Compared once tidied: the same address in another case is still the same person.
    assert problems_of(mentor_profile(line_manager_email=manager)) == {
        "work_email": "Your own email and your line manager's are the same; please check them."
    }


def test_a_malformed_email_is_reported_as_such_not_as_a_clash() -> None:
    assert set(problems_of(mentor_profile(work_email="nobody", line_manager_email="nobody"))) == {
        "work_email",
        "line_manager_email",
    }
    assert (
        "doesn't look like"
        in problems_of(mentor_profile(work_email="nobody", line_manager_email="nobody"))["work_email"]
    )


def test_a_profile_stored_before_the_work_email_was_asked_for_is_not_valid_as_new_answers() -> None:
    # "" means "not known" on a stored profile; a person changing their answers is asked for it.
    assert set(problems_of(mentor_profile(work_email=""))) == {"work_email"}


# Colleagues the person would rather not be paired with ------------------------------------------------------------


def test_colleagues_to_avoid_are_optional() -> None:
    assert mentor_profile(avoid_emails=()).checked().avoid_emails == ()
    assert mentor_profile(avoid_emails=("", "  ")).checked().avoid_emails == ()


def test_colleagues_to_avoid_are_tidied_lower_cased_and_kept_once_in_the_order_given() -> None:
    profile = mentor_profile(
        avoid_emails=(" Zoe.Ward@NHS.net ", "amir.khan@nhs.net", "zoe.ward@nhs.net", "", "AMIR.KHAN@nhs.net")
    ).checked()
    assert profile.avoid_emails == ("zoe.ward@nhs.net", "amir.khan@nhs.net")


def test_at_most_five_colleagues_to_avoid_after_repeats_are_dropped() -> None:
    five = tuple(f"colleague.{n}@nhs.net" for n in range(MAX_AVOIDED))
    assert mentor_profile(avoid_emails=five + five[:2]).checked().avoid_emails == five
    assert problems_of(mentor_profile(avoid_emails=(*five, "one.more@nhs.net"))) == {
        "avoid_emails": "Please list at most 5 colleagues, the ones that matter most; you've listed 6."
    }


@pytest.mark.parametrize(
    "entry", ["zoe ward", "zoe.ward@nhs", "Zoe Ward <zoe.ward@nhs.net>", "z@" + "n" * 250 + ".net"]
)
def test_each_colleague_to_avoid_must_be_an_email_address(entry: str) -> None:
    assert problems_of(mentor_profile(avoid_emails=("amir.khan@nhs.net", entry))) == {
        "avoid_emails": (
            "One of the colleagues' emails doesn't look like an email address (for example name@nhs.net); "
            "please check them."
        )
    }


def test_the_person_cannot_avoid_themselves() -> None:
    assert problems_of(mentor_profile(avoid_emails=("amir.khan@nhs.net", "Staff.Nurse@nhs.net"))) == {
        "avoid_emails": "Your own email is on the list of colleagues; please take it off."
    }


def test_the_line_manager_may_also_be_named_as_a_colleague_to_avoid() -> None:
    # Redundant (the management-chain rule already keeps them apart) but not wrong, so not worth a problem.
    profile = mentor_profile(avoid_emails=("ward.manager@nhs.net",)).checked()
    assert profile.avoid_emails == ("ward.manager@nhs.net",)


# Topics and times -------------------------------------------------------------------------------------------------


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
        work_email="",
        line_manager_email="nobody",
        avoid_emails=("nobody",),
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
        "work_email",
        "line_manager_email",
        "avoid_emails",
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
