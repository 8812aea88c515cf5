"""One person's view of a pair's meeting: what a card needs to show it to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from programme.applications import Application
from programme.cohorts import Cohort
from programme.meetings import Meeting
from programme.pairs import Pair


@dataclass(frozen=True)
class MeetingView:
    meeting: Meeting
    pair: Pair
    cohort: Cohort
    me: Application
    partner: Application
    # The organisation's time zone, in which times are shown.
    zone: tzinfo
    # Whether booking sends calendar invitations (Graph) or people add the meeting themselves (local, .ics).
    invitations: bool
    # Where the meeting's .ics file can be fetched, when there is one to offer.
    ics_url: str | None = None
    # A line to show at the top: what just happened, or why nothing did.
    notice: str | None = None
    # Whether the notice reports a problem (shown as a warning) rather than news (a booking, a partner's choice).
    problem: bool = False

    @property
    def i_am_mentor(self) -> bool:
        return self.pair.mentor == self.me.person

    @property
    def sessions_planned(self) -> int:
        return self.cohort.plan.sessions
