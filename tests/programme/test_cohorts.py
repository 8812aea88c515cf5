"""Cohort plans are checked as a whole, and a cohort moves only along its lifecycle."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from programme.cohorts import (
    PLANNING_HORIZON,
    TRANSITIONS,
    Cadence,
    Cohort,
    CohortPlan,
    CohortState,
)
from programme.errors import Conflict, InvalidFields
from tests.programme.builders import COORDINATOR, TODAY, cohort_plan
from tests.support.fakes import DEFAULT_NOW


def problems_of(plan: CohortPlan, today: date = TODAY) -> dict[str, str]:
    with pytest.raises(InvalidFields) as caught:
        plan.checked(today)
    return caught.value.problems


# A valid plan ------------------------------------------------------------------------------------------------------


def test_a_valid_plan_comes_back_with_its_name_tidied_and_training_dates_sorted_once() -> None:
    first, second = TODAY + timedelta(days=16), TODAY + timedelta(days=20)
    plan = cohort_plan(TODAY, name="  Board\treverse \n mentoring  ", training_dates=(second, first, second))
    checked = plan.checked(TODAY)
    assert checked.name == "Board reverse mentoring"
    assert checked.training_dates == (first, second)
    assert checked.signup_closes == plan.signup_closes
    assert checked.starts_on == plan.starts_on
    assert checked.ends_on == plan.ends_on
    assert (checked.sessions, checked.cadence, checked.session_minutes, checked.mentor_capacity) == (
        6,
        Cadence.MONTHLY,
        60,
        1,
    )


def test_the_builders_plan_is_valid_as_it_is() -> None:
    plan = cohort_plan(TODAY)
    assert plan.checked(TODAY) == plan


# Name ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "ab", "  ab  ", "x" * 81, "\t\n "])
def test_a_name_must_be_3_to_80_characters_after_tidying(name: str) -> None:
    assert problems_of(cohort_plan(TODAY, name=name)) == {"name": "The cohort's name should be 3 to 80 characters."}


@pytest.mark.parametrize(("name", "kept"), [("abc", "abc"), (" a  b ", "a b"), ("y" * 80, "y" * 80)])
def test_names_at_the_limits_are_accepted(name: str, kept: str) -> None:
    assert cohort_plan(TODAY, name=name).checked(TODAY).name == kept


# Sign-up deadline ---------------------------------------------------------------------------------------------------


def test_a_deadline_in_the_past_is_refused() -> None:
    assert problems_of(cohort_plan(TODAY, signup_closes=TODAY - timedelta(days=1))) == {
        "signup_closes": "The sign-up deadline is in the past; please choose today or a later date."
    }


def test_a_deadline_of_today_is_accepted() -> None:
    assert cohort_plan(TODAY, signup_closes=TODAY).checked(TODAY).signup_closes == TODAY


def test_a_deadline_more_than_three_years_away_is_queried() -> None:
    closes = TODAY + PLANNING_HORIZON + timedelta(days=1)
    starts = closes + timedelta(days=7)
    plan = cohort_plan(TODAY, signup_closes=closes, starts_on=starts, ends_on=starts + timedelta(days=140))
    assert problems_of(plan) == {
        "signup_closes": "The sign-up deadline is more than three years away; is the year right?"
    }
    # One day earlier is at the horizon, and fine.
    on_horizon = cohort_plan(
        TODAY, signup_closes=closes - timedelta(days=1), starts_on=starts, ends_on=starts + timedelta(days=140)
    )
    assert on_horizon.checked(TODAY).signup_closes == TODAY + PLANNING_HORIZON


# Start and end -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("days_after_closing", [0, -1])
def test_the_start_must_come_after_sign_ups_close(days_after_closing: int) -> None:
    plan = cohort_plan(TODAY)
    plan = cohort_plan(TODAY, starts_on=plan.signup_closes + timedelta(days=days_after_closing))
    assert problems_of(plan)["starts_on"] == (
        "The cohort should start after sign-ups close, to leave time for approval, training and matching."
    )


def test_a_start_the_day_after_sign_ups_close_is_accepted() -> None:
    closes = TODAY + timedelta(days=3)
    plan = cohort_plan(
        TODAY,
        signup_closes=closes,
        starts_on=closes + timedelta(days=1),
        ends_on=closes + timedelta(days=141),
        training_dates=(),
    )
    assert plan.checked(TODAY).starts_on == TODAY + timedelta(days=4)


@pytest.mark.parametrize("days_after_start", [0, -10])
def test_the_end_must_come_after_the_start(days_after_start: int) -> None:
    plan = cohort_plan(TODAY)
    plan = cohort_plan(TODAY, ends_on=plan.starts_on + timedelta(days=days_after_start))
    assert problems_of(plan) == {
        "ends_on": "The end date is on or before the start date; please choose a later end date."
    }


@pytest.mark.parametrize(
    ("sessions", "cadence", "days_needed", "wording"),
    [
        (6, Cadence.MONTHLY, 140, "6 monthly sessions"),
        (12, Cadence.FORTNIGHTLY, 154, "12 fortnightly sessions"),
        (3, Cadence.SIX_WEEKLY, 84, "3 six weekly sessions"),
        (2, Cadence.MONTHLY, 28, "2 monthly sessions"),
    ],
)
def test_the_dates_must_leave_room_for_every_session_at_the_cadence(
    sessions: int, cadence: Cadence, days_needed: int, wording: str
) -> None:
    base = cohort_plan(TODAY)
    short = cohort_plan(
        TODAY, sessions=sessions, cadence=cadence, ends_on=base.starts_on + timedelta(days=days_needed - 1)
    )
    assert problems_of(short) == {
        "ends_on": f"{wording} need at least {days_needed} days between the start and end dates."
    }
    just_enough = cohort_plan(
        TODAY, sessions=sessions, cadence=cadence, ends_on=base.starts_on + timedelta(days=days_needed)
    )
    assert just_enough.checked(TODAY).sessions == sessions


def test_a_single_session_needs_only_an_end_after_the_start() -> None:
    base = cohort_plan(TODAY)
    plan = cohort_plan(TODAY, sessions=1, ends_on=base.starts_on + timedelta(days=1))
    assert plan.checked(TODAY).sessions == 1


def test_an_end_date_years_away_is_queried() -> None:
    base = cohort_plan(TODAY)
    too_far = TODAY + PLANNING_HORIZON + timedelta(days=367)
    assert problems_of(cohort_plan(TODAY, ends_on=too_far)) == {
        "ends_on": "The end date is very far away; is the year right?"
    }
    furthest = TODAY + PLANNING_HORIZON + timedelta(days=366)
    assert cohort_plan(TODAY, ends_on=furthest).checked(TODAY).ends_on == furthest
    assert base.ends_on < furthest


# Sessions, minutes, capacity ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sessions", [0, -1, 13, 40])
def test_sessions_must_be_1_to_12(sessions: int) -> None:
    # Only the count is reported: the span check needs a sensible number to say anything useful.
    assert problems_of(cohort_plan(TODAY, sessions=sessions)) == {
        "sessions": "The number of sessions should be between 1 and 12."
    }


def test_twelve_monthly_sessions_fit_when_the_dates_allow() -> None:
    base = cohort_plan(TODAY)
    plan = cohort_plan(TODAY, sessions=12, ends_on=base.starts_on + timedelta(days=28 * 11))
    assert plan.checked(TODAY).sessions == 12


@pytest.mark.parametrize("minutes", [30, 45, 60, 90])
def test_the_offered_session_lengths_are_accepted(minutes: int) -> None:
    assert cohort_plan(TODAY, session_minutes=minutes).checked(TODAY).session_minutes == minutes


@pytest.mark.parametrize("minutes", [0, 15, 50, 120])
def test_other_session_lengths_are_refused(minutes: int) -> None:
    assert problems_of(cohort_plan(TODAY, session_minutes=minutes)) == {
        "session_minutes": "Please choose a session length of 30, 45, 60 or 90 minutes."
    }


@pytest.mark.parametrize("capacity", [1, 2])
def test_a_mentor_may_have_one_or_two_mentees(capacity: int) -> None:
    assert cohort_plan(TODAY, mentor_capacity=capacity).checked(TODAY).mentor_capacity == capacity


@pytest.mark.parametrize("capacity", [0, 3, -1])
def test_other_mentor_capacities_are_refused(capacity: int) -> None:
    assert problems_of(cohort_plan(TODAY, mentor_capacity=capacity)) == {
        "mentor_capacity": "Each mentor can have one or two mentees."
    }


# Training dates -----------------------------------------------------------------------------------------------------


def test_at_most_five_training_dates() -> None:
    five = tuple(TODAY + timedelta(days=n) for n in range(1, 6))
    assert cohort_plan(TODAY, training_dates=five).checked(TODAY).training_dates == five
    six = tuple(TODAY + timedelta(days=n) for n in range(1, 7))
    assert problems_of(cohort_plan(TODAY, training_dates=six)) == {
        "training_dates": "Please give at most 5 training dates."
    }


def test_a_training_date_in_the_past_is_refused_but_today_is_fine() -> None:
    assert problems_of(cohort_plan(TODAY, training_dates=(TODAY - timedelta(days=1),))) == {
        "training_dates": "A training date is in the past."
    }
    assert cohort_plan(TODAY, training_dates=(TODAY,)).checked(TODAY).training_dates == (TODAY,)


@pytest.mark.parametrize("days_from_start", [0, 1, 30])
def test_training_must_happen_before_the_cohort_starts(days_from_start: int) -> None:
    base = cohort_plan(TODAY)
    plan = cohort_plan(TODAY, training_dates=(base.starts_on + timedelta(days=days_from_start),))
    assert problems_of(plan) == {"training_dates": "Training should happen before the cohort starts."}


def test_training_the_day_before_the_start_is_accepted() -> None:
    base = cohort_plan(TODAY)
    day_before = base.starts_on - timedelta(days=1)
    assert cohort_plan(TODAY, training_dates=(day_before,)).checked(TODAY).training_dates == (day_before,)


# Everything at once ---------------------------------------------------------------------------------------------------


def test_every_problem_is_reported_together() -> None:
    plan = cohort_plan(
        TODAY,
        name="x",
        signup_closes=TODAY - timedelta(days=2),
        starts_on=TODAY - timedelta(days=3),
        ends_on=TODAY - timedelta(days=4),
        sessions=0,
        session_minutes=20,
        mentor_capacity=4,
        training_dates=(TODAY - timedelta(days=1),),
    )
    with pytest.raises(InvalidFields) as caught:
        plan.checked(TODAY)
    problems = caught.value.problems
    assert set(problems) == {
        "name",
        "signup_closes",
        "starts_on",
        "ends_on",
        "sessions",
        "session_minutes",
        "mentor_capacity",
        "training_dates",
    }
    summary = caught.value.user_message
    assert summary.startswith("Please check: ")
    for message in problems.values():
        assert message in summary


def test_the_same_plan_is_judged_against_the_day_it_is_checked() -> None:
    plan = cohort_plan(TODAY)
    assert plan.checked(TODAY) == plan
    # A week after sign-ups closed, both the deadline and the training date are in the past.
    assert set(problems_of(plan, today=plan.signup_closes + timedelta(days=8))) == {"signup_closes", "training_dates"}


# Lifecycle ----------------------------------------------------------------------------------------------------------


def cohort(state: CohortState, cohort_id: int = 7) -> Cohort:
    return Cohort(
        id=cohort_id,
        plan=cohort_plan(TODAY),
        state=state,
        created_by=COORDINATOR,
        created_at=DEFAULT_NOW,
        updated_at=DEFAULT_NOW,
    )


ALLOWED = [(state, target) for state, targets in TRANSITIONS.items() for target in sorted(targets)]
REFUSED = [(state, target) for state in CohortState for target in CohortState if target not in TRANSITIONS[state]]


def test_the_lifecycle_is_the_documented_one() -> None:
    assert set(ALLOWED) == {
        (CohortState.DRAFT, CohortState.RECRUITING),
        (CohortState.RECRUITING, CohortState.MATCHING),
        (CohortState.MATCHING, CohortState.RECRUITING),
        (CohortState.MATCHING, CohortState.RUNNING),
        (CohortState.RUNNING, CohortState.CLOSING),
        (CohortState.CLOSING, CohortState.CLOSED),
    }


@pytest.mark.parametrize(("state", "target"), ALLOWED)
def test_every_allowed_move_passes(state: CohortState, target: CohortState) -> None:
    cohort(state).check_move(target)


@pytest.mark.parametrize(("state", "target"), REFUSED)
def test_every_other_move_is_a_conflict_naming_the_cohort(state: CohortState, target: CohortState) -> None:
    with pytest.raises(Conflict) as caught:
        cohort(state).check_move(target)
    assert caught.value.user_message.startswith("Cohort 7: Board reverse mentoring is ")


@pytest.mark.parametrize(
    ("state", "target", "message"),
    [
        (
            CohortState.DRAFT,
            CohortState.DRAFT,
            "Cohort 7: Board reverse mentoring is already a draft; nothing changed.",
        ),
        (
            CohortState.RECRUITING,
            CohortState.RECRUITING,
            "Cohort 7: Board reverse mentoring is already open for sign-ups; nothing changed.",
        ),
        (
            CohortState.CLOSED,
            CohortState.CLOSED,
            "Cohort 7: Board reverse mentoring is already closed; nothing changed.",
        ),
        (
            CohortState.CLOSED,
            CohortState.RECRUITING,
            "Cohort 7: Board reverse mentoring is closed, so it can't change any more. Create a new cohort instead.",
        ),
        (
            CohortState.DRAFT,
            CohortState.RUNNING,
            "Cohort 7: Board reverse mentoring is a draft, so it can't become running from there. "
            "The next step for it is to open it for sign-ups.",
        ),
        (
            CohortState.RECRUITING,
            CohortState.RUNNING,
            "Cohort 7: Board reverse mentoring is open for sign-ups, so it can't become running from there. "
            "The next step for it is to close its sign-ups.",
        ),
        (
            CohortState.MATCHING,
            CohortState.CLOSED,
            "Cohort 7: Board reverse mentoring is closed to sign-ups and being matched, so it can't become closed "
            "from there. The next step for it is to match and publish its pairs, or reopen its sign-ups.",
        ),
        (
            CohortState.RUNNING,
            CohortState.RECRUITING,
            "Cohort 7: Board reverse mentoring is running, so it can't become open for sign-ups from there. "
            "The next step for it is to start closing it.",
        ),
        (
            CohortState.CLOSING,
            CohortState.RUNNING,
            "Cohort 7: Board reverse mentoring is closing, so it can't become running from there. "
            "The next step for it is to close it.",
        ),
    ],
)
def test_a_refused_move_says_what_can_happen_next(state: CohortState, target: CohortState, message: str) -> None:
    with pytest.raises(Conflict) as caught:
        cohort(state).check_move(target)
    assert caught.value.user_message == message


# Sign-ups ---------------------------------------------------------------------------------------------------------


def test_a_recruiting_cohort_takes_sign_ups_up_to_and_including_its_deadline() -> None:
    recruiting = cohort(CohortState.RECRUITING)
    closes = recruiting.plan.signup_closes
    assert recruiting.accepts_signups(TODAY)
    assert recruiting.accepts_signups(closes)
    assert not recruiting.accepts_signups(closes + timedelta(days=1))


@pytest.mark.parametrize("state", [s for s in CohortState if s is not CohortState.RECRUITING])
def test_only_a_recruiting_cohort_takes_sign_ups(state: CohortState) -> None:
    assert not cohort(state).accepts_signups(TODAY)


def test_a_cohort_is_titled_by_number_and_name() -> None:
    assert cohort(CohortState.DRAFT, cohort_id=12).title == "Cohort 12: Board reverse mentoring"
