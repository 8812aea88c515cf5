"""DialogHost: begin, continue, cancel and ask, with state carried between turns only by storage."""

from __future__ import annotations

from botbuilder.core import ConversationState, MemoryStorage, MessageFactory, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogTurnResult, WaterfallDialog, WaterfallStepContext
from botbuilder.dialogs.prompts import PromptOptions, TextPrompt
from botbuilder.schema import Activity, ActivityTypes

from dialogs.host import DIALOG_STATE_PROPERTY, DialogHost


async def ask_colour(step: WaterfallStepContext) -> DialogTurnResult:
    return await step.prompt("text", PromptOptions(prompt=MessageFactory.text("Which colour?")))


async def thank(step: WaterfallStepContext) -> DialogTurnResult:
    await step.context.send_activity(f"Thanks: {step.result}.")
    return await step.end_dialog()


class Conversation:
    def __init__(self) -> None:
        self.storage = MemoryStorage()
        self.adapter = TestAdapter(self._turn)
        self.adapter.template.channel_id = "msteams"
        self.action = "continue"
        self.answers: list[bool] = []

    async def _turn(self, turn: TurnContext) -> None:
        state = ConversationState(self.storage)
        host = DialogHost(state, [TextPrompt("text"), WaterfallDialog("colour", [ask_colour, thank])])
        if self.action == "begin":
            await host.begin(turn, "colour")
        elif self.action == "active":
            self.answers.append(await host.active(turn))
        elif self.action == "cancel":
            self.answers.append(await host.cancel(turn))
        else:
            self.answers.append(await host.continue_active(turn))
        await state.save_changes(turn)

    async def turn(self, action: str, text: str = "hello") -> tuple[bool | None, list[str]]:
        self.action = action
        self.answers.clear()
        self.adapter.activity_buffer.clear()
        await self.adapter.receive_activity(Activity(type=ActivityTypes.message, text=text))
        replies = [reply.text for reply in self.adapter.activity_buffer]
        return (self.answers[0] if self.answers else None), replies


async def test_nothing_is_active_until_a_dialog_begins() -> None:
    chat = Conversation()
    assert await chat.turn("active") == (False, [])
    assert await chat.turn("continue") == (False, [])
    assert await chat.turn("cancel") == (False, [])


async def test_a_dialog_runs_across_turns_and_ends() -> None:
    chat = Conversation()
    assert await chat.turn("begin") == (None, ["Which colour?"])
    assert await chat.turn("active") == (True, [])
    assert await chat.turn("continue", "teal") == (True, ["Thanks: teal."])
    assert await chat.turn("active") == (False, [])


async def test_beginning_again_replaces_the_dialog_under_way() -> None:
    chat = Conversation()
    await chat.turn("begin")
    assert await chat.turn("begin") == (None, ["Which colour?"])
    assert await chat.turn("continue", "red") == (True, ["Thanks: red."])
    assert await chat.turn("active") == (False, [])


async def test_cancel_drops_the_dialog_quietly() -> None:
    chat = Conversation()
    await chat.turn("begin")
    assert await chat.turn("cancel") == (True, [])
    assert await chat.turn("continue", "blue") == (False, [])


async def test_the_stack_is_kept_under_one_property_of_conversation_state() -> None:
    chat = Conversation()
    await chat.turn("begin")
    [document] = chat.storage.memory.values()
    assert DIALOG_STATE_PROPERTY in document
