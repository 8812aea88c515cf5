"""The hard rules a proposed pair must keep, and the fit score that ranks the pairs the rules allow."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from typing import Any

import pytest

from programme.applications import Application, ApplicationState, Consent
from programme.cohorts import CohortPlan
from programme.grades import Grade
from programme.identity import PersonId
from programme.management_chain import ManagementChain
from programme.match_rules import POINTS, MatchContext, RuleBreak, fit, max_points, rule_breaks
from programme.match_weights import MatchWeights
from programme.profiles import Availability, MeetingPreference, Profile, Topic
from tests.programme.builders import AISHA, BEN, CHIOMA, TENANT, TODAY, cohort_plan, mentee_profile
from tests.programme.builders import mentor_profile as base_mentor_profile
from tests.support.fakes import DEFAULT_NOW

MENTOR_EMAIL = "amara.okafor@nhs.net"
MENTEE_EMAIL = "director.nursing@nhs.net"
MENTOR_ID, MENTEE_ID = 21, 42


def mentor_answers(**changes: Any) -> Profile:
    answers: dict[str, Any] = {
        "band": Grade.BAND_5,
        "directorate": "Medicine",
        "work_email": MENTOR_EMAIL,
        "line_manager_email": "ward.manager@nhs.net",
        "avoid_emails": (),
        **changes,
    }
    return base_mentor_profile(**answers)


def mentee_answers(**changes: Any) -> Profile:
    answers: dict[str, Any] = {
        "band": Grade.BOARD,
        "directorate": "Corporate",
        "work_email": MENTEE_EMAIL,
        "line_manager_email": "chief.executive@nhs.net",
        "avoid_emails": (),
        **changes,
    }
    return mentee_profile(**answers)


def application(profile: Profile, *, application_id: int, who: PersonId) -> Application:
    return Application(
        id=application_id,
        cohort_id=7,
        tenant=TENANT,
        person=who,
        display_name="Colleague",
        profile=profile,
        consent=Consent(given_at=DEFAULT_NOW),
        state=ApplicationState.APPROVED,
        submitted_at=DEFAULT_NOW,
        updated_at=DEFAULT_NOW,
    )


def mentor(**changes: Any) -> Application:
    return application(mentor_answers(**changes), application_id=MENTOR_ID, who=AISHA)


def mentee(**changes: Any) -> Application:
    return application(mentee_answers(**changes), application_id=MENTEE_ID, who=BEN)


def context(
    *,
    plan: CohortPlan | None = None,
    managers: dict[str, str] | None = None,
    paired_before: frozenset[frozenset[PersonId]] = frozenset(),
    unpaired: frozenset[tuple[int, int]] = frozenset(),
) -> MatchContext:
    return MatchContext(
        plan=plan or cohort_plan(TODAY),
        chain=ManagementChain(managers or {}),
        paired_before=paired_before,
        unpaired=unpaired,
    )


def chain_of(*emails: str) -> dict[str, str]:
    """Each email's manager is the next one: ``chain_of(a, b, c)`` says b manages a and c manages b."""
    return dict(pairwise(emails))


def test_a_suitable_pair_breaks_no_rule() -> None:
    assert rule_breaks(mentor(), mentee(), context()) == []


# The same person ---------------------------------------------------------------------------------------------


def test_someone_cannot_mentor_themselves() -> None:
    same = application(mentee_answers(work_email="someone@nhs.net"), application_id=MENTEE_ID, who=AISHA)

    assert RuleBreak.SAME_PERSON in rule_breaks(mentor(), same, context())


# The management chain ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_the_mentee_manages_the_mentor_at_any_depth(depth: int) -> None:
    between = [f"manager.{n}@nhs.net" for n in range(depth - 1)]
    managers = chain_of(MENTOR_EMAIL, *between, MENTEE_EMAIL)

    assert rule_breaks(mentor(), mentee(), context(managers=managers)) == [RuleBreak.MANAGEMENT_CHAIN]


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_the_mentor_manages_the_mentee_at_any_depth(depth: int) -> None:
    between = [f"manager.{n}@nhs.net" for n in range(depth - 1)]
    managers = chain_of(MENTEE_EMAIL, *between, MENTOR_EMAIL)

    assert rule_breaks(mentor(), mentee(), context(managers=managers)) == [RuleBreak.MANAGEMENT_CHAIN]


