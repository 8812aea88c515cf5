"""What matching says to people. The core decides when and to whom; the bot's cards decide how it looks."""

from __future__ import annotations

from typing import Protocol

from programme.applications import Application
from programme.cohorts import Cohort
from programme.contracts import Contract
from programme.notifier import OutboundMessage
from programme.pairs import Pair
from programme.profiles import Topic


class MatchMessages(Protocol):
    def introduction(
        self, cohort: Cohort, pair: Pair, me: Application, partner: Application, shared: tuple[Topic, ...]
    ) -> OutboundMessage:
        """To one person of a newly published pair: who their partner is and what to do first."""
        ...

    def pair_chat_introduction(
        self, cohort: Cohort, pair: Pair, mentor: Application, mentee: Application, shared: tuple[Topic, ...]
    ) -> OutboundMessage:
        """Posted in the pair's own group chat, to both at once."""
        ...

    def not_matched(self, cohort: Cohort, application: Application) -> OutboundMessage:
        """To an approved applicant left without a partner: they are on the waiting list."""
        ...

    def partner_left(self, cohort: Cohort, partner: Application) -> OutboundMessage:
        """To someone whose partner withdrew or left the programme: kind, no-fault, and what happens next."""
        ...

    def agreement_to_confirm(self, pair: Pair, contract: Contract, writer: Application) -> OutboundMessage:
        """To the other person, after one of the pair wrote or changed their agreement."""
        ...
