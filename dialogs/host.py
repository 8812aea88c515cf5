"""One place where the bot starts, continues and cancels dialogs, so botbuilder-dialogs stays inside dialogs/.

The Bot Framework SDK is archived; keeping its dialog machinery behind this small surface (and the SDK's types in
bot/ and dialogs/ only) means moving to its successor is adapter work, not a rewrite.

The dialog stack lives in conversation state under one property. The caller saves conversation state at the end
of the turn (the bot already does), so a turn that begins or continues a dialog is persisted with everything else.
Conversation state is shared by everyone in a conversation: start personal dialogs (sign-up) only in a 1:1 chat.
"""

from __future__ import annotations

from collections.abc import Sequence

from botbuilder.core import BotState, TurnContext
from botbuilder.dialogs import Dialog, DialogContext, DialogSet

DIALOG_STATE_PROPERTY = "dialog_state"


class DialogHost:
    def __init__(self, conversation_state: BotState, dialogs: Sequence[Dialog]) -> None:
        self._dialog_state = conversation_state.create_property(DIALOG_STATE_PROPERTY)
        self._dialogs = DialogSet(self._dialog_state)
        for dialog in dialogs:
            self._dialogs.add(dialog)

    async def active(self, turn_context: TurnContext) -> bool:
        """Whether a dialog is waiting for this conversation's next message."""
        context = await self._context(turn_context)
        return context.active_dialog is not None

    async def begin(self, turn_context: TurnContext, dialog_id: str, options: object = None) -> None:
        """Start a dialog. Any dialog already under way is cancelled first, so two never interleave their cards.
        ``options`` are persisted with the dialog: pass plain JSON."""
        context = await self._context(turn_context)
        if context.active_dialog is not None:
            await context.cancel_all_dialogs()
        await context.begin_dialog(dialog_id, options)

    async def continue_active(self, turn_context: TurnContext) -> bool:
        """Hand the turn to the active dialog; False (and nothing done) when there is none."""
        context = await self._context(turn_context)
        if context.active_dialog is None:
            return False
        await context.continue_dialog()
        return True

    async def cancel(self, turn_context: TurnContext) -> bool:
        """Drop whatever dialog is under way, without a word to the person; False when there was none."""
        context = await self._context(turn_context)
        if context.active_dialog is None:
            return False
        await context.cancel_all_dialogs()
        return True

    async def _context(self, turn_context: TurnContext) -> DialogContext:
        return await self._dialogs.create_context(turn_context)