def test_colleagues_under_the_same_manager_are_not_in_each_others_chain() -> None:
    managers = {MENTOR_EMAIL: "boss@nhs.net", MENTEE_EMAIL: "boss@nhs.net", "boss@nhs.net": "top@nhs.net"}

    assert rule_breaks(mentor(), mentee(), context(managers=managers)) == []


def test_the_chain_matches_emails_whatever_their_case() -> None:
    managers = {" Amara.Okafor@NHS.net": "Manager@nhs.net", "MANAGER@nhs.net": "Director.Nursing@NHS.NET "}

    assert rule_breaks(mentor(), mentee(), context(managers=managers)) == [RuleBreak.MANAGEMENT_CHAIN]


def test_one_context_answers_every_pair_as_a_fresh_one_would() -> None:
    # The context remembers each person's place in the chain; asking in any order must not change an answer.
    plan, chain = cohort_plan(TODAY), ManagementChain(chain_of(MENTOR_EMAIL, "middle@nhs.net", MENTEE_EMAIL))
    people = [
        mentor(),
        mentor(work_email="MIDDLE@nhs.net "),
        mentor(work_email="elsewhere@nhs.net"),
        mentor(work_email=MENTEE_EMAIL),
    ]
    others = [mentee(), mentee(work_email="middle@nhs.net"), mentee(work_email="elsewhere@nhs.net")]
    shared = MatchContext(plan=plan, chain=chain)

    answers = [rule_breaks(a, b, shared) for a in people for b in others]
    again = [rule_breaks(a, b, shared) for a in reversed(people) for b in reversed(others)]

    assert answers == [rule_breaks(a, b, MatchContext(plan=plan, chain=chain)) for a in people for b in others]
    assert again == answers[::-1]
    # One row per mentor above, one column per mentee; the same email on both sides counts as related.
    assert [RuleBreak.MANAGEMENT_CHAIN in broken for broken in answers] == [
        True, True, False,
        True, True, False,
        False, False, True,
        True, True, False,
    ]  # fmt: skip
    # What a context remembers is not part of its value.
    assert shared == MatchContext(plan=plan, chain=chain)


def test_a_loop_in_the_declared_chain_still_finds_who_is_above() -> None:
    # Bad data: the mentor says the middle manager manages them and the mentee says the mentor manages them.
    managers = {MENTOR_EMAIL: "middle@nhs.net", "middle@nhs.net": MENTEE_EMAIL, MENTEE_EMAIL: MENTOR_EMAIL}

    assert rule_breaks(mentor(), mentee(), context(managers=managers)) == [RuleBreak.MANAGEMENT_CHAIN]


@pytest.mark.parametrize(
    "managers",
    [
        {"a@nhs.net": "b@nhs.net", "b@nhs.net": "a@nhs.net", MENTOR_EMAIL: "a@nhs.net"},
        {MENTOR_EMAIL: "a@nhs.net", "a@nhs.net": "a@nhs.net"},
        {MENTOR_EMAIL: "a@nhs.net", "a@nhs.net": MENTOR_EMAIL, MENTEE_EMAIL: "b@nhs.net", "b@nhs.net": MENTEE_EMAIL},
    ],
    ids=["loop-above-the-mentor", "self-managing", "two-loops"],
)
def test_a_loop_in_the_declared_chain_ends_and_relates_no_one_else(managers: dict[str, str]) -> None:
    assert rule_breaks(mentor(), mentee(), context(managers=managers)) == []


def test_without_their_own_email_the_mentors_declared_manager_is_compared() -> None:
    unknown = mentor(work_email="", line_manager_email=MENTEE_EMAIL.upper())

    assert rule_breaks(unknown, mentee(), context()) == [RuleBreak.MANAGEMENT_CHAIN]


def test_without_their_own_email_the_mentees_declared_manager_is_compared() -> None:
    unknown = mentee(work_email="", line_manager_email=MENTOR_EMAIL)

    assert rule_breaks(mentor(), unknown, context()) == [RuleBreak.MANAGEMENT_CHAIN]


def test_without_an_own_email_only_the_declared_manager_counts() -> None:
    # The chain reaches the mentee two levels up, but with no email of their own the mentor cannot be placed in it.
    managers = chain_of(MENTOR_EMAIL, "middle@nhs.net", MENTEE_EMAIL)
    unknown = mentor(work_email="", line_manager_email="middle@nhs.net")

    assert rule_breaks(unknown, mentee(), context(managers=managers)) == []
    assert rule_breaks(mentor(work_email=""), mentee(work_email=""), context()) == []


