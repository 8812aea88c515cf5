"""SqlBotStateStorage under botbuilder's own state and dialog machinery, as the bot uses it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from botbuilder.core import ConversationState, MessageFactory, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import (
    DialogSet,
    DialogState,
    DialogTurnResult,
    DialogTurnStatus,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.dialogs.prompts import PromptOptions, TextPrompt
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount

from storage.bot_state import SqlBotStateStorage, StateConflictError
from storage.database import Database
from tests.storage.conftest import FixedClock

CONVERSATION_ID = "19:meeting_abc123@thread.v2"
CONVERSATION_KEY = f"msteams/conversations/{CONVERSATION_ID}"


def teams_adapter(on_turn: Callable[[TurnContext], Awaitable[None]] | None = None) -> TestAdapter:
    # TestAdapter's default channel id is the str-Enum Channels.test, which ConversationState formats as
    # "Channels.test" on Python 3.11; a Teams-shaped template gives the keys the bot really uses.
    template = Activity(
        channel_id="msteams",
        service_url="https://smba.trafficmanager.net/emea/",
        from_property=ChannelAccount(id="29:user", name="Ada"),
        recipient=ChannelAccount(id="28:bot", name="ReMEDI"),
        conversation=ConversationAccount(id=CONVERSATION_ID),
    )
    return TestAdapter(on_turn, template)


def message(adapter: TestAdapter, text: str, conversation_id: str = CONVERSATION_ID) -> TurnContext:
    template = adapter.template
    activity = Activity(
        type=ActivityTypes.message,
        text=text,
        channel_id=template.channel_id,
        service_url=template.service_url,
        conversation=ConversationAccount(id=conversation_id),
        from_property=template.from_property,
        recipient=template.recipient,
    )
    return TurnContext(adapter, activity)


async def ask_name(step: WaterfallStepContext) -> DialogTurnResult:
    return await step.prompt("name", PromptOptions(prompt=MessageFactory.text("What should I call you?")))


async def greet(step: WaterfallStepContext) -> DialogTurnResult:
    await step.context.send_activity(f"Welcome, {step.result}.")
    return await step.end_dialog()


async def test_a_dialog_continues_on_the_next_turn(database: Database, clock: FixedClock) -> None:
    async def on_turn(turn_context: TurnContext) -> None:
        # Everything is rebuilt per turn, as after a restart or on another replica: only the database remembers.
        conversation_state = ConversationState(SqlBotStateStorage(database, clock))
        dialogs = DialogSet(conversation_state.create_property("DialogState"))
        dialogs.add(TextPrompt("name"))
        dialogs.add(WaterfallDialog("welcome", [ask_name, greet]))
        dialog_context = await dialogs.create_context(turn_context)
        result = await dialog_context.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await dialog_context.begin_dialog("welcome")
        await conversation_state.save_changes(turn_context)

    adapter = teams_adapter(on_turn)

    flow = await adapter.test("hello", "What should I call you?")
    stored = await SqlBotStateStorage(database, clock).read([CONVERSATION_KEY])
    dialog_state = stored[CONVERSATION_KEY]["DialogState"]
    assert isinstance(dialog_state, DialogState)
    # The SDK keeps the innermost dialog first: the prompt waiting for the answer, then its waterfall.
    assert [instance.id for instance in dialog_state.dialog_stack] == ["name", "welcome"]

    await flow.test("Ada", "Welcome, Ada.")


async def test_two_turns_of_one_conversation_cannot_both_save(database: Database, clock: FixedClock) -> None:
    adapter = teams_adapter()
    conversation_state = ConversationState(SqlBotStateStorage(database, clock))
    counter = conversation_state.create_property("counter")

    setup = message(adapter, "setup")
    await counter.set(setup, 0)
    await conversation_state.save_changes(setup)

    first, second = message(adapter, "one"), message(adapter, "two")
    await asyncio.gather(conversation_state.load(first), conversation_state.load(second))
    await counter.set(first, 1)
    await counter.set(second, 2)
    outcomes = await asyncio.gather(
        conversation_state.save_changes(first), conversation_state.save_changes(second), return_exceptions=True
    )

    assert outcomes.count(None) == 1
    (conflict,) = (o for o in outcomes if o is not None)
    assert isinstance(conflict, StateConflictError)
    check = message(adapter, "check")
    await conversation_state.load(check)
    assert await counter.get(check) == (1 if outcomes[0] is None else 2)


async def test_conversations_do_not_share_state(database: Database, clock: FixedClock) -> None:
    storage = SqlBotStateStorage(database, clock)
    conversation_state = ConversationState(storage)
    note = conversation_state.create_property("note")
    adapter = teams_adapter()
    conversations = ["19:one@thread.v2", "19:two@thread.v2"]

    for conversation in conversations:
        context = message(adapter, "hi", conversation)
        await conversation_state.load(context)
        await note.set(context, f"written in {conversation}")
        await conversation_state.save_changes(context)

    stored = await storage.read([f"msteams/conversations/{c}" for c in conversations])
    assert {key: item["note"] for key, item in stored.items()} == {
        f"msteams/conversations/{c}": f"written in {c}" for c in conversations
    }
