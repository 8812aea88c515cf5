"""Concerns' messages rendered with the bot's cards (the core's ConcernMessages port)."""

from __future__ import annotations

from cards.concerns import concern_for_contact_card
from programme.concerns import SUMMARY, Concern
from programme.notifier import OutboundMessage


class CardConcernMessages:
    def to_contact(self, concern: Concern) -> OutboundMessage:
        # The summary is all that stays of the message once delivered, and appears in delivery reports: it names
        # nobody and quotes nothing.
        return OutboundMessage(summary=SUMMARY, card=concern_for_contact_card(concern))