# Seniority ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mentor_grade", "mentee_grade"),
    [
        (Grade.BAND_5, Grade.BAND_5),
        (Grade.BAND_8C, Grade.CONSULTANT),  # different grades, the same rank
        (Grade.RESIDENT_DOCTOR, Grade.BAND_6),
        (Grade.BAND_8A, Grade.BAND_7),
        (Grade.BOARD, Grade.BAND_2),
    ],
)
def test_the_mentee_must_be_more_senior(mentor_grade: Grade, mentee_grade: Grade) -> None:
    broken = rule_breaks(mentor(band=mentor_grade), mentee(band=mentee_grade), context())

    assert broken == [RuleBreak.NOT_MORE_SENIOR]


@pytest.mark.parametrize(
    ("mentor_grade", "mentee_grade"),
    [(Grade.BAND_7, Grade.BAND_8A), (Grade.BAND_2, Grade.BAND_3), (Grade.RESIDENT_DOCTOR, Grade.BAND_7)],
)
def test_one_step_more_senior_is_enough(mentor_grade: Grade, mentee_grade: Grade) -> None:
    assert rule_breaks(mentor(band=mentor_grade), mentee(band=mentee_grade), context()) == []


# Directorates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("mine", "theirs"), [("Medicine", "Medicine"), ("Medicine", "  MEDICINE "), ("ae", "AE")])
def test_the_same_directorate_is_refused_when_the_cohort_separates_them(mine: str, theirs: str) -> None:
    broken = rule_breaks(mentor(directorate=mine), mentee(directorate=theirs), context())

    assert broken == [RuleBreak.SAME_DIRECTORATE]


def test_the_same_directorate_is_fine_when_the_cohort_allows_it() -> None:
    plan = cohort_plan(TODAY, separate_directorates=False)

    assert rule_breaks(mentor(directorate="Medicine"), mentee(directorate="medicine"), context(plan=plan)) == []


def test_different_directorates_are_fine() -> None:
    assert rule_breaks(mentor(directorate="Medicine"), mentee(directorate="Medicines"), context()) == []


# Earlier pairings, declared conflicts and a coordinator's decisions -----------------------------------------------


def test_people_paired_in_an_earlier_cohort_are_not_paired_again() -> None:
    history = frozenset({frozenset({BEN, AISHA})})

    assert rule_breaks(mentor(), mentee(), context(paired_before=history)) == [RuleBreak.PAIRED_BEFORE]


def test_someone_elses_earlier_pairing_does_not_count() -> None:
    history = frozenset({frozenset({AISHA, CHIOMA}), frozenset({BEN, CHIOMA})})

    assert rule_breaks(mentor(), mentee(), context(paired_before=history)) == []


def test_the_mentor_can_ask_not_to_be_paired_with_someone() -> None:
    wary = mentor(avoid_emails=("someone.else@nhs.net", MENTEE_EMAIL))

    assert rule_breaks(wary, mentee(), context()) == [RuleBreak.DECLARED_CONFLICT]


def test_the_mentee_can_ask_not_to_be_paired_with_someone() -> None:
    wary = mentee(avoid_emails=(MENTOR_EMAIL,))

    assert rule_breaks(mentor(), wary, context()) == [RuleBreak.DECLARED_CONFLICT]


def test_avoiding_someone_else_is_no_conflict() -> None:
    assert rule_breaks(mentor(avoid_emails=("other@nhs.net",)), mentee(avoid_emails=("x@nhs.net",)), context()) == []


def test_an_unknown_email_is_never_in_an_avoid_list() -> None:
    # An empty entry must not match a person whose own email is unknown.
    assert rule_breaks(mentor(work_email=""), mentee(avoid_emails=("",)), context()) == []


def test_a_pair_the_coordinator_took_apart_is_not_proposed_again() -> None:
    assert rule_breaks(mentor(), mentee(), context(unpaired=frozenset({(MENTOR_ID, MENTEE_ID)}))) == [
        RuleBreak.UNPAIRED
    ]


def test_taking_a_pair_apart_concerns_those_two_applications_only() -> None:
    others = frozenset({(MENTEE_ID, MENTOR_ID), (MENTOR_ID, MENTEE_ID + 1), (MENTOR_ID + 1, MENTEE_ID)})

    assert rule_breaks(mentor(), mentee(), context(unpaired=others)) == []


