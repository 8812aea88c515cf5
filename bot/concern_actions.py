"""Raising a concern: the 'raise a concern' command and the form's buttons. Personal only: in a group chat the
dispatcher and the card actions refuse before anything is read.

Thin, as every handler: parse the form, call :meth:`Concerns.raise_concern`, render what happened. A problem with
what was typed shows the form again with the words still in it and the problem beside the box, so nothing the
person wrote is lost to a mistake.
"""

from __future__ import annotations

from bot.commands import Audience, Command, CommandRequest, Reply
from bot.dispatcher import CommandDispatcher
from bot.services import Services
from cards.actions import CancelConcern, ConcernAction, SendConcern, ShowConcernForm
from cards.concerns import concern_cancelled_card, concern_form_card, concern_sent_card, parse_concern_form
from programme.concerns import ConcernContext, NobodyToTell
from programme.errors import InvalidFields

CONCERN_ACTIONS: tuple[type, ...] = ConcernAction.__args__
COMMAND = "raise a concern"
FORM_OPENED = "I've opened a form to raise a concern, just below. Only the people it names will see what you write."


def concern_commands(services: Services) -> list[Command]:
    async def raise_concern(request: CommandRequest) -> Reply:
        return Reply(card=concern_form_card(await services.concerns.form(request.actor, ConcernContext.COMMAND)))

    return [
        Command(
            COMMAND,
            "Tell someone in confidence about something that's worrying you (never your partner).",
            Audience.EVERYONE,
            raise_concern,
            private=True,
        )
    ]


class ConcernActions:
    def __init__(self, services: Services, dispatcher: CommandDispatcher) -> None:
        self._services = services
        self._dispatcher = dispatcher

    async def run(self, request: CommandRequest, action: ConcernAction, reference: str) -> Reply:
        match action:
            case ShowConcernForm(context=context):
                return await self._dispatcher.attempt(
                    "concern", lambda: self._form(request, context), reference=reference
                )
            case SendConcern():
                return await self._dispatcher.attempt(
                    "concern send", lambda: self._send(request, action), reference=reference
                )
            case CancelConcern(context=context):
                return Reply(card=concern_cancelled_card(context))

    async def _form(self, request: CommandRequest, context: ConcernContext) -> Reply:
        form = await self._services.concerns.form(request.actor, context)
        # Beside the card it was opened from, not in its place: the reminder or reflection is still wanted.
        return Reply(text=FORM_OPENED, card=concern_form_card(form), as_new_message=True)

    async def _send(self, request: CommandRequest, action: SendConcern) -> Reply:
        concerns = self._services.concerns
        text, may_contact = "", False
        try:
            text, may_contact = parse_concern_form(action.data)
            sent = await concerns.raise_concern(
                request.actor,
                request.tenant,
                text,
                action.context,
                may_contact,
                display_name=request.display_name,
                form=action.form,
            )
        except InvalidFields as problems:
            form = await concerns.form(request.actor, action.context, form=action.form)
            return Reply(card=concern_form_card(form, text=text, may_contact=may_contact, problems=problems.problems))
        except NobodyToTell as nobody:
            # The words stay on the form, so the person can copy them to whoever they go to instead.
            form = await concerns.form(request.actor, action.context, form=action.form)
            return Reply(card=concern_form_card(form, text=text, may_contact=may_contact, notice=nobody.user_message))
        return Reply(card=concern_sent_card(sent))
