"""A profile's stored JSON: every answer round-trips, and a damaged document is refused rather than patched."""

from __future__ import annotations

from typing import Any

import pytest

from programme.profiles import Profile, Role
from storage.profile_json import profile_from_json, profile_to_json
from tests.programme.builders import mentee_profile

# One free-text answer given and one left empty, so both survive the trip.
PROFILE = mentee_profile(bio="Twenty years in the trust; still learning.")


def stored(**changes: Any) -> dict[str, Any]:
    return {**profile_to_json(PROFILE), **changes}


def test_every_answer_but_the_role_is_stored() -> None:
    assert profile_to_json(PROFILE) == {
        "job_title": "Director of Nursing",
        "band": "Executive",
        "directorate": "Corporate",
        "site": "Headquarters",
        "line_manager_email": "chief.executive@nhs.net",
        "topics": ["leadership-visibility", "belonging"],
        "availability": ["mon-pm", "tue-am"],
        "meeting_preference": "either",
        "experience_note": "",
        "bio": "Twenty years in the trust; still learning.",
    }


@pytest.mark.parametrize("role", list(Role))
def test_a_profile_round_trips_with_the_role_from_its_own_column(role: Role) -> None:
    assert profile_from_json(role, profile_to_json(PROFILE)) == Profile(**{**PROFILE.__dict__, "role": role})


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        pytest.param([], "JSON object", id="not an object"),
        pytest.param({}, "missing answers", id="empty, as erasure leaves it"),
        pytest.param({k: v for k, v in stored().items() if k != "bio"}, "'bio'", id="an answer missing"),
        pytest.param(stored(pronouns="she/her"), "'pronouns'", id="an unknown answer"),
        pytest.param(stored(band=3), "band must be text", id="a number for text"),
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
