"""The programme's questionnaires: what each role is asked at the start, half way through and at the end.

The baseline and end surveys ask the same agreement statements, under the same item ids, so that how each person
moved can be measured (see :mod:`programme.surveys`); the mid-point pulse is short on purpose. Every set has an id
and a version, and each answer records both. **A version is immutable once it has been used**: a changed
statement would make answers given before and after the change look comparable when they are not, so any change,
however small, is a new version (and a changed statement a new item id). ``tests/programme/test_survey_questions.py``
holds a fingerprint of every published version and fails if one is edited in place.

Statements are written once for every track: ``{topic}``, ``{colleagues}`` and ``{cause}`` are filled in with the
cohort's track (race equality, disability, ...), so a disability cohort is never asked about race.

Free-text questions are optional and, like every answer, pseudonymous; unlike the agreement statements they are
never shown to coordinators, even in groups (a sentence can give its writer away where a number cannot). They are
the person's own: the end survey shows each person what they wrote at the start.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from programme.errors import InvalidFields
from programme.profiles import Role
from programme.text import clean_paragraph
from programme.tracks import Track

LOWEST = 1
HIGHEST = 5
MAX_FREE_TEXT = 1000
# Cleaning collapses whitespace, so a little more may arrive than is kept; far more is not worth cleaning.
_MAX_RAW_FREE_TEXT = 4 * MAX_FREE_TEXT
MAX_ITEM_ID = 40
MAX_SET_ID = 40


class SurveyKind(StrEnum):
    BASELINE = "baseline"
    MIDPOINT = "midpoint"
    END = "end"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def heading(self) -> str:
        return _KIND_TITLES[self]


_KIND_LABELS = {
    SurveyKind.BASELINE: "start-of-programme survey",
    SurveyKind.MIDPOINT: "mid-point check-in",
    SurveyKind.END: "end-of-programme survey",
}
_KIND_TITLES = {
    SurveyKind.BASELINE: "Start-of-programme survey",
    SurveyKind.MIDPOINT: "Mid-point check-in",
    SurveyKind.END: "End-of-programme survey",
}

# What each point of the scale means; every statement is answered on the same agreement scale.
SCALE: tuple[tuple[int, str], ...] = (
    (1, "Strongly disagree"),
    (2, "Disagree"),
    (3, "Neither agree nor disagree"),
    (4, "Agree"),
    (5, "Strongly agree"),
)


@dataclass(frozen=True)
class TrackWords:
    """How the statements name a track's subject: "talking about {topic}", "{colleagues}", "change on {cause}"."""

    topic: str
    colleagues: str
    cause: str


TRACK_WORDS: Mapping[Track, TrackWords] = {
    Track.RACE_EQUALITY: TrackWords("race and racism", "Black and minority ethnic colleagues", "race equality"),
    Track.DISABILITY: TrackWords("disability and ableism", "disabled colleagues", "disability equality"),
    Track.LGBTQ: TrackWords(
        "sexual orientation, gender identity and homophobia", "LGBTQ+ colleagues", "LGBTQ+ inclusion"
    ),
    Track.SEX_AND_GENDER: TrackWords("sex, gender and sexism", "colleagues held back by sexism", "gender equality"),
    Track.RELIGION_AND_BELIEF: TrackWords(
        "religion, belief and prejudice against them",
        "colleagues of minority faiths and beliefs",
        "equality for every faith and belief",
    ),
    Track.AGE: TrackWords("age and ageism", "colleagues held back by their age", "age equality"),
}


@dataclass(frozen=True)
class LikertItem:
    """A statement answered from 1 (strongly disagree) to 5 (strongly agree)."""

    id: str
    statement: str

    def text(self, track: Track) -> str:
        words = TRACK_WORDS[track]
        return self.statement.format(topic=words.topic, colleagues=words.colleagues, cause=words.cause)


@dataclass(frozen=True)
class FreeTextItem:
    """An optional question answered in the person's own words."""

    id: str
    question: str
    hint: str


@dataclass(frozen=True)
class Answers:
    """One person's answers to one set, checked: every statement answered 1 to 5, free text tidy (unanswered free
    text is left out)."""

    likert: Mapping[str, int]
    free_text: Mapping[str, str]


