"""Private reflections: the 'reflect' and 'my reflections' commands and the reflection cards' buttons.

Everything here is personal and runs only in the person's 1:1 chat with the bot (the commands are private, and
the buttons are in :data:`bot.card_actions._PRIVATE`). Every use case is asked with the clicker's own id, so a
button from someone else's card (forwarded, or edited to carry another id) finds nothing of theirs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.commands import Audience, Command, CommandRequest, Reply
from bot.dispatcher import CommandDispatcher
from bot.services import Services
from cards.actions import (
    AskDeleteReflection,
    ConfirmDeleteReflection,
    EditReflection,
    ListReflections,
    ReflectionAction,
    SaveReflection,
    ShowReflection,
    WriteReflection,
)
from cards.elements import Card
from cards.reflections import (
    delete_question_card,
    my_reflections_card,
    parse_reflection_form,
    reflection_card,
    reflection_form_card,
    reflection_form_values,
    reflection_saved_card,
)
from programme.errors import InvalidFields
from programme.reflections import DeleteQuestion, Entry, ReflectionPage, ReflectionView, Saved

REFLECTION_ACTIONS: tuple[type, ...] = ReflectionAction.__args__


def reflection_commands(services: Services) -> list[Command]:
    reflections = services.reflections

    async def reflect(request: CommandRequest) -> Reply:
        return Reply(card=reflection_form_card(await reflections.start(request.actor)))

    async def mine(request: CommandRequest) -> Reply:
        return Reply(card=my_reflections_card(await reflections.mine(request.actor)))

    return [
        Command(
            "reflect",
            "Write a private reflection on your latest conversation (only you can read it).",
            Audience.EVERYONE,
            reflect,
            private=True,
        ),
        Command(
            "my reflections",
            "Read, change or delete your private reflections.",
            Audience.EVERYONE,
            mine,
            private=True,
        ),
    ]


class ReflectionActions:
    def __init__(self, services: Services, dispatcher: CommandDispatcher) -> None:
        self._services = services
        self._dispatcher = dispatcher

    async def run(self, request: CommandRequest, action: ReflectionAction, reference: str) -> Reply:
        reflections = self._services.reflections
        actor = request.actor
        match action:
            case WriteReflection(meeting=None):
                # Like 'reflect': about their latest meeting if they haven't written about it yet.
                return await self._card("reflection new", lambda: _form(reflections.start(actor)), reference)
            case WriteReflection(meeting=meeting):
                return await self._card("reflection new", lambda: _form(reflections.prompt(actor, meeting)), reference)
            case SaveReflection():
                return await self._card("reflection save", lambda: self._save(request, action), reference)
            case ListReflections(page=page):
                return await self._card("reflection list", lambda: _page(reflections.mine(actor, page)), reference)
            case ShowReflection(reflection=reflection):
                return await self._card(
                    "reflection show", lambda: _shown(reflections.show(actor, reflection)), reference
                )
            case EditReflection(reflection=reflection):
                return await self._card(
                    "reflection edit", lambda: _form(reflections.edit(actor, reflection)), reference
                )
            case AskDeleteReflection(reflection=reflection):
                return await self._card(
                    "reflection delete", lambda: _question(reflections.ask_delete(actor, reflection)), reference
                )
            case ConfirmDeleteReflection(reflection=reflection, version=version):
                return await self._card(
                    "reflection delete confirm",
                    lambda: _deleted(reflections.delete(actor, reflection, version)),
                    reference,
                )

    async def _card(self, label: str, build: Callable[[], Awaitable[Card]], reference: str) -> Reply:
        async def answered() -> Reply:
            return Reply(card=await build())

        return await self._dispatcher.attempt(label, answered, reference=reference)

    async def _save(self, request: CommandRequest, action: SaveReflection) -> Card:
        reflections = self._services.reflections
        values = reflection_form_values(action.data)
        try:
            text = parse_reflection_form(action.data)
        except InvalidFields as problems:
            view = await reflections.rejected(
                request.actor,
                key=action.key,
                reflection_id=action.reflection,
                values=values,
                problems=problems.problems,
            )
            return reflection_form_card(view)
        outcome = await reflections.save(
            request.actor,
            key=action.key,
            reflection_id=action.reflection,
            version=action.version,
            text=text,
            values=values,
        )
        if isinstance(outcome, Saved):
            return reflection_saved_card(outcome)
        return reflection_form_card(outcome)


async def _form(view: Awaitable[ReflectionView]) -> Card:
    return reflection_form_card(await view)


async def _page(page: Awaitable[ReflectionPage]) -> Card:
    return my_reflections_card(await page)


async def _shown(entry: Awaitable[Entry]) -> Card:
    return reflection_card(await entry)


async def _question(question: Awaitable[DeleteQuestion]) -> Card:
    return delete_question_card(await question)


async def _deleted(outcome: Awaitable[ReflectionPage | DeleteQuestion]) -> Card:
    found = await outcome
    if isinstance(found, DeleteQuestion):
        # It was changed after the person asked to delete it: ask again, showing it as it is now.
        return delete_question_card(found)
    return my_reflections_card(found)