def test_every_broken_rule_is_reported_in_a_fixed_order() -> None:
    same = application(
        mentee_answers(
            band=Grade.BAND_5, directorate="medicine", work_email=MENTOR_EMAIL, avoid_emails=(MENTOR_EMAIL,)
        ),
        application_id=MENTEE_ID,
        who=AISHA,
    )
    everything = context(paired_before=frozenset({frozenset({AISHA})}), unpaired=frozenset({(MENTOR_ID, MENTEE_ID)}))

    assert rule_breaks(mentor(), same, everything) == list(RuleBreak)


def test_every_rule_can_be_explained_without_naming_who_asked() -> None:
    for rule in RuleBreak:
        assert rule.describe
        assert rule.for_unmatched
    for words in (RuleBreak.DECLARED_CONFLICT.describe, RuleBreak.DECLARED_CONFLICT.for_unmatched):
        assert "mentor" not in words
        assert "mentee" not in words


# The fit score -----------------------------------------------------------------------------------------------

ONLY_TOPICS = MatchWeights(topics=1, availability=0, place=0)
ONLY_TIMES = MatchWeights(topics=0, availability=1, place=0)
ONLY_PLACE = MatchWeights(topics=0, availability=0, place=1)


def plan_weighing(weights: MatchWeights) -> CohortPlan:
    return cohort_plan(TODAY, weights=weights)


def test_a_perfect_fit_scores_the_most_the_weights_allow() -> None:
    same_everything = {
        "topics": (Topic.BELONGING, Topic.ALLYSHIP),
        "availability": (Availability.MON_AM,),
        "meeting_preference": MeetingPreference.IN_PERSON,
        "site": "City Hospital",
    }
    plan = cohort_plan(TODAY)

    result = fit(mentor_answers(**same_everything), mentee_answers(**same_everything), plan)

    assert result.points == max_points(plan) == 6 * POINTS


def test_the_default_weights_count_topics_then_times_then_place() -> None:
    # Topics: 1 of the mentor's 2 shared (0.5); times: 1 of 2 (0.5); Teams with "either": 0.8.
    first = mentor_answers(
        topics=(Topic.BELONGING, Topic.CAREER_PROGRESSION),
        availability=(Availability.TUE_AM, Availability.THU_PM),
        meeting_preference=MeetingPreference.TEAMS,
    )
    second = mentee_answers(
        topics=(Topic.LEADERSHIP_VISIBILITY, Topic.BELONGING, Topic.ALLYSHIP),
        availability=(Availability.MON_PM, Availability.TUE_AM),
        meeting_preference=MeetingPreference.EITHER,
    )

    assert fit(first, second, cohort_plan(TODAY)).points == round(POINTS * (3 * 0.5 + 2 * 0.5 + 1 * 0.8)) == 330


def test_custom_weights_change_the_score() -> None:
    first = mentor_answers(topics=(Topic.BELONGING,), availability=(Availability.MON_AM,))
    second = mentee_answers(topics=(Topic.BELONGING,), availability=(Availability.FRI_PM,))
    heavy_topics = plan_weighing(MatchWeights(topics=10, availability=5, place=0))

    assert fit(first, second, heavy_topics).points == 10 * POINTS
    assert max_points(heavy_topics) == 15 * POINTS


def test_overlap_is_measured_against_the_shorter_list() -> None:
    first = mentor_answers(topics=(Topic.BELONGING,))
    second = mentee_answers(topics=(Topic.ALLYSHIP, Topic.BELONGING, Topic.RECRUITMENT, Topic.SPEAKING_UP))

    assert fit(first, second, plan_weighing(ONLY_TOPICS)).points == POINTS
    assert fit(second, first, plan_weighing(ONLY_TOPICS)).points == POINTS


def test_partial_overlap_is_rounded_to_whole_points() -> None:
    first = mentor_answers(availability=(Availability.MON_AM, Availability.TUE_AM, Availability.WED_AM))
    second = mentee_answers(availability=(Availability.MON_AM, Availability.FRI_PM, Availability.THU_PM))

    assert fit(first, second, plan_weighing(ONLY_TIMES)).points == 33


