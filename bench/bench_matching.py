"""Matching a large cohort: 1,000 mentors and 1,000 mentees, the exact solver against the usual greedy method.

The population is a generated NHS trust (seeded, so every run sees the same one): a management tree of about
20,000 staff over 20 directorates (board, directors, heads of service, 8a-8d managers, band 7 team leaders and
their teams), with mentors drawn from bands 2-7 and mentees from 8a to the board. People pick topics with skewed
popularity, half-days, a meeting preference and a main site; 2% name colleagues to avoid, some pairs met in an
earlier cohort, and mentors take one mentee (70%) or two (30%). The cohort pairs across directorates.

Two phases are timed. The rules phase calls ``rule_breaks`` and ``fit`` for every one of the 10^6 candidate pairs,
as the matching use case does. The solver phase gives the same ``allowed`` pairs to the exact solver and to the
greedy baseline, alternately, several times; the target (2 s) is on the exact solver's wall-clock time, what a
coordinator waits for. CPU time is reported beside it: on a shared machine a gap between the two is the
neighbours' work, not ours. Peak Python memory (tracemalloc) is measured in a separate run of each,
because tracing slows the code it watches.
"""

from __future__ import annotations

import random
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from bench import Better, Figure, Target
from programme.applications import Application, ApplicationState, Consent
from programme.cohorts import CohortPlan
from programme.grades import Grade
from programme.identity import PersonId, TenantId
from programme.management_chain import ManagementChain
from programme.match_rules import MatchContext, fit, rule_breaks
from programme.profiles import Availability, MeetingPreference, Profile, Role, Topic
from programme.solver import Assignment, greedy, solve
from programme.tracks import MenteeLevel, Track

C = TypeVar("C", Topic, Availability)

SEED = 20261127
MENTORS = 1_000
MENTEES = 1_000
SOLVER_TARGET_S = 2.0
TIMED_ROUNDS = 3  # per solver, alternating, so machine noise lands on both alike
AVOID_SHARE = 0.02
PAST_PAIRS = 150
TWO_PLACES_SHARE = 0.30
UNKNOWN_EMAIL_SHARE = 0.005  # applications made before the work email was asked for
MATRIX_SHARE = 0.03  # staff whose manager sits in another directorate (hosted services, joint posts)

TENANT = TenantId("8a5d7f3c-1b2e-4c6d-9e0f-a1b2c3d4e5f6")
AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

DIRECTORATES = (
    "Medicine",
    "Surgery",
    "Women and Children",
    "Emergency Care",
    "Cancer Services",
    "Mental Health",
    "Community Services",
    "Estates and Facilities",
    "Finance",
    "Workforce and OD",
    "Digital",
    "Pharmacy",
    "Radiology",
    "Pathology",
    "Therapies",
    "Critical Care",
    "Cardiology",
    "Nursing and Quality",
    "Operations",
    "Research and Innovation",
)
BOARD_DIRECTORATE = "Trust Board"
SITES = (
    "City Hospital",
    "General Infirmary",
    "St Mary's",
    "Riverside",
    "Northgate Community Hub",
    "Trust Headquarters",
    "Eastfield Clinic",
    "Westbrook Day Unit",
)
SITE_WEIGHTS = (30, 25, 15, 10, 7, 6, 4, 3)
# A few topics most people choose, a long tail few do (roughly Zipf-shaped).
TOPIC_WEIGHTS = tuple(1 / (rank + 1) ** 0.9 for rank in range(len(Topic)))
HALF_DAY_WEIGHTS = (5, 6, 8, 7, 8, 6, 7, 6, 4, 2)  # Monday morning to Friday afternoon

JUNIOR = (Grade.BAND_2, Grade.BAND_3, Grade.BAND_4, Grade.BAND_5, Grade.BAND_6)
JUNIOR_WEIGHTS = (8, 14, 18, 32, 28)
MANAGER = (Grade.BAND_8A, Grade.BAND_8B, Grade.BAND_8C, Grade.BAND_8D, Grade.CONSULTANT)
MANAGER_WEIGHTS = (40, 25, 12, 6, 17)
HEAD = (Grade.BAND_9, Grade.SENIOR_MANAGER)


@dataclass
class Staff:
    email: str
    grade: Grade
    directorate: str
    site: str
    manager: int | None  # index into the organisation


def _email(n: int) -> str:
    return f"colleague.{n:05d}@nhs.net"


