"""Typed commands for a pair's meetings: the same use cases as the meeting card's buttons."""

from __future__ import annotations

from bot.commands import Audience, Command, CommandRequest, Reply
from bot.services import Services
from cards.meetings import cancel_confirmation_card, meeting_card


def meeting_commands(services: Services) -> list[Command]:
    scheduling = services.scheduling

    async def schedule(request: CommandRequest) -> Reply:
        view = await scheduling.find_times(request.actor)
        # Typing it answers the "it's been a while" nudge just as its button does.
        await services.check_ins.engaged(request.actor, view.pair.id)
        return Reply(card=meeting_card(view))

    async def reschedule(request: CommandRequest) -> Reply:
        upcoming = await scheduling.upcoming(request.actor)
        return Reply(card=meeting_card(await scheduling.reschedule(request.actor, upcoming.meeting.id)))

    async def cancel(request: CommandRequest) -> Reply:
        return Reply(card=cancel_confirmation_card(await scheduling.upcoming(request.actor)))

    return [
        Command(
            "schedule",
            "Find a time for your next meeting with your partner.",
            Audience.EVERYONE,
            schedule,
            private=True,
        ),
        Command("reschedule", "Move your next meeting to another time.", Audience.EVERYONE, reschedule, private=True),
        Command("cancel", "Cancel your next meeting (asks first).", Audience.EVERYONE, cancel, private=True),
    ]