def test_nothing_in_common_scores_nothing() -> None:
    first = mentor_answers(
        topics=(Topic.BELONGING,), availability=(Availability.MON_AM,), meeting_preference=MeetingPreference.TEAMS
    )
    second = mentee_answers(
        topics=(Topic.ALLYSHIP,),
        availability=(Availability.FRI_PM,),
        meeting_preference=MeetingPreference.IN_PERSON,
    )

    result = fit(first, second, cohort_plan(TODAY))

    assert result.points == 0
    assert result.shared_topics == ()
    assert result.reasons == (
        "no topics in common",
        "no usual free time in common yet",
        "one prefers Teams and the other in person",
    )


T, P, E = MeetingPreference.TEAMS, MeetingPreference.IN_PERSON, MeetingPreference.EITHER
SAME_SITE = "both based at City Hospital"
ON_TEAMS = "both happy to meet on Teams"
APART = "both prefer to meet in person, but at different sites"
CLASH = "one prefers Teams and the other in person"


@pytest.mark.parametrize(
    ("mine", "theirs", "their_site", "share", "reason"),
    [
        (P, P, "City Hospital", 1.0, SAME_SITE),
        (E, E, "city hospital ", 1.0, SAME_SITE),
        (E, P, "City Hospital", 1.0, SAME_SITE),
        (P, E, "CITY HOSPITAL", 1.0, SAME_SITE),
        (T, T, "City Hospital", 0.8, ON_TEAMS),
        (T, E, "City Hospital", 0.8, ON_TEAMS),
        (E, E, "Community Hub", 0.8, ON_TEAMS),
        (T, T, "Community Hub", 0.8, ON_TEAMS),
        (P, P, "Community Hub", 0.3, APART),
        (E, P, "Community Hub", 0.3, APART),
        (T, P, "City Hospital", 0.0, CLASH),
        (P, T, "Community Hub", 0.0, CLASH),
    ],
)
def test_where_to_meet(
    mine: MeetingPreference, theirs: MeetingPreference, their_site: str, share: float, reason: str
) -> None:
    first = mentor_answers(meeting_preference=mine, site="City Hospital")
    second = mentee_answers(meeting_preference=theirs, site=their_site)

    result = fit(first, second, plan_weighing(replace(ONLY_PLACE, place=10)))

    assert result.points == round(10 * POINTS * share)
    assert result.reasons[-1] == reason


def test_shared_topics_are_named_in_the_mentees_order() -> None:
    first = mentor_answers(topics=(Topic.ALLYSHIP, Topic.BELONGING, Topic.RECRUITMENT))
    second = mentee_answers(topics=(Topic.RECRUITMENT, Topic.SPEAKING_UP, Topic.ALLYSHIP))

    result = fit(first, second, cohort_plan(TODAY))

    assert result.shared_topics == (Topic.RECRUITMENT, Topic.ALLYSHIP)
    assert result.reasons[0] == "2 shared topics: Recruitment and promotion, Allyship and active bystanding"


def test_one_shared_topic_is_named_in_the_singular() -> None:
    result = fit(
        mentor_answers(topics=(Topic.BELONGING,)), mentee_answers(topics=(Topic.BELONGING,)), cohort_plan(TODAY)
    )

    assert result.reasons[0] == "1 shared topic: Belonging and being heard"


@pytest.mark.parametrize(
    ("times", "wording"),
    [
        ((Availability.TUE_AM,), "both usually free Tuesday morning"),
        ((Availability.TUE_AM, Availability.THU_PM), "both usually free Tuesday morning and Thursday afternoon"),
        (
            (Availability.MON_AM, Availability.TUE_AM, Availability.WED_PM, Availability.FRI_PM),
            "both usually free Monday morning, Tuesday morning and Wednesday afternoon",
        ),
    ],
)
def test_shared_free_time_is_named_up_to_three_half_days(times: tuple[Availability, ...], wording: str) -> None:
    result = fit(
        mentor_answers(availability=tuple(Availability)), mentee_answers(availability=times), cohort_plan(TODAY)
    )

    assert result.reasons[1] == wording


def test_the_reasons_are_the_same_however_often_they_are_read() -> None:
    result = fit(mentor_answers(), mentee_answers(), cohort_plan(TODAY))

    assert result.reasons == result.reasons == fit(mentor_answers(), mentee_answers(), cohort_plan(TODAY)).reasons
    assert result.shared_topics == (Topic.BELONGING,)


def test_max_points_follows_the_weights() -> None:
    assert max_points(cohort_plan(TODAY)) == 600
    assert max_points(plan_weighing(MatchWeights(topics=0, availability=0, place=1))) == 100