@dataclass(frozen=True)
class QuestionSet:
    id: str
    version: int
    role: Role
    kind: SurveyKind
    likert: tuple[LikertItem, ...]
    free_text: tuple[FreeTextItem, ...] = ()

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.likert) + tuple(item.id for item in self.free_text)

    def fingerprint(self) -> str:
        """A digest of everything people see and every id answers are stored under; it changes with any edit."""
        content = {
            "id": self.id,
            "version": self.version,
            "role": self.role.value,
            "kind": self.kind.value,
            "scale": SCALE,
            # The track's words are part of every statement people read.
            "words": {track.value: [w.topic, w.colleagues, w.cause] for track, w in TRACK_WORDS.items()},
            "likert": [[item.id, item.statement] for item in self.likert],
            "free_text": [[item.id, item.question, item.hint] for item in self.free_text],
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    def checked(self, likert: Mapping[str, str], free_text: Mapping[str, str], track: Track) -> Answers:
        """The answers as submitted (raw text by item id) checked against this set, or :class:`InvalidFields`
        keyed by item id, naming every statement left unanswered at once. Ids this set does not have are
        ignored: they came from an edited card."""
        problems: dict[str, str] = {}
        chosen: dict[str, int] = {}
        for item in self.likert:
            raw = likert.get(item.id, "").strip()
            if not raw:
                problems[item.id] = f"Please choose an answer for \u201c{item.text(track)}\u201d"
            elif raw.isascii() and raw.isdigit() and LOWEST <= int(raw) <= HIGHEST:
                chosen[item.id] = int(raw)
            else:
                problems[item.id] = (
                    f"Please choose one of the answers given (1 to 5) for \u201c{item.text(track)}\u201d"
                )
        written: dict[str, str] = {}
        for text_item in self.free_text:
            raw_text = free_text.get(text_item.id, "")
            tidy = clean_paragraph(raw_text) if len(raw_text) <= _MAX_RAW_FREE_TEXT else None
            if tidy is None or len(tidy) > MAX_FREE_TEXT:
                problems[text_item.id] = f"Please keep your answer to {MAX_FREE_TEXT} characters."
            elif tidy:
                written[text_item.id] = tidy
        if problems:
            raise InvalidFields(problems)
        return Answers(likert=chosen, free_text=written)


# The statements. Ids name what is measured; the same id in the baseline and end sets is the same statement, which
# is what lets a person's change be worked out.
TALK_ABOUT = LikertItem("talk-about", "I feel confident talking about {topic} at work.")
COMMITTED = LikertItem("committed", "I believe this organisation is committed to real change on {cause}.")
SPEAK_TRUTH = LikertItem("speak-truth", "I feel able to speak my truth about my experience at work.")
HEARD = LikertItem("heard", "I feel that senior leaders here listen to the experience of {colleagues}.")
AWARE = LikertItem("aware", "I have a good understanding of what working here is like for {colleagues}.")
LISTEN = LikertItem("listen", "I can listen to hard experiences of {topic} without becoming defensive.")
ACT = LikertItem("act", "I know what I can do in my role to make things fairer.")
WORTHWHILE = LikertItem("worthwhile", "Taking part in the programme has been worthwhile for me.")
CONVERSATIONS = LikertItem("conversations", "Our conversations so far feel worthwhile.")
SAFE = LikertItem("safe", "I feel safe to be open in our conversations.")
TIME = LikertItem("time", "I can make the time the programme needs.")

_ONLY_YOU = (
    "Optional, and only for you: coordinators never see what you write here, only whether people wrote something."
)
HOPES = FreeTextItem(
    "hopes",
    "In a sentence or two, what do you hope will be different by the end of the programme?",
    _ONLY_YOU + " I'll show it to you again with the end-of-programme survey.",
)
CHANGED = FreeTextItem("changed", "Looking back, what has changed for you, if anything?", _ONLY_YOU)

_MENTOR_ITEMS = (TALK_ABOUT, SPEAK_TRUTH, HEARD, COMMITTED)
_MENTEE_ITEMS = (TALK_ABOUT, AWARE, LISTEN, ACT, COMMITTED)
_PULSE = (CONVERSATIONS, SAFE, TIME)

QUESTION_SETS: tuple[QuestionSet, ...] = (
    QuestionSet("mentor-baseline", 1, Role.MENTOR, SurveyKind.BASELINE, _MENTOR_ITEMS, (HOPES,)),
    QuestionSet("mentor-midpoint", 1, Role.MENTOR, SurveyKind.MIDPOINT, _PULSE),
    QuestionSet("mentor-end", 1, Role.MENTOR, SurveyKind.END, (*_MENTOR_ITEMS, WORTHWHILE), (CHANGED,)),
    QuestionSet("mentee-baseline", 1, Role.MENTEE, SurveyKind.BASELINE, _MENTEE_ITEMS, (HOPES,)),
    QuestionSet("mentee-midpoint", 1, Role.MENTEE, SurveyKind.MIDPOINT, _PULSE),
    QuestionSet("mentee-end", 1, Role.MENTEE, SurveyKind.END, (*_MENTEE_ITEMS, WORTHWHILE), (CHANGED,)),
)

_BY_KEY = {(questions.id, questions.version): questions for questions in QUESTION_SETS}


def find_set(set_id: str, version: int) -> QuestionSet | None:
    return _BY_KEY.get((set_id, version))


def current_set(role: Role, kind: SurveyKind) -> QuestionSet:
    """The newest version of the set this role answers for this kind of survey."""
    return max((q for q in QUESTION_SETS if q.role is role and q.kind is kind), key=lambda q: q.version)
