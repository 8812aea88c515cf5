"""What coordinators may see of a cohort's answers: only totals, only once a survey has closed, only for enough
people; the change from start to end only where it cannot be set beside the totals to work out a few people's
answers; and never what anyone wrote in their own words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import timedelta

import pytest

from programme.cohorts import Cohort, CohortState
from programme.profiles import Role
from programme.survey_questions import SurveyKind, current_set
from programme.surveys import (
    OPEN_FOR,
    ChangeSummary,
    RoleSummary,
    SurveyResponse,
    SurveyResults,
    SurveyRound,
    summarise,
    survey_windows,
)
from tests.programme.builders import COORDINATOR, LONDON, TODAY, cohort_plan
from tests.programme.survey_world import ENDS, STARTS, at
from tests.support.fakes import DEFAULT_NOW

COHORT = Cohort(
    id=4,
    plan=cohort_plan(TODAY, starts_on=STARTS, ends_on=ENDS, training_dates=()),
    state=CohortState.RUNNING,
    created_by=COORDINATOR,
    created_at=DEFAULT_NOW,
    updated_at=DEFAULT_NOW,
)
WINDOWS = survey_windows(COHORT, [], DEFAULT_NOW, LONDON)
# Everything has closed.
AFTER = at(ENDS) + OPEN_FOR + timedelta(days=1)
SECRET = "The ward manager who blocks every application from my team"


def answers(
    role: Role, kind: SurveyKind, values: Sequence[int], *, first: int = 0, written: bool = False
) -> list[SurveyResponse]:
    """One response per value, each under its own pseudonym ``p<n>`` (counting from ``first``), every statement
    answered with that value."""
    questions = current_set(role, kind)
    return [
        SurveyResponse(
            COHORT.id,
            kind,
            role,
            f"{role.value}-{first + n}",
            questions.id,
            questions.version,
            {item.id: value for item in questions.likert},
            {"hopes": SECRET} if written else {},
        )
        for n, value in enumerate(values)
    ]


def results(responses: Sequence[SurveyResponse], *, minimum: int = 5, now: object = AFTER) -> SurveyResults:
    return summarise(COHORT, WINDOWS, responses, now, minimum, LONDON)  # type: ignore[arg-type]


def role_of(found: SurveyResults, kind: SurveyKind, role: Role) -> RoleSummary:
    (summary,) = [s for s in found.surveys if s.kind is kind]
    (shown,) = [r for r in summary.roles if r.role is role]
    return shown


def change_of(found: SurveyResults, role: Role) -> ChangeSummary:
    (change,) = [c for c in found.change if c.role is role]
    return change


def test_four_answers_are_hidden_and_five_are_shown() -> None:
    four = role_of(results(answers(Role.MENTOR, SurveyKind.BASELINE, [1, 2, 4, 5])), SurveyKind.BASELINE, Role.MENTOR)
    five = role_of(
        results(answers(Role.MENTOR, SurveyKind.BASELINE, [1, 2, 4, 5, 5])), SurveyKind.BASELINE, Role.MENTOR
    )

    assert (four.answered, four.shown, four.items, four.comments) == (4, False, (), None)
    assert (five.answered, five.shown) == (5, True)
    assert [item.item_id for item in five.items] == [
        item.id for item in current_set(Role.MENTOR, SurveyKind.BASELINE).likert
    ]
    first = five.items[0]
    assert (first.answered, first.agree_percent) == (5, 60)
    assert first.mean == pytest.approx(3.4)
    assert first.text == "I feel confident talking about race and racism at work."


def test_a_threshold_of_three_shows_three_and_below_three_is_refused() -> None:
    three = role_of(
        results(answers(Role.MENTEE, SurveyKind.MIDPOINT, [3, 4, 5]), minimum=3), SurveyKind.MIDPOINT, Role.MENTEE
    )
    assert three.shown
    assert three.items[0].mean == pytest.approx(4.0)
    with pytest.raises(ValueError, match="at least 3"):
        results(answers(Role.MENTEE, SurveyKind.MIDPOINT, [3, 4]), minimum=2)


def test_nothing_is_shown_while_a_survey_is_open() -> None:
    open_now = WINDOWS[SurveyKind.BASELINE].opens + timedelta(days=3)
    many = answers(Role.MENTOR, SurveyKind.BASELINE, [4] * 9)

    found = role_of(results(many, now=open_now), SurveyKind.BASELINE, Role.MENTOR)

    assert (found.answered, found.shown, found.items) == (9, False, ())


def test_roles_are_counted_apart_and_never_added_together() -> None:
    found = results(
        answers(Role.MENTOR, SurveyKind.BASELINE, [4] * 5) + answers(Role.MENTEE, SurveyKind.BASELINE, [2] * 4)
    )

    assert role_of(found, SurveyKind.BASELINE, Role.MENTOR).shown
    mentees = role_of(found, SurveyKind.BASELINE, Role.MENTEE)
    assert (mentees.answered, mentees.shown) == (4, False)
    assert not hasattr(found, "total")


def test_free_text_is_only_counted() -> None:
    found = results(
        answers(Role.MENTEE, SurveyKind.BASELINE, [3] * 6, written=True)[:3]
        + answers(Role.MENTEE, SurveyKind.BASELINE, [3] * 3, first=3)
    )

    mentees = role_of(found, SurveyKind.BASELINE, Role.MENTEE)
    assert mentees.comments == 3
    assert SECRET not in repr(found)


def test_the_change_is_worked_out_per_person_and_averaged() -> None:
    before = answers(Role.MENTEE, SurveyKind.BASELINE, [1, 2, 2, 3, 3])
    after = answers(Role.MENTEE, SurveyKind.END, [3, 3, 4, 3, 5])

    change = change_of(results(before + after), Role.MENTEE)

    assert (change.pairs, change.shown, change.held_back) == (5, True, False)
    assert [item.change for item in change.items] == [pytest.approx(1.4)] * len(change.items)
    # The statements of the baseline, which the end survey asks again.
    assert [item.item_id for item in change.items] == [
        item.id for item in current_set(Role.MENTEE, SurveyKind.BASELINE).likert
    ]


def test_the_change_needs_enough_people_who_answered_both() -> None:
    before = answers(Role.MENTOR, SurveyKind.BASELINE, [2] * 8)
    # Four of the same people, and four others.
    after = answers(Role.MENTOR, SurveyKind.END, [4] * 4) + answers(Role.MENTOR, SurveyKind.END, [4] * 4, first=20)

    change = change_of(results(before + after), Role.MENTOR)

    assert (change.pairs, change.shown, change.items) == (4, False, ())


def test_the_change_is_held_back_when_a_few_answered_only_one_survey() -> None:
    # Six at the start, five of them at the end: the change beside the two averages would give away the sixth
    # person's baseline answers.
    before = answers(Role.MENTOR, SurveyKind.BASELINE, [1, 2, 3, 4, 5, 2])
    after = answers(Role.MENTOR, SurveyKind.END, [2, 3, 4, 5, 5])

    change = change_of(results(before + after), Role.MENTOR)

    assert (change.pairs, change.shown, change.held_back) == (5, False, True)
    assert all(item.change is None for item in change.items)


def test_the_change_is_shown_when_those_who_answered_only_one_are_enough_too() -> None:
    before = answers(Role.MENTOR, SurveyKind.BASELINE, [2] * 10)
    after = answers(Role.MENTOR, SurveyKind.END, [3] * 5)

    change = change_of(results(before + after), Role.MENTOR)

    assert (change.pairs, change.shown) == (5, True)
    assert change.items[0].change == pytest.approx(1.0)


def test_the_change_waits_for_the_end_survey_to_close() -> None:
    before = answers(Role.MENTOR, SurveyKind.BASELINE, [2] * 5)
    after = answers(Role.MENTOR, SurveyKind.END, [3] * 5)

    found = results(before + after, now=at(ENDS) + timedelta(days=3))

    assert not found.change_ready
    assert not change_of(found, Role.MENTOR).shown
    assert role_of(found, SurveyKind.BASELINE, Role.MENTOR).shown
    assert not role_of(found, SurveyKind.END, Role.MENTOR).shown


def test_the_pulse_is_summarised_once_it_closes() -> None:
    pulse = answers(Role.MENTOR, SurveyKind.MIDPOINT, [5] * 5)
    windows = survey_windows(COHORT, [SurveyRound(COHORT.id, SurveyKind.BASELINE, at(STARTS, 0), False)], None, LONDON)

    found = summarise(COHORT, windows, pulse, AFTER, 5, LONDON)

    mentors = role_of(found, SurveyKind.MIDPOINT, Role.MENTOR)
    assert mentors.shown
    assert {item.mean for item in mentors.items} == {5.0}


def test_a_result_that_is_not_shown_holds_no_numbers() -> None:
    found = results(answers(Role.MENTOR, SurveyKind.BASELINE, [1, 5, 5, 5]))

    hidden = role_of(found, SurveyKind.BASELINE, Role.MENTOR)
    numbers = [f.name for f in fields(hidden) if f.name not in ("answered", "role", "shown")]
    assert all(getattr(hidden, name) in ((), None) for name in numbers)
