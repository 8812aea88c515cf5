"""The rules a pair must keep, and how well a pair fits.

Hard rules are never broken by the solver; a coordinator may pair people against one only by saying why (the
override is audited). The fit score ranks the pairs the rules allow, with weights the cohort chooses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache

from programme.applications import Application
from programme.cohorts import CohortPlan
from programme.identity import PersonId
from programme.management_chain import ManagementChain
from programme.profiles import MeetingPreference, Profile, Topic

# Scores are whole points, so the solver compares them exactly.
POINTS = 100


class RuleBreak(StrEnum):
    SAME_PERSON = "same-person"
    MANAGEMENT_CHAIN = "management-chain"
    NOT_MORE_SENIOR = "not-more-senior"
    SAME_DIRECTORATE = "same-directorate"
    PAIRED_BEFORE = "paired-before"
    DECLARED_CONFLICT = "declared-conflict"
    UNPAIRED = "unpaired-by-coordinator"

    @property
    def describe(self) -> str:
        """For a coordinator, about one pair. Never says who declared a conflict."""
        return _DESCRIPTIONS[self]

    @property
    def for_unmatched(self) -> str:
        """Completes "N are ..." about the partners ruled out for someone left unmatched."""
        return _UNMATCHED[self]


_DESCRIPTIONS = {
    RuleBreak.SAME_PERSON: "they are the same person",
    RuleBreak.MANAGEMENT_CHAIN: "one is in the other's line-management chain",
    RuleBreak.NOT_MORE_SENIOR: "the mentee is not more senior than the mentor",
    RuleBreak.SAME_DIRECTORATE: "they work in the same directorate, and this cohort pairs across directorates",
    RuleBreak.PAIRED_BEFORE: "they have been paired before",
    RuleBreak.DECLARED_CONFLICT: "one of them asked not to be paired with the other",
    RuleBreak.UNPAIRED: "a coordinator took them apart in this review",
}
_UNMATCHED = {
    RuleBreak.SAME_PERSON: "the same person",
    RuleBreak.MANAGEMENT_CHAIN: "in their line-management chain",
    RuleBreak.NOT_MORE_SENIOR: "not at the right seniority (the mentee must be more senior)",
    RuleBreak.SAME_DIRECTORATE: "in the same directorate",
    RuleBreak.PAIRED_BEFORE: "ruled out because they were paired before",
    RuleBreak.DECLARED_CONFLICT: "ruled out by a declared conflict",
    RuleBreak.UNPAIRED: "taken apart from them by a coordinator",
}


@dataclass(frozen=True)
class MatchContext:
    """What the rules need beyond the two applications."""

    plan: CohortPlan
    chain: ManagementChain
    # Unordered pairs of people who were paired in an earlier published cohort.
    paired_before: frozenset[frozenset[PersonId]] = frozenset()
    # (mentor application id, mentee application id) pairs a coordinator took apart in this review.
    unpaired: frozenset[tuple[int, int]] = frozenset()
    # Proposing pairs asks about every mentor with every mentee (10^6 pairs in a large cohort), so what depends on
    # one person alone is worked out once: where each work email sits in the chain. Not part of the context's value.
    _chain_places: dict[str, tuple[str, frozenset[str]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @cached_property
    def _people_paired_before(self) -> frozenset[str]:
        # Most people have no earlier pairing; checking one person is cheaper than building every pair's set.
        return frozenset(person.value for pair in self.paired_before for person in pair)

    def _chain_place(self, email: str) -> tuple[str, frozenset[str]]:
        """The email as the chain keys it (trimmed, lower case), and everyone above it."""
        place = self._chain_places.get(email)
        if place is None:
            place = (email.strip().lower(), frozenset(self.chain.managers_above(email)))
            self._chain_places[email] = place
        return place


def rule_breaks(mentor: Application, mentee: Application, context: MatchContext) -> list[RuleBreak]:
    a, b = mentor.profile, mentee.profile
    broken: list[RuleBreak] = []
    if mentor.person.value == mentee.person.value:
        broken.append(RuleBreak.SAME_PERSON)
    if _emails_related(a, b, context):
        broken.append(RuleBreak.MANAGEMENT_CHAIN)
    if b.band.rank <= a.band.rank:
        broken.append(RuleBreak.NOT_MORE_SENIOR)
    if context.plan.separate_directorates and _same_text(a.directorate, b.directorate):
        broken.append(RuleBreak.SAME_DIRECTORATE)
    if _paired_before(mentor.person, mentee.person, context):
        broken.append(RuleBreak.PAIRED_BEFORE)
    if _declared_conflict(a, b):
        broken.append(RuleBreak.DECLARED_CONFLICT)
    if (mentor.id, mentee.id) in context.unpaired:
        broken.append(RuleBreak.UNPAIRED)
    return broken


@dataclass(frozen=True)
class Fit:
    """How well two people fit. The points are worked out at once; the shared topics and the reasons only when
    asked for, because proposing pairs needs the points of every candidate pair but the words for few of them."""

    points: int
    mentor: Profile = field(repr=False)
    mentee: Profile = field(repr=False)

    @cached_property
    def shared_topics(self) -> tuple[Topic, ...]:
        """In the mentee's order."""
        return tuple(t for t in self.mentee.topics if t in self.mentor.topics)

    @cached_property
    def reasons(self) -> tuple[str, ...]:
        shared_topics = self.shared_topics
        shared_times = [slot for slot in self.mentor.availability if slot in self.mentee.availability]
        reasons = []
        if shared_topics:
            reasons.append(
                f"{_count(len(shared_topics), 'shared topic')}: " + ", ".join(t.label for t in shared_topics)
            )
        else:
            reasons.append("no topics in common")
        if shared_times:
            reasons.append("both usually free " + _list([slot.label for slot in shared_times[:3]]))
        else:
            reasons.append("no usual free time in common yet")
        reasons.append(_place(self.mentor, self.mentee)[1])
        return tuple(reasons)


