"""The queued work that makes a published pair's group chat and introduces them there."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from programme.contacts import Address
from programme.deliveries import MESSAGE, message_handler
from programme.errors import NotFound
from programme.identity import TenantId
from programme.matching import PAIR_CHAT
from programme.notifier import ConversationRecipient, OutboundMessage, PersonRecipient
from programme.pair_chat_introductions import pair_chat_handler
from programme.personal_data import PersonalData
from programme.sweeper import Sweeper, SweepPolicy, WorkHandler
from programme.work import WorkItem, WorkState
from programme.working_hours import WorkingHours
from tests.programme.builders import AISHA, CHIOMA, LONDON, TENANT
from tests.programme.pairing_world import AISHA_ANSWERS, CHIOMA_ANSWERS, PairingWorld
from tests.support.fakes import InMemoryContactBook
from tests.support.recording_messages import (
    ChatServiceDown,
    CreatedChat,
    MessageCall,
    RecordingNotifier,
    RecordingPairChats,
)

FIRST_CHAT = "19:chat-1@thread.v2"
TOPIC = "Reverse mentoring: Cohort 1: Spring cohort"


class ChatWorld(PairingWorld):
    """Aisha and Chioma, published with pair chats on; the chat work is in the queue, not yet done."""

    def __init__(self, chats: RecordingPairChats | None = None) -> None:
        super().__init__(pair_chats=True)
        self.chats = chats or RecordingPairChats()
        self.notifier = RecordingNotifier()
        self.addressed: list[tuple[TenantId, str]] = []
        self.handler = pair_chat_handler(
            pairs=self.pairs,
            applications=self.applications,
            cohorts=self.cohorts,
            chats=self.chats,
            notifier=self.notifier,
            messages=self.messages,
            address_for=self.address_for,
        )

    def address_for(self, tenant: TenantId, chat_id: str) -> Address:
        self.addressed.append((tenant, chat_id))
        return {"conversation": {"id": chat_id}, "serviceUrl": "https://smba.example/emea/"}

    async def publish(self) -> WorkItem:
        cohort = await self.cohort()
        await self.applicant(cohort, AISHA, "Aisha", AISHA_ANSWERS)
        await self.applicant(cohort, CHIOMA, "Chioma", CHIOMA_ANSWERS)
        await self.matching.review(cohort.id)
        await self.matching.publish(cohort.id)
        (item,) = [i for i in self.work.items.values() if i.kind == PAIR_CHAT]
        return item

    def sweeper(self, handlers: Mapping[str, WorkHandler]) -> Sweeper:
        return Sweeper(
            queue=self.work,
            handlers=handlers,
            contacts=InMemoryContactBook(),
            clock=self.clock,
            working_hours=WorkingHours(LONDON),
            owner="test-sweeper",
            policy=SweepPolicy(),
            jitter=lambda: 1.0,
        )


def introduced_in(chat_id: str, pair_id: int) -> tuple[ConversationRecipient, OutboundMessage]:
    address: dict[str, Any] = {"conversation": {"id": chat_id}, "serviceUrl": "https://smba.example/emea/"}
    return (
        ConversationRecipient(tenant=TENANT, address=address, label="pair chat"),
        OutboundMessage(
            summary="pair chat introduction",
            text=f"chat introduction of Aisha and Chioma in pair {pair_id}; shared: belonging",
        ),
    )


async def test_the_chat_is_made_with_both_people_and_the_pair_introduced_there() -> None:
    world = ChatWorld()
    item = await world.publish()
    pair_id = item.payload["pair"]

    await world.handler(item)

    assert world.chats.created == [CreatedChat(FIRST_CHAT, TENANT, (AISHA, CHIOMA), TOPIC)]
    pair = await world.pairs.get(pair_id)
    assert pair is not None
    assert pair.chat_id == FIRST_CHAT
    assert world.chats.installed == [FIRST_CHAT]
    assert world.addressed == [(TENANT, FIRST_CHAT)]
    assert world.notifier.sent == [introduced_in(FIRST_CHAT, pair_id)]
    assert world.messages.calls[-1] == MessageCall("pair_chat_introduction", ("Aisha", "Chioma"))


async def test_running_again_uses_the_chat_already_made() -> None:
    world = ChatWorld()
    item = await world.publish()

    await world.handler(item)
    await world.handler(item)

    assert [chat.chat_id for chat in world.chats.created] == [FIRST_CHAT]
    assert world.chats.installed == [FIRST_CHAT, FIRST_CHAT]
    assert world.addressed == [(TENANT, FIRST_CHAT), (TENANT, FIRST_CHAT)]


async def test_a_retry_after_installing_the_bot_failed_does_not_make_a_second_chat() -> None:
    world = ChatWorld(RecordingPairChats(failing_installs=1))
    item = await world.publish()

    with pytest.raises(ChatServiceDown):
        await world.handler(item)

    # The chat exists and is remembered, though nobody has been introduced in it yet.
    pair = await world.pairs.get(item.payload["pair"])
    assert pair is not None
    assert pair.chat_id == FIRST_CHAT
    assert (world.chats.installed, world.notifier.sent) == ([], [])

    await world.handler(item)

    assert [chat.chat_id for chat in world.chats.created] == [FIRST_CHAT]
    assert world.chats.installed == [FIRST_CHAT]
    assert world.notifier.sent == [introduced_in(FIRST_CHAT, item.payload["pair"])]


async def test_a_failure_making_the_chat_leaves_nothing_half_done() -> None:
    world = ChatWorld(RecordingPairChats(failing_creates=1))
    item = await world.publish()

    with pytest.raises(ChatServiceDown):
        await world.handler(item)

    pair = await world.pairs.get(item.payload["pair"])
    assert pair is not None
    assert pair.chat_id is None
    assert (world.chats.created, world.chats.installed, world.notifier.sent) == ([], [], [])
    await world.handler(item)
    assert [chat.chat_id for chat in world.chats.created] == [FIRST_CHAT]


async def test_the_sweeper_retries_a_failed_install_and_then_finishes() -> None:
    world = ChatWorld(RecordingPairChats(failing_installs=1))
    item = await world.publish()
    people = RecordingNotifier()
    sweeper = world.sweeper({PAIR_CHAT: world.handler, MESSAGE: message_handler(people)})

    first = await sweeper.sweep()
    assert (first.claimed, first.done, first.retrying) == (3, 2, 1)
    waiting = await world.work.find(item.id)
    assert waiting is not None
    assert (waiting.state, waiting.last_error) == (WorkState.PENDING, "ChatServiceDown: installing the bot failed")

    world.clock.advance(timedelta(minutes=5))
    second = await sweeper.sweep()

    assert (second.claimed, second.done) == (1, 1)
    done = await world.work.find(item.id)
    assert done is not None
    assert (done.state, done.attempts) == (WorkState.DONE, 2)
    assert [chat.chat_id for chat in world.chats.created] == [FIRST_CHAT]
    assert world.notifier.sent == [introduced_in(FIRST_CHAT, item.payload["pair"])]
    # The one-to-one introductions went as ordinary messages, once each.
    assert [recipient for recipient, _ in people.sent] == [
        PersonRecipient(TENANT, AISHA),
        PersonRecipient(TENANT, CHIOMA),
    ]


async def test_work_for_a_pair_that_is_gone_is_not_found() -> None:
    world = ChatWorld()
    item = await world.publish()

    for payload in ({"summary": "pair chat and introduction", "pair": 999}, {"pair": "1"}, {}):
        with pytest.raises(NotFound) as caught:
            await world.handler(_with_payload(item, payload))
        assert caught.value.user_message == "the pair no longer exists"
    assert (world.chats.created, world.notifier.sent) == ([], [])


async def test_work_for_a_pair_someone_was_erased_from_is_not_found() -> None:
    world = ChatWorld()
    item = await world.publish()
    await PersonalData([world.pairs, world.applications], world.clock).erase(CHIOMA)

    with pytest.raises(NotFound) as caught:
        await world.handler(item)

    assert caught.value.user_message == "the pair no longer exists"
    assert (world.chats.created, world.notifier.sent) == ([], [])


async def test_work_for_a_pair_whose_person_has_no_application_left_is_not_found() -> None:
    world = ChatWorld()
    item = await world.publish()
    # Only the applications were erased so far (say, the erasure was interrupted before it reached the pairs).
    await world.applications.erase(AISHA, world.clock.now())

    with pytest.raises(NotFound) as caught:
        await world.handler(item)

    assert caught.value.user_message == "one of the pair has left the programme"
    assert (world.chats.created, world.notifier.sent) == ([], [])


async def test_the_sweeper_settles_work_for_a_vanished_pair_as_dead_at_once() -> None:
    world = ChatWorld()
    item = await world.publish()
    await PersonalData([world.pairs, world.applications], world.clock).erase(AISHA)
    sweeper = world.sweeper({PAIR_CHAT: world.handler, MESSAGE: message_handler(RecordingNotifier())})

    report = await sweeper.sweep()

    # Not retried: the two one-to-one introductions were delivered, the chat work is given up at the first try.
    assert (report.claimed, report.done, report.dead, report.retrying) == (3, 2, 1, 0)
    settled = await world.work.find(item.id)
    assert settled is not None
    assert (settled.state, settled.attempts, settled.last_error) == (WorkState.DEAD, 1, "the pair no longer exists")
    assert world.chats.created == []


def _with_payload(item: WorkItem, payload: Mapping[str, Any]) -> WorkItem:
    return replace(item, payload=payload)
