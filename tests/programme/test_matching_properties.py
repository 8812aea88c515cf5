"""Matching end to end on generated populations: the rules decide which pairs may be made, the solver chooses.

Each population is a small organisation: staff with work emails, a management forest over them (some staff are
managers who did not apply), and applications from some of them with random grades, directorates, sites,
topics, times, colleagues to avoid, earlier pairings and pairs a coordinator took apart. The hard rules are
restated here over the generator's own data (the forest rather than :class:`ManagementChain`), so a pair the
rules let through by mistake is caught rather than agreed with.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from programme.applications import Application, ApplicationState, Consent
from programme.cohorts import CohortPlan
from programme.grades import Grade
from programme.management_chain import ManagementChain
from programme.match_rules import MatchContext, fit, rule_breaks
from programme.profiles import Availability, MeetingPreference, Profile, Role, Topic
from programme.solver import greedy, solve
from tests.programme.builders import TENANT, TODAY, cohort_plan, person
from tests.support.fakes import DEFAULT_NOW

MAX_STAFF = 14
OUTSIDE_MANAGER = "chief.executive@other-trust.nhs.uk"
DIRECTORATES = ("Medicine", "medicine ", "Surgery", "Estates and Facilities")
SITES = ("City Hospital", "city hospital", "Community Hub")
# Mostly the usual reverse-mentoring gap, but any grade can turn up on either side (and then the rule must bite).
JUNIOR = tuple(grade for grade in Grade if grade.rank <= 7)
SENIOR = tuple(grade for grade in Grade if grade.rank >= 8)


def email_of(staff: int) -> str:
    return f"colleague.{staff}@nhs.net"


@dataclass(frozen=True)
class Applicant:
    staff: int  # index into the organisation; also their PersonId
    application: Application
    email_known: bool


@dataclass(frozen=True)
class Population:
    manager_of: dict[int, int]  # staff -> their manager, a forest: a manager always has a lower index
    mentors: list[Applicant]
    mentees: list[Applicant]
    capacities: dict[int, int]  # mentor application id -> places
    context: MatchContext

    def above(self, staff: int) -> set[int]:
        found: set[int] = set()
        while staff in self.manager_of:
            staff = self.manager_of[staff]
            found.add(staff)
        return found


@st.composite
def applicants(draw: st.DrawFn, staff: int, role: Role, application_id: int, manager: int | None) -> Applicant:
    email_known = draw(st.integers(0, 9)) > 0  # an application made before work emails were asked for
    profile = Profile(
        role=role,
        job_title="Colleague",
        band=draw(st.one_of(st.sampled_from(JUNIOR if role is Role.MENTOR else SENIOR), st.sampled_from(Grade))),
        directorate=draw(st.sampled_from(DIRECTORATES)),
        site=draw(st.sampled_from(SITES)),
        work_email=email_of(staff) if email_known else "",
        line_manager_email=OUTSIDE_MANAGER if manager is None else email_of(manager),
        topics=tuple(draw(st.lists(st.sampled_from(Topic), min_size=1, max_size=4, unique=True))),
        availability=tuple(draw(st.lists(st.sampled_from(Availability), min_size=1, max_size=4, unique=True))),
        meeting_preference=draw(st.sampled_from(MeetingPreference)),
        avoid_emails=tuple(
            email_of(n) for n in draw(st.lists(st.integers(0, MAX_STAFF - 1), max_size=2, unique=True)) if n != staff
        ),
    )
    application = Application(
        id=application_id,
        cohort_id=1,
        tenant=TENANT,
        person=person(staff),
        display_name=f"Colleague {staff}",
        profile=profile,
        consent=Consent(given_at=DEFAULT_NOW),
        state=ApplicationState.APPROVED,
        submitted_at=DEFAULT_NOW,
        updated_at=DEFAULT_NOW,
    )
    return Applicant(staff, application, email_known)


@st.composite
def populations(draw: st.DrawFn) -> Population:
    size = draw(st.integers(2, MAX_STAFF))
    bosses = [draw(st.one_of(st.none(), st.integers(0, n - 1))) for n in range(1, size)]
    manager_of = {n: boss for n, boss in enumerate(bosses, start=1) if boss is not None}
    # Someone may (wrongly) apply as both mentor and mentee; the same-person rule is there for that.
    mentor_staff = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=6, unique=True))
    mentee_staff = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=6, unique=True))
    mentors = [
        draw(applicants(staff, Role.MENTOR, n + 1, manager_of.get(staff))) for n, staff in enumerate(mentor_staff)
    ]
    mentees = [
        draw(applicants(staff, Role.MENTEE, n + 101, manager_of.get(staff))) for n, staff in enumerate(mentee_staff)
    ]
    capacities = {m.application.id: draw(st.integers(1, 2)) for m in mentors}
    history = draw(st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)), max_size=4))
    taken_apart = draw(st.lists(st.tuples(st.sampled_from(mentors), st.sampled_from(mentees)), max_size=2))
    plan: CohortPlan = cohort_plan(TODAY, separate_directorates=draw(st.booleans()))
    context = MatchContext(
        plan=plan,
        # The directory knows everyone's email, including those whose applications do not say it.
        chain=ManagementChain({email_of(n): email_of(boss) for n, boss in manager_of.items()}),
        paired_before=frozenset(frozenset({person(a), person(b)}) for a, b in history),
        unpaired=frozenset((m.application.id, e.application.id) for m, e in taken_apart),
    )
    return Population(manager_of, mentors, mentees, capacities, context)


def allowed_by_model(population: Population, mentor: Applicant, mentee: Applicant) -> bool:
    a, b = mentor.application.profile, mentee.application.profile
    if mentor.staff == mentee.staff:
        return False
    if mentor.email_known and mentee.email_known:
        in_chain = mentor.staff in population.above(mentee.staff) or mentee.staff in population.above(mentor.staff)
    else:
        # Without an email of one's own, all there is to go on is who each declared as their manager.
        in_chain = (mentee.email_known and a.line_manager_email == b.work_email) or (
            mentor.email_known and b.line_manager_email == a.work_email
        )
    if in_chain:
        return False
    if b.band.rank <= a.band.rank:
        return False
    if population.context.plan.separate_directorates and a.directorate.strip().casefold() == (
        b.directorate.strip().casefold()
    ):
        return False
    if frozenset({mentor.application.person, mentee.application.person}) in population.context.paired_before:
        return False
    if (mentee.email_known and b.work_email in a.avoid_emails) or (
        mentor.email_known and a.work_email in b.avoid_emails
    ):
        return False
    return (mentor.application.id, mentee.application.id) not in population.context.unpaired


def allowed_pairs(population: Population) -> dict[tuple[int, int], int]:
    """What a coordinator's "propose pairs" does: every pair the rules allow, with its fit points."""
    plan = population.context.plan
    return {
        (m.application.id, e.application.id): fit(m.application.profile, e.application.profile, plan).points
        for m in population.mentors
        for e in population.mentees
        if not rule_breaks(m.application, e.application, population.context)
    }


