"""Scheduling's messages rendered with the bot's cards (the core's MeetingMessages port)."""

from __future__ import annotations

from cards.meetings import meeting_card
from programme.meeting_view import MeetingView
from programme.notifier import OutboundMessage


class CardMeetingMessages:
    def meeting(self, view: MeetingView, summary: str) -> OutboundMessage:
        return OutboundMessage(summary=summary, card=meeting_card(view))
