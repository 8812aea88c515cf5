"""The question sets: versioned and never edited once used, the end survey asking the baseline's statements again,
a short pulse, and statements that suit every track."""

from __future__ import annotations

import pytest

from programme.errors import InvalidFields
from programme.profiles import Role
from programme.survey_questions import (
    MAX_ITEM_ID,
    MAX_SET_ID,
    QUESTION_SETS,
    TRACK_WORDS,
    SurveyKind,
    current_set,
    find_set,
)
from programme.tracks import Track

# Every version ever published, and its fingerprint. A version is immutable once it has been used: answers record
# the set and version they answered, and a statement edited in place would make earlier answers look comparable
# with later ones when they are not. To change anything, add a new version (and a new item id for a changed
# statement), and add its fingerprint here; never change a line below.
PUBLISHED = {
    ("mentor-baseline", 1): "92396bbdcc740878ba391c352eb1ee95237f1a5ec27abfeb04d570b489ec17ce",
    ("mentor-midpoint", 1): "4f03ed4f265782424ee743ba20b3245e074ae1aefd00c4cf89958bd83fc3118c",
    ("mentor-end", 1): "b6706344491937ae8d8e2e7d52359212bdbdf9ae5af7249e648712c95560dfa1",
    ("mentee-baseline", 1): "45a01246fcf3f992926832323f2ce30ed6ff34602e10ee90bafee2fd70e674b5",
    ("mentee-midpoint", 1): "eb67a4f5db202ffa8ba381e3fb4ca44b8165cc8633c54f6d4ab2eeb804316f27",
    ("mentee-end", 1): "d8ed770faaa56b359fcc947d9562aa07977532b68f4f5de97ea6df75e48a3908",
}


def test_no_published_version_has_been_edited() -> None:
    current = {(q.id, q.version): q.fingerprint() for q in QUESTION_SETS}

    assert current == PUBLISHED


def test_each_role_and_kind_has_a_set_and_ids_are_unique() -> None:
    assert len({(q.id, q.version) for q in QUESTION_SETS}) == len(QUESTION_SETS)
    for role in Role:
        for kind in SurveyKind:
            questions = current_set(role, kind)
            assert (questions.role, questions.kind) == (role, kind)
            assert find_set(questions.id, questions.version) is questions
            assert len(set(questions.item_ids)) == len(questions.item_ids)
            assert all(len(item_id) <= MAX_ITEM_ID for item_id in questions.item_ids)
            assert len(questions.id) <= MAX_SET_ID
    assert find_set("mentor-baseline", 99) is None


@pytest.mark.parametrize("role", list(Role))
def test_the_end_survey_asks_every_baseline_statement_again_under_the_same_id(role: Role) -> None:
    baseline = current_set(role, SurveyKind.BASELINE)
    end = current_set(role, SurveyKind.END)

    assert end.likert[: len(baseline.likert)] == baseline.likert


@pytest.mark.parametrize("role", list(Role))
def test_the_pulse_is_short(role: Role) -> None:
    pulse = current_set(role, SurveyKind.MIDPOINT)

    assert 2 <= len(pulse.likert) + len(pulse.free_text) <= 3


def test_the_surveys_ask_what_the_programme_is_about() -> None:
    mentor, mentee = current_set(Role.MENTOR, SurveyKind.BASELINE), current_set(Role.MENTEE, SurveyKind.BASELINE)
    race = Track.RACE_EQUALITY
    assert "I feel confident talking about race and racism at work." in [i.text(race) for i in mentor.likert]
    assert any("speak my truth" in i.text(race) for i in mentor.likert)
    assert any("Black and minority ethnic colleagues" in i.text(race) for i in mentee.likert)
    assert any("without becoming defensive" in i.text(race) for i in mentee.likert)
    assert any("committed to real change on race equality" in i.text(race) for i in mentee.likert)
    # One or two optional free-text questions at the start and the end.
    assert all(1 <= len(current_set(r, k).free_text) <= 2 for r in Role for k in (SurveyKind.BASELINE, SurveyKind.END))


@pytest.mark.parametrize("track", list(Track))
def test_every_track_gets_its_own_words_and_no_other_tracks(track: Track) -> None:
    assert track in TRACK_WORDS
    texts = [item.text(track) for q in QUESTION_SETS for item in q.likert]
    assert not any("{" in text or "}" in text for text in texts)
    if track is not Track.RACE_EQUALITY:
        assert not any("race" in text.lower() for text in texts)


def test_answers_are_checked_against_the_set() -> None:
    questions = current_set(Role.MENTOR, SurveyKind.MIDPOINT)
    ids = [item.id for item in questions.likert]

    checked = questions.checked({ids[0]: "1", ids[1]: " 5 ", ids[2]: "3", "made-up": "9"}, {}, Track.DISABILITY)

    assert checked.likert == {ids[0]: 1, ids[1]: 5, ids[2]: 3}
    for bad in ("0", "6", "-1", "2.5", "\u0663", "", "yes"):
        with pytest.raises(InvalidFields) as refused:
            questions.checked({ids[0]: bad, ids[1]: "2", ids[2]: "2"}, {}, Track.AGE)
        assert set(refused.value.problems) == {ids[0]}
