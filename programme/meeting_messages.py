"""What scheduling says to people. The core decides when and to whom; the bot's cards decide how it looks."""

from __future__ import annotations

from typing import Protocol

from programme.meeting_view import MeetingView
from programme.notifier import OutboundMessage


class MeetingMessages(Protocol):
    def meeting(self, view: MeetingView, summary: str) -> OutboundMessage:
        """The meeting as it now stands, for the person ``view.me`` (times to choose from, booked, cancelled ...),
        with ``view.notice`` saying what just happened. ``summary`` names the message in logs."""
        ...
