"""Grades (Agenda for Change bands, medical grades and senior roles) and how senior each is.

Reverse mentoring needs the mentee to be clearly more senior than the mentor, so grades are a fixed list with a
rank rather than free text: "Band 8a", "8A" and "band 8-a" must never compare differently.
"""

from __future__ import annotations

from enum import StrEnum

from programme.errors import InvalidInput


class Grade(StrEnum):
    BAND_2 = "band-2"
    BAND_3 = "band-3"
    BAND_4 = "band-4"
    BAND_5 = "band-5"
    BAND_6 = "band-6"
    BAND_7 = "band-7"
    BAND_8A = "band-8a"
    BAND_8B = "band-8b"
    BAND_8C = "band-8c"
    BAND_8D = "band-8d"
    BAND_9 = "band-9"
    RESIDENT_DOCTOR = "resident-doctor"
    SPECIALTY_DOCTOR = "specialty-doctor"
    CONSULTANT = "consultant"
    SENIOR_MANAGER = "senior-manager"
    DIRECTOR = "director"
    BOARD = "board"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def rank(self) -> int:
        """Higher is more senior. Medical grades sit beside the bands they are usually paid alongside."""
        return _RANKS[self]


_LABELS = {
    Grade.BAND_2: "Band 2",
    Grade.BAND_3: "Band 3",
    Grade.BAND_4: "Band 4",
    Grade.BAND_5: "Band 5",
    Grade.BAND_6: "Band 6",
    Grade.BAND_7: "Band 7",
    Grade.BAND_8A: "Band 8a",
    Grade.BAND_8B: "Band 8b",
    Grade.BAND_8C: "Band 8c",
    Grade.BAND_8D: "Band 8d",
    Grade.BAND_9: "Band 9",
    Grade.RESIDENT_DOCTOR: "Resident doctor",
    Grade.SPECIALTY_DOCTOR: "Specialty or specialist doctor",
    Grade.CONSULTANT: "Consultant",
    Grade.SENIOR_MANAGER: "Very senior manager",
    Grade.DIRECTOR: "Director (not on the board)",
    Grade.BOARD: "Board member (executive or non-executive)",
}

_RANKS = {
    Grade.BAND_2: 2,
    Grade.BAND_3: 3,
    Grade.BAND_4: 4,
    Grade.BAND_5: 5,
    Grade.BAND_6: 6,
    Grade.BAND_7: 7,
    Grade.BAND_8A: 8,
    Grade.BAND_8B: 9,
    Grade.BAND_8C: 10,
    Grade.BAND_8D: 11,
    Grade.BAND_9: 12,
    Grade.RESIDENT_DOCTOR: 6,
    Grade.SPECIALTY_DOCTOR: 8,
    Grade.CONSULTANT: 10,
    Grade.SENIOR_MANAGER: 13,
    Grade.DIRECTOR: 14,
    Grade.BOARD: 15,
}


def parse_grade(raw: object) -> Grade:
    try:
        return Grade(str(raw))
    except ValueError:
        raise InvalidInput("Please choose your band or grade from the list.") from None
