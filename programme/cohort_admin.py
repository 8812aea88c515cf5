"""What coordinators do with cohorts: create them, open and close sign-ups, and decide on applications.

Every method here is reached through the coordinator gate, which checks the role and writes the audit entry;
these use cases hold the programme's rules and tell applicants about decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo

from programme.applications import DECISIONS, Application, ApplicationState, ApplicationStore
from programme.clock import Clock
from programme.cohort_overview import CohortOverview
from programme.cohorts import Cohort, CohortPlan, CohortState, CohortStore
from programme.deliveries import schedule_message
from programme.errors import Conflict, InvalidInput, NotFound
from programme.identity import PersonId
from programme.local_dates import local_today
from programme.notifier import OutboundMessage
from programme.work import WorkQueue

# States in which coordinators still decide who takes part.
DECIDING = frozenset({CohortState.RECRUITING, CohortState.MATCHING})
REVIEWABLE = frozenset({ApplicationState.SUBMITTED, ApplicationState.WAITLISTED})
MAX_REASON = 200


@dataclass(frozen=True)
class ReviewPage:
    cohort: Cohort
    applications: Sequence[Application]
    page: int
    total_pages: int


class CohortAdmin:
    def __init__(
        self,
        cohorts: CohortStore,
        applications: ApplicationStore,
        work: WorkQueue,
        clock: Clock,
        zone: tzinfo,
    ) -> None:
        self._cohorts = cohorts
        self._applications = applications
        self._work = work
        self._clock = clock
        self._zone = zone

    def today(self) -> date:
        return local_today(self._clock, self._zone)

    async def create(self, actor: PersonId, plan: CohortPlan) -> Cohort:
        return await self._cohorts.add(plan.checked(self.today()), actor, self._clock.now())

    async def overviews(self) -> list[CohortOverview]:
        return [
            CohortOverview(cohort=c, counts=await self._applications.counts(c.id))
            for c in await self._cohorts.listing()
        ]

    async def current(self) -> CohortOverview | None:
        """The cohort a coordinator most likely means: the newest one that is not closed."""
        live = await self._cohorts.listing(frozenset(CohortState) - {CohortState.CLOSED})
        if not live:
            return None
        return CohortOverview(cohort=live[0], counts=await self._applications.counts(live[0].id))

    async def cohort(self, cohort_id: int) -> Cohort:
        cohort = await self._cohorts.get(cohort_id)
        if cohort is None:
            raise NotFound(f"There is no cohort {cohort_id}. Type 'cohorts' to see them all.")
        return cohort

    async def choose(self, cohort_id: int | None, states: frozenset[CohortState], purpose: str) -> Cohort:
        """The cohort named, or the only one in ``states`` when none was named."""
        if cohort_id is not None:
            return await self.cohort(cohort_id)
        candidates = await self._cohorts.listing(states)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise Conflict(f"There is no cohort to {purpose} just now. Type 'cohorts' to see them all.")
        numbers = ", ".join(str(c.id) for c in candidates)
        raise InvalidInput(f"Which cohort do you mean? Add its number ({numbers}); type 'cohorts' to see them.")

    async def open_signups(self, cohort_id: int) -> Cohort:
        cohort = await self.cohort(cohort_id)
        cohort.check_move(CohortState.RECRUITING)
        if cohort.plan.signup_closes < self.today():
            raise Conflict(
                f"The sign-up deadline of {cohort.title} ({cohort.plan.signup_closes:%d %B %Y}) has passed, so I "
                "haven't opened it. Please create a new cohort with the dates you need."
            )
        return await self._move(cohort, CohortState.RECRUITING)

    async def close_signups(self, cohort_id: int) -> Cohort:
        cohort = await self.cohort(cohort_id)
        cohort.check_move(CohortState.MATCHING)
        return await self._move(cohort, CohortState.MATCHING)

    async def review(self, cohort_id: int | None, page: int, per_page: int) -> ReviewPage:
        cohort = await self.choose(cohort_id, DECIDING, "review applications for")
        waiting = await self._applications.for_cohort(cohort.id, REVIEWABLE)
        # Those waiting for a first decision come before the waiting list, each in the order they applied.
        ordered = sorted(waiting, key=lambda a: (a.state is not ApplicationState.SUBMITTED, a.id))
        total_pages = max(1, -(-len(ordered) // per_page))
        shown = min(max(page, 1), total_pages)
        start = (shown - 1) * per_page
        return ReviewPage(cohort, ordered[start : start + per_page], shown, total_pages)

    async def decide(
        self, application_id: int, decision: ApplicationState, expected_version: int, reason: str
    ) -> Application:
        if decision not in DECISIONS:
            raise InvalidInput("A decision is to approve, to put on the waiting list, or to decline.")
        if len(reason) > MAX_REASON:
            raise InvalidInput(f"Please keep the reason to {MAX_REASON} characters.")
        application = await self._applications.get(application_id)
        if application is None:
            raise NotFound("I can't find that application; the person may have withdrawn or deleted their data.")
        cohort = await self.cohort(application.cohort_id)
        if cohort.state not in DECIDING:
            raise Conflict(f"{cohort.title} is {cohort.state.label}, so its applications can't be decided now.")
        if application.version != expected_version:
            raise Conflict(
                f"{application.display_name}'s application changed since this card was shown (it is now "
                f"{application.state.label.lower()}), so I haven't changed it. Here is the latest list."
            )
        application.check_move(decision)
        now = self._clock.now()
        decided = await self._applications.move(application_id, decision, expected_version, now)
        if decided is None:
            raise Conflict("Someone else decided on that application at the same moment; here is the latest list.")
        await schedule_message(
            self._work,
            key=decision_key(decided),
            tenant=decided.tenant,
            person=decided.person,
            message=decision_message(cohort, decided),
            due_at=now,
            now=now,
        )
        return decided

    async def _move(self, cohort: Cohort, target: CohortState) -> Cohort:
        moved = await self._cohorts.move(cohort.id, cohort.state, target, self._clock.now())
        if moved is None:
            raise Conflict(f"{cohort.title} was changed by someone else a moment ago; type 'cohorts' to see it now.")
        return moved


def decision_key(application: Application) -> str:
    """Names the message telling someone where their application stands, once per change of state."""
    return f"application:{application.id}:decision:{application.version}"


def decision_message(cohort: Cohort, application: Application) -> OutboundMessage:
    role = application.profile.role.value
    if application.state is ApplicationState.APPROVED:
        text = (
            f"Good news: your application to be a {role} in {cohort.title} has been approved. Thank you for "
            "taking part. Your coordinator will be in touch about training, and I'll introduce you to your "
            "partner once pairs are matched."
        )
    elif application.state is ApplicationState.WAITLISTED:
        text = (
            f"Thank you for applying to be a {role} in {cohort.title}. There isn't a place for you in this cohort "
            "just now, so you're on the waiting list: if a place opens up, or when the next cohort starts, you'll "
            "be among the first to hear. You don't need to do anything."
        )
    else:
        text = (
            f"Thank you for applying to be a {role} in {cohort.title}. This time your application hasn't been "
            "taken forward. This isn't a judgement of you or of what you offer; if you'd like to talk about it, "
            "your programme coordinator will be glad to hear from you."
        )
    return OutboundMessage(summary=f"application {application.state.value}", text=text)