def fit(mentor: Profile, mentee: Profile, plan: CohortPlan) -> Fit:
    weights = plan.weights
    shared_topics = len([t for t in mentee.topics if t in mentor.topics])
    topics = _overlap(shared_topics, mentor.topics, mentee.topics)
    shared_times = len([slot for slot in mentor.availability if slot in mentee.availability])
    times = _overlap(shared_times, mentor.availability, mentee.availability)
    place = _place(mentor, mentee)[0]
    points = round(POINTS * (weights.topics * topics + weights.availability * times + weights.place * place))
    return Fit(points=points, mentor=mentor, mentee=mentee)


def max_points(plan: CohortPlan) -> int:
    weights = plan.weights
    return POINTS * (weights.topics + weights.availability + weights.place)


def _emails_related(a: Profile, b: Profile, context: MatchContext) -> bool:
    if not a.work_email or not b.work_email:
        # Someone's own email is unknown: fall back to what each said about their manager.
        return _same_text(a.line_manager_email, b.work_email) or _same_text(b.line_manager_email, a.work_email)
    # What ManagementChain.related answers, from each person's place worked out once.
    first, above_first = context._chain_place(a.work_email)
    second, above_second = context._chain_place(b.work_email)
    if not first or not second:
        return False
    return first == second or first in above_second or second in above_first


def _paired_before(mentor: PersonId, mentee: PersonId, context: MatchContext) -> bool:
    people = context._people_paired_before
    return mentor.value in people and mentee.value in people and frozenset({mentor, mentee}) in context.paired_before


def _declared_conflict(a: Profile, b: Profile) -> bool:
    return (bool(b.work_email) and b.work_email in a.avoid_emails) or (
        bool(a.work_email) and a.work_email in b.avoid_emails
    )


def _overlap(shared: int, first: Sequence[object], second: Sequence[object]) -> float:
    smaller = min(len(first), len(second))
    return shared / smaller if smaller else 0.0


_WAYS = {
    MeetingPreference.TEAMS: frozenset({"teams"}),
    MeetingPreference.IN_PERSON: frozenset({"in-person"}),
    MeetingPreference.EITHER: frozenset({"teams", "in-person"}),
}
_COMMON_WAYS = {(first, second): _WAYS[first] & _WAYS[second] for first in _WAYS for second in _WAYS}


def _place(mentor: Profile, mentee: Profile) -> tuple[float, str]:
    common = _COMMON_WAYS[mentor.meeting_preference, mentee.meeting_preference]
    if "in-person" in common and _same_text(mentor.site, mentee.site):
        return 1.0, f"both based at {mentor.site}"
    if "teams" in common:
        return 0.8, "both happy to meet on Teams"
    if common:
        return 0.3, "both prefer to meet in person, but at different sites"
    return 0.0, "one prefers Teams and the other in person"


def _same_text(first: str, second: str) -> bool:
    folded = _folded(first)
    return bool(folded) and folded == _folded(second)


# Directorates, sites and emails come from a short list of spellings, each compared with every other person's.
@lru_cache(maxsize=4096)
def _folded(text: str) -> str:
    return text.strip().casefold()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _list(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
