"""Card buttons of scheduling: find times, choose one, move or cancel a meeting. Each answers with the meeting's
card as it now stands, which replaces the card that was clicked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.commands import CommandRequest, Reply
from bot.dispatcher import CommandDispatcher
from bot.services import Services
from cards.actions import (
    AskCancelMeeting,
    ConfirmCancelMeeting,
    FindMeetingTimes,
    KeepMeeting,
    MeetingAction,
    PickOwnTime,
    PickSlot,
    RescheduleMeeting,
    ShowMeeting,
)
from cards.meetings import cancel_confirmation_card, meeting_card, parse_own_time
from programme.errors import InvalidFields
from programme.identity import PersonId
from programme.meeting_view import MeetingView

MEETING_ACTIONS: tuple[type, ...] = MeetingAction.__args__


class MeetingActions:
    def __init__(self, services: Services, dispatcher: CommandDispatcher) -> None:
        self._services = services
        self._dispatcher = dispatcher

    async def run(self, request: CommandRequest, action: MeetingAction, reference: str) -> Reply:
        scheduling = self._services.scheduling
        actor = request.actor
        match action:
            case FindMeetingTimes(pair=pair, later=later):
                return await self._shown("meeting find", lambda: self._find(actor, pair, later), reference)
            case ShowMeeting(meeting=meeting):
                return await self._shown("meeting show", lambda: scheduling.show(actor, meeting), reference)
            case PickSlot(meeting=meeting, version=version, slot=slot):
                return await self._shown(
                    "meeting pick", lambda: scheduling.pick(actor, meeting, version, slot), reference
                )
            case PickOwnTime():
                return await self._dispatcher.attempt(
                    "meeting pick-time", lambda: self._own_time(request, action), reference=reference
                )
            case KeepMeeting(meeting=meeting, version=version):
                return await self._shown("meeting keep", lambda: scheduling.keep(actor, meeting, version), reference)
            case RescheduleMeeting(meeting=meeting):
                return await self._shown("meeting reschedule", lambda: scheduling.reschedule(actor, meeting), reference)
            case AskCancelMeeting(meeting=meeting):
                return await self._dispatcher.attempt(
                    "meeting cancel",
                    lambda: _asked(scheduling.show(actor, meeting)),
                    reference=reference,
                )
            case ConfirmCancelMeeting(meeting=meeting, version=version):
                return await self._shown(
                    "meeting cancel confirm", lambda: scheduling.cancel(actor, meeting, version), reference
                )

    async def _shown(self, label: str, operation: Callable[[], Awaitable[MeetingView]], reference: str) -> Reply:
        async def shown() -> Reply:
            return Reply(card=meeting_card(await operation()))

        return await self._dispatcher.attempt(label, shown, reference=reference)

    async def _find(self, actor: PersonId, pair: int | None, later: bool) -> MeetingView:
        view = await self._services.scheduling.find_times(actor, pair, later=later)
        # Looking for a time answers the "it's been a while" nudge, whichever card the button was on.
        await self._services.check_ins.engaged(actor, view.pair.id)
        return view

    async def _own_time(self, request: CommandRequest, action: PickOwnTime) -> Reply:
        scheduling = self._services.scheduling
        try:
            start = parse_own_time(action.data, self._services.zone)
        except InvalidFields as problems:
            # Back on the meeting's card, where the form is, rather than as a message the card scrolls away from.
            view = await scheduling.show(request.actor, action.meeting, notice=problems.user_message, problem=True)
            return Reply(card=meeting_card(view))
        view = await scheduling.pick_time(request.actor, action.meeting, action.version, start)
        return Reply(card=meeting_card(view))


async def _asked(view: Awaitable[MeetingView]) -> Reply:
    return Reply(card=cancel_confirmation_card(await view))
