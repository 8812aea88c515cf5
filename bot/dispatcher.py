"""Runs one command or card action for one person: the coordinator gate for coordinator work, and one place that
turns errors into kind answers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.commands import Audience, Command, CommandRequest, CommandTable, Mismatch, Reply
from cards.notices import problem_card
from programme.audit import AuditDetail
from programme.coordinators import CoordinatorGate
from programme.errors import ProgrammeError
from programme.identity import PersonId

log = logging.getLogger(__name__)

PERSONAL_ONLY = (
    "That involves personal information, so I only do it in a 1:1 chat with me. Please open a chat with me and "
    "try there."
)
SOMETHING_WENT_WRONG = (
    "Something went wrong on our side and I could not finish that. Nothing you had already saved has been lost. "
    "Please try again in a minute; if it keeps happening, let your programme coordinator know."
)


class CommandDispatcher:
    def __init__(self, table: CommandTable, gate: CoordinatorGate) -> None:
        self.table = table
        self._gate = gate

    async def run(self, command: Command, request: CommandRequest, *, reference: str = "") -> Reply:
        if command.private and not request.in_personal_chat:
            return Reply(text=PERSONAL_ONLY)
        if command.audience is Audience.COORDINATORS:
            return await self.as_coordinator(
                request.actor,
                command.name,
                lambda: command.handler(request),
                target=command.audit_target(request.arguments),
                reference=reference,
            )
        return await self.attempt(command.name, lambda: command.handler(request), reference=reference)

    async def as_coordinator(
        self,
        actor: PersonId,
        action: str,
        operation: Callable[[], Awaitable[Reply]],
        *,
        target: str | None = None,
        detail: AuditDetail | None = None,
        reference: str = "",
    ) -> Reply:
        """Check the role, run, and audit (whatever happens), through the coordinator gate."""
        return await self.attempt(
            action,
            lambda: self._gate.perform(actor, action, operation, target=target, detail=detail),
            reference=reference,
        )

    async def attempt(self, label: str, operation: Callable[[], Awaitable[Reply]], *, reference: str = "") -> Reply:
        try:
            return await operation()
        except ProgrammeError as error:
            return Reply(text=error.user_message)
        except Exception:
            # The person gets a kind message; the log gets the detail, keyed by the activity id.
            log.exception("%r failed (activity %s)", label, reference)
            return Reply(card=problem_card(SOMETHING_WENT_WRONG))

    def named(self, name: str) -> Command:
        match = self.table.match(name)
        if isinstance(match, Mismatch):
            raise KeyError(name)
        return match.command
