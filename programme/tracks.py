"""Programme tracks (which under-represented group's staff mentor) and the level of the leaders they mentor."""

from __future__ import annotations

from enum import StrEnum


class Track(StrEnum):
    """The protected characteristic a cohort is about. The first programmes were race equality; others follow."""

    RACE_EQUALITY = "race-equality"
    DISABILITY = "disability"
    LGBTQ = "lgbtq"
    SEX_AND_GENDER = "sex-and-gender"
    RELIGION_AND_BELIEF = "religion-and-belief"
    AGE = "age"

    @property
    def label(self) -> str:
        return _TRACK_LABELS[self]


_TRACK_LABELS = {
    Track.RACE_EQUALITY: "Race equality",
    Track.DISABILITY: "Disability",
    Track.LGBTQ: "LGBTQ+",
    Track.SEX_AND_GENDER: "Sex and gender",
    Track.RELIGION_AND_BELIEF: "Religion and belief",
    Track.AGE: "Age",
}


class MenteeLevel(StrEnum):
    """Who the mentees are: the board first, then other senior leaders and team managers."""

    BOARD = "board"
    SENIOR_LEADERS = "senior-leaders"
    TEAM_MANAGERS = "team-managers"

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]


_LEVEL_LABELS = {
    MenteeLevel.BOARD: "Board directors",
    MenteeLevel.SENIOR_LEADERS: "Senior leaders",
    MenteeLevel.TEAM_MANAGERS: "Team managers",
}
