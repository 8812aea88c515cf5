"""The "Did you meet?" card's buttons: record the answer, then show what comes next in place of the card.

"We met" opens the private reflection form for that meeting; "we rescheduled" and "it didn't happen" show the
meeting offered again, with times to choose. The answer is the clicker's own: the use case checks that the meeting
is theirs, so a forwarded or edited card records nothing for anyone else. Personal, so 1:1 chats only (the button
is in :data:`bot.card_actions._PRIVATE`).
"""

from __future__ import annotations

from bot.commands import CommandRequest, Reply
from bot.dispatcher import CommandDispatcher
from bot.services import Services
from cards.actions import AnswerCheckIn, CheckInAction
from cards.meetings import meeting_card
from cards.reflections import reflection_form_card
from programme.attendance import Outcome

CHECK_IN_ACTIONS: tuple[type, ...] = (AnswerCheckIn,)


class CheckInActions:
    def __init__(self, services: Services, dispatcher: CommandDispatcher) -> None:
        self._services = services
        self._dispatcher = dispatcher

    async def run(self, request: CommandRequest, action: CheckInAction, reference: str) -> Reply:
        match action:
            case AnswerCheckIn():
                return await self._dispatcher.attempt(
                    "checkin answer", lambda: self._answer(request, action), reference=reference
                )

    async def _answer(self, request: CommandRequest, action: AnswerCheckIn) -> Reply:
        answer = await self._services.check_ins.answer(request.actor, action.meeting, action.outcome)
        if answer.outcome is Outcome.MET:
            view = await self._services.reflections.prompt(request.actor, action.meeting)
            return Reply(card=reflection_form_card(view))
        if answer.view is not None:
            return Reply(card=meeting_card(answer.view))
        return Reply(text=answer.note or "Thanks for letting me know.")
