"""Grades: a fixed list people choose from, read back exactly, and ranked so seniority can be compared."""

from __future__ import annotations

import pytest

from programme.errors import InvalidInput
from programme.grades import Grade, parse_grade

BANDS_IN_ORDER = (
    Grade.BAND_2,
    Grade.BAND_3,
    Grade.BAND_4,
    Grade.BAND_5,
    Grade.BAND_6,
    Grade.BAND_7,
    Grade.BAND_8A,
    Grade.BAND_8B,
    Grade.BAND_8C,
    Grade.BAND_8D,
    Grade.BAND_9,
)


@pytest.mark.parametrize("grade", list(Grade))
def test_every_grade_reads_back_from_its_value(grade: Grade) -> None:
    assert parse_grade(grade.value) is grade
    assert parse_grade(grade) is grade


@pytest.mark.parametrize(
    "raw", ["", " ", "Band 5", "band 5", "BAND-5", "band-5 ", "8a", "Board member", "band-1", None, 5, ["band-5"]]
)
def test_anything_else_is_refused_kindly(raw: object) -> None:
    # Only the card's own values are grades: near misses are not guessed at, since a wrong guess changes matching.
    with pytest.raises(InvalidInput) as refused:
        parse_grade(raw)
    assert refused.value.user_message == "Please choose your band or grade from the list."


def test_bands_rise_in_the_order_of_agenda_for_change() -> None:
    ranks = [band.rank for band in BANDS_IN_ORDER]
    assert ranks == sorted(ranks)
    assert len(set(ranks)) == len(ranks)


def test_senior_roles_outrank_every_band_and_the_board_is_the_most_senior() -> None:
    top_band = Grade.BAND_9.rank
    assert top_band < Grade.SENIOR_MANAGER.rank < Grade.DIRECTOR.rank < Grade.BOARD.rank
    assert max(Grade, key=lambda grade: grade.rank) is Grade.BOARD
    assert min(Grade, key=lambda grade: grade.rank) is Grade.BAND_2


def test_doctors_sit_beside_the_bands_they_are_usually_paid_alongside() -> None:
    assert Grade.BAND_5.rank < Grade.RESIDENT_DOCTOR.rank < Grade.BAND_7.rank
    assert Grade.RESIDENT_DOCTOR.rank < Grade.SPECIALTY_DOCTOR.rank < Grade.CONSULTANT.rank
    assert Grade.CONSULTANT.rank < Grade.BAND_9.rank


def test_every_grade_has_a_distinct_label_a_person_recognises() -> None:
    labels = [grade.label for grade in Grade]
    assert len(set(labels)) == len(labels)
    assert Grade.BAND_8A.label == "Band 8a"
    assert Grade.BOARD.label == "Board member (executive or non-executive)"
    assert all(isinstance(grade.rank, int) for grade in Grade)
