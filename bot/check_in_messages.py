"""Check-ins' messages rendered with the bot's cards (the core's CheckInMessages port)."""

from __future__ import annotations

from cards.check_ins import did_you_meet_card, reminder_card, stall_alert_card, stalled_card
from programme.check_ins import Reminder, StallAlert, Stalled
from programme.meeting_view import MeetingView
from programme.notifier import OutboundMessage


class CardCheckInMessages:
    def reminder(self, reminder: Reminder) -> OutboundMessage:
        return OutboundMessage(summary="meeting reminder", card=reminder_card(reminder))

    def did_you_meet(self, view: MeetingView) -> OutboundMessage:
        return OutboundMessage(summary="did you meet?", card=did_you_meet_card(view))

    def stalled(self, stalled: Stalled) -> OutboundMessage:
        return OutboundMessage(summary="stalled pair nudge", card=stalled_card(stalled))

    def stall_alert(self, alert: StallAlert) -> OutboundMessage:
        return OutboundMessage(summary="stalled pair alert", card=stall_alert_card(alert))
