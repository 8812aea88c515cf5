"""Matching a cohort: propose the best pairs the rules allow, let a coordinator adjust them, then publish.

Nothing reaches anyone before ``publish``. Proposals live in the pair store, so a review survives a restart and two
coordinators see the same thing; locked and hand-made pairs are kept when the solver runs again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo

from programme.applications import Application, ApplicationState, ApplicationStore
from programme.clock import Clock
from programme.cohort_admin import decision_key
from programme.cohorts import Cohort, CohortState, CohortStore
from programme.deliveries import schedule_message
from programme.directory import Directory
from programme.errors import Conflict, InvalidInput, NotFound
from programme.management_chain import ManagementChain
from programme.match_messages import MatchMessages
from programme.match_rules import MatchContext, RuleBreak, fit, rule_breaks
from programme.pairs import MAX_OVERRIDE, NewPair, Pair, PairState, PairStore
from programme.profiles import Role
from programme.solver import solve
from programme.text import clean_line
from programme.work import NewWork, WorkQueue

PAIR_CHAT = "pair-chat"


@dataclass(frozen=True)
class ReviewedPair:
    pair: Pair
    mentor: Application
    mentee: Application


@dataclass(frozen=True)
class Unmatched:
    application: Application
    reason: str


@dataclass(frozen=True)
class MatchReview:
    cohort: Cohort
    pairs: Sequence[ReviewedPair]
    unmatched: Sequence[Unmatched]

    @property
    def published(self) -> bool:
        return any(p.pair.state is not PairState.PROPOSED for p in self.pairs)


@dataclass(frozen=True)
class Publication:
    cohort: Cohort
    pairs: int
    waitlisted: int


@dataclass(frozen=True)
class _Pool:
    """The approved people of a cohort. The rules' context (every declaration, the directory, the history) is
    gathered separately, and only by the steps that apply the rules: publishing and a published review need none."""

    cohort: Cohort
    mentors: dict[int, Application]
    mentees: dict[int, Application]

    def approved(self, pair: Pair) -> bool:
        """Whether both people of the pair are still approved (an approved person can only change by withdrawing)."""
        return pair.mentor_application in self.mentors and pair.mentee_application in self.mentees


class Matching:
    def __init__(
        self,
        *,
        cohorts: CohortStore,
        applications: ApplicationStore,
        pairs: PairStore,
        directory: Directory,
        work: WorkQueue,
        messages: MatchMessages,
        clock: Clock,
        zone: tzinfo,
        pair_chats: bool = False,
    ) -> None:
        self._cohorts = cohorts
        self._applications = applications
        self._pairs = pairs
        self._directory = directory
        self._work = work
        self._messages = messages
        self._clock = clock
        self._zone = zone
        self._pair_chats = pair_chats

    # Looking ---------------------------------------------------------------------------------------------------

    async def review(self, cohort_id: int) -> MatchReview:
        """The cohort's pairs as they stand; the first look at a cohort being matched proposes pairs."""
        cohort = await self._cohort(cohort_id)
        if cohort.state is CohortState.MATCHING and not await self._pairs.for_cohort(cohort.id):
            return await self.propose(cohort.id)
        return await self._review(await self._pool(cohort))

    async def pairs(self, cohort_id: int) -> Sequence[Pair]:
        """The cohort's pairs as stored. Unlike :meth:`review` this proposes nothing and looks nobody up, so a
        glance at the numbers (the status card) neither changes them nor costs a directory call per person."""
        return await self._pairs.for_cohort(cohort_id)

    # Changing --------------------------------------------------------------------------------------------------

    async def propose(self, cohort_id: int) -> MatchReview:
        """Run the solver again around the locked and hand-made pairs."""
        pool = await self._pool(await self._matching(cohort_id))
        context = await self._context(pool)
        current = await self._pairs.for_cohort(pool.cohort.id)
        for pair in current:
            if pair.locked and not pool.approved(pair):
                # Someone in it withdrew after it was locked: that pair can no longer happen.
                await self._pairs.remove_proposal(pair.id)
        kept = [p for p in current if p.locked and pool.approved(p)]
        places = {m.id: pool.cohort.plan.mentor_capacity for m in pool.mentors.values()}
        for pair in kept:
            places[pair.mentor_application] = places.get(pair.mentor_application, 0) - 1
        taken = {p.mentee_application for p in kept}
        free_mentees = [m for m in pool.mentees if m not in taken]
        allowed = {
            (mentor.id, mentee.id): fit(mentor.profile, mentee.profile, pool.cohort.plan).points
            for mentor in pool.mentors.values()
            if places.get(mentor.id, 0) > 0
            for mentee in (pool.mentees[m] for m in free_mentees)
            if not rule_breaks(mentor, mentee, context)
        }
        answer = solve(places, free_mentees, allowed)
        proposals = [self._new_pair(pool, pool.mentors[a], pool.mentees[b]) for a, b in answer.pairs]
        await self._pairs.replace_proposals(pool.cohort.id, proposals, self._clock.now())
        return await self._review(pool, context)

    async def lock(self, pair_id: int, locked: bool) -> MatchReview:
        pair = await self._proposal(pair_id)
        await self._matching(pair.cohort_id)
        if await self._pairs.set_locked(pair.id, locked) is None:
            raise Conflict("That pair has just been published or removed; here is the latest review.")
        return await self.review(pair.cohort_id)

    async def unpair(self, pair_id: int) -> MatchReview:
        """Take a proposed pair apart; the solver will not put them together again in this review."""
        pair = await self._proposal(pair_id)
        cohort = await self._matching(pair.cohort_id)
        await self._pairs.remember_unpaired(pair.cohort_id, pair.mentor_application, pair.mentee_application)
        await self._pairs.remove_proposal(pair.id)
        return await self._review(await self._pool(cohort))

    async def swap(self, first_id: int, second_id: int) -> MatchReview:
        """Exchange the mentees of two proposed pairs; refused when a new pair would break a rule."""
        if first_id == second_id:
            raise InvalidInput("Please choose two different pairs to swap.")
        first, second = await self._proposal(first_id), await self._proposal(second_id)
        if first.cohort_id != second.cohort_id:
            raise InvalidInput("Those pairs are in different cohorts.")
        pool = await self._pool(await self._matching(first.cohort_id))
        context = await self._context(pool)
        if not (pool.approved(first) and pool.approved(second)):
            raise Conflict(
                "Someone in those pairs has withdrawn since they were proposed, so I haven't swapped them. Type "
                "'match' to propose pairs again."
            )
        new = [
            (pool.mentors[first.mentor_application], pool.mentees[second.mentee_application]),
            (pool.mentors[second.mentor_application], pool.mentees[first.mentee_application]),
        ]
        problems = [
            f"{mentor.display_name} with {mentee.display_name}: {', '.join(b.describe for b in broken)}"
            for mentor, mentee in new
            if (broken := rule_breaks(mentor, mentee, context))
        ]
        if problems:
            raise Conflict(
                "I haven't swapped them, because " + "; ".join(problems) + ". To pair people against a rule, "
                "pair them by hand and give the reason."
            )
        await self._pairs.remove_proposal(first.id)
        await self._pairs.remove_proposal(second.id)
        now = self._clock.now()
        for mentor, mentee in new:
            await self._pairs.add(self._new_pair(pool, mentor, mentee, locked=True, by_hand=True), now)
        return await self._review(pool, context)

    async def pair_by_hand(
        self, cohort_id: int, mentor_id: int, mentee_id: int, override: str | None
    ) -> tuple[MatchReview, tuple[RuleBreak, ...]]:
        """Pair two approved applicants; a pair that breaks a hard rule needs ``override`` (the reason, audited).
        Returns the review and the rules broken (empty when none)."""
        pool = await self._pool(await self._matching(cohort_id))
        mentor, mentee = pool.mentors.get(mentor_id), pool.mentees.get(mentee_id)
        if mentor is None or mentee is None:
            raise NotFound("Please choose an approved mentor and an approved mentee of this cohort.")
        current = await self._pairs.for_cohort(pool.cohort.id)
        if any(p.mentee_application == mentee.id for p in current):
            raise Conflict(f"{mentee.display_name} already has a mentor; unpair them first.")
        if sum(p.mentor_application == mentor.id for p in current) >= pool.cohort.plan.mentor_capacity:
            # Capacity protects the mentor's time, and is not something to override.
            raise Conflict(
                f"{mentor.display_name} already mentors as many people as this cohort allows "
                f"({pool.cohort.plan.mentor_capacity}). Unpair one of their pairs first."
            )
        context = await self._context(pool)
        broken = tuple(rule_breaks(mentor, mentee, context))
        reason = clean_line(override or "")
        if broken and not reason:
            raise Conflict(
                f"Pairing {mentor.display_name} with {mentee.display_name} would break a rule: "
                + "; ".join(b.describe for b in broken)
                + ". If you still want to, tick the override and say why; it is kept in the audit log."
            )
        if len(reason) > MAX_OVERRIDE:
            raise InvalidInput(f"Please keep the reason to {MAX_OVERRIDE} characters.")
        pair = self._new_pair(pool, mentor, mentee, locked=True, by_hand=True, override=reason if broken else None)
        await self._pairs.add(pair, self._clock.now())
        return await self._review(pool, context), broken

    async def publish(self, cohort_id: int) -> Publication:
        """Publish the proposals, introduce every pair and tell everyone left unmatched. Running it again after
        an interruption finishes the job without repeating anything already sent."""
        cohort = await self._cohort(cohort_id)
        pool = await self._pool(cohort)
        if cohort.state is CohortState.MATCHING:
            proposed = await self._pairs.for_cohort(cohort.id, frozenset({PairState.PROPOSED}))
            if not proposed:
                raise Conflict(f"{cohort.title} has no proposed pairs to publish yet. Type 'match' to propose some.")
            await self._refuse_withdrawn(pool, proposed)
            cohort.check_move(CohortState.RUNNING)
            moved = await self._cohorts.move(cohort.id, CohortState.MATCHING, CohortState.RUNNING, self._clock.now())
            if moved is None:
                raise Conflict(f"{cohort.title} was changed by someone else a moment ago; nothing was published.")
            cohort = moved
        elif cohort.state is not CohortState.RUNNING:
            raise Conflict(f"{cohort.title} is {cohort.state.label}, so there is nothing to publish.")
        now = self._clock.now()
        await self._pairs.publish(cohort.id, now)
        # The people are those checked above; the published introductions name the cohort as it is now.
        pool = _Pool(cohort=cohort, mentors=pool.mentors, mentees=pool.mentees)
        published = await self._pairs.for_cohort(cohort.id, frozenset({PairState.PUBLISHED}))
        for pair in published:
            await self._introduce(pool, pair)
        paired = {p.mentor_application for p in published} | {p.mentee_application for p in published}
        waitlisted = 0
        for application in [*pool.mentors.values(), *pool.mentees.values()]:
            if application.id not in paired and await self._waitlist(cohort, application):
                waitlisted += 1
        return Publication(cohort=cohort, pairs=len(published), waitlisted=waitlisted)

    # Inside ----------------------------------------------------------------------------------------------------

    async def _introduce(self, pool: _Pool, pair: Pair) -> None:
        now = self._clock.now()
        mentor = pool.mentors.get(pair.mentor_application) or await self._applications.get(pair.mentor_application)
        mentee = pool.mentees.get(pair.mentee_application) or await self._applications.get(pair.mentee_application)
        if mentor is None or mentee is None:
            return  # someone erased their data in between; coordinators were told when they left
        shared = fit(mentor.profile, mentee.profile, pool.cohort.plan).shared_topics
        for me, partner in ((mentor, mentee), (mentee, mentor)):
            await schedule_message(
                self._work,
                key=f"pair:{pair.id}:introduction:{me.person.value}",
                tenant=me.tenant,
                person=me.person,
                message=self._messages.introduction(pool.cohort, pair, me, partner, shared),
                due_at=now,
                now=now,
            )
        if self._pair_chats:
            await self._work.enqueue(
                NewWork(
                    kind=PAIR_CHAT,
                    idempotency_key=f"pair:{pair.id}:chat",
                    tenant=mentor.tenant,
                    recipient=None,
                    due_at=now,
                    payload={"summary": "pair chat and introduction", "pair": pair.id},
                ),
                now,
            )

    async def _refuse_withdrawn(self, pool: _Pool, proposed: Sequence[Pair]) -> None:
        """Nobody is introduced to someone who withdrew after the pairs were proposed: the coordinator proposes
        again (which lets go of such pairs, locked or not) and sees the new pairs before publishing them."""
        gone = [p.mentor_application for p in proposed if p.mentor_application not in pool.mentors]
        gone += [p.mentee_application for p in proposed if p.mentee_application not in pool.mentees]
        if not gone:
            return
        names = [a.display_name for a in [await self._applications.get(i) for i in dict.fromkeys(gone)] if a]
        who = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names) or "Someone"
        raise Conflict(
            f"{who} withdrew after these pairs were proposed, so I haven't published anything. Type 'match' to "
            "propose pairs again."
        )

    async def _waitlist(self, cohort: Cohort, application: Application) -> bool:
        fresh = await self._applications.get(application.id)
        if fresh is None or fresh.state is not ApplicationState.APPROVED:
            return False
        moved = await self._applications.move(fresh.id, ApplicationState.WAITLISTED, fresh.version, self._clock.now())
        if moved is None:
            return False
        now = self._clock.now()
        await schedule_message(
            self._work,
            key=decision_key(moved),
            tenant=moved.tenant,
            person=moved.person,
            message=self._messages.not_matched(cohort, moved),
            due_at=now,
            now=now,
        )
        return True

    def _new_pair(
        self,
        pool: _Pool,
        mentor: Application,
        mentee: Application,
        *,
        locked: bool = False,
        by_hand: bool = False,
        override: str | None = None,
    ) -> NewPair:
        scored = fit(mentor.profile, mentee.profile, pool.cohort.plan)
        return NewPair(
            cohort_id=pool.cohort.id,
            mentor_application=mentor.id,
            mentee_application=mentee.id,
            mentor=mentor.person,
            mentee=mentee.person,
            points=scored.points,
            reasons=scored.reasons,
            locked=locked,
            by_hand=by_hand,
            override=override,
        )

    async def _review(self, pool: _Pool, context: MatchContext | None = None) -> MatchReview:
        current = await self._pairs.for_cohort(pool.cohort.id)
        reviewed: list[ReviewedPair] = []
        for pair in current:
            mentor = pool.mentors.get(pair.mentor_application) or await self._applications.get(pair.mentor_application)
            mentee = pool.mentees.get(pair.mentee_application) or await self._applications.get(pair.mentee_application)
            if mentor is not None and mentee is not None:
                reviewed.append(ReviewedPair(pair, mentor, mentee))
        if pool.cohort.state is not CohortState.MATCHING:
            return MatchReview(cohort=pool.cohort, pairs=reviewed, unmatched=())
        rules = context or await self._context(pool)
        places = Counter(p.mentor_application for p in current)
        unmatched = [
            Unmatched(application, self._why_unmatched(pool, rules, application))
            for application in [*pool.mentors.values(), *pool.mentees.values()]
            if (
                places[application.id] == 0
                if application.profile.role is Role.MENTOR
                else all(p.mentee_application != application.id for p in current)
            )
        ]
        return MatchReview(cohort=pool.cohort, pairs=reviewed, unmatched=unmatched)

    @staticmethod
    def _why_unmatched(pool: _Pool, context: MatchContext, person: Application) -> str:
        mentor_side = person.profile.role is Role.MENTOR
        others = list((pool.mentees if mentor_side else pool.mentors).values())
        kind = "mentee" if mentor_side else "mentor"
        if not others:
            return f"There are no approved {kind}s in this cohort yet."
        counts: Counter[RuleBreak] = Counter()
        possible = 0
        for other in others:
            broken = rule_breaks(person, other, context) if mentor_side else rule_breaks(other, person, context)
            if broken:
                counts[broken[0]] += 1
            else:
                possible += 1
        if possible:
            suits = f"1 {kind} would suit, but was" if possible == 1 else f"{possible} {kind}s would suit, but all were"
            crowd = "mentors" if mentor_side else "mentees"
            return f"{suits} needed for other pairs: there are more {crowd} than places this time."
        parts = [f"{n} {'is' if n == 1 else 'are'} {rule.for_unmatched}" for rule, n in counts.most_common()]
        return f"No {kind} fits the rules: " + "; ".join(parts) + "."

    async def _pool(self, cohort: Cohort) -> _Pool:
        approved = await self._applications.for_cohort(cohort.id, frozenset({ApplicationState.APPROVED}))
        mentors = {a.id: a for a in approved if a.profile.role is Role.MENTOR}
        mentees = {a.id: a for a in approved if a.profile.role is Role.MENTEE}
        return _Pool(cohort=cohort, mentors=mentors, mentees=mentees)

    async def _context(self, pool: _Pool) -> MatchContext:
        cohort = pool.cohort
        approved = [*pool.mentors.values(), *pool.mentees.values()]
        declarations = [(a.profile.work_email, a.profile.line_manager_email) for a in await self._everyone()]
        for application in approved:
            # The directory (when there is one) knows managers people did not declare, or declared wrongly.
            manager = await self._directory.manager_email(application.person)
            if manager and application.profile.work_email:
                declarations.insert(0, (application.profile.work_email, manager))
        history = await self._pairs.history([a.person for a in approved])
        return MatchContext(
            plan=cohort.plan,
            chain=ManagementChain.from_declarations(declarations),
            paired_before=frozenset(frozenset({p.mentor, p.mentee}) for p in history if p.cohort_id != cohort.id),
            unpaired=await self._pairs.unpaired(cohort.id),
        )

    async def _everyone(self) -> list[Application]:
        """Every application ever made: the more declarations, the more of each management chain is known."""
        everyone: list[Application] = []
        for cohort in await self._cohorts.listing():
            everyone.extend(await self._applications.for_cohort(cohort.id))
        return everyone

    async def _cohort(self, cohort_id: int) -> Cohort:
        cohort = await self._cohorts.get(cohort_id)
        if cohort is None:
            raise NotFound(f"There is no cohort {cohort_id}. Type 'cohorts' to see them all.")
        return cohort

    async def _matching(self, cohort_id: int) -> Cohort:
        cohort = await self._cohort(cohort_id)
        if cohort.state is not CohortState.MATCHING:
            raise Conflict(
                f"{cohort.title} is {cohort.state.label}. Pairs can be changed only while a cohort is being matched, "
                "after its sign-ups close."
            )
        return cohort

    async def _proposal(self, pair_id: int) -> Pair:
        pair = await self._pairs.get(pair_id)
        if pair is None:
            raise NotFound("I can't find that pair any more; here is the latest review.")
        if pair.state is not PairState.PROPOSED:
            raise Conflict("That pair has been published already, so it can't be changed here.")
        return pair
