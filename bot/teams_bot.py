"""The Teams activity handler: who is writing, remember how to reach them, and route to a command."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from botbuilder.core import BotState, CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ChannelAccount
from botbuilder.schema.teams import TeamInfo

from bot.card_actions import CardActions
from bot.commands import CommandRequest, Match, Reply
from bot.conversation_turns import ConversationTurns
from bot.dispatcher import PERSONAL_ONLY, CommandDispatcher
from bot.services import Services
from bot.turn_identity import Sender, activity_sender, is_personal_chat
from cards.actions import parse_action
from cards.elements import CONTENT_TYPE as CARD_CONTENT_TYPE
from cards.notices import unknown_command_card
from cards.welcome import welcome_card
from dialogs.host import DialogHost
from dialogs.signup import FORM_FINISHED, is_signup_submission
from programme.errors import InvalidInput
from storage.bot_state import StateConflictError

log = logging.getLogger(__name__)

UNIVERSAL_ACTION = "adaptiveCard/action"
MESSAGE_CONTENT_TYPE = "application/vnd.microsoft.activity.message"
ERROR_CONTENT_TYPE = "application/vnd.microsoft.error"

UNKNOWN_PERSON = (
    "Sorry, I can't tell who you are from this chat, so I can't help here. Please message me from your "
    "organisation's Microsoft Teams account."
)
TOO_QUICK = (
    "Two of your messages reached me at the same moment, so I couldn't keep track of the second one. Please use the "
    "latest card, or send that again."
)
SIGN_UP_STARTED = "Let's get you signed up: the first step is in the card I've just sent."
GROUP_HELLO = (
    "Hello! I'm ReMEDI bot; I help run the reverse-mentoring programme. Mention me with 'help' to see what I can "
    "do. Anything personal is handled in a 1:1 chat with me."
)


class RemediBot(TeamsActivityHandler):  # type: ignore[misc]
    def __init__(
        self,
        services: Services,
        dispatcher: CommandDispatcher,
        conversation_state: BotState,
        dialogs: DialogHost,
    ) -> None:
        super().__init__()
        self._services = services
        self._dispatcher = dispatcher
        self._conversation_state = conversation_state
        self._dialogs = dialogs
        self._actions = CardActions(services, dispatcher)
        self._turns = ConversationTurns()

    async def on_turn(self, turn_context: TurnContext) -> None:
        conversation = turn_context.activity.conversation
        async with self._turns.one_at_a_time(conversation.id if conversation and conversation.id else ""):
            await super().on_turn(turn_context)
            if turn_context.turn_state.get(_ERASED_IN_TURN):
                # Saving would bring back the conversation state that erasure just deleted.
                return
            try:
                await self._conversation_state.save_changes(turn_context)
            except StateConflictError:
                # Another replica handled a turn of this conversation at the same moment and saved first.
                log.warning("conversation state changed by another turn (activity %s)", turn_context.activity.id)
                await turn_context.send_activity(MessageFactory.text(TOO_QUICK))

    # Messages and Action.Submit --------------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity: Activity = turn_context.activity
        sender = activity_sender(activity)
        if sender is None:
            await turn_context.send_activity(UNKNOWN_PERSON)
            return
        if await self._remember(turn_context, sender) and is_personal_chat(activity):
            await self._send(turn_context, Reply(card=welcome_card(self._services.organisation_name)))

        submitted = activity.value is not None and not (activity.text or "").strip()
        text = "" if submitted else _typed_text(activity)
        match = self._dispatcher.table.match(text) if text else None
        # Commands still work in the middle of a sign-up (e.g. "help"); everything else, cards included, is the
        # dialog's, which also understands "cancel".
        interrupting = isinstance(match, Match) and match.command.name not in _DIALOG_COMMANDS
        if not interrupting and is_personal_chat(activity) and await self._dialogs.active(turn_context):
            await self._dialogs.continue_active(turn_context)
            return

        if submitted:
            await self._send(turn_context, await self._submitted_action(turn_context, sender, activity))
            return
        if match is None:
            return
        if not isinstance(match, Match):
            if match.text:
                await self._send(turn_context, Reply(card=unknown_command_card(match.text, match.suggestions)))
            return
        request = _request(sender, match.arguments, personal=is_personal_chat(activity))
        reply = await self._dispatcher.run(match.command, request, reference=activity.id or "")
        await self._send(turn_context, reply)

    async def _submitted_action(self, turn_context: TurnContext, sender: Sender, activity: Activity) -> Reply:
        value = activity.value
        if is_signup_submission(value):
            # A sign-up card from a dialog that is over; its answers must not be taken as a new application.
            return Reply(text=FORM_FINISHED)
        try:
            action = parse_action(None, value)
        except InvalidInput as error:
            return Reply(text=error.user_message)
        return await self._actions.run(
            _request(sender, "", personal=is_personal_chat(activity)), action, activity.id or ""
        )

    # Universal Actions (Action.Execute) -----------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        if turn_context.activity.name != UNIVERSAL_ACTION:
            return await super().on_invoke_activity(turn_context)
        try:
            return await self._on_universal_action(turn_context)
        except Exception:
            # Teams shows the body's message; a 500 from us would only show a generic failure and retry.
            log.exception("card action failed (activity %s)", turn_context.activity.id)
            return _invoke_error(500, "Something went wrong on our side. Please try again in a minute.")

    async def _on_universal_action(self, turn_context: TurnContext) -> InvokeResponse:
        activity: Activity = turn_context.activity
        sender = activity_sender(activity)
        if sender is None:
            return _invoke_error(401, UNKNOWN_PERSON)
        await self._remember(turn_context, sender)
        verb, data = _execute_payload(activity.value)
        try:
            action = parse_action(verb, data)
        except InvalidInput as error:
            return _invoke_error(400, error.user_message)
        request = _request(sender, "", personal=is_personal_chat(activity))
        reply = await self._actions.run(request, action, activity.id or "")
        _note_erasure(turn_context, reply)
        if reply.begin is not None:
            await self._send(turn_context, reply)
            reply = Reply(text=SIGN_UP_STARTED)
        if reply.card is not None and reply.as_new_message:
            await self._send(turn_context, Reply(card=reply.card))
            reply = Reply(text=reply.text)
        if reply.card is not None:
            if reply.text:
                # An invoke answers with one card or one message, not both; the text says why the card changed
                # (e.g. a stale decision), so it goes into the chat rather than being lost.
                await turn_context.send_activity(MessageFactory.text(reply.text))
            # The returned card replaces the one that was clicked, so card buttons navigate in place.
            return InvokeResponse(status=200, body={"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": reply.card})
        return InvokeResponse(
            status=200, body={"statusCode": 200, "type": MESSAGE_CONTENT_TYPE, "value": reply.text or "Done."}
        )

    # Installation and membership ------------------------------------------------------------------------------

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if not is_personal_chat(activity):
            await turn_context.send_activity(GROUP_HELLO)
            return
        sender = activity_sender(activity)
        if sender is not None and await self._remember(turn_context, sender):
            await self._send(turn_context, Reply(card=welcome_card(self._services.organisation_name)))

    async def on_teams_members_added(
        self, teams_members_added: list[ChannelAccount], team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if not is_personal_chat(activity):
            if any(member.id == bot_id for member in teams_members_added):
                await turn_context.send_activity(GROUP_HELLO)
            return
        # In a 1:1 chat "members added" means the person installed the bot (or the bot was installed for them).
        sender = activity_sender(activity)
        if sender is not None and await self._remember(turn_context, sender):
            await self._send(turn_context, Reply(card=welcome_card(self._services.organisation_name)))

    # Helpers -------------------------------------------------------------------------------------------------

    async def _remember(self, turn_context: TurnContext, sender: Sender) -> bool:
        """Keep the latest 1:1 conversation reference; True when the person is new to us."""
        activity = turn_context.activity
        if not is_personal_chat(activity):
            # A group chat's reference would send someone's private nudges to the whole group.
            return False
        reference = TurnContext.get_conversation_reference(activity)
        # The id of the message being answered means nothing to a later proactive send, and keeping it would make
        # every turn look like a new address.
        reference.activity_id = None
        address = reference.serialize()
        return await self._services.contacts.remember(sender.tenant, sender.person, address, self._services.clock.now())

    async def _send(self, turn_context: TurnContext, reply: Reply) -> None:
        _note_erasure(turn_context, reply)
        if reply.text:
            await turn_context.send_activity(MessageFactory.text(reply.text))
        if reply.card is not None:
            await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(reply.card)))
        if reply.begin is not None:
            if not is_personal_chat(turn_context.activity):
                await turn_context.send_activity(MessageFactory.text(PERSONAL_ONLY))
                return
            await self._dialogs.begin(turn_context, reply.begin.dialog_id, reply.begin.options)


_ERASED_IN_TURN = "remedi.erased"


def _note_erasure(turn_context: TurnContext, reply: Reply) -> None:
    if reply.erased:
        turn_context.turn_state[_ERASED_IN_TURN] = True


# Typed again mid-dialog, these go to the dialog (which reminds the person where they are) rather than restart it.
# Inside a sign-up these mean the dialog's own thing: "cancel" stops the sign-up rather than a meeting.
_DIALOG_COMMANDS = frozenset({"join", "profile", "cancel"})


def _typed_text(activity: Activity) -> str:
    text = TurnContext.remove_recipient_mention(activity) if activity.entities else (activity.text or "")
    return text or ""


def _request(sender: Sender, arguments: str, *, personal: bool) -> CommandRequest:
    return CommandRequest(
        actor=sender.person,
        tenant=sender.tenant,
        display_name=sender.display_name,
        arguments=arguments,
        in_personal_chat=personal,
    )


def _execute_payload(value: Any) -> tuple[object, object]:
    """The verb and data of an Action.Execute invoke; anything malformed becomes (None, None)."""
    if not isinstance(value, Mapping):
        return None, None
    action = value.get("action")
    if not isinstance(action, Mapping) or action.get("type") != "Action.Execute":
        return None, None
    return action.get("verb"), action.get("data")


def _invoke_error(status: int, message: str) -> InvokeResponse:
    code = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden"}.get(status, "InternalError")
    return InvokeResponse(
        status=200,
        body={"statusCode": status, "type": ERROR_CONTENT_TYPE, "value": {"code": code, "message": message}},
    )
