"""Card buttons of the matching review and of the first-meeting agreement.

Coordinator buttons go through the coordinator gate (checked and audited). A change the rules refuse comes back as
the review card with the reason at the top, so the coordinator stays where they were.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.commands import CommandRequest, Reply
from bot.dispatcher import CommandDispatcher
from bot.matching_commands import match_reviewed
from bot.services import Services
from cards.actions import (
    AddPair,
    AdjustMatch,
    AskPublish,
    ConfirmAgreement,
    ConfirmPublish,
    LockPair,
    MatchingAction,
    RerunMatch,
    SaveAgreement,
    ShowAgreement,
    ShowMatch,
    SwapPairs,
    UnpairPair,
)
from cards.agreements import agreement_card, agreement_form_values, parse_agreement_form
from cards.matching import match_adjust_card, match_review_card, publish_confirmation_card, published_card
from programme.errors import Conflict, InvalidFields
from programme.matching import MatchReview, Publication

MATCHING_ACTIONS: tuple[type, ...] = MatchingAction.__args__


class MatchingActions:
    def __init__(self, services: Services, dispatcher: CommandDispatcher) -> None:
        self._services = services
        self._dispatcher = dispatcher

    async def run(self, request: CommandRequest, action: MatchingAction, reference: str) -> Reply:
        matching = self._services.matching
        match action:
            case ShowMatch(cohort=cohort, page=page):
                return await self._as_coordinator(
                    request, "match", cohort, lambda: self._review(cohort, page), reference
                )
            case AdjustMatch(cohort=cohort):
                return await self._as_coordinator(
                    request, "match adjust", cohort, lambda: self._adjust(cohort), reference
                )
            case RerunMatch(cohort=cohort):
                return await self._as_coordinator(
                    request, "match rerun", cohort, lambda: self._shown(matching.propose(cohort)), reference
                )
            case AskPublish(cohort=cohort):
                return await self._as_coordinator(
                    request, "match publish", cohort, lambda: self._ask_publish(cohort), reference
                )
            case ConfirmPublish(cohort=cohort):
                return await self._as_coordinator(
                    request, "match publish confirm", cohort, lambda: self._publish(cohort), reference
                )
            case LockPair(pair=pair, locked=locked, cohort=cohort, page=page):
                return await self._change(
                    request,
                    "pair lock" if locked else "pair unlock",
                    f"pair {pair}",
                    cohort,
                    page,
                    lambda: matching.lock(pair, locked),
                    reference,
                )
            case UnpairPair(pair=pair, cohort=cohort, page=page):
                return await self._change(
                    request, "pair unpair", f"pair {pair}", cohort, page, lambda: matching.unpair(pair), reference
                )
            case SwapPairs(cohort=cohort, first=first, second=second):
                return await self._change(
                    request,
                    "pair swap",
                    f"pairs {first} and {second}",
                    cohort,
                    1,
                    lambda: matching.swap(first, second),
                    reference,
                )
            case AddPair():
                return await self._add(request, action, reference)
            case ShowAgreement(pair=chosen):
                return await self._dispatcher.attempt(
                    "agreement", lambda: self._agreement_card(request, chosen), reference=reference
                )
            case SaveAgreement():
                return await self._dispatcher.attempt(
                    "agreement save", lambda: self._save(request, action), reference=reference
                )
            case ConfirmAgreement(pair=agreed, version=version):
                return await self._dispatcher.attempt(
                    "agreement confirm", lambda: self._confirm(request, agreed, version), reference=reference
                )

    # Coordinators ------------------------------------------------------------------------------------------------

    async def _as_coordinator(
        self,
        request: CommandRequest,
        action: str,
        cohort: int,
        operation: Callable[[], Awaitable[Reply]],
        reference: str,
    ) -> Reply:
        return await self._dispatcher.as_coordinator(
            request.actor, action, operation, target=f"cohort {cohort}", reference=reference
        )

    async def _change(
        self,
        request: CommandRequest,
        action: str,
        target: str,
        cohort: int,
        page: int,
        change: Callable[[], Awaitable[MatchReview]],
        reference: str,
    ) -> Reply:
        async def changed() -> MatchReview:
            # The gate itself (not the dispatcher's wrapper), so a refused change is audited as rejected and still
            # comes back here to be shown on the review.
            return await self._services.gate.perform(request.actor, action, change, target=target)

        async def shown() -> Reply:
            try:
                return Reply(card=match_review_card(await changed(), page))
            except Conflict as refused:
                return await self._review(cohort, page, refused.user_message)

        return await self._dispatcher.attempt(action, shown, reference=reference)

    async def _add(self, request: CommandRequest, action: AddPair, reference: str) -> Reply:
        matching = self._services.matching
        override = action.override_reason if action.override else None

        async def pair() -> Reply:
            try:
                review, broken = await self._services.gate.perform(
                    request.actor,
                    "pair add",
                    lambda: matching.pair_by_hand(action.cohort, action.mentor, action.mentee, override),
                    target=f"cohort {action.cohort}",
                    detail={
                        "mentor_application": action.mentor,
                        "mentee_application": action.mentee,
                        "override": override,
                    },
                )
            except Conflict as refused:
                # On the card, as a refused swap is on the review: one place to look, whatever was refused.
                return Reply(card=match_adjust_card(await matching.review(action.cohort), refused.user_message))
            notice = (
                "Paired by hand against a rule (" + ", ".join(b.describe for b in broken) + "); the reason is in the "
                "audit log."
                if broken
                else None
            )
            return Reply(card=match_review_card(review, 1, notice))

        return await self._dispatcher.attempt("pair add", pair, reference=reference)

    async def _review(self, cohort: int, page: int, notice: str | None = None) -> Reply:
        return await match_reviewed(self._services, cohort, page, notice)

    async def _adjust(self, cohort: int) -> Reply:
        return Reply(card=match_adjust_card(await self._services.matching.review(cohort)))

    async def _ask_publish(self, cohort: int) -> Reply:
        return Reply(card=publish_confirmation_card(await self._services.matching.review(cohort)))

    async def _publish(self, cohort: int) -> Reply:
        publication = await self._services.matching.publish(cohort)
        return await self._published(await self._services.matching.review(cohort), publication)

    async def _published(self, review: MatchReview, publication: Publication) -> Reply:
        confirmed = await self._services.first_meeting.confirmed_by_pair(review.cohort.id)
        return Reply(card=published_card(publication, confirmed, review))

    @staticmethod
    async def _shown(review: Awaitable[MatchReview]) -> Reply:
        return Reply(card=match_review_card(await review))

    # Pairs ----------------------------------------------------------------------------------------------------------

    async def _agreement_card(self, request: CommandRequest, pair: int | None) -> Reply:
        return Reply(card=agreement_card(await self._services.first_meeting.mine(request.actor, pair)))

    async def _save(self, request: CommandRequest, action: SaveAgreement) -> Reply:
        first_meeting = self._services.first_meeting
        try:
            agreement, _values = parse_agreement_form(action.data)
            mine = await first_meeting.write(request.actor, action.pair, agreement, action.version)
        except InvalidFields as problems:
            # What was typed comes back with each problem, whether parsing or the rules found it.
            current = await first_meeting.mine(request.actor, action.pair)
            return Reply(card=agreement_card(current, agreement_form_values(action.data), problems.problems))
        except Conflict as clash:
            current = await first_meeting.mine(request.actor, action.pair)
            return Reply(card=agreement_card(current, notice=clash.user_message))
        return Reply(card=agreement_card(mine, notice="Saved. Your partner has been asked to read and confirm it."))

    async def _confirm(self, request: CommandRequest, pair: int, version: int) -> Reply:
        first_meeting = self._services.first_meeting
        try:
            mine = await first_meeting.confirm(request.actor, pair, version)
        except Conflict as clash:
            current = await first_meeting.mine(request.actor, pair)
            return Reply(card=agreement_card(current, notice=clash.user_message))
        both = mine.contract.confirmed
        return Reply(
            card=agreement_card(
                mine, notice="Thank you: you've both agreed." if both else "Thank you; waiting for your partner."
            )
        )
