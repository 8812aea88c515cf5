"""Whether the programme may nudge a person now: not while they asked for a pause, not once they have left.

Nudges (reminders, "did you meet?", reflection prompts, surveys) are scheduled ahead; people's circumstances
change in between, so the check is made when the nudge is about to go, not when it was scheduled. Messages that
answer something the person did, or tell them a decision, are not nudges and always go.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from programme.applications import ApplicationStore
from programme.identity import PersonId
from programme.participants import ParticipantStore


class NudgePolicy:
    def __init__(self, participants: ParticipantStore, applications: ApplicationStore, zone: tzinfo) -> None:
        self._participants = participants
        self._applications = applications
        self._zone = zone

    async def reason_to_hold(self, person: PersonId, now: datetime) -> str | None:
        """Why a nudge must not go to this person now, or None when it may."""
        participant = await self._participants.get(person)
        if participant is None:
            return "not taking part (never signed up, or asked for their data to be deleted)"
        if participant.paused_on(now.astimezone(self._zone).date()):
            return f"paused until {participant.paused_until:%d %b %Y}"
        if not any(a.live for a in await self._applications.for_person(person)):
            return "no longer taking part"
        return None
