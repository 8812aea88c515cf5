"""When someone withdraws or leaves, their partner hears it kindly from the bot rather than by silence."""

from __future__ import annotations

from programme.applications import Application, ApplicationStore
from programme.clock import Clock
from programme.cohorts import CohortStore
from programme.deliveries import schedule_message
from programme.match_messages import MatchMessages
from programme.pairs import PairState, PairStore
from programme.participation import WithdrawalListener
from programme.work import WorkQueue


def tell_partners(
    *,
    pairs: PairStore,
    applications: ApplicationStore,
    cohorts: CohortStore,
    work: WorkQueue,
    messages: MatchMessages,
    clock: Clock,
) -> WithdrawalListener:
    async def partner_left(leaving: Application) -> None:
        cohort = await cohorts.get(leaving.cohort_id)
        if cohort is None:
            return
        # Found by application, not person: after an erasure the pair no longer names the person who left.
        published = await pairs.for_cohort(cohort.id, frozenset({PairState.PUBLISHED}))
        for pair in published:
            if leaving.id not in (pair.mentor_application, pair.mentee_application):
                continue
            other_id = pair.mentee_application if pair.mentor_application == leaving.id else pair.mentor_application
            partner = await applications.get(other_id)
            if partner is None or not partner.live:
                continue
            now = clock.now()
            await schedule_message(
                work,
                key=f"pair:{pair.id}:partner-left:{leaving.id}",
                tenant=partner.tenant,
                person=partner.person,
                message=messages.partner_left(cohort, partner),
                due_at=now,
                now=now,
            )

    return partner_left
