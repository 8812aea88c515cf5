"""Matching's messages rendered with the bot's cards (the core's MatchMessages port)."""

from __future__ import annotations

from cards.introductions import (
    agreement_to_confirm_card,
    introduction_card,
    not_matched_text,
    pair_chat_introduction_card,
)
from programme.applications import Application
from programme.cohorts import Cohort
from programme.contracts import Contract
from programme.notifier import OutboundMessage
from programme.pairs import Pair
from programme.profiles import Topic


class CardMatchMessages:
    def introduction(
        self, cohort: Cohort, pair: Pair, me: Application, partner: Application, shared: tuple[Topic, ...]
    ) -> OutboundMessage:
        return OutboundMessage(
            summary="introduction to your partner",
            card=introduction_card(cohort, pair, me, partner, shared),
        )

    def pair_chat_introduction(
        self, cohort: Cohort, pair: Pair, mentor: Application, mentee: Application, shared: tuple[Topic, ...]
    ) -> OutboundMessage:
        return OutboundMessage(
            summary="introduction in the pair's chat",
            card=pair_chat_introduction_card(cohort, pair, mentor, mentee, shared),
        )

    def not_matched(self, cohort: Cohort, application: Application) -> OutboundMessage:
        return OutboundMessage(summary="not matched this time", text=not_matched_text(cohort, application))

    def partner_left(self, cohort: Cohort, partner: Application) -> OutboundMessage:
        return OutboundMessage(
            summary="partner stepped back",
            text=(
                f"Your reverse-mentoring partner in {cohort.title} has stepped back from the programme. People step "
                "back for all sorts of reasons, and it isn't a reflection on you or on your conversations. Your "
                "programme coordinator knows and will be in touch about what happens next, including a new partner "
                "if one is available. Thank you for the time you've given."
            ),
        )

    def agreement_to_confirm(self, pair: Pair, contract: Contract, writer: Application) -> OutboundMessage:
        return OutboundMessage(summary="agreement to confirm", card=agreement_to_confirm_card(pair, contract, writer))