def _person(n: int) -> PersonId:
    return PersonId(f"e0000000-0000-4000-8000-{n:012d}")


class Organisation:
    """A management tree over work emails, built level by level, a few people managed across directorates."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.staff: list[Staff] = []
        home = {name: rng.choices(SITES, SITE_WEIGHTS)[0] for name in DIRECTORATES}
        self._home = {**home, BOARD_DIRECTORATE: "Trust Headquarters"}
        chief = self._add(Grade.BOARD, BOARD_DIRECTORATE, None)
        board = [self._add(Grade.BOARD, BOARD_DIRECTORATE, chief) for _ in range(10)]
        level: dict[str, list[int]] = {d: [self._add(Grade.DIRECTOR, d, rng.choice(board))] for d in DIRECTORATES}
        for count, grades, weights in (
            ((4, 7), HEAD, (1, 1)),
            ((8, 12), MANAGER, MANAGER_WEIGHTS),
            ((2, 4), (Grade.BAND_7,), (1,)),
            ((3, 6), JUNIOR, JUNIOR_WEIGHTS),
        ):
            below: dict[str, list[int]] = {d: [] for d in DIRECTORATES}
            for directorate, managers in level.items():
                for manager in managers:
                    for _ in range(rng.randint(*count)):
                        boss = manager
                        if rng.random() < MATRIX_SHARE:
                            boss = rng.choice(level[rng.choice(DIRECTORATES)])
                        grade = rng.choices(grades, weights)[0]
                        below[directorate].append(self._add(grade, directorate, boss))
            level = below

    def _add(self, grade: Grade, directorate: str, manager: int | None) -> int:
        site = self._home[directorate] if self.rng.random() < 0.75 else self.rng.choices(SITES, SITE_WEIGHTS)[0]
        self.staff.append(Staff(_email(len(self.staff)), grade, directorate, site, manager))
        return len(self.staff) - 1

    def declarations(self) -> list[tuple[str, str]]:
        """What the directory says: everyone's manager, by work email."""
        return [(s.email, self.staff[s.manager].email) for s in self.staff if s.manager is not None]


def _some(rng: random.Random, options: Sequence[C], weights: Sequence[float], k: int) -> tuple[C, ...]:
    """``k`` different options, popular ones more often."""
    chosen: dict[C, None] = {}
    while len(chosen) < k:
        chosen.setdefault(rng.choices(options, weights)[0], None)
    return tuple(chosen)


def _application(rng: random.Random, org: Organisation, n: int, role: Role, application_id: int) -> Application:
    who = org.staff[n]
    manager = org.staff[who.manager].email if who.manager is not None else "chair@nhs.net"
    # People type their directorate; the rule must not be fooled by case or stray spaces.
    directorate = who.directorate.lower() if rng.random() < 0.05 else who.directorate
    senior = role is Role.MENTEE
    preference = rng.choices(list(MeetingPreference), (50, 10, 40) if senior else (40, 15, 45))[0]
    profile = Profile(
        role=role,
        job_title="Head of service" if senior else "Healthcare assistant",
        band=who.grade,
        directorate=directorate,
        site=who.site,
        work_email=who.email,
        line_manager_email=manager,
        topics=_some(rng, list(Topic), TOPIC_WEIGHTS, rng.randint(1, 4)),
        availability=_some(
            rng, list(Availability), HALF_DAY_WEIGHTS, rng.randint(1, 3) if senior else rng.randint(2, 5)
        ),
        meeting_preference=preference,
    )
    return Application(
        id=application_id,
        cohort_id=1,
        tenant=TENANT,
        person=_person(n),
        display_name=f"Colleague {n}",
        profile=profile.checked(),
        consent=Consent(given_at=AT),
        state=ApplicationState.APPROVED,
        submitted_at=AT,
        updated_at=AT,
    )


@dataclass(frozen=True)
class Cohort:
    plan: CohortPlan
    mentors: list[Application]
    mentees: list[Application]
    capacities: dict[int, int]
    declarations: list[tuple[str, str]]
    history: frozenset[frozenset[PersonId]]


