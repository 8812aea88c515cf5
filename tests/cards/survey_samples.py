"""Sample builds of the survey cards, and the data they are built from: every kind of survey for both roles, with
answers given and problems to show, and results in every state. test_card_schema.py validates them all; the
worst cases put every piece of text at its limit in the character that costs most on a card."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from cards.elements import Card
from cards.surveys import survey_form_card, survey_results_card, survey_thanks_card
from programme.cohorts import MAX_NAME_LENGTH, CohortState
from programme.profiles import Role
from programme.survey_questions import MAX_FREE_TEXT, SurveyKind, current_set
from programme.surveys import (
    OPEN_FOR,
    ChangeSummary,
    ItemChange,
    ItemSummary,
    KindSummary,
    RoleSummary,
    SurveyForm,
    SurveyResults,
    SurveyThanks,
    Window,
)
from programme.tracks import Track
from tests.cards.match_samples import BIG_ID, COSTLIEST, MARKDOWN, cohort

LONDON = ZoneInfo("Europe/London")
OPENS = datetime(2026, 2, 2, tzinfo=LONDON)
CLOSES = OPENS + OPEN_FOR
COHORT = cohort(CohortState.RUNNING)
HUGE_COHORT = cohort(CohortState.RUNNING, cohort_id=BIG_ID, name=COSTLIEST * MAX_NAME_LENGTH)


def form(role: Role = Role.MENTOR, kind: SurveyKind = SurveyKind.BASELINE, **changes: object) -> SurveyForm:
    built = SurveyForm(
        cohort=COHORT,
        kind=kind,
        questions=current_set(role, kind),
        closes_at=CLOSES,
        zone=LONDON,
        min_responses=5,
    )
    return replace(built, **changes)  # type: ignore[arg-type]


def answered(role: Role, kind: SurveyKind, value: str) -> dict[str, str]:
    return {item.id: value for item in current_set(role, kind).likert}


def worst_form(text: str) -> SurveyForm:
    written = (text * MAX_FREE_TEXT)[:MAX_FREE_TEXT]
    questions = current_set(Role.MENTEE, SurveyKind.END)
    return form(
        Role.MENTEE,
        SurveyKind.END,
        cohort=replace(HUGE_COHORT, plan=replace(HUGE_COHORT.plan, track=Track.RELIGION_AND_BELIEF)),
        likert=answered(Role.MENTEE, SurveyKind.END, "4"),
        free_text={item.id: written for item in questions.free_text},
        answered=True,
        earlier=(("In a sentence or two, what do you hope will be different by the end of the programme?", written),),
        notice=text * 400,
        # The core's own words (they quote the statement, never anything typed), for every question at once.
        problems={
            **{
                item.id: f"Please choose one of the answers given (1 to 5) for \u201c{item.statement}\u201d"
                for item in questions.likert
            },
            **{item.id: f"Please keep your answer to {MAX_FREE_TEXT} characters." for item in questions.free_text},
        },
        reminder=True,
    )


def window(kind: SurveyKind) -> Window:
    return Window(kind, OPENS, CLOSES, opened=True)


def shown(role: Role, kind: SurveyKind, answered_by: int = 7) -> RoleSummary:
    items = tuple(
        ItemSummary(item.id, item.text(Track.RACE_EQUALITY), answered_by, mean=3.4286, agree_percent=57)
        for item in current_set(role, kind).likert
    )
    return RoleSummary(role, answered_by, shown=True, items=items, comments=3)


def results(**changes: object) -> SurveyResults:
    built = SurveyResults(
        cohort=COHORT,
        zone=LONDON,
        min_responses=5,
        surveys=(
            KindSummary(
                SurveyKind.BASELINE,
                window(SurveyKind.BASELINE),
                True,
                (shown(Role.MENTOR, SurveyKind.BASELINE), RoleSummary(Role.MENTEE, 4, shown=False)),
            ),
            KindSummary(
                SurveyKind.MIDPOINT,
                window(SurveyKind.MIDPOINT),
                False,
                (RoleSummary(Role.MENTOR, 6, shown=False), RoleSummary(Role.MENTEE, 0, shown=False)),
                open_now=True,
            ),
            KindSummary(
                SurveyKind.END,
                window(SurveyKind.END),
                False,
                (RoleSummary(Role.MENTOR, 0, False), RoleSummary(Role.MENTEE, 0, False)),
            ),
        ),
        change=(ChangeSummary(Role.MENTOR, 0, False), ChangeSummary(Role.MENTEE, 0, False)),
        change_ready=False,
    )
    return replace(built, **changes)  # type: ignore[arg-type]


def everything_closed() -> SurveyResults:
    mentor_items = current_set(Role.MENTOR, SurveyKind.BASELINE).likert
    return results(
        surveys=tuple(
            KindSummary(kind, window(kind), True, (shown(Role.MENTOR, kind), shown(Role.MENTEE, kind, 5)))
            for kind in SurveyKind
        ),
        change=(
            ChangeSummary(
                Role.MENTOR,
                6,
                True,
                (
                    *(ItemChange(i.id, i.text(Track.RACE_EQUALITY), 6, change=0.8333) for i in mentor_items[:-1]),
                    ItemChange(mentor_items[-1].id, mentor_items[-1].text(Track.RACE_EQUALITY), 4),
                ),
            ),
            ChangeSummary(Role.MENTEE, 5, False, held_back=True),
        ),
        change_ready=True,
    )


def worst_results() -> SurveyResults:
    closed = everything_closed()
    return replace(
        closed,
        cohort=HUGE_COHORT,
        surveys=tuple(
            replace(
                summary,
                roles=tuple(
                    replace(
                        role,
                        answered=BIG_ID,
                        comments=BIG_ID,
                        items=tuple(replace(i, answered=BIG_ID, mean=-1.0, agree_percent=100) for i in role.items),
                    )
                    for role in summary.roles
                ),
            )
            for summary in closed.surveys
        ),
    )


TEXTS = (("backslashes", COSTLIEST), ("stars", "*"), ("emoji", "\U0001f600"), ("quotes", '"'))

SAMPLES: dict[str, list[tuple[str, Card]]] = {
    "cards.surveys.survey_form_card": [
        *((f"{role.value} {kind.value}", survey_form_card(form(role, kind))) for role in Role for kind in SurveyKind),
        (
            "answered, with what they hoped",
            survey_form_card(
                form(
                    Role.MENTEE,
                    SurveyKind.END,
                    likert=answered(Role.MENTEE, SurveyKind.END, "5"),
                    free_text={"changed": "I listen for longer before I answer."},
                    answered=True,
                    earlier=(("What do you hope?", "To understand what my staff network goes through."),),
                )
            ),
        ),
        ("reminder", survey_form_card(form(Role.MENTOR, SurveyKind.MIDPOINT, reminder=True))),
        (
            "problems",
            survey_form_card(
                form(
                    likert={"talk-about": "4", "heard": "9"},
                    problems={"speak-truth": "Please choose an answer.", "heard": "Please choose one of the answers."},
                    notice="Nearly there: please look at the questions marked below.",
                )
            ),
        ),
        ("markdown typed", survey_form_card(form(free_text={"hopes": MARKDOWN * 20}, earlier=(("Q", MARKDOWN),)))),
        *((f"worst case {label}", survey_form_card(worst_form(text))) for label, text in TEXTS),
    ],
    "cards.surveys.survey_thanks_card": [
        ("first answers", survey_thanks_card(SurveyThanks(COHORT, SurveyKind.BASELINE, CLOSES, LONDON, False))),
        ("answers replaced", survey_thanks_card(SurveyThanks(HUGE_COHORT, SurveyKind.END, CLOSES, LONDON, True))),
    ],
    "cards.surveys.survey_results_card": [
        ("part way", survey_results_card(results())),
        ("nothing sent yet", survey_results_card(results(surveys=(), change=()))),
        ("everything closed", survey_results_card(everything_closed())),
        # Nothing people typed is on it: the worst is the longest cohort name and the biggest numbers.
        ("worst case", survey_results_card(worst_results())),
    ],
}
