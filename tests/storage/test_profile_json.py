"""A profile's stored JSON: every answer round-trips, and a damaged document is refused rather than patched."""

from __future__ import annotations

from typing import Any

import pytest

from programme.grades import Grade
from programme.profiles import Profile, Role
from storage.profile_json import profile_from_json, profile_to_json
from tests.programme.builders import mentee_profile

# One free-text answer given and one left empty, so both survive the trip.
PROFILE = mentee_profile(
    bio="Twenty years in the trust; still learning.", avoid_emails=("old.colleague@nhs.net", "neighbour@nhs.net")
)


def stored(**changes: Any) -> dict[str, Any]:
    return {**profile_to_json(PROFILE), **changes}


def test_every_answer_but_the_role_is_stored() -> None:
    assert profile_to_json(PROFILE) == {
        "job_title": "Director of Nursing",
        "band": "board",
        "directorate": "Corporate",
        "site": "Headquarters",
        "work_email": "director.of.nursing@nhs.net",
        "line_manager_email": "chief.executive@nhs.net",
        "topics": ["leadership-visibility", "belonging"],
        "availability": ["mon-pm", "tue-am"],
        "meeting_preference": "either",
        "experience_note": "",
        "bio": "Twenty years in the trust; still learning.",
        "avoid_emails": ["old.colleague@nhs.net", "neighbour@nhs.net"],
    }


@pytest.mark.parametrize("role", list(Role))
def test_a_profile_round_trips_with_the_role_from_its_own_column(role: Role) -> None:
    assert profile_from_json(role, profile_to_json(PROFILE)) == Profile(**{**PROFILE.__dict__, "role": role})


@pytest.mark.parametrize("grade", list(Grade))
def test_every_grade_round_trips(grade: Grade) -> None:
    profile = mentee_profile(band=grade)
    assert profile_from_json(Role.MENTEE, profile_to_json(profile)).band is grade


def test_nobody_to_avoid_round_trips_as_an_empty_list() -> None:
    document = profile_to_json(mentee_profile())
    assert document["avoid_emails"] == []
    assert profile_from_json(Role.MENTEE, document).avoid_emails == ()


def test_a_document_stored_before_the_work_email_and_colleagues_were_asked_for_still_reads() -> None:
    older = {k: v for k, v in stored().items() if k not in ("work_email", "avoid_emails")}

    profile = profile_from_json(Role.MENTEE, older)

    # Nobody named is the truth; an empty work email means "not known", never an address.
    assert profile.avoid_emails == ()
    assert profile.work_email == ""
    assert profile == Profile(**{**PROFILE.__dict__, "work_email": "", "avoid_emails": ()})


@pytest.mark.parametrize("missing", ["work_email", "avoid_emails"])
def test_either_later_answer_may_be_missing_on_its_own(missing: str) -> None:
    older = {k: v for k, v in stored().items() if k != missing}
    assert profile_from_json(Role.MENTEE, older).job_title == PROFILE.job_title


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        pytest.param([], "JSON object", id="not an object"),
        pytest.param({}, "missing answers", id="empty, as erasure leaves it"),
        pytest.param({k: v for k, v in stored().items() if k != "bio"}, "'bio'", id="an answer missing"),
        pytest.param(stored(pronouns="she/her"), "'pronouns'", id="an unknown answer"),
        pytest.param(stored(site=3), "site must be text", id="a number for text"),
        pytest.param(stored(band="Band 5"), "'Band 5'", id="a free-text band from before the first release"),
        pytest.param(stored(band=5), "band holds int", id="a number for a grade"),
        pytest.param({k: v for k, v in stored().items() if k != "band"}, "'band'", id="the band missing"),
        pytest.param(stored(work_email=None), "work_email must be text", id="null for the work email"),
        pytest.param(stored(avoid_emails="a@nhs.net"), "avoid_emails must be a list", id="a string for the list"),
        pytest.param(stored(avoid_emails=["a@nhs.net", 7]), "avoid_emails must be a list", id="a number in the list"),
        pytest.param(stored(bio=None), "bio must be text", id="null for text"),
        pytest.param(stored(topics="allyship"), "topics must be a list", id="a string for a list"),
        pytest.param(stored(topics=["allyship", "gardening"]), "'gardening'", id="an unknown topic"),
        pytest.param(stored(availability=["sat-am"]), "'sat-am'", id="an unknown half-day"),
        pytest.param(stored(availability=[1]), "availability holds int", id="a number for a choice"),
        pytest.param(stored(meeting_preference="phone"), "'phone'", id="an unknown meeting preference"),
    ],
)
def test_a_damaged_document_is_refused(document: object, complaint: str) -> None:
    with pytest.raises(ValueError, match="stored profile") as raised:
        profile_from_json(Role.MENTOR, document)
    assert complaint in str(raised.value)