def generate() -> Cohort:
    rng = random.Random(SEED)
    org = Organisation(rng)
    juniors = [n for n, s in enumerate(org.staff) if s.grade.rank <= Grade.BAND_7.rank]
    seniors = [n for n, s in enumerate(org.staff) if s.grade.rank >= Grade.BAND_8A.rank]
    mentor_staff = rng.sample(juniors, MENTORS)
    mentee_staff = rng.sample(seniors, MENTEES)
    mentors = [_application(rng, org, n, Role.MENTOR, i + 1) for i, n in enumerate(mentor_staff)]
    mentees = [_application(rng, org, n, Role.MENTEE, MENTORS + i + 1) for i, n in enumerate(mentee_staff)]
    # Colleagues to avoid: mostly people nearby (same directorate), sometimes anyone who applied.
    everyone = mentors + mentees
    for side in (mentors, mentees):
        for i, application in enumerate(side):
            if rng.random() >= AVOID_SHARE:
                continue
            own = application.profile.work_email
            near = [
                a for a in everyone if a.profile.directorate.casefold() == application.profile.directorate.casefold()
            ]
            pool = near if near and rng.random() < 0.7 else everyone
            avoided = {a.profile.work_email for a in rng.sample(pool, min(len(pool), rng.randint(1, 3)))}
            avoided.discard(own)
            avoided.discard("")
            profile = replace(application.profile, avoid_emails=tuple(sorted(avoided))).checked()
            side[i] = replace(application, profile=profile)
    for side in (mentors, mentees):
        for i, application in enumerate(side):
            if rng.random() < UNKNOWN_EMAIL_SHARE:
                # Sign-up no longer accepts this, so it bypasses checked() the way an old stored application does.
                side[i] = replace(application, profile=replace(application.profile, work_email=""))
    history = frozenset(frozenset({rng.choice(mentors).person, rng.choice(mentees).person}) for _ in range(PAST_PAIRS))
    capacities = {m.id: 2 if rng.random() < TWO_PLACES_SHARE else 1 for m in mentors}
    plan = CohortPlan(
        name="Trust-wide reverse mentoring",
        track=Track.RACE_EQUALITY,
        mentee_level=MenteeLevel.SENIOR_LEADERS,
        signup_closes=date(2026, 12, 1),
        starts_on=date(2027, 1, 11),
        ends_on=date(2027, 1, 11) + timedelta(days=28 * 5),
        mentor_capacity=2,
        separate_directorates=True,
    )
    return Cohort(plan, mentors, mentees, capacities, org.declarations(), history)


def build_allowed(cohort: Cohort) -> tuple[dict[tuple[int, int], int], MatchContext]:
    """Every candidate pair through the rules, and the fit of those that keep them: what the use case does."""
    context = MatchContext(
        plan=cohort.plan, chain=ManagementChain.from_declarations(cohort.declarations), paired_before=cohort.history
    )
    allowed = {
        (mentor.id, mentee.id): fit(mentor.profile, mentee.profile, cohort.plan).points
        for mentor in cohort.mentors
        for mentee in cohort.mentees
        if not rule_breaks(mentor, mentee, context)
    }
    return allowed, context


Solver = Callable[[Mapping[int, int], Sequence[int], Mapping[tuple[int, int], int]], Assignment[int]]


@dataclass
class Runs:
    """Repeated runs of one solver on the same input."""

    solver: Solver
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    answer: Assignment[int] | None = None

    def once(self, cohort: Cohort, allowed: Mapping[tuple[int, int], int]) -> None:
        mentee_ids = [m.id for m in cohort.mentees]
        wall, cpu = time.perf_counter(), time.process_time()
        self.answer = self.solver(cohort.capacities, mentee_ids, allowed)
        # CPU time beside wall time: the machine is shared, and CPU time shows the solver's own work.
        self.cpu.append(time.process_time() - cpu)
        self.wall.append(time.perf_counter() - wall)

    @property
    def result(self) -> Assignment[int]:
        if self.answer is None:
            raise RuntimeError("not run yet")
        return self.answer