@settings(max_examples=150, deadline=None, database=None)
@given(populations())
def test_the_rules_allow_exactly_the_pairs_the_model_allows(population: Population) -> None:
    expected = {
        (m.application.id, e.application.id)
        for m in population.mentors
        for e in population.mentees
        if allowed_by_model(population, m, e)
    }

    assert set(allowed_pairs(population)) == expected


@settings(max_examples=150, deadline=None, database=None)
@given(populations())
def test_proposed_pairs_keep_every_rule_and_beat_greedy(population: Population) -> None:
    allowed = allowed_pairs(population)
    mentee_ids = [e.application.id for e in population.mentees]
    by_id = {a.application.id: a for a in population.mentors + population.mentees}

    exact = solve(population.capacities, mentee_ids, allowed)
    quick = greedy(population.capacities, mentee_ids, allowed)

    for mentor_id, mentee_id in exact.pairs:
        mentor, mentee = by_id[mentor_id], by_id[mentee_id]
        assert rule_breaks(mentor.application, mentee.application, population.context) == []
        assert allowed_by_model(population, mentor, mentee)
    mentees_matched = Counter(mentee for _, mentee in exact.pairs)
    assert all(times == 1 for times in mentees_matched.values())
    places_used = Counter(mentor for mentor, _ in exact.pairs)
    assert all(places_used[mentor] <= places for mentor, places in population.capacities.items())
    assert set(places_used) <= set(population.capacities)
    assert exact.points == sum(allowed[pair] for pair in exact.pairs)
    # Never fewer pairs than the quick method; with as many, never fewer points.
    assert (exact.size, exact.points) >= (quick.size, quick.points)
