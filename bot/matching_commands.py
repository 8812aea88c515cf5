"""Commands for matching (coordinators) and the first-meeting agreement (pairs)."""

from __future__ import annotations

from bot.cohort_commands import COHORT_ARGUMENT, cohort_number, cohort_target
from bot.commands import Audience, Command, CommandRequest, Reply
from bot.services import Services
from cards.agreements import agreement_card
from cards.matching import match_review_card, publish_confirmation_card
from programme.cohorts import CohortState

MATCHABLE = frozenset({CohortState.MATCHING})


async def match_reviewed(services: Services, cohort_id: int, page: int = 1, notice: str | None = None) -> Reply:
    """The review card, typed or from a button. A published cohort's review is where coordinators follow up on
    first-meeting agreements, so it carries whether each pair has confirmed."""
    review = await services.matching.review(cohort_id)
    confirmed = await services.first_meeting.confirmed_by_pair(cohort_id) if review.published else None
    return Reply(card=match_review_card(review, page, notice, confirmed=confirmed))


def matching_commands(services: Services) -> list[Command]:
    async def match(request: CommandRequest) -> Reply:
        cohort = await services.cohorts.choose(cohort_number(request.arguments), MATCHABLE, "match")
        return await match_reviewed(services, cohort.id)

    async def publish(request: CommandRequest) -> Reply:
        cohort = await services.cohorts.choose(cohort_number(request.arguments), MATCHABLE, "publish pairs for")
        if not await services.matching.pairs(cohort.id):
            # Publishing pairs nobody has looked at would introduce people on the solver's word alone.
            return Reply(
                text=f"There are no pairs to publish for {cohort.title} yet. Type 'match {cohort.id}' to see the "
                "proposed pairs first; you can publish from there."
            )
        return Reply(card=publish_confirmation_card(await services.matching.review(cohort.id)))

    async def agreement(request: CommandRequest) -> Reply:
        return Reply(card=agreement_card(await services.first_meeting.mine(request.actor)))

    return [
        Command(
            "match",
            "Propose pairs for a cohort and review them (nothing is sent yet).",
            Audience.COORDINATORS,
            match,
            argument=COHORT_ARGUMENT,
            argument_optional=True,
            audit_target=cohort_target,
            private=True,
        ),
        Command(
            "publish",
            "Publish a cohort's pairs: introductions go out (asks first).",
            Audience.COORDINATORS,
            publish,
            argument=COHORT_ARGUMENT,
            argument_optional=True,
            audit_target=cohort_target,
            private=True,
        ),
        Command(
            "agreement",
            "Your first-meeting agreement with your partner.",
            Audience.EVERYONE,
            agreement,
            private=True,
        ),
    ]