def peak_mib(solver: Solver, cohort: Cohort, allowed: Mapping[tuple[int, int], int]) -> float:
    """Python memory the solver itself allocates at its peak (the inputs already exist and are not counted)."""
    mentee_ids = [m.id for m in cohort.mentees]
    tracemalloc.start()
    try:
        solver(cohort.capacities, mentee_ids, allowed)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def check(
    answer: Assignment[int], cohort: Cohort, allowed: Mapping[tuple[int, int], int], context: MatchContext
) -> None:
    """A fast wrong answer must fail the benchmark, not pass it."""
    by_id = {a.id: a for a in cohort.mentors + cohort.mentees}
    used: dict[int, int] = {}
    seen: set[int] = set()
    for mentor, mentee in answer.pairs:
        if (mentor, mentee) not in allowed or rule_breaks(by_id[mentor], by_id[mentee], context):
            raise RuntimeError(f"pair {(mentor, mentee)} breaks a rule")
        if mentee in seen:
            raise RuntimeError(f"mentee {mentee} paired twice")
        seen.add(mentee)
        used[mentor] = used.get(mentor, 0) + 1
        if used[mentor] > cohort.capacities[mentor]:
            raise RuntimeError(f"mentor {mentor} over capacity")
    if answer.points != sum(allowed[pair] for pair in answer.pairs):
        raise RuntimeError("the reported points are not the pairs' points")


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # reported in KiB on Linux


def _spread(seconds: Sequence[float]) -> str:
    return f"{min(seconds):.2f}-{max(seconds):.2f} s"


async def run() -> list[Figure]:
    cohort = generate()
    candidates = len(cohort.mentors) * len(cohort.mentees)

    rss_before = _peak_rss_mib()
    started, cpu = time.perf_counter(), time.process_time()
    allowed, context = build_allowed(cohort)
    rules_cpu = time.process_time() - cpu
    rules_s = time.perf_counter() - started
    # The allowed pairs (and the chain) are what the rules phase leaves behind; tracing them would slow it down.
    rules_rss = _peak_rss_mib() - rss_before

    exact_runs, greedy_runs = Runs(solve), Runs(greedy)
    for round_number in range(TIMED_ROUNDS):
        # Alternating who goes first, so whatever else the machine does lands on both alike.
        pair = (exact_runs, greedy_runs) if round_number % 2 == 0 else (greedy_runs, exact_runs)
        for runs in pair:
            runs.once(cohort, allowed)
    exact, quick = exact_runs.result, greedy_runs.result
    check(exact, cohort, allowed, context)
    check(quick, cohort, allowed, context)
    exact_peak, greedy_peak = peak_mib(solve, cohort, allowed), peak_mib(greedy, cohort, allowed)
    if (exact.size, exact.points) < (quick.size, quick.points):
        raise RuntimeError("the exact solver did worse than greedy")
    exact_cpu, greedy_cpu = statistics.median(exact_runs.cpu), statistics.median(greedy_runs.cpu)
    places = sum(cohort.capacities.values())
    process_peak = _peak_rss_mib()

    population = (
        f"{len(cohort.mentors)} mentors ({places} places) x {len(cohort.mentees)} mentees, "
        f"{len(cohort.declarations) + 1} staff in the tree, seed {SEED}"
    )
    return [
        Figure("candidate pairs", candidates, "pairs", note=population),
        Figure("allowed pairs", len(allowed), "pairs"),
        Figure("rules phase CPU time", rules_cpu, "s", note="rule_breaks for every candidate, fit for those allowed"),
        Figure("rules phase wall time", rules_s, "s"),
        Figure("rules phase CPU per candidate", rules_cpu / candidates * 1e6, "us"),
        Figure("rules phase peak RSS growth", rules_rss, "MiB"),
        Figure(
            "exact solve wall time",
            statistics.median(exact_runs.wall),
            "s",
            Target(SOLVER_TARGET_S),
            note=f"median of {TIMED_ROUNDS} alternating with greedy; range {_spread(exact_runs.wall)}",
        ),
        Figure("exact solve CPU time", exact_cpu, "s", note=f"range {_spread(exact_runs.cpu)}"),
        Figure("greedy CPU time", greedy_cpu, "s", note=f"range {_spread(greedy_runs.cpu)}"),
        Figure("greedy wall time", statistics.median(greedy_runs.wall), "s"),
        Figure("CPU time ratio exact/greedy", exact_cpu / greedy_cpu, "x"),
        Figure("exact peak Python memory", exact_peak, "MiB"),
        Figure("greedy peak Python memory", greedy_peak, "MiB"),
        Figure("exact matched", exact.size, "mentees"),
        Figure("greedy matched", quick.size, "mentees"),
        Figure("matched ratio exact/greedy", exact.size / quick.size, "x", Target(1.0, better=Better.HIGHER)),
        Figure("exact points", exact.points, "points"),
        Figure("greedy points", quick.points, "points"),
        Figure("points ratio exact/greedy", exact.points / quick.points, "x"),
        Figure("process peak RSS", process_peak, "MiB"),
    ]
