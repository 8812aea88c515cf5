"""Runs one command for one person: the coordinator gate for coordinator commands, and one place that turns
errors into kind answers."""

from __future__ import annotations

import logging

from bot.commands import Audience, Command, CommandRequest, CommandTable, Mismatch, Reply
from cards.notices import problem_card
from programme.coordinators import CoordinatorGate
from programme.errors import ProgrammeError

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = (
    "Something went wrong on our side and I could not finish that. Nothing you had already saved has been lost. "
    "Please try again in a minute; if it keeps happening, let your programme coordinator know."
)


class CommandDispatcher:
    def __init__(self, table: CommandTable, gate: CoordinatorGate) -> None:
        self.table = table
        self._gate = gate

    async def run(self, command: Command, request: CommandRequest, *, reference: str = "") -> Reply:
        try:
            if command.audience is Audience.COORDINATORS:
                return await self._gate.perform(
                    request.actor,
                    command.name,
                    lambda: command.handler(request),
                    target=command.audit_target(request.arguments),
                )
            return await command.handler(request)
        except ProgrammeError as error:
            return Reply(text=error.user_message)
        except Exception:
            # The person gets a kind message; the log gets the detail, keyed by the activity id.
            log.exception("command %r failed (activity %s)", command.name, reference)
            return Reply(card=problem_card(SOMETHING_WENT_WRONG))

    def named(self, name: str) -> Command:
        match = self.table.match(name)
        if isinstance(match, Mismatch):
            raise KeyError(name)
        return match.command
